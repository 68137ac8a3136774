"""dbt command lines built for a partition run (pure builders in orchestration/assets/dbt.py)."""

import json
from pathlib import Path

from orchestration.assets.dbt import dbt_build_args, dbt_vars


def test_years_are_sorted_unique_ints_and_the_path_absolute(tmp_path):
    v = dbt_vars(["2024", 2023, 2024], tmp_path / "junheng.duckdb")
    assert v["years"] == [2023, 2024]
    assert Path(v["duckdb_path"]).is_absolute()


def test_all_years_when_none():
    assert dbt_vars(None, "/w/junheng.duckdb")["years"] == "all"


def test_build_args_carry_vars_as_json_and_full_refresh_only_when_asked():
    args = dbt_build_args([2024], "/w/junheng.duckdb")
    assert args[:2] == ["build", "--vars"]
    assert json.loads(args[2]) == {"years": [2024], "duckdb_path": "/w/junheng.duckdb"}
    assert "--full-refresh" not in args
    assert dbt_build_args([2024], "/w/junheng.duckdb", full_refresh=True)[-1] == "--full-refresh"
