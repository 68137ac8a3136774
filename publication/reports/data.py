"""What a report shows, read from published.duckdb (read-only) and nothing else: one function per
report section, each returning plain rows (dicts) in the order the page shows them.

Every value comes from a published table (docs/data-dictionary.md); nothing here computes a verdict
or a figure of the method, it only selects, orders and groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

LEVELS = ("primary", "junior")


@contextmanager
def open_published(path: Path):
    """A read-only connection to a publication's DuckDB file."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"no publication at {path}")
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence | dict = ()) -> list[dict]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _one(con, sql: str, params: Sequence | dict = ()) -> dict | None:
    found = rows(con, sql, params)
    return found[0] if found else None


def tables(con) -> set[str]:
    return {r[0] for r in con.execute("select table_name from information_schema.tables "
                                      "where table_schema = 'main'").fetchall()}


@dataclass
class Publication:
    """The publication a report was made from: its id (the version folder's name), run and time."""
    id: str
    run_id: str
    published_at: str
    years: str
    rows_total: int
    checks_passed: int
    accepted_shrink: str | None
    history: list[dict] = field(default_factory=list)  # earlier publications of this file, newest first


def publication(con) -> Publication:
    """The last row of publication_log is the publication this file is (publish.py appends it)."""
    from publication.publish import version_id

    log = rows(con, "select published_at, run_id, years, rows_total, checks_passed, accepted_shrink "
                    "from publication_log order by published_at desc")
    if not log:
        raise ValueError("the file has no publication_log row: not a publication")
    last = log[0]
    return Publication(id=version_id(last["published_at"], last["run_id"]), run_id=last["run_id"],
                       published_at=f"{last['published_at']:%Y-%m-%d %H:%M:%S} UTC", years=last["years"],
                       rows_total=int(last["rows_total"] or 0), checks_passed=int(last["checks_passed"] or 0),
                       accepted_shrink=last["accepted_shrink"], history=log[1:6])


def years_held(con, ruleset: str) -> list[int]:
    return [r[0] for r in con.execute("select distinct year from mart_county_readiness where ruleset = ? "
                                      "order by 1", [ruleset]).fetchall()]


def counties(con, year: int, ruleset: str, city: str | None = None) -> list[dict]:
    """The counties (county-level units) held for a year, with their verdicts, in code order."""
    return rows(con, "select county_code, county_name, status, veto_triggered, failing_items, unknown_items "
                     "from mart_county_readiness where year = ? and ruleset = ? "
                     "and (? is null or starts_with(county_code, ?)) order by county_code",
                [year, ruleset, city, city])


def synthetic(con, year: int) -> bool:
    found = con.execute("select bool_or(is_synthetic) from mart_county_readiness where year = ?", [year]).fetchone()
    return bool(found and found[0])


# ---- the county report, section by section ------------------------------------------------------

def verdict(con, year: int, ruleset: str, county: str) -> dict | None:
    """mart_county_readiness's row, its items split into what blocks (vetoes first) and the dimension counts."""
    head = _one(con, "select * from mart_county_readiness where year = ? and ruleset = ? and county_code = ?",
                [year, ruleset, county])
    if head is None:
        return None
    blocking = rows(con, "select item_code, dimension, name_zh, name_en, status, value, standard, detail "
                         "from fct_county_items where year = ? and ruleset = ? and county_code = ? "
                         "and status in ('fail', 'unknown') "
                         "order by status = 'unknown', dimension <> 'veto', sort_order, item_code",
                    [year, ruleset, county])
    dims = ("resource", "guarantee", "quality", "recognition", "veto", "prerequisite")
    head["dimensions"] = [{"dimension": d, "pass": head[f"{d}_pass"] or 0, "fail": head[f"{d}_fail"] or 0,
                           "unknown": head[f"{d}_unknown"] or 0} for d in dims
                          if (head[f"{d}_pass"] or 0) + (head[f"{d}_fail"] or 0) + (head[f"{d}_unknown"] or 0)]
    head["failing"] = [b for b in blocking if b["status"] == "fail"]
    head["unknown"] = [b for b in blocking if b["status"] == "unknown"]
    head["reasons"] = [r.strip() for r in (head["blocking_reasons"] or "").split(" | ") if r.strip()]
    return head
