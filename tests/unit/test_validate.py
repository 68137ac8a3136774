"""Row rules of the feed contract: each broken rule quarantines the row with the rule and column."""

import pandas as pd
import pytest

from ingestion.readers import DeliveredFeed, FeedFileError
from ingestion.validate import SchoolsReference, validate_feed
from tests import worked_example


def delivered(feed: str, df: pd.DataFrame) -> DeliveredFeed:
    # rows numbered 1..n here: validation keeps the numbers it is given (the reader's, spreadsheet rows,
    # are tested through files below and in test_readers)
    frame = df.astype(str).replace({"nan": "", "None": ""})
    frame.insert(0, "_row_number", range(1, len(frame) + 1))
    return DeliveredFeed(feed=feed, path=f"/landing/2024/{feed}.csv", frame=frame, encoding="utf-8")


def schools_ref() -> SchoolsReference:
    typed = validate_feed(delivered("schools", worked_example.frames()["schools"])).typed
    return SchoolsReference.from_schools(typed)


def rules(result, row=None):
    v = result.violations
    if row is not None:
        v = v[v["_row_number"] == row]
    return set(v["rule"])


def test_clean_feeds_have_no_violations():
    ref = schools_ref()
    for feed, df in worked_example.frames().items():
        result = validate_feed(delivered(feed, df), ref if feed != "schools" else None)
        assert result.violations.empty, (feed, result.violations.to_dict("records"))
        assert not result.typed["_quarantined"].any()


def test_types_are_coerced():
    typed = validate_feed(delivered("schools", worked_example.frames()["schools"])).typed
    assert typed.loc[0, "school_type"] == "primary"
    assert typed.loc[0, "is_private"] is False or typed.loc[0, "is_private"] == False  # noqa: E712
    enr = validate_feed(delivered("enrollment", worked_example.frames()["enrollment"]), schools_ref()).typed
    assert enr["students"].tolist() == worked_example.STUDENTS
    assert enr.loc[0, "stage"] == "primary"


@pytest.mark.parametrize("value,rule", [("-3", "negative"), ("abc", "not_a_number"), ("", "required"),
                                        ("12.5", "not_an_integer")])
def test_bad_counts_quarantine_the_row(value, rule):
    df = worked_example.frames()["enrollment"].astype(str)
    df.loc[2, "students"] = value
    result = validate_feed(delivered("enrollment", df), schools_ref())
    assert rule in rules(result, row=3)  # a negative count also breaks "entrants ≤ students"
    assert result.typed["_quarantined"].tolist() == [False, False, True, False, False]
    bad = result.violations[result.violations["rule"] == rule].iloc[0]
    assert bad["column_name"] == "students" and bad["county_code"] == worked_example.COUNTY


def test_a_column_with_no_number_at_all_fails_the_file():
    df = worked_example.frames()["enrollment"].astype(str)
    df["students"] = "many"
    with pytest.raises(FeedFileError) as e:
        validate_feed(delivered("enrollment", df), schools_ref())
    assert e.value.column == "students" and e.value.rule == "wrong_type"


def test_duplicate_school_id_quarantines_every_copy():
    df = worked_example.frames()["schools"]
    df = pd.concat([df, df.iloc[[1]]], ignore_index=True)
    result = validate_feed(delivered("schools", df))
    assert result.typed["_quarantined"].tolist() == [False, True, False, False, False, True]
    assert rules(result) == {"duplicate_key"}


def test_orphan_school_id_in_a_child_feed():
    df = worked_example.frames()["facilities"].astype(str)
    df.loc[0, "school_id"] = "1199999999"
    result = validate_feed(delivered("facilities", df), schools_ref())
    assert rules(result, row=1) == {"orphan_school_id"}


def test_qualification_parts_must_add_up():
    df = worked_example.frames()["teachers"].copy()
    df.loc[1, "qual_bachelor"] += 1
    result = validate_feed(delivered("teachers", df), schools_ref())
    assert rules(result, row=2) == {"qualification_parts_sum"}


def test_stage_impossible_for_school_type():
    df = worked_example.frames()["enrollment"].astype(str)
    df.loc[0, "stage"] = "初中"
    result = validate_feed(delivered("enrollment", df), schools_ref())
    assert rules(result, row=1) == {"stage_for_type"}


def test_teaching_point_without_parent_and_with_unknown_parent():
    df = worked_example.frames()["schools"].astype(str)
    df.loc[3, "school_type"] = "小学教学点"
    df.loc[4, "school_type"] = "小学教学点"
    df.loc[4, "parent_school_id"] = "1188888888"
    result = validate_feed(delivered("schools", df))
    assert rules(result, row=4) == {"teaching_point_without_parent"}
    assert rules(result, row=5) == {"parent_not_found"}


def test_booleans_in_every_accepted_spelling():
    df = worked_example.frames()["schools"].astype(str)
    df["is_private"] = ["是", "否", "Y", "false", "1"]
    typed = validate_feed(delivered("schools", df)).typed
    assert typed["is_private"].tolist() == [True, False, True, False, True]


def test_class_counts_and_indoor_area_consistency():
    enr = worked_example.frames()["enrollment"].copy()
    enr.loc[0, "classes_over_50"] = 1  # > classes_over_45 = 0
    result = validate_feed(delivered("enrollment", enr), schools_ref())
    assert rules(result, row=1) == {"class_counts_inconsistent"}
    fac = worked_example.frames()["facilities"].copy()
    fac.loc[0, "indoor_sports_area_m2"] = 10_000
    result = validate_feed(delivered("facilities", fac), schools_ref())
    assert rules(result, row=1) == {"part_exceeds_total"}


def test_row_hash_is_stable_and_content_sensitive():
    df = worked_example.frames()["schools"]
    a = validate_feed(delivered("schools", df)).typed["_row_hash"]
    b = validate_feed(delivered("schools", df)).typed["_row_hash"]
    df2 = df.copy()
    df2.loc[0, "school_name"] = "改名"
    c = validate_feed(delivered("schools", df2)).typed["_row_hash"]
    assert a.tolist() == b.tolist()
    assert a[0] != c[0] and a[1:].tolist() == c[1:].tolist()


def test_county_plan_rows_are_typed_and_bad_ones_quarantined():
    """The optional plan table (headers already mapped by the reader): a good row is typed; a county the
    schools feed does not know, a planned year before 2000 and a negative budget are each quarantined
    with their column and rule."""
    df = pd.DataFrame({"county_code": [worked_example.COUNTY, "999999", "999998"],
                       "planned_year": ["2026", "2025", "1999"],
                       "budget_yuan_per_year": ["5000000", "", "-1"]})
    frame = df.astype(str)
    frame.insert(0, "_row_number", range(1, len(frame) + 1))
    result = validate_feed(DeliveredFeed(feed="county_plan", path="/landing/2024/county_plan.csv", frame=frame,
                                         encoding="utf-8"), schools_ref())
    typed = result.typed
    assert typed.loc[0, "planned_year"] == 2026 and typed.loc[0, "budget_yuan_per_year"] == 5_000_000
    assert list(typed["_quarantined"]) == [False, True, True]
    assert rules(result, 2) == {"unknown_county"}
    bad = result.violations[result.violations["_row_number"] == 3]
    assert {"planned_year", "budget_yuan_per_year"} <= set(bad["column_name"])


def test_county_certification_rows_are_typed_and_bad_ones_quarantined():
    """The optional evaluation process (headers already mapped by the reader): stages in Chinese or English
    are typed to their codes — its own spellings, not the school 学段 a column named `stage` takes elsewhere;
    a county the schools feed does not know, an unknown stage, a year before 2000, a fractional year, a
    missing year and a stage given twice are each quarantined with their column and rule."""
    county = worked_example.COUNTY
    df = pd.DataFrame({
        "county_code": [county, county, county, "999999", county, county, "210399", county, county],
        "stage": ["县自评", "市复核", "国家认定", "provincial", "区自评", "小学", "city", "省评估验收", "Provincial"],
        "passed_year": ["2019", "2019", "2022", "2020", "2020", "2020", "1999", "2020.5", ""],
        "document": ["", "", "教督函〔2022〕8号", "", "", "", "", "", "辽教督〔2020〕12号"],
    })
    result = validate_feed(delivered("county_certification", df), schools_ref())
    typed = result.typed
    assert typed.loc[:2, "stage"].tolist() == ["self", "city", "national"]
    assert typed.loc[:2, "passed_year"].tolist() == [2019, 2019, 2022]
    assert typed.loc[2, "document"] == "教督函〔2022〕8号" and pd.isna(typed.loc[0, "document"])
    assert list(typed["_quarantined"]) == [False, False, False] + [True] * 6
    v = result.violations
    assert set(zip(v["_row_number"], v["column_name"], v["rule"], strict=True)) == {
        (4, "county_code", "unknown_county"), (5, "stage", "invalid_value"), (6, "stage", "invalid_value"),
        (7, "county_code", "unknown_county"), (7, "passed_year", "negative"),
        (8, "passed_year", "not_an_integer"), (9, "passed_year", "required"),
        (8, "county_code+stage", "duplicate_key"), (9, "county_code+stage", "duplicate_key")}
    assert v.loc[v["_row_number"] == 5, "message"].tolist() == ["'区自评' is not an accepted stage"]


def test_the_school_stage_keeps_its_spellings_beside_the_certification_stage():
    """Two contract columns named `stage`: enrollment's takes 小学/初中 and not 县自评, the certification's
    the other way round."""
    from ingestion.contract import FEED_SPECS, enum_map, enum_spellings

    school = enum_map(enum_spellings(FEED_SPECS["enrollment"].column("stage")))
    process = enum_map(enum_spellings(FEED_SPECS["county_certification"].column("stage")))
    assert school["小学"] == "primary" and "县自评" not in school
    assert process["县自评"] == "self" and process["国家评估认定"] == process["国家认定"] == "national"
    assert "小学" not in process and "primary" not in process


def test_a_bad_certification_row_is_quarantined_with_file_row_column_and_rule(tmp_path):
    """Loaded as the pipeline loads it: each bad row of a delivered county_certification.csv lands in
    quarantine_county_certification with the file, its spreadsheet row, the column and the rule; the good
    rows in raw_county_certification with the canonical stage."""
    import duckdb

    from ingestion.load import ingest_feed

    worked_example.write(tmp_path, 2024, feeds=("schools",))
    year_dir = tmp_path / "2024"
    pd.DataFrame({"县级单位代码": [worked_example.COUNTY, "999999", worked_example.COUNTY, worked_example.COUNTY],
                  "阶段": ["省评估验收", "市复核", "区自评", "国家评估认定"],
                  "通过年份": ["2020", "2020", "2020", "1999"],
                  "文号": ["辽教督〔2020〕12号", "", "", ""]}).to_csv(year_dir / "county_certification.csv", index=False)
    con = duckdb.connect()
    summary = ingest_feed(con, tmp_path, 2024, "county_certification")
    assert summary.rows_delivered == 4 and summary.rows_quarantined == 3
    q = con.execute("select _source_file, _row_number, column_name, rule from quarantine_county_certification "
                    "order by _row_number").fetchall()
    source = "2024/county_certification.csv"
    assert q == [(source, 3, "county_code", "unknown_county"), (source, 4, "stage", "invalid_value"),
                 (source, 5, "passed_year", "negative")]
    raw = con.execute("select stage, passed_year, document from raw_county_certification where not _quarantined"
                      ).fetchall()
    assert raw == [("provincial", 2020, "辽教督〔2020〕12号")]


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85", "\n"])
def test_a_line_break_inside_a_cell_is_kept_as_delivered(char):
    """A school name holding a line break (U+2028/U+2029/U+0085 as some spreadsheets export them, or a
    newline): the row is kept and typed, its delivered text is one JSON record holding the name, and the
    other rows are untouched (no bare ValueError from a row count that no longer matches)."""
    import json

    df = worked_example.frames()["schools"].copy()
    df.loc[1, "school_name"] = f"第二{char}小学"
    result = validate_feed(delivered("schools", df))
    assert result.violations.empty, result.violations.to_dict("records")
    typed = result.typed
    assert len(typed) == len(df) and not typed["_quarantined"].any()
    assert typed["school_name"].iloc[1] == f"第二{char}小学"
    records = [json.loads(line) for line in typed["_delivered"]]
    assert [r["school_name"] for r in records] == df["school_name"].tolist()


def test_infinities_and_nan_are_not_numbers():
    df = worked_example.frames()["facilities"].astype(str)
    spellings = ["inf", "-inf", "1e309", "NaN"]
    df.loc[:3, "sports_ground_area_m2"] = spellings
    v = validate_feed(delivered("facilities", df), schools_ref()).violations
    got = v[v["column_name"] == "sports_ground_area_m2"]
    assert got["rule"].tolist() == ["not_a_number"] * 4
    assert got["message"].tolist() == [f"'{s}' is not a number" for s in spellings]


def test_counts_beyond_any_count_are_out_of_range_and_typed_unknown():
    df = worked_example.frames()["enrollment"].astype(str)
    df.loc[0, "students"], df.loc[1, "students"] = "9223372036854775808", "1000000001"
    df.loc[2, "students"] = "1000000000"  # the bound itself is a count (and then exceeds nothing else here)
    result = validate_feed(delivered("enrollment", df), schools_ref())
    v = result.violations[result.violations["rule"] == "out_of_range"]
    assert v["_row_number"].tolist() == [1, 2]
    assert result.typed["students"].isna().tolist()[:3] == [True, True, False]
    assert result.typed.loc[2, "students"] == 1_000_000_000


def test_wrong_type_numbers_rows_as_quarantine_does(tmp_path):
    # the five data rows sit on spreadsheet rows 2..6 under the header; 'many' and 'lots' are on rows 3
    # and 5 — what Excel's row headers and an editor's line numbers show, and what quarantine says too
    from ingestion.readers import read_feed_file

    df = worked_example.frames()["enrollment"].astype(str)
    df["students"] = ["", "many", "", "lots", ""]
    path = tmp_path / "enrollment.csv"
    df.to_csv(path, index=False)
    with pytest.raises(FeedFileError) as e:
        validate_feed(read_feed_file("enrollment", path), schools_ref())
    assert e.value.rows == [3, 5] and "rows 3, 5:" in str(e.value)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_quarantined_row_is_numbered_as_the_spreadsheet_shows_it(tmp_path, fmt):
    """The row number a message and quarantine give is the one the clerk sees: Excel's row header (a blank
    row in the sheet counts, as the sheet shows it) or, for a CSV, the record's place under the header
    (a quoted name over two lines is one record, one spreadsheet row)."""
    import csv

    import openpyxl

    from ingestion.readers import read_feed_file

    df = worked_example.frames()["enrollment"].astype(str)
    records = [list(df.columns)] + df.values.tolist()
    records[4][list(df.columns).index("students")] = "-7"  # the 4th data record
    path = tmp_path / f"enrollment.{fmt}"
    if fmt == "xlsx":
        wb = openpyxl.Workbook()
        ws = wb.active
        for i, rec in enumerate(records):
            if i == 2:
                ws.append([None] * len(rec))  # a blank sheet row after the first data row
            ws.append(rec)
        wb.save(path)
        bad_row = next(c.row for c in ws["A"] if c.value == records[4][0] and
                       ws.cell(c.row, list(df.columns).index("students") + 1).value == "-7")
        assert bad_row == 6  # header 1, data 2, blank 3, data 4, 5, the bad one 6
    else:
        records = [r + [n] for r, n in zip(records, ["备注", "第一行\n第二行", "", "", "", ""], strict=True)]
        with path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\n").writerows(records)
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[5].startswith(records[4][0])  # the bad record starts on the file's 6th line …
        bad_row = 5  # … and is the 5th spreadsheet row: header 1, data 2 (over two lines), 3, 4, the bad one
    result = validate_feed(read_feed_file("enrollment", path), schools_ref())
    v = result.violations
    assert v.loc[v["rule"] == "negative", "_row_number"].tolist() == [bad_row]


def test_a_county_code_breaking_its_format_counts_like_a_blank_one():
    # '2103-02' is no county: kept as the row's county it would be a phantom county, and 210302 would be
    # published complete over four of its five schools
    from ingestion.validate import attribute_counties

    df = worked_example.frames()["schools"]
    df.loc[1, "county_code"] = "2103-02"
    result = attribute_counties(validate_feed(delivered("schools", df)))
    v = result.violations
    assert v["rule"].tolist() == ["format"] and v["county_code"].isna().all()
    assert "every county of this delivery is marked incomplete" in v["message"].item()
    # a copy of the school elsewhere in the file names its county: counted against that one
    df = pd.concat([df, worked_example.frames()["schools"].iloc[[1]]], ignore_index=True)
    v = attribute_counties(validate_feed(delivered("schools", df))).violations
    assert set(v["county_code"]) == {worked_example.COUNTY}


def test_the_connection_that_types_a_feed_has_the_memory_limit_set(monkeypatch):
    import duckdb as real

    from ingestion import validate

    seen, original = [], real.connect

    def connect(*args, **kwargs):
        con = original(*args, **kwargs)
        seen.append(con.execute("select current_setting('memory_limit')").fetchall()[0][0])
        return con

    monkeypatch.setattr(validate.duckdb, "connect", connect)
    monkeypatch.setenv(validate.INGEST_MEMORY_ENV, "64MB")
    validate_feed(delivered("schools", worked_example.frames()["schools"]))
    assert seen == ["61.0 MiB"]  # 64 MB as DuckDB reports it
    monkeypatch.setenv(validate.INGEST_MEMORY_ENV, "lots")
    with pytest.raises(ValueError, match=validate.INGEST_MEMORY_ENV):
        validate_feed(delivered("schools", worked_example.frames()["schools"]))
