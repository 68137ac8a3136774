"""Outliers before planning (摸清底数, roadmap.md §1, issue 26 item 6): a school unit beyond 3 × its county
level's median and 3 × the standard on an indicator is flagged in `mart_data_plausibility`, and a plan
whose cost rests on such units says so in `mart_county_roadmap.driven_by_outliers`, naming them.

Checked against the worked example changed by hand (every figure below worked out here from the feed
values) and against a second implementation of the rule over the demo's published unit values."""

from __future__ import annotations

import math
import re
import statistics

import numpy as np
import pytest

from tests import worked_example
from tests.integration.helpers import published, run, write_feeds

STUDENTS = dict(zip(worked_example.SCHOOL_IDS, worked_example.STUDENTS, strict=True))
BIG = worked_example.SCHOOL_IDS[2]  # 89 pupils: 8,000 m² of teaching and auxiliary floor area
RICH = worked_example.SCHOOL_IDS[4]  # 55 pupils: ¥400,000 of equipment
AREA = dict(zip(worked_example.SCHOOL_IDS, [400, 330, 8000, 690, 500], strict=True))
EQUIPMENT = dict(zip(worked_example.SCHOOL_IDS, [120_000, 95_000, 220_000, 180_000, 400_000], strict=True))


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    root = tmp_path_factory.mktemp("plausibility")
    frames = worked_example.frames()
    f = frames["facilities"]
    f["teaching_aux_area_m2"] = f["school_id"].map(AREA)
    f["indoor_sports_area_m2"] = 0  # R4 and B1 are the same whether or not the hall is subtracted
    f["equipment_value_10k_yuan"] = f["school_id"].map(EQUIPMENT) / 10_000
    write_feeds(root / "landing", 2024, frames)
    outcome = run(root / "landing", root / "wh", 2024)
    assert outcome.success, outcome.problems
    return root / "wh"


def test_a_unit_beyond_both_multiples_is_flagged_with_the_median_and_standard_worked_by_hand(wh):
    # R4 (m² per pupil): 400/45 = 8.889, 330/37 = 8.919, 8000/89 = 89.888, 690/76 = 9.079, 500/55 = 9.091;
    # median 9.079 (690/76): 89.888 > 3 × 9.079 = 27.24 and > 3 × 4.5 = 13.5 → flagged.
    # R6 (yuan per pupil): 2666.7, 2567.6, 2471.9, 2368.4, 400000/55 = 7272.7; median 2567.6 (95000/37):
    # 7272.7 > 3 × 2000 = 6000 but < 3 × 2567.6 = 7702.7 → not flagged (both multiples are needed).
    rows = published(wh, "select * from mart_data_plausibility where year = 2024 order by ruleset")
    assert list(rows.columns) == ["year", "ruleset", "county_code", "school_id", "level", "indicator_code", "value",
                                  "county_median", "standard", "reason"]
    got = {(r.ruleset, r.indicator_code): r for r in rows.itertuples()}
    # moe_2017 and anshan_2018 judge R4 against its standard; basic_2012 has no standard for B1: the median alone
    assert set(got) == {("moe_2017", "R4"), ("anshan_2018", "R4"), ("basic_2012", "B1")}
    for (ruleset, _), r in got.items():
        assert (r.county_code, r.school_id, r.level) == (worked_example.COUNTY, BIG, "primary")
        assert r.value == pytest.approx(8000 / 89)
        assert r.county_median == pytest.approx(690 / 76)
        assert "89.89" in r.reason and "3 × the county median 9.08 (27.24)" in r.reason
        if ruleset == "basic_2012":
            assert math.isnan(r.standard) and "no standard" in r.reason
        else:
            assert r.standard == 4.5 and "3 × the standard 4.50 (13.50)" in r.reason
    assert RICH not in set(rows["school_id"])


def test_a_plan_resting_on_the_flagged_unit_names_it_and_the_coefficient_without_it(wh):
    road = published(wh, "select ruleset, indicator_code, cv_now, cap, cost_yuan, floor_cost_yuan, driven_by_outliers "
                         "from mart_county_roadmap where year = 2024 and level = 'primary'")
    r4 = road[(road["ruleset"] == "moe_2017") & (road["indicator_code"] == "R4")].iloc[0]
    # the coefficient with school 3 left out, by hand: student-weighted, population form
    p = np.array([STUDENTS[s] for s in worked_example.SCHOOL_IDS if s != BIG], dtype=float)
    x = np.array([AREA[s] / STUDENTS[s] for s in worked_example.SCHOOL_IDS if s != BIG])
    mean = (p * x).sum() / p.sum()
    cv_without = math.sqrt((p * (x - mean) ** 2).sum() / p.sum()) / mean
    assert r4["cv_now"] > r4["cap"] >= cv_without and r4["cost_yuan"] > (r4["floor_cost_yuan"] or 0)
    text = r4["driven_by_outliers"]
    assert text.startswith(f"1 flagged unit(s) ({BIG} 89.89 m² per student")
    assert f"the coefficient is {cv_without:.3f} ≤ cap 0.50" in text
    # a level plan with no cost beyond the floors is not said to rest on anything
    for row in road.itertuples():
        if (row.cost_yuan or 0) - (0 if row.floor_cost_yuan is None or math.isnan(row.floor_cost_yuan)
                                   else row.floor_cost_yuan) < 0.5:
            assert row.driven_by_outliers is None, row


# -- the demo: a second implementation of the rule over the published unit values ---------------------

@pytest.fixture(scope="module")
def demo(demo_published):
    return demo_published[1]


def _flags_by_second_implementation(units, median_multiple=3.0, standard_multiple=3.0) -> set:
    flags = set()
    for key, g in units.groupby(["year", "ruleset", "county_code", "level", "indicator_code"]):
        values = g["value"].dropna()
        if values.empty:
            continue
        median = statistics.median(values.tolist())
        for r in g.dropna(subset=["value"]).itertuples():
            beyond_standard = r.threshold is None or math.isnan(r.threshold) or r.value > standard_multiple * r.threshold
            if r.value > median_multiple * median and beyond_standard:
                flags.add((*key[:2], r.school_id, r.level, r.indicator_code))
    return flags


def test_the_demo_flags_exactly_what_a_second_implementation_finds(demo):
    units = published(demo, "select year, ruleset, county_code, school_id, level, indicator_code, value, threshold "
                            "from fct_school_unit_indicators")
    expected = _flags_by_second_implementation(units)
    got = published(demo, "select year, ruleset, school_id, level, indicator_code from mart_data_plausibility")
    assert set(map(tuple, got.itertuples(index=False))) == expected
    assert expected  # the demo has outliers to find


def test_the_demo_xiuyan_junior_floor_area_plan_names_its_three_county_seat_schools(demo):
    """岫岩 (210323) junior R4 under moe_2017: the plan builds because three county-seat schools hold
    23–33 m² per pupil against a county median near 6.6; without them the coefficient is far within 0.45."""
    units = published(demo, "select school_id, students, value, urban_rural from fct_school_unit_indicators "
                            "where year = 2024 and ruleset = 'moe_2017' and county_code = '210323' "
                            "and level = 'junior' and indicator_code = 'R4'")
    median = statistics.median(units["value"])
    seat = units[units["value"] > 3 * max(median, 5.8)]
    assert len(seat) == 3 and set(seat["urban_rural"]) == {"111"}  # 城区: the county seat
    rest = units[~units["school_id"].isin(seat["school_id"])]
    p, x = rest["students"].to_numpy(float), rest["value"].to_numpy(float)
    mean = (p * x).sum() / p.sum()
    cv_without = math.sqrt((p * (x - mean) ** 2).sum() / p.sum()) / mean
    row = published(demo, "select cost_yuan, cv_now, driven_by_outliers from mart_county_roadmap where year = 2024 "
                          "and ruleset = 'moe_2017' and county_code = '210323' and level = 'junior' "
                          "and indicator_code = 'R4'").iloc[0]
    assert row["cost_yuan"] > 50e6 and row["cv_now"] > 0.45
    named = re.findall(r"\b\d{10}\b", row["driven_by_outliers"])
    assert sorted(named) == sorted(seat["school_id"])
    assert f"the coefficient is {cv_without:.3f} ≤ cap 0.45" in row["driven_by_outliers"]


def test_the_county_report_lists_the_data_to_check_first_and_the_plan_resting_on_them(wh):
    page = (wh / "published_reports" / "2024" / "moe_2017" / f"county-{worked_example.COUNTY}.html").read_text(
        encoding="utf-8")
    listed = page[page.index('data-table="check-first"'):]
    listed = listed[:listed.index("</ul>")]
    assert re.findall(r'data-school="(\d+)" data-indicator="(\w+)"', listed) == [(BIG, "R4")]
    assert "89.89 m² per student" in listed
    assert 'data-driven="primary-R4"' in page and "先核查再建设" in page
