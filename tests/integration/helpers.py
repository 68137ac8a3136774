"""Run the year job in-process on a landing dir, and read the published file."""

import hashlib
import shutil
from pathlib import Path

import duckdb
import pandas as pd

from core.settings import Settings
from ingestion.contract import FEED_SPECS
from orchestration.runner import RunOutcome, run_year
from publication.publish import PUBLISHED_TABLES


def run(landing: Path, warehouse: Path, year: int = 2024) -> RunOutcome:
    return run_year(Settings(landing=Path(landing), warehouse=Path(warehouse)), year)


def run_years(landing: Path, warehouse: Path, first: int, last: int) -> RunOutcome:
    """Years first..last as one run (the single-run backfill path)."""
    return run_year(Settings(landing=Path(landing), warehouse=Path(warehouse)), last, since=first)


def _query(db: Path, sql: str, params=None) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def published(warehouse: Path, sql: str, params=None) -> pd.DataFrame:
    """A query on the published file (what BI tools read)."""
    return _query(Path(warehouse) / "published.duckdb", sql, params)


def working(warehouse: Path, sql: str, params=None) -> pd.DataFrame:
    """A query on the working warehouse (junheng.duckdb), read-only."""
    return _query(Path(warehouse) / "junheng.duckdb", sql, params)


def content_hash(warehouse: Path) -> dict[str, str]:
    """A hash of every published mart's rows, order-independent; run ids and timestamps excluded."""
    out = {}
    con = duckdb.connect(str(Path(warehouse) / "published.duckdb"), read_only=True)
    try:
        for t in PUBLISHED_TABLES:
            df = con.execute(f"select * from {t}").df()
            text = df.sort_values(list(df.columns)).to_csv(index=False, float_format="%.12g")
            out[t] = hashlib.sha256(text.encode()).hexdigest()
    finally:
        con.close()
    return out


def write_feeds(landing: Path, year: int, frames: dict[str, pd.DataFrame], fmt: str = "csv",
                encoding: str = "utf-8", headers: str = "canonical") -> Path:
    out = Path(landing) / str(year)
    out.mkdir(parents=True, exist_ok=True)
    for feed, df in frames.items():
        if headers == "zh":
            df = df.rename(columns={c.name: c.zh for c in FEED_SPECS[feed].all_columns})
        df.to_csv(out / f"{feed}.{fmt}", index=False, encoding=encoding)
    return out


def copy_published(source: tuple[Path, Path], dest: Path, landing: bool = False) -> tuple[Path, Path]:
    """A copy of the `worked_example_published` fixture's warehouse (symlinks kept: published_parquet is a link to
    the current version) in `dest`/wh; with `landing`, the landing too (to change its files)."""
    src_landing, src_wh = source
    wh = dest / "wh"
    shutil.copytree(src_wh, wh, symlinks=True)
    if landing:
        shutil.copytree(src_landing, dest / "landing")
        return dest / "landing", wh
    return src_landing, wh
