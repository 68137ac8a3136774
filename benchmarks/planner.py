"""The least-cost planner (equity/planner.py) at national scale: one year, two rule sets.

    python -m benchmarks.planner [--seed S] [--counties N] [--runs R]

`national_units(seed)` builds ≈ 2,850 counties × 2 levels × 2 rule sets × 7 indicators over ≈ 240k school
units (evaluation-method.md §6: ≈ 66 schools + 18 teaching points per county; about one junior unit in
four belongs to a 九年一贯制 school whose primary unit shares its building), values spread around the
thresholds so that many counties need floors and coefficient work. One rule set is per-indicator
(every CV ≤ 0.50 / 0.45), the other comprehensive (the mean of the seven); both have the school rule.
Prints the median of `--runs` timings of `plan` (target: a few seconds) and what the plan found.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from equity.planner import plan

# code, primary threshold, junior threshold, scale, integer, shared (whole school), yuan per natural unit
INDICATORS = [
    ("R1", 4.2, 5.3, 100.0, True, False, 120_000.0),
    ("R2", 1.0, 1.0, 100.0, True, False, 20_000.0),
    ("R3", 0.9, 0.9, 100.0, True, False, 120_000.0),
    ("R4", 4.5, 5.8, 1.0, False, True, 3_000.0),
    ("R5", 7.5, 10.2, 1.0, False, True, 500.0),
    ("R6", 2000.0, 2500.0, 1.0, False, True, 1.0),
    ("R7", 2.3, 2.4, 100.0, True, True, 50_000.0),
]
RULESETS = [("moe_2017", "per_indicator"), ("anshan_2019", "comprehensive")]
CAPS = {"primary": 0.50, "junior": 0.45}


def national_units(seed: int = 0, counties: int = 2850) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(units, groups) for one year: the planner's input at national scale."""
    rng = np.random.default_rng(seed)
    n_primary = rng.poisson(60, size=counties) + 2
    n_junior = rng.poisson(24, size=counties) + 1
    county = np.concatenate([np.repeat(np.arange(counties), n_primary), np.repeat(np.arange(counties), n_junior)])
    level = np.concatenate([np.full(n_primary.sum(), "primary"), np.full(n_junior.sum(), "junior")])
    n_units = len(county)
    school = np.arange(n_units)
    share = np.ones(n_units)
    # one junior unit in four is the junior part of a nine-year school: it takes the school id of its
    # own primary unit of the county, and the two share the building by weighted enrolment
    junior_idx = np.flatnonzero(level == "junior")
    nine = junior_idx[rng.random(len(junior_idx)) < 0.25]
    primary_start = np.concatenate([[0], np.cumsum(n_primary)[:-1]])
    nine_county = county[nine]
    rank = np.arange(len(nine)) - np.searchsorted(nine_county, nine_county)  # 0, 1, … within a county
    assert (rank < n_primary[nine_county]).all()
    partner = primary_start[nine_county] + rank  # a distinct primary unit of the same county
    school[nine] = school[partner]
    small = rng.random(n_units) < 0.2  # small schools and merged teaching points
    small[nine] = small[partner] = False
    students = np.where(small, rng.integers(15, 120, n_units), rng.lognormal(6.3, 0.5, n_units).astype(int) + 50)
    # whole-school resources split by weighted enrolment (int_school_units.sql; junior weight 1.2)
    weighted_p, weighted_j = students[partner] * 1.0, students[nine] * 1.2
    share[partner] = weighted_p / (weighted_p + weighted_j)
    share[nine] = weighted_j / (weighted_p + weighted_j)
    county_level = rng.lognormal(0.25, 0.12, size=(counties, 2))  # county wealth per level
    county_spread = rng.uniform(0.2, 0.6, size=counties)  # how unequal its schools are
    frames = []
    for code, t_p, t_j, scale, integer, shared, cost in INDICATORS:
        thr = np.where(level == "primary", t_p, t_j)
        wealth = county_level[county, (level == "junior").astype(int)]
        value = thr * wealth * np.exp(county_spread[county] * rng.standard_normal(n_units))
        if integer:
            value = np.round(value * students / scale) * scale / students
        frames.append(pd.DataFrame({
            "county_code": county, "level": level, "school_id": school, "indicator_code": code,
            "students": students, "value": value, "threshold": thr, "scale": scale, "integer": integer,
            "unit_cost": cost, "school_share": share if shared else 1.0, "shared": shared,
        }))
    one = pd.concat(frames, ignore_index=True)
    units = pd.concat([one.assign(ruleset=name) for name, _ in RULESETS], ignore_index=True)
    units.insert(0, "year", 2024)
    for col in ("level", "indicator_code", "ruleset"):
        units[col] = units[col].astype("category")
    groups = pd.DataFrame([(2024, name, c, lv, CAPS[lv], rule, True) for name, rule in RULESETS
                           for c in range(counties) for lv in ("primary", "junior")],
                          columns=["year", "ruleset", "county_code", "level", "cap", "balance_rule",
                                   "has_school_rule"])
    return units, groups


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--counties", type=int, default=2850)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    units, groups = national_units(args.seed, args.counties)
    n_units = units.drop_duplicates(["county_code", "level", "school_id"]).shape[0]
    print(f"{len(units):,} rows: {n_units:,} school units × 7 indicators × 2 rule sets; "
          f"{len(groups):,} county levels")
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        result = plan(units, groups)
        times.append(time.perf_counter() - start)
    st = result.group_status
    print(f"plan: median {statistics.median(times):.2f} s over {args.runs} runs "
          f"({', '.join(f'{t:.2f}' for t in times)}); target: a few seconds")
    print(f"county levels planned {int(st['planned'].sum()):,}, passing after the plan "
          f"{int(st['plan_passes'].fillna(False).sum()):,}, not passing {int((st['plan_passes'] == False).sum()):,}")  # noqa: E712
    print(f"unit rows {len(result.unit_plan):,}; cost {st['cost_yuan'].sum() / 1e9:,.2f} bn yuan "
          f"(floors {st['floor_cost_yuan'].sum() / 1e9:,.2f} bn)")
    print(st.groupby("ruleset", observed=True)["cost_yuan"].sum().div(1e9).round(2).to_string())


if __name__ == "__main__":
    main()
