"""Enforce the feed contract on a delivered feed: coerce types, apply the row rules.

A row that breaks a rule is kept (raw) and quarantined with the rule, column and a message; a
column that is wrong as a whole (not one value of it parses) fails the file. The typing and the rules
run in DuckDB, one SQL pass per feed over the delivered text (see `_FeedSql`); Python judges only
distinct spellings, never rows.
"""

# ruff: noqa: S608 -- SQL text here is built from contract names and constants only; delivered values
# reach DuckDB as registered Arrow tables, never as SQL text.

from __future__ import annotations

import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.memory import release_unused_memory
from core.settings import duckdb_memory_limit
from ingestion.contract import (
    AREA_COLUMNS_CHECKED,
    COUNTY_FEEDS,
    FALSE_VALUES,
    FEED_SPECS,
    IMPLAUSIBLE_AREA_M2_PER_STUDENT,
    IMPLAUSIBLE_EQUIPMENT_YUAN_PER_STUDENT,
    IMPLAUSIBLE_STUDENTS_PER_CLASS,
    INVISIBLE_CHARACTERS,
    MAX_COUNT,
    SCHOOL_CHILD_FEEDS,
    STAGE_COMPLETE_TYPES,
    STAGES_BY_TYPE,
    TRUE_VALUES,
    Column,
    enum_map,
    enum_spellings,
    normalize_header,
    visible,
)
from ingestion.readers import DeliveredFeed, FeedFileError

# Memory the DuckDB connection that types and checks a feed may use (DuckDB's own default is 80 % of
# the machine): over it, the typed table and the rules' joins spill to a temporary folder. A 250 MB
# schools.csv (3.4 M rows) took ≈ 9 GB of the run's process before ingestion was bounded.
INGEST_MEMORY_ENV = "JUNHENG_INGEST_MEMORY_LIMIT"
DEFAULT_INGEST_MEMORY_LIMIT = "512MB"

VIOLATION_COLUMNS = ["_row_number", "column_name", "rule", "message"]
FLAG_COLUMNS = ["feed", "_row_number", "county_code", "key_value", "column_name", "rule", "severity", "value",
                "threshold", "message"]
# Feeds whose county_code must be a county of the year's schools feed (rule `unknown_county`).


@dataclass
class SchoolsReference:
    """What child feeds are checked against: every delivered school row with a usable id."""

    county_by_school: pd.Series  # school_id → county_code (all delivered rows, first wins)
    type_by_school: pd.Series  # school_id → canonical school_type (valid rows only)

    @classmethod
    def empty(cls) -> SchoolsReference:
        return cls(pd.Series(dtype=object), pd.Series(dtype=object))

    @classmethod
    def from_schools(cls, typed: pd.DataFrame) -> SchoolsReference:
        ids = typed[typed["school_id"].notna()]
        # the first row of a school that names its county (a blank county_code on one copy does not
        # leave the school's child rows without one)
        named = pd.concat([ids[ids["county_code"].notna()], ids[ids["county_code"].isna()]])
        county = named.drop_duplicates("school_id").set_index("school_id")["county_code"]
        valid = ids[~ids["_quarantined"]]
        types = valid.set_index("school_id")["school_type"]
        return cls(county, types)


@dataclass
class ValidatedFeed:
    feed: str
    typed: pd.DataFrame  # canonical typed columns + _row_number, _row_hash, _quarantined, _delivered, county_code
    violations: pd.DataFrame  # _row_number, column_name, rule, message, county_code, school_id
    notes: list[str]
    # validate_feed(delivered_json=False): typed has no _delivered; these are the delivered cells (a view
    # of the reader's frame, row for row with typed) whose JSON `delivered_json` makes when they are written
    cells: pd.DataFrame | None = None


def _nfkc(s: pd.Series) -> pd.Series:
    """NFKC-normalised, stripped strings (full-width digits and letters become ASCII). ASCII strings
    are their own NFKC form, so only the others go through Python (a national feed has ~270k rows)."""
    out = s.str.strip()
    wide = out.map(lambda v: isinstance(v, str) and not v.isascii()).astype(bool)
    if wide.any():
        out[wide] = out[wide].map(lambda v: unicodedata.normalize("NFKC", v).strip())
    return out


# --------------------------------------------------------------------------------------------------
# The typing and the row rules: one DuckDB pass over the delivered text (SQL), Python only for the
# handful of distinct spellings SQL cannot judge exactly as the contract does (below).
#
# A cell's text reaches DuckDB as delivered (VARCHAR), with its position in the file (`_pos`) and its
# row number. Typing happens in SQL; Python sees *distinct values*, never rows, where the contract's
# rules are Python's own: NFKC normalisation (full-width digits and letters), `str.strip`'s idea of
# whitespace, `normalize_header` for enumerations and flags, and pandas' number grammar for anything
# that is not a plain number. A national feed delivers plain numbers (`_PLAIN_NUMBER`): they are cast
# in SQL; the odd spellings (full-width digits, thousands separators, signs, exponents, text) are few
# and resolved by the reference rules in Python, through a small mapping table joined back.
# The old row-by-row pandas implementation is tests/validate_reference.py; the equivalence test
# (tests/unit/test_validate_equivalence.py) holds the two to the same typed frame and violations.

# What str.strip() strips (every character whose isspace() is true; a unit test holds it to that).
_WS = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
       "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_WS_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _WS) + "]"  # as an RE2 character class


def _strip_sql(x: str) -> str:
    """`x.strip()` in SQL: trim with a character set is slow, so only cells that start or end with
    whitespace are trimmed."""
    ws = "'" + _WS.replace("'", "''") + "'"
    return f"CASE WHEN regexp_matches({x}, '^{_WS_CLASS}|{_WS_CLASS}$') THEN trim({x}, {ws}) ELSE {x} END"


# Cast in SQL: digits with an optional '+' and at most 6 decimals (no sign, exponent, separator,
# space), 15 characters at most: read the same by DuckDB and pandas. pandas' parser is not correctly
# rounded beyond 15 significant digits (e.g. '36082395817902.123082'); a leading '-' is left to pandas
# too (-0 stays -0.0 there).
_PLAIN_NUMBER = r"\+?(\d{1,15}(\.\d{0,6})?|\.\d{1,6})"


def _plain_number_sql(x: str) -> str:
    return f"(strlen({x}) <= 15 AND regexp_full_match({x}, {_lit(_PLAIN_NUMBER)}))"


def _lit(text: object) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _visible_sql(x: str) -> str:
    """`contract.visible(x)` in SQL: the invisible characters of a cell shown as \\uXXXX in a message."""
    for ch in INVISIBLE_CHARACTERS:
        x = f"replace({x}, {_lit(ch)}, {_lit(visible(ch))})"
    return x


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text_array(s: pd.Series) -> pa.Array:
    return _text_array_exact(s)[0]


def _text_array_exact(s: pd.Series) -> tuple[pa.Array, bool]:
    """The cells as an Arrow string array (missing → null), and whether every cell was a str already."""
    if isinstance(s.dtype, pd.ArrowDtype) and pa.types.is_string(s.dtype.pyarrow_dtype):  # as read from a file
        array = s.array._pa_array  # its chunks as they are: no copy
        return array, array.null_count == 0
    values = s.to_numpy(dtype=object)
    try:
        array = pa.array(values, type=pa.string(), from_pandas=True)
        return array, array.null_count == 0
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a frame built by hand with non-text cells
        return pa.array([None if v is None or (isinstance(v, float) and v != v) else str(v) for v in values],
                        type=pa.string()), False


def _number_spellings(values: list[str]) -> pa.Table:
    """Distinct odd spellings of a numeric column → (blank, value, read as an integer): the reference
    rules exactly (pandas to_numeric, then NFKC without thousands separators)."""
    s = pd.Series(values, dtype=object)
    blank = (s.str.strip() == "").to_numpy()
    first = pd.to_numeric(s.where(~blank), errors="coerce").astype("float64")
    retry = ~blank & first.isna().to_numpy()
    value = first.copy()
    if retry.any():
        cleaned = _nfkc(s[retry].astype(str)).str.replace(",", "", regex=False)
        value[retry] = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    first_int = [bool(ok) and pd.to_numeric(pd.Series([v], dtype=object)).dtype.kind in "iu"
                 for v, ok in zip(values, first.notna(), strict=True)]
    value = value.where(np.isfinite(value), None)  # 'inf', '-inf', '1e309', 'NaN' are no numbers
    return pa.table({"raw": pa.array(values, type=pa.string()), "blank": pa.array(blank, type=pa.bool_()),
                     "v": pa.array(value.to_numpy(dtype=object), type=pa.float64(), from_pandas=True),
                     "first_int": pa.array(first_int, type=pa.bool_())})


def _pattern_spellings(values: list[str], pattern: str) -> pa.Table:
    """Distinct non-ASCII spellings of a text column with a format → (blank, NFKC value, bad format)."""
    s = pd.Series(values, dtype=object)
    out = _nfkc(s.str.strip())
    blank = (s.str.strip() == "").to_numpy()
    pat = re.compile(pattern)
    bad = [not b and not pat.fullmatch(v) for v, b in zip(out, blank, strict=True)]
    return pa.table({"raw": pa.array(values, type=pa.string()), "blank": pa.array(blank, type=pa.bool_()),
                     "clean": pa.array(out.to_numpy(dtype=object), type=pa.string()),
                     "bad": pa.array(bad, type=pa.bool_())})


def _enum_spellings(values: list[str], col: Column) -> pa.Table:
    """Distinct spellings of an enumeration or a flag → (blank, canonical code or true/false)."""
    blank = [v.strip() == "" for v in values]
    if col.kind == "bool":
        norm = [normalize_header(v) for v in values]
        code = pa.array([True if n in TRUE_VALUES else False if n in FALSE_VALUES else None for n in norm],
                        type=pa.bool_())
    else:
        mapping = enum_map(enum_spellings(col))
        code = pa.array([mapping.get(normalize_header(v)) for v in values], type=pa.string())
    return pa.table({"raw": pa.array(values, type=pa.string()), "blank": pa.array(blank, type=pa.bool_()),
                     "code": code})


class _FeedSql:
    """The SQL of one feed: typed table `t` (helpers h<i>_* per delivered contract column), then the
    violations as one UNION ALL ordered as the rules are listed (part, then file order)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, delivered: DeliveredFeed, ref: SchoolsReference,
                 cells: dict[str, pa.Array]):
        self.con, self.delivered, self.ref = con, delivered, ref
        self.feed = delivered.feed
        self.spec = FEED_SPECS[self.feed]
        raw = delivered.frame
        self.present = [c for c in self.spec.all_columns if c.name in raw.columns]
        self.index = {c.name: i for i, c in enumerate(self.present)}
        con.register("d", pa.table({
            "_pos": pa.array(np.arange(len(raw), dtype=np.int64)),
            "_row_number": pa.array(raw["_row_number"].to_numpy(dtype=np.int64)),
            **{f"r{i}": cells[c.name] for i, c in enumerate(self.present)},
        }))
        self.parts: list[str] = []

    # -- typing ------------------------------------------------------------------------------------
    def _spellings(self) -> dict[int, pa.Table]:
        """The distinct values Python judges, per column, in one query."""
        selects = []
        for i, c in enumerate(self.present):
            r = f"r{i}"
            if c.kind in ("int", "num"):
                where = f"{r} IS NOT NULL AND NOT {_plain_number_sql(r)}"
            elif c.kind in ("bool", "enum"):
                where = f"{r} IS NOT NULL"
            elif c.pattern:
                where = f"{r} IS NOT NULL AND strlen({r}) <> length({r})"
            else:
                continue
            selects.append(f"SELECT DISTINCT {i} AS col, {r} AS raw FROM d WHERE {where}")
        if not selects:
            return {}
        found = self.con.sql(" UNION ALL ".join(selects)).to_arrow_table().to_pydict()
        by_col: dict[int, list[str]] = {}
        for i, v in zip(found["col"], found["raw"], strict=True):
            by_col.setdefault(i, []).append(v)
        tables = {}
        for i, values in by_col.items():
            c = self.present[i]
            if c.kind in ("int", "num"):
                tables[i] = _number_spellings(values)
            elif c.kind in ("bool", "enum"):
                tables[i] = _enum_spellings(values, c)
            else:
                tables[i] = _pattern_spellings(values, c.pattern)
        return tables

    def build_typed(self) -> None:
        tables = self._spellings()
        helpers, joins, typed = ["d._pos", "d._row_number"], [], []
        for i, c in enumerate(self.present):
            r, m = f"d.r{i}", f"m{i}"
            has_m = i in tables
            if has_m:
                self.con.register(m, tables[i])
                joins.append(f"LEFT JOIN {m} ON {m}.raw = {r}")
            helpers.append(f"{r} AS h{i}_raw")
            if c.kind in ("int", "num"):
                plain = f"coalesce({_plain_number_sql(r)}, false)"
                helpers.append(f"({r} IS NULL OR {'coalesce(' + m + '.blank, false)' if has_m else 'false'})"
                               f" AS h{i}_blank")
                helpers.append(f"CASE WHEN {plain} THEN CAST({r} AS DOUBLE)"
                               f"{' ELSE ' + m + '.v' if has_m else ''} END AS h{i}_v")
                helpers.append(f"CASE WHEN {plain} THEN NOT contains({r}, '.')"
                               f" ELSE {'coalesce(' + m + '.first_int, false)' if has_m else 'false'} END"
                               f" AS h{i}_first_int")
                if c.kind == "int":
                    typed.append(f"CASE WHEN h{i}_v = trunc(h{i}_v) AND abs(h{i}_v) <= {MAX_COUNT} "
                                 f"THEN CAST(h{i}_v AS BIGINT) END AS {_ident(c.name)}")
                else:
                    typed.append(f"h{i}_v AS {_ident(c.name)}")
            elif c.kind in ("bool", "enum"):
                helpers.append(f"({r} IS NULL OR coalesce({m}.blank, false)) AS h{i}_blank")
                helpers.append(f"{m}.code AS h{i}_code")
                typed.append(f"CASE WHEN NOT h{i}_blank THEN h{i}_code END AS {_ident(c.name)}")
            elif c.pattern:
                asc = f"(strlen({r}) = length({r}))"
                trimmed = f"d.s{i}"
                helpers.append(f"({r} IS NULL OR CASE WHEN {asc} THEN {trimmed} = '' ELSE coalesce({m}.blank, false)"
                               f" END) AS h{i}_blank" if has_m else f"({r} IS NULL OR {trimmed} = '') AS h{i}_blank")
                helpers.append(f"CASE WHEN {asc} THEN {trimmed}{' ELSE ' + m + '.clean' if has_m else ''} END"
                               f" AS h{i}_clean")
                helpers.append(f"CASE WHEN {asc} THEN NOT regexp_full_match({trimmed}, {_lit(c.pattern)})"
                               f"{' ELSE ' + m + '.bad' if has_m else ''} END AS h{i}_bad_format")
                typed.append(f"CASE WHEN NOT h{i}_blank THEN h{i}_clean END AS {_ident(c.name)}")
            else:
                helpers.append(f"d.s{i} AS h{i}_clean")
                helpers.append(f"({r} IS NULL OR h{i}_clean = '') AS h{i}_blank")
                typed.append(f"CASE WHEN NOT h{i}_blank THEN h{i}_clean END AS {_ident(c.name)}")
        for c in self.spec.all_columns:  # a contract column the file lacks: unknown (NULL) everywhere
            if c.name not in self.index:
                typed.append(f"CAST(NULL AS {c.sql_type}) AS {_ident(c.name)}")
        stripped = [f"{_strip_sql(f'r{i}')} AS s{i}" for i, c in enumerate(self.present) if c.kind == "text"]
        source = f"(SELECT *, {', '.join(stripped)} FROM d) d" if stripped else "d"
        self.con.execute(f"CREATE TEMP TABLE t AS SELECT *, {', '.join(typed)} FROM "
                         f"(SELECT {', '.join(helpers)} FROM {source} {' '.join(joins)})")

    def column_stats(self) -> dict[str, tuple[int, int, bool]]:
        """Numeric column → (non-blank cells, cells that are no number, pandas would read it as integers)."""
        nums = [(i, c) for i, c in enumerate(self.present) if c.kind in ("int", "num")]
        if not nums:
            return {}
        exprs = []
        for i, _ in nums:
            exprs += [f"count(*) FILTER (NOT h{i}_blank)", f"count(*) FILTER (NOT h{i}_blank AND h{i}_v IS NULL)",
                      f"coalesce(bool_and(h{i}_first_int AND NOT h{i}_blank), true)"]
        row = self.con.execute(f"SELECT {', '.join(exprs)} FROM t").fetchall()[0]
        return {c.name: (row[3 * k], row[3 * k + 1], row[3 * k + 2]) for k, (_, c) in enumerate(nums)}

    def raise_wrong_type(self, stats: dict[str, tuple[int, int, bool]]) -> None:
        for name, (nonblank, bad, _) in stats.items():
            if bad and bad == nonblank:
                i = self.index[name]
                first = self.con.execute(f"SELECT _pos, h{i}_raw FROM t WHERE NOT h{i}_blank AND h{i}_v IS NULL "
                                         "ORDER BY _pos LIMIT 5").fetchall()
                numbers = self.delivered.frame["_row_number"].to_numpy()
                rows = [int(numbers[p]) for p, _ in first]  # the data row numbers quarantine uses
                raise FeedFileError(self.delivered.path, "wrong_type", f"no value of column '{name}' is a number "
                                    f"(e.g. {first[0][1]!r})", column=name, rows=rows)

    # -- violations --------------------------------------------------------------------------------
    def add(self, where: str, column: str | None, rule: str, message: str, value: str = "NULL",
            fmt: str | None = None, source: str = "t") -> None:
        """One rule: the rows of `source` (with _pos) where `where` holds; `message` is SQL."""
        self.parts.append(
            f"SELECT {len(self.parts)} AS part, _pos, {_lit(column) if column is not None else 'NULL'} AS column_name, "
            f"{_lit(rule)} AS rule, {message} AS message, CAST({value} AS DOUBLE) AS value, "
            f"{_lit(fmt) if fmt else 'NULL'} AS fmt FROM {source} WHERE coalesce({where}, false)")

    def column_rules(self, stats: dict[str, tuple[int, int, bool]]) -> None:
        for i, c in enumerate(self.present):
            raw, blank = f"h{i}_raw", f"h{i}_blank"
            quoted = f"'''' || {_visible_sql(raw)} || ''''"
            if c.required:
                self.add(blank, c.name, "required", _lit(f"{c.name} ({c.zh}) is blank"))
            if c.kind in ("int", "num"):
                v = f"h{i}_v"
                self.add(f"NOT {blank} AND {v} IS NULL", c.name, "not_a_number", f"{quoted} || ' is not a number'")
                if c.kind == "int":
                    self.add(f"{v} IS NOT NULL AND (isinf({v}) OR {v} <> trunc({v}))", c.name, "not_an_integer",
                             f"{quoted} || ' is not a whole number'")
                    self.add(f"abs({v}) > {MAX_COUNT}", c.name, "out_of_range",
                             f"{quoted} || {_lit(f' is beyond any count (more than {MAX_COUNT:,})')}")
                if c.min_value is not None:
                    op = "<=" if c.min_exclusive else "<"
                    rule = "not_positive" if c.min_exclusive else "negative"
                    sign = ">" if c.min_exclusive else "≥"
                    self.add(f"{v} {op} {float(c.min_value)!r}", c.name, rule,
                             _lit(f"{c.name} must be {sign} {c.min_value:g}, got "), value=v,
                             fmt="int" if stats[c.name][2] else "float")
            elif c.kind == "bool":
                self.add(f"NOT {blank} AND h{i}_code IS NULL", c.name, "not_a_boolean",
                         f"{quoted} || ' is not one of 1/0, true/false, 是/否, Y/N'")
            elif c.kind == "enum":
                self.add(f"NOT {blank} AND h{i}_code IS NULL", c.name, "invalid_value",
                         f"{quoted} || {_lit(f' is not an accepted {c.name}')}")
            elif c.pattern:
                self.add(f"NOT {blank} AND h{i}_bad_format", c.name, "format",
                         f"'''' || {_visible_sql(f'h{i}_clean')} || " + _lit(f"' does not match the format {c.pattern}"))
        ragged = self.delivered.ragged_rows
        if ragged:
            self.con.register("ragged", pa.table({"_row_number": pa.array(list(ragged), type=pa.int64()),
                                                  "fields": pa.array(list(ragged.values()), type=pa.int64())}))
            width = len(self.delivered.frame.columns) - 1
            self.add("true", None, "field_count",
                     f"'row has ' || fields || {_lit(f' fields, the header has {width}')}",
                     source="t JOIN ragged USING (_row_number)")

    def row_rules(self) -> None:
        spec, feed, ref = self.spec, self.feed, self.ref
        keys = [_ident(k) for k in spec.key]
        self.add(" AND ".join(f"{k} IS NOT NULL" for k in keys) + f" AND count(*) OVER (PARTITION BY {', '.join(keys)}) > 1",
                 "+".join(spec.key), "duplicate_key",
                 _lit(f"{'+'.join(spec.key)} appears more than once in the file; every copy is held back"),
                 source="(SELECT *, " + " AND ".join(f"{k} IS NOT NULL" for k in keys)
                 + f" AND count(*) OVER (PARTITION BY {', '.join(keys)}) > 1 AS dup FROM t)")
        self.parts[-1] = self.parts[-1].rsplit(" WHERE ", 1)[0] + " WHERE dup"
        if feed == "teachers":
            parts = "(qual_postgraduate + qual_bachelor + qual_associate + qual_below_associate)"
            self.add(f"{parts} <> full_time_teachers", "qual_*", "qualification_parts_sum",
                     f"'qualification counts add up to ' || {parts} || ', not full_time_teachers ' || full_time_teachers")
            self.add("coalesce(pe_teachers, 0) + coalesce(music_teachers, 0) + coalesce(art_teachers, 0)"
                     " > full_time_teachers", "pe_teachers+music_teachers+art_teachers",
                     "subject_teachers_exceed_total", _lit("PE + music + art teachers exceed full_time_teachers"))
            for c in ("title_intermediate_plus", "backbone_teachers", "certified_teachers", "training_360h_completed"):
                self.add(f"{c} > full_time_teachers", c, "exceeds_full_time_teachers",
                         _lit(f"{c} exceeds full_time_teachers"))
        if feed == "enrollment":
            self.add("classes_over_45 > classes", "classes_over_45", "class_counts_inconsistent",
                     _lit("classes_over_45 exceeds classes"))
            self.add("classes_over_50 > classes_over_45", "classes_over_50", "class_counts_inconsistent",
                     _lit("classes_over_50 exceeds classes_over_45"))
            self.add("students > 0 AND classes = 0", "classes", "no_classes",
                     _lit("students are enrolled but classes is 0"))
            for c in ("entrants", "final_grade_students", "migrant_students"):
                self.add(f"{c} > students", c, "exceeds_students", _lit(f"{c} exceeds students"))
        if feed == "facilities":
            self.add("indoor_sports_area_m2 > teaching_aux_area_m2", "indoor_sports_area_m2", "part_exceeds_total",
                     _lit("indoor_sports_area_m2 exceeds teaching_aux_area_m2, of which it is a part"))
        if feed == "schools":
            self.add("school_type = 'teaching_point' AND parent_school_id IS NULL", "parent_school_id",
                     "teaching_point_without_parent", _lit("a teaching point (教学点) must name its parent school"))
            # the first delivered row of each school_id is the parent candidate
            self.add("school_type = 'teaching_point' AND parent_school_id IS NOT NULL AND NOT coalesce("
                     "p.p_type IN ('primary', 'nine_year', 'twelve_year') AND p.p_county = t.county_code, false)",
                     "parent_school_id", "parent_not_found",
                     "'parent school ' || parent_school_id || "
                     "' is not a primary/一贯制 school of the same county in this feed'",
                     source="t LEFT JOIN (SELECT school_id AS p_id, arg_min_null(school_type, _pos) AS p_type, "
                            "arg_min_null(county_code, _pos) AS p_county FROM t WHERE school_id IS NOT NULL "
                            "GROUP BY school_id) p ON p.p_id = t.parent_school_id")
        if feed in SCHOOL_CHILD_FEEDS and len(ref.county_by_school):
            self.add("school_id IS NOT NULL AND school_id NOT IN (SELECT school_id FROM ref_county "
                     "WHERE school_id IS NOT NULL)", "school_id",
                     "orphan_school_id", "'school_id ' || school_id || ' is not in the schools feed'")
            if "stage" in [c.name for c in spec.all_columns]:
                pairs = ", ".join(f"({_lit(ty)}, {_lit(st)}, {k})" for ty, stages in STAGES_BY_TYPE.items()
                                  for k, st in enumerate(stages))
                self.con.execute(f"CREATE TEMP TABLE stages_by_type AS SELECT * FROM (VALUES {pairs}) "
                                 "v(school_type, stage, ord)")
                self.con.execute("CREATE TEMP TABLE ts AS SELECT t._pos, t.school_id, t.stage, r.school_type AS stype "
                                 "FROM t LEFT JOIN ref_type r ON r.school_id = t.school_id")
                self.add("stage IS NOT NULL AND stype IS NOT NULL AND NOT EXISTS (SELECT 1 FROM stages_by_type p "
                         "WHERE p.school_type = ts.stype AND p.stage = ts.stage)", "stage", "stage_for_type",
                         "'stage ' || stage || ' is impossible for a school of type ' || stype", source="ts")
                complete = ", ".join(_lit(x) for x in STAGE_COMPLETE_TYPES)
                self.add("true", "stage", "stage_missing",
                         "m.stype || ' school reports no ' || m.missing || '" + " row; a 一贯制 school reports every "
                         "stage it teaches (0 students when one is empty)'",
                         source=("ts JOIN (SELECT s.school_id, s.stype, string_agg(p.stage, '/' ORDER BY p.ord) AS missing "
                                 f"FROM (SELECT school_id, first(stype) AS stype, list(stage) AS have FROM ts "
                                 f"WHERE stype IN ({complete}) AND stage IS NOT NULL GROUP BY school_id) s "
                                 "JOIN stages_by_type p ON p.school_type = s.stype AND NOT list_contains(s.have, p.stage) "
                                 "GROUP BY s.school_id, s.stype) m USING (school_id)"))
        if feed in COUNTY_FEEDS and len(ref.county_by_school):
            self.add("county_code IS NOT NULL AND county_code NOT IN "
                     "(SELECT county_code FROM ref_county WHERE county_code IS NOT NULL)",
                     "county_code", "unknown_county", "'county_code ' || county_code || ' is not a county of the "
                     "schools feed'")

    def violations(self) -> None:
        self.con.execute("CREATE TEMP TABLE v AS " + (" UNION ALL ".join(self.parts) if self.parts else
                                                       "SELECT 0 AS part, 0::BIGINT AS _pos, NULL::VARCHAR AS column_name, "
                                                       "NULL::VARCHAR AS rule, NULL::VARCHAR AS message, "
                                                       "NULL::DOUBLE AS value, NULL::VARCHAR AS fmt WHERE false"))


def _register_reference(con: duckdb.DuckDBPyConnection, ref: SchoolsReference) -> None:
    county = ref.county_by_school
    con.register("ref_county", pa.table({
        "school_id": _text_array(pd.Series(county.index, dtype=object)),
        "county_code": _text_array(pd.Series(county.to_numpy(dtype=object), dtype=object))}))
    types = ref.type_by_school
    con.register("ref_type", pa.table({
        "school_id": _text_array(pd.Series(types.index, dtype=object)),
        "school_type": _text_array(pd.Series(types.to_numpy(dtype=object), dtype=object))}))


def _hex(hashes: np.ndarray) -> pa.Array:
    """uint64 → 16 lower-case hex digits (f"{h:016x}"), as Arrow strings, without a Python call per row."""
    octets = hashes.astype(">u8").view(np.uint8).reshape(-1, 8)
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    out = np.empty((len(hashes), 16), dtype=np.uint8)
    out[:, 0::2], out[:, 1::2] = digits[octets >> 4], digits[octets & 15]
    return pa.array(out.view("S16").ravel(), type=pa.binary(16)).cast(pa.string())


# Characters pandas' JSON writer escapes (`"`, `\`, `/`, controls), or writes raw (U+0085, U+2028,
# U+2029: line breaks to str.splitlines(), not to JSON lines): a row holding one is written by pandas.
_JSON_SPECIAL = r'[\x00-\x1f"\\/\x{7f}\x{85}\x{2028}\x{2029}]'
_JSON_SPECIAL_PY = re.compile('[\x00-\x1f"\\\\/\x7f\x85\u2028\u2029]')


def json_lines(cells: pd.DataFrame) -> list[str]:
    """Each row as `to_json(orient="records", lines=True, force_ascii=False)` writes it. The records are
    split on "\n" only (a cell's own newline is escaped): not str.splitlines(), which also breaks at
    U+0085, U+2028 and U+2029, raw in a cell, and so would give more lines than rows."""
    if not len(cells):
        return []
    return cells.to_json(orient="records", lines=True, force_ascii=False).rstrip("\n").split("\n")


def _row_hashes(cells: pd.DataFrame, chunk: int = 200_000) -> np.ndarray:
    """pandas' hash of each row's cells (hash_pandas_object, index=False), a slice of rows at a time: a
    row's hash depends on that row only, and hashing text makes a Python string of every cell of a
    column (Arrow text has none), so a national feed is hashed without holding millions of them.
    categorize=False: the same hashes for text cells (pandas documents it as a speed option), faster
    when most values are distinct."""
    if len(cells) <= chunk:
        return pd.util.hash_pandas_object(cells, index=False, categorize=False).to_numpy()
    return np.concatenate([pd.util.hash_pandas_object(cells.iloc[i:i + chunk], index=False, categorize=False)
                           .to_numpy() for i in range(0, len(cells), chunk)])


def _fetch(relation: duckdb.DuckDBPyRelation) -> pa.Table:
    """A query's rows as an Arrow table, streamed in batches: DuckDB never holds the whole result beside
    the Arrow copy (a national feed's typed rows or delivered JSON are hundreds of MB)."""
    reader = relation.to_arrow_reader(1_000_000)
    return pa.Table.from_batches(list(reader), schema=reader.schema)


def delivered_json(con: duckdb.DuckDBPyConnection, cells: pd.DataFrame) -> pa.Array | pa.ChunkedArray:
    """Each delivered row (the reader's cells, any slice of rows) as `DataFrame.to_json(orient="records",
    lines=True, force_ascii=False)` writes its cells as text: concatenated in DuckDB (on `con`) where no
    cell needs escaping, by pandas for the other rows (and for cells whose headers would need it, or with
    empty cells). A row's JSON depends on that row only: the same whatever slice it is made in."""
    names = [str(c) for c in cells.columns]
    arrays = [_text_array(cells[c]) for c in cells.columns]
    if (not len(cells) or any(a.null_count for a in arrays) or len(set(names)) != len(names)
            or any(_JSON_SPECIAL_PY.search(n) for n in names)):
        return pa.array(json_lines(cells.astype(str)), type=pa.string())
    keys = ['{"' + names[0] + '":"'] + ['","' + n + '":"' for n in names[1:]]
    json = " || ".join(f"{_lit(k)} || c{j}" for j, k in enumerate(keys)) + " || " + _lit('"}')
    text = " || ".join(f"c{j}" for j in range(len(names)))
    view = "junheng_delivered_cells"
    con.register(view, pa.table({"_pos": pa.array(np.arange(len(cells), dtype=np.int64)),
                                 **{f"c{j}": a for j, a in enumerate(arrays)}}))
    try:
        # a projection of one scan keeps the scan's order (DuckDB's preserve_insertion_order): no sort of
        # the JSON (hundreds of MB); checked against _pos all the same
        result = _fetch(con.sql(f"SELECT _pos, CASE WHEN NOT regexp_matches({text}, '{_JSON_SPECIAL}') "
                                f"THEN {json} END FROM {view}"))
    finally:
        con.unregister(view)
    pos = result.column(0).to_numpy()
    lines = result.column(1)
    if not (pos == np.arange(len(pos))).all():
        lines = lines.take(pc.sort_indices(result.column(0)))
    if lines.null_count:  # rows with a cell to escape: one record per row by pandas, whatever the cells
        lines = lines.combine_chunks()
        odd = np.flatnonzero(lines.is_null().to_numpy(zero_copy_only=False))
        fill = pa.array(json_lines(cells.iloc[odd].astype(str)), type=pa.string())
        lines = pc.replace_with_mask(lines, lines.is_null(), fill)
    return lines


# Text stays Arrow strings in pandas (no Python object per cell: a national feed has millions of rows)
TEXT_DTYPE = pd.ArrowDtype(pa.string())
_ARROW_TO_PANDAS = {pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype(), pa.bool_(): pd.BooleanDtype(),
                    pa.string(): TEXT_DTYPE}


def feed_notes(delivered: DeliveredFeed) -> list[str]:
    """What the reader noticed about the file as a whole (encoding, extra, absent and renamed columns),
    told with the feed's load summary. Not part of the typing: the pandas reference uses it as is."""
    notes = []
    if delivered.encoding_note:
        notes.append(f"encoding: {delivered.encoding_note}")
    notes += delivered.read_notes
    if delivered.extra_columns:
        notes.append(f"unknown extra column(s) kept in _delivered: {', '.join(delivered.extra_columns)}")
    if delivered.absent_columns:
        notes.append(f"column(s) absent, values unknown: {', '.join(delivered.absent_columns)}")
    if delivered.header_renames:
        notes.append("headers mapped: " + ", ".join(f"{k}→{v}" for k, v in delivered.header_renames.items()))
    return notes


def validate_feed(delivered: DeliveredFeed, ref: SchoolsReference | None = None, *,
                  with_delivered_json: bool = True) -> ValidatedFeed:
    """Typed frame with `_quarantined` per row, and one violation record per broken rule.

    with_delivered_json=False: typed has no `_delivered` column; the result keeps the delivered cells
    instead (`cells`), for the loader to make each row's JSON as it writes a slice of rows — a national
    feed's JSON (0.7 GB for 3.4 M schools rows) is never held whole."""
    ref = ref or SchoolsReference.empty()
    feed = delivered.feed
    spec = FEED_SPECS[feed]
    raw = delivered.frame
    data_cols = [c for c in raw.columns if c != "_row_number"]
    converted = {c: _text_array_exact(raw[c]) for c in data_cols}
    cells = {c: array for c, (array, _) in converted.items()}
    all_text = all(exact for _, exact in converted.values())
    spill = tempfile.mkdtemp(prefix="junheng-validate-")
    con = duckdb.connect(config={"memory_limit": duckdb_memory_limit(INGEST_MEMORY_ENV, DEFAULT_INGEST_MEMORY_LIMIT),
                                 "temp_directory": spill})
    try:
        sql = _FeedSql(con, delivered, ref, cells)
        _register_reference(con, ref)
        sql.build_typed()
        stats = sql.column_stats()
        sql.raise_wrong_type(stats)
        sql.column_rules(stats)
        sql.row_rules()
        sql.violations()
        typed_cols = [c.name for c in spec.all_columns]
        if "county_code" in typed_cols:
            county = ("CASE WHEN _pos IN (SELECT _pos FROM v WHERE rule = 'unknown_county') THEN NULL "
                      "ELSE county_code END" if feed in COUNTY_FEEDS else "county_code")
            county_from = "t"
        elif "school_id" in typed_cols and len(ref.county_by_school):
            county, county_from = "rc.county_code", ("t LEFT JOIN (SELECT school_id, first(county_code) AS county_code "
                                                     "FROM ref_county GROUP BY school_id) rc USING (school_id)")
        else:
            county, county_from = "NULL::VARCHAR", "t"
        con.execute(f"CREATE TEMP TABLE tc AS SELECT t._pos, {county} AS _county_code, "
                    f"_pos IN (SELECT _pos FROM v) AS _quarantined FROM {county_from}")
        typed_arrow = _fetch(con.sql(
            f"SELECT {', '.join(_ident(c) for c in typed_cols)}, tc._quarantined, tc._county_code "
            "FROM t JOIN tc USING (_pos) ORDER BY _pos"))
        key = " || '|' || ".join(f"coalesce(CAST(t.{_ident(k)} AS VARCHAR), 'None')" for k in spec.key)
        vio = con.sql(
            f"SELECT t._row_number, v.column_name, v.rule, v.message, v.value, v.fmt, tc._county_code AS county_code, "
            f"{key} AS key_value FROM v JOIN t USING (_pos) JOIN tc USING (_pos) ORDER BY v.part, v._pos"
        ).df()
        if with_delivered_json:
            for table in ("t", "tc", "v"):  # their memory goes to the delivered cells' JSON, next
                con.execute(f"DROP TABLE {table}")
            json = delivered_json(con, raw[data_cols])
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    release_unused_memory(len(raw))  # the typing connection's buffers, back before the hashing

    typed = typed_arrow.to_pandas(types_mapper=_ARROW_TO_PANDAS.get)
    typed.index = raw.index
    for c in spec.all_columns:
        if c.name not in sql.index:  # as the reference leaves it: no value at all, not a typed NULL
            typed[c.name] = pd.Series(pd.NA, index=raw.index, dtype=object)
    typed.insert(0, "_row_number", raw["_row_number"].astype("int64"))
    quarantined = typed.pop("_quarantined").astype(bool)
    county = typed.pop("_county_code")
    typed["_quarantined"] = quarantined
    text_cells = raw[data_cols] if all_text else raw[data_cols].astype(str)  # astype(str): the same cells
    hashes = _row_hashes(text_cells)
    typed["_row_hash"] = pd.Series(pd.arrays.ArrowExtensionArray(_hex(hashes)), index=raw.index)
    if with_delivered_json:
        typed["_delivered"] = pd.Series(pd.arrays.ArrowExtensionArray(json), index=raw.index)
    typed["_county_code"] = county

    if len(vio):
        for fmt in ("int", "float"):
            sel = vio["fmt"] == fmt
            if sel.any():
                got = vio.loc[sel, "value"].astype("float64")
                vio.loc[sel, "message"] = vio.loc[sel, "message"] + (got.astype("int64") if fmt == "int"
                                                                     else got).astype(str)
        violations = vio[["_row_number", "column_name", "rule", "message", "county_code", "key_value"]].astype(
            {"column_name": object, "rule": object, "message": object, "county_code": object, "key_value": object})
        violations["_row_number"] = violations["_row_number"].astype(raw["_row_number"].dtype)
        violations = violations.reset_index(drop=True)
    else:
        violations = pd.DataFrame(columns=VIOLATION_COLUMNS)
        violations["county_code"] = pd.Series(dtype=object)
        violations["key_value"] = pd.Series(dtype=object)

    return ValidatedFeed(feed=feed, typed=typed, violations=violations, notes=feed_notes(delivered),
                         cells=None if with_delivered_json else raw[data_cols])


def attribute_counties(validated: ValidatedFeed) -> ValidatedFeed:
    """A quarantined `schools` row whose own county_code cannot be read (blank, a merged cell read blank,
    or a code breaking its format rule) still makes a county incomplete: the county the school_id's other rows name, else the one
    its teaching points (rows naming it as parent) name, else its parent school's; each message says
    which. When none can be told it stays NULL and the message says so: dbt then marks every county of
    the year's delivery incomplete (int_county_data_status). Other feeds are returned as they are."""
    typed, vio = validated.typed, validated.violations
    if validated.feed != "schools" or not len(vio):
        return validated
    # a county_code that breaks its own rule (a mistyped '2103-02') is no county either: left as it is,
    # it would be a phantom county and leave the real one complete over fewer schools
    bad_code = vio.loc[vio["column_name"] == "county_code", "_row_number"]
    unknown = vio["county_code"].isna() | vio["_row_number"].isin(bad_code)
    if not unknown.any():
        return validated
    rows = typed.set_index("_row_number")
    known = typed[typed["county_code"].notna() & ~typed["_row_number"].isin(bad_code) & typed["school_id"].notna()]
    by_school = known.groupby("school_id")["county_code"].agg(lambda s: s.mode().iloc[0] if s.nunique() == 1 else None)
    children = known[known["parent_school_id"].notna()]
    by_children = children.groupby("parent_school_id")["county_code"].agg(
        lambda s: s.iloc[0] if s.nunique() == 1 else None)

    def resolve(number: int) -> tuple[str | None, str]:
        row = rows.loc[number]
        school, parent = row["school_id"], row["parent_school_id"]
        if pd.notna(school) and by_school.get(school) is not None:
            return by_school[school], f"the other row(s) of school_id {school}"
        if pd.notna(school) and by_children.get(school) is not None:
            return by_children[school], f"the teaching point(s) of school_id {school}"
        if pd.notna(parent) and by_school.get(parent) is not None:
            return by_school[parent], f"its parent school {parent}"
        return None, ""

    vio = vio.copy()
    typed = typed.copy(deep=False)  # only _county_code changes: the other columns (a national feed's GB) shared
    typed["_county_code"] = typed["_county_code"].copy()
    for number in vio.loc[unknown, "_row_number"].unique():
        county, source = resolve(number)
        at = vio["_row_number"] == number
        vio.loc[at, "county_code"] = county
        typed.loc[typed["_row_number"] == number, "_county_code"] = county
        vio.loc[at, "message"] += (f"; counted against county {county}, named by {source}" if county is not None else
                                   "; the row's county cannot be told (no usable county_code, no other row of its "
                                   "school): every county of this delivery is marked incomplete")
    return ValidatedFeed(feed=validated.feed, typed=typed, violations=vio, notes=validated.notes,
                         cells=validated.cells)


def numeric_columns(feed: str) -> list[str]:
    return [c.name for c in FEED_SPECS[feed].all_columns if c.kind in ("int", "num")]




def _flags(feed: str, rows: pd.DataFrame, mask: pd.Series, column: str, rule: str, severity: str,
           value: pd.Series, threshold: float | None, message) -> pd.DataFrame:
    """Flag records for the rows of `mask`; `message` is a text or a function of the value (applied
    to the flagged rows only: national feeds have hundreds of thousands of rows)."""
    mask = mask.fillna(False).astype(bool)
    sel = rows[mask]
    flagged = value[mask].astype(float)
    return pd.DataFrame({
        "feed": feed,
        "_row_number": sel["_row_number"].astype("int64").to_numpy(),
        "county_code": sel["_county_code"].astype(object).to_numpy(),
        "key_value": sel["key_value"].to_numpy(),
        "column_name": column,
        "rule": rule,
        "severity": severity,
        "value": flagged.to_numpy(),
        "threshold": threshold,
        "message": flagged.map(message).to_numpy() if callable(message) else message,
    }, columns=FLAG_COLUMNS)


def plausibility_flags(enrollment: pd.DataFrame, facilities: pd.DataFrame) -> pd.DataFrame:
    """Flags on valid rows: implausible values (kept, reported) and zero-student rows (kept out of
    every coefficient by the scope rules, reported). Never quarantine: a flag leaves the county complete.

    `enrollment`: school_id, stage, students, classes, _row_number, _county_code;
    `facilities`: school_id, the area and equipment columns, _row_number, _county_code.
    """
    parts = []
    e = enrollment.copy()
    e["key_value"] = e["school_id"].astype(str) + "|" + e["stage"].astype(str)
    students = pd.to_numeric(e["students"], errors="coerce").astype(float)
    classes = pd.to_numeric(e["classes"], errors="coerce").astype(float)
    per_class = students / classes.where(classes > 0)
    parts.append(_flags("enrollment", e, per_class > IMPLAUSIBLE_STUDENTS_PER_CLASS, "students",
                        "students_per_class_implausible", "implausible", per_class, IMPLAUSIBLE_STUDENTS_PER_CLASS,
                        lambda x: f"{x:.1f} students per class (over {IMPLAUSIBLE_STUDENTS_PER_CLASS}); "
                                  "kept, check with the county"))
    parts.append(_flags("enrollment", e, students == 0, "students", "zero_students", "notice", students, None,
                        "no students at this stage: kept, carries no weight in any coefficient"))

    f = facilities.copy()
    f["key_value"] = f["school_id"].astype(str)
    total = students.groupby(e["school_id"]).sum(min_count=1)
    per_school = f["school_id"].map(total).astype(float)
    per_school = per_school.where(per_school > 0)
    for col in AREA_COLUMNS_CHECKED:
        ratio = pd.to_numeric(f[col], errors="coerce").astype(float) / per_school
        parts.append(_flags("facilities", f, ratio > IMPLAUSIBLE_AREA_M2_PER_STUDENT, col,
                            "area_per_student_implausible", "implausible", ratio, IMPLAUSIBLE_AREA_M2_PER_STUDENT,
                            lambda x, c=col: f"{c} is {x:.0f} m² per student (over "
                                             f"{IMPLAUSIBLE_AREA_M2_PER_STUDENT}); kept, check with the county"))
    equipment = pd.to_numeric(f["equipment_value_10k_yuan"], errors="coerce").astype(float) * 10_000 / per_school
    parts.append(_flags("facilities", f, equipment > IMPLAUSIBLE_EQUIPMENT_YUAN_PER_STUDENT,
                        "equipment_value_10k_yuan", "equipment_per_student_implausible", "implausible", equipment,
                        IMPLAUSIBLE_EQUIPMENT_YUAN_PER_STUDENT,
                        lambda x: f"equipment worth {x:,.0f} yuan per student (over "
                                  f"{IMPLAUSIBLE_EQUIPMENT_YUAN_PER_STUDENT:,}); kept — 万元 entered as yuan?"))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def county_name_flags(schools: pd.DataFrame) -> pd.DataFrame:
    """Valid `schools` rows whose county_name differs from the name the county is published under: the
    one most of its rows give, ties to the later delivered row (as int_county_data_status chooses it).
    One row's typo must not rename a county silently; kept and flagged, the name chosen is stated.

    `schools`: county_code, county_name, _row_number, _county_code, school_id (valid rows)."""
    named = schools["county_code"].notna() & schools["county_name"].notna()
    counts = (schools[named].groupby(["county_code", "county_name"], observed=True)["_row_number"]
              .agg(["size", "max"]).reset_index()
              .sort_values(["county_code", "size", "max"], ascending=[True, False, False]))
    disputed = counts.loc[counts["county_code"].duplicated(), "county_code"].unique()
    if not len(disputed):  # the usual case: every county's rows give one name (nothing copied)
        return pd.DataFrame(columns=FLAG_COLUMNS)
    counts = counts[counts["county_code"].isin(disputed)]
    s = schools[named & schools["county_code"].isin(disputed)].copy()
    chosen = counts.drop_duplicates("county_code").set_index("county_code")
    total = s.groupby("county_code").size()
    s["key_value"] = s["school_id"].astype(str)
    name = s["county_code"].map(chosen["county_name"])
    odd = s["county_name"] != name

    def message(i: int) -> str:
        code = s.at[i, "county_code"]
        return (f"county_name '{s.at[i, 'county_name']}' differs from '{chosen.at[code, 'county_name']}', which "
                f"{chosen.at[code, 'size']} of the county's {total[code]} rows give; county {code} is published "
                f"as '{chosen.at[code, 'county_name']}' (the name most rows give, ties to the later row)")

    flags = _flags("schools", s, odd, "county_name", "county_name_disagrees", "implausible",
                   pd.Series(float("nan"), index=s.index), None, "")
    flags["message"] = [message(i) for i in s.index[odd.to_numpy()]]
    return flags


SUBMISSION_RULES_SEED = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "submission_rules.csv"


def percentage_parts(seed: Path = SUBMISSION_RULES_SEED) -> set[str]:
    """Submission parts judged as percentages: read from the seed that judges them (one home)."""
    rules = pd.read_csv(seed, dtype=str, keep_default_na=False)
    return set(rules.loc[rules["scale"] == "percent", "part_code"].str.upper())


def ambiguous_percentage_flags(submission: pd.DataFrame, parts: set[str]) -> pd.DataFrame:
    """county_submission rows whose percentage value lies in (0, 1] with no % sign and no stated scale:
    0.9 may be 90 % written as a fraction or 0.9 %. Kept and flagged; the item is judged unknown (never
    a failure or a veto) until the county writes 90, 90 % or states `scale`.

    `submission`: item_code, value, scale, _row_number, _county_code (valid rows)."""
    s = submission.copy()
    text = _nfkc(s["value"].fillna("").astype(str)).str.strip()
    number = pd.to_numeric(text.str.rstrip("%").str.strip(), errors="coerce").astype(float)
    scale = s["scale"] if "scale" in s.columns else pd.Series(None, index=s.index, dtype=object)
    item = s["item_code"].astype(str).str.strip().str.upper()
    mask = item.isin(parts) & ~text.str.contains("%", regex=False) & scale.isna() & (number > 0) & (number <= 1)
    s["key_value"] = item
    return _flags("county_submission", s, mask, "value", "ambiguous_percentage", "implausible", number, None,
                  lambda x: f"percentage written as {x:g}: {x * 100:g} % as a fraction, or {x:g} %? judged unknown "
                            f"(not a failure); write {x * 100:g} or {x * 100:g}%, or state scale = fraction")
