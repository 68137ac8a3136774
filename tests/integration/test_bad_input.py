"""Bad input, round two (docs/reliability.md rows 54–63): what a fuzzed delivery found, each case on the
path a user takes — `junheng run` (its printed message and exit code, its run log) and the Dagster run
the UI shows (the step failure in the instance's event log, which the UI and GraphQL read).

- `fuzzed`: one run of the demo year with one row-level fault per county (counts beyond 2^63, infinite
  and not-a-number areas, an invisible byte-order mark in a count, one school naming its county
  otherwise); the counties without a fault are published complete.
- the worked example's good publication, copied, then re-run with one bad delivery each: a blank or
  merged county_code, a refused shrink that is no shrink of the file, file-level faults.
"""

import hashlib
import re
import shutil
from pathlib import Path

import dagster as dg
import openpyxl
import pandas as pd
import pytest

from orchestration.cli import main
from synthetic import build_feeds
from tests import worked_example
from tests.integration.helpers import content_hash, copy_published, published, run, working, write_feeds

YEAR = 2024
BEYOND = "9223372036854775808"  # 2^63: beyond a BIGINT
TOP = "9223372036854775807"  # 2^63 - 1: a BIGINT, whose sum overflows


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _first_row(df: pd.DataFrame, county_of: pd.Series, county: str, n: int = 1) -> list:
    return df.index[df["school_id"].map(county_of) == county][:n].tolist()


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    f = {k: v.copy() for k, v in build_feeds(counties=9, year=YEAR, seed=0).items()}
    county_of = f["schools"].set_index("school_id")["county_code"]
    e, fa, t, s = (f[k].astype(object) for k in ("enrollment", "facilities", "teachers", "schools"))
    big = _first_row(e, county_of, "210321", 2)
    e.loc[big[0], "students"], e.loc[big[1], "students"] = BEYOND, TOP
    odd = _first_row(fa, county_of, "210323", 3)
    for row, value in zip(odd, ("inf", "1e309", "NaN"), strict=True):
        fa.loc[row, "sports_ground_area_m2"] = value
    bom = _first_row(t, county_of, "210311")[0]
    t.loc[bom, "pe_teachers"] = "\ufeff1"
    renamed = s.index[s["county_code"] == "210381"][3]
    s.loc[renamed, "county_name"] = "东正县"  # sorts before 海城市: the old min(county_name) took it
    f.update(enrollment=e, facilities=fa, teachers=t, schools=s)
    landing, wh = tmp_path_factory.mktemp("landing"), tmp_path_factory.mktemp("wh")
    write_feeds(landing, YEAR, f)
    outcome = run(landing, wh)
    assert outcome.success, outcome.problems  # row-level faults never stop publication
    ids = {"big": e.loc[big, "school_id"].tolist(), "odd": fa.loc[odd, "school_id"].tolist(),
           "bom": t.loc[bom, "school_id"], "renamed": s.loc[renamed, "school_id"]}
    return wh, f, ids


def _readiness(wh) -> dict[str, tuple[int, str]]:
    df = published(wh, "select county_code, quarantined_rows, county_name from mart_county_readiness "
                       "where year = ? and ruleset = 'moe_2017'", [YEAR])
    return {r.county_code: (r.quarantined_rows, r.county_name) for r in df.itertuples()}


def test_counts_beyond_any_count_are_quarantined_not_cast_and_not_summed(fuzzed):
    wh, frames, ids = fuzzed
    q = working(wh, "select rule, county_code, key_value, message from quarantine_enrollment where year = ? "
                    "order by message", [YEAR])
    assert q["rule"].tolist() == ["out_of_range", "out_of_range"]
    assert set(q["county_code"]) == {"210321"}
    assert f"'{BEYOND}' is beyond any count (more than 1,000,000,000)" in q["message"].tolist()
    assert f"'{TOP}' is beyond any count (more than 1,000,000,000)" in q["message"].tolist()
    assert _readiness(wh)["210321"][0] == 2
    coef = published(wh, "select cv, county_incomplete from fct_county_coefficients where county_code = '210321'")
    assert len(coef) and coef["cv"].isna().all() and coef["county_incomplete"].all()
    # every delivered row kept, the huge ones typed unknown (never an overflowed number)
    raw = working(wh, "select school_id, students from raw_enrollment where year = ? and _quarantined", [YEAR])
    assert sorted(raw["school_id"]) == sorted(ids["big"]) and raw["students"].isna().all()
    assert working(wh, "select count(*) n from raw_enrollment where year = ?", [YEAR])["n"].item() == len(
        frames["enrollment"])


def test_infinities_and_nan_are_not_numbers(fuzzed):
    wh, _, _ = fuzzed
    q = working(wh, "select rule, column_name, county_code, message from quarantine_facilities where year = ? "
                    "order by _row_number", [YEAR])
    assert q["rule"].tolist() == ["not_a_number"] * 3 and set(q["column_name"]) == {"sports_ground_area_m2"}
    assert q["message"].tolist() == ["'inf' is not a number", "'1e309' is not a number", "'NaN' is not a number"]
    assert set(q["county_code"]) == {"210323"} and _readiness(wh)["210323"][0] == 3


def test_an_invisible_byte_order_mark_in_a_value_is_shown_in_the_message(fuzzed):
    wh, _, ids = fuzzed
    q = working(wh, "select rule, key_value, message from quarantine_teachers where year = ?", [YEAR])
    assert q["message"].tolist() == ["'\\ufeff1' is not a number"]  # the mark written out, not invisible
    assert q["key_value"].str.startswith(ids["bom"]).all()


def test_one_row_cannot_rename_its_county_and_the_disagreement_is_flagged(fuzzed):
    wh, _, ids = fuzzed
    readiness = _readiness(wh)
    assert readiness["210381"] == (0, "海城市")  # the name 113 of its 114 rows give; the county stays complete
    flags = working(wh, "select feed, county_code, key_value, rule, severity, message from feed_flags "
                        "where year = ? and feed = 'schools'", [YEAR])
    assert flags[["county_code", "key_value", "rule", "severity"]].values.tolist() == [
        ["210381", ids["renamed"], "county_name_disagrees", "implausible"]]
    assert "'东正县' differs from '海城市', which 113 of the county's 114 rows give" in flags["message"].item()
    notes = working(wh, "select notes from feed_loads where year = ? and feed = 'schools'", [YEAR])["notes"].item()
    assert "county_name_disagrees: 1" in notes


def test_the_counties_without_a_fault_are_complete(fuzzed):
    wh, _, _ = fuzzed
    readiness = _readiness(wh)
    assert len(readiness) == 9
    faulty = {"210321", "210323", "210311"}
    assert {c for c, (n, _) in readiness.items() if n} == faulty
    coef = published(wh, "select county_code, county_incomplete from fct_county_coefficients")
    assert set(coef.loc[coef["county_incomplete"], "county_code"]) == faulty


# ---- the worked example's publication, re-run with one bad delivery ----------------------------------

@pytest.fixture
def wh(worked_example_published, tmp_path):
    return copy_published(worked_example_published, tmp_path)[1]


def _landing(tmp_path: Path, schools: pd.DataFrame | None = None, enrollment: pd.DataFrame | None = None) -> Path:
    landing = tmp_path / "landing"
    worked_example.write(landing)
    for feed, df in (("schools", schools), ("enrollment", enrollment)):
        if df is not None:
            df.to_csv(landing / str(YEAR) / f"{feed}.csv", index=False)
    return landing


def _cli(landing: Path, wh: Path, capsys) -> tuple[int, str]:
    code = main(["run", "--landing", str(landing), "--year", str(YEAR), "--warehouse", str(wh)])
    return code, capsys.readouterr().err


def _last_run_failure(wh: Path) -> str:
    """The failed step's error message of the last run, as the UI and GraphQL show it."""
    instance = dg.DagsterInstance.from_config(str(wh / "dagster_home"))
    try:
        last = instance.get_runs(limit=1)[0]
        records = instance.get_records_for_run(last.run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records
        assert records, "the run has no failed step"
        return "\n".join(r.event_log_entry.dagster_event.event_specific_data.error.message for r in records)
    finally:
        instance.dispose()


def test_a_blank_county_code_marks_the_county_incomplete_never_complete_over_fewer_schools(wh, tmp_path):
    schools = worked_example.frames()["schools"]
    schools.loc[1, "county_code"] = ""
    outcome = run(_landing(tmp_path, schools=schools), wh)
    assert outcome.success, outcome.problems
    q = working(wh, "select rule, county_code, message from quarantine_schools where year = ?", [YEAR])
    assert q["rule"].tolist() == ["required"] and q["county_code"].isna().all()
    assert "every county of this delivery is marked incomplete" in q["message"].item()
    status = published(wh, "select quarantined_rows, status from mart_county_readiness where county_code = ? "
                           "and ruleset = 'moe_2017'", [worked_example.COUNTY])
    assert status.values.tolist() == [[1, "incomplete"]]
    coef = published(wh, "select cv, n_units from fct_county_coefficients where county_code = ?",
                     [worked_example.COUNTY])
    assert len(coef) and coef["cv"].isna().all()  # never computed over 4 of its 5 schools


def test_a_blank_county_code_on_a_copy_of_a_school_counts_against_the_county_its_other_row_names(wh, tmp_path):
    schools = worked_example.frames()["schools"]
    schools = pd.concat([schools, schools.iloc[[1]].assign(county_code="")], ignore_index=True)
    outcome = run(_landing(tmp_path, schools=schools), wh)
    assert outcome.success, outcome.problems
    q = working(wh, "select _row_number, rule, county_code, message from quarantine_schools where year = ? "
                    "order by _row_number, rule", [YEAR])
    assert q[["_row_number", "rule", "county_code"]].values.tolist() == [
        [3, "duplicate_key", worked_example.COUNTY], [7, "duplicate_key", worked_example.COUNTY],
        [7, "required", worked_example.COUNTY]]  # spreadsheet rows: the header is row 1
    assert f"counted against county {worked_example.COUNTY}, named by the other row(s) of school_id" in (
        q["message"].iloc[2])


def test_a_county_code_merged_across_rows_in_xlsx_reads_as_the_spreadsheet_shows_it(
        worked_example_published, wh, tmp_path):
    landing = _landing(tmp_path)
    (landing / str(YEAR) / "schools.csv").unlink()
    path = landing / str(YEAR) / "schools.xlsx"
    worked_example.frames()["schools"].to_excel(path, index=False)
    book = openpyxl.load_workbook(path)
    book.active.merge_cells("C2:C6")  # county_code over the five schools, as a clerk merges it
    book.save(path)
    outcome = run(landing, wh)
    assert outcome.success, outcome.problems
    notes = working(wh, "select notes from feed_loads where year = ? and feed = 'schools'", [YEAR])["notes"].item()
    assert "merged cells C2:C6 read as the spreadsheet shows them" in notes
    # the same publication as the clean delivery's, table for table
    assert content_hash(wh) == content_hash(worked_example_published[1])


def test_a_negative_count_is_quarantined_not_refused_as_a_shrink(wh, tmp_path):
    enrollment = worked_example.frames()["enrollment"]
    enrollment.loc[0, "students"] = -45
    outcome = run(_landing(tmp_path, enrollment=enrollment), wh)
    assert outcome.success, outcome.problems  # 257 of 302 pupils evaluated: 14.9 %, within the 20 % limit
    q = working(wh, "select _row_number, rule from quarantine_enrollment where year = ?", [YEAR])
    assert set(q["_row_number"]) == {2} and "negative" in set(q["rule"])
    assert published(wh, "select status from mart_county_readiness where ruleset = 'moe_2017'")[
        "status"].tolist() == ["incomplete"]
    inventory = published(wh, "select county_code, schools_evaluated, students_evaluated from county_inventory "
                              "where year = ?", [YEAR])
    assert inventory.values.tolist() == [[worked_example.COUNTY, 5, 302.0 - 45]]


@pytest.mark.parametrize("case", ["doubled schools rows", "county code changed"])
def test_a_delivery_that_would_evaluate_a_county_no_more_is_refused(wh, tmp_path, capsys, case):
    schools = worked_example.frames()["schools"]
    if case == "doubled schools rows":  # every copy held back as duplicate_key: 0 schools evaluated
        schools = pd.concat([schools, schools], ignore_index=True)
    else:
        schools["county_code"] = "ABCDEF"
    before = sha(wh / "published.duckdb")
    code, err = _cli(_landing(tmp_path, schools=schools), wh, capsys)
    assert code == 1
    # the landing gate let it through (the files hold as many rows): the publication's guard refused it
    assert "step published_marts failed" in err and "step ingest_schools failed" not in err
    assert f"county {worked_example.COUNTY} would vanish from {YEAR}: 5 school(s) evaluated in the publication" in err
    if case == "county code changed":
        assert "the delivery now names ABCDEF" in err
    assert "--accept-shrink" in err
    assert sha(wh / "published.duckdb") == before
    assert f"county {worked_example.COUNTY} would vanish" in _last_run_failure(wh)


def _unclosed_quote(folder: Path) -> None:
    path = folder / "schools.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("示例第3小学", '"示例第3小学')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _xlsx_as_csv(folder: Path) -> None:
    worked_example.frames()["schools"].to_excel(folder / "schools.xlsx", index=False)
    (folder / "schools.xlsx").replace(folder / "schools.csv")


def _csv_as_xlsx(folder: Path) -> None:
    (folder / "schools.csv").replace(folder / "schools.xlsx")


def _bom_over_gbk(folder: Path) -> None:
    path = folder / "schools.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_text(encoding="utf-8").encode("gbk"))


def _bad_parquet(folder: Path) -> None:
    (folder / "facilities.csv").unlink()
    (folder / "facilities.parquet").write_bytes(b"PAR1 this is no parquet file PAR1")


def _header_only_teachers(folder: Path) -> None:
    worked_example.frames()["teachers"].head(0).to_csv(folder / "teachers.csv", index=False)


FILE_FAULTS = {  # case → (how the delivery is spoilt, the file, the rule, the words that must be printed)
    "unclosed quote": (_unclosed_quote, "schools.csv", "csv_syntax", "line 6"),
    "xlsx renamed .csv": (_xlsx_as_csv, "schools.csv", "encoding", "offset"),
    "csv renamed .xlsx": (_csv_as_xlsx, "schools.xlsx", "unreadable_xlsx", "not a readable XLSX workbook"),
    "BOM over a GBK body": (_bom_over_gbk, "schools.csv", "encoding", "byte-order mark"),
    "unreadable parquet": (_bad_parquet, "facilities.parquet", "unreadable_parquet", "not a readable Parquet"),
    "header-only file on a published year": (_header_only_teachers, "teachers.csv", "no_rows", "no data rows"),
}
# what the CLI printed before: the library's exception as the message (a detail in brackets after the
# project's own words is fine: "[unreadable_xlsx] not a readable XLSX workbook (BadZipFile: …)")
LIBRARY_ERRORS = ("— _csv.Error", "— UnicodeDecodeError", "— BadZipFile", "— zipfile.BadZipFile", "Traceback")


@pytest.mark.parametrize("case", list(FILE_FAULTS))
def test_a_file_level_fault_prints_the_projects_message_on_every_path(wh, tmp_path, capsys, case):
    spoil, file, rule, words = FILE_FAULTS[case]
    landing = _landing(tmp_path)
    spoil(landing / str(YEAR))
    before = sha(wh / "published.duckdb")
    code, err = _cli(landing, wh, capsys)
    assert code == 1
    assert re.search(rf"step ingest_schools failed — \S*/{re.escape(file)}(, rows [0-9, ]+)?: \[{rule}\]", err), err
    assert words in err and not [e for e in LIBRARY_ERRORS if e in err], err
    log = sorted((wh / "logs").glob("run-*.log"))[-1].read_text(encoding="utf-8")
    assert f"[{rule}]" in log and file in log  # the run log names it too
    assert f"[{rule}]" in _last_run_failure(wh) and file in _last_run_failure(wh)  # and the run the UI shows
    assert sha(wh / "published.duckdb") == before


def test_the_run_log_is_never_empty(wh, tmp_path, capsys):
    landing = _landing(tmp_path)
    shutil.rmtree(landing / str(YEAR))
    (landing / str(YEAR)).mkdir()
    code, err = _cli(landing, wh, capsys)
    assert code == 1 and "Run log: " in err
    log = Path(err.split("Run log: ")[1].split()[0]).read_text(encoding="utf-8")
    # Dagster's own event lines (the runner's summary appended after the run never says this)
    assert "ingest_schools - STEP_FAILURE" in log
    assert "year 2024 not evaluated: no schools rows" in log
