"""Where things live, from the environment, with defaults that make the demo work with no set-up.

JUNHENG_LANDING    landing directory (<landing>/<year>/<feed>.<ext>)   default: <repo>/landing
JUNHENG_WAREHOUSE  warehouse directory: junheng.duckdb (working, one writer) and
                   published.duckdb (what BI tools read)               default: <repo>/warehouse
JUNHENG_RULESET    rule set the CLI's table shows   default: the seed's is_default row

The rule sets themselves live in one place, `dbt_project/seeds/rulesets.csv`; this module reads it.
"""

from __future__ import annotations

import csv
import functools
import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
RULESETS_SEED = DBT_PROJECT_DIR / "seeds" / "rulesets.csv"


def _read_rulesets() -> tuple[tuple[str, ...], str]:
    with open(RULESETS_SEED, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    names = tuple(r["ruleset"] for r in rows)
    defaults = [r["ruleset"] for r in rows if r.get("is_default", "").strip().lower() == "true"]
    if len(defaults) != 1:
        raise ValueError(f"{RULESETS_SEED}: exactly one rule set must have is_default = true, found {defaults}")
    return names, defaults[0]


RULESETS, DEFAULT_RULESET = _read_rulesets()


@functools.lru_cache(maxsize=4)
def _dbt_vars(path: Path, mtime_ns: int) -> dict:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))["vars"]


def dbt_var(name: str):
    """A method setting from the `vars:` of dbt_project.yml (their one home; Python steps read them here).
    The file is parsed once per version of it (≈ 25 ms a parse: the reports read the school rule's two
    vars for every county page)."""
    path = DBT_PROJECT_DIR / "dbt_project.yml"
    return _dbt_vars(path, path.stat().st_mtime_ns)[name]


@dataclass(frozen=True)
class SchoolRule:
    """The school rule (学校达标): at least `min_passing` indicators reach their threshold and every
    other reaches `floor_ratio` of it."""

    min_passing: int
    floor_ratio: float


def school_rule() -> SchoolRule:
    """The school rule's parameters, the dbt vars school_rule_min_passing (6) and school_rule_floor_ratio
    (0.85): what dbt judges with, the planner plans with and the reports print."""
    return SchoolRule(int(dbt_var("school_rule_min_passing")), float(dbt_var("school_rule_floor_ratio")))


def duckdb_memory_limit(env_name: str, default: str, env: dict[str, str] | None = None) -> str:
    """A DuckDB memory_limit from the setting `env_name` ('1GB', '512MB'; `default` when unset); a value
    that is no size is refused, naming the setting, before anything is written."""
    import os
    import re

    value = (os.environ if env is None else env).get(env_name, "").strip() or default
    if not re.fullmatch(r"\d+(\.\d+)?\s*([KMGT]i?B|B)", value, flags=re.IGNORECASE):
        raise ValueError(f"{env_name}={value!r} is not a size such as 1GB or 512MB")
    return value


# dbt's DuckDB memory_limit (dbt_project/profiles.yml repeats the default for a plain `dbt build`)
DBT_MEMORY_ENV = "JUNHENG_DBT_MEMORY_LIMIT"
DBT_MEMORY_DEFAULT = "2GB"

LEVELS = ("primary", "junior")
WORKING_DB = "junheng.duckdb"
PUBLISHED_DB = "published.duckdb"

# Offline: no telemetry, analytics or version checks from dbt, Dagster or Great Expectations. The CLI sets
# them for itself and the dbt it starts (orchestration/environment.py), as do the tests and the benchmark;
# the Makefile and .env.example repeat them for the shells that start Dagster's UI and daemon.
OFFLINE_ENV = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "DO_NOT_TRACK": "1",
    "DAGSTER_DISABLE_TELEMETRY": "1",
    "GX_ANALYTICS_ENABLED": "False",
}


@dataclass(frozen=True)
class Settings:
    landing: Path
    warehouse: Path
    ruleset: str = DEFAULT_RULESET

    @property
    def working_db(self) -> Path:
        return self.warehouse / WORKING_DB

    @property
    def published_db(self) -> Path:
        return self.warehouse / PUBLISHED_DB

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, *, landing: str | Path | None = None,
                 warehouse: str | Path | None = None, ruleset: str | None = None) -> Settings:
        """The settings of the environment; a value given here (a CLI option) wins over its variable.
        Paths leave here absolute, in the one form every later step passes on (a directory)."""
        env = dict(os.environ if env is None else env)
        return cls(
            landing=Path(landing or env.get("JUNHENG_LANDING", REPO_ROOT / "landing")).resolve(),
            warehouse=Path(warehouse or env.get("JUNHENG_WAREHOUSE", REPO_ROOT / "warehouse")).resolve(),
            ruleset=ruleset or env.get("JUNHENG_RULESET", DEFAULT_RULESET),
        )
