"""The fault matrix through the whole graph (docs/reliability.md). Two runs of the demo year:

- `faulty`: row-level faults, one kind per county, so each effect can be told apart —
  210302 flags only (implausible class size, area and equipment per student, a school with zero
  students, a school named like SQL) → kept, reported, the county stays complete;
  210303 a 九年一贯制 school without its junior enrollment row → quarantined, county incomplete;
  210304 a facilities row whose school_id was mistyped → orphan quarantined, the school's R4–R7
  unknown, county level incomplete; county_finance for 210399, a county the census lacks →
  quarantined, no phantom county. Every other county: untouched.
- `without_facilities`: a whole feed absent → what needs it is unknown (NULL), never zero.
"""

import pandas as pd
import pytest

from synthetic import build_feeds
from tests.integration.helpers import published, run, working, write_feeds

EVIL = "'); drop table raw_schools; --"
YEAR = 2024
RESOURCE = ("R1", "R2", "R3", "R4", "R5", "R6", "R7")


def _ids(schools: pd.DataFrame, county: str, school_type: str) -> list[str]:
    return schools[(schools["county_code"] == county) & (schools["school_type"] == school_type)]["school_id"].tolist()


def faulty_frames() -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    f = {k: v.copy() for k, v in build_feeds(counties=9, year=YEAR, seed=0).items()}
    s, e, fa = f["schools"], f["enrollment"], f["facilities"]
    a, b, c, z = _ids(s, "210302", "小学")[:4]
    s.loc[s["school_id"] == a, "school_name"] = EVIL
    row = e.index[e["school_id"] == a][0]  # > 120 students per class
    e.loc[row, ["classes", "classes_over_45", "classes_over_50"]] = 2
    e.loc[row, "students"] = max(int(e.loc[row, "students"]), 260)
    fa.loc[fa["school_id"] == b, "sports_ground_area_m2"] = e.loc[e["school_id"] == b, "students"].sum() * 250.0
    fa.loc[fa["school_id"] == c, "equipment_value_10k_yuan"] = e.loc[e["school_id"] == c, "students"].sum() * 150.0
    e.loc[e["school_id"] == z, ["students", "classes", "classes_over_45", "classes_over_50", "entrants",
                                "final_grade_students", "migrant_students"]] = 0
    nine = _ids(s, "210303", "九年一贯制学校")[0]
    f["enrollment"] = e[~((e["school_id"] == nine) & (e["stage"] == "初中"))]
    victim = _ids(s, "210304", "小学")[0]
    fa.loc[fa["school_id"] == victim, "school_id"] = "2199999999"
    f["county_finance"] = pd.concat([f["county_finance"], f["county_finance"].iloc[[0]].assign(county_code="210399")],
                                    ignore_index=True)
    return f, {"evil": a, "crowded": a, "area": b, "equipment": c, "zero": z, "nine_year": nine, "victim": victim}


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    frames, ids = faulty_frames()
    landing, wh = tmp_path_factory.mktemp("landing"), tmp_path_factory.mktemp("wh")
    write_feeds(landing, YEAR, frames)
    outcome = run(landing, wh)
    assert outcome.success, outcome.problems  # row-level faults never stop publication
    return wh, frames, ids


def level_status(wh, county) -> dict[str, str]:
    df = published(wh, "select level, status from mart_county_level_resources where ruleset = 'moe_2017' "
                       "and county_code = ?", [county])
    return dict(zip(df["level"], df["status"], strict=True))


def test_flags_keep_the_rows_report_them_and_leave_the_county_complete(faulty):
    wh, _, ids = faulty
    flags = working(wh, "select feed, key_value, rule, severity, county_code from feed_flags where year = ?", [YEAR])
    got = {(r.rule, r.key_value.split("|")[0], r.severity) for r in flags.itertuples()}
    assert got == {("students_per_class_implausible", ids["crowded"], "implausible"),
                   ("area_per_student_implausible", ids["area"], "implausible"),
                   ("equipment_per_student_implausible", ids["equipment"], "implausible"),
                   ("zero_students", ids["zero"], "notice")}
    assert set(flags["county_code"]) == {"210302"}
    notes = working(wh, "select feed, notes from feed_loads where year = ?", [YEAR]).set_index("feed")["notes"]
    assert "flagged, kept" in notes["enrollment"] and "flagged, kept" in notes["facilities"]
    coef = published(wh, "select indicator_code, level, cv, county_incomplete from fct_county_coefficients "
                         "where county_code = '210302' and ruleset = 'moe_2017'")
    assert not coef["county_incomplete"].any()
    assert coef[coef["indicator_code"].isin(RESOURCE)]["cv"].notna().all()  # computed, with the flagged values
    assert "incomplete" not in level_status(wh, "210302").values()
    assert published(wh, "select quarantined_rows from mart_county_readiness where county_code = '210302'")[
        "quarantined_rows"].eq(0).all()


def test_a_school_with_zero_students_is_kept_but_out_of_the_coefficient(faulty):
    wh, frames, ids = faulty
    units = working(wh, "select in_scope, scope_note from int_school_units where school_id = ? and year = ?",
                    [ids["zero"], YEAR])
    assert len(units) == 3 and not units["in_scope"].any() and set(units["scope_note"]) == {"no_students"}
    assert published(wh, "select count(*) n from fct_school_unit_indicators where school_id = ?",
                     [ids["zero"]])["n"].item() == 0
    s = frames["schools"]
    primary_units = s[(s["county_code"] == "210302")
                      & s["school_type"].isin(["小学", "九年一贯制学校", "十二年一贯制学校"])]
    n = published(wh, "select distinct n_units from fct_county_coefficients where county_code = '210302' "
                      "and level = 'primary' and ruleset = 'moe_2017' and indicator_code = 'R1'")["n_units"]
    assert n.tolist() == [len(primary_units) - 1]


def test_a_sql_looking_school_name_reaches_the_marts_verbatim(faulty):
    wh, frames, ids = faulty
    names = published(wh, "select distinct school_name from fct_school_unit_indicators where school_id = ?",
                      [ids["evil"]])["school_name"]
    assert names.tolist() == [EVIL]
    assert working(wh, "select count(*) n from raw_schools where year = ?", [YEAR])["n"].item() == len(frames["schools"])


def test_a_nine_year_school_missing_a_stage_makes_its_county_incomplete(faulty):
    wh, _, ids = faulty
    q = working(wh, "select rule, county_code, key_value from quarantine_enrollment where year = ?", [YEAR])
    assert q.values.tolist() == [["stage_missing", "210303", f"{ids['nine_year']}|primary"]]
    assert set(level_status(wh, "210303").values()) == {"incomplete"}
    coef = published(wh, "select cv, county_incomplete from fct_county_coefficients where county_code = '210303'")
    assert coef["cv"].isna().all() and coef["county_incomplete"].all()


def test_an_orphan_row_is_quarantined_and_its_school_is_unknown(faulty):
    wh, _, ids = faulty
    q = working(wh, "select rule, county_code, key_value from quarantine_facilities where year = ?", [YEAR])
    assert q["rule"].tolist() == ["orphan_school_id"] and q["key_value"].tolist() == ["2199999999"]
    assert q["county_code"].isna().all()  # whose county it was cannot be known
    assert level_status(wh, "210304")["primary"] == "incomplete"  # its school has no facilities: R4–R7 unknown
    r4 = published(wh, "select value from fct_school_unit_indicators where school_id = ? and indicator_code = 'R4' "
                       "and ruleset = 'moe_2017'", [ids["victim"]])["value"]
    assert r4.isna().all() and len(r4) == 1  # unknown, never 0


def test_county_finance_for_a_county_the_census_lacks_is_quarantined_and_invents_no_county(faulty):
    wh, _, _ = faulty
    q = working(wh, "select rule, county_code, key_value from quarantine_county_finance where year = ?", [YEAR])
    assert q["rule"].tolist() == ["unknown_county"] and q["key_value"].tolist() == ["210399"]
    for table in ("mart_county_readiness", "mart_county_level_resources", "fct_county_coefficients"):
        assert published(wh, f"select count(*) n from {table} where county_code = '210399'")["n"].item() == 0


def test_nothing_lost_and_the_other_counties_untouched(faulty):
    wh, frames, _ = faulty
    for feed, df in frames.items():
        n = working(wh, f"select count(*) n, count(_row_hash) h, count(_delivered) d from raw_{feed} where year = ?",
                    [YEAR])
        assert n.values.tolist() == [[len(df)] * 3], feed
    status = published(wh, "select county_code, quarantined_rows from mart_county_readiness where ruleset = 'moe_2017'")
    quarantined = dict(zip(status["county_code"], status["quarantined_rows"], strict=True))
    assert quarantined.pop("210303") == 1
    assert set(quarantined.values()) == {0}
    coef = published(wh, "select county_code, county_incomplete from fct_county_coefficients")
    assert set(coef[coef["county_incomplete"]]["county_code"]) == {"210303"}


def test_a_missing_feed_leaves_what_needs_it_unknown_never_zero(tmp_path):
    frames = build_feeds(counties=9, year=YEAR, seed=0)
    del frames["facilities"]
    landing, wh = tmp_path / "landing", tmp_path / "wh"
    write_feeds(landing, YEAR, frames)
    outcome = run(landing, wh)
    assert outcome.success, outcome.problems
    loads = working(wh, "select feed, status from feed_loads where year = ?", [YEAR]).set_index("feed")["status"]
    assert loads["facilities"] == "absent"
    coef = published(wh, "select indicator_code, cv, cv_null_reason from fct_county_coefficients "
                         "where ruleset = 'moe_2017'")
    needs = coef[coef["indicator_code"].isin(["R4", "R5", "R6", "R7"])]
    assert needs["cv"].isna().all() and needs["cv_null_reason"].notna().all()
    assert coef[coef["indicator_code"].isin(["R1", "R2", "R3"])]["cv"].notna().any()  # teachers still count
    values = published(wh, "select value from fct_school_unit_indicators where ruleset = 'moe_2017' "
                           "and indicator_code in ('R4', 'R5', 'R6', 'R7')")["value"]
    assert len(values) > 0 and values.isna().all()  # unknown, never 0
    levels = published(wh, "select status, blocking_reasons from mart_county_level_resources")
    assert "ready" not in set(levels["status"])  # never a verdict over unknown values …
    decided = levels[levels["status"] != "incomplete"]  # … unless known values already fail (false AND unknown)
    assert len(decided) > 0  # the case is here: levels whose known indicators fail are decided not_ready
    assert set(decided["status"]) <= {"not_ready"} and decided["blocking_reasons"].str.contains(" > ").all()
    assert decided["blocking_reasons"].str.contains("coefficient undefined: R4").all()
