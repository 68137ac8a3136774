"""Every test in this folder runs the pipeline (or part of it) on real files and a real warehouse:
all of them carry the `integration` marker (`pytest -m "not integration"` runs the fast unit set)."""

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.integration)
