"""Resources: where the landing directory and the warehouse are, and connections to the warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.settings import PUBLISHED_DB, WORKING_DB


class JunhengConfig(dg.ConfigurableResource):
    """Paths of one deployment. The working DuckDB has one writer: connections are opened per step
    and closed before dbt (a separate process) runs."""

    landing_dir: str
    warehouse_dir: str

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir).resolve()

    @property
    def working_db(self) -> Path:
        return Path(self.warehouse_dir).resolve() / WORKING_DB

    @property
    def published_db(self) -> Path:
        return Path(self.warehouse_dir).resolve() / PUBLISHED_DB

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.working_db.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.working_db))
        try:
            yield con
        finally:
            con.close()
