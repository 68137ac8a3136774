"""The dbt unit tests (`unit_tests:` in the models' YAML: the 一贯制 split, teaching points, the
indicator arithmetic, the 6-of-7 rule...) check the models' logic on given rows. They run here, once
per test run, and not in every pipeline run: the runs' `dbt build` excludes them
(orchestration/assets/dbt.py RUN_EXCLUDE), as dbt advises for production builds."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from core.settings import DBT_PROJECT_DIR
from orchestration.assets.dbt import dbt_env
from orchestration.environment import OFFLINE_ENV
from tests.integration.helpers import copy_published


def test_every_dbt_unit_test_passes(worked_example_published, tmp_path, dbt_manifest):
    _, wh = copy_published(worked_example_published, tmp_path)  # the models' relations exist there
    target = tmp_path / "target"
    target.mkdir()
    kept = DBT_PROJECT_DIR / "target" / "partial_parse.msgpack"
    if kept.exists():
        shutil.copyfile(kept, target / "partial_parse.msgpack")
    env = {**os.environ, **OFFLINE_ENV, **dbt_env(None, wh)}
    proc = subprocess.run([str(Path(sys.executable).parent / "dbt"), "test", "--select", "test_type:unit",
                           "--profiles-dir", ".", "--target-path", str(target), "--log-path", str(tmp_path / "logs")],
                          cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:]
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))
    declared = set(manifest["unit_tests"])
    assert len(declared) >= 6
    assert {r["unique_id"] for r in results if r["status"] == "pass"} == declared


def test_a_runs_dbt_build_runs_models_and_tests_but_no_unit_test(worked_example_published):
    """What dbt itself reported running in the worked example's `junheng run` (its log in
    <warehouse>/logs): models, seeds and data tests, and not one unit test."""
    _, wh = worked_example_published
    logs = list((wh / "logs").glob("run-*.log"))
    assert logs, "the run keeps its log"
    text = "\n".join(p.read_text(encoding="utf-8") for p in logs)
    assert " START sql table model " in text and " START test " in text and " START seed " in text
    assert " START unit_test " not in text
