"""The fault matrix (docs/reliability.md), file- and row-level rows that need no Dagster run:
encodings mixed up, truncated and empty files, header variants, blank cells, 一贯制 schools missing a
stage, unknown counties, flags (kept and reported, never quarantined), what the loader records."""

import json
import re
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core import faultpoints
from ingestion.load import FLAGS_TABLE, ingest_feed
from ingestion.readers import FeedFileError, find_feed_file, read_feed_file
from ingestion.validate import SchoolsReference, plausibility_flags, validate_feed
from tests import worked_example

REPO = Path(__file__).resolve().parents[2]
HEADER = "school_id,school_name,county_code,county_name,school_type,parent_school_id,urban_rural,is_private,is_boarding\n"
ZH_HEADER = "学校标识码,学校名称,县级单位代码,县级单位名称,办学类型,所属学校标识码,城乡分类代码,是否民办,是否寄宿制\n"


def _write(tmp_path, name, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _validated(feed, path, ref=None):
    return validate_feed(read_feed_file(feed, path), ref)


def _schools_ref(frames=None) -> SchoolsReference:
    frames = frames or worked_example.frames()
    return SchoolsReference.from_schools(
        validate_feed(_delivered("schools", frames["schools"])).typed)


def _delivered(feed, df):
    from tests.unit.test_validate import delivered

    return delivered(feed, df)


# --- encodings -------------------------------------------------------------------------------------

def test_gbk_file_with_lines_that_happen_to_be_valid_utf8_reads_as_gb18030(tmp_path):
    # "学校" and "小学" in GBK are valid UTF-8 ("ѧУ", "Сѧ"): line 2 is valid UTF-8 as a whole, line 3 is not.
    text = HEADER + "1121030010,学校,210302,Tiedong,小学,,111,0,0\n" \
                    "1121030020,示例第二小学,210302,铁东区,小学,,111,否,否\n"
    path = _write(tmp_path, "schools.csv", text.encode("gbk"))
    feed = read_feed_file("schools", path)
    assert feed.encoding == "gb18030"
    assert feed.frame["school_name"].tolist() == ["学校", "示例第二小学"]


def test_gbk_file_that_is_entirely_valid_utf8_is_detected_and_the_choice_reported(tmp_path):
    # The only Chinese is 小学 (D0 A1 D1 A7), which UTF-8 reads as Cyrillic "Сѧ": not a school type.
    text = HEADER + "1121030010,No.1 School,210302,Tiedong,小学,,111,0,0\n"
    path = _write(tmp_path, "schools.csv", text.encode("gbk"))
    result = _validated("schools", path)
    assert read_feed_file("schools", path).encoding == "gb18030"
    assert result.typed.loc[0, "school_type"] == "primary" and result.violations.empty
    assert any("valid UTF-8 too" in n and "Сѧ" in n for n in result.notes), result.notes


def test_utf8_file_with_a_uyghur_school_name_stays_utf8(tmp_path):
    # Arabic-script names are plausible in a Chinese feed (Xinjiang); GB18030 would misread them.
    text = HEADER + "6521030010,ئۈرۈمچى 1-مەكتەپ,650102,天山区,小学,,111,0,0\n"
    path = _write(tmp_path, "schools.csv", text.encode("utf-8"))
    feed = read_feed_file("schools", path)
    assert feed.encoding == "utf-8" and feed.frame.loc[0, "school_name"] == "ئۈرۈمچى 1-مەكتەپ"


def test_utf8_rows_under_a_gbk_header_line_are_refused_as_mixed_encoding(tmp_path):
    data = ZH_HEADER.encode("gbk") + "1121030010,示例第一小学,210302,铁东区,小学,,111,否,否\n".encode()
    path = _write(tmp_path, "schools.csv", data)
    with pytest.raises(FeedFileError) as e:
        read_feed_file("schools", path)
    assert e.value.rule == "mixed_encoding" and "line 1" in str(e.value) and "line(s) 2" in str(e.value)


def test_gbk_rows_in_a_utf8_file_are_refused_as_mixed_encoding(tmp_path):
    data = ZH_HEADER.encode("utf-8") + "1121030010,示例第一小学,210302,铁东区,小学,,111,否,否\n".encode("gbk")
    with pytest.raises(FeedFileError, match="mixed_encoding"):
        read_feed_file("schools", _write(tmp_path, "schools.csv", data))


def test_utf8_file_cut_off_inside_a_character_is_truncated(tmp_path):
    data = (ZH_HEADER + "1121030010,示例第一小学,210302,铁东区,小学,,111,否,否").encode("utf-8")[:-1]
    with pytest.raises(FeedFileError) as e:
        read_feed_file("schools", _write(tmp_path, "schools.csv", data))
    assert e.value.rule == "truncated"


def test_a_utf8_bom_over_a_gbk_body_is_refused(tmp_path):
    data = b"\xef\xbb\xbf" + (ZH_HEADER + "1121030010,示例第一小学,210302,铁东区,小学,,111,否,否\n").encode("gbk")
    with pytest.raises(FeedFileError) as e:
        read_feed_file("schools", _write(tmp_path, "schools.csv", data))
    assert e.value.rule == "encoding" and "byte-order mark" in str(e.value) and "line 1" in str(e.value)


def test_utf16_is_refused_with_advice(tmp_path):
    path = _write(tmp_path, "schools.csv", ZH_HEADER.encode("utf-16"))
    with pytest.raises(FeedFileError, match="UTF-16"):
        read_feed_file("schools", path)


# --- truncated, empty, corrupt files ---------------------------------------------------------------

def test_file_cut_off_inside_a_quoted_field_is_a_file_error_not_a_swallowed_file(tmp_path):
    text = HEADER + '1121030010,"示例第一小学,210302,铁东区,小学,,111,否,否\n' \
                    "1121030020,示例第二小学,210302,铁东区,小学,,111,否,否\n"
    with pytest.raises(FeedFileError) as e:
        read_feed_file("schools", _write(tmp_path, "schools.csv", text.encode("utf-8")))
    assert e.value.rule == "csv_syntax" and "schools.csv" in str(e.value)


@pytest.mark.parametrize("data,rule", [(HEADER.encode(), "no_rows"), (b"\n\n", "empty_file"),
                                       (b"\xef\xbb\xbf", "empty_file")])
def test_header_only_and_blank_files_are_file_errors(tmp_path, data, rule):
    with pytest.raises(FeedFileError) as e:
        read_feed_file("schools", _write(tmp_path, "schools.csv", data))
    assert e.value.rule == rule


def test_header_only_xlsx_is_no_rows(tmp_path):
    worked_example.frames()["schools"].head(0).to_excel(tmp_path / "schools.xlsx", index=False)
    with pytest.raises(FeedFileError, match="no_rows"):
        read_feed_file("schools", tmp_path / "schools.xlsx")


def test_corrupt_parquet_is_a_file_error(tmp_path):
    with pytest.raises(FeedFileError, match="unreadable_parquet"):
        read_feed_file("schools", _write(tmp_path, "schools.parquet", b"PAR1 not really"))


@pytest.mark.parametrize("name", ["schools.xls", "schools.txt", "Schools.XLSM", "schools"])
def test_a_feed_file_in_a_format_not_accepted_is_refused_not_ignored(tmp_path, name):
    (tmp_path / "2024").mkdir()
    _write(tmp_path / "2024", name, b"x")
    with pytest.raises(FeedFileError) as e:
        find_feed_file(tmp_path, 2024, "schools")
    assert e.value.rule == "unsupported_format" and name in str(e.value)


def test_a_misnamed_file_is_reported_when_its_feed_is_absent(tmp_path):
    (tmp_path / "landing" / "2024").mkdir(parents=True)
    worked_example.frames()["schools"].to_csv(tmp_path / "landing" / "2024" / "schools.csv", index=False)
    worked_example.frames()["facilities"].to_csv(tmp_path / "landing" / "2024" / "facility.csv", index=False)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        summary = ingest_feed(con, tmp_path / "landing", 2024, "facilities")
    finally:
        con.close()
    assert summary.status == "absent" and "facility.csv" in summary.notes[0]


def test_a_truncated_last_line_quarantines_that_row(tmp_path):
    text = worked_example.frames()["enrollment"].to_csv(index=False)
    path = tmp_path / "enrollment.csv"
    path.write_text(text[: text.rstrip().rfind(",")], encoding="utf-8")  # the last line cut short
    result = _validated("enrollment", path, _schools_ref())
    assert result.typed["_quarantined"].tolist() == [False] * 4 + [True]
    assert "field_count" in set(result.violations["rule"])


def test_two_headers_for_one_column_are_a_file_error(tmp_path):
    df = worked_example.frames()["schools"]
    df.insert(1, "学校标识码", df["school_id"])  # canonical and Chinese header of the same column
    df.to_csv(tmp_path / "schools.csv", index=False)
    with pytest.raises(FeedFileError) as e:
        read_feed_file("schools", tmp_path / "schools.csv")
    assert e.value.rule == "duplicate_column" and e.value.column == "school_id"


# --- headers and cells ------------------------------------------------------------------------------

def test_header_variants_all_map_to_the_same_columns(tmp_path):
    df = worked_example.frames()["facilities"]
    variants = {
        "canonical": list(df.columns),
        "zh_half_width_parens": [c.replace("school_id", "学校标识码").replace("equipment_value_10k_yuan",
                                                                            "教学仪器设备资产值(万元)") for c in df.columns],
        "upper_spaced": [f"  {c.upper()} " for c in df.columns],
        "full_width": ["ｓｃｈｏｏｌ＿ｉｄ", *df.columns[1:4], "教学仪器设备资产值（万元）", *df.columns[5:]],
        "spaces_inside_zh": ["学 校 标 识 码", *df.columns[1:]],
    }
    typed = {}
    for name, header in variants.items():
        path = tmp_path / name / "facilities.csv"
        path.parent.mkdir()
        df.set_axis(header, axis=1).to_csv(path, index=False)
        result = _validated("facilities", path, _schools_ref())
        assert result.violations.empty and not read_feed_file("facilities", path).extra_columns, name
        typed[name] = result.typed.drop(columns=["_row_hash", "_delivered"])
    for name, t in typed.items():
        pd.testing.assert_frame_equal(t, typed["canonical"], obj=name)


def test_a_blank_optional_cell_is_unknown_not_zero(tmp_path):
    df = worked_example.frames()["facilities"].astype(object)
    df.loc[1, "books"] = ""
    df.loc[2, "equipment_value_10k_yuan"] = "   "
    path = tmp_path / "facilities.csv"
    df.to_csv(path, index=False)
    result = _validated("facilities", path, _schools_ref())
    assert result.violations.empty  # optional: a blank is allowed …
    assert pd.isna(result.typed.loc[1, "books"]) and pd.isna(result.typed.loc[2, "equipment_value_10k_yuan"])
    assert result.typed["books"].fillna(-1).tolist()[1] == -1  # … and stays unknown (NULL), never 0


@pytest.mark.parametrize("value,rule,number", [("-1", "negative", -1), ("十二", "not_a_number", None),
                                               ("3.5", "not_an_integer", None), ("１２", None, 12),
                                               ("1,234", None, 1234), ("１，２３４", None, 1234)])
def test_counts_negative_non_numeric_full_width(value, rule, number):
    df = worked_example.frames()["teachers"].astype(str)
    df.loc[0, "pe_teachers"] = value
    result = validate_feed(_delivered("teachers", df), _schools_ref())
    got = set(result.violations.loc[result.violations["_row_number"] == 1, "rule"])
    if rule is None:  # full-width digits and thousands separators are numbers; 1,234 breaks another rule
        assert "not_a_number" not in got
    else:
        assert rule in got and result.typed.loc[0, "_quarantined"]
    # the value, read by hand from the spelling (not by the normaliser the reference shares)
    typed = result.typed.loc[0, "pe_teachers"]
    assert (pd.isna(typed) if number is None else typed == number), (value, typed)


# --- row rules added for the matrix -----------------------------------------------------------------

def _nine_year_frames():
    frames = worked_example.frames()
    frames["schools"].loc[0, "school_type"] = "九年一贯制学校"
    sid = frames["schools"].loc[0, "school_id"]
    for feed in ("enrollment", "teachers"):
        df = frames[feed]
        junior = df[df["school_id"] == sid].assign(stage="初中")
        frames[feed] = pd.concat([df, junior], ignore_index=True)
    return frames, sid


def test_a_complete_nine_year_school_passes():
    frames, _ = _nine_year_frames()
    ref = _schools_ref(frames)
    for feed in ("enrollment", "teachers"):
        assert validate_feed(_delivered(feed, frames[feed]), ref).violations.empty, feed


@pytest.mark.parametrize("feed", ["enrollment", "teachers"])
def test_a_nine_year_school_missing_a_stage_is_quarantined(feed):
    frames, sid = _nine_year_frames()
    df = frames[feed]
    df = df[~((df["school_id"] == sid) & (df["stage"] == "初中"))]
    result = validate_feed(_delivered(feed, df), _schools_ref(frames))
    bad = result.violations[result.violations["rule"] == "stage_missing"]
    assert bad["key_value"].str.startswith(sid).all() and len(bad) == 1
    assert "junior" in bad["message"].iloc[0] and bad["county_code"].iloc[0] == worked_example.COUNTY
    assert result.typed.loc[result.typed["school_id"] == sid, "_quarantined"].all()
    assert result.typed["_quarantined"].sum() == 1


def test_county_finance_naming_a_county_the_schools_feed_lacks_is_quarantined_without_a_county():
    df = pd.DataFrame({"county_code": [worked_example.COUNTY, "210399"],
                       "teacher_avg_salary_yuan": [98000, 97000], "civil_servant_avg_salary_yuan": [95000, 96000]})
    result = validate_feed(_delivered("county_finance", df), _schools_ref())
    assert result.typed["_quarantined"].tolist() == [False, True]
    bad = result.violations.iloc[0]
    assert bad["rule"] == "unknown_county" and bad["key_value"] == "210399"
    assert pd.isna(bad["county_code"])  # no phantom county in the readiness marts
    assert result.typed.loc[1, "county_code"] == "210399"  # the delivered value is kept


def test_county_submission_unknown_county_too():
    df = pd.DataFrame({"county_code": ["999999"], "item_code": ["G1"], "value": ["是"], "evidence": [""]})
    result = validate_feed(_delivered("county_submission", df), _schools_ref())
    assert set(result.violations["rule"]) == {"unknown_county"}


# --- flags ------------------------------------------------------------------------------------------

def _typed(feed, df, ref):
    t = validate_feed(_delivered(feed, df), ref).typed
    assert not t["_quarantined"].any(), feed
    return t


def test_implausible_values_are_flagged_and_kept_never_quarantined():
    frames = worked_example.frames()
    ref = _schools_ref(frames)
    enr = frames["enrollment"].copy()
    enr.loc[0, ["students", "classes", "entrants", "final_grade_students"]] = [250, 2, 8, 7]  # 125 per class
    fac = frames["facilities"].copy()
    fac.loc[1, "sports_ground_area_m2"] = 37 * 250  # 250 m² per student
    fac.loc[2, "equipment_value_10k_yuan"] = 89 * 120.0  # 1.2 M yuan per student (万元 entered as yuan?)
    e, f = _typed("enrollment", enr, ref), _typed("facilities", fac, ref)  # the row rules pass them
    flags = plausibility_flags(e, f)
    got = {(r.feed, r.key_value, r.rule, r.severity) for r in flags.itertuples()}
    ids = worked_example.SCHOOL_IDS
    assert got == {
        ("enrollment", f"{ids[0]}|primary", "students_per_class_implausible", "implausible"),
        ("facilities", ids[1], "area_per_student_implausible", "implausible"),
        ("facilities", ids[2], "equipment_per_student_implausible", "implausible"),
    }
    assert set(flags["county_code"]) == {worked_example.COUNTY}
    assert flags.set_index("rule").loc["students_per_class_implausible", "value"] == 125


def test_values_at_the_thresholds_are_not_flagged():
    frames = worked_example.frames()
    ref = _schools_ref(frames)
    enr = frames["enrollment"].copy()
    enr.loc[0, ["students", "classes"]] = [240, 2]  # exactly 120
    fac = frames["facilities"].copy()
    fac.loc[1, "teaching_aux_area_m2"] = 37 * 200
    fac.loc[1, "sports_ground_area_m2"] = 37 * 200
    fac.loc[2, "equipment_value_10k_yuan"] = 89 * 100.0
    assert plausibility_flags(_typed("enrollment", enr, ref), _typed("facilities", fac, ref)).empty


def test_a_school_with_zero_students_is_a_notice_not_an_implausible_ratio():
    frames = worked_example.frames()
    ref = _schools_ref(frames)
    enr = frames["enrollment"].copy()
    enr.loc[3, ["students", "classes", "entrants", "final_grade_students"]] = 0
    flags = plausibility_flags(_typed("enrollment", enr, ref), _typed("facilities", frames["facilities"], ref))
    assert flags[["rule", "severity", "key_value"]].values.tolist() == \
        [["zero_students", "notice", f"{worked_example.SCHOOL_IDS[3]}|primary"]]


# --- what the loader records ------------------------------------------------------------------------

def _ingest(tmp_path, frames, feeds):
    landing = tmp_path / "landing"
    (landing / "2024").mkdir(parents=True, exist_ok=True)
    for feed in feeds:
        frames[feed].to_csv(landing / "2024" / f"{feed}.csv", index=False)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    return con, {feed: ingest_feed(con, landing, 2024, feed) for feed in feeds}


def test_loader_keeps_flagged_rows_reports_flags_and_extra_columns(tmp_path):
    frames = worked_example.frames()
    frames["schools"]["principal"] = "张三"
    frames["enrollment"].loc[0, ["students", "classes"]] = [250, 2]
    frames["enrollment"].loc[0, ["entrants", "final_grade_students"]] = [8, 7]
    con, summaries = _ingest(tmp_path, frames, ["schools", "enrollment", "facilities"])
    try:
        flags = con.execute(f"select feed, rule, severity, _source_file, county_code from {FLAGS_TABLE}").fetchall()
        assert flags == [("enrollment", "students_per_class_implausible", "implausible", "2024/enrollment.csv",
                          worked_example.COUNTY)]
        assert con.execute("select count(*) from quarantine_enrollment").fetchone()[0] == 0
        assert con.execute("select count(*) from raw_enrollment where not _quarantined").fetchone()[0] == 5
        loads = dict(con.execute("select feed, extra_columns from feed_loads").fetchall())
        assert loads["schools"] == "principal"
        notes = con.execute("select notes from feed_loads where feed = 'enrollment'").fetchone()[0]
        assert "students_per_class_implausible: 1" in notes
        assert con.execute("select _delivered from raw_schools limit 1").fetchone()[0].count("张三") == 1
    finally:
        con.close()
    assert summaries["enrollment"].flags == {"students_per_class_implausible": 1}
    assert any("flagged, kept" in n for n in summaries["enrollment"].notes)


def test_flags_are_the_same_whatever_order_the_feeds_load(tmp_path):
    frames = worked_example.frames()
    frames["facilities"].loc[1, "sports_ground_area_m2"] = 37 * 250
    a, _ = _ingest(tmp_path / "a", frames, ["schools", "facilities", "enrollment"])
    b, _ = _ingest(tmp_path / "b", frames, ["schools", "enrollment", "facilities"])
    sql = f"select * exclude (_source_file) from {FLAGS_TABLE} order by all"
    assert a.execute(sql).fetchall() == b.execute(sql).fetchall() != []
    a.close()
    b.close()


def test_sql_looking_values_are_stored_as_data(tmp_path):
    frames = worked_example.frames()
    evil = "'); drop table raw_schools; --"
    frames["schools"].loc[0, "school_name"] = evil
    frames["schools"]["备注\"; drop table x; --"] = "x"  # an extra column with a hostile header
    con, _ = _ingest(tmp_path, frames, ["schools"])
    try:
        assert con.execute("select school_name from raw_schools where _row_number = 2").fetchone()[0] == evil
        assert con.execute("select count(*) from raw_schools").fetchone()[0] == 5
        # the hostile header is kept (in each row's delivered cells) and reported, never made a column
        delivered = json.loads(con.execute("select _delivered from raw_schools where _row_number = 2").fetchone()[0])
        assert delivered['备注"; drop table x; --'] == "x"
        extra = con.execute("select extra_columns from feed_loads where feed = 'schools'").fetchone()[0]
        assert extra == '备注"; drop table x; --'
        assert '备注"; drop table x; --' not in [r[0] for r in con.execute("describe raw_schools").fetchall()]
    finally:
        con.close()


# --- security ----------------------------------------------------------------------------------------

SECRET_PATTERNS = [
    re.compile(r"-----BEGIN (RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"),
    re.compile(r"AKIA[0-9A-Z]{16}"),  # AWS access key id
    re.compile(r"gh[pousr]_[A-Za-z0-9]{36}"),  # GitHub token
    re.compile(r"xox[baprs]-[A-Za-z0-9-]{10,}"),  # Slack token
    re.compile(r"(?i)\b(password|passwd|secret|api_key|apikey|token)\s*[:=]\s*['\"][^'\"\s]{6,}['\"]"),
]


def test_no_secrets_in_tracked_files():
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    hits = []
    for name in files:
        path = REPO / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        hits += [f"{name}: {m.group(0)[:40]}" for p in SECRET_PATTERNS for m in p.finditer(text)]
    assert not hits, hits


def test_the_kill_hook_is_inert_unless_armed(monkeypatch):
    monkeypatch.delenv(faultpoints.ENV, raising=False)
    for point in faultpoints.POINTS:
        faultpoints.maybe_die(point)  # returns: this test process is still alive
    monkeypatch.setenv(faultpoints.ENV, "publish")
    assert faultpoints.armed("publish") and not faultpoints.armed("dbt")


def test_unknown_county_is_found_even_when_county_finance_loads_before_schools(tmp_path):
    # the county feeds do not wait for raw_schools in the asset graph: they read the schools file
    frames = worked_example.frames()
    frames["county_finance"] = pd.DataFrame({"county_code": [worked_example.COUNTY, "210399"],
                                             "teacher_avg_salary_yuan": [98000, 97000],
                                             "civil_servant_avg_salary_yuan": [95000, 96000]})
    con, summaries = _ingest(tmp_path, frames, ["county_finance", "schools"])
    try:
        q = con.execute("select rule, county_code, key_value from quarantine_county_finance").fetchall()
    finally:
        con.close()
    assert q == [("unknown_county", None, "210399")]
    assert summaries["county_finance"].rows_quarantined == 1


def test_publishing_into_a_warehouse_copied_without_symlinks_works(tmp_path):
    # published_parquet is a symlink to the current version; `cp -r` / copytree turn it into a folder
    import shutil

    from publication.publish import PUBLISHED_TABLES, parquet_link, publish

    w, p = tmp_path / "a" / "junheng.duckdb", tmp_path / "a" / "published.duckdb"
    w.parent.mkdir()
    con = duckdb.connect(str(w))
    for t in PUBLISHED_TABLES:
        con.execute(f"create table {t} as select 2024 as year, '210302' as county_code, 1 as v")
    con.close()
    publish(w, p, [2024], "run-a")
    shutil.copytree(tmp_path / "a", tmp_path / "b")  # symlinks followed: a real folder now
    b = tmp_path / "b"
    assert parquet_link(b / "published.duckdb").is_dir() and not parquet_link(b / "published.duckdb").is_symlink()
    publish(b / "junheng.duckdb", b / "published.duckdb", [2024], "run-b")
    assert parquet_link(b / "published.duckdb").is_symlink()
    assert not list(b.glob(".published_parquet.*"))


def test_a_feed_loads_under_the_ingest_memory_limit_and_the_connection_gets_its_own_back(tmp_path, monkeypatch):
    from ingestion import load

    seen, original = [], load.write_feed

    def write_feed(con, *args, **kwargs):  # the limit the working connection has while the rows are written
        seen.append(con.execute("select current_setting('memory_limit')").fetchall()[0][0])
        return original(con, *args, **kwargs)

    monkeypatch.setattr(load, "write_feed", write_feed)
    monkeypatch.setenv("JUNHENG_INGEST_MEMORY_LIMIT", "64MB")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        before = con.execute("select current_setting('memory_limit')").fetchall()[0][0]
        landing = tmp_path / "landing"
        worked_example.write(landing, feeds=("schools",))
        load.ingest_feed(con, landing, 2024, "schools")
        assert seen == ["61.0 MiB"]  # 64 MB as DuckDB reports it
        assert con.execute("select current_setting('memory_limit')").fetchall()[0][0] == before
    finally:
        con.close()


def test_the_json_written_slice_by_slice_is_the_reference_json(tmp_path, monkeypatch):
    """The loader makes each row's `_delivered` JSON as it writes a slice of rows (a national feed's JSON
    is never whole). Two rows a slice here, over rows that need escaping (`/`, a quote, a newline, U+2028)
    and rows that do not: raw and quarantine hold, row for row, what the pandas reference writes for the
    whole file at once, and each JSON reads back as the cells the CSV delivered."""
    import csv

    from ingestion import load
    from ingestion.readers import read_feed_file
    from tests import validate_reference

    monkeypatch.setattr(load, "WRITE_SLICE_ROWS", 2)
    frames = worked_example.frames()
    names = frames["schools"]["school_name"].tolist()
    frames["schools"]["school_name"] = [names[0], "一/二小学", f'{names[2]}"分校"', "第一行\n第二行", "甲\u2028乙"]
    frames["schools"]["备注"] = ["", "a\\b", "x", "", "y"]  # an extra column, kept in the JSON
    frames["schools"].loc[3, "school_type"] = "大学"  # quarantined (not a school type): its JSON too
    con, _ = _ingest(tmp_path, frames, ["schools"])
    try:
        path = tmp_path / "landing" / "2024" / "schools.csv"
        reference = validate_reference.validate_feed(read_feed_file("schools", path)).typed["_delivered"].tolist()
        written = [r[0] for r in con.execute("select _delivered from raw_schools order by _row_number").fetchall()]
        assert written == reference
        with path.open(encoding="utf-8", newline="") as f:
            assert [json.loads(w) for w in written] == list(csv.DictReader(f))
        quarantined = con.execute("select distinct _row_number, _delivered from quarantine_schools").fetchall()
        assert quarantined == [(5, reference[3])]  # spreadsheet row 5: the fourth data row
    finally:
        con.close()
