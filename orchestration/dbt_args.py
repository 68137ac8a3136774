"""Pure builders of dbt command lines (unit-tested; no Dagster, no I/O)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path


def dbt_vars(years: Sequence[int] | None, duckdb_path: Path | str) -> dict:
    """The --vars of one run: the years it rebuilds ('all' when None) and the absolute DuckDB path."""
    return {
        "years": "all" if years is None else sorted({int(y) for y in years}),
        "duckdb_path": str(Path(duckdb_path).resolve()),
    }


def dbt_build_args(years: Sequence[int] | None, duckdb_path: Path | str, full_refresh: bool = False) -> list[str]:
    """`dbt build` arguments for a partition run; selection comes from the @dbt_assets definition."""
    args = ["build", "--vars", json.dumps(dbt_vars(years, duckdb_path), sort_keys=True)]
    if full_refresh:
        args.append("--full-refresh")
    return args
