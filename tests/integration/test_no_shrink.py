"""An empty or missing landing never erases a published year, and a re-run that would publish less is
refused unless accepted — through the CLI, `dagster asset materialize`, and the in-process job the UI
launches (issue 10). The GraphQL backfill path is in test_ui_backfill.py; schedule and sensor in
tests/unit/test_inventory.py."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from core.settings import REPO_ROOT
from orchestration.cli import main
from orchestration.environment import DAGSTER_YAML
from tests import worked_example
from tests.integration.helpers import copy_published, published

FEEDS = ("schools", "enrollment", "teachers", "facilities")


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def raw_counts(wh: Path) -> dict[str, int]:
    con = duckdb.connect(str(wh / "junheng.duckdb"), read_only=True)
    try:
        return {f: con.execute(f"select count(*) from raw_{f} where year = 2024").fetchone()[0] for f in FEEDS}
    finally:
        con.close()


@pytest.fixture
def wh(worked_example_published, tmp_path):
    """For one test, a copy of a warehouse with one good publication of the worked example
    (tests/integration/conftest.py)."""
    return copy_published(worked_example_published, tmp_path)[1]


def _empty_landing(tmp_path: Path, form: str) -> Path:
    landing = tmp_path / "empty"
    landing.mkdir()
    if form in ("empty folder", "header only"):
        (landing / "2024").mkdir()
    if form == "header only":
        worked_example.frames()["schools"].head(0).to_csv(landing / "2024" / "schools.csv", index=False)
    return landing


@pytest.mark.parametrize("form", ["no year folder", "empty folder", "header only"])
def test_cli_over_an_empty_landing_fails_and_changes_nothing(wh, tmp_path, capsys, form):
    landing = _empty_landing(tmp_path, form)
    before, raw_before = sha(wh / "published.duckdb"), raw_counts(wh)
    assert main(["run", "--landing", str(landing), "--year", "2024", "--warehouse", str(wh)]) == 1
    err = capsys.readouterr().err
    assert "year 2024 not evaluated: no schools rows" in err and str(landing) in err
    assert "published for 2024 now: 5 schools" in err  # says what is published and keeps it
    assert sha(wh / "published.duckdb") == before
    assert raw_counts(wh) == raw_before


def test_dagster_asset_materialize_over_an_empty_landing_fails_and_changes_nothing(wh, tmp_path):
    landing = _empty_landing(tmp_path, "empty folder")
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(DAGSTER_YAML, encoding="utf-8")
    before, raw_before = sha(wh / "published.duckdb"), raw_counts(wh)
    env = {**os.environ, "DAGSTER_HOME": str(home), "JUNHENG_LANDING": str(landing), "JUNHENG_WAREHOUSE": str(wh),
           "JUNHENG_AUTOMATION": "off"}
    proc = subprocess.run([str(Path(sys.executable).parent / "dagster"), "asset", "materialize", "-m",
                           "orchestration.definitions", "--select", "*", "--partition", "2024"],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "year 2024 not evaluated: no schools rows in the landing" in out and str(landing) in out
    assert sha(wh / "published.duckdb") == before
    assert raw_counts(wh) == raw_before


def test_a_feed_gone_is_refused_then_accepted_with_the_flag_and_logged(wh, tmp_path, capsys):
    landing = tmp_path / "landing"
    worked_example.write(landing, feeds=("schools", "enrollment", "teachers"))  # facilities gone
    before, raw_before = sha(wh / "published.duckdb"), raw_counts(wh)
    assert main(["run", "--landing", str(landing), "--year", "2024", "--warehouse", str(wh)]) == 1
    err = capsys.readouterr().err
    assert "feed facilities would disappear: 5 rows published for 2024, none delivered now" in err
    assert "--accept-shrink" in err
    assert sha(wh / "published.duckdb") == before and raw_counts(wh) == raw_before

    assert main(["run", "--landing", str(landing), "--year", "2024", "--warehouse", str(wh),
                 "--accept-shrink"]) == 0
    log = published(wh, "select run_id, accepted_shrink from publication_log order by published_at")
    last = log.iloc[-1]
    assert last["accepted_shrink"].startswith(f"run {last['run_id']}: feed facilities would disappear")
    assert log.iloc[0]["accepted_shrink"] is None
    assert raw_counts(wh)["facilities"] == 0  # the accepted shrink is what is published now
    inventory = published(wh, "select feed from feed_inventory where year = 2024")["feed"]
    assert "facilities" not in set(inventory)


def test_schools_dropping_by_more_than_the_setting_are_refused(wh, tmp_path, capsys, monkeypatch):
    frames = worked_example.frames()
    kept = frames["schools"]["school_id"].iloc[2:]  # 5 → 3 schools: 40 % fewer
    out = tmp_path / "landing" / "2024"
    out.mkdir(parents=True)
    for feed, df in frames.items():
        df[df["school_id"].isin(kept)].to_csv(out / f"{feed}.csv", index=False)
    before = sha(wh / "published.duckdb")
    assert main(["run", "--landing", str(tmp_path / "landing"), "--year", "2024", "--warehouse", str(wh)]) == 1
    err = capsys.readouterr().err
    assert "schools of 2024 would drop by 40.0% (more than 20%): 5 published, 3 delivered now" in err
    assert sha(wh / "published.duckdb") == before
    monkeypatch.setenv("JUNHENG_MAX_SHRINK", "0.5")  # the setting lets a 40 % drop through
    assert main(["run", "--landing", str(tmp_path / "landing"), "--year", "2024", "--warehouse", str(wh)]) == 0
