"""The timetable on the demo's seven years (2018–2024), through the real job: what the demo's history
(synthetic/design.py HISTORY, DEMO_PLANS) was written to show, read back from the published tables —
and the Dagster paths that refresh the tables across years (a re-run of one past year) or must refuse
to publish them (a past year whose working rows are not what was published).

The story (moe_2017): Q1 needs the entrants of Y − 2, so 2018–2019 lack data; 海城市's town junior school
is within its building until 2021 and crowded from 2022; 立山区's teacher rotation G11a is 9.0 % in
2018–19, 10.5 % in 2020–21, 8.0 % from 2022; 台安县's four village schools are below the R5 and R6 floors
every year; the plan table of 2024 revises the one of 2020 (千山区 has none).
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from expectations.timeline import diverging_years
from tests.integration.helpers import copy_published, published, run

RS = "moe_2017"


@pytest.fixture(scope="module")
def demo(demo_published, tmp_path_factory):
    """A copy of the demo's seven years run as one range and published (tests/integration/conftest.py)."""
    return copy_published(demo_published, tmp_path_factory.mktemp("timeline_demo"))


def test_city_progress_and_milestones_follow_the_years(demo):
    _, wh = demo
    progress = published(wh, "select year, counties_total, counties_ready, counties_incomplete from mart_city_progress "
                             "where ruleset = ? and scope_code = '2103' order by year", [RS])
    assert progress["year"].tolist() == list(range(2018, 2025))
    assert (progress["counties_total"] == 9).all()
    by_year = progress.set_index("year")
    assert by_year.loc[2019, "counties_ready"] == 0  # no entrants of 2017: Q1 unknown
    # 2020–21: 海城市 and 立山区 ready with 铁东区 and the two zones; from 2022 they fail again
    assert by_year.loc[2020, "counties_ready"] == by_year.loc[2021, "counties_ready"] == 5
    assert by_year.loc[2022, "counties_ready"] == by_year.loc[2024, "counties_ready"] == 3
    # the province row counts the same nine (all of Anshan's units share the prefix 21)
    province = published(wh, "select counties_ready from mart_city_progress where ruleset = ? and scope_code = '21' "
                             "and year = 2020", [RS])
    assert province["counties_ready"].item() == 5
    ms = published(wh, "select milestone_year, status, counties_ready, counties_required from mart_milestones "
                       "where ruleset = ? and scope_code = '2103' order by milestone_year", [RS])
    assert ms.values.tolist() == [[2020, "met", 5, 1], [2023, "missed", 3, 9]]


def test_timetable_of_each_demo_county(demo):
    _, wh = demo
    tt = published(wh, "select * from mart_county_timetable where ruleset = ? order by county_code", [RS])
    rows = tt.set_index("county_code").to_dict("index")
    assert {c: r["timetable_status"] for c, r in rows.items()} == {
        "210302": "ready", "210391": "ready", "210392": "ready",
        "210303": "on_track",   # plan 2025, ¥0.96 M in one year within its ¥2 M budget
        "210304": "overdue",    # planned 2024, G11 fails
        "210311": "no_plan",    # not in the 2024 table
        "210321": "overdue",    # planned 2023
        "210323": "at_risk",    # plan 2026, ¥94.7 M over two years against ¥30 M a year, projected later
        "210381": "on_track",   # plan 2025, ¥6.47 M within its ¥8 M budget
    }
    assert rows["210381"]["first_ready_year"] == 2020 and rows["210381"]["status_now"] == "not_ready"
    assert rows["210304"]["first_ready_year"] == 2020
    assert rows["210302"]["first_ready_year"] == 2020  # complete data from 2020 on
    assert rows["210304"]["planned_year"] == 2024 and rows["210304"]["plan_delivered_year"] == 2024
    assert rows["210323"]["years_left"] == 2
    assert abs(rows["210323"]["cost_per_year_left"] - rows["210323"]["plan_cost_yuan"] / 2) < 1e-6
    # the plan cost is the roadmap's: the sum of the levels' least cost in 2024
    cost = published(wh, "select sum(c) as c from (select distinct level, level_cost_yuan as c from mart_county_roadmap "
                         "where year = 2024 and ruleset = ? and county_code = '210323')", [RS])["c"].item()
    assert abs(rows["210323"]["plan_cost_yuan"] - cost) < 1e-6
    # 岫岩's junior coefficients fall about 0.02 a year: its projection is a year, and later than 2026
    assert rows["210323"]["projected_ready_year"] > 2026
    trends = published(wh, "select indicator_code, slope_per_year, years_used from mart_county_measure_trends "
                           "where ruleset = ? and county_code = '210323' and measure = 'cv'", [RS])
    assert len(trends) >= 4 and (trends["years_used"] == 7).all() and (trends["slope_per_year"] < 0).all()


def test_ledger_follows_fixes_and_relapses(demo):
    _, wh = demo
    led = published(wh, "select * from mart_rectification_ledger where ruleset = ?", [RS])
    g11 = led[(led["county_code"] == "210304") & (led["code"] == "G11")].iloc[0]
    assert (g11["first_failing_year"], g11["fixed_year"], g11["last_failing_year"]) == (2018, 2020, 2024)
    assert g11["status"] == "open" and bool(g11["failed_again"]) and g11["years_failing"] == 5
    haicheng = led[(led["county_code"] == "210381") & (led["entry_kind"] == "school_indicator") & (led["code"] == "R4")]
    assert len(haicheng) == 1
    row = haicheng.iloc[0]
    assert (row["first_failing_year"], row["status"], bool(row["failed_again"])) == (2022, "open", False)
    taian = led[(led["county_code"] == "210321") & (led["entry_kind"] == "school_indicator") & (led["code"] == "R5")]
    assert len(taian) == 4 and (taian["years_failing"] == 7).all() and (taian["status"] == "open").all()


def test_the_run_published_the_reports_of_its_seven_years(demo):
    """published_reports wrote a county report per county and year and the city overview of each year;
    岫岩's 2024 report charts its five falling junior coefficients and projects 2034 (the timetable's
    year), and the city overview marks it at risk."""
    _, wh = demo
    folder = wh / "published_reports"
    pages = sorted(p.relative_to(folder).as_posix() for p in folder.glob("*/*/*.html"))
    assert len(pages) == 7 * (9 + 1) and f"2018/{RS}/city-2103.html" in pages
    county = (folder / "2024" / RS / "county-210323.html").read_text(encoding="utf-8")
    assert county.count('data-measure="junior-R') == 5 and 'data-chart="trends"' in county
    assert 'data-figure="projected_year">2034<' in county
    city = (folder / "2024" / RS / "city-2103.html").read_text(encoding="utf-8")
    row = city[city.index('data-county="210323"'):]
    assert 'data-figure="timetable">有风险 at_risk<' in row[:row.index("</tr>")]


def test_an_unpublished_past_year_blocks_the_timetable_and_a_rerun_of_it_refreshes_it(demo):
    """A past year whose working rows differ from its publication (a run of it failed its checks) must not
    reach the published timetable through another year's run: the check names the year; nothing changes.
    Re-running that past year puts its audited figures back and publishes the tables across years whole
    again (a re-run of one past year refreshes them), with the same timetable as before."""
    landing, wh = demo
    before = (wh / "published.duckdb").read_bytes()
    timetable = published(wh, "select * from mart_county_timetable order by all")
    con = duckdb.connect(str(wh / "junheng.duckdb"))
    try:
        con.execute("update mart_county_readiness set status = 'ready' where year = 2022 and county_code = '210321'")
    finally:
        con.close()
    outcome = run(landing, wh, 2024)
    assert not outcome.success
    assert any("timeline_inputs_match_publication" in p and "2022: mart_county_readiness" in p
               for p in outcome.problems), outcome.problems
    assert (wh / "published.duckdb").read_bytes() == before

    outcome = run(landing, wh, 2022)
    assert outcome.success, outcome.problems
    log = published(wh, "select years, row_counts from publication_log order by published_at desc limit 1")
    assert log["years"].item() == "2022"
    assert '"mart_county_timetable": 27' in log["row_counts"].item()  # published whole: 9 counties × 3 rule sets
    years = published(wh, "select distinct year from mart_city_progress order by 1")["year"].tolist()
    assert years == list(range(2018, 2025))
    after = published(wh, "select * from mart_county_timetable order by all")
    assert after.equals(timetable)  # same feeds, same timetable: the tampered row did not reach it
    readiness = published(wh, "select status from mart_county_readiness where year = 2022 and county_code = '210321' "
                              "and ruleset = ?", [RS])
    assert readiness["status"].tolist() == ["not_ready"]
    # and the working rows of every year agree with the publication again: another year's run passes the guard
    con = duckdb.connect(str(wh / "junheng.duckdb"), read_only=True)
    try:
        assert diverging_years(con, wh / "published.duckdb", range(2018, 2025)) == []
    finally:
        con.close()
    # the new publication's reports: the year re-run, and the latest year (the page people read)
    reports = wh / "published_reports"
    assert sorted(p.name for p in reports.iterdir() if p.is_dir()) == ["2022", "2024"]
    shutil.rmtree(wh / "logs", ignore_errors=True)
