"""What a partition run tells dbt (pure builders in orchestration/assets/dbt.py): the years and the
warehouse travel as environment variables of the dbt child, never as --vars (which would make dbt
re-parse the whole project at every invocation)."""

import json
import os
from pathlib import Path

from core.settings import DBT_PROJECT_DIR, Settings
from orchestration.assets.dbt import dbt_build_args, dbt_env, dbt_environment


def test_years_are_sorted_unique_ints_and_the_warehouse_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = dbt_env(["2024", 2023, 2024], "wh", timeline_years=[2024, 2020])
    assert json.loads(env["JUNHENG_DBT_YEARS"]) == [2023, 2024]
    assert json.loads(env["JUNHENG_DBT_TIMELINE_YEARS"]) == [2020, 2024]
    assert env["JUNHENG_WAREHOUSE"] == str(tmp_path.resolve() / "wh")  # the directory, as the setting names it


def test_all_years_when_none():
    env = dbt_env(None, "/w")
    assert env["JUNHENG_DBT_YEARS"] == "all"
    assert env["JUNHENG_DBT_TIMELINE_YEARS"] == "all"


def test_build_args_carry_no_vars_and_full_refresh_only_when_asked():
    assert dbt_build_args() == ["build"]
    assert dbt_build_args(full_refresh=True) == ["build", "--full-refresh"]


def test_the_environment_is_set_while_dbt_starts_and_restored_after(monkeypatch):
    monkeypatch.setenv("JUNHENG_DBT_YEARS", "[1999]")
    monkeypatch.setenv("JUNHENG_WAREHOUSE", "/elsewhere")
    env = dbt_env([2024], "/w")
    with dbt_environment(env):
        assert os.environ["JUNHENG_DBT_YEARS"] == "[2024]"
        assert os.environ["JUNHENG_WAREHOUSE"] == str(Path("/w").resolve())
    assert os.environ["JUNHENG_DBT_YEARS"] == "[1999]"
    assert os.environ["JUNHENG_WAREHOUSE"] == "/elsewhere"


def _profile_path(env: dict[str, str], variables: dict[str, str] | None = None) -> Path:
    """The DuckDB file profiles.yml names, rendered as dbt renders it: `var` and `env_var` with their
    defaults, relative to the dbt project folder (dbt's working directory)."""
    import jinja2
    import yaml

    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    raw = profile["junheng"]["outputs"]["dev"]["path"]
    rendered = jinja2.Template(raw).render(var=lambda name, default=None: (variables or {}).get(name, default),
                                           env_var=lambda name, default=None: env.get(name, default))
    return (DBT_PROJECT_DIR / rendered).resolve()


def test_dbt_opens_the_working_warehouse_python_opens(tmp_path):
    """The warehouse goes from the CLI to profiles.yml in one form: the directory Settings made absolute,
    handed to dbt as JUNHENG_WAREHOUSE; dbt opens <it>/junheng.duckdb, the file the Python steps open."""
    settings = Settings.from_env({}, landing=tmp_path / "landing", warehouse=tmp_path / "a" / ".." / "wh")
    env = dbt_env([2024], settings.warehouse)
    assert _profile_path(env) == tmp_path.resolve() / "wh" / "junheng.duckdb" == settings.working_db
    # without a run: the setting itself, or the repository's warehouse/ (Settings' default too)
    assert _profile_path({"JUNHENG_WAREHOUSE": str(tmp_path)}) == tmp_path.resolve() / "junheng.duckdb"
    assert _profile_path({}) == Settings.from_env({}).working_db
    assert _profile_path(env, {"duckdb_path": "/by/hand.duckdb"}) == Path("/by/hand.duckdb").resolve()


def test_the_cli_reads_the_publication_of_its_warehouse(tmp_path, monkeypatch, capsys):
    """`--warehouse` wins over JUNHENG_WAREHOUSE, relative to where the command runs; the file read is
    <warehouse>/published.duckdb (Settings.published_db)."""
    from orchestration.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JUNHENG_WAREHOUSE", str(tmp_path / "elsewhere"))
    assert main(["report", "--year", "2024", "--out", "out", "--warehouse", "wh"]) == 2
    assert capsys.readouterr().err.strip() == f"junheng: no publication at {tmp_path.resolve() / 'wh' / 'published.duckdb'}"
    assert main(["publications", "list"]) == 0
    assert capsys.readouterr().out.strip() == f"no publication kept in {tmp_path.resolve() / 'elsewhere' / 'publications'}"


def test_dbts_duckdb_gets_the_memory_limit_setting_and_a_bad_one_names_it(monkeypatch):
    """dbt's DuckDB is bounded like the Python steps' (a five-year national backfill held 3.8 GB in dbt):
    JUNHENG_DBT_MEMORY_LIMIT, default 2GB, reaches profiles.yml's `settings`; a value that is no size is
    refused with the setting's name before dbt starts."""
    import jinja2
    import pytest
    import yaml

    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    raw = profile["junheng"]["outputs"]["dev"]["settings"]["memory_limit"]

    def rendered(env: dict[str, str]) -> str:
        return jinja2.Template(raw).render(env_var=lambda name, default=None: env.get(name, default))

    monkeypatch.delenv("JUNHENG_DBT_MEMORY_LIMIT", raising=False)
    env = dbt_env([2024], "/w")
    assert env["JUNHENG_DBT_MEMORY_LIMIT"] == "2GB" == rendered(env) == rendered({})  # one default
    monkeypatch.setenv("JUNHENG_DBT_MEMORY_LIMIT", "750MB")
    assert rendered(dbt_env([2024], "/w")) == "750MB"
    monkeypatch.setenv("JUNHENG_DBT_MEMORY_LIMIT", "lots")
    with pytest.raises(ValueError, match="JUNHENG_DBT_MEMORY_LIMIT='lots' is not a size"):
        dbt_env([2024], "/w")
