"""Resources: where the landing directory and the warehouse are, and connections to the warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from core.settings import PUBLISHED_DB, WORKING_DB


class JunhengConfig(dg.ConfigurableResource):
    """Paths of one deployment. The working DuckDB has one writer: connections are opened per step
    and closed before dbt (a separate process) runs."""

    landing_dir: str
    warehouse_dir: str
    _run_lock: object = PrivateAttr(default=None)

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir).resolve()

    @property
    def working_db(self) -> Path:
        return Path(self.warehouse_dir).resolve() / WORKING_DB

    @property
    def published_db(self) -> Path:
        return Path(self.warehouse_dir).resolve() / PUBLISHED_DB

    def hold_run_lock(self) -> None:
        """Take the warehouse lock (core/locking.py) at the run's first use of the warehouse
        and keep it until the run ends, so a run the daemon launched and one `junheng run` started
        never interleave. Re-entrant: inside `junheng run`, which holds it already, this is a no-op.
        Sensors and schedules use this resource for paths only and never take the lock."""
        if self._run_lock is None:
            from core.locking import lock_wait_seconds, warehouse_lock

            cm = warehouse_lock(Path(self.warehouse_dir), wait=lock_wait_seconds(), command="dagster run")
            cm.__enter__()
            self._run_lock = cm

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._run_lock is not None:
            self._run_lock.__exit__(None, None, None)
            self._run_lock = None

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.hold_run_lock()
        self.working_db.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.working_db))
        try:
            yield con
        finally:
            con.close()
