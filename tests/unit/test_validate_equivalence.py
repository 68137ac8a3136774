"""The SQL validation (ingestion.validate) gives exactly what the pandas reference gave
(tests.validate_reference): the same typed frame, the same violations in the same order, the same
notes or the same FeedFileError (tests/validate_equivalence.py says what "the same" means).

(a) every feed the ingestion tests validate (their files run again with every call checked);
(b) a synthetic year with the generator's faults (tests/integration/test_faults.py) and more, read back
    from CSV (UTF-8 and GB18030), XLSX and Parquet;
(c) a hand-made file of nasty cells for every feed: full-width digits, thousands separators, blanks,
    Unicode spaces, unknown spellings, negative and fractional counts, exponents, ragged rows.
"""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ingestion.contract import COUNTY_FEEDS, FEEDS
from ingestion.load import _counties_of_schools_file
from ingestion.readers import FeedFileError, read_feed_file
from ingestion.validate import SchoolsReference
from synthetic import build_feeds
from tests.validate_equivalence import assert_equivalent

REPO = Path(__file__).resolve().parents[2]
CHECKED_FILES = ["tests/unit/test_validate.py", "tests/unit/test_faults.py", "tests/unit/test_readers.py",
                 "tests/unit/test_inventory.py", "tests/unit/test_synthetic_history.py"]


def test_every_feed_the_ingestion_tests_validate_agrees_with_the_reference(tmp_path):
    log = tmp_path / "compared.txt"
    env = {**os.environ, "JUNHENG_CHECK_VALIDATE_REFERENCE": "1", "JUNHENG_CHECK_VALIDATE_REFERENCE_LOG": str(log)}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
                           "tests.validate_equivalence", "-x", f"--basetemp={tmp_path / 'bt'}", *CHECKED_FILES],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    compared = log.read_text().split()
    assert len(compared) > 50 and set(compared) >= {"schools", "enrollment", "teachers", "facilities",
                                                      "county_finance", "county_submission", "county_plan"}


def _check_year(landing: Path, year: int, ext: str) -> dict[str, int]:
    """Every feed of the year through both implementations, in load order, child feeds checked against
    the schools reference as the loader builds it; {feed: violations}."""
    ref = SchoolsReference.empty()
    counts = {}
    for feed in FEEDS:
        path = landing / str(year) / f"{feed}.{ext}"
        if not path.exists():
            continue
        delivered = read_feed_file(feed, path)
        if feed == "schools":
            result = assert_equivalent(delivered, None)
            assert not isinstance(result, FeedFileError), result
            ref = SchoolsReference.from_schools(result.typed)
            continue
        if feed in COUNTY_FEEDS and ext == "csv":
            stat = (landing / str(year) / "schools.csv").stat()
            feed_ref = _counties_of_schools_file(str(landing / str(year) / "schools.csv"), stat.st_mtime_ns, stat.st_size)
        else:
            feed_ref = ref
        result = assert_equivalent(delivered, feed_ref)
        assert not isinstance(result, FeedFileError), result
        counts[feed] = len(result.violations)
    return counts


def _faulty_year(counties: int = 4, seed: int = 3) -> dict[str, pd.DataFrame]:
    """A synthetic year with the integration fault matrix's faults and the odd cells counties deliver."""
    f = {k: v.astype(object).where(v.notna(), "").astype(str)
         for k, v in build_feeds(counties=counties, year=2024, seed=seed).items()}
    s, e, t, fa, fi = f["schools"], f["enrollment"], f["teachers"], f["facilities"], f["finance"]
    prim = s.index[s["school_type"] == "小学"]
    nine = s.loc[s["school_type"] == "九年一贯制学校", "school_id"]
    # the integration fault matrix (tests/integration/test_faults.py)
    s.loc[prim[0], "school_name"] = "'); drop table raw_schools; --"
    e.loc[e.index[0], ["classes", "classes_over_45", "classes_over_50"]] = "2"
    if len(nine):
        f["enrollment"] = e = e[~((e["school_id"] == nine.iloc[0]) & (e["stage"] == "初中"))].copy()
    fa.loc[fa.index[3], "school_id"] = "2199999999"
    f["county_finance"] = pd.concat([f["county_finance"], f["county_finance"].iloc[[0]].assign(county_code="210399")],
                                    ignore_index=True)
    # schools: full-width and padded ids, a duplicate, teaching points without / with a wrong parent, bad enums
    s.loc[prim[1], "school_id"] = "".join(chr(ord(ch) + 0xFEE0) for ch in s.loc[prim[1], "school_id"])
    s.loc[prim[2], "school_id"] = "\u3000" + s.loc[prim[2], "school_id"] + " "
    s.loc[prim[3], "school_type"] = "大学"
    s.loc[prim[4], ["school_type", "parent_school_id"]] = ["教学点", ""]
    s.loc[prim[5], ["school_type", "parent_school_id"]] = ["teaching point", "1188888888"]
    s.loc[prim[6], ["is_private", "is_boarding", "urban_rural"]] = ["maybe", " 是 ", "999"]
    s.loc[prim[7], ["county_code", "school_name"]] = ["21 0302", "   "]
    f["schools"] = s = pd.concat([s, s.iloc[[8]]], ignore_index=True)
    # enrollment and teachers: numbers in every odd spelling
    odd = ["1,234", "１２", "-3", "12.5", "abc", "", " 7 ", "+5", "1e3", "inf", "-0", "1_000", "٣", "3.0000001",
           "1,2,3", "－４", "７.５", "  "]
    for k, v in enumerate(odd):
        e.loc[e.index[10 + k], "students" if k % 2 else "entrants"] = v
        t.loc[t.index[10 + k], "pe_teachers" if k % 2 else "qual_bachelor"] = v
    e.loc[e.index[40], "stage"] = "初 中"
    e.loc[e.index[41], "stage"] = "JUNIOR"
    e.loc[e.index[42], "stage"] = "大学"
    e.loc[e.index[43], "school_id"] = e.loc[e.index[44], "school_id"]  # duplicate key (if the stage agrees)
    t.loc[t.index[40], "qual_bachelor"] = str(int(t.loc[t.index[40], "qual_bachelor"]) + 1)
    t.loc[t.index[41], "pe_teachers"] = "999"
    # facilities and finance: amounts
    for k, v in enumerate(["1,234.5", "-1.5", "0.0000001", "１２３４５６７８９０１２３４５６", "1e-7", "NaN", "-",
                           "12.", ".5", "0"]):
        fa.loc[fa.index[20 + k], "teaching_aux_area_m2"] = v
        fi.loc[fi.index[20 + k], "public_funds_yuan"] = v
    fa.loc[fa.index[40], "indoor_sports_area_m2"] = "99999999"
    # county feeds
    cf = f["county_finance"]
    cf.loc[cf.index[0], "teacher_avg_salary_yuan"] = "0"
    cf.loc[cf.index[1], "civil_servant_avg_salary_yuan"] = "-5"
    sub = f["county_submission"]
    sub.loc[sub.index[0], "item_code"] = "９X"
    sub.loc[sub.index[1], "item_code"] = "G１"
    sub.loc[sub.index[2], "value"] = "\u3000"
    f["county_submission"] = pd.concat([sub, sub.iloc[[3]]], ignore_index=True)
    return f


@pytest.mark.parametrize("fmt,encoding", [("csv", "utf-8"), ("csv", "gb18030"), ("xlsx", None), ("parquet", None)])
def test_a_synthetic_year_with_faults_agrees_with_the_reference(tmp_path, fmt, encoding):
    year_dir = tmp_path / "2024"
    year_dir.mkdir()
    for feed, df in _faulty_year().items():
        path = year_dir / f"{feed}.{fmt}"
        if fmt == "csv":
            df.to_csv(path, index=False, encoding=encoding)
        elif fmt == "xlsx":
            df.to_excel(path, index=False, engine="openpyxl")
        else:
            df.to_parquet(path, index=False)
    counts = _check_year(tmp_path, 2024, fmt)
    assert all(counts.get(f, 0) > 0 for f in ("enrollment", "teachers", "facilities", "finance", "county_finance",
                                              "county_submission")), counts


NASTY = {
    "schools": (
        "school_id,school_name,county_code,county_name,school_type,parent_school_id,urban_rural,is_private,is_boarding,extra\n"
        "1121030010,一小,210302,铁东区,小学,,111,0,0,x\n"
        "１１２１０３００２０, 二小 ,２１０３０２,铁东区,PRIMARY SCHOOL,,１１１,是,否,\n"
        "1121030030,\u3000三小\u3000,210302,铁东区,小 学,,112,Y,n,\n"
        "1121030040,点,210302,铁东区,教学点,1121030010,121,true,FALSE,\n"
        "1121030050,点二,210302,铁东区,teaching_point,1121030060,121,t,f,\n"
        "1121030060,初中,210399,铁西区,初中,,122,yes,no,\n"
        "1121030070,点三,210302,铁东区,教学点,1121030060,121,1,0,\n"
        "112103008,短号,210302,铁东区,小学,,111,2,0,\n"
        "1121030090,未知,210302,铁东区,幼儿园,,999,,,\n"
        "1121030010,重复,210302,铁东区,小学,,111,0,0,\n"
        ",无号,,铁东区,,,111,0,0,\n"
        "1121030110,多列,210302,铁东区,小学,,111,0,0,a,b\n"
        "1121030120,少列,210302\n"
        "1121030130,'); drop table x; --,210302,\"铁东,区\",九年一贯制学校,,111,0,1,\n"
        "1121030150,\"一/二\"\"小\"\"\\\\😀\x01\x7f\",210302,铁东区,小学,,111,0,0,</\n"
        "\n"
        "1121030140,全角ＡＢＣ,21O302,铁东区,十二年一贯制,,210,否,是,\n"
        "1121030160,先错,210302,铁东区,幼儿园,,111,0,0,\n"
        "1121030160,后对,210302,铁东区,小学,,111,0,0,\n"
        "1121030170,点四,210302,铁东区,教学点,1121030160,121,0,0,\n"
    ),
    "enrollment": (
        "school_id,stage,students,classes,classes_over_45,classes_over_50,entrants,final_grade_students,migrant_students\n"
        "1121030010,小学,1,234,2,0,0,1,1,0\n"
        "1121030010,初中,\"1,234\",30,3,1,200,200,5\n"
        "1121030030,primary,１２０,３,0,0,40,40,\n"
        "1121030040,Primary,-3,1,0,0,0,0,0\n"
        "1121030050,小学,12.5,1,0,0,0,0,0\n"
        "1121030060,初中,abc,1,0,0,0,0,0\n"
        "1121030060,高中,10,0,0,0,0,0,0\n"
        "1121030070,小学, 7 ,1,2,3,8,0,0\n"
        "1121030130,小学,100,4,0,0,1e1,+5,-0\n"
        "1121030140,小学,100,4,0,0,inf,nan,1_000\n"
        "1121030140,初中,100,4,0,0,  ,\u3000,٣\n"
        "1199999999,小学,5,1,0,0,0,0,0\n"
        "1121030010,小学,5,1,0,0,0,0,0\n"
        "1121030020,大学,5,1,0,0,0,0,0\n"
    ),
    "teachers": (
        "school_id,stage,full_time_teachers,qual_postgraduate,qual_bachelor,qual_associate,qual_below_associate,"
        "title_intermediate_plus,pe_teachers,music_teachers,art_teachers,backbone_teachers,certified_teachers,"
        "training_360h_completed\n"
        "1121030010,小学,10,1,5,3,1,5,1,1,1,2,10,10\n"
        "1121030030,小学,１０,1,5,3,2,11,5,5,5,11,11,11\n"
        "1121030040,小学,,1,5,3,1,5,,,,2,10,10\n"
        "1121030050,小学,-2,0,0,0,0,0,0,0,0,0,0,0\n"
        "1121030130,初中,4.0,1,1,1,1,1,1,1,1,1,1,1\n"
        "1121030140,初中,4,1,1,1,1,1,1,1,1,1,1,1\n"
    ),
    "facilities": (
        "school_id,teaching_aux_area_m2,indoor_sports_area_m2,sports_ground_area_m2,equipment_value_10k_yuan,"
        "multimedia_classrooms,computers,books,music_rooms,music_room_min_area_m2,art_rooms,art_room_min_area_m2\n"
        "1121030010,\"1,234.5\",100,２０００.５,12.25,3,40,\"10,000\",1,60,1,60\n"
        "1121030030,100,200,-1,0,0,0,0,0,0,0,0\n"
        "1121030040,1e3,1E2,0.0000001,1.5e-3,1,1,1,1,1,1,1\n"
        "1121030050,,,,,,,,,,,\n"
        "1121030060,12.,.5,+7,0,1.5,2,3,4,5,6,7\n"
        "1121030070,36082395817902.123082,917965382800289.1,99322063548.45973,0.1234567890123456,1,1,1,1,"
        "123456789012345,1,1234567890123456\n"
    ),
    "finance": (
        "school_id,public_funds_budget_yuan,public_funds_yuan,funded_students,teacher_training_funds_yuan\n"
        "1121030010,\"1,000,000\",900000,500,１２３４\n"
        "1121030030,-0.5,-0,-1,0\n"
        "1121030040,NaN,-,\u00a0,1.23456789\n"
    ),
    "county_finance": (
        "county_code,teacher_avg_salary_yuan,civil_servant_avg_salary_yuan\n"
        "210302,98000,95000\n"
        "210399,0,-5\n"
        "２１０３０２,\"98,000\",９５０００\n"
        ",1,1\n"
    ),
    "county_submission": (
        "county_code,item_code,value,evidence,scale\n"
        "210302,G1,是,,\n"
        "210302,９X,0.9,报告,percent\n"
        "210302,G１,90%,,百分比\n"
        "210302,G2,0.9,,bogus\n"
        "210302,_bad,1,,\n"
        "210399,G3,1,,fraction\n"
        "210302,G1,否,,\n"
    ),
    "county_plan": (
        "county_code,planned_year,budget_yuan_per_year\n"
        "210302,2026,\"5,000,000\"\n"
        "210302,１９９９,-1\n"
        "210399,2025.5,\n"
    ),
    "unit_costs": (
        "level,indicator_code,cost_yuan\n"
        "小学,R1,1000\n"
        "初中,Ｒ２,\"2,000\"\n"
        "高中,R9,-1\n"
        "primary,B8,\n"
    ),
}


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_hand_made_nasty_year_agrees_with_the_reference(tmp_path, encoding):
    year_dir = tmp_path / "2024"
    year_dir.mkdir()
    for feed, text in NASTY.items():
        (year_dir / f"{feed}.csv").write_bytes(text.encode(encoding))
    counts = _check_year(tmp_path, 2024, "csv")
    assert set(counts) == set(NASTY) - {"schools"} and all(counts.values()), counts


def test_the_whitespace_sql_strips_is_what_python_strips():
    from ingestion.validate import _WS

    assert _WS == "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


@pytest.mark.parametrize("column,values", [
    ("students", ["many", "lots", ""]),  # no value is a number: the file fails, same message and rows
    ("students", ["１０", "1,000", "12"]),  # full-width and separators only: numbers
    ("entrants", ["-1", "-2", "-3"]),  # all integers, no blank: `got -1`
    ("entrants", ["-1", "", "-3"]),  # a blank makes pandas read floats: `got -1.0`
    ("entrants", ["-1", "x", "2"]),  # so does a cell that is no number
])
def test_a_column_whole_agrees_with_the_reference(column, values):
    from tests import worked_example
    from tests.unit.test_validate import delivered, schools_ref

    df = worked_example.frames()["enrollment"].astype(str).iloc[:3].copy()
    df[column] = values
    assert_equivalent(delivered("enrollment", df), schools_ref())
