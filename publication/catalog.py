"""The published tables, declared once: in `dbt_project/models/marts/_marts.yml`, each published
model carries

    config:
      contract: {enforced: true}
      meta:
        junheng: {published: true, grain: [year, ruleset, ...], suite: <expectations/suites/NAME.json>}

and its grain is the same YAML list its uniqueness test uses. Publication (what is copied), the
blocking checks (which suite, which key names a failing row) and the data dictionary all read this.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from core.settings import DBT_PROJECT_DIR

MARTS_YAML = DBT_PROJECT_DIR / "models" / "marts" / "_marts.yml"


@dataclass(frozen=True)
class PublishedTable:
    name: str
    grain: tuple[str, ...]
    suite: str
    description: str
    columns: tuple[tuple[str, str], ...]  # (name, description), in the model's order


@lru_cache(maxsize=1)
def published_tables() -> tuple[PublishedTable, ...]:
    """Every published model, in the YAML's order."""
    import yaml  # ~20 ms; read once per process

    doc = yaml.safe_load(MARTS_YAML.read_text(encoding="utf-8"))
    out = []
    for model in doc["models"]:
        meta = ((model.get("config") or {}).get("meta") or {}).get("junheng") or {}
        if not meta.get("published"):
            continue
        if not meta.get("grain") or not meta.get("suite"):
            raise ValueError(f"{MARTS_YAML}: published model {model['name']} needs meta.junheng.grain and .suite")
        out.append(PublishedTable(
            name=model["name"],
            grain=tuple(meta["grain"]),
            suite=meta["suite"],
            description=(model.get("description") or "").strip(),
            columns=tuple((c["name"], (c.get("description") or "").strip()) for c in model.get("columns", [])),
        ))
    if not out:
        raise ValueError(f"{MARTS_YAML}: no model has meta.junheng.published: true")
    return tuple(out)


def published_table_names() -> tuple[str, ...]:
    return tuple(t.name for t in published_tables())
