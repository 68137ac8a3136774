"""The published tables, declared once: in the marts' YAML (`dbt_project/models/marts/_marts.yml`, and
`timeline/_timeline.yml` for the tables across years), each published model carries

    config:
      contract: {enforced: true}
      meta:
        junheng: {published: true, grain: [year, ruleset, ...], suite: <expectations/suites/NAME.json>}

and its grain is the same YAML list its uniqueness test uses. `across_years: true` marks a table
rebuilt whole from every year held (the timetable): it is published whole, not year by year. Publication (what is copied), the
blocking checks (which suite, which key names a failing row) and the data dictionary all read this.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from core.settings import DBT_PROJECT_DIR

MARTS_YAML = DBT_PROJECT_DIR / "models" / "marts" / "_marts.yml"
TIMELINE_YAML = DBT_PROJECT_DIR / "models" / "marts" / "timeline" / "_timeline.yml"


@dataclass(frozen=True)
class PublishedTable:
    name: str
    grain: tuple[str, ...]
    suite: str
    description: str
    columns: tuple[tuple[str, str], ...]  # (name, description), in the model's order
    across_years: bool = False  # rebuilt whole from every year held; has no year to publish by


@lru_cache(maxsize=1)
def published_tables() -> tuple[PublishedTable, ...]:
    """Every published model, in the YAMLs' order (the yearly marts, then the timetable)."""
    import yaml  # ~20 ms; read once per process

    models = [m for path in (MARTS_YAML, TIMELINE_YAML)
              for m in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]]
    out = []
    for model in models:
        meta = ((model.get("config") or {}).get("meta") or {}).get("junheng") or {}
        if not meta.get("published"):
            continue
        if not meta.get("grain") or not meta.get("suite"):
            raise ValueError(f"{MARTS_YAML.parent}: published model {model['name']} needs meta.junheng.grain and .suite")
        out.append(PublishedTable(
            name=model["name"],
            grain=tuple(meta["grain"]),
            suite=meta["suite"],
            description=(model.get("description") or "").strip(),
            columns=tuple((c["name"], (c.get("description") or "").strip()) for c in model.get("columns", [])),
            across_years=bool(meta.get("across_years")),
        ))
    if not out:
        raise ValueError(f"{MARTS_YAML.parent}: no model has meta.junheng.published: true")
    return tuple(out)


def published_table_names() -> tuple[str, ...]:
    return tuple(t.name for t in published_tables())


def across_years_table_names() -> frozenset[str]:
    """The published tables rebuilt whole from every year held (published whole)."""
    return frozenset(t.name for t in published_tables() if t.across_years)
