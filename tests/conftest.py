"""Shared fixtures: offline switches, a fresh manifest, and helpers to run the year job in-process.

`make test` runs two xdist workers with `--dist loadfile`: a module is one unit of work, and a worker
is handed the next module when it has two tests or fewer left. xdist would hand out the modules with
the most tests first, which leaves the slowest (single-test) modules for the end; they are handed
out slowest first instead (longest-processing-time first: the two workers end close together)."""

import os

import pytest

from orchestration.environment import OFFLINE_ENV, ensure_manifest

for _k, _v in OFFLINE_ENV.items():
    os.environ.setdefault(_k, _v)

# The slowest modules, slowest first (seconds on two workers, measured); any other module follows in
# file order. A new module that runs the pipeline belongs in this list, by its duration.
SLOWEST_FIRST = (
    "integration/test_pipeline.py",
    "integration/test_crash_safety.py",
    "integration/test_no_shrink.py",
    "integration/test_ui_backfill.py",
    "integration/test_faults.py",
    "integration/test_evaluation_items.py",
    "integration/test_concurrency.py",
    "integration/test_bi_access.py",
    "integration/test_fidelity.py",
    "integration/test_scope_by_hand.py",
    "unit/test_planner.py",
)
HERE = os.path.dirname(os.path.abspath(__file__))


def pytest_configure(config):
    if hasattr(config.option, "loadscopereorder"):  # pytest-xdist: keep the order set below
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}

    def module_rank(item) -> int:
        rel = os.path.relpath(str(item.path), HERE).replace(os.sep, "/")
        return rank.get(rel, len(rank))

    items.sort(key=module_rank)  # stable: tests keep their order within a module, others their file order


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest():
    return ensure_manifest()
