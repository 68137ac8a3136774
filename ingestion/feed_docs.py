"""The feed contract as people read it: `docs/feeds.md` and an empty template per feed, both made
from `ingestion/contract.py`, so the page a county clerk fills a file from cannot drift from what the
pipeline checks (tests/unit/test_feed_docs.py compares them).

    python -m ingestion.feed_docs > docs/feeds.md
    python -m ingestion.feed_docs --templates docs/feed-templates

A template is the feed's header row in Chinese (every contract column but the generator's
`synthetic` flag), UTF-8 with a byte-order mark so Excel opens it as Chinese; the pipeline reads
Chinese or canonical headers alike.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ingestion import contract
from ingestion.contract import FEED_SPECS, MAX_COUNT, Column, Feed

KIND_NAMES = {"text": "text", "int": "whole number", "num": "number", "bool": "yes/no", "enum": "code"}
# Checks on a whole row or a whole file, by feed (validate.py: row_rules and the feed-specific rules);
# each named by the rule a quarantined row carries.
ROW_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "schools": (
        ("teaching_point_without_parent", "a 小学教学点 without `parent_school_id`"),
        ("parent_not_found", "a `parent_school_id` that is no primary or 一贯制 school of the same county in the file"),
    ),
    "enrollment": (
        ("stage_for_type", "a stage the school's type cannot have (a 小学 with 初中 pupils)"),
        ("stage_missing", "a 一贯制 school with one of its stages absent (all its rows in the feed; an empty "
                          "stage is a row with 0)"),
        ("class_counts_inconsistent", "more classes over 45 than classes, or more over 50 than over 45"),
        ("no_classes", "pupils but 0 classes"),
        ("exceeds_students", "entrants, final-grade or migrant pupils more than the pupils"),
    ),
    "teachers": (
        ("stage_for_type", "a stage the school's type cannot have"),
        ("stage_missing", "a 一贯制 school with one of its stages absent"),
        ("qualification_parts_sum", "the four qualification columns do not add up to `full_time_teachers`"),
        ("subject_teachers_exceed_total", "PE + music + art teachers more than the full-time teachers"),
        ("exceeds_full_time_teachers", "titled, backbone, certified or trained teachers more than the "
                                       "full-time teachers"),
    ),
    "facilities": (
        ("part_exceeds_total", "`indoor_sports_area_m2` more than `teaching_aux_area_m2`, of which it is a part"),
    ),
}
FILE_RULES = (
    ("encoding", "a CSV in neither UTF-8 nor GB18030 (the byte and its line are named)"),
    ("csv_syntax", "a CSV that does not parse (an unclosed quote; the line is named)"),
    ("unreadable_xlsx", "an xlsx that is not one"),
    ("missing_column", "a key or must-have column absent from the header"),
    ("duplicate_feed_file", "two files for one feed (`schools.csv` and `schools.xlsx`)"),
    ("unsupported_format", "a feed in a format not accepted (`schools.xls`)"),
    ("wrong_type", "a numeric column in which no value is a number (a shifted column)"),
    ("no_rows", "a header and no row"),
)


def column_rules(feed: Feed, col: Column) -> list[tuple[str, str]]:
    """The rules a cell of `col` is checked by (validate.py: column_rules), each with what breaks it."""
    out: list[tuple[str, str]] = []
    if col.required or col.name in feed.key:
        out.append(("required", "blank"))
    if col.kind in ("int", "num"):
        out.append(("not_a_number", "not a number (full-width digits and 1,234 are numbers)"))
    if col.kind == "int":
        out.append(("not_an_integer", "not a whole number"))
        out.append(("out_of_range", f"more than {MAX_COUNT:,}"))
    if col.min_value is not None:
        if col.min_exclusive:
            out.append(("not_positive", f"≤ {col.min_value:g}"))
        else:
            out.append(("negative", f"< {col.min_value:g}"))
    if col.kind == "bool":
        out.append(("not_a_boolean", "not one of " + "/".join(contract.TRUE_VALUES[:4]) + " or "
                    + "/".join(contract.FALSE_VALUES[:4]) + " (是/否 too)"))
    if col.kind == "enum":
        out.append(("invalid_value", "not one of the accepted values"))
    if col.kind == "text" and col.pattern:
        out.append(("format", f"does not match `{col.pattern}`"))
    return out


def _accepted(col: Column) -> str:
    if col.kind != "enum":
        return ""
    spellings = contract.enum_spellings(col)
    parts = []
    for code in col.values:
        also = [s for s in spellings.get(code, ()) if s != code]
        parts.append(f"`{code}`" + (f" ({', '.join(also)})" if also else ""))
    return "; ".join(parts)


def _presence(feed: Feed, col: Column) -> str:
    if col.name in feed.key:
        return "key: the column and a value in every row"
    if col.name in feed.must_have:
        return "the column must be there" + ("; a value in every row" if col.required else "")
    if col == contract.SYNTHETIC:
        return "optional column (set by the demo's generator)"
    if col in feed.optional_columns:
        return "optional column"
    return "a value in every row" if col.required else "may be blank (unknown, never zero)"


def template_columns(feed: Feed) -> list[Column]:
    """The columns of a feed's template: every contract column but the generator's `synthetic` flag."""
    return [c for c in feed.all_columns if c.name != contract.SYNTHETIC.name]


def render() -> str:
    out = [
        "# The feed contract",
        "",
        "<!-- Generated by `python -m ingestion.feed_docs > docs/feeds.md` from `ingestion/contract.py`;",
        "     tests/unit/test_feed_docs.py fails when the two differ. Do not edit by hand. -->",
        "",
        "What a county or city delivers each year, file by file: the landing folder holds",
        "`<landing>/<year>/<feed>.<csv|xlsx|parquet>`. An empty template of each feed, its header in",
        "Chinese, is in `docs/feed-templates/<feed>.csv` (UTF-8 with a byte-order mark: Excel opens it as",
        "Chinese). Headers may be the canonical names or the Chinese labels below (full-width characters,",
        "spaces and case do not matter); CSV may be UTF-8, UTF-8 with a byte-order mark or GB18030.",
        "",
        "What bad input gets:",
        "",
        "- **A file that cannot be read** is refused: the run stops before anything is written, naming the",
        "  file and the rule. " + "; ".join(f"`{r}`: {d}" for r, d in FILE_RULES) + ".",
        "- **A row that breaks a rule** is quarantined: kept in `quarantine_<feed>` with its file, row (as a",
        "  spreadsheet numbers it: the header is row 1), column and rule, left out of every figure; its",
        "  county is `incomplete` (it would be judged over a shortened school list) and the others are",
        "  untouched. The rules of each column are in its row below; rows are also checked for",
        "  `duplicate_key` (every copy held back), `orphan_school_id` (a school the year's `schools` file",
        "  lacks), `unknown_county` (a county it lacks) and `field_count` (a row with more cells than the",
        "  header), and by the feed's own rules.",
        "- **A blank optional cell** is unknown, never zero: what needs it is unknown, and a level is never",
        "  `ready` on unknown values.",
        "- **An implausible value** (over 120 pupils a class, over 200 m² a pupil, over 1,000,000 yuan of",
        "  equipment a pupil) is kept and flagged in `feed_flags`; a school with no pupils is a notice.",
        "- **A feed or a year gone** is refused as a shrink unless the run accepts it (`--accept-shrink`).",
        "",
        "The whole list, with the test that proves each, is `docs/reliability.md`.",
        "",
    ]
    for feed in FEED_SPECS.values():
        out += [f"## `{feed.name}` · {feed.zh}", ""]
        key = ", ".join(f"`{k}`" for k in feed.key)
        kind = "Optional feed: when it is absent its documented default applies." if feed.optional else \
            "Delivered every year."
        out += [f"{kind} One row per {key}.", ""]
        out += ["| column | 中文表头 | type | presence | accepted values | quarantined when (rule) |",
                "|---|---|---|---|---|---|"]
        for col in feed.all_columns:
            rules = "; ".join(f"{d} (`{r}`)" for r, d in column_rules(feed, col)) or "—"
            out.append(f"| `{col.name}` | {col.zh} | {KIND_NAMES[col.kind]} | {_presence(feed, col)} | "
                       f"{_accepted(col) or '—'} | {rules} |")
        own = ROW_RULES.get(feed.name, ())
        if own:
            out += ["", "Rows are also quarantined for: " + "; ".join(f"{d} (`{r}`)" for r, d in own) + "."]
        out.append("")
    return "\n".join(out)


def template_csv(feed: Feed) -> bytes:
    """The feed's empty template: its Chinese header, UTF-8 with a byte-order mark."""
    return ("\ufeff" + ",".join(c.zh for c in template_columns(feed)) + "\r\n").encode("utf-8")


def write_templates(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for feed in FEED_SPECS.values():
        path = folder / f"{feed.name}.csv"
        path.write_bytes(template_csv(feed))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingestion.feed_docs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--templates", type=Path, help="write the empty templates into this folder instead")
    args = parser.parse_args(argv)
    if args.templates:
        for path in write_templates(args.templates):
            print(path)
    else:
        sys.stdout.write(render() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
