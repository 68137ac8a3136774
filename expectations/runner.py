"""Run a stored Great Expectations suite on a pandas DataFrame (GX 1.x, ephemeral context).

Suites live as JSON in `expectations/suites/<name>.json` in GX's own suite format. We validate
DataFrames, not a DuckDB SQL data source: GX on DuckDB through SQLAlchemy reports false failures
(../shared/notes/stack-facts.md). GX is imported lazily (≈ 3 s), only when a suite runs.

The pipeline's checks run the same suites inside DuckDB (`expectations.sql_runner`, GX's semantics,
no rows copied to pandas); this module is the reference those semantics are tested against, and
validates frames that only exist in pandas.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

SUITES_DIR = Path(__file__).resolve().parent / "suites"


@dataclass
class ExpectationFailure:
    expectation: str
    column: str | None
    unexpected_count: int | None
    examples: list[str]

    def __str__(self) -> str:
        where = f" on {self.column}" if self.column else ""
        ex = f"; e.g. {', '.join(self.examples)}" if self.examples else ""
        n = f": {self.unexpected_count} row(s)" if self.unexpected_count is not None else ""
        return f"{self.expectation}{where}{n}{ex}"


@dataclass
class SuiteResult:
    suite: str
    success: bool
    evaluated: int
    failures: list[ExpectationFailure] = field(default_factory=list)
    rows: int | None = None  # rows validated

    def summary(self) -> str:
        if self.success:
            return f"{self.suite}: {self.evaluated} expectation(s) passed"
        return f"{self.suite}: " + "; ".join(str(f) for f in self.failures)


def suite_names() -> list[str]:
    return sorted(p.stem for p in SUITES_DIR.glob("*.json"))


def load_suite_definition(name: str) -> dict:
    path = SUITES_DIR / f"{name}.json"
    if not path.exists():
        raise FileNotFoundError(f"no expectation suite {name!r} in {SUITES_DIR}")
    return json.loads(path.read_text(encoding="utf-8"))


def suite_columns(name: str) -> list[str]:
    """Every column the suite names, in first-mention order (to read only those)."""
    cols: list[str] = []
    for e in load_suite_definition(name)["expectations"]:
        kw = e.get("kwargs", {})
        for c in [kw.get("column"), *(kw.get("column_list") or []), *(kw.get("column_set") or [])]:
            if c and c not in cols:
                cols.append(c)
    return cols


@lru_cache(maxsize=1)
def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_definition = (ctx.data_sources.add_pandas("junheng")
                        .add_dataframe_asset("frame")
                        .add_batch_definition_whole_dataframe("whole"))
    return ctx, batch_definition


def validate_frame(name: str, df: pd.DataFrame, key: list[str] | tuple[str, ...] | None = None,
                   id_columns: list[str] | None = None) -> SuiteResult:
    """Validate `df` against suite `name`; failures name the expectation, column and example rows.

    `key` is the table's key, declared with the table (a feed's in ingestion/contract.py, a published
    table's grain in the mart YAML), never in the suite: its uniqueness is expected here, and failing
    rows are named by it (or by `id_columns`)."""
    import great_expectations as gx

    definition = load_suite_definition(name)
    expectations = list(definition["expectations"])
    if key:
        expectations.append({"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": list(key)}})
        id_columns = id_columns or list(key)
    suite = gx.ExpectationSuite(name=definition["name"], expectations=expectations)
    _, batch_definition = _context()
    frame = df.reset_index(drop=True)
    result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(suite)
    failures = []
    for r in result.results:
        if r.success:
            continue
        kwargs = r.expectation_config.kwargs
        index = (r.result or {}).get("partial_unexpected_index_list") or []
        examples = []
        for i in index[:5]:
            if isinstance(i, int) and id_columns and i < len(frame):
                examples.append("/".join(str(frame.at[i, c]) for c in id_columns))
            else:
                examples.append(str(i))
        failures.append(ExpectationFailure(
            expectation=r.expectation_config.type,
            column=kwargs.get("column") or ",".join(kwargs.get("column_list", []) or []) or None,
            unexpected_count=(r.result or {}).get("unexpected_count"),
            examples=examples,
        ))
    return SuiteResult(suite=name, success=bool(result.success), evaluated=len(result.results), failures=failures,
                       rows=len(frame))
