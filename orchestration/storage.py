"""The Dagster instance's storage: Dagster's own SQLite storage, with the event log's connections kept.

Dagster's `SqliteEventLogStorage` opens a new SQLAlchemy engine and a new SQLite connection for every
event it stores, and commits each with a full sync (SQLite's `synchronous=FULL`). A run of the year
job stores ≈ 500 asset events, most of them twice (the run's own database and the cross-run index):
on this project's 2-core machine that was ≈ 8 s of a 5-school run (measured: 500 materialisations
stored in 7.8–8.8 s; with the engines kept, 2.2 s; with `synchronous=NORMAL` too, 0.9–1.2 s).

This storage keeps one engine per database file (the index and the few most recent runs' files; an
engine leaves the cache, and closes its connections, when a newer one pushes it out) and opens its
connections with `synchronous=NORMAL`. The journal stays SQLite's default (`DELETE`), not WAL: the
UI follows a running run by watching that run's `.db` file change on disk, which a WAL journal would
defer to the next checkpoint. What `NORMAL` gives up: after a power cut (not a killed process), the
last events of the event log may be lost; SQLite documents a very small chance of a damaged file
in the DELETE journal on old filesystems. The event log is the runs' history, not the publication:
the published DuckDB file has its own atomic replace (publication/publish.py), and the run and
schedule storages (the sensor's cursor) are Dagster's own classes, unchanged.

Set in the instance's `dagster.yaml` (`orchestration/environment.py::instance_yaml`):

    storage:
      custom:
        module: orchestration.storage
        class: JunhengSqliteStorage
        config:
          base_dir: <the instance folder>
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import yaml
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.runs import SqliteRunStorage
from dagster._core.storage.schedules import SqliteScheduleStorage
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine

KEPT_ENGINES = 4  # the index and the last few runs' files (a daemon or the UI lives for weeks: bounded)
PRAGMAS = ("PRAGMA synchronous=NORMAL",)


class JunhengSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` with its engines kept (bounded) and `synchronous=NORMAL` connections."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value):  # Dagster's names its own class here
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        with self._engines_lock:
            engine = self._engines.get(shard)
            if engine is not None:
                self._engines.move_to_end(shard)
                return engine
            engine = create_engine(self.conn_string_for_shard(shard),
                                   connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False})

            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_connection, _record) -> None:
                cursor = dbapi_connection.cursor()
                for pragma in PRAGMAS:
                    cursor.execute(pragma)
                cursor.close()

            self._engines[shard] = engine
            while len(self._engines) > KEPT_ENGINES:
                _, oldest = self._engines.popitem(last=False)
                oldest.dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:  # as Dagster's: one connection at a time per storage (the watcher's thread too)
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        with self._engines_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
        super().dispose()


class JunhengSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage (runs, schedules and sensors unchanged) with the event log above."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self.base_dir = base_dir
        self._run_storage = SqliteRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = JunhengSqliteEventLogStorage(_event_logs_directory(base_dir))
        self._schedule_storage = SqliteScheduleStorage.from_local(_schedule_directory(base_dir))
        self._inst_data = inst_data
        super(DagsterSqliteStorage, self).__init__()

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls.from_local(inst_data=inst_data, **config_value)

    @property
    def event_storage_data(self) -> ConfigurableClassData | None:
        return ConfigurableClassData(__name__, JunhengSqliteEventLogStorage.__name__,
                                     yaml.dump({"base_dir": _event_logs_directory(self.base_dir)},
                                               default_flow_style=False))
