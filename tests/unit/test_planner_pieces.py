"""The planner a few counties at a time (equity.planner.plan_by_pieces, what write_roadmap runs at
national scale) and the cost curve one target at a time: the same plans, costs and verdicts, to the
last bit, as one plan of every county and one stacked plan of every target."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equity import planner
from equity.planner import GROUP_KEYS, cost_curve, plan, plan_by_pieces
from tests.unit.test_planner import _groups, _national_like, _split_case

SORT = {"unit_plan": [*GROUP_KEYS, "school_id", "indicator_code"],
        "group_plan": [*GROUP_KEYS, "indicator_code"],
        "group_status": GROUP_KEYS,
        "cost_curve": [*GROUP_KEYS, "target_step"]}


def _stacked_curve(units, groups, steps=5, step=0.05, min_passing=6, floor_ratio=0.85, tol=1e-9):
    """The cost curve as one plan of every target stacked (how it was computed before it went one
    target at a time)."""
    keys = list(GROUP_KEYS)
    frames, gframes = [], []
    for i in range(steps):
        g = groups.copy()
        g["target"] = g["cap"] - i * step
        g["target_step"] = i
        gframes.append(g[g["target"] > 0])
        frames.append(units.assign(target_step=i))
    stacked_groups = pd.concat(gframes, ignore_index=True)
    stacked_groups["cap"] = stacked_groups["target"]
    stacked_units = pd.concat(frames, ignore_index=True).merge(stacked_groups[[*keys, "target_step"]],
                                                               on=[*keys, "target_step"])
    result = planner._Planner(stacked_units, stacked_groups, [*keys, "target_step"], min_passing, floor_ratio,
                              tol).run()
    st = result.group_status.merge(stacked_groups[[*keys, "target_step", "target"]], on=[*keys, "target_step"])
    st["reachable"] = st["plan_passes"].fillna(False).astype(bool)
    return st[[*keys, "target_step", "target", "cost_yuan", "one_off_cost_yuan", "recurring_cost_yuan_per_year",
               "reachable", "planned", "reason_if_not_planned"]].sort_values([*keys, "target_step"]).reset_index(
                   drop=True)


def _same(a: pd.DataFrame, b: pd.DataFrame, keys: list[str]) -> None:
    a = a.sort_values(keys).reset_index(drop=True).astype({"plan_passes": object} if "plan_passes" in a else {})
    b = b.sort_values(keys).reset_index(drop=True).astype({"plan_passes": object} if "plan_passes" in b else {})
    pd.testing.assert_frame_equal(a, b, check_exact=True, check_dtype=False)


def _data(seed):
    units, groups = _national_like(seed, 40, integer=True)
    split_units, split_groups = _split_case()  # a school with two levels sharing its building
    split_units["county_code"] = split_groups["county_code"] = "c999"
    return (pd.concat([units, split_units], ignore_index=True),
            pd.concat([groups, split_groups.assign(cap=0.3)], ignore_index=True))


@pytest.mark.parametrize("seed", [1, 3])
def test_the_cost_curve_one_target_at_a_time_equals_every_target_stacked(seed):
    units, groups = _data(seed)
    _same(cost_curve(units, groups), _stacked_curve(units, groups), SORT["cost_curve"])


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_planning_a_few_counties_at_a_time_equals_planning_them_all_at_once(seed):
    units, groups = _data(seed)
    counties = sorted(units["county_code"].unique())
    pieces = [units[units["county_code"].isin(counties[i:i + 7])].reset_index(drop=True)
              for i in range(0, len(counties), 7)]
    by_pieces = plan_by_pieces(pieces, groups)
    whole = plan(units, groups)
    for name in ("unit_plan", "group_plan", "group_status"):
        _same(by_pieces[name], getattr(whole, name), SORT[name])
    _same(by_pieces["cost_curve"], _stacked_curve(units, groups), SORT["cost_curve"])
    assert len(by_pieces["group_status"]) == len(groups)


def test_nothing_to_plan_gives_empty_tables_with_their_columns():
    units, groups = _data(0)
    out = plan_by_pieces([units.iloc[:0]], groups)
    assert all(frame.empty for frame in out.values())
    assert list(out["cost_curve"].columns) == [*GROUP_KEYS, "target_step", "target", "cost_yuan", "one_off_cost_yuan",
                                               "recurring_cost_yuan_per_year", "reachable", "planned",
                                               "reason_if_not_planned"]
    assert list(out["unit_plan"].columns)[:6] == [*GROUP_KEYS, "school_id", "indicator_code"]
    assert np.all([c in out["group_status"].columns for c in ("planned", "plan_passes", "cost_yuan")])


def _split_schools(seed):
    """Six counties of small schools, most of them split between two levels that share their
    building (R1, R3 shared; R1, R2 indivisible), caps tight enough for the greedy repair."""
    rng = np.random.default_rng(seed)
    rows, groups = [], []
    for j in range(6):
        code = f"c{j}"
        for i in range(int(rng.integers(3, 8))):
            split = rng.random() < 0.6
            share = rng.uniform(0.3, 0.7)
            levels = (("primary", share), ("junior", 1 - share)) if split else ((rng.choice(["primary", "junior"]), 1.0),)
            for level, sh in levels:
                students = int(rng.integers(50, 500))
                for k, (shared, integer, scale, cost, base) in enumerate(
                        [(True, True, 1.0, 3000.0, 5.0), (False, True, 100.0, 1.5e5, 5.0),
                         (True, False, 1.0, 50.0, 20.0)]):
                    v = base * rng.lognormal(0, 0.4)
                    if integer:
                        v = max(1, round(v * students / scale)) * scale / students
                    rows.append({"year": 2024, "ruleset": "r", "county_code": code, "level": level,
                                 "school_id": f"{code}-{i}", "indicator_code": f"R{k + 1}", "students": students,
                                 "value": v, "threshold": base * 0.8, "scale": scale, "integer": integer,
                                 "unit_cost": cost, "school_share": sh if shared else 1.0, "shared": shared})
        for level in ("primary", "junior"):
            cap = float(rng.uniform(0.1, 0.35))
            rule = "per_indicator" if rng.random() < 0.6 else "comprehensive"
            groups.append(_groups(cap, rule=rule, school_rule=True, county=code, level=level))
    units, groups = pd.DataFrame(rows), pd.concat(groups, ignore_index=True)
    held = units[["county_code", "level"]].drop_duplicates()
    return units, groups.merge(held, on=["county_code", "level"])


def test_a_county_planned_apart_ends_where_the_run_of_all_would_have_stopped():
    # seed 9: in one county the greedy repair runs out of failing groups, then a re-check (every 20
    # steps, while other counties still repair) finds the level that its split school's lift made
    # fail, and repairs it. Planned alone, that county would stop early; planned in pieces it
    # must not.
    units, groups = _split_schools(9)
    pieces = [units[units["county_code"] == c].reset_index(drop=True) for c in sorted(units["county_code"].unique())]
    whole = plan(units, groups, min_passing=2)
    by_pieces = plan_by_pieces(pieces, groups, min_passing=2)
    for name in ("unit_plan", "group_plan", "group_status"):
        _same(by_pieces[name], getattr(whole, name), SORT[name])
    _same(by_pieces["cost_curve"], _stacked_curve(units, groups, min_passing=2), SORT["cost_curve"])
    alone = pd.concat([plan(p, groups, min_passing=2).unit_plan for p in pieces], ignore_index=True)
    with pytest.raises(AssertionError):  # the case is one where planning each county alone differs
        _same(alone, whole.unit_plan, SORT["unit_plan"])


def test_a_piece_restored_to_its_first_idle_step_is_the_piece_planned_alone():
    units, groups = _split_schools(9)
    for county in sorted(units["county_code"].unique()):
        piece = units[units["county_code"] == county].reset_index(drop=True)
        traced = planner._Planner(piece, groups, list(GROUP_KEYS), 2, 0.85, 1e-9)
        traced.run(trace=True)
        if traced.final_from_first_idle():
            continue
        first_idle = int(np.argmax(traced.idle))
        traced.restore(first_idle)
        alone = plan(piece, groups, min_passing=2)
        for name in ("unit_plan", "group_plan", "group_status"):
            _same(getattr(traced.assemble(), name), getattr(alone, name), SORT[name])
        return
    pytest.fail("no county of this case resumes after an idle step")
