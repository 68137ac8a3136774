"""Run a stored Great Expectations suite inside DuckDB, with GX's pandas semantics.

The suites stay in GX's own JSON format (`expectations/suites/<name>.json`); `expectations.runner`
validates a pandas DataFrame with GX itself. At national scale that means reading millions of rows into
pandas (`fct_school_unit_indicators`: ≈ 4.5M rows a year, ≈ 50 s and ≈ 5 GB), so the big tables are
validated here instead: every expectation becomes a SQL condition on the table, counted in DuckDB; only
counts and at most 5 example rows per failing expectation come back to Python. GX's own SQL data source
is not an option on DuckDB (it reports false failures: ../shared/notes/stack-facts.md).

The result is the `SuiteResult` of `expectations.runner`, with the same summary. The semantics are GX's
on pandas (GX 1.24, read in its source and pinned by tests/unit/test_sql_runner.py, which runs every
suite through both engines on the same rows), so a table passes here exactly when the DataFrame holding
its rows passes `validate_frame`:

- *missing* means NULL, or NaN in a FLOAT/DOUBLE column (pandas' `isnull`; DuckDB keeps NaN as a value);
- column map expectations (in set, between, regex) ignore missing values: they are neither unexpected
  nor counted in `mostly`'s denominator; `expect_column_values_to_not_be_null` counts every row;
- `expect_column_values_to_be_between`: inclusive unless `strict_min` / `strict_max`, either bound may
  be null (not both);
- `expect_column_values_to_be_in_set`: pandas' `isin` — a string only equals a string, a number or a
  boolean a number or a boolean (True == 1);
- `expect_column_values_to_match_regex`: a *search* (pandas `str.contains`, Python `re`) on the value as
  text. DuckDB's `regexp_matches` also searches, but with RE2, whose `\\d`, `\\w`, `\\s` are ASCII and
  whose `$` does not match before a final newline: `python_regex_to_re2` rewrites them to Python's
  meaning (a full-width ０-９ is a `\\d` in both);
- `expect_column_pair_values_a_to_be_greater_than_b`: `ignore_row_if` defaults to
  "both_values_are_missing"; a row with one value missing is unexpected;
- `expect_compound_columns_to_be_unique` (added from `key`): every row whose key combination occurs more
  than once is unexpected; `ignore_row_if` defaults to "all_values_are_missing" — GX does NOT skip a row
  with only some key columns missing, and two missing values count as equal (pandas `duplicated`);
- `mostly` as GX: success when (considered − unexpected) / considered ≥ mostly, vacuously true on no
  considered rows;
- an expectation on a column the table lacks, or a comparison the column's type cannot make (between
  on text), fails with no count, as GX reports an expectation that raised.

An expectation type, or a keyword argument, this module does not implement raises
`UnsupportedExpectation`: a suite never passes on a check that was not run.

Examples are named by `id_columns` (default: the key) joined with '/': the first rows in the relation's
order for column expectations (as GX lists the first indexes of the frame), and for duplicates the
first duplicated rows in key order. Without id columns an example is the offending value(s) — a table
has no index to name.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from expectations.runner import ExpectationFailure, SuiteResult, load_suite_definition

EXAMPLES = 5

# keyword arguments that only shape GX's output, never the verdict
_OUTPUT_KWARGS = {"result_format", "catch_exceptions", "include_config"}
_SUPPORTED_KWARGS = {
    "expect_table_columns_to_match_set": {"column_set", "exact_match"},
    "expect_column_values_to_not_be_null": {"column", "mostly"},
    "expect_column_values_to_be_in_set": {"column", "value_set", "mostly"},
    "expect_column_values_to_be_between": {"column", "min_value", "max_value", "strict_min", "strict_max",
                                           "mostly"},
    "expect_column_values_to_match_regex": {"column", "regex", "mostly"},
    "expect_column_pair_values_a_to_be_greater_than_b": {"column_A", "column_B", "or_equal", "ignore_row_if",
                                                         "mostly"},
    "expect_compound_columns_to_be_unique": {"column_list", "ignore_row_if", "mostly"},
}
SUPPORTED_TYPES = frozenset(_SUPPORTED_KWARGS)

_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                  "UBIGINT", "UHUGEINT"}
_FLOAT_TYPES = {"FLOAT", "DOUBLE"}
_TEXT_TYPES = {"VARCHAR"}


class UnsupportedExpectation(NotImplementedError):
    """The suite asks for something this runner does not evaluate (it must not pass silently)."""


def _family(duck_type: str) -> str:
    t = duck_type.upper()
    if t in _INTEGER_TYPES or t.startswith("DECIMAL"):
        return "number"
    if t in _FLOAT_TYPES:
        return "float"
    if t in _TEXT_TYPES:
        return "text"
    if t == "BOOLEAN":
        return "boolean"
    return "other"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UnsupportedExpectation(f"non-finite bound {value!r}")
        return f"{value!r}::DOUBLE"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise UnsupportedExpectation(f"a value of type {type(value).__name__} ({value!r})")


# ---------------------------------------------------------------------------------------------------
# Python `re` → RE2 (DuckDB's regexp_matches)

_PY_SPACE = r"\t\n\x0b\f\r\x{1c}-\x{1f}\x{85}\p{Z}"  # str.isspace(): ASCII + \x1c-\x1f, NEL, Unicode Z*
_PY_WORD = r"\p{L}\p{N}_"
_PY_DIGIT = r"\p{Nd}"


def python_regex_to_re2(pattern: str) -> str:
    """Rewrite a Python regular expression (str pattern, no flags) so RE2 gives the same search result.

    `\\d \\D \\w \\W \\s \\S` take their Unicode meaning, `$` (unless multi-line) also matches before a
    final newline, `\\Z` is RE2's `\\z`, `\\uXXXX` / `\\UXXXXXXXX` become `\\x{…}`. Constructs RE2 lacks
    (look-around, back-references) make DuckDB raise; `\\b` / `\\B` (Unicode in Python, ASCII in RE2) and
    `\\W` / `\\S` inside a character class raise here."""
    flags = "".join(re.findall(r"\(\?([a-zA-Z]+)[):]", pattern))
    if set(flags) & set("aLx"):
        raise UnsupportedExpectation(f"inline flag(s) {flags!r} (ASCII, locale, verbose) in {pattern!r}")
    multiline = "m" in flags
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    class_start = False  # just after '[' or '[^': a ']' here is a literal
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            e = pattern[i + 1]
            i += 2
            if e == "d":
                out.append(_PY_DIGIT)
            elif e == "D":
                if in_class:
                    raise UnsupportedExpectation(f"\\D inside a character class in {pattern!r}")
                out.append(r"\P{Nd}")
            elif e == "w":
                out.append(_PY_WORD if in_class else f"[{_PY_WORD}]")
            elif e == "s":
                out.append(_PY_SPACE if in_class else f"[{_PY_SPACE}]")
            elif e in "WS":
                if in_class:
                    raise UnsupportedExpectation(f"\\{e} inside a character class in {pattern!r}")
                out.append(f"[^{_PY_WORD if e == 'W' else _PY_SPACE}]")
            elif e in "bB":
                raise UnsupportedExpectation(f"\\{e} (Unicode word boundary in Python, ASCII in RE2) in {pattern!r}")
            elif e == "Z":
                out.append(r"\z")
            elif e in "uU":
                width = 4 if e == "u" else 8
                out.append(r"\x{" + pattern[i:i + width] + "}")
                i += width
            else:
                out.append("\\" + e)
            class_start = False
            continue
        if in_class:
            if c == "]" and not class_start:
                in_class = False
            class_start = class_start and c == "^" and out[-1] == "["
            out.append(c)
        elif c == "[":
            in_class = class_start = True
            out.append(c)
        elif c == "$" and not multiline:
            out.append(r"(?:\n?\z)")
        else:
            out.append(c)
        i += 1
    return "".join(out)


# ---------------------------------------------------------------------------------------------------
# expectations → SQL


@dataclass
class _Plan:
    """One expectation: either decided without reading rows (`outcome`), or SQL to count."""

    expectation: dict
    column: str | None
    outcome: tuple[bool, int | None] | None = None  # (success, unexpected_count) when decided already
    unexpected: str | None = None  # SQL condition: the row is unexpected
    considered: str | None = None  # SQL condition: the row counts in mostly's denominator
    mostly: float = 1.0
    value_columns: list[str] = field(default_factory=list)  # what names an example without id columns
    group_key: list[str] | None = None  # compound uniqueness: the key expressions
    group_filter: str = "true"


def _missing(col: str, columns: dict[str, str]) -> str:
    q = _ident(col)
    return f"({q} is null or isnan({q}))" if _family(columns[col]) == "float" else f"({q} is null)"


def _key_expr(col: str, columns: dict[str, str]) -> str:
    q = _ident(col)
    return f"(case when isnan({q}) then null else {q} end)" if _family(columns[col]) == "float" else q


def _mostly(kwargs: dict) -> float:
    m = kwargs.get("mostly")
    if m is None:
        return 1.0
    if not 0 <= m <= 1:
        raise UnsupportedExpectation(f"mostly={m!r} is not between 0 and 1")
    return float(m)


def _plan(expectation: dict, columns: dict[str, str]) -> _Plan:
    etype = expectation.get("type")
    if etype not in _SUPPORTED_KWARGS:
        raise UnsupportedExpectation(f"expectation type {etype!r} is not implemented in SQL "
                                     f"(supported: {', '.join(sorted(SUPPORTED_TYPES))})")
    kwargs = {k: v for k, v in (expectation.get("kwargs") or {}).items() if v is not None}
    extra = set(kwargs) - _SUPPORTED_KWARGS[etype] - _OUTPUT_KWARGS
    if extra:
        raise UnsupportedExpectation(f"{etype}: keyword argument(s) {sorted(extra)} are not implemented in SQL")
    label = kwargs.get("column") or ",".join(kwargs.get("column_list") or []) or None
    plan = _Plan(expectation=expectation, column=label, mostly=_mostly(kwargs))
    broken = (False, None)  # GX: the expectation raised (missing column, incomparable types)

    if etype == "expect_table_columns_to_match_set":
        expected = set(kwargs.get("column_set") or [])
        actual = set(columns)
        exact = kwargs.get("exact_match", True)
        ok = (not (expected - actual)) and (not exact or not (actual - expected))
        if "column_set" not in kwargs and not exact:
            ok = True
        plan.outcome = (ok, None)
        return plan

    if etype == "expect_compound_columns_to_be_unique":
        cols = list(kwargs["column_list"])
        if any(c not in columns for c in cols):
            plan.outcome = broken
            return plan
        mode = kwargs.get("ignore_row_if", "all_values_are_missing")
        missing = [_missing(c, columns) for c in cols]
        ignored = {"all_values_are_missing": " and ".join(missing), "any_value_is_missing": " or ".join(missing),
                   "never": "false"}.get(mode)
        if ignored is None:
            raise UnsupportedExpectation(f"{etype}: ignore_row_if={mode!r}")
        plan.group_key = [_key_expr(c, columns) for c in cols]
        plan.group_filter = f"not ({ignored})"
        plan.considered = plan.group_filter
        plan.value_columns = cols
        return plan

    if etype == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = kwargs["column_A"], kwargs["column_B"]
        plan.column = None  # GX names neither column in `column`; the runner reports none either
        if a not in columns or b not in columns:
            plan.outcome = broken
            return plan
        fa, fb = _family(columns[a]), _family(columns[b])
        numeric = {"number", "float", "boolean"}
        if not ((fa in numeric and fb in numeric) or (fa == fb == "text")):
            if "other" in (fa, fb):
                raise UnsupportedExpectation(f"{etype} on {columns[a]} vs {columns[b]}")
            plan.outcome = broken
            return plan
        ma, mb = _missing(a, columns), _missing(b, columns)
        mode = kwargs.get("ignore_row_if", "both_values_are_missing")
        ignored = {"both_values_are_missing": f"({ma} and {mb})", "either_value_is_missing": f"({ma} or {mb})",
                   "neither": "false"}.get(mode)
        if ignored is None:
            raise UnsupportedExpectation(f"{etype}: ignore_row_if={mode!r}")
        op = ">=" if kwargs.get("or_equal") else ">"
        plan.unexpected = (f"not {ignored} and not (not {ma} and not {mb} "
                           f"and {_ident(a)} {op} {_ident(b)})")
        plan.considered = f"not {ignored}"
        plan.value_columns = [a, b]
        return plan

    col = kwargs["column"]
    if col not in columns:
        plan.outcome = broken
        return plan
    fam = _family(columns[col])
    q, missing = _ident(col), _missing(col, columns)
    plan.value_columns = [col]
    plan.considered = f"not {missing}"

    if etype == "expect_column_values_to_not_be_null":
        plan.unexpected = missing
        plan.considered = "true"
        return plan

    if etype == "expect_column_values_to_be_in_set":
        values = kwargs.get("value_set")
        if values is None:  # GX: vacuously true
            plan.outcome = (True, 0)
            return plan
        if fam == "text":
            lits = [_literal(v) for v in values if isinstance(v, str)]
        elif fam in ("number", "float"):
            lits = [_literal(v) for v in values if isinstance(v, int | float)]
        elif fam == "boolean":
            lits = [_literal(bool(v)) for v in values if isinstance(v, bool) or v in (0, 1)]
        else:
            raise UnsupportedExpectation(f"{etype} on a {columns[col]} column ({col})")
        inside = f"{q} in ({', '.join(dict.fromkeys(lits))})" if lits else "false"
        plan.unexpected = f"not {missing} and not ({inside})"
        return plan

    if etype == "expect_column_values_to_be_between":
        lo, hi = kwargs.get("min_value"), kwargs.get("max_value")
        for bound in (lo, hi):
            if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int | float)):
                raise UnsupportedExpectation(f"{etype}: non-numeric bound {bound!r}")
        if fam == "other":
            raise UnsupportedExpectation(f"{etype} on a {columns[col]} column ({col})")
        if (lo is None and hi is None) or (lo is not None and hi is not None and lo > hi) or fam == "text":
            plan.outcome = broken  # GX raises: no bounds, min > max, text against numbers
            return plan
        value = f"{q}::DOUBLE" if columns[col].upper().startswith("DECIMAL") else (
            f"{q}::INTEGER" if fam == "boolean" else q)
        parts = []
        if lo is not None:
            parts.append(f"{value} {'>' if kwargs.get('strict_min') else '>='} {_literal(lo)}")
        if hi is not None:
            parts.append(f"{value} {'<' if kwargs.get('strict_max') else '<='} {_literal(hi)}")
        plan.unexpected = f"not {missing} and not ({' and '.join(parts)})"
        return plan

    if etype == "expect_column_values_to_match_regex":
        regex = python_regex_to_re2(kwargs["regex"])
        plan.unexpected = f"not {missing} and not regexp_matches({q}::VARCHAR, {_literal(regex)})"
        return plan

    raise UnsupportedExpectation(etype)  # pragma: no cover - every key of _SUPPORTED_KWARGS is handled


def _success(considered: int | None, unexpected: int, mostly: float) -> bool:
    if mostly >= 1 or considered is None:
        return unexpected == 0
    if considered == 0:
        return True
    return (considered - unexpected) / considered >= mostly


def _name_rows(rows) -> list[str]:
    return ["/".join(str(v) for v in row) for row in rows]


def relation_columns(con, relation_sql: str, params: list | None = None) -> dict[str, str]:
    """Column name → DuckDB type of a FROM-able relation (reads no rows)."""
    cur = con.execute(f"select * from {relation_sql} as _t limit 0", params or [])  # noqa: S608
    description = cur.description
    cur.fetchall()  # DuckDB 2 wants every result finished before the next statement
    return {d[0]: str(d[1]) for d in description}


def validate_table(con, name: str, relation_sql: str, key: list[str] | tuple[str, ...] | None = None,
                   id_columns: list[str] | None = None, params: list | None = None) -> SuiteResult:
    """Validate the rows of `relation_sql` (a table name or a parenthesised SELECT; `params` bind its `?`
    placeholders) against suite `name`, in DuckDB on connection `con`. Same contract as
    `expectations.runner.validate_frame`: `key` adds its compound uniqueness and names failing rows (or
    `id_columns` do). Row conditions are counted in one scan; each failing expectation then fetches at most
    5 example rows, and a key adds one GROUP BY."""
    definition = load_suite_definition(name)
    expectations = list(definition["expectations"])
    if key:
        expectations.append({"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": list(key)}})
        id_columns = id_columns or list(key)
    params = list(params or [])
    rel = f"{relation_sql} as _t"
    columns = relation_columns(con, relation_sql, params)
    plans = [_plan(e, columns) for e in expectations]  # raises before any row is read

    # one scan: the unexpected (and, for mostly < 1, considered) rows of every row-wise expectation
    row_wise = [p for p in plans if p.outcome is None and p.group_key is None]
    aggregates = ["count(*)"]
    for p in row_wise:
        aggregates.append(f"count(*) filter (where {p.unexpected})")
        aggregates.append(f"count(*) filter (where {p.considered})" if p.mostly < 1 else "null")
    row = con.execute(f"select {', '.join(aggregates)} from {rel}", params).fetchall()[0]  # noqa: S608
    total = int(row[0])
    counts = {id(p): (int(row[1 + 2 * i]), row[2 + 2 * i]) for i, p in enumerate(row_wise)}

    def ids_or(p: _Plan) -> str:
        cols = id_columns if id_columns and all(c in columns for c in id_columns) else p.value_columns
        return ", ".join(_ident(c) for c in cols)

    failures = []
    for p in plans:
        examples: list[str] = []
        if p.outcome is not None:
            success, unexpected = p.outcome
        elif p.group_key is not None:
            keys = ", ".join(p.group_key)
            unexpected, considered = con.execute(
                f"select coalesce(sum(n) filter (where n > 1), 0), coalesce(sum(n), 0) from "  # noqa: S608
                f"(select count(*) n from {rel} where {p.group_filter} group by {keys})", params).fetchall()[0]
            unexpected = int(unexpected)
            success = _success(int(considered), unexpected, p.mostly)
            if unexpected:
                examples = _name_rows(con.execute(
                    f"select {ids_or(p)} from (select *, count(*) over (partition by {keys}) as __dup_n "  # noqa: S608
                    f"from {rel} where {p.group_filter}) where __dup_n > 1 order by {keys} limit {EXAMPLES}",
                    params).fetchall())
        else:
            unexpected, considered = counts[id(p)]
            success = _success(considered, unexpected, p.mostly)
            if unexpected:
                examples = _name_rows(con.execute(
                    f"select {ids_or(p)} from {rel} where {p.unexpected} limit {EXAMPLES}",  # noqa: S608
                    params).fetchall())
        if not success:
            failures.append(ExpectationFailure(expectation=p.expectation["type"], column=p.column,
                                               unexpected_count=unexpected, examples=examples))
    return SuiteResult(suite=name, success=not failures, evaluated=len(plans), failures=failures, rows=total)
