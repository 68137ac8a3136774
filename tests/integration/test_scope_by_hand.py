"""Split 一贯制 / 完全中学 units, merged and excluded teaching points and excluded schools, through the
whole pipeline, against coefficients computed here by hand from the same figures."""

import math

import pandas as pd
import pytest

from tests.integration.helpers import published, run, write_feeds

COUNTY = "210321"
# id, type, {stage: students}, parent, facilities (aux, indoor, ground, equip 万元, multimedia, computers, books)
SCHOOLS = [
    ("3221000001", "九年一贯制学校", {"小学": 166, "初中": 210}, "", (3970, 0, 7940, 100, 20, 100, 9000)),
    ("2121000002", "小学", {"小学": 300}, "", (1500, 100, 3000, 70, 8, 40, 6000)),
    ("0921000003", "小学教学点", {"小学": 60}, "2121000002", (300, 0, 400, 9, 1, 5, 900)),
    ("0921000004", "小学教学点", {"小学": 40}, "2121000002", (250, 0, 300, 6, 1, 4, 700)),
    ("3121000005", "初级中学", {"初中": 400}, "", (2600, 200, 4500, 110, 10, 50, 12000)),
    ("3421000006", "完全中学", {"初中": 300, "高中": 200}, "", (4000, 400, 8000, 200, 16, 80, 20000)),
    ("0521000007", "特殊教育学校", {"小学": 50, "初中": 30}, "", (900, 0, 500, 30, 3, 10, 2000)),
    ("3321000008", "职业初中", {"初中": 120}, "", (700, 0, 900, 20, 2, 10, 3000)),
    ("2121000009", "小学", {"小学": 500}, "", (2000, 0, 2500, 80, 11, 50, 15000)),
]


def frames() -> dict[str, pd.DataFrame]:
    schools, enrol, teachers, fac = [], [], [], []
    for sid, stype, stages, parent, f in SCHOOLS:
        schools.append({"school_id": sid, "school_name": f"测试{sid[-2:]}", "county_code": COUNTY,
                        "county_name": "台安县", "school_type": stype, "parent_school_id": parent,
                        "urban_rural": "210", "is_private": 0, "is_boarding": 0})
        for stage, n in stages.items():
            enrol.append({"school_id": sid, "stage": stage, "students": n, "classes": max(1, n // 40),
                          "classes_over_45": 0, "classes_over_50": 0, "entrants": n // 6,
                          "final_grade_students": n // 6, "migrant_students": 0})
            t = max(2, n // 12)
            teachers.append({"school_id": sid, "stage": stage, "full_time_teachers": t, "qual_postgraduate": 0,
                             "qual_bachelor": t - 1, "qual_associate": 1, "qual_below_associate": 0,
                             "title_intermediate_plus": t // 2, "pe_teachers": 1, "music_teachers": 0,
                             "art_teachers": 0, "backbone_teachers": 1, "certified_teachers": t,
                             "training_360h_completed": t})
        fac.append(dict(zip(["school_id", "teaching_aux_area_m2", "indoor_sports_area_m2", "sports_ground_area_m2",
                             "equipment_value_10k_yuan", "multimedia_classrooms", "computers", "books"],
                            (sid, *f), strict=True)))
    return {"schools": pd.DataFrame(schools), "enrollment": pd.DataFrame(enrol),
            "teachers": pd.DataFrame(teachers), "facilities": pd.DataFrame(fac)}


def weighted_cv(units: list[tuple[float, float]]) -> float:
    total = sum(p for p, _ in units)
    mean = sum(p * x for p, x in units) / total
    return math.sqrt(sum(p * (x - mean) ** 2 for p, x in units) / total) / mean


# By hand. A (九年一贯制): weighted enrolment 166 + 1.1 × 210 = 397; primary share 166/397, junior 231/397.
# F (完全中学): 300 + 1.2 × 200 = 540; junior share 300/540. C (60 pupils) merges into B; D (40) is out.
# Special-education G and vocational H are out. R4 = the census teaching/aux area (the indoor sports
# hall included, as the national statistics count it) / students.
R4_PRIMARY = [(166, 3970 * 166 / 397 / 166), (300 + 60, (1500 + 300) / 360), (500, 2000 / 500)]
R4_JUNIOR = [(210, 3970 * 231 / 397 / 210), (400, 2600 / 400),
             (300, 4000 * (300 / 540) / 300)]
# basic_2012 has no teaching points at all: B is alone. B1 is the same census total per student.
B5_PRIMARY = [(166, 9000 * 166 / 397 / 166), (300, 6000 / 300), (500, 15000 / 500)]
B1_PRIMARY = [(166, 3970 * 166 / 397 / 166), (300, 1500 / 300), (500, 2000 / 500)]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    landing = tmp_path_factory.mktemp("landing")
    wh = tmp_path_factory.mktemp("warehouse")
    write_feeds(landing, 2024, frames())
    outcome = run(landing, wh)
    assert outcome.success, outcome.problems
    return wh


def coef(wh, ruleset, level, code):
    df = published(wh, "select * from fct_county_coefficients where ruleset = ? and level = ? and indicator_code = ?",
                   [ruleset, level, code])
    assert len(df) == 1
    return df.iloc[0]


def test_split_and_merged_units_give_the_hand_computed_coefficients(warehouse):
    for level, units in (("primary", R4_PRIMARY), ("junior", R4_JUNIOR)):
        row = coef(warehouse, "moe_2017", level, "R4")
        assert row["n_units"] == 3
        assert row["students"] == sum(p for p, _ in units)
        assert row["cv"] == pytest.approx(weighted_cv(units), rel=1e-9)


def test_basic_2012_leaves_teaching_points_out(warehouse):
    row = coef(warehouse, "basic_2012", "primary", "B5")
    assert row["students"] == 966
    assert row["cv"] == pytest.approx(weighted_cv(B5_PRIMARY), rel=1e-9)


def test_r4_and_b1_count_the_floor_area_as_the_statistics_do(warehouse):
    """School B's 100 m² indoor hall stays in its 1,500 m² (issue 26): R4 and B1 divide the census total."""
    row = coef(warehouse, "basic_2012", "primary", "B1")
    assert row["cv"] == pytest.approx(weighted_cv(B1_PRIMARY), rel=1e-9)
    b = published(warehouse, "select ruleset, indicator_code, value from fct_school_unit_indicators "
                             "where school_id = '2121000002' and ruleset in ('moe_2017', 'basic_2012') "
                             "and indicator_code in ('R4', 'B1') order by 1")
    # basic_2012: B alone (1,500 m², 300 pupils); moe_2017: B with its merged teaching point C
    assert b["value"].tolist() == pytest.approx([1500 / 300, (1500 + 300) / 360])


def test_excluded_schools_are_in_no_unit_and_reconcile(warehouse):
    units = published(warehouse, "select distinct school_id from fct_school_unit_indicators")["school_id"]
    assert set(units) == {"3221000001", "2121000002", "3121000005", "3421000006", "2121000009"}
    levels = published(warehouse, "select level, students from mart_county_level_resources where ruleset = 'moe_2017'")
    assert dict(zip(levels["level"], levels["students"], strict=True)) == {"primary": 1026, "junior": 910}
