"""Test-only fault injection: make the process die by SIGKILL at a named point of a run.

    JUNHENG_TEST_KILL_AT=ingest|dbt|coefficients|publish junheng run ...

Unset (always, outside tests/integration/test_crash_safety.py) `maybe_die` does nothing. The points:

- ingest        inside the first feed's load transaction (raw rows deleted and re-inserted, not committed)
- dbt           while the first `dbt build` child holds the working DuckDB file (the child is orphaned)
- coefficients  after county_coefficients was rewritten, the step not yet finished
- publish       the new published file complete and fsynced, its version staged, nothing renamed yet

SIGKILL cannot be caught: no `finally`, no atexit, no flush — the harshest way a run can end.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

ENV = "JUNHENG_TEST_KILL_AT"
# where `maybe_die` writes, just before the kill, what the dbt child held (test evidence that the kill
# happened while the child held the DuckDB file, not after the wait gave up)
RECORD_ENV = "JUNHENG_TEST_KILL_RECORD"
POINTS = ("ingest", "dbt", "coefficients", "publish")


def armed(point: str) -> bool:
    return os.environ.get(ENV) == point


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _holds_duckdb(pid: int) -> bool:
    try:
        return any(os.readlink(fd).endswith(".duckdb") for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False


def maybe_die(point: str, child_pid: int | None = None) -> None:
    """SIGKILL this process at `point` when JUNHENG_TEST_KILL_AT names it.

    With `child_pid` (a dbt process just started) the kill waits, in a thread so the caller keeps
    reading the child's output, until the child has the DuckDB file open (at most 120 s).
    """
    if not armed(point):
        return
    if child_pid is None:
        _die()

    def wait_then_die() -> None:
        deadline = time.monotonic() + 120
        while not _holds_duckdb(child_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if os.environ.get(RECORD_ENV):
            Path(os.environ[RECORD_ENV]).write_text(f"{child_pid} {_holds_duckdb(child_pid)}", encoding="utf-8")
        _die()

    threading.Thread(target=wait_then_die, name="junheng-test-kill", daemon=True).start()
