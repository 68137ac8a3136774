"""The timetable across years (issue 14) on a hand-built seven-year history, 2018–2024.

The yearly marts the timetable reads are written by hand — each county's verdict, items, school units,
coefficients and plan cost per year, as a story told in the table below — and only the timetable's
dbt models are built over them (`dbt build --select path:models/marts/timeline`, tests included).
Every expected figure is read off the story, not off the code:

  county  story (moe_2017, per-indicator; city 2103 unless said)
  210301  ready every year from 2019 (not ready in 2018: G11)                       plan 2019
  210302  school unit S2 below R5 in 2018–2020, fixed in 2021; ready from 2021      plan 2021
  210303  unit S3 below R6 2018–19, passes 2020–21, fails again 2022–24             plan 2022 → overdue
  210304  primary R2 CV 0.64, 0.62 … 0.52 in 2018–24 (−0.02 a year): ≤ 0.50 in 2025 plan 2025 → on_track (projection)
  210305  junior R4 CV 0.70 … 0.64 (−0.01 a year): reaches 0.45 in 2043              plan 2025, ¥5 M, budget ¥1 M → at_risk
  210306  R2 CV 0.540 … 0.552 (+0.002 a year: not improving), plan cost ¥2 M         plan 2026, budget ¥3 M a year → on_track (budget)
  210307  not ready, not in the plan table                                          → no_plan
  210381  held only in 2023 and 2024, R2 CV 0.60 → 0.55 (city 2103)                plan 2025 → too few years
  210401  city 2104, ready 2018–2024                                                 no plan
  220101  province 22, incomplete in 2020 and 2023, ready otherwise

Milestones (a seed written by the test): 2103 by 2017 ≥ 1 → unknown (no data for 2017); 2103 by 2020 ≥ 1 →
met (210301 and 210303 ready that year); 2103 by 2023 all → missed (2 of the 8 held that year);
2103 by 2030 all → pending; province 21 by 2024 ≥ 4 → missed (210301, 210302, 210401 ready: 3);
province 22 by 2020 all → unknown (its only county is incomplete that year); the whole country by
2019 ≥ 3 → met (210301, 210401, 220101).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.settings import DBT_PROJECT_DIR

YEARS = list(range(2018, 2025))
RS = "moe_2017"
NAMES = {"210301": "甲区", "210302": "乙区", "210303": "丙区", "210304": "丁县", "210305": "戊县", "210306": "己县",
         "210307": "庚县", "210381": "辛市", "210401": "壬区", "220101": "癸区"}


def _verdict(code: str, year: int) -> tuple[str, list[str], list[str]]:
    """(status, failing items, unknown items) of a county in a year: the story above."""
    if code == "210301":
        return ("not_ready", ["G11"], []) if year == 2018 else ("ready", [], [])
    if code == "210302":
        return ("not_ready", ["R5"], []) if year <= 2020 else ("ready", [], [])
    if code == "210303":
        return ("ready", [], []) if year in (2020, 2021) else ("not_ready", ["R6"], [])
    if code in ("210304", "210305", "210306", "210381"):
        return "not_ready", ["BALANCE"], []
    if code == "210307":
        return "not_ready", ["G5"], []
    if code == "210401":
        return "ready", [], []
    if code == "220101":
        return ("incomplete", [], ["Q1"]) if year in (2020, 2023) else ("ready", [], [])
    raise KeyError(code)


def _held(code: str, year: int) -> bool:
    return year >= 2023 if code == "210381" else True


# the blocking coefficient per county and year (primary R2 unless said)
CV = {
    "210304": {y: 0.64 - 0.02 * (y - 2018) for y in YEARS},
    "210305": {y: 0.70 - 0.01 * (y - 2018) for y in YEARS},  # junior R4
    "210306": {y: 0.54 + 0.002 * (y - 2018) for y in YEARS},
    "210381": {2023: 0.60, 2024: 0.55},
}
PLAN = {"210301": (2019, None), "210302": (2021, None), "210303": (2022, None), "210304": (2025, None),
        "210305": (2025, 1_000_000.0), "210306": (2026, 3_000_000.0), "210381": (2025, None)}
PLAN_COST = {"210305": 5_000_000.0, "210306": 2_000_000.0, "210304": 400_000.0}
MILESTONES = [("2103", 2017, "at_least_n", 1), ("2103", 2020, "at_least_n", 1), ("2103", 2023, "all", None),
              ("2103", 2030, "all", None), ("21", 2024, "at_least_n", 4), ("22", 2020, "all", None),
              (None, 2019, "at_least_n", 3)]


def _tables() -> dict[str, pd.DataFrame]:
    readiness, items, units, coefs, levels, roadmap = [], [], [], [], [], []
    for year in YEARS:
        for code, name in NAMES.items():
            if not _held(code, year):
                continue
            status, failing, unknown = _verdict(code, year)
            readiness.append((year, RS, code, name, status, ", ".join(failing) or None, ", ".join(unknown) or None))
            for i, item in enumerate(["R5", "R6", "BALANCE", "G5", "G11", "Q1"]):
                dim = "resource" if item in ("R5", "R6", "BALANCE") else "quality" if item == "Q1" else "guarantee"
                st = "fail" if item in failing else "unknown" if item in unknown else "pass"
                items.append((year, RS, code, item, dim, st, i))
            for level in ("primary", "junior"):
                lv = "junior" if code == "210305" else "primary"
                cv = CV.get(code, {}).get(year) if level == lv else None
                ind = "R4" if code == "210305" else "R2"
                for indicator in ("R2", "R4"):
                    value = cv if indicator == ind and cv is not None else 0.2
                    cap = 0.5 if level == "primary" else 0.45
                    coefs.append((year, RS, code, level, indicator, value, cap, value <= cap))
                failing_units = 1 if (code == "210302" and year <= 2020 and level == "primary") or (
                    code == "210303" and level == "primary" and year not in (2020, 2021)) else 0
                levels.append((year, RS, code, level, "per_indicator", failing_units))
                cost = PLAN_COST.get(code, 0.0) if level == "primary" else 0.0
                roadmap.append((year, RS, code, level, "R2", cost, True))
            # the school units: S2 of 210302 on R5, S3 of 210303 on R6, a passing unit elsewhere
            units.append((year, RS, code, f"{code}S1", "primary", "R5", True))
            if code == "210302":
                units.append((year, RS, code, "S2", "primary", "R5", year >= 2021))
            if code == "210303":
                units.append((year, RS, code, "S3", "primary", "R6", year in (2020, 2021)))
    plan = [(2020, c, 2023, None) for c in NAMES] + [(2024, c, y, b) for c, (y, b) in PLAN.items()]
    return {
        "mart_county_readiness": pd.DataFrame(readiness, columns=[
            "year", "ruleset", "county_code", "county_name", "status", "failing_items", "unknown_items"]),
        "fct_county_items": pd.DataFrame(items, columns=[
            "year", "ruleset", "county_code", "item_code", "dimension", "status", "sort_order"]),
        "fct_school_unit_indicators": pd.DataFrame(units, columns=[
            "year", "ruleset", "county_code", "school_id", "level", "indicator_code", "passes"]),
        "fct_county_coefficients": pd.DataFrame(coefs, columns=[
            "year", "ruleset", "county_code", "level", "indicator_code", "cv", "cv_max", "within_cap"]),
        "mart_county_level_resources": pd.DataFrame(levels, columns=[
            "year", "ruleset", "county_code", "level", "balance_rule", "units_failing"]),
        "mart_county_roadmap": pd.DataFrame(roadmap, columns=[
            "year", "ruleset", "county_code", "level", "indicator_code", "level_cost_yuan", "plan_passes"]),
        "stg_landing__county_plan": pd.DataFrame(plan, columns=[
            "year", "county_code", "planned_year", "budget_yuan_per_year"]),
        "milestones": pd.DataFrame(MILESTONES, columns=["scope_code", "milestone_year", "rule", "n"]).assign(note="test"),
        "rulesets": pd.DataFrame({"ruleset": [RS]}),
    }


def _dbt(args: list[str], tmp: Path, db: Path, timeline_years=None) -> subprocess.CompletedProcess:
    dbt = Path(sys.executable).parent / "dbt"
    variables = {"duckdb_path": str(db)}
    if timeline_years is not None:
        variables["timeline_years"] = timeline_years
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "False", "DO_NOT_TRACK": "1"}
    return subprocess.run(
        [str(dbt), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"), "--vars", json.dumps(variables)],
        capture_output=True, text=True, env=env, cwd=DBT_PROJECT_DIR, timeout=600)


def _write_inputs(db: Path) -> None:
    """The hand-built yearly marts, typed as the pipeline types them (years INTEGER)."""
    con = duckdb.connect(str(db))
    for name, df in _tables().items():
        con.register("df", df)
        con.execute(f"create table {name} as select * from df")
        con.unregister("df")
        for col in ("year", "milestone_year", "n"):
            if col in df.columns:
                con.execute(f"alter table {name} alter {col} type integer")
    con.execute("alter table milestones alter scope_code type varchar")
    con.close()


@pytest.fixture(scope="module")
def timeline(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("timeline")
    db = tmp / "w.duckdb"
    _write_inputs(db)
    done = _dbt(["build", "--select", "path:models/marts/timeline"], tmp, db)
    assert done.returncode == 0, done.stdout[-4000:]
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def _one(con, sql: str, params=()) -> dict:
    df = con.execute(sql, list(params)).df()
    assert len(df) == 1, (sql, params, df)
    return df.iloc[0].to_dict()


def test_city_progress_counts_each_year(timeline):
    # 2103 in 2018: 210301 (G11), 210302, 210303, 210304–7 not ready = 7 of 7 held (210381 not yet)
    row = _one(timeline, "select * from mart_city_progress where year = 2018 and scope_code = '2103'")
    assert (row["counties_total"], row["counties_ready"], row["counties_not_ready"]) == (7, 0, 7)
    assert row["scope_level"] == "city" and row["share_ready"] == 0
    assert "210301 甲区 (G11)" in row["not_ready_counties"]
    # 2021: 210301, 210302 (fixed), 210303 (between its failures) ready; 8 held with 210381 absent → 7
    row = _one(timeline, "select * from mart_city_progress where year = 2021 and scope_code = '2103'")
    assert (row["counties_total"], row["counties_ready"]) == (7, 3)
    assert abs(row["share_ready"] - 3 / 7) < 1e-12
    # 2024: 210381 joins the city; the province adds 210401 (2104)
    assert _one(timeline, "select counties_total from mart_city_progress where year = 2024 and scope_code = '2103'")[
        "counties_total"] == 8
    row = _one(timeline, "select * from mart_city_progress where year = 2024 and scope_code = '21'")
    assert row["scope_level"] == "province"
    assert (row["counties_total"], row["counties_ready"], row["counties_not_ready"]) == (9, 3, 6)
    row = _one(timeline, "select * from mart_city_progress where year = 2020 and scope_code = '22'")
    assert (row["counties_incomplete"], row["counties_ready"]) == (1, 0)
    assert row["incomplete_counties"] == "220101 癸区 (Q1)"
    # every year × scope is there: 7 years × (2103, 2104, 2201 cities + 21, 22 provinces)
    assert timeline.execute("select count(*) from mart_city_progress").fetchone()[0] == 7 * 5


def test_milestones_met_missed_pending_unknown(timeline):
    got = {(r[0], r[1]): (r[2], r[3], r[4]) for r in timeline.execute(
        "select scope_code, milestone_year, status, counties_required, counties_ready from mart_milestones").fetchall()}
    assert got[("2103", 2017)][0] == "unknown"  # no data for 2017
    assert got[("2103", 2020)] == ("met", 1, 2)  # 210301 and 210303 were ready in 2020
    assert got[("2103", 2023)] == ("missed", 8, 2)  # 210381 joined in 2023: all 8 held that year required
    assert got[("2103", 2030)][0] == "pending"
    assert got[("21", 2024)] == ("missed", 4, 3)
    assert got[("22", 2020)][0] == "unknown"  # its only county was incomplete that year
    assert got[("CN", 2019)] == ("met", 3, 3)  # 210301, 210401, 220101
    short = _one(timeline, "select counties_short, status_reason from mart_milestones where milestone_year = 2017")
    assert short["counties_short"] is None and "no data for 2017" in short["status_reason"]


def test_timetable_status_of_each_story(timeline):
    rows = {r["county_code"]: r for r in timeline.execute("select * from mart_county_timetable").df().to_dict("records")}
    assert {c: r["timetable_status"] for c, r in rows.items()} == {
        "210301": "ready", "210302": "ready", "210303": "overdue", "210304": "on_track", "210305": "at_risk",
        "210306": "on_track", "210307": "no_plan", "210381": "at_risk", "210401": "ready", "220101": "ready"}
    assert rows["210301"]["first_ready_year"] == 2019 and rows["210302"]["first_ready_year"] == 2021
    assert rows["210303"]["first_ready_year"] == 2020 and rows["210303"]["status_now"] == "not_ready"
    assert pd.isna(rows["210307"]["first_ready_year"])
    # the plan table of 2024 applies, not the one of 2020 (everyone 2023)
    assert rows["210304"]["planned_year"] == 2025 and rows["210304"]["plan_delivered_year"] == 2024
    assert pd.isna(rows["210307"]["planned_year"])
    # 210304: least squares over 2018–2024 (by hand below): −0.02 a year, 0.02 above the cap → one year
    xs, ys = YEARS, [CV["210304"][y] for y in YEARS]
    mx, my = sum(xs) / 7, sum(ys) / 7
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
    assert abs(slope + 0.02) < 1e-12
    assert rows["210304"]["projected_ready_year"] == 2025
    # 210305: −0.01 a year from 0.64 to 0.45 = 19 years → 2043 (within the 30-year horizon); ¥5 M in one year
    # against a ¥1 M budget
    assert rows["210305"]["projected_ready_year"] == 2043
    assert rows["210305"]["cost_per_year_left"] == 5_000_000 and rows["210305"]["years_left"] == 1
    # 210306: worsening → no projection; ¥2 M over 2 years = ¥1 M a year ≤ ¥3 M budget
    assert pd.isna(rows["210306"]["projected_ready_year"]) and "not improving" in rows["210306"]["projection_reason"]
    assert rows["210306"]["cost_per_year_left"] == 1_000_000
    # 210381: two years held → too short to project
    assert pd.isna(rows["210381"]["projected_ready_year"])
    assert "too few years: 2 held, 3 needed" in rows["210381"]["projection_reason"]
    # 210307: blocked by G5, which has no measured trend
    assert "G5" in rows["210307"]["projection_reason"]


def test_measure_trends_fit_least_squares(timeline):
    row = _one(timeline, "select * from mart_county_measure_trends where county_code = '210305'")
    assert (row["level"], row["measure"], row["indicator_code"]) == ("junior", "cv", "R4")
    assert abs(row["slope_per_year"] + 0.01) < 1e-12 and row["years_used"] == 7 and row["first_year"] == 2018
    assert abs(row["value_now"] - 0.64) < 1e-12 and row["target"] == 0.45
    # units failing the school rule: 210303's one unit, 2022–2024 (1, 1, 1) and 0 in 2020–21
    row = _one(timeline, "select * from mart_county_measure_trends where county_code = '210303'")
    assert (row["measure"], row["value_now"], row["target"]) == ("units_failing", 1, 0)


def test_ledger_fixed_failed_again_open(timeline):
    rows = {(r["subject"], r["code"]): r for r in timeline.execute(
        "select * from mart_rectification_ledger").df().to_dict("records")}
    s2 = rows[("S2:primary", "R5")]  # fixed in 2021
    assert (s2["first_failing_year"], s2["last_failing_year"], s2["years_failing"]) == (2018, 2020, 3)
    assert (s2["fixed_year"], s2["status"], s2["failed_again"]) == (2021, "fixed", False)
    assert s2["county_code"] == "210302" and s2["school_id"] == "S2" and s2["entry_kind"] == "school_indicator"
    s3 = rows[("S3:primary", "R6")]  # failed 2018–19, fixed 2020, failed again 2022–24
    assert (s3["first_failing_year"], s3["last_failing_year"], s3["years_failing"]) == (2018, 2024, 5)
    assert (s3["fixed_year"], s3["status"], s3["failed_again"]) == (2020, "open", True)
    g11 = rows[("county", "G11")]  # 210301's item: failed 2018, passed since
    assert (g11["county_code"], g11["fixed_year"], g11["status"]) == ("210301", 2019, "fixed")
    assert pd.isna(g11["school_id"]) and pd.isna(g11["level"]) and g11["entry_kind"] == "county_item"
    # a unit that never failed is not in the ledger; Q1 (only unknown, never failed) neither
    assert not any(s.endswith("S1:primary") for s, _ in rows)
    assert ("county", "Q1") not in rows


def test_timeline_years_restrict_what_is_read(timeline, tmp_path):
    """Dagster passes the years published plus the run's own: a year outside them is not read."""
    db = tmp_path / "w.duckdb"
    _write_inputs(db)
    done = _dbt(["run", "--select", "path:models/marts/timeline"], tmp_path, db, timeline_years=[2022, 2023, 2024])
    assert done.returncode == 0, done.stdout[-3000:]
    con = duckdb.connect(str(db), read_only=True)
    try:
        years = [r[0] for r in con.execute("select distinct year from mart_city_progress order by 1").fetchall()]
        first = con.execute("select first_ready_year from mart_county_timetable where county_code = '210301'").fetchone()
    finally:
        con.close()
    assert years == [2022, 2023, 2024]
    assert first == (2022,)  # its 2019 is not among the years read
