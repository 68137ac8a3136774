"""The run's environment: offline switches (no telemetry, no version checks), the dbt manifest
prepared ahead of loading the definitions, and the Dagster instance folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.settings import DBT_PROJECT_DIR, OFFLINE_ENV  # the offline switches' one home is core/settings.py

DAGSTER_YAML = """\
# Written by junheng. No network at run time: telemetry off. One run at a time (DuckDB has one writer).
telemetry:
  enabled: false
concurrency:
  runs:
    max_concurrent_runs: 1
# No newsletter prompt in the UI (it would reach out to the network)
nux:
  enabled: false
"""


def ensure_offline_env() -> None:
    """Switch off telemetry and version checks for this process and the dbt it starts."""
    for k, v in OFFLINE_ENV.items():
        os.environ.setdefault(k, v)


def _dbt_sources_mtime() -> float:
    files = [DBT_PROJECT_DIR / "dbt_project.yml"]
    for sub in ("models", "macros", "seeds", "tests"):
        files += [p for p in (DBT_PROJECT_DIR / sub).rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in files)


def ensure_manifest(force: bool = False) -> Path:
    """dbt's manifest, parsed ahead of loading the definitions (never at import) when missing or
    older than the dbt project's files."""
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    if force or not manifest.exists() or manifest.stat().st_mtime < _dbt_sources_mtime():
        dbt = Path(sys.executable).parent / "dbt"
        cmd = [str(dbt) if dbt.exists() else "dbt", "parse", "--profiles-dir", str(DBT_PROJECT_DIR), "--quiet"]
        subprocess.run(cmd, cwd=DBT_PROJECT_DIR, check=True, env={**os.environ, **OFFLINE_ENV})
    return manifest


def dagster_home(warehouse: Path) -> Path:
    home = Path(os.environ.get("DAGSTER_HOME") or warehouse / "dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "dagster.yaml"
    if not cfg.exists():
        cfg.write_text(DAGSTER_YAML, encoding="utf-8")
    return home


