"""What a partition run tells dbt (pure builders in orchestration/assets/dbt.py): the years and the
warehouse travel as environment variables of the dbt child, never as --vars (which would make dbt
re-parse the whole project at every invocation)."""

import json
import os
from pathlib import Path

from orchestration.assets.dbt import dbt_build_args, dbt_env, dbt_environment


def test_years_are_sorted_unique_ints_and_the_path_absolute(tmp_path):
    env = dbt_env(["2024", 2023, 2024], tmp_path / "junheng.duckdb", timeline_years=[2024, 2020])
    assert json.loads(env["JUNHENG_DBT_YEARS"]) == [2023, 2024]
    assert json.loads(env["JUNHENG_DBT_TIMELINE_YEARS"]) == [2020, 2024]
    assert Path(env["JUNHENG_DBT_DUCKDB_PATH"]).is_absolute()


def test_all_years_when_none():
    env = dbt_env(None, "/w/junheng.duckdb")
    assert env["JUNHENG_DBT_YEARS"] == "all"
    assert env["JUNHENG_DBT_TIMELINE_YEARS"] == "all"


def test_build_args_carry_no_vars_and_full_refresh_only_when_asked():
    assert dbt_build_args() == ["build"]
    assert dbt_build_args(full_refresh=True) == ["build", "--full-refresh"]


def test_the_environment_is_set_while_dbt_starts_and_restored_after(monkeypatch):
    monkeypatch.setenv("JUNHENG_DBT_YEARS", "[1999]")
    monkeypatch.delenv("JUNHENG_DBT_DUCKDB_PATH", raising=False)
    env = dbt_env([2024], "/w/junheng.duckdb")
    with dbt_environment(env):
        assert os.environ["JUNHENG_DBT_YEARS"] == "[2024]"
        assert os.environ["JUNHENG_DBT_DUCKDB_PATH"] == str(Path("/w/junheng.duckdb").resolve())
    assert os.environ["JUNHENG_DBT_YEARS"] == "[1999]"
    assert "JUNHENG_DBT_DUCKDB_PATH" not in os.environ
