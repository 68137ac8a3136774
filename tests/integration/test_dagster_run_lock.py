"""A run launched by Dagster (not through `junheng run`) takes the warehouse lock too: while another
process holds the warehouse, it is refused before it changes anything."""

import subprocess
import sys
import time
from pathlib import Path

import dagster as dg

from core.settings import Settings
from orchestration.definitions import YEAR_JOB, build_definitions
from tests import worked_example

HOLDER = """
import sys, time
from pathlib import Path
from core.locking import warehouse_lock
with warehouse_lock(Path(sys.argv[1]), year=2024, command="test holder"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_dagster_run_is_refused_while_another_process_holds_the_warehouse(tmp_path):
    landing, wh = tmp_path / "landing", tmp_path / "wh"
    worked_example.write(landing)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(wh), "120"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        job = build_definitions(Settings(landing=landing, warehouse=wh)).resolve_job_def(YEAR_JOB)
        started = time.monotonic()
        result = job.execute_in_process(partition_key="2024", instance=dg.DagsterInstance.ephemeral(),
                                        raise_on_error=False)
        assert not result.success
        failures = [e.event_specific_data.error for e in result.all_events if e.is_step_failure]
        text = " ".join((f.message + " " + (f.cause.message if f.cause else "")) for f in failures)
        assert "in use by" in text and "test holder" in text
        assert time.monotonic() - started < 60
        assert not (wh / "published.duckdb").exists()
        assert not (wh / "junheng.duckdb").exists() or _raw_rows(wh) == 0
    finally:
        holder.kill()
        holder.wait()


def _raw_rows(wh: Path) -> int:
    import duckdb

    con = duckdb.connect(str(wh / "junheng.duckdb"), read_only=True)
    try:
        return con.execute("select count(*) from raw_schools").fetchone()[0]
    except duckdb.CatalogException:
        return 0
    finally:
        con.close()
