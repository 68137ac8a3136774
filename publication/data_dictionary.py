"""Render the data dictionary of the published tables (docs/data-dictionary.md) from the dbt model
YAML, where every column is described once, in English with the Chinese term.

    python -m publication.data_dictionary > docs/data-dictionary.md
"""

from __future__ import annotations

from pathlib import Path

import yaml

from core.settings import DBT_PROJECT_DIR, RULESETS
from publication.publish import INVENTORY_TABLE, LOG_TABLE, PUBLISHED_TABLES

MARTS_YAML = DBT_PROJECT_DIR / "models" / "marts" / "_marts.yml"
DICTIONARY_MD = Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md"

PUBLICATION_LOG = {
    "description": "发布记录 — one row per publication of published.duckdb.",
    "columns": {
        "published_at": "When the file was replaced (UTC) · 发布时间",
        "run_id": "The Dagster run that published · 运行编号",
        "years": "Years this publication replaced (comma-separated) · 发布学年",
        "row_counts": "Rows per published table for those years (JSON) · 各表行数",
        "rows_total": "Sum of row_counts · 总行数",
        "checks_passed": "Checks of the run, all passed (otherwise nothing is published) · 通过检查数",
        "checks": "The checks, asset:check · 检查清单",
        "accepted_shrink": "What this publication was allowed to lose (a feed gone, schools or pupils down by more "
                           "than JUNHENG_MAX_SHRINK) and the run that accepted it with --accept-shrink; NULL when "
                           "nothing shrank · 确认的缩减",
    },
}
FEED_INVENTORY = {
    "description": "发布所用数据清单 — one row per published year × feed delivered: what the year's verdicts were "
                   "computed from. A re-run is compared with it before it may replace the year.",
    "columns": {
        "year": "School year · 学年",
        "feed": "Feed name (../shared/spec/feeds.md) · 数据文件",
        "rows_delivered": "Data rows the feed delivered for the year · 交付行数",
        "students": "enrollment only: pupils over every row and stage · 在校生数 (NULL for other feeds)",
        "source_file": "The file, relative to the landing folder · 来源文件",
    },
}


def published_models() -> dict[str, dict]:
    doc = yaml.safe_load(MARTS_YAML.read_text(encoding="utf-8"))
    return {m["name"]: m for m in doc["models"] if m["name"] in PUBLISHED_TABLES}


def render() -> str:
    models = published_models()
    lines = [
        "# Data dictionary: the published tables",
        "",
        "Rendered from `dbt_project/models/marts/_marts.yml` by `python -m publication.data_dictionary`",
        "(a test keeps this file in step). The tables live in `<warehouse>/published.duckdb`.",
        "",
        "Codes: `level` = `primary` (小学) / `junior` (初中); `ruleset` = "
        + " / ".join(f"`{r}`" for r in RULESETS) + " (`dbt_project/seeds/rulesets.csv`); `status` = `ready` / `not_ready` / `incomplete` (county) or `pass` / `fail` / `unknown` "
        "(item); `county_code` and `school_id` are text.",
        "",
    ]
    for name in PUBLISHED_TABLES:
        m = models[name]
        lines += [f"## `{name}`", "", m.get("description", "").strip(), "", "| column | meaning |", "|---|---|"]
        lines += [f"| `{c['name']}` | {c.get('description', '').strip()} |" for c in m.get("columns", [])]
        lines.append("")
    for table, doc in ((LOG_TABLE, PUBLICATION_LOG), (INVENTORY_TABLE, FEED_INVENTORY)):
        lines += [f"## `{table}`", "", doc["description"], "", "| column | meaning |", "|---|---|"]
        lines += [f"| `{k}` | {v} |" for k, v in doc["columns"].items()]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(render(), end="")
