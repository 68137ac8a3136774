"""The rules the generator shapes its numbers by, read from their single homes, never copied.

  feeds, columns, Chinese labels, text columns,      ingestion/contract.py (FEEDS, FEED_SPECS, SCHOOL_TYPES,
  school types, stages, urban-rural codes            STAGES, STAGES_BY_TYPE, URBAN_RURAL_CODES)
  resource floors R1–R7 by level                     dbt_project/seeds/standards.csv, for the rule sets of
                                                     rulesets.csv that judge each school (has_school_rule)
  一贯制 split weights, teaching-point size,          `vars:` of dbt_project/dbt_project.yml
  R4 minus indoor sports
  submitted items and their parts, comparators       dbt_project/seeds/evaluation_items.csv,
                                                     submission_rules.csv
  G3 rooms, G4 school size, G6 small schools,        dbt_project/seeds/item_standards.csv
  G7 special-education funds

Seeds are read by column NAME (csv.DictReader): their column order does not matter and columns the
generator does not use are ignored. A missing column or row is an error, not a silent default.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import yaml

from core.settings import LEVELS
from ingestion.contract import CORE_FEEDS as FEEDS
from ingestion.contract import FEED_SPECS

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_DIR = REPO_ROOT / "dbt_project"
SEEDS_DIR = DBT_DIR / "seeds"

RESOURCE_INDICATORS = ("R1", "R2", "R3", "R4", "R5", "R6", "R7")

# canonical column -> Chinese label, per feed, exactly as the contract writes them; the optional columns
# (`synthetic`, county_submission's `scale`) are not in these maps: `synthetic` keeps its name in every file
LABELS: dict[str, dict[str, str]] = {f: {c.name: c.zh for c in FEED_SPECS[f].columns} for f in FEEDS}
# columns written as text (parquet: string), so identifiers keep their leading zeros
TEXT_COLUMNS: frozenset[str] = frozenset(
    c.name for f in FEEDS for c in FEED_SPECS[f].columns if c.kind in ("text", "enum")
)


@dataclass(frozen=True)
class SubmissionPart:
    """One row of submission_rules.csv: a part of an evaluation item that a county's submission answers."""

    item_code: str  # evaluation item (G11)
    part_code: str  # as the seed writes it (G11A)
    comparator: str  # yes | no | ge | years_before
    threshold: float | None
    scale: str | None

    @property
    def code(self) -> str:
        """The item code as a county writes it (feeds.md): sub-item letters in lower case, G11a."""
        if self.part_code != self.item_code and self.part_code.startswith(self.item_code):
            return self.item_code + self.part_code[len(self.item_code) :].lower()
        return self.part_code


@dataclass(frozen=True)
class Rules:
    floors: dict[str, tuple[float, ...]]  # level -> R1..R7 floor (max over the rule sets with a school rule)
    stage_weights: tuple[float, float, float]  # primary, junior, senior (一贯制 schools)
    complete_weights: tuple[float, float, float]  # 完全中学: (0, junior, senior)
    teaching_point_min_students: int
    items: tuple[tuple[str, str], ...]  # (item_code, source) in the seed's sort_order
    parts: dict[str, tuple[SubmissionPart, ...]]  # item_code -> its parts, in the seed's order
    item_standards: dict[tuple[str, str], float]  # (item_code, parameter) -> value

    def item_standard(self, item_code: str, parameter: str) -> float:
        try:
            return self.item_standards[(item_code, parameter)]
        except KeyError:
            raise KeyError(f"item_standards.csv has no {item_code} / {parameter}") from None


def read_seed(name: str, columns: tuple[str, ...], seeds_dir: Path = SEEDS_DIR) -> list[dict[str, str]]:
    """The rows of seeds/<name>.csv as {column: text}, checking the columns the caller needs exist."""
    path = seeds_dir / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(f"{path} lacks the column(s) {missing}")
        return list(reader)


def read_vars(dbt_dir: Path = DBT_DIR) -> dict:
    """The `vars:` of dbt_project.yml."""
    return yaml.safe_load((dbt_dir / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]


def _floors(seeds_dir: Path) -> dict[str, tuple[float, ...]]:
    rows = read_seed("rulesets", ("ruleset", "has_school_rule"), seeds_dir)
    judged = {r["ruleset"] for r in rows if r["has_school_rule"].strip().lower() == "true"}
    rows = read_seed("standards", ("ruleset", "level", "indicator_code", "threshold"), seeds_dir)
    best: dict[tuple[str, str], float] = {}
    for r in rows:
        key = (r["level"], r["indicator_code"])
        if r["ruleset"] in judged and key[1] in RESOURCE_INDICATORS and r["threshold"].strip():
            best[key] = max(best.get(key, float("-inf")), float(r["threshold"]))
    missing = [k for k in ((lv, i) for lv in LEVELS for i in RESOURCE_INDICATORS) if k not in best]
    if missing:
        raise ValueError(f"standards.csv has no threshold for {missing} (rule sets {sorted(judged)})")
    return {lv: tuple(best[(lv, i)] for i in RESOURCE_INDICATORS) for lv in LEVELS}


def _weights(v: dict) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    if v["split_mode"] == "enrolment":
        return (1.0, 1.0, 1.0), (0.0, 1.0, 1.0)
    if v["split_mode"] != "weighted":
        raise ValueError(f"split_mode must be weighted or enrolment, not {v['split_mode']!r}")
    stage = tuple(float(v[f"split_weight_{s}"]) for s in ("primary", "junior", "senior"))
    complete = (0.0, float(v["split_weight_complete_junior"]), float(v["split_weight_complete_senior"]))
    return stage, complete  # type: ignore[return-value]


def _threshold(text: str) -> float | None:
    return float(text) if text.strip() else None


def _parts(seeds_dir: Path) -> dict[str, tuple[SubmissionPart, ...]]:
    cols = ("item_code", "part_code", "comparator", "threshold", "scale")
    out: dict[str, list[SubmissionPart]] = {}
    for r in read_seed("submission_rules", cols, seeds_dir):
        part = SubmissionPart(r["item_code"], r["part_code"], r["comparator"], _threshold(r["threshold"]),
                              r["scale"].strip() or None)
        out.setdefault(part.item_code, []).append(part)
    return {k: tuple(v) for k, v in out.items()}


def load_rules(dbt_dir: Path = DBT_DIR) -> Rules:
    seeds_dir = dbt_dir / "seeds"
    v = read_vars(dbt_dir)
    stage, complete = _weights(v)
    items = read_seed("evaluation_items", ("item_code", "source", "sort_order"), seeds_dir)
    items.sort(key=lambda r: int(r["sort_order"]))
    standards = read_seed("item_standards", ("item_code", "parameter", "value"), seeds_dir)
    return Rules(
        floors=_floors(seeds_dir),
        stage_weights=stage,
        complete_weights=complete,
        teaching_point_min_students=int(v["teaching_point_min_students"]),
        items=tuple((r["item_code"], r["source"]) for r in items),
        parts=_parts(seeds_dir),
        item_standards={(r["item_code"], r["parameter"]): float(r["value"]) for r in standards},
    )


RULES = load_rules()
