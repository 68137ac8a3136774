"""Shared fixtures: offline switches, a fresh manifest, and helpers to run the year job in-process."""

import os

import pytest

from orchestration.environment import OFFLINE_ENV, ensure_manifest

for _k, _v in OFFLINE_ENV.items():
    os.environ.setdefault(_k, _v)


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest():
    return ensure_manifest()


def pytest_terminal_summary(terminalreporter):
    """The screenshots the browser tests kept (their `screenshot` property), so a reader finds them."""
    shots = sorted({value for reports in terminalreporter.stats.values() for rep in reports
                    for key, value in getattr(rep, "user_properties", ()) if key == "screenshot"})
    if shots:
        terminalreporter.write_sep("-", "report screenshots")
        for shot in shots:
            terminalreporter.write_line(shot)
