"""Write a year of one feed into the working DuckDB: `raw_<feed>`, `quarantine_<feed>`, `feed_loads`.

Each call replaces exactly that year's rows, in one transaction. Values reach DuckDB as registered
DataFrames, never as SQL text; table names come from the contract only.
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from core.faultpoints import maybe_die
from core.memory import release_unused_memory
from core.settings import duckdb_memory_limit
from ingestion.admission import admit_year, feed_load_facts
from ingestion.contract import FEED_SPECS, FEEDS
from ingestion.landing import file_hash
from ingestion.readers import FeedFileError, find_feed_file, read_feed_file, unrecognised_files
from ingestion.validate import (
    COUNTY_FEEDS,
    DEFAULT_INGEST_MEMORY_LIMIT,
    INGEST_MEMORY_ENV,
    SchoolsReference,
    ValidatedFeed,
    ambiguous_percentage_flags,
    attribute_counties,
    county_name_flags,
    delivered_json,
    percentage_parts,
    plausibility_flags,
    validate_feed,
)

META_COLUMNS = {
    "_county_code": "VARCHAR",
    "_source_file": "VARCHAR",
    "_row_number": "BIGINT",
    "_row_hash": "VARCHAR",
    "_quarantined": "BOOLEAN",
    "_delivered": "VARCHAR",
    "_loaded_at": "TIMESTAMP",
}
QUARANTINE_COLUMNS = {
    "year": "INTEGER",
    "_source_file": "VARCHAR",
    "_row_number": "BIGINT",
    "_row_hash": "VARCHAR",
    "county_code": "VARCHAR",
    "key_value": "VARCHAR",
    "column_name": "VARCHAR",
    "rule": "VARCHAR",
    "message": "VARCHAR",
    "_delivered": "VARCHAR",
    "_loaded_at": "TIMESTAMP",
}
FEED_LOADS_COLUMNS = {
    "year": "INTEGER",
    "feed": "VARCHAR",
    "status": "VARCHAR",  # loaded | absent
    "source_file": "VARCHAR",
    "encoding": "VARCHAR",
    "rows_delivered": "BIGINT",
    "rows_quarantined": "BIGINT",
    "violations": "BIGINT",
    "extra_columns": "VARCHAR",
    "notes": "VARCHAR",
    "loaded_at": "TIMESTAMP",
    "source_sha256": "VARCHAR",  # the delivered file's content hash (what the landing sensor compares)
}
# Flagged values: kept in raw_<feed> and computed with, reported here. Unlike quarantine_<feed> (which
# makes the county `incomplete`), a flag never changes a verdict; dbt does not read this table.
FLAGS_TABLE = "feed_flags"
FLAG_FEEDS = ("enrollment", "facilities")  # the feeds flags are computed from
FLAGS_COLUMNS = {
    "year": "INTEGER",
    "feed": "VARCHAR",
    "_source_file": "VARCHAR",
    "_row_number": "BIGINT",
    "county_code": "VARCHAR",
    "key_value": "VARCHAR",
    "column_name": "VARCHAR",
    "rule": "VARCHAR",
    "severity": "VARCHAR",  # implausible | notice
    "value": "DOUBLE",
    "threshold": "DOUBLE",
    "message": "VARCHAR",
}


@dataclass
class FeedLoadSummary:
    feed: str
    year: int
    status: str
    source_file: str | None = None
    encoding: str | None = None
    rows_delivered: int = 0
    rows_quarantined: int = 0
    violations: int = 0
    rules_broken: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    first_violations: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    flags: dict[str, int] = field(default_factory=dict)  # rule → flagged rows of this feed (feed_flags)
    source_sha256: str | None = None


# raw rows are written this many at a time (one transaction all the same)
WRITE_SLICE_ROWS = 500_000


def table_name(kind: str, feed: str) -> str:
    """`raw_<feed>` or `quarantine_<feed>`; only contract names ever reach SQL text."""
    if kind not in ("raw", "quarantine") or feed not in FEEDS:
        raise ValueError(f"no landing table {kind}_{feed}")
    return f"{kind}_{feed}"


def _ddl(columns: dict[str, str]) -> str:
    return ", ".join(f'"{k}" {v}' for k, v in columns.items())


def raw_columns(feed: str) -> dict[str, str]:
    cols = {"year": "INTEGER"}
    cols.update({c.name: c.sql_type for c in FEED_SPECS[feed].all_columns})
    cols.update(META_COLUMNS)
    return cols


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every landing table (empty) so dbt sources exist even for a feed never delivered."""
    for feed in FEEDS:
        con.execute(f"create table if not exists raw_{feed} ({_ddl(raw_columns(feed))})")
        for name, sql_type in raw_columns(feed).items():  # a warehouse made before a column was added
            con.execute(f'alter table raw_{feed} add column if not exists "{name}" {sql_type}')
        con.execute(f"create table if not exists quarantine_{feed} ({_ddl(QUARANTINE_COLUMNS)})")
    con.execute(f"create table if not exists feed_loads ({_ddl(FEED_LOADS_COLUMNS)})")
    for name, sql_type in FEED_LOADS_COLUMNS.items():  # a warehouse made before a column was added
        con.execute(f'alter table feed_loads add column if not exists "{name}" {sql_type}')
    con.execute(f"create table if not exists {FLAGS_TABLE} ({_ddl(FLAGS_COLUMNS)})")


def schools_reference(con: duckdb.DuckDBPyConnection, year: int) -> SchoolsReference:
    df = con.execute(
        "select school_id, county_code, school_type, _quarantined from raw_schools where year = ? "
        "order by _row_number",
        [year],
    ).df()
    if df.empty:
        return SchoolsReference.empty()
    return SchoolsReference.from_schools(df)


def schools_reference_from_landing(landing: Path | str, year: int) -> SchoolsReference:
    """The reference read from this year's delivered schools file itself. The county feeds do not wait
    for raw_schools in the asset graph (it may still hold the previous run's rows when they load), so
    their `unknown_county` rule reads the file. An absent or unusable schools file: no reference (the
    schools step reports that file and stops the year)."""
    try:
        path = find_feed_file(landing, year, "schools")
        if path is None:
            return SchoolsReference.empty()
        stat = path.stat()
        return _counties_of_schools_file(str(path), stat.st_mtime_ns, stat.st_size)
    except FeedFileError:
        return SchoolsReference.empty()


@functools.lru_cache(maxsize=2)
def _counties_of_schools_file(path: str, mtime_ns: int, size: int) -> SchoolsReference:
    """school_id → county_code of every delivered row (codes normalised as validation does); only
    what `unknown_county` needs, read once per file version for both county feeds."""
    frame = read_feed_file("schools", path).frame
    ids = frame["school_id"].map(lambda v: unicodedata.normalize("NFKC", v).strip())
    codes = frame["county_code"].map(lambda v: unicodedata.normalize("NFKC", v).strip())
    keep = (ids != "") & (codes != "")
    county = pd.Series(codes[keep].to_numpy(), index=ids[keep].to_numpy(), dtype=object)
    return SchoolsReference(county[~county.index.duplicated()], pd.Series(dtype=object))


def write_feed(con: duckdb.DuckDBPyConnection, year: int, feed: str, validated: ValidatedFeed | None,
               summary: FeedLoadSummary, loaded_at: dt.datetime) -> None:
    """Replace `year` of raw_<feed>, quarantine_<feed> and the feed's feed_loads row, atomically."""
    ensure_tables(con)
    con.execute("begin transaction")
    try:
        con.execute(f"delete from {table_name('raw', feed)} where year = ?", [year])  # noqa: S608
        con.execute(f"delete from {table_name('quarantine', feed)} where year = ?", [year])  # noqa: S608
        con.execute("delete from feed_loads where year = ? and feed = ?", [year, feed])
        if validated is not None and len(validated.typed):
            raw = validated.typed.copy(deep=False)
            raw.insert(0, "year", year)
            raw["_source_file"] = summary.source_file
            raw["_loaded_at"] = loaded_at
            cols = list(raw_columns(feed))
            # through Arrow: the text columns are Arrow already (no copy, no Python string per cell); a
            # slice of rows at a time, so the converted number columns and the delivered JSON of a national
            # feed are never whole
            for i in range(0, len(raw), WRITE_SLICE_ROWS):
                part = raw.iloc[i:i + WRITE_SLICE_ROWS]
                if validated.cells is not None:  # the JSON made now, slice by slice
                    part = part.assign(_delivered=pd.arrays.ArrowExtensionArray(
                        delivered_json(con, validated.cells.iloc[i:i + WRITE_SLICE_ROWS])))
                con.from_arrow(pa.Table.from_pandas(part[cols], preserve_index=False)).insert_into(
                    table_name("raw", feed))
        if validated is not None and len(validated.violations):
            q = validated.violations.copy()
            at = pd.Index(validated.typed["_row_number"]).get_indexer(q["_row_number"])  # each one's typed row
            q["year"] = year
            q["_source_file"] = summary.source_file
            q["_row_hash"] = validated.typed["_row_hash"].iloc[at].to_numpy(dtype=object)
            q["_delivered"] = (validated.typed["_delivered"].iloc[at].to_numpy(dtype=object)
                               if validated.cells is None  # else the quarantined rows' JSON, made from their cells
                               else delivered_json(con, validated.cells.iloc[at]).to_pylist())
            q["_loaded_at"] = loaded_at
            q = q.astype({"column_name": object, "county_code": object, "key_value": object})
            con.from_df(q[list(QUARANTINE_COLUMNS)]).insert_into(table_name("quarantine", feed))
        log = pd.DataFrame([{
            "year": year, "feed": feed, "status": summary.status, "source_file": summary.source_file,
            "encoding": summary.encoding, "rows_delivered": summary.rows_delivered,
            "rows_quarantined": summary.rows_quarantined, "violations": summary.violations,
            "extra_columns": ", ".join(summary.extra_columns) or None, "notes": "; ".join(summary.notes) or None,
            "loaded_at": loaded_at, "source_sha256": summary.source_sha256,
        }]).astype({"extra_columns": object, "notes": object, "source_file": object, "encoding": object,
                    "source_sha256": object})
        con.from_df(log[list(FEED_LOADS_COLUMNS)]).insert_into("feed_loads")
        maybe_die("ingest")  # test-only (core/faultpoints.py): SIGKILL before the commit
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def ingest_feed(con: duckdb.DuckDBPyConnection, landing: Path | str, year: int, feed: str,
                loaded_at: dt.datetime | None = None, accept_shrink: bool = False) -> FeedLoadSummary:
    """Read, validate and load one feed for one year, once the admission gate admits it
    (ingestion/admission.py). Raises FeedFileError for an unusable file, EmptyYearError when the year
    delivers no schools rows (nothing is loaded, whatever the feed), and ShrinkRefused when an absent
    feed would erase the year's loaded rows (unless the run accepts the shrink). Raw rows of a year are
    only ever replaced by a delivery of that year."""
    # the working connection's memory is bounded as the validation's is (JUNHENG_INGEST_MEMORY_LIMIT) while
    # the feed loads: a national feed's rows are written through DuckDB's buffer, which spills instead of
    # growing. The setting is the database's, shared by the run's other connections: restored after.
    limit = duckdb_memory_limit(INGEST_MEMORY_ENV, DEFAULT_INGEST_MEMORY_LIMIT)
    before = con.execute("select current_setting('memory_limit')").fetchall()[0][0]
    con.execute(f"SET memory_limit = '{limit}'")
    try:
        return _ingest_feed(con, landing, year, feed, loaded_at, accept_shrink)
    finally:  # DuckDB's default exactly (RESET), else the value as DuckDB printed it
        con.execute("RESET memory_limit")
        if con.execute("select current_setting('memory_limit')").fetchall()[0][0] != before:
            con.execute(f"SET memory_limit = '{before}'")


def _ingest_feed(con: duckdb.DuckDBPyConnection, landing: Path | str, year: int, feed: str,
                 loaded_at: dt.datetime | None, accept_shrink: bool) -> FeedLoadSummary:
    loaded_at = loaded_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    ensure_tables(con)

    def loaded_rows() -> int:
        return con.execute(f"select count(*) from {table_name('raw', feed)} where year = ?",  # noqa: S608
                           [year]).fetchone()[0]

    admit_year(feed_load_facts(landing, year, feed, loaded_rows), accept_shrink=accept_shrink).raise_if_refused()
    schools_file = find_feed_file(landing, year, "schools")
    # the schools file was parsed to count its rows: its pages back (a row of it is ≥ 40 bytes)
    release_unused_memory(schools_file.stat().st_size // 40 if schools_file else 0)
    path = find_feed_file(landing, year, feed)
    if path is None:
        others = unrecognised_files(landing, year)
        summary = FeedLoadSummary(feed=feed, year=year, status="absent",
                                  notes=[f"no {feed}.csv/.xlsx/.parquet in {Path(landing) / str(year)}"
                                         + (f" (files there that deliver no feed: {', '.join(others)})"
                                            if others else "")])
        write_feed(con, year, feed, None, summary, loaded_at)
        if feed in FLAG_FEEDS:
            refresh_flags(con, year)
        return summary
    digest = file_hash(path)  # before the read: a file replaced meanwhile is seen as changed by the sensor
    delivered = read_feed_file(feed, path)
    if feed in COUNTY_FEEDS:
        ref = schools_reference_from_landing(landing, year)
    else:
        ref = schools_reference(con, year) if feed != "schools" else None
    validated = attribute_counties(validate_feed(delivered, ref, with_delivered_json=False))
    rel_path = str(path.relative_to(Path(landing).resolve()))
    vio = validated.violations
    summary = FeedLoadSummary(
        feed=feed, year=year, status="loaded", source_file=rel_path, encoding=delivered.encoding,
        rows_delivered=len(validated.typed), rows_quarantined=int(validated.typed["_quarantined"].sum()),
        violations=len(vio), rules_broken=vio["rule"].value_counts().to_dict() if len(vio) else {},
        notes=validated.notes,
        first_violations=[f"{rel_path} row {r['_row_number']}, column {r['column_name']}: [{r['rule']}] {r['message']}"
                          for r in vio.head(5).to_dict("records")],
        source_sha256=digest,
    )
    summary.extra_columns = list(delivered.extra_columns)
    del delivered  # the delivered cells (in the typed rows' _delivered now) are not needed to write them
    release_unused_memory(summary.rows_delivered)  # ≈ 0.6 GB of a national file's freed cells and DuckDB buffers, before the write
    write_feed(con, year, feed, validated, summary, loaded_at)
    # written: the delivered cells and the hashes are not read again
    validated.typed, validated.cells = validated.typed.drop(columns=["_delivered", "_row_hash"], errors="ignore"), None
    release_unused_memory(summary.rows_delivered)
    if feed == "schools" and _report_flags(summary, schools_flags(con, year, validated, rel_path)):
        con.execute("update feed_loads set notes = ? where year = ? and feed = ?",
                    ["; ".join(summary.notes), year, feed])
    if feed == "county_submission" and _report_flags(summary, submission_flags(con, year, validated, rel_path)):
        con.execute("update feed_loads set notes = ? where year = ? and feed = ?",
                    ["; ".join(summary.notes), year, feed])
    if feed in FLAG_FEEDS and _report_flags(summary, refresh_flags(con, year)):
        con.execute("update feed_loads set notes = ? where year = ? and feed = ?",
                    ["; ".join(summary.notes), year, feed])
    return summary


def _report_flags(summary: FeedLoadSummary, flags: pd.DataFrame) -> bool:
    """Add this feed's flags (as of now) to the summary's notes; whether there were any."""
    mine = flags[flags["feed"] == summary.feed]
    if mine.empty:
        return False
    summary.flags = mine["rule"].value_counts().sort_index().to_dict()
    summary.notes.append(f"{len(mine)} value(s) flagged, kept (table {FLAGS_TABLE}): "
                         + ", ".join(f"{k}: {n}" for k, n in summary.flags.items()))
    summary.notes += [f"{summary.source_file} row {r['_row_number']}, column {r['column_name']}: "
                      f"[{r['rule']}, {r['severity']}] {r['message']}" for r in mine.head(3).to_dict("records")]
    return True


def submission_flags(con: duckdb.DuckDBPyConnection, year: int, validated: ValidatedFeed,
                     source_file: str | None) -> pd.DataFrame:
    """Replace the year's county_submission flags (ambiguous percentages) from its valid rows."""
    valid = validated.typed[~validated.typed["_quarantined"].astype(bool)]
    flags = ambiguous_percentage_flags(valid, percentage_parts())
    flags["year"] = year
    flags["_source_file"] = source_file
    _replace_flags(con, year, ["county_submission"], flags)
    return flags


def schools_flags(con: duckdb.DuckDBPyConnection, year: int, validated: ValidatedFeed,
                  source_file: str | None) -> pd.DataFrame:
    """Replace the year's schools flags (county names that disagree within a county) from its valid rows."""
    typed = validated.typed
    columns = ["county_code", "county_name", "school_id", "_row_number", "_county_code"]
    flags = county_name_flags(typed.loc[~typed["_quarantined"].astype(bool), columns])  # not every column's copy
    flags["year"] = year
    flags["_source_file"] = source_file
    _replace_flags(con, year, ["schools"], flags)
    return flags


def _replace_flags(con: duckdb.DuckDBPyConnection, year: int, feeds: list[str], flags: pd.DataFrame) -> None:
    out = flags.astype({"_source_file": object, "county_code": object, "key_value": object,
                        "column_name": object, "message": object, "threshold": float, "value": float})
    con.execute("begin transaction")
    try:
        con.execute(f"delete from {FLAGS_TABLE} where year = ? and list_contains(?, feed)",  # noqa: S608
                    [year, feeds])
        if len(out):
            con.from_df(out[list(FLAGS_COLUMNS)]).insert_into(FLAGS_TABLE)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def refresh_flags(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """Recompute `feed_flags` for `year` from the valid rows of raw_enrollment and raw_facilities.

    Flags compare feeds (area per student needs enrollment), and feeds load in any order: each load of
    enrollment or facilities (delivered or absent) recomputes the year's flags from what is loaded, so
    once both are in, the table matches this run's feeds whatever the order. Values go in as a
    DataFrame, never as SQL text.
    """
    ensure_tables(con)
    enrollment = con.execute(
        "select school_id, stage, students, classes, _row_number, _county_code, _source_file "
        "from raw_enrollment where year = ? and not _quarantined", [year]).df()
    facilities = con.execute(
        "select school_id, teaching_aux_area_m2, sports_ground_area_m2, equipment_value_10k_yuan, "
        "_row_number, _county_code, _source_file from raw_facilities where year = ? and not _quarantined",
        [year]).df()
    flags = plausibility_flags(enrollment, facilities)
    files = {"enrollment": enrollment["_source_file"].dropna().unique(),
             "facilities": facilities["_source_file"].dropna().unique()}
    flags["year"] = year
    flags["_source_file"] = flags["feed"].map(lambda f: files[f][0] if len(files[f]) else None)
    _replace_flags(con, year, list(FLAG_FEEDS), flags)
    return flags
