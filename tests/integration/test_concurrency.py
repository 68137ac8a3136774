"""Concurrent runs on one warehouse: the per-warehouse lock (core/locking.py) refuses a
second run at once (or serialises it with JUNHENG_LOCK_WAIT), dies with its holder even by SIGKILL,
is not inherited by child processes; two real `junheng run`s at once leave one consistent publication."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from core.locking import EX_TEMPFAIL, LOCK_FILE, WarehouseBusy, wait_until_free, warehouse_lock
from orchestration.environment import OFFLINE_ENV
from publication.publish import PUBLISHED_TABLES
from tests import worked_example

JUNHENG = str(Path(sys.executable).parent / "junheng")

HOLDER = """
import subprocess, sys, time
from pathlib import Path
from core.locking import warehouse_lock
with warehouse_lock(Path(sys.argv[1]), 2024):
    child = subprocess.Popen(["sleep", "60"]) if sys.argv[3] == "child" else None
    print(child.pid if child else "locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""

DB_HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("open", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def _start(script: str, *args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-c", script, *map(str, args)], stdout=subprocess.PIPE, text=True)
    first = proc.stdout.readline().strip()
    assert first, "helper process failed to start"
    return proc, first


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)


def test_a_second_run_is_refused_at_once_naming_the_first(tmp_path):
    holder, _ = _start(HOLDER, tmp_path, 60, "-")
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseBusy) as e, warehouse_lock(tmp_path, 2024):
            pass
        assert time.monotonic() - started < 2
        assert f"run pid {holder.pid}" in str(e.value) and "year 2024" in str(e.value)
        assert "refused and changed nothing" in str(e.value) and "JUNHENG_LOCK_WAIT" in str(e.value)
    finally:
        _stop(holder)


def test_with_a_wait_the_second_run_gets_the_lock_when_the_first_ends(tmp_path):
    holder, _ = _start(HOLDER, tmp_path, 1.5, "-")
    try:
        started = time.monotonic()
        with warehouse_lock(tmp_path, 2025, wait=60, poll=0.05):
            waited = time.monotonic() - started
            info = json.loads((tmp_path / LOCK_FILE).read_text())
        assert 0.5 < waited < 30 and info["pid"] == os.getpid() and info["year"] == 2025
        assert (tmp_path / LOCK_FILE).read_text() == ""  # released: the holder note is cleared
    finally:
        _stop(holder)


def test_the_lock_dies_with_its_holder_by_sigkill_and_no_child_keeps_it(tmp_path):
    holder, child_pid = _start(HOLDER, tmp_path, 60, "child")
    child_pid = int(child_pid)
    try:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
        os.kill(child_pid, 0)  # the child (think: dbt) outlives its parent …
        with warehouse_lock(tmp_path, 2024):  # … yet the lock is free at once (close-on-exec descriptor)
            pass
    finally:
        _stop(holder)
        try:
            os.kill(child_pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_wait_until_free_waits_for_a_process_that_holds_the_duckdb_file(tmp_path):
    db = tmp_path / "junheng.duckdb"
    duckdb.connect(str(db)).close()
    holder, _ = _start(DB_HOLDER, db, 3)
    try:
        with pytest.raises(WarehouseBusy, match="held by another process"):
            wait_until_free(db, timeout=0.3, poll=0.1)
        started = time.monotonic()
        wait_until_free(db, timeout=60, poll=0.1)
        assert time.monotonic() - started > 0.5
    finally:
        _stop(holder)


def _cli(landing: Path, wh: Path, **popen) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "JUNHENG_TEST_KILL_AT")}
    env.update(OFFLINE_ENV)
    return subprocess.Popen([JUNHENG, "run", "--landing", str(landing), "--year", "2024", "--warehouse", str(wh)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, **popen)


def test_two_runs_at_once_one_is_refused_and_one_consistent_publication_results(tmp_path):
    """A schedule tick and a sensor run for the same year: the second is refused (exit 75) while the
    first holds the warehouse; the first publishes; the file opens and holds exactly its publication."""
    landing = tmp_path / "landing"
    worked_example.write(landing)
    wh = tmp_path / "wh"
    first = _cli(landing, wh)
    try:
        deadline = time.monotonic() + 240
        while f'"pid": {first.pid}' not in ((wh / LOCK_FILE).read_text() if (wh / LOCK_FILE).exists() else ""):
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first run never took the lock"
            time.sleep(0.1)
        second = _cli(landing, wh)
        out2, err2 = second.communicate(timeout=240)
        assert first.poll() is None, "the first run ended before the second was refused: no overlap tested"
        out1, err1 = first.communicate(timeout=400)
    finally:
        _stop(first)
    assert second.returncode == EX_TEMPFAIL, err2
    assert f"in use by run pid {first.pid}" in err2 and "refused" in err2
    assert first.returncode == 0, err1[-3000:]
    con = duckdb.connect(str(wh / "published.duckdb"), read_only=True)
    try:
        log = con.execute("select run_id, row_counts from publication_log").fetchall()
        assert len(log) == 1
        counts = json.loads(log[0][1])
        for table in PUBLISHED_TABLES:
            # mart_data_plausibility lists implausible values: clean feeds may well have none
            assert con.execute(f"select count(*) from {table}").fetchone()[0] == counts[table]
            assert counts[table] > 0 or table == "mart_data_plausibility", table
    finally:
        con.close()
    assert log[0][0] in out1
    assert not list(wh.glob(".published.duckdb.*"))


def test_the_lock_is_reentrant_within_a_thread_but_not_across_threads(tmp_path):
    import threading

    refused = []
    with warehouse_lock(tmp_path, 2024):
        with warehouse_lock(tmp_path, 2024):  # e.g. a run-level resource inside `junheng run`
            pass

        def other():
            try:
                with warehouse_lock(tmp_path, 2024):
                    pass
            except WarehouseBusy:
                refused.append(True)

        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert refused == [True]
    with warehouse_lock(tmp_path, 2024):  # fully released after the outer block
        pass
