"""The SQL runner (expectations/sql_runner.py) gives GX's verdicts: every stored suite, on rows built from
the suite itself, clean and with every expectation violated in known rows, through both engines — GX on
the table read back into pandas (what the checks did) and the SQL runner on the DuckDB table."""

from __future__ import annotations

import math
import random
import re
from collections import Counter

import duckdb
import pandas as pd
import pytest

from expectations import runner, sql_runner
from expectations.runner import load_suite_definition, suite_names, validate_frame
from expectations.sql_runner import UnsupportedExpectation, python_regex_to_re2, validate_table

COMPOUND = "expect_compound_columns_to_be_unique"
MATCH_SET = "expect_table_columns_to_match_set"


def suite_key(suite: str) -> list[str] | None:
    """The key the pipeline validates a suite with: a feed's contract key, a published table's grain."""
    from ingestion.contract import FEED_SPECS
    from publication.catalog import published_tables

    if suite.startswith("feed_"):
        return ["year", *FEED_SPECS[suite.removeprefix("feed_")].key]
    grains = {t.suite: list(t.grain) for t in published_tables()}
    return grains.get(suite)


# ------------------------------------------------------------------------------------------------
# rows derived from a suite's expectations


def _regex_value(regex: str, taken: set[str]) -> str:
    from hypothesis import find, settings
    from hypothesis import strategies as st

    return find(st.from_regex(regex, fullmatch=True), lambda s: s not in taken,
                settings=settings(database=None), random=random.Random(0))


def _regex_miss(regex: str) -> str:
    from hypothesis import find, settings
    from hypothesis import strategies as st

    return find(st.text(), lambda s: not re.search(regex, s), settings=settings(database=None),
                random=random.Random(0))


class SuiteRows:
    """A valid row per suite (varied by `v` in its key), and what violates each expectation."""

    def __init__(self, suite: str):
        self.suite = suite
        self.definition = load_suite_definition(suite)
        self.key = suite_key(suite)
        self.expectations = list(self.definition["expectations"])
        if self.key:
            self.expectations.append({"type": COMPOUND, "kwargs": {"column_list": self.key}})
        self.rules: dict[str, dict] = {}
        for e in self.expectations:
            kw = e["kwargs"]
            cols = [kw.get("column"), kw.get("column_A"), kw.get("column_B"),
                    *(kw.get("column_list") or []), *(kw.get("column_set") or [])]
            for c in filter(None, cols):
                self.rules.setdefault(c, {})
            t = e["type"]
            if t == "expect_column_values_to_be_in_set":
                self.rules[kw["column"]]["in_set"] = kw["value_set"]
            elif t == "expect_column_values_to_be_between":
                self.rules[kw["column"]]["between"] = kw
            elif t == "expect_column_values_to_match_regex":
                self.rules[kw["column"]]["regex"] = kw["regex"]
            elif t == "expect_column_values_to_not_be_null":
                self.rules[kw["column"]]["not_null"] = True
        self.pairs = [e["kwargs"] for e in self.expectations
                      if e["type"] == "expect_column_pair_values_a_to_be_greater_than_b"]
        self._regex_taken: dict[str, list[str]] = {}

    def value(self, col: str, v: int):
        r = self.rules[col]
        in_key = bool(self.key) and col in self.key
        if "in_set" in r:
            return r["in_set"][0]
        if "regex" in r:
            taken = self._regex_taken.setdefault(col, [])
            i = v if in_key else 0
            while len(taken) <= i:
                taken.append(_regex_value(r["regex"], set(taken)))
            return taken[i]
        if "between" in r:
            b = r["between"]
            lo, hi = b.get("min_value"), b.get("max_value")
            step = v if in_key else 0
            if lo is not None and hi is not None:
                mid = lo + (hi - lo) / 2
                mid = int(mid) if all(isinstance(x, int) for x in (lo, hi)) else mid
                return mid + step
            return lo + 1 + step if lo is not None else hi - 1 - step
        if any(col in (p["column_A"], p["column_B"]) for p in self.pairs):  # compared: a number
            return 10 + (v if in_key else 0)
        return f"{col[:4]}{v}"

    def row(self, v: int) -> dict:
        row = {c: self.value(c, v) for c in self.rules}
        for p in self.pairs:  # A > B (or ≥): A one above B
            row[p["column_A"]] = row[p["column_B"]] + 1
        return row

    def null_row(self, v: int) -> dict:
        """A valid row with every value NULL that may be (map expectations ignore NULLs)."""
        row = self.row(v)
        in_pair = {c for p in self.pairs for c in (p["column_A"], p["column_B"])}
        for c, r in self.rules.items():
            if not r.get("not_null") and c not in (self.key or []) and c not in in_pair:
                row[c] = None
        for p in self.pairs:  # both values missing: ignored by GX's default
            if not any(self.rules[c].get("not_null") for c in (p["column_A"], p["column_B"])):
                row[p["column_A"]] = row[p["column_B"]] = None
        return row

    def violate(self, row: dict, e: dict, first: dict) -> dict:
        """`row` changed so it breaks expectation `e` (`first` is the frame's first row)."""
        kw, t = e["kwargs"], e["type"]
        row = dict(row)
        if t == "expect_column_values_to_not_be_null":
            row[kw["column"]] = None
        elif t == "expect_column_values_to_be_in_set":
            vs = kw["value_set"]
            row[kw["column"]] = (not vs[0]) if isinstance(vs[0], bool) else "__not_in_set__"
        elif t == "expect_column_values_to_be_between":
            lo, hi = kw.get("min_value"), kw.get("max_value")
            row[kw["column"]] = (lo if kw.get("strict_min") else lo - 1) if lo is not None else \
                (hi if kw.get("strict_max") else hi + 1)
        elif t == "expect_column_values_to_match_regex":
            row[kw["column"]] = _regex_miss(kw["regex"])
        elif t == "expect_column_pair_values_a_to_be_greater_than_b":
            b = row[kw["column_B"]]
            row[kw["column_A"]] = b if not kw.get("or_equal") else b - 1
        elif t == COMPOUND:
            for c in kw["column_list"]:
                row[c] = first[c]
        else:
            raise AssertionError(f"no violation for {t}")
        return row


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def _both(con, suite: str, frame: pd.DataFrame, key):
    """GX on the table read back into pandas (the old check), and the SQL runner on the table."""
    con.execute("drop table if exists t")
    con.register("frame_view", frame)
    con.execute("create table t as select * from frame_view")
    con.unregister("frame_view")
    gx = validate_frame(suite, con.execute("select * from t").df(), key=key)
    sql = validate_table(con, suite, "t", key=key)
    return gx, sql


def _by_expectation(result) -> Counter:
    """The failing expectations with their unexpected counts (GX orders its results its own way)."""
    return Counter((f.expectation, f.column, f.unexpected_count) for f in result.failures)


def _failure(result, expectation: str, column: str | None):
    return next(f for f in result.failures if (f.expectation, f.column) == (expectation, column))


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    yield c
    c.close()


SUITES = suite_names()


def test_every_suite_is_covered_and_every_type_is_supported():
    types = {e["type"] for s in SUITES for e in load_suite_definition(s)["expectations"]}
    assert types <= sql_runner.SUPPORTED_TYPES
    assert len(SUITES) >= 27


@pytest.mark.parametrize("suite", SUITES)
def test_clean_rows_pass_in_both_engines(con, suite):
    rows = SuiteRows(suite)
    frame = _frame([rows.row(v) for v in range(3)] + [rows.null_row(3)])
    gx, sql = _both(con, suite, frame, rows.key)
    assert gx.success, gx.summary()  # the derived rows are valid for GX itself
    assert sql.success, sql.summary()
    assert sql.evaluated == gx.evaluated == len(rows.expectations)
    assert sql.rows == gx.rows == len(frame)  # what the check reports as its "rows"


@pytest.mark.parametrize("suite", SUITES)
def test_every_expectation_violated_gives_gx_verdicts_and_counts(con, suite):
    rows = SuiteRows(suite)
    clean = [rows.row(v) for v in range(3)] + [rows.null_row(3)]
    frame_rows, expected_ids = list(clean), {}
    v = 4
    row_wise = [e for e in rows.expectations if e["type"] != MATCH_SET]
    for i, e in enumerate(row_wise):
        ids = []
        for _ in range(1 + i % 3):  # 1, 2 or 3 violating rows: the counts must agree, not only the verdict
            bad = rows.violate(rows.row(v), e, clean[0])
            frame_rows.append(bad)
            ids.append("/".join(str(bad[c]) for c in rows.key) if rows.key else None)
            v += 1
        expected_ids[(e["type"], e["kwargs"].get("column") or ",".join(e["kwargs"].get("column_list") or [])
                      or None)] = ids
    gx, sql = _both(con, suite, _frame(frame_rows), rows.key)

    assert not gx.success and not sql.success
    assert _by_expectation(sql) == _by_expectation(gx)
    assert sql.evaluated == gx.evaluated
    # each expectation failed, and names the rows broken for it
    for e_key, ids in expected_ids.items():
        failure = _failure(sql, *e_key)
        assert failure.unexpected_count >= len(ids), e_key
        if rows.key and e_key[0] != COMPOUND and failure.unexpected_count <= 5:  # else only 5 are named
            assert set(ids) <= set(failure.examples), (e_key, ids, failure.examples)
    # the examples are GX's: the first offending rows (duplicates: any duplicated rows)
    for g in gx.failures:
        s = _failure(sql, g.expectation, g.column)
        if g.expectation == COMPOUND:
            assert set(s.examples) <= set(gx_dups(frame_rows, rows.key))
        else:
            assert s.examples == g.examples
    assert sql.summary().split("; ")[0].split(": ", 1)[0] == suite


def gx_dups(frame_rows, key):
    names = ["/".join(str(r[c]) for c in key) for r in frame_rows]
    return [n for n in names if names.count(n) > 1]


@pytest.mark.parametrize("suite", [s for s in SUITES if any(
    e["type"] == MATCH_SET for e in load_suite_definition(s)["expectations"])])
def test_a_missing_column_fails_as_in_gx(con, suite):
    rows = SuiteRows(suite)
    column_set = next(e for e in rows.expectations if e["type"] == MATCH_SET)["kwargs"]["column_set"]
    gone = column_set[-1]
    frame = _frame([rows.row(v) for v in range(3)]).drop(columns=gone)
    gx, sql = _both(con, suite, frame, rows.key)
    assert not sql.success
    assert _by_expectation(sql) == _by_expectation(gx)
    assert (MATCH_SET, None, None) in _by_expectation(sql)


# ------------------------------------------------------------------------------------------------
# semantics the stored suites do not all exercise: same verdicts and counts as GX


def _with_suite(monkeypatch, expectations: list[dict]):
    definition = {"name": "adhoc", "expectations": expectations}
    monkeypatch.setattr(runner, "load_suite_definition", lambda name: definition)
    monkeypatch.setattr(sql_runner, "load_suite_definition", lambda name: definition)


def _compare(con, monkeypatch, frame, expectations, key=None):
    _with_suite(monkeypatch, expectations)
    gx, sql = _both(con, "adhoc", frame, key)
    assert _by_expectation(sql) == _by_expectation(gx), (gx.summary(), sql.summary())
    assert sql.success == gx.success
    return sql


def test_between_bounds_strictness_mostly_and_nulls(con, monkeypatch):
    frame = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0, None, -1.0], "i": [0, 1, 2, 3, 4, 5]})
    sql = _compare(con, monkeypatch, frame, [
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "x", "min_value": 0, "max_value": 2}},
        {"type": "expect_column_values_to_be_between",
         "kwargs": {"column": "x", "min_value": 0, "max_value": 2, "strict_min": True, "strict_max": True}},
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "i", "min_value": None, "max_value": 3}},
        {"type": "expect_column_values_to_be_between",
         "kwargs": {"column": "x", "min_value": 0, "max_value": 2, "mostly": 0.5}},  # 2 of 5 non-null: passes
        {"type": "expect_column_values_to_be_between",
         "kwargs": {"column": "i", "min_value": 0, "max_value": 1, "mostly": 0.5}},  # 4 of 6 unexpected: fails
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "x", "mostly": 0.8}},
    ])
    # NULL is neither unexpected nor counted by mostly; inclusive bounds unless strict
    assert _by_expectation(sql) == Counter({("expect_column_values_to_be_between", "x", 2): 1,
                                            ("expect_column_values_to_be_between", "x", 4): 1,
                                            ("expect_column_values_to_be_between", "i", 2): 1,
                                            ("expect_column_values_to_be_between", "i", 4): 1})


def test_nan_in_a_duckdb_table_is_missing_as_in_pandas(con, monkeypatch):
    _with_suite(monkeypatch, [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "x"}},
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "x", "min_value": 0, "max_value": 1}},
        {"type": "expect_column_pair_values_a_to_be_greater_than_b", "kwargs": {"column_A": "x", "column_B": "y"}},
    ])
    con.execute("drop table if exists t")
    con.execute("create table t as select * from (values (0.5, 0.1, 'a'), ('nan'::double, 0.2, 'b'), "
                "('nan'::double, 'nan'::double, 'c')) v(x, y, k)")
    gx = validate_frame("adhoc", con.execute("select * from t").df(), id_columns=["k"])
    sql = validate_table(con, "adhoc", "t", id_columns=["k"])
    assert _by_expectation(sql) == _by_expectation(gx) == Counter({
        ("expect_column_values_to_not_be_null", "x", 2): 1,
        ("expect_column_pair_values_a_to_be_greater_than_b", None, 1): 1})
    assert next(f for f in sql.failures if f.column == "x").examples == ["b", "c"]


def test_compound_uniqueness_counts_partly_missing_keys_as_gx_does(con, monkeypatch):
    # GX skips a row only when ALL its key values are missing; missing values equal each other
    frame = pd.DataFrame({"a": [1, 1, None, None, 2, 2, None, None, 3],
                          "b": ["x", "x", "y", "y", None, None, None, None, "z"]})
    key = ["a", "b"]
    for mode in (None, "any_value_is_missing", "never"):
        kwargs = {"column_list": key} | ({"ignore_row_if": mode} if mode else {})
        sql = _compare(con, monkeypatch, frame, [{"type": COMPOUND, "kwargs": kwargs}])
        expected = {None: 6, "any_value_is_missing": 2, "never": 8}[mode]
        assert _failure(sql, COMPOUND, "a,b").unexpected_count == expected


def test_pair_ignores_only_rows_missing_both(con, monkeypatch):
    frame = pd.DataFrame({"a": [1.0, None, 3.0, None, 5.0, 6.0], "b": [0.0, 1.0, None, None, 5.0, 7.0]})
    for or_equal in (False, True):
        for mode in (None, "either_value_is_missing", "neither"):
            kwargs = {"column_A": "a", "column_B": "b", "or_equal": or_equal} | (
                {"ignore_row_if": mode} if mode else {})
            _compare(con, monkeypatch, frame,
                     [{"type": "expect_column_pair_values_a_to_be_greater_than_b", "kwargs": kwargs}])


def test_in_set_compares_like_pandas_isin(con, monkeypatch):
    frame = pd.DataFrame({"s": ["a", "b", None, "1"], "i": [1, 0, 2, 1], "f": [True, False, True, None]})
    _compare(con, monkeypatch, frame, [
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "s", "value_set": ["a", 1]}},
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "i", "value_set": ["1", 2]}},
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "i", "value_set": [True]}},
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "f", "value_set": [True]}},
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "s", "value_set": ["a'b", "b"]}},
    ])


REGEX_CASES = [r"^\d{10}$", r"\d", r"^\w+$", r"\s", r"^[\d-]+$", r"[^\d\s]", r"^a.c\Z", r"\u5e02$", r"^\S+$",
               r"\W", r"(?m)^b$", r"^[]x]+$"]
TEXTS = ["0123456789", "０１２３４５６７８９", "0123456789\n", "012345678", "x0123456789", "铁东区", "a_b",
         "a b", "a\u3000b", "a\u00a0b", "", "-12-", "abc", "a\nc", "鞍山市", "鞍山市\n", "a\nb\nc", "]x]", "\x1c"]


@pytest.mark.parametrize("regex", REGEX_CASES)
def test_regex_rewrite_searches_as_python_re(con, regex):
    re2 = python_regex_to_re2(regex)
    got = [v for (v,) in con.execute("select regexp_matches(s, ?) from unnest(?) u(s)", [re2, TEXTS]).fetchall()]
    assert got == [bool(re.search(regex, s)) for s in TEXTS], re2


def test_regex_expectation_matches_gx_on_unicode_digits_and_newlines(con, monkeypatch):
    frame = pd.DataFrame({"s": TEXTS + [None]})
    _compare(con, monkeypatch, frame, [
        {"type": "expect_column_values_to_match_regex", "kwargs": {"column": "s", "regex": r"^\d{10}$"}}])


def test_a_missing_column_or_impossible_comparison_fails_without_count(con, monkeypatch):
    frame = pd.DataFrame({"s": ["a", "b"], "x": [1, 2]})
    sql = _compare(con, monkeypatch, frame, [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "gone"}},
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "s", "min_value": 0}},
        {"type": MATCH_SET, "kwargs": {"column_set": ["s"]}},  # exact by default: x is extra
        {"type": MATCH_SET, "kwargs": {"column_set": ["s"], "exact_match": False}},
    ])
    assert [f.unexpected_count for f in sql.failures] == [None, None, None]


def test_an_unknown_expectation_type_or_argument_raises(con, monkeypatch):
    con.execute("create or replace table t as select 1 as x")
    _with_suite(monkeypatch, [{"type": "expect_column_values_to_be_unique", "kwargs": {"column": "x"}}])
    with pytest.raises(UnsupportedExpectation, match="expect_column_values_to_be_unique"):
        validate_table(con, "adhoc", "t")
    _with_suite(monkeypatch, [{"type": "expect_column_values_to_not_be_null",
                               "kwargs": {"column": "x", "row_condition": "x > 0"}}])
    with pytest.raises(UnsupportedExpectation, match="row_condition"):
        validate_table(con, "adhoc", "t")


# ------------------------------------------------------------------------------------------------
# what a check reports


def test_a_failing_check_names_the_rows_key(con):
    key = ["year", "ruleset", "county_code"]
    row = {"year": 2024, "county_code": "210302", "county_name": "铁东区", "ruleset": "moe_2017",
           "status": "ready", "blocking_reasons": None, "failing_items": None, "veto_triggered": False,
           "primary_per_indicator_balance": True, "primary_comprehensive_balance": True}
    con.execute("drop table if exists readiness")
    frame = pd.DataFrame([row, {**row, "county_code": "210303", "status": "maybe"}, {**row, "year": 2023}, row])
    con.register("frame_view", frame)
    con.execute("create table readiness as select * from frame_view")
    con.unregister("frame_view")
    result = validate_table(con, "mart_county_readiness", "(select * from readiness where list_contains(?, year))",
                            key=key, params=[[2024]])
    assert not result.success and result.evaluated == len(load_suite_definition("mart_county_readiness")
                                                          ["expectations"]) + 1
    text = result.summary()
    assert "expect_column_values_to_be_in_set on status: 1 row(s); e.g. 2024/moe_2017/210303" in text
    assert "expect_compound_columns_to_be_unique on year,ruleset,county_code: 2 row(s); " \
           "e.g. 2024/moe_2017/210302, 2024/moe_2017/210302" in text
    # the year filter applies: 2023's row is not read
    assert validate_table(con, "mart_county_readiness", "(select * from readiness where year = ?)",
                          key=key, params=[2023]).success


def test_nothing_is_read_into_python_but_counts_and_examples(con, monkeypatch):
    """The rows stay in DuckDB: only aggregates and ≤ 5 example rows per failing expectation come back."""
    con.execute("create or replace table big as select range as k, range % 7 as v from range(100000)")
    _with_suite(monkeypatch, [
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "v", "min_value": 0, "max_value": 5}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "v"}}])
    fetched = []
    real = duckdb.DuckDBPyConnection.execute

    class Spy:
        def __init__(self, c):
            self.c = c

        def execute(self, q, params=None):
            cur = real(self.c, q, params or [])
            fetched.append(q)
            return _Counting(cur, fetched)

    result = validate_table(Spy(con), "adhoc", "big", key=["k"])
    assert [f.unexpected_count for f in result.failures] == [math.floor(100000 / 7)]
    assert result.failures[0].examples == ["6", "13", "20", "27", "34"]
    assert max(n for n in fetched if isinstance(n, int)) <= 5


class _Counting:
    def __init__(self, cur, log):
        self.cur, self.log = cur, log

    @property
    def description(self):
        return self.cur.description

    def fetchall(self):
        rows = self.cur.fetchall()
        self.log.append(len(rows))
        return rows

