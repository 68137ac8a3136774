"""The run's environment: offline switches (no telemetry, no version checks), the dbt manifest
prepared ahead of loading the definitions, and the Dagster instance folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from core.settings import DBT_PROJECT_DIR, OFFLINE_ENV  # the offline switches' one home is core/settings.py

YAML_HEADER = "# Written by junheng."
_TEMPLATE = f"""\
{YAML_HEADER} No network at run time: telemetry off. One run at a time (DuckDB has one writer).
telemetry:
  enabled: false
concurrency:
  runs:
    max_concurrent_runs: 1
# No newsletter prompt in the UI (it would reach out to the network)
nux:
  enabled: false
# Dagster's SQLite storage with the event log's connections kept (orchestration/storage.py)
storage:
  custom:
    module: orchestration.storage
    class: JunhengSqliteStorage
    config:
      base_dir: {{base_dir}}
"""


def instance_yaml(home: Path | None = None) -> str:
    """The instance's dagster.yaml: its storage under `home` (absolute), or under $DAGSTER_HOME when None
    (orchestration/dagster.yaml, which `make ui` copies and runs with DAGSTER_HOME set)."""
    base_dir = "{env: DAGSTER_HOME}" if home is None else json.dumps(str(Path(home).resolve()))
    return _TEMPLATE.format(base_dir=base_dir)


DAGSTER_YAML = instance_yaml(None)  # for a process started with DAGSTER_HOME set (the UI, the daemon)


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
    wanted = instance_yaml(home)
    # Written when missing, and rewritten when junheng wrote it (an older version's file): a user's own
    # dagster.yaml (another header) is left alone.
    current = cfg.read_text(encoding="utf-8") if cfg.exists() else None
    if current is None or (current.startswith(YAML_HEADER) and current != wanted):
        cfg.write_text(wanted, encoding="utf-8")
    return home


if __name__ == "__main__":  # `python -m orchestration.environment HOME`: write HOME/dagster.yaml (make ui)
    dagster_home(Path(sys.argv[1]))


