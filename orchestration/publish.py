"""Write-audit-publish: copy the audited marts into `published.duckdb` by atomic replace.

The new file is built beside the old one — the previous publication's other years plus this run's
years from the working warehouse — then renamed into place. A reader sees the old file or the new
one, never a mixture; a crash at any point leaves the previous file as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from pathlib import Path

import duckdb

from orchestration.faultpoints import maybe_die

PUBLISHED_TABLES = (
    "fct_school_unit_indicators",
    "fct_county_coefficients",
    "mart_county_level_resources",
    "mart_county_readiness",
    "fct_county_items",
    "mart_school_shortfalls",
)
LOG_TABLE = "publication_log"
LOG_COLUMNS = (
    "published_at TIMESTAMP, run_id VARCHAR, years VARCHAR, row_counts VARCHAR, rows_total BIGINT, "
    "checks_passed INTEGER, checks VARCHAR"
)


def _quote_path(path: Path) -> str:
    # Paths come from configuration, never from a feed; quoted for DuckDB's ATTACH all the same.
    return "'" + str(path).replace("'", "''") + "'"


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> set[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_catalog = ? and table_schema = 'main'",
        [catalog],
    ).fetchall()
    return {r[0] for r in rows}


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temp_files(published_db: Path) -> list[Path]:
    """Delete half-built publications (`.published.duckdb.<run>.tmp` and its `.wal`) that a run killed
    while publishing left behind. Only one run publishes into a warehouse at a time (the warehouse
    lock, or Dagster's one-run queue), so any such file is dead. Returns what was removed."""
    removed = []
    for pattern in (f".{published_db.name}.*.tmp", f".{published_db.name}.*.tmp.wal"):
        for stale in published_db.parent.glob(pattern):
            stale.unlink(missing_ok=True)
            removed.append(stale)
    return removed


def publish(working_db: Path, published_db: Path, years: Sequence[int], run_id: str,
            checks: Sequence[str] = (), published_at: dt.datetime | None = None) -> dict[str, int]:
    """Publish `years` of every mart; other years keep their previous publication. Returns row counts."""
    published_at = published_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    years = sorted({int(y) for y in years})
    published_db.parent.mkdir(parents=True, exist_ok=True)
    tmp = published_db.parent / f".{published_db.name}.{run_id}.tmp"
    remove_stale_temp_files(published_db)
    counts: dict[str, int] = {}
    con = duckdb.connect(str(tmp))
    try:
        con.execute(f"attach {_quote_path(working_db)} as w (read_only)")
        previous: set[str] = set()
        if published_db.exists():
            con.execute(f"attach {_quote_path(published_db)} as p (read_only)")
            previous = _tables(con, "p")
        for table in PUBLISHED_TABLES:
            query = f"select * from w.main.{table} where list_contains($years, year)"  # noqa: S608
            if table in previous:
                query += f" union all by name select * from p.main.{table} where not list_contains($years, year)"
            con.execute(f"create table main.{table} as {query} order by all", {"years": years})
            counts[table] = con.execute(
                f"select count(*) from main.{table} where list_contains(?, year)", [years]).fetchone()[0]
        if LOG_TABLE in previous:
            con.execute(f"create table main.{LOG_TABLE} as select * from p.main.{LOG_TABLE}")
        else:
            con.execute(f"create table main.{LOG_TABLE} ({LOG_COLUMNS})")
        con.execute(
            f"insert into main.{LOG_TABLE} values (?, ?, ?, ?, ?, ?, ?)",
            [published_at, run_id, ",".join(map(str, years)), json.dumps(counts, sort_keys=True),
             sum(counts.values()), len(checks), "; ".join(checks)],
        )
        con.execute("detach w")
        if previous or published_db.exists():
            con.execute("detach p")
        con.execute("checkpoint")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    _fsync(tmp)
    maybe_die("publish")  # test-only (orchestration/faultpoints.py): the new file complete, not yet in place
    os.replace(tmp, published_db)
    _fsync(published_db.parent)
    return counts
