"""The timetable across years (issue 14) on a hand-built seven-year history, 2018–2024.

The yearly marts the timetable reads are written by hand — each county's verdict, items, school units,
coefficients and plan cost per year, as a story told in the table below — and only the timetable's
dbt models are built over them (`dbt build --select tag:timeline`, tests included).
Every expected figure is read off the story, not off the code:

  county  story (moe_2017, per-indicator; city 2103 unless said)
  210301  ready every year from 2019 (not ready in 2018: G11)                       plan 2019
          certified: provincial 2020, national 2022 (the provincial row delivered again in 2024, 2021)
  210302  school unit S2 below R5 in 2018–2020 (60 % of it), fixed in 2021; ready from 2021   plan 2021
          self-evaluated 2019, city review 2020
  210303  unit S3 below R6 2018–19, passes 2020–21, fails again 2022–24 at 78, 80, 82 % of it
          (a shortfall of 0.082, 0.059, 0.035 of the 85 % floor: improving, fitted over that spell only)
          plan 2023 in the 2020 table, absent from the 2024 table → overdue (dropped), both tables named
  210304  primary R2 CV 0.64, 0.62 … 0.52 in 2018–24 (−0.02 a year): ≤ 0.50 in 2025
          plan 2023 (2020 table) → 2025 (2024 table): slipped 2, after the 2023 all-counties milestone → on_track
  210305  junior R4 CV 0.70 … 0.64 (−0.01 a year): reaches 0.45 in 2043
          plan 2025, ¥2 M one-off + ¥3 M a year, budget ¥1 M → ¥5 M a year → at_risk
  210306  R2 CV 0.540 … 0.552 (+0.002 a year: not improving); plan 2026, ¥0.5 M one-off + ¥1.5 M a year,
          budget ¥1.2 M a year → ¥0.25 M + ¥1.5 M = ¥1.75 M a year → at_risk (summing them, ¥2 M over two
          years = ¥1 M a year, called it on_track)
  210307  not ready, in no plan table                                                 → no_plan
  210309  not ready (G5) every year; passed the provincial evaluation in 2021, so the 2024 table drops it
          → at_risk (certified, its data fail: recheck risk), never overdue
  210381  held only in 2023 and 2024, R2 CV 0.60 → 0.55 (city 2103): too few years to project;
          plan 2026, ¥1 M one-off + ¥0.2 M a year, budget ¥1 M → ¥0.7 M a year → on_track (budget)
  210401  city 2104, ready 2018–2024                                                 no plan
  220101  province 22, incomplete in 2020 and 2023, ready otherwise

The 2020 plan table lists every county but 210307 for 2023; the 2024 table is PLAN below.

Milestones (a seed written by the test; rule sets moe_2017 and anshan_2018 unless said, so basic_2012 — in
the rule sets table — has no row of them): 2103 by 2017 ≥ 1 provincial → unknown (no data for 2017);
2103 by 2020 ≥ 1 provincial → met on certification (210301 in 2020; two were ready on the data);
2103 by 2023 all national → missed (210301 only of the 9 held); 2103 by 2030 all → pending; province 21 by
2024 ≥ 4 provincial → missed (210301, 210309 certified: 2); province 22 by 2020 all → unknown on the
data (no certification delivered for 22; its only county is incomplete that year); the whole country by
2019 ≥ 3 at the self-evaluation, every rule set → missed on certification (210302 only), though 3 were
ready on the data (210301, 210401, 220101).
"""

from __future__ import annotations

import json
import math
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
         "210307": "庚县", "210309": "子县", "210381": "辛市", "210401": "壬区", "220101": "癸区"}


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
    if code in ("210307", "210309"):
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
PLAN = {"210301": (2019, None), "210302": (2021, None), "210304": (2025, None),
        "210305": (2025, 1_000_000.0), "210306": (2026, 1_200_000.0), "210381": (2026, 1_000_000.0)}
# the plan's cost by kind: (one-off, recurring a year)
PLAN_COST = {"210305": (2_000_000.0, 3_000_000.0), "210306": (500_000.0, 1_500_000.0),
             "210304": (400_000.0, 0.0), "210381": (1_000_000.0, 200_000.0)}
HQ = "moe_2017;anshan_2018"
MILESTONES = [("2103", 2017, "at_least_n", 1, "provincial", HQ), ("2103", 2020, "at_least_n", 1, "provincial", HQ),
              ("2103", 2023, "all", None, "national", HQ), ("2103", 2030, "all", None, "national", HQ),
              ("21", 2024, "at_least_n", 4, "provincial", HQ), ("22", 2020, "all", None, "provincial", HQ),
              (None, 2019, "at_least_n", 3, "self", None)]
# county_certification as delivered (delivery year, county, stage, passed year, document)
CERTIFICATIONS = [(2020, "210301", "provincial", 2020, "辽教督〔2020〕1号"), (2022, "210301", "national", 2022, "教督函〔2022〕8号"),
                  (2024, "210301", "provincial", 2021, "restated"), (2020, "210302", "self", 2019, None),
                  (2020, "210302", "city", 2020, None), (2021, "210309", "provincial", 2021, "辽教督〔2021〕5号")]
# S3's R6 as a share of its threshold in the years it fails (it passes in 2020–21 at 100 %)
S3_SHARE = {2018: 0.70, 2019: 0.72, 2022: 0.78, 2023: 0.80, 2024: 0.82}


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
                one_off, recurring = PLAN_COST.get(code, (0.0, 0.0)) if level == "primary" else (0.0, 0.0)
                roadmap.append((year, RS, code, level, "R2", one_off + recurring, one_off, recurring, True))
            # the school units (value, threshold 1): S2 of 210302 on R5 at 60 %, S3 of 210303 on R6, a passing
            # unit elsewhere; S2 and S3 pass their six other indicators, so each fails the school rule by
            # its one indicator below 85 % (the one miss the rule allows, floored at 85 %)
            units.append((year, RS, code, f"{code}S1", "primary", "R5", True, 1.0, 1.0, True))
            others = ("R1", "R2", "R3", "R4", "R7")
            if code == "210302":
                ok = year >= 2021
                units.append((year, RS, code, "S2", "primary", "R5", ok, 1.0 if ok else 0.6, 1.0, ok))
                units += [(year, RS, code, "S2", "primary", i, True, 1.0, 1.0, ok) for i in (*others, "R6")]
            if code == "210303":
                ok = year in (2020, 2021)
                units.append((year, RS, code, "S3", "primary", "R6", ok, S3_SHARE.get(year, 1.0), 1.0, ok))
                units += [(year, RS, code, "S3", "primary", i, True, 1.0, 1.0, ok) for i in (*others, "R5")]
    plan = [(2020, c, 2023, None) for c in NAMES if c != "210307"] + [(2024, c, y, b) for c, (y, b) in PLAN.items()]
    return {
        "mart_county_readiness": pd.DataFrame(readiness, columns=[
            "year", "ruleset", "county_code", "county_name", "status", "failing_items", "unknown_items"]),
        "fct_county_items": pd.DataFrame(items, columns=[
            "year", "ruleset", "county_code", "item_code", "dimension", "status", "sort_order"]),
        "fct_school_unit_indicators": pd.DataFrame(units, columns=[
            "year", "ruleset", "county_code", "school_id", "level", "indicator_code", "passes", "value", "threshold",
            "unit_passes_school_rule"]),
        "fct_county_coefficients": pd.DataFrame(coefs, columns=[
            "year", "ruleset", "county_code", "level", "indicator_code", "cv", "cv_max", "within_cap"]),
        "mart_county_level_resources": pd.DataFrame(levels, columns=[
            "year", "ruleset", "county_code", "level", "balance_rule", "units_failing"]),
        "mart_county_roadmap": pd.DataFrame(roadmap, columns=[
            "year", "ruleset", "county_code", "level", "indicator_code", "level_cost_yuan", "level_one_off_cost_yuan",
            "level_recurring_cost_yuan_per_year", "plan_passes"]),
        "stg_landing__county_plan": pd.DataFrame(plan, columns=[
            "year", "county_code", "planned_year", "budget_yuan_per_year"]),
        "stg_landing__county_certification": pd.DataFrame(CERTIFICATIONS, columns=[
            "year", "county_code", "stage", "passed_year", "document"]).assign(
            stage_rank=lambda d: d["stage"].map({"self": 1, "city": 2, "provincial": 3, "national": 4}),
            source_file=lambda d: d["year"].astype(str) + "/county_certification.csv"),
        "milestones": pd.DataFrame(MILESTONES, columns=["scope_code", "milestone_year", "rule", "n", "stage",
                                                        "rulesets"]).assign(note="test"),
        "rulesets": pd.DataFrame({"ruleset": [RS, "basic_2012"], "evaluation": ["high_quality", "basic"]}),
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
        for col in ("year", "milestone_year", "n", "passed_year", "stage_rank"):
            if col in df.columns:
                con.execute(f"alter table {name} alter {col} type integer")
    for col in ("scope_code", "rulesets"):
        con.execute(f"alter table milestones alter {col} type varchar")
    con.execute("alter table stg_landing__county_certification alter document type varchar")
    con.close()


@pytest.fixture(scope="module")
def timeline(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("timeline")
    db = tmp / "w.duckdb"
    _write_inputs(db)
    done = _dbt(["build", "--select", "tag:timeline"], tmp, db)
    assert done.returncode == 0, done.stdout[-4000:]
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def _one(con, sql: str, params=()) -> dict:
    df = con.execute(sql, list(params)).df()
    assert len(df) == 1, (sql, params, df)
    return df.iloc[0].to_dict()


def test_city_progress_counts_each_year(timeline):
    # 2103 in 2018: 210301 (G11), 210302, 210303, 210304–7, 210309 not ready = 8 of 8 held (210381 not yet)
    row = _one(timeline, "select * from mart_city_progress where year = 2018 and scope_code = '2103'")
    assert (row["counties_total"], row["counties_ready"], row["counties_not_ready"]) == (8, 0, 8)
    assert row["scope_level"] == "city" and row["share_ready"] == 0
    assert "210301 甲区 (G11)" in row["not_ready_counties"]
    # 2021: 210301, 210302 (fixed), 210303 (between its failures) ready; 9 held with 210381 absent → 8
    row = _one(timeline, "select * from mart_city_progress where year = 2021 and scope_code = '2103'")
    assert (row["counties_total"], row["counties_ready"]) == (8, 3)
    assert abs(row["share_ready"] - 3 / 8) < 1e-12
    # 2024: 210381 joins the city; the province adds 210401 (2104)
    assert _one(timeline, "select counties_total from mart_city_progress where year = 2024 and scope_code = '2103'")[
        "counties_total"] == 9
    row = _one(timeline, "select * from mart_city_progress where year = 2024 and scope_code = '21'")
    assert row["scope_level"] == "province"
    assert (row["counties_total"], row["counties_ready"], row["counties_not_ready"]) == (10, 3, 7)
    row = _one(timeline, "select * from mart_city_progress where year = 2020 and scope_code = '22'")
    assert (row["counties_incomplete"], row["counties_ready"]) == (1, 0)
    assert row["incomplete_counties"] == "220101 癸区 (Q1)"
    # every year × scope is there: 7 years × (2103, 2104, 2201 cities + 21, 22 provinces)
    assert timeline.execute("select count(*) from mart_city_progress").fetchone()[0] == 7 * 5


def test_city_progress_counts_the_counties_certified_at_each_stage(timeline):
    stages = "counties_certified_self, counties_certified_city, counties_certified_provincial, counties_certified_national"
    at = {y: tuple(_one(timeline, f"select {stages} from mart_city_progress where year = ? and scope_code = '2103'",
                        [y]).values()) for y in (2018, 2020, 2022)}
    assert at[2018] == (0, 0, 0, 0)
    # 2020: 210301 provincial (so self and city too), 210302 self 2019 and city 2020
    assert at[2020] == (2, 2, 1, 0)
    # 2022: 210309 provincial 2021, 210301 national 2022
    assert at[2022] == (3, 3, 2, 1)


def test_milestones_met_missed_pending_unknown(timeline):
    got = {(r[0], r[1]): r[2:] for r in timeline.execute(
        "select scope_code, milestone_year, status, basis, counties_required, counties_certified, counties_ready "
        f"from mart_milestones where ruleset = '{RS}'").fetchall()}
    assert got[("2103", 2017)][0] == "unknown"  # no data for 2017
    # judged on certification: 210301 passed the provincial evaluation in 2020 (two were ready on the data)
    assert got[("2103", 2020)] == ("met", "certified", 1, 1, 2)
    # all 9 held in 2023 had to pass the national evaluation: 210301 alone did (2022)
    assert got[("2103", 2023)] == ("missed", "certified", 9, 1, 2)
    assert got[("2103", 2030)][0] == "pending"
    assert got[("21", 2024)] == ("missed", "certified", 4, 2, 3)  # 210301 (2020) and 210309 (2021)
    # no certification delivered for province 22: judged on the data, and said so
    assert got[("22", 2020)][:2] == ("unknown", "data_ready")
    reason = _one(timeline, "select status_reason from mart_milestones where scope_code = '22'")["status_reason"]
    assert "not certification" in reason
    # three were ready on the data in 2019 (210301, 210401, 220101), but only 210302 had self-evaluated
    assert got[("CN", 2019)] == ("missed", "certified", 3, 1, 3)
    short = _one(timeline, "select counties_short, status_reason from mart_milestones where milestone_year = 2017")
    assert short["counties_short"] is None and "no data for 2017" in short["status_reason"]


def test_a_milestone_has_no_row_for_a_rule_set_it_does_not_apply_to(timeline):
    rows = timeline.execute("select ruleset, scope_code, milestone_year from mart_milestones "
                            "where ruleset = 'basic_2012'").fetchall()
    assert rows == [("basic_2012", "CN", 2019)]  # the one milestone of every rule set; none of Anshan's
    assert timeline.execute(f"select count(*) from mart_milestones where ruleset = '{RS}'").fetchone()[0] == 7


def test_timetable_status_of_each_story(timeline):
    rows = {r["county_code"]: r for r in timeline.execute("select * from mart_county_timetable").df().to_dict("records")}
    assert {c: r["timetable_status"] for c, r in rows.items()} == {
        "210301": "ready", "210302": "ready", "210303": "overdue", "210304": "on_track", "210305": "at_risk",
        "210306": "at_risk", "210307": "no_plan", "210309": "at_risk", "210381": "on_track", "210401": "ready",
        "220101": "ready"}
    assert rows["210301"]["first_ready_year"] == 2019 and rows["210302"]["first_ready_year"] == 2021
    assert rows["210303"]["first_ready_year"] == 2020 and rows["210303"]["status_now"] == "not_ready"
    assert pd.isna(rows["210307"]["first_ready_year"])
    # the plan table of 2024 applies, not the one of 2020 (everyone 2023)
    assert rows["210304"]["planned_year"] == 2025 and rows["210304"]["plan_delivered_year"] == 2024
    assert pd.isna(rows["210307"]["planned_year"]) and rows["210307"]["status_reason"].startswith("in no plan table")
    # 210304: least squares over 2018–2024 (by hand below): −0.02 a year, 0.02 above the cap → one year
    xs, ys = YEARS, [CV["210304"][y] for y in YEARS]
    mx, my = sum(xs) / 7, sum(ys) / 7
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
    assert abs(slope + 0.02) < 1e-12
    assert rows["210304"]["projected_ready_year"] == 2025
    # 210305: −0.01 a year from 0.64 to 0.45 = 19 years → 2043 (within the 30-year horizon); ¥2 M one-off in
    # one year + ¥3 M a year against a ¥1 M budget
    assert rows["210305"]["projected_ready_year"] == 2043
    assert rows["210305"]["cost_per_year_left"] == 5_000_000 and rows["210305"]["years_left"] == 1
    assert (rows["210305"]["one_off_cost_yuan"], rows["210305"]["recurring_cost_yuan_per_year"]) == (2e6, 3e6)
    # 210306: worsening → no projection; ¥0.5 M one-off over 2 years + ¥1.5 M a year = ¥1.75 M a year > ¥1.2 M
    assert pd.isna(rows["210306"]["projected_ready_year"]) and "not improving" in rows["210306"]["projection_reason"]
    assert rows["210306"]["cost_per_year_left"] == 1_750_000 and rows["210306"]["plan_cost_yuan"] == 2_000_000
    assert "500,000 one-off over 2 years + 1,500,000 recurring a year" in rows["210306"]["status_reason"]
    # 210381: ¥1 M one-off over 2 years + ¥0.2 M a year = ¥0.7 M a year ≤ ¥1 M
    assert rows["210381"]["cost_per_year_left"] == 700_000
    # 210381: two years held → too short to project
    assert pd.isna(rows["210381"]["projected_ready_year"])
    assert "too few years: 2 held, 3 needed" in rows["210381"]["projection_reason"]
    # 210307: blocked by G5, which has no measured trend
    assert "G5" in rows["210307"]["projection_reason"]


def test_every_plan_table_counts_commitment_slip_and_dropped(timeline):
    rows = {r["county_code"]: r for r in timeline.execute("select * from mart_county_timetable").df().to_dict("records")}
    # 210303: 2023 in the 2020 table, absent from the 2024 one: dropped, not freed of its plan — overdue
    r = rows["210303"]
    assert (r["planned_year"], r["plan_delivered_year"], r["dropped_from_plan"], r["latest_table_year"]) == (
        2023, 2020, True, 2024)
    assert r["timetable_status"] == "overdue"
    assert "planned for 2023 in the 2020 plan table, absent from the 2024 table" in r["status_reason"]
    # 210304: committed 2023 (2020 table), planned 2025 (2024 table): two years slipped, after the milestone
    r = rows["210304"]
    assert (r["committed_year"], r["committed_table_year"], r["years_slipped"]) == (2023, 2020, 2)
    assert (r["beyond_milestone"], r["all_milestone_year"], r["dropped_from_plan"]) == (True, 2023, False)
    assert r["plan_history"] == "2020: 2023; 2024: 2025"
    assert "slipped 2 year(s)" in r["status_reason"] and "after the 2023 all-counties milestone" in r["status_reason"]
    # 210302: 2021 in 2024, 2023 in 2020: brought forward, within the milestone
    assert (rows["210302"]["years_slipped"], rows["210302"]["beyond_milestone"]) == (-2, False)
    # 210307: in no table
    assert pd.isna(rows["210307"]["committed_year"]) and rows["210307"]["dropped_from_plan"] == False  # noqa: E712


def test_certification_is_kept_apart_from_readiness(timeline):
    rows = {r["county_code"]: r for r in timeline.execute("select * from mart_county_timetable").df().to_dict("records")}
    # 210301: national 2022, the furthest stage; the provincial row delivered again in 2024 changes nothing
    r = rows["210301"]
    assert (r["certification_stage"], r["certified_year"], r["certification_document"]) == (
        "national", 2022, "教督函〔2022〕8号")
    assert r["recheck_risk"] == False  # noqa: E712  (ready)
    # 210309: certified provincial 2021, its 2024 data fail: it stays certified, flagged for the recheck;
    # the 2024 plan table dropped it because its evaluation is behind it: at risk, never overdue
    r = rows["210309"]
    assert (r["certification_stage"], r["certified_year"], r["recheck_risk"]) == ("provincial", 2021, True)
    assert (r["dropped_from_plan"], r["planned_year"], r["timetable_status"]) == (True, 2023, "at_risk")
    assert r["status_reason"] == "certified (provincial, 2021) but the 2024 data fail: recheck (复查) risk"
    assert rows["210303"]["recheck_risk"] == False and pd.isna(rows["210303"]["certification_stage"])  # noqa: E712
    # 210302: city review only — not certified, so no recheck risk
    assert (rows["210302"]["certification_stage"], rows["210302"]["recheck_risk"]) == ("city", False)
    assert pd.isna(rows["210304"]["certification_stage"]) and rows["210304"]["recheck_risk"] == False  # noqa: E712


def test_measure_trends_fit_least_squares(timeline):
    row = _one(timeline, "select * from mart_county_measure_trends where county_code = '210305'")
    assert (row["level"], row["measure"], row["indicator_code"]) == ("junior", "cv", "R4")
    assert abs(row["slope_per_year"] + 0.01) < 1e-12 and row["years_used"] == 7 and row["first_year"] == 2018
    assert abs(row["value_now"] - 0.64) < 1e-12 and row["target"] == 0.45
    # the school rule on a continuous measure: S3's shortfall from its 85 % floor, 0 in 2020–21 (it passes);
    # a count of failing units (1, 1, 0, 0, 1, 1, 1) called this "not improving"
    row = _one(timeline, "select * from mart_county_measure_trends where county_code = '210303'")
    # fitted over the current failing spell, 2022–2024 (the zeros of 2020–21 are a floor, not a value)
    spell = [2022, 2023, 2024]
    shortfall = {y: (0.85 - S3_SHARE[y]) / 0.85 for y in spell}
    mx, my = sum(spell) / 3, sum(shortfall.values()) / 3
    slope = sum((x - mx) * (shortfall[x] - my) for x in spell) / sum((x - mx) ** 2 for x in spell)
    assert abs(slope + 0.02 / 0.85) < 1e-12 and row["years_used"] == 3 and row["first_year"] == 2022
    assert (row["measure"], row["indicator_code"], row["target"]) == ("school_rule_shortfall", "SCHOOL_RULE", 0)
    assert abs(row["value_now"] - 0.03 / 0.85) < 1e-9 and abs(row["slope_per_year"] - slope) < 1e-9
    assert slope < 0 and row["projected_year"] == 2024 + math.ceil(row["value_now"] / -slope)  # 2026


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
    done = _dbt(["run", "--select", "tag:timeline"], tmp_path, db, timeline_years=[2022, 2023, 2024])
    assert done.returncode == 0, done.stdout[-3000:]
    con = duckdb.connect(str(db), read_only=True)
    try:
        years = [r[0] for r in con.execute("select distinct year from mart_city_progress order by 1").fetchall()]
        first = con.execute("select first_ready_year from mart_county_timetable where county_code = '210301'").fetchone()
    finally:
        con.close()
    assert years == [2022, 2023, 2024]
    assert first == (2022,)  # its 2019 is not among the years read
