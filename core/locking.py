"""One run per warehouse: an exclusive `flock` on `<warehouse>/.junheng.lock`, held for the whole run.

A second run for the same warehouse (a cron tick while a sensor's run is going, two operators) does
not queue behind the first by default: it fails fast, naming the run that holds the lock — the
first run publishes; the second would only repeat it. `JUNHENG_LOCK_WAIT=<seconds>` makes it wait
that long for the lock instead (serialised runs).

The kernel drops a `flock` when its holder dies, even by SIGKILL: a lock is never stale and the
lock file is never deleted (deleting lock files races). The file holds who has the lock (pid,
year, start time), for the message. The descriptor is close-on-exec, so child processes (dbt) never
hold it. A dbt child orphaned by a killed run can still hold the working DuckDB file for a few
seconds: `wait_until_free` waits for it before the next run starts.

Local filesystems only (on NFS `flock` is emulated with POSIX locks and depends on the server).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = ".junheng.lock"
WAIT_ENV = "JUNHENG_LOCK_WAIT"
DB_WAIT_ENV = "JUNHENG_DB_WAIT"
DEFAULT_DB_WAIT = 120.0


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse (or its DuckDB file) and did not let go in time."""


def lock_wait_seconds(env: dict[str, str] | None = None) -> float:
    value = (os.environ if env is None else env).get(WAIT_ENV, "0")
    try:
        return max(0.0, float(value))
    except ValueError as e:
        raise WarehouseBusy(f"{WAIT_ENV}={value!r} is not a number of seconds") from e


def holder(warehouse: Path) -> str:
    """Who holds the lock, as the holder wrote it (best effort, for messages)."""
    try:
        info = json.loads((Path(warehouse) / LOCK_FILE).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return "another run"
    if not info:
        return "another run"
    return f"run pid {info.get('pid')} (year {info.get('year')}, started {info.get('started')}, {info.get('command')})"


# Locks this process holds, per thread: re-entering is a no-op (e.g. a run-level resource that takes
# the lock inside `junheng run`, which already holds it). Keyed by thread so two threads never share.
_held: dict[tuple[Path, int], int] = {}


@contextmanager
def warehouse_lock(warehouse: Path, year: int | str | None = None, wait: float = 0.0,
                   poll: float = 0.2, command: str = "junheng run") -> Iterator[Path]:
    """Hold the warehouse's lock for the `with` block; raise WarehouseBusy after `wait` seconds.
    `year` and `command` only describe the holder in the lock file, for other runs' messages.
    Re-entrant within one thread."""
    warehouse = Path(warehouse)
    warehouse.mkdir(parents=True, exist_ok=True)
    path = warehouse / LOCK_FILE
    key = (path.resolve(), threading.get_ident())
    if key in _held:
        _held[key] += 1
        try:
            yield path
        finally:
            _held[key] -= 1
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    waited = f" after waiting {wait:g} s" if wait else ""
                    raise WarehouseBusy(
                        f"warehouse {warehouse} is in use by {holder(warehouse)}{waited}; this run was refused "
                        f"and changed nothing (set {WAIT_ENV}=<seconds> to wait for the lock instead)") from None
                time.sleep(poll)
        info = {"pid": os.getpid(), "year": year, "command": command,
                "started": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        _held[key] = 1
        try:
            yield path
        finally:
            del _held[key]
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def wait_until_free(db: Path, timeout: float | None = None, poll: float = 0.5) -> None:
    """Wait until no other process holds the DuckDB file `db` (e.g. a dbt child orphaned by a run
    killed mid-build; it ends within seconds once its parent is gone). Opening it also replays a
    write-ahead log a killed writer left. Raise WarehouseBusy after `timeout` seconds."""
    import duckdb

    if not Path(db).exists():
        return
    if timeout is None:
        timeout = float(os.environ.get(DB_WAIT_ENV, DEFAULT_DB_WAIT))
    deadline = time.monotonic() + timeout
    while True:
        try:
            duckdb.connect(str(db)).close()
            return
        except duckdb.IOException as e:
            if "lock" not in str(e).lower():
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(f"{db} is held by another process after {timeout:g} s: {e}") from e
            time.sleep(poll)


EX_TEMPFAIL = 75  # sysexits.h: "try again later" — what a scheduler may retry


@contextmanager
def hold_warehouse(warehouse: Path, year: int | str, working_db: Path) -> Iterator[None]:
    """What `junheng run` holds for a whole run: the warehouse lock, then a free working DuckDB.
    Busy: the message goes to stderr and the process exits with 75 (EX_TEMPFAIL), nothing changed."""
    import sys

    try:
        with warehouse_lock(warehouse, year, wait=lock_wait_seconds()):
            wait_until_free(working_db)
            yield
    except WarehouseBusy as e:
        print(f"junheng: {e}", file=sys.stderr, flush=True)
        raise SystemExit(EX_TEMPFAIL) from e
