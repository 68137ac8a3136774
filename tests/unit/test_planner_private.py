"""Private schools (民办, roadmap.md §1, issue 26 item 5): no public money is planned for them. What a
private school lacks is still planned and listed (its values count in the CV and the school rule), but
as its owner's duty: funded_by 'owner', cost_yuan 0 and owner_cost_yuan the cost, and the county's
costs (cost_yuan, one-off/recurring, floor cost, the cost curve) are the public schools' additions
alone. Figures worked by hand on a three-school level; on random levels the county's and the owner's
totals are summed again here from the additions and the unit costs, school by school."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equity.planner import cost_curve, plan, plan_by_pieces, verify
from equity.warehouse import write_roadmap
from tests.unit.test_planner import _groups, _national_like
from tests.unit.test_planner_cost_kinds import planner_warehouse

TEACHER, M2 = 120_000.0, 3_000.0  # ¥ a teacher-year (recurring), ¥ a m² (one-off)


def _three_schools(private=True):
    """One county level, three schools of 100 pupils; both indicators have a threshold of 5 that the
    school rule asks of every unit (min_passing = 2). Public school a: 3 teachers per 100 pupils (R1)
    and 4 m² per pupil (R4); private school p: 4 and 5; public school b: 5 and 5. The floors alone
    settle the plan: a adds 2 teachers and 100 m², p adds 1 teacher, and all three end at 5 and 5
    (CV 0)."""
    rows = []
    for school, is_private, r1, r4 in (("a", False, 3.0, 4.0), ("p", True, 4.0, 5.0), ("b", False, 5.0, 5.0)):
        for code, value, scale, integer, unit_cost, kind in (("R1", r1, 100.0, True, TEACHER, "recurring"),
                                                             ("R4", r4, 1.0, False, M2, "one_off")):
            rows.append({"year": 2024, "ruleset": "r", "county_code": "210302", "level": "primary",
                         "school_id": school, "indicator_code": code, "students": 100, "value": value,
                         "threshold": 5.0, "scale": scale, "integer": integer, "unit_cost": unit_cost,
                         "school_share": 1.0, "shared": False, "cost_kind": kind,
                         "is_private": is_private if private else False})
    return pd.DataFrame(rows)


# by hand: the county pays school a's 2 teachers (¥240,000 a year) and 100 m² (¥300,000 once); the
# owner of p pays its 1 teacher (¥120,000 a year)
COUNTY_ONE_OFF, COUNTY_RECURRING = 100 * M2, 2 * TEACHER
COUNTY_TOTAL = COUNTY_ONE_OFF + COUNTY_RECURRING  # 540,000
OWNER_RECURRING = 1 * TEACHER  # 120,000


def test_a_private_schools_teacher_is_the_owners_and_the_county_pays_the_public_additions_alone():
    result = plan(_three_schools(), _groups(0.50, school_rule=True), min_passing=2)
    up = result.unit_plan.set_index(["school_id", "indicator_code"])
    # what p lacks is still planned and listed: 1 teacher, as the owner's
    assert up.loc[("p", "R1"), "addition"] == 1
    assert up.loc[("p", "R1"), "funded_by"] == "owner"
    assert up.loc[("p", "R1"), "cost_yuan"] == 0.0
    assert up.loc[("p", "R1"), "owner_cost_yuan"] == OWNER_RECURRING
    assert up.loc[("p", "R1"), "cost_kind"] == "recurring"
    assert set(up.loc["a", "funded_by"]) == {"county"} and (up.loc["a", "owner_cost_yuan"] == 0).all()
    assert up.loc[("a", "R1"), "cost_yuan"] == 2 * TEACHER and up.loc[("a", "R4"), "cost_yuan"] == 100 * M2

    level = result.group_status.iloc[0]
    assert level[["cost_yuan", "one_off_cost_yuan", "recurring_cost_yuan_per_year", "floor_cost_yuan"]].tolist() == \
        [COUNTY_TOTAL, COUNTY_ONE_OFF, COUNTY_RECURRING, COUNTY_TOTAL]
    assert level[["owner_cost_yuan", "owner_one_off_cost_yuan", "owner_recurring_cost_yuan_per_year"]].tolist() == \
        [OWNER_RECURRING, 0.0, OWNER_RECURRING]
    ind = result.group_plan.set_index("indicator_code")
    assert ind.loc["R1", ["cost_yuan", "recurring_cost_yuan_per_year", "floor_cost_yuan"]].tolist() == \
        [2 * TEACHER] * 3
    assert ind.loc["R1", ["owner_cost_yuan", "owner_recurring_cost_yuan_per_year"]].tolist() == [OWNER_RECURRING] * 2
    assert ind.loc["R1", "addition_total"] == 3  # what the level lacks: the private school's teacher too
    assert ind.loc["R4", ["cost_yuan", "owner_cost_yuan"]].tolist() == [100 * M2, 0.0]


def test_the_private_school_still_counts_in_the_verdict_and_the_plan_passes():
    """The plan lifts p to the school rule's floor (its values count as any school's): p at 5 teachers
    per 100 pupils, every unit at 5 and 5, CV 0, and the verdict's check passes. Left where it stands
    (4), p would fail the school rule: the plan cannot pass without its owner's teacher."""
    units = _three_schools()
    groups = _groups(0.50, school_rule=True)
    result = plan(units, groups, min_passing=2)
    planned = units.assign(value=result.planned_values.to_numpy())
    assert planned["value"].tolist() == pytest.approx([5.0] * 6)
    assert bool(result.group_status["plan_passes"].iloc[0])
    without_owner = planned["value"].where(~((planned["school_id"] == "p") & (planned["indicator_code"] == "R1")), 4.0)
    check = verify(units, without_owner, groups, min_passing=2).iloc[0]
    assert check["units_failing_school_rule"] == 1 and not check["plan_passes"]


def test_the_plan_is_the_one_a_public_school_would_get_only_the_payer_differs():
    public = plan(_three_schools(private=False), _groups(0.50, school_rule=True), min_passing=2)
    private = plan(_three_schools(), _groups(0.50, school_rule=True), min_passing=2)
    cols = ["school_id", "indicator_code", "addition", "value_planned", "reason"]
    pd.testing.assert_frame_equal(public.unit_plan[cols], private.unit_plan[cols])
    # all public: the county pays all three teachers and the m²
    assert public.group_status["cost_yuan"].iloc[0] == COUNTY_TOTAL + OWNER_RECURRING
    assert public.group_status["owner_cost_yuan"].iloc[0] == 0.0


def test_the_cost_curve_is_the_countys_money():
    curve = cost_curve(_three_schools(), _groups(0.50, school_rule=True), min_passing=2)
    assert curve["cost_yuan"].tolist() == [COUNTY_TOTAL] * 5
    assert curve["one_off_cost_yuan"].tolist() == [COUNTY_ONE_OFF] * 5
    assert curve["recurring_cost_yuan_per_year"].tolist() == [COUNTY_RECURRING] * 5


def test_on_random_levels_the_county_pays_the_public_additions_and_the_owners_the_private_ones():
    """Seven indicators (R1–R3 teachers a year, R4–R7 one-off), a third of the schools private: per
    county level, the county's cost (and each kind) is Σ addition × unit cost over the public schools'
    rows, the owners' over the private schools' rows, summed here from the units; the additions and
    the verdict are those of the same plan with every school public."""
    units, groups = _national_like(11, 12, integer=True)
    units["cost_kind"] = np.where(units["indicator_code"].isin(["R1", "R2", "R3"]), "recurring", "one_off")
    schools = units["school_id"].drop_duplicates()
    private_ids = set(schools.iloc[::3])
    units["is_private"] = units["school_id"].isin(private_ids)
    out = plan_by_pieces([units], groups)
    same = plan_by_pieces([units.assign(is_private=False)], groups)
    assert out["group_status"]["plan_passes"].all()
    cols = ["county_code", "school_id", "indicator_code", "addition", "value_planned"]
    pd.testing.assert_frame_equal(out["unit_plan"][cols], same["unit_plan"][cols])

    rows = out["unit_plan"].merge(units[["county_code", "school_id", "indicator_code", "unit_cost", "cost_kind"]],
                                  on=["county_code", "school_id", "indicator_code"], suffixes=("", "_u"))
    rows["money"] = rows["addition"] * rows["unit_cost"]
    rows["private"] = rows["school_id"].isin(private_ids)
    assert rows["private"].any() and (rows.loc[rows["private"], "addition"] > 0).any()
    assert (rows["funded_by"] == np.where(rows["private"], "owner", "county")).all()
    levels = out["group_status"].set_index("county_code")
    for county, level in levels.iterrows():
        mine = rows[rows["county_code"] == county]
        for payer, cols_ in ((False, ("cost_yuan", "one_off_cost_yuan", "recurring_cost_yuan_per_year")),
                             (True, ("owner_cost_yuan", "owner_one_off_cost_yuan",
                                     "owner_recurring_cost_yuan_per_year"))):
            part = mine[mine["private"] == payer]
            total = part["money"].sum()
            one_off = part.loc[part["cost_kind_u"] == "one_off", "money"].sum()
            recurring = part.loc[part["cost_kind_u"] == "recurring", "money"].sum()
            assert [level[c] for c in cols_] == pytest.approx([total, one_off, recurring], rel=1e-12, abs=1e-6)
        # nothing is lost: county + owners = the all-public plan's cost
        assert level["cost_yuan"] + level["owner_cost_yuan"] == pytest.approx(
            same["group_status"].set_index("county_code").loc[county, "cost_yuan"], rel=1e-12)
    # the curve's cap step is the county's money of the plan
    cap_step = out["cost_curve"][out["cost_curve"]["target_step"] == 0].set_index("county_code")
    assert cap_step["cost_yuan"].to_numpy() == pytest.approx(levels.loc[cap_step.index, "cost_yuan"].to_numpy())


# ------------------------------------------------------------------------------------------------
# The plan tables in the warehouse (equity/warehouse.py): the census says which school is private


def _warehouse():
    return planner_warehouse(_three_schools(), delivered=(TEACHER, M2), seed=(TEACHER, M2))


def test_the_plan_tables_list_the_private_schools_addition_as_the_owners():
    con = _warehouse()
    write_roadmap(con, [2024], min_passing=2, floor_ratio=0.85)
    rows = con.execute("select school_id, indicator_code, addition, funded_by, cost_yuan, owner_cost_yuan "
                       "from plan_unit_additions order by 1, 2").fetchall()
    assert rows == [("a", "R1", 2.0, "county", 2 * TEACHER, 0.0), ("a", "R4", 100.0, "county", 100 * M2, 0.0),
                    ("p", "R1", 1.0, "owner", 0.0, OWNER_RECURRING)]
    level = con.execute("select cost_yuan, one_off_cost_yuan, recurring_cost_yuan_per_year, owner_cost_yuan, "
                        "owner_one_off_cost_yuan, owner_recurring_cost_yuan_per_year from plan_county_levels").fetchall()
    assert level == [(COUNTY_TOTAL, COUNTY_ONE_OFF, COUNTY_RECURRING, OWNER_RECURRING, 0.0, OWNER_RECURRING)]
    curve = con.execute("select distinct cost_yuan from plan_cost_curve").fetchall()
    assert curve == [(COUNTY_TOTAL,)]


def _cv(values, pupils):
    mean = np.average(values, weights=pupils)
    return float(np.sqrt(np.average((np.asarray(values) - mean) ** 2, weights=pupils)) / mean)


def test_a_plan_that_needs_a_private_schools_teachers_for_the_coefficient_says_it_relies_on_its_owner():
    """R1 per 100 pupils: public a 5, private p 2, public b 6, 100 pupils each; cap 0.20, no school rule.
    By hand, the county alone cannot pass: with p held at 2, no number of teachers at a and b brings the
    coefficient to 0.20 (scanned here: the least is 0.39). So the plan's teachers at p are no floor
    of p's own: the level's plan relies on its owner (plan_relies_on_owners), and says so. The floors-only
    level of the other tests does not."""
    units = _three_schools()
    units = units[units["indicator_code"] == "R1"].copy()
    units["value"] = units["school_id"].map({"a": 5.0, "p": 2.0, "b": 6.0})
    units["threshold"] = np.nan
    pupils = [100, 100, 100]
    grid = np.arange(2.0, 30.0, 0.25)
    county_alone = min(_cv([x, 2.0, y], pupils) for x in grid for y in grid if x >= 5 and y >= 6)
    assert county_alone > 0.20  # 0.39: a and b where they stand
    result = plan(units, _groups(0.20))
    assert result.group_status["plan_passes"].iloc[0]
    assert bool(result.group_status["relies_on_owners"].iloc[0]) is True
    up = result.unit_plan.set_index("school_id")
    assert up.loc["p", "funded_by"] == "owner" and up.loc["p", "addition"] > 0
    # the floors-only level: p's teacher is the school rule's floor, its own gap
    floors_only = plan(_three_schools(), _groups(0.50, school_rule=True), min_passing=2)
    assert bool(floors_only.group_status["relies_on_owners"].iloc[0]) is False
