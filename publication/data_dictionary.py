"""Render the data dictionary of the published tables (docs/data-dictionary.md) from the dbt model
YAML, where every column is described once, in English with the Chinese term, and each published
table is declared (publication/catalog.py): its grain is printed with it.

    python -m publication.data_dictionary > docs/data-dictionary.md
"""

from __future__ import annotations

from pathlib import Path

from core.settings import RULESETS
from publication.catalog import published_tables
from publication.publish import COUNTY_INVENTORY_TABLE, INVENTORY_TABLE, LOG_TABLE

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
        "feed": "Feed name (README, \"The feed contract\") · 数据文件",
        "rows_delivered": "Data rows the feed delivered for the year · 交付行数",
        "students": "enrollment only: pupils evaluated — valid rows of schools that passed the contract, every "
                    "stage · 参与评估的在校生数 (NULL for other feeds)",
        "source_file": "The file, relative to the landing folder · 来源文件",
        "source_sha256": "The file's content hash (SHA-256) as it was loaded: the landing sensor runs a year again "
                         "only when a file's hash differs from it · 文件哈希",
    },
}


COUNTY_INVENTORY = {
    "description": "发布所用各县评估规模 — one row per published year × county: the schools and pupils its verdicts "
                   "were computed over. A re-run whose county would vanish, or whose evaluated schools or pupils "
                   "would drop by more than JUNHENG_MAX_SHRINK, is refused unless accepted.",
    "columns": {
        "year": "School year · 学年",
        "county_code": "County code · 县级单位代码",
        "schools_evaluated": "Schools and teaching points of the county that passed the feed contract · 参与评估的学校数",
        "students_evaluated": "Their pupils: valid enrollment rows, every stage; NULL without enrollment · 参与评估的在校生数",
    },
}


def render() -> str:
    lines = [
        "# Data dictionary: the published tables",
        "",
        "Rendered from `dbt_project/models/marts/_marts.yml` by `python -m publication.data_dictionary`",
        "(a test keeps this file in step). The tables live in `<warehouse>/published.duckdb`.",
        "",
        "Codes: `level` = `primary` (小学) / `junior` (初中); `ruleset` = "
        + " / ".join(f"`{r}`" for r in RULESETS) + " (`dbt_project/seeds/rulesets.csv`); `status` = `ready` / "
        "`not_ready` / `incomplete` (county) or `pass` / `fail` / `unknown` (item); `county_code` and `school_id` are text.",
        "",
    ]
    for t in published_tables():
        lines += [f"## `{t.name}`", "", t.description, "",
                  "One row per " + " × ".join(f"`{c}`" for c in t.grain) + ".", "",
                  "| column | meaning |", "|---|---|"]
        lines += [f"| `{name}` | {meaning} |" for name, meaning in t.columns]
        lines.append("")
    for table, doc in ((LOG_TABLE, PUBLICATION_LOG), (INVENTORY_TABLE, FEED_INVENTORY),
                       (COUNTY_INVENTORY_TABLE, COUNTY_INVENTORY)):
        lines += [f"## `{table}`", "", doc["description"], "", "| column | meaning |", "|---|---|"]
        lines += [f"| `{k}` | {v} |" for k, v in doc["columns"].items()]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(render(), end="")
