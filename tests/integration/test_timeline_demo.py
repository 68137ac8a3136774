"""The timetable on the demo's seven years (2018–2024), through the real job: what the demo's history
(synthetic/design.py HISTORY, DEMO_PLANS) was written to show, read back from the published tables —
and the Dagster paths that refresh the tables across years (a re-run of one past year) or must refuse
to publish them (a past year whose working rows are not what was published).

The story (moe_2017): Q1 needs the entrants of Y − 2, so 2018–2019 lack data; 海城市's town junior school
is within its building until 2021 and crowded from 2022; 立山区's teacher rotation G11a is 9.0 % in
2018–19, 10.5 % in 2020–21, 8.0 % from 2022; 台安县's four village schools are below the R5 and R6 floors
every year; the plan table of 2024 revises the one of 2020 (千山区, listed for 2023 in 2020, is dropped from
it); 铁东区 passed the provincial evaluation in 2020 and the national one in 2022, 高新区 and 经开区 the
provincial one in 2021 (county_certification).
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
    # judged on certification, not on the data: 2020 is met by 铁东区's provincial evaluation (five were
    # ready on the data); 2023 asks all nine certified nationally: 铁东区 alone (2022)
    ms = published(wh, "select milestone_year, status, basis, counties_certified, counties_ready, counties_required "
                       "from mart_milestones where ruleset = ? and scope_code = '2103' order by milestone_year", [RS])
    assert ms.values.tolist() == [[2020, "met", "certified", 1, 5, 1], [2023, "missed", "certified", 1, 3, 9]]
    # the 优质均衡 milestones are not basic_2012's
    assert published(wh, "select count(*) as n from mart_milestones where ruleset = 'basic_2012'")["n"].item() == 0
    certified = published(wh, "select year, counties_certified_provincial as p, counties_certified_national as n "
                              "from mart_city_progress where ruleset = ? and scope_code = '2103' and year in "
                              "(2019, 2020, 2021, 2022) order by year", [RS])
    assert certified.values.tolist() == [[2019, 0, 0], [2020, 1, 0], [2021, 3, 0], [2022, 3, 1]]


def test_timetable_of_each_demo_county(demo):
    _, wh = demo
    tt = published(wh, "select * from mart_county_timetable where ruleset = ? order by county_code", [RS])
    rows = tt.set_index("county_code").to_dict("index")
    assert {c: r["timetable_status"] for c, r in rows.items()} == {
        "210302": "ready", "210391": "ready", "210392": "ready",
        "210303": "on_track",   # plan 2025, ¥0.96 M in one year within its ¥2 M budget
        "210304": "overdue",    # planned 2024, G11 fails
        "210311": "overdue",    # 2023 in the 2020 table, dropped from the 2024 one: not freed of its plan
        "210321": "overdue",    # planned 2023
        "210323": "at_risk",    # plan 2026: ¥92.3 M one-off over two years + ¥2.4 M a year against ¥30 M a year
        "210381": "on_track",   # plan 2025: ¥4.04 M one-off in one year + ¥1.68 M a year within its ¥8 M budget
    }
    assert rows["210381"]["first_ready_year"] == 2020 and rows["210381"]["status_now"] == "not_ready"
    assert rows["210304"]["first_ready_year"] == 2020
    assert rows["210302"]["first_ready_year"] == 2020  # complete data from 2020 on
    assert rows["210304"]["planned_year"] == 2024 and rows["210304"]["plan_delivered_year"] == 2024
    assert rows["210323"]["years_left"] == 2
    r = rows["210323"]
    assert abs(r["cost_per_year_left"] - (r["one_off_cost_yuan"] / 2 + r["recurring_cost_yuan_per_year"])) < 1e-6
    assert abs(r["one_off_cost_yuan"] + r["recurring_cost_yuan_per_year"] - r["plan_cost_yuan"]) < 1e-6
    # the plan cost is the roadmap's: the sum of the levels' least cost in 2024
    cost = published(wh, "select sum(c) as c from (select distinct level, level_cost_yuan as c from mart_county_roadmap "
                         "where year = 2024 and ruleset = ? and county_code = '210323')", [RS])["c"].item()
    assert abs(rows["210323"]["plan_cost_yuan"] - cost) < 1e-6
    # 岫岩's junior coefficients fall about 0.02 a year: its projection is a year, and later than 2026
    assert rows["210323"]["projected_ready_year"] > 2026
    trends = published(wh, "select indicator_code, slope_per_year, years_used from mart_county_measure_trends "
                           "where ruleset = ? and county_code = '210323' and measure = 'cv'", [RS])
    assert len(trends) >= 4 and (trends["years_used"] == 7).all() and (trends["slope_per_year"] < 0).all()


def test_the_demo_timetable_tells_the_tables_the_slip_and_the_money_apart(demo):
    """Issue 25's demo figures: 千山区 overdue with both plan tables named, 铁西区 two years slipped, 海城市's
    cost a year one-off and recurring apart (14 teachers at ¥120,000 a year), 台安县's school rule improving."""
    _, wh = demo
    rows = published(wh, "select * from mart_county_timetable where ruleset = ?", [RS]).set_index(
        "county_code").to_dict("index")
    qs = rows["210311"]
    assert (qs["planned_year"], qs["plan_delivered_year"], qs["dropped_from_plan"]) == (2023, 2020, True)
    assert "planned for 2023 in the 2020 plan table, absent from the 2024 table" in qs["status_reason"]
    tx = rows["210303"]
    assert (tx["committed_year"], tx["planned_year"], tx["years_slipped"]) == (2023, 2025, 2)
    assert "slipped 2 year(s)" in tx["status_reason"] and tx["beyond_milestone"]
    hc = rows["210381"]
    assert hc["recurring_cost_yuan_per_year"] == 14 * 120_000  # the 14 teachers of its junior R1, every year
    assert hc["one_off_cost_yuan"] + hc["recurring_cost_yuan_per_year"] == hc["plan_cost_yuan"]
    assert hc["years_left"] == 1 and hc["cost_per_year_left"] == hc["one_off_cost_yuan"] + hc["recurring_cost_yuan_per_year"]
    assert "one-off over 1 years" in hc["status_reason"]
    td = rows["210302"]
    assert (td["certification_stage"], td["certified_year"], td["recheck_risk"]) == ("national", 2022, False)
    # 台安县: its village schools rise toward the floors every year: the school rule improves, projected
    taian = published(wh, "select measure, slope_per_year, projected_year from mart_county_measure_trends "
                          "where ruleset = ? and county_code = '210321'", [RS])
    school = taian[taian["measure"] == "school_rule_shortfall"]
    assert len(school) == 1 and school["slope_per_year"].item() < 0 and school["projected_year"].notna().item()


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
    岫岩's 2024 report charts its five falling junior coefficients and projects 2039 (the timetable's
    year: junior R4, the slowest, is 0.7249 in 2024 and falls 0.0194 a year over 2018–2024, so it
    reaches the cap 0.45 after 14.2 years), and the city overview marks it at risk."""
    _, wh = demo
    folder = wh / "published_reports"
    pages = sorted(p.relative_to(folder).as_posix() for p in folder.glob("*/*/*.html"))
    assert len(pages) == 7 * (9 + 1) and f"2018/{RS}/city-2103.html" in pages
    county = (folder / "2024" / RS / "county-210323.html").read_text(encoding="utf-8")
    assert county.count('data-measure="junior-R') == 5 and 'data-chart="trends"' in county
    assert 'data-figure="projected_year">2039<' in county
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
