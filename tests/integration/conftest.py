"""Every test in this folder runs the pipeline (or part of it) on real files and a real warehouse:
all of them carry the `integration` marker (`pytest -m "not integration"` runs the fast unit set).

`worked_example_published`: the worked example's landing and a warehouse holding one good publication
of it, built once for the whole session (and once for both xdist workers: the second waits for the
first, under a file lock) — several modules only need such a warehouse to start from. Never change
it: copy it (helpers.copy_published) and change the copy."""

import fcntl
import os
import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def worked_example_published(tmp_path_factory) -> tuple[Path, Path]:
    """(landing, warehouse): the worked example of 2024 run once and published. Read-only."""
    from tests import worked_example
    from tests.integration.helpers import run

    base = tmp_path_factory.getbasetemp()
    # under xdist each worker's basetemp is <basetemp>/popen-gwN: share their common parent
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    landing, wh = root / "worked_example_published" / "landing", root / "worked_example_published" / "wh"
    # the parent outlives the session: the build is marked with this session's id (one per test run,
    # shared by its workers), and one left by an earlier session is replaced
    session = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")
    with open(root / "worked_example_published.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other worker, if it needs it too, waits for this build
        try:
            done = wh.parent / "built"
            if not done.exists() or done.read_text() != session:
                shutil.rmtree(wh.parent, ignore_errors=True)
                worked_example.write(landing)
                outcome = run(landing, wh)
                assert outcome.success, outcome.problems
                done.write_text(session)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return landing, wh

