"""Every test in this folder runs the pipeline (or part of it) on real files and a real warehouse:
all of them carry the `integration` marker (`pytest -m "not integration"` runs the fast unit set).

`worked_example_published`: the worked example's landing and a warehouse holding one good publication
of it, built once for the whole session (and once for both xdist workers: the second waits for the
first, under a file lock) — several modules only need such a warehouse to start from. Never change
it: copy it (helpers.copy_published) and change the copy. `demo_published`, the demo's seven years,
is shared the same way. The worked example is built as a county delivers it and
as an operator runs it: GB18030 CSV with Chinese headers, an xlsx and a parquet file, through the
`junheng run` CLI (`worked_example_cli`: that command's exit code and output, for the CLI's tests)."""

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.integration)


def _built_once(tmp_path_factory, name: str, build) -> tuple[Path, Path]:
    """(landing, warehouse) in <shared temp>/<name>/, made by `build(landing, wh)` once per test run:
    under xdist each worker's basetemp is <basetemp>/popen-gwN, so both share their common parent,
    and the second worker that needs it waits for the first one's build under a file lock."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    landing, wh = root / name / "landing", root / name / "wh"
    # the parent outlives the session: the build is marked with this session's id (one per test run,
    # shared by its workers), and one left by an earlier session is replaced
    session = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            done = wh.parent / "built"
            if not done.exists() or done.read_text() != session:
                shutil.rmtree(wh.parent, ignore_errors=True)
                build(landing, wh)
                done.write_text(session)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return landing, wh


@pytest.fixture(scope="session")
def worked_example_published(tmp_path_factory) -> tuple[Path, Path]:
    """(landing, warehouse): the worked example of 2024 run once through the CLI and published. Read-only."""

    def build(landing: Path, wh: Path) -> None:
        cli = _run_cli(landing, wh)
        (wh.parent / "cli.json").write_text(json.dumps(cli), encoding="utf-8")
        assert cli["returncode"] == 0, cli["stderr"][-3000:]

    return _built_once(tmp_path_factory, "worked_example_published", build)


@pytest.fixture(scope="session")
def demo_published(tmp_path_factory) -> tuple[Path, Path]:
    """(landing, warehouse): the demo's nine Anshan units over its seven years 2018–2024 (with the plan
    tables of 2020 and 2024 and the certifications of 2020 and 2022: synthetic/design.py), run as one range and published. Read-only: the
    timetable's tests and the pipeline's read it, and copy it to change it."""
    from synthetic import generate_feeds, write_demo_certification, write_demo_plan
    from tests.integration.helpers import run_years

    def build(landing: Path, wh: Path) -> None:
        for year in range(2018, 2025):
            generate_feeds(landing, counties=9, year=year, seed=0)
            write_demo_plan(landing, year)
            write_demo_certification(landing, year)
        outcome = run_years(landing, wh, 2018, 2024)
        assert outcome.success, outcome.problems

    return _built_once(tmp_path_factory, "demo_published", build)


def _run_cli(landing: Path, wh: Path) -> dict:
    """The worked example in the formats counties deliver, through `junheng run` (a child process)."""
    from tests import worked_example

    worked_example.write(landing, encoding="gb18030", headers="zh", feeds=("schools", "enrollment"))
    worked_example.write(landing, fmt="xlsx", headers="zh", feeds=("teachers",))
    worked_example.write(landing, fmt="parquet", feeds=("facilities",))
    env = {**os.environ, "JUNHENG_WAREHOUSE": str(wh.parent / "unused")}  # --warehouse wins over the env
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "junheng"), "run", "--landing", str(landing), "--year", "2024",
         "--warehouse", str(wh), "--ruleset", "basic_2012"],
        capture_output=True, text=True, env=env, timeout=900)
    return {"returncode": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}


@pytest.fixture(scope="session")
def worked_example_cli(worked_example_published) -> SimpleNamespace:
    """The `junheng run` that built `worked_example_published`: returncode, stdout, stderr, and wh."""
    _, wh = worked_example_published
    cli = json.loads((wh.parent / "cli.json").read_text(encoding="utf-8"))
    return SimpleNamespace(**cli, wh=wh)
