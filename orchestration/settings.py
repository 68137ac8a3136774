"""Where things live, from the environment, with defaults that make the demo work with no set-up.

JUNHENG_LANDING    landing directory (<landing>/<year>/<feed>.<ext>)   default: <repo>/landing
JUNHENG_WAREHOUSE  warehouse directory: junheng.duckdb (working, one writer) and
                   published.duckdb (what BI tools read)               default: <repo>/warehouse
JUNHENG_RULESET    rule set the CLI's table shows                      default: moe_2017
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
RULESETS = ("moe_2017", "anshan_2018", "basic_2012")
LEVELS = ("primary", "junior")
WORKING_DB = "junheng.duckdb"
PUBLISHED_DB = "published.duckdb"


@dataclass(frozen=True)
class Settings:
    landing: Path
    warehouse: Path
    ruleset: str = "moe_2017"

    @property
    def working_db(self) -> Path:
        return self.warehouse / WORKING_DB

    @property
    def published_db(self) -> Path:
        return self.warehouse / PUBLISHED_DB

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        return cls(
            landing=Path(env.get("JUNHENG_LANDING", REPO_ROOT / "landing")).resolve(),
            warehouse=Path(env.get("JUNHENG_WAREHOUSE", REPO_ROOT / "warehouse")).resolve(),
            ruleset=env.get("JUNHENG_RULESET", "moe_2017"),
        )
