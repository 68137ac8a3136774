"""Shared fixtures: offline switches, a fresh manifest, and helpers to run the year job in-process."""

import os

import pytest

from orchestration.environment import OFFLINE_ENV, ensure_manifest

for _k, _v in OFFLINE_ENV.items():
    os.environ.setdefault(_k, _v)


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest():
    return ensure_manifest()
