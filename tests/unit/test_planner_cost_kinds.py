"""Money by kind (roadmap.md §1, issue 25): the planner's costs split into one-off (BUILD, BUY) and
recurring (teacher-years) money, adding up to the totals exactly, from the planner's frames to the plan
tables write_roadmap leaves in the warehouse. The figures are worked by hand on a two-school level."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from equity.planner import cost_curve, plan, plan_by_pieces
from equity.warehouse import write_roadmap
from tests.unit.test_planner import _groups, _national_like

TEACHERS = {"R1", "R2", "R3", "B6", "B7", "B8"}  # a teacher a year (seeds/unit_costs.csv: recurring)


def _two_schools(cost_kind=True):
    """One county level, two schools of 100 pupils, both indicators with a threshold of 5 that the
    school rule asks of every unit (min_passing = 2): school a has 3 teachers per 100 pupils (R1,
    ¥120,000 a teacher-year) and 4 m² per pupil (R4, ¥3,000 a m²); school b has 5 and 5. The floors
    alone settle the plan: a adds 100·(5 − 3)/100 = 2 teachers and 100·(5 − 4) = 100 m², after which
    both schools hold 5 and 5 (CV 0, under every target)."""
    rows = []
    for school, r1, r4 in (("a", 3.0, 4.0), ("b", 5.0, 5.0)):
        for code, value, scale, integer, unit_cost, kind in (("R1", r1, 100.0, True, 120_000.0, "recurring"),
                                                             ("R4", r4, 1.0, False, 3_000.0, "one_off")):
            rows.append({"year": 2024, "ruleset": "r", "county_code": "210302", "level": "primary",
                         "school_id": school, "indicator_code": code, "students": 100, "value": value,
                         "threshold": 5.0, "scale": scale, "integer": integer, "unit_cost": unit_cost,
                         "school_share": 1.0, "shared": False, "cost_kind": kind})
    units = pd.DataFrame(rows)
    return units if cost_kind else units.drop(columns="cost_kind")


# 2 teachers × ¥120,000 a year and 100 m² × ¥3,000 once
ONE_OFF, RECURRING, TOTAL = 300_000.0, 240_000.0, 540_000.0


def test_a_level_adding_2_teachers_and_100_m2_costs_300k_once_and_240k_a_year():
    result = plan(_two_schools(), _groups(0.50, school_rule=True), min_passing=2)
    up = result.unit_plan.set_index("indicator_code")
    assert up.loc["R1", "addition"] == 2 and up.loc["R4", "addition"] == 100
    assert up["cost_kind"].to_dict() == {"R1": "recurring", "R4": "one_off"}
    level = result.group_status.iloc[0]
    assert level["one_off_cost_yuan"] == ONE_OFF
    assert level["recurring_cost_yuan_per_year"] == RECURRING
    assert level["cost_yuan"] == TOTAL and level["floor_cost_yuan"] == TOTAL
    ind = result.group_plan.set_index("indicator_code")
    assert ind.loc["R1", ["cost_yuan", "one_off_cost_yuan", "recurring_cost_yuan_per_year"]].tolist() == \
        [RECURRING, 0.0, RECURRING]
    assert ind.loc["R4", ["cost_yuan", "one_off_cost_yuan", "recurring_cost_yuan_per_year"]].tolist() == \
        [ONE_OFF, ONE_OFF, 0.0]


def test_the_comprehensive_row_splits_the_sum_of_the_indicators():
    result = plan(_two_schools(), _groups(0.50, rule="comprehensive", school_rule=True), min_passing=2)
    comp = result.group_plan.set_index("indicator_code").loc["COMPREHENSIVE"]
    assert comp[["cost_yuan", "one_off_cost_yuan", "recurring_cost_yuan_per_year"]].tolist() == \
        [TOTAL, ONE_OFF, RECURRING]


def test_every_target_of_the_cost_curve_carries_the_split_floors_included():
    curve = cost_curve(_two_schools(), _groups(0.50, school_rule=True), min_passing=2)
    assert list(curve["target"]) == pytest.approx([0.50, 0.45, 0.40, 0.35, 0.30])
    assert curve["one_off_cost_yuan"].tolist() == [ONE_OFF] * 5
    assert curve["recurring_cost_yuan_per_year"].tolist() == [RECURRING] * 5
    assert curve["cost_yuan"].tolist() == [TOTAL] * 5


def test_without_a_kind_the_split_is_unknown_and_the_total_unchanged():
    result = plan(_two_schools(cost_kind=False), _groups(0.50, school_rule=True), min_passing=2)
    level = result.group_status.iloc[0]
    assert level["cost_yuan"] == TOTAL
    assert np.isnan(level["one_off_cost_yuan"]) and np.isnan(level["recurring_cost_yuan_per_year"])
    assert result.unit_plan["cost_kind"].isna().all()


def test_one_off_plus_recurring_is_the_cost_exactly_on_random_levels():
    """Seven indicators per level (R1–R3 teachers, R4–R7 one-off), half of the levels comprehensive:
    in every table the two parts add up to the total to the last bit, and each part is what the
    unit rows of its kind cost."""
    units, groups = _national_like(5, 12, integer=True)
    units["cost_kind"] = np.where(units["indicator_code"].isin(TEACHERS), "recurring", "one_off")
    pieces = [units[units["county_code"] <= "c005"], units[units["county_code"] > "c005"]]
    out = plan_by_pieces([p.reset_index(drop=True) for p in pieces], groups)
    for name in ("group_plan", "group_status", "cost_curve"):
        frame = out[name]
        assert (frame["one_off_cost_yuan"] + frame["recurring_cost_yuan_per_year"] == frame["cost_yuan"]).all(), name
        assert (frame["one_off_cost_yuan"] >= 0).all() and (frame["recurring_cost_yuan_per_year"] >= 0).all()
    rows = out["unit_plan"]
    by_kind = rows.groupby(["county_code", "cost_kind"])["cost_yuan"].sum().unstack(fill_value=0.0)
    levels = out["group_status"].set_index("county_code")
    assert levels["recurring_cost_yuan_per_year"].gt(0).any() and levels["one_off_cost_yuan"].gt(0).any()
    for county, row in levels.iterrows():
        want = by_kind.loc[county] if county in by_kind.index else pd.Series({"one_off": 0.0, "recurring": 0.0})
        assert row["one_off_cost_yuan"] == pytest.approx(want.get("one_off", 0.0), rel=1e-12)
        assert row["recurring_cost_yuan_per_year"] == pytest.approx(want.get("recurring", 0.0), rel=1e-12)
    ind = out["group_plan"][out["group_plan"]["indicator_code"] != "COMPREHENSIVE"]
    teacher = ind["indicator_code"].isin(TEACHERS)
    assert (ind.loc[teacher, "one_off_cost_yuan"] == 0).all()
    assert (ind.loc[~teacher, "recurring_cost_yuan_per_year"] == 0).all()


# ------------------------------------------------------------------------------------------------
# The plan tables in the warehouse (equity/warehouse.py)


def planner_warehouse(units, delivered=(120000.0, 3000.0), seed=(100000.0, 3000.0)):
    """An in-memory warehouse holding what write_roadmap reads for a primary level of R1 and R4: dbt's
    int_ models and seeds from `units` (is_private when the frame has it, else public), the unit costs
    as int_unit_costs gives them (`delivered`, R1 and R4) and the seed's (`seed`, with their kinds)."""
    con = duckdb.connect()
    indicators = units[["year", "ruleset", "county_code", "level", "school_id", "indicator_code", "students",
                        "value", "threshold"]]
    schools = units.assign(is_private=units["is_private"] if "is_private" in units else False)
    con.register("u", indicators)
    con.register("s", schools[["year", "school_id", "is_private"]])
    con.execute("create table int_school_unit_indicators as select * from u")
    con.execute("create table int_school_units as select distinct year, ruleset, school_id, level, "
                "1.0 as resource_share from u")
    con.execute("create table stg_census__schools as select distinct year, school_id, is_private from s")
    con.execute("""create table standards as select * from (values
        ('r', 'primary', 'R1', 100, true, false), ('r', 'primary', 'R4', 1, false, false))
        t(ruleset, level, indicator_code, per_students, indivisible, whole_school)""")
    con.execute("create table int_unit_costs as select * from (values (2024, 'primary', 'R1', ?::double), "
                "(2024, 'primary', 'R4', ?::double)) t(year, level, indicator_code, cost_yuan)", list(delivered))
    con.execute("create table unit_costs as select * from (values ('primary', 'R1', ?::double, 'recurring'), "
                "('primary', 'R4', ?::double, 'one_off')) t(level, indicator_code, cost_yuan, cost_kind)", list(seed))
    con.execute("create table rulesets as select 'r' as ruleset, 'per_indicator' as balance_rule, "
                "true as has_school_rule")
    con.execute("create table balance_standards as select 'r' as ruleset, 'primary' as level, 0.50 as cv_max")
    return con


def _warehouse():
    """The two-school level; R1 priced by a delivered figure, which has no kind: the seed's applies."""
    return planner_warehouse(_two_schools())


def test_the_plan_tables_carry_the_split_and_the_seeds_kind():
    con = _warehouse()
    write_roadmap(con, [2024], min_passing=2, floor_ratio=0.85)
    level = con.execute("select cost_yuan, one_off_cost_yuan, recurring_cost_yuan_per_year "
                        "from plan_county_levels").fetchall()
    assert level == [(TOTAL, ONE_OFF, RECURRING)]
    kinds = con.execute("select indicator_code, cost_kind, cost_yuan from plan_unit_additions order by 1").fetchall()
    assert kinds == [("R1", "recurring", RECURRING), ("R4", "one_off", ONE_OFF)]
    ind = con.execute("select indicator_code, one_off_cost_yuan, recurring_cost_yuan_per_year "
                      "from plan_county_indicators order by 1").fetchall()
    assert ind == [("R1", 0.0, RECURRING), ("R4", ONE_OFF, 0.0)]
    curve = con.execute("select distinct one_off_cost_yuan, recurring_cost_yuan_per_year, cost_yuan "
                        "from plan_cost_curve").fetchall()
    assert curve == [(ONE_OFF, RECURRING, TOTAL)]


def test_a_plan_table_written_before_the_split_gains_its_columns():
    """A warehouse planned before money by kind: its plan tables lack the new columns. The next run
    adds them (NULL for the years it does not plan again) rather than failing to insert."""
    con = _warehouse()
    con.execute("""create table plan_county_levels (year INTEGER, ruleset VARCHAR, county_code VARCHAR,
        level VARCHAR, planned BOOLEAN, plan_passes BOOLEAN, cost_yuan DOUBLE, floor_cost_yuan DOUBLE,
        reason_if_not_planned VARCHAR, reason_if_fails VARCHAR)""")
    con.execute("insert into plan_county_levels values (2023, 'r', '210302', 'primary', true, true, 1.0, 0.0, "
                "null, null)")
    write_roadmap(con, [2024], min_passing=2, floor_ratio=0.85)
    rows = con.execute("select year, cost_yuan, one_off_cost_yuan, recurring_cost_yuan_per_year, planned "
                       "from plan_county_levels order by year").fetchall()
    assert rows == [(2023, 1.0, None, None, True), (2024, TOTAL, ONE_OFF, RECURRING, True)]
