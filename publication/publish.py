"""Write-audit-publish: copy the audited marts into `published.duckdb` by atomic replace.

The new file is built beside the old one — the previous publication's other years plus this run's
years from the working warehouse — then renamed into place. A reader sees the old file or the new
one, never a mixture; a crash at any point leaves the previous file as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import duckdb

from core.faultpoints import maybe_die
from core.settings import duckdb_memory_limit
from ingestion.inventory import YearInventory
from publication.catalog import across_years_table_names, published_table_names

# The published tables, declared once in the mart YAML (publication/catalog.py)
PUBLISHED_TABLES = published_table_names()
# ... of which the timetable's, rebuilt whole from every year held at each run: published whole
ACROSS_YEARS = across_years_table_names()
LOG_TABLE = "publication_log"
LOG_COLUMNS = (
    "published_at TIMESTAMP, run_id VARCHAR, years VARCHAR, row_counts VARCHAR, rows_total BIGINT, "
    "checks_passed INTEGER, checks VARCHAR, accepted_shrink VARCHAR"
)
# What each published year was computed from: data rows per feed and the pupils evaluated (valid
# enrollment rows of schools that passed the contract), and per county the schools and pupils evaluated.
# A re-run is compared with them before it may replace the year (ingestion/inventory.py).
INVENTORY_TABLE = "feed_inventory"
INVENTORY_COLUMNS = ("year INTEGER, feed VARCHAR, rows_delivered BIGINT, students DOUBLE, source_file VARCHAR, "
                     "source_sha256 VARCHAR")
COUNTY_INVENTORY_TABLE = "county_inventory"
COUNTY_INVENTORY_COLUMNS = "year INTEGER, county_code VARCHAR, schools_evaluated BIGINT, students_evaluated DOUBLE"
# The working warehouse's side of the same inventories (feed_loads is written by every feed load).
_EVALUATED = """
    with schools as (
        select year, school_id, county_code from {w}raw_schools
        where not _quarantined and list_contains($years, year)
    ),
    pupils as (
        select e.year, s.county_code, sum(e.students)::double as students
        from {w}raw_enrollment e join schools s using (year, school_id)
        where not e._quarantined and list_contains($years, e.year)
        group by all
    ),
    counties as (
        select c.year, c.county_code, c.schools_evaluated, p.students as students_evaluated
        from (select year, county_code, count(*) as schools_evaluated from schools group by all) c
        left join pupils p using (year, county_code)
    )
"""
_WORKING_INVENTORY = _EVALUATED + """
    select l.year, l.feed, l.rows_delivered,
           case when l.feed = 'enrollment' then e.students end as students, l.source_file, l.source_sha256
    from {w}feed_loads l
    left join (select year, sum(students_evaluated) as students from counties group by year) e
        on e.year = l.year
    where l.status = 'loaded' and l.rows_delivered > 0 and list_contains($years, l.year)
"""
_WORKING_COUNTY_INVENTORY = _EVALUATED + "select * from counties"


# Memory the publishing DuckDB connection may use (DuckDB's own default is 80 % of the machine): over
# it, the sorts that make the file deterministic spill to disk. A five-year national backfill sorts
# ≈ 22 M school × indicator rows; unbounded that took ≈ 5 GB of the run's process.
MEMORY_ENV = "JUNHENG_PUBLISH_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "1GB"


def memory_limit(env: dict[str, str] | None = None) -> str:
    """The publishing connection's DuckDB memory_limit (a DuckDB size: '1GB', '512MB')."""
    return duckdb_memory_limit(MEMORY_ENV, DEFAULT_MEMORY_LIMIT, env)


def _quote_path(path: Path) -> str:
    # Paths come from configuration, never from a feed; quoted for DuckDB's ATTACH all the same.
    return "'" + str(path).replace("'", "''") + "'"


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> set[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_catalog = ? and table_schema = 'main'",
        [catalog],
    ).fetchall()
    return {r[0] for r in rows}


def _own_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return _tables(con, con.execute("select current_database()").fetchone()[0])


def _bi_columns(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The select list of a working table for BI readers: counts that DuckDB's sum() typed HUGEINT
    become BIGINT (a HUGEINT is a double in Parquet and unknown to most BI drivers); a value beyond
    BIGINT fails the cast, and so the publication, rather than publishing a wrong number."""
    cols = con.execute("select column_name, data_type from information_schema.columns where table_catalog = 'w' "
                       "and table_schema = 'main' and table_name = ? order by ordinal_position", [table]).fetchall()
    return ", ".join(f'cast("{c}" as bigint) as "{c}"' if t in ("HUGEINT", "UHUGEINT") else f'"{c}"'
                     for c, t in cols) or "*"


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def describe_tables(con: duckdb.DuckDBPyConnection) -> int:
    """COMMENT ON every published table and column, from the data dictionary's one source (the marts'
    YAML, and publication.data_dictionary for the publication's own tables), so a BI tool (Superset,
    Metabase, DBeaver, SQLAlchemy's inspector) shows what a column means. Returns the comments written."""
    from publication.catalog import published_tables
    from publication.data_dictionary import COUNTY_INVENTORY, FEED_INVENTORY, PUBLICATION_LOG

    docs = {t.name: (t.description, dict(t.columns)) for t in published_tables()}
    for table, doc in ((LOG_TABLE, PUBLICATION_LOG), (INVENTORY_TABLE, FEED_INVENTORY),
                       (COUNTY_INVENTORY_TABLE, COUNTY_INVENTORY)):
        docs[table] = (doc["description"], doc["columns"])
    written = 0
    for table, (description, columns) in docs.items():
        present = {r[0] for r in con.execute("select column_name from information_schema.columns "
                                             "where table_catalog = current_database() and table_schema = 'main' "
                                             "and table_name = ?", [table]).fetchall()}
        if not present:
            continue
        con.execute(f"comment on table main.{table} is {_sql_text(' '.join(description.split()))}")
        written += 1
        for column, text in columns.items():
            if column in present and text:
                con.execute(f'comment on column main.{table}."{column}" is {_sql_text(" ".join(text.split()))}')
                written += 1
    return written


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
    for pattern in (f".{published_db.name}.*.tmp", f".{published_db.name}.*.tmp.wal",
                    f".{published_db.name}.*.install", ".published_parquet.*.install", ".published_reports.*.install"):
        for stale in published_db.parent.glob(pattern):
            stale.unlink(missing_ok=True)
            removed.append(stale)
    for pattern in (".published_parquet.*.old", ".published_reports.*.old"):  # install() killed mid-repair
        for stale in published_db.parent.glob(pattern):
            shutil.rmtree(stale, ignore_errors=True)
            removed.append(stale)
    for stale in publications_dir(published_db).glob(".*.tmp"):  # a version half-written
        shutil.rmtree(stale, ignore_errors=True)
        removed.append(stale)
    # reports half-written into a version, or the previous reports moved aside (publication/reports)
    for pattern in (f"*/.{REPORTS_DIR}.*.tmp", f"*/.{REPORTS_DIR}.*.old"):
        for stale in publications_dir(published_db).glob(pattern):
            shutil.rmtree(stale, ignore_errors=True)
            removed.append(stale)
    return removed


def version_id(published_at: dt.datetime, run_id: str) -> str:
    """Sortable id of a publication: UTC time to the microsecond, then the run."""
    return f"{published_at:%Y%m%dT%H%M%S%f}Z-{run_id[:8]}"


def publications_dir(published_db: Path) -> Path:
    return published_db.parent / "publications"


def parquet_link(published_db: Path) -> Path:
    """`<warehouse>/published_parquet/<table>.parquet`: the current publication's marts as Parquet."""
    return published_db.parent / "published_parquet"


def reports_link(published_db: Path) -> Path:
    """`<warehouse>/published_reports/`: the current publication's HTML reports (publication/reports),
    a link swapped like the Parquet one; absent while the current publication has none."""
    return published_db.parent / "published_reports"


REPORTS_DIR = "reports"  # inside a version: publications/<id>/reports/


def keep_versions(env: dict[str, str] | None = None) -> int:
    return max(1, int((os.environ if env is None else env).get("JUNHENG_KEEP_PUBLICATIONS", "10")))


def _inventory_from_rows(rows: list[tuple], where: str,
                         counties: list[tuple] | None = None) -> dict[int, YearInventory]:
    by_year: dict[int, dict] = {}
    for year, feed, n, students, *_ in rows:
        entry = by_year.setdefault(int(year), {"rows": {}, "students": None})
        entry["rows"][feed] = int(n)
        if feed == "enrollment":
            entry["students"] = None if students is None else float(students)
    by_county: dict[int, dict] = {}
    for year, county, schools, pupils in counties or []:
        by_county.setdefault(int(year), {})[county] = (int(schools), None if pupils is None else float(pupils))
    return {y: YearInventory(year=y, rows=e["rows"], students=e["students"], where=where,
                             counties=None if counties is None else by_county.get(y, {}))
            for y, e in by_year.items()}


def working_inventory(con: duckdb.DuckDBPyConnection, years: Sequence[int]) -> dict[int, YearInventory]:
    """What the working warehouse holds for `years` now (after this run's loads), county by county."""
    if not {"feed_loads", "raw_enrollment", "raw_schools"} <= _own_tables(con):
        return {}
    params = {"years": [int(y) for y in years]}
    rows = con.execute(_WORKING_INVENTORY.format(w=""), params).fetchall()
    counties = con.execute(_WORKING_COUNTY_INVENTORY.format(w=""), params).fetchall()
    return _inventory_from_rows(rows, "the working warehouse", counties)


def published_inventory(published_db: Path, years: Sequence[int]) -> dict[int, YearInventory]:
    """What the current publication holds for `years` (years it does not hold are absent)."""
    if not Path(published_db).exists():
        return {}
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        if INVENTORY_TABLE not in _own_tables(con):
            return {}
        rows = con.execute(f"select year, feed, rows_delivered, students, source_file from {INVENTORY_TABLE} "
                           "where list_contains(?, year)", [[int(y) for y in years]]).fetchall()
        counties = None  # a publication made before the county inventory was kept: not compared by county
        if COUNTY_INVENTORY_TABLE in _own_tables(con):
            counties = con.execute(f"select * from {COUNTY_INVENTORY_TABLE} where list_contains(?, year)",
                                   [[int(y) for y in years]]).fetchall()
    finally:
        con.close()
    current = current_publication(published_db)
    return _inventory_from_rows(rows, f"publication {current}" if current else str(published_db), counties)


def published_feed_hashes(published_db: Path, year: int) -> dict[str, str | None]:
    """{source file relative to the landing: sha256} of the feeds the current publication of `year` was
    computed from ({} when the year is not published; a NULL hash from a publication made before hashes
    were kept, which matches no file)."""
    if not Path(published_db).exists():
        return {}
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        columns = {r[0] for r in con.execute("select column_name from information_schema.columns where "
                                             "table_name = ?", [INVENTORY_TABLE]).fetchall()}
        if "source_sha256" not in columns:
            return {}
        return dict(con.execute(f"select source_file, source_sha256 from {INVENTORY_TABLE} where year = ?",  # noqa: S608
                                [int(year)]).fetchall())
    finally:
        con.close()


def published_years(published_db: Path) -> list[int]:
    """The years the current publication holds (of the county verdicts), ascending; [] before the first."""
    if not Path(published_db).exists():
        return []
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        if "mart_county_readiness" not in _own_tables(con):
            return []
        return [int(r[0]) for r in con.execute("select distinct year from mart_county_readiness order by 1").fetchall()]
    finally:
        con.close()


def current_publication(published_db: Path) -> str | None:
    """The id of the live publication (`publications/CURRENT`), or None before the first."""
    marker = publications_dir(published_db) / "CURRENT"
    return marker.read_text(encoding="utf-8").strip() if marker.exists() else None


def publish(working_db: Path, published_db: Path, years: Sequence[int], run_id: str,
            checks: Sequence[str] = (), published_at: dt.datetime | None = None,
            accepted_shrink: str | None = None) -> dict[str, int]:
    """Publish `years` of every mart; other years keep their previous publication; the timetable's
    tables (across years) are replaced whole. Returns row counts.

    The publication becomes a version (`<warehouse>/publications/<id>/`: the DuckDB file, the marts
    as Parquet, manifest.json); the last JUNHENG_KEEP_PUBLICATIONS (10) are kept for rollback."""
    published_at = published_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    limit = memory_limit()  # a bad setting stops here, before anything is written
    years = sorted({int(y) for y in years})
    published_db.parent.mkdir(parents=True, exist_ok=True)
    vid = version_id(published_at, run_id)
    staging = publications_dir(published_db) / f".{vid}.tmp"
    tmp = published_db.parent / f".{published_db.name}.{run_id}.tmp"
    remove_stale_temp_files(published_db)
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "parquet").mkdir(parents=True)
    counts: dict[str, int] = {}
    spill = staging / ".spill"  # removed with the staging folder, whatever happens
    con = duckdb.connect(str(tmp), config={"memory_limit": limit, "temp_directory": str(spill)})
    try:
        con.execute(f"attach {_quote_path(working_db)} as w (read_only)")
        previous: set[str] = set()
        if published_db.exists():
            con.execute(f"attach {_quote_path(published_db)} as p (read_only)")
            previous = _tables(con, "p")
        for table in PUBLISHED_TABLES:
            if table in ACROSS_YEARS:  # the run rebuilt it over the years published plus its own
                con.execute(f"create table main.{table} as select {_bi_columns(con, table)} "  # noqa: S608
                            f"from w.main.{table} order by all")
                counts[table] = con.execute(f"select count(*) from main.{table}").fetchone()[0]  # noqa: S608
                continue
            query = f"select {_bi_columns(con, table)} from w.main.{table} where list_contains($years, year)"  # noqa: S608
            if table in previous:
                query += f" union all by name select * from p.main.{table} where not list_contains($years, year)"
            con.execute(f"create table main.{table} as {query} order by all", {"years": years})
            counts[table] = con.execute(
                f"select count(*) from main.{table} where list_contains(?, year)", [years]).fetchone()[0]
        con.execute(f"create table main.{INVENTORY_TABLE} ({INVENTORY_COLUMNS})")
        con.execute(f"create table main.{COUNTY_INVENTORY_TABLE} ({COUNTY_INVENTORY_COLUMNS})")
        if {"feed_loads", "raw_enrollment", "raw_schools"} <= _tables(con, "w"):
            con.execute(f"insert into main.{INVENTORY_TABLE} " + _WORKING_INVENTORY.format(w="w.main."),
                        {"years": years})
            con.execute(f"insert into main.{COUNTY_INVENTORY_TABLE} "
                        + _WORKING_COUNTY_INVENTORY.format(w="w.main.") + " order by all", {"years": years})
        for table in (INVENTORY_TABLE, COUNTY_INVENTORY_TABLE):
            if table in previous:
                con.execute(f"insert into main.{table} by name select * from p.main.{table} "  # noqa: S608
                            "where not list_contains(?, year)", [years])
        con.execute(f"create table main.{LOG_TABLE} ({LOG_COLUMNS})")
        if LOG_TABLE in previous:  # older publications' logs lack the newer columns: NULL there
            con.execute(f"insert into main.{LOG_TABLE} by name select * from p.main.{LOG_TABLE}")
        con.execute(
            f"insert into main.{LOG_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?)",
            [published_at, run_id, ",".join(map(str, years)), json.dumps(counts, sort_keys=True),
             sum(counts.values()), len(checks), "; ".join(checks), accepted_shrink],
        )
        describe_tables(con)
        for table in (*PUBLISHED_TABLES, LOG_TABLE, INVENTORY_TABLE, COUNTY_INVENTORY_TABLE):
            con.execute(f"copy main.{table} to {_quote_path(staging / 'parquet' / f'{table}.parquet')} "
                        "(format parquet)")
        con.execute("detach w")
        if previous or published_db.exists():
            con.execute("detach p")
        con.execute("checkpoint")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    con.close()
    shutil.rmtree(spill, ignore_errors=True)
    _fsync(tmp)
    manifest = {"id": vid, "published_at": published_at.isoformat(), "run_id": run_id, "years": years,
                "row_counts": counts, "checks_passed": len(checks), "checks": list(checks),
                "accepted_shrink": accepted_shrink}
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    maybe_die("publish")  # test-only (faultpoints.py): new file complete and staged, nothing renamed yet
    os.replace(tmp, staging / published_db.name)
    version_dir = publications_dir(published_db) / vid
    os.replace(staging, version_dir)
    install(version_dir, published_db)
    prune(published_db, keep_versions())
    return counts


def install(version_dir: Path, published_db: Path) -> None:
    """Make `version_dir` the current publication: one rename for the DuckDB file, one for the
    Parquet link, one for the reports link. Readers see the old file or the new one, never a mixture."""
    source = version_dir / published_db.name
    link_tmp = published_db.parent / f".{published_db.name}.{version_dir.name}.install"
    link_tmp.unlink(missing_ok=True)
    try:
        os.link(source, link_tmp)  # no copy: the version's file is never written again
    except OSError:
        shutil.copyfile(source, link_tmp)
    _fsync(link_tmp)
    os.replace(link_tmp, published_db)
    swap_link(parquet_link(published_db), version_dir / "parquet", version_dir.name)
    # the reports belong to the version they were made from: a version without them leaves no link,
    # so a reader never takes another publication's reports for the current one's
    reports = version_dir / REPORTS_DIR
    swap_link(reports_link(published_db), reports if reports.is_dir() else None, version_dir.name)
    (publications_dir(published_db) / "CURRENT").write_text(version_dir.name + "\n", encoding="utf-8")
    _fsync(published_db.parent)


def swap_link(link: Path, target: Path | None, tag: str) -> None:
    """Point `link` at `target` by one rename (or remove it when target is None)."""
    if target is None:
        if link.is_symlink() or link.is_file():
            link.unlink()
        elif link.is_dir():
            shutil.rmtree(link, ignore_errors=True)
        return
    tmp = link.parent / f".{link.name}.{tag}.install"
    tmp.unlink(missing_ok=True)
    os.symlink(os.path.relpath(target, link.parent), tmp)
    if link.is_dir() and not link.is_symlink():
        # a warehouse copied or restored without its symlinks (cp -r, copytree): the link became a
        # real folder, which a rename cannot replace. Move it aside first, then drop it.
        aside = link.parent / f".{link.name}.{tag}.old"
        os.replace(link, aside)
        os.replace(tmp, link)
        shutil.rmtree(aside, ignore_errors=True)
    else:
        os.replace(tmp, link)


def report_pages(version_dir: Path) -> int:
    """How many report pages (county and city) a version holds."""
    reports = version_dir / REPORTS_DIR
    return sum(1 for _ in reports.glob("*/*/*.html")) if reports.is_dir() else 0


def list_publications(published_db: Path) -> list[dict]:
    """Kept versions, newest first, each with its manifest and whether it is the current one."""
    root = publications_dir(published_db)
    if not root.is_dir():
        return []
    current = current_publication(published_db)
    out = []
    for d in sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True):
        manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        manifest["current"] = d.name == current
        manifest["reports"] = report_pages(d)
        manifest["reports_dir"] = str(d / REPORTS_DIR) if manifest["reports"] else None
        out.append(manifest)
    return out


def rollback(published_db: Path, vid: str) -> dict:
    """Restore a kept version as the current publication, atomically."""
    version_dir = publications_dir(published_db) / vid
    if not vid or "/" in vid or vid.startswith(".") or not (version_dir / published_db.name).is_file():
        known = ", ".join(p["id"] for p in list_publications(published_db)) or "none"
        raise KeyError(f"no kept publication {vid!r}; kept: {known}")
    install(version_dir, published_db)
    with open(publications_dir(published_db) / "history.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps({"at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "action": "rollback",
                            "to": vid}) + "\n")
    return json.loads((version_dir / "manifest.json").read_text(encoding="utf-8"))


def prune(published_db: Path, keep: int) -> list[str]:
    """Delete all but the newest `keep` versions (never the current one)."""
    versions = list_publications(published_db)
    removed = []
    for v in versions[keep:]:
        if not v["current"]:
            shutil.rmtree(publications_dir(published_db) / v["id"], ignore_errors=True)
            removed.append(v["id"])
    return removed
