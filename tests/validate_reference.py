"""The feed contract enforced in pandas, row by row in vectorised masks: the implementation that
`ingestion.validate` replaced with one DuckDB pass per feed, kept as the reference it is checked against
(tests/unit/test_validate_equivalence.py asserts the same typed frame and the same violations, in the
same order, on every feed the tests deliver, a synthetic year and a file of nasty cells).

A test oracle, kept with the tests: nothing outside tests/ and benchmarks/ imports it
(tests/unit/test_architecture.py). Do not change its behaviour without changing `ingestion.validate` with it.
"""

from __future__ import annotations

import re

import pandas as pd

from ingestion.contract import (
    COUNTY_FEEDS,
    FALSE_VALUES,
    FEED_SPECS,
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
from ingestion.validate import (
    VIOLATION_COLUMNS,
    SchoolsReference,
    ValidatedFeed,
    _nfkc,
    feed_notes,
    json_lines,
)


def _by_value(text: pd.Series, fn) -> pd.Series:
    """fn over each distinct value once (enumerations and flags repeat a handful of spellings)."""
    return text.map({v: fn(v) for v in text.unique()})


class _Violations:
    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: pd.Series, column: str | None, rule: str, message: str | pd.Series) -> None:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        part = pd.DataFrame({
            "_row_number": self.frame.loc[mask, "_row_number"].to_numpy(),
            "column_name": column,
            "rule": rule,
            "message": message[mask].to_numpy() if isinstance(message, pd.Series) else message,
        })
        self.parts.append(part)

    def result(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=VIOLATION_COLUMNS)
        return pd.concat(self.parts, ignore_index=True)


def _coerce_column(col: Column, text: pd.Series, path, v: _Violations, raw_numbers: pd.Series) -> pd.Series:
    blank = text.isna() | (text.astype(str).str.strip() == "")
    if col.required:
        v.add(blank, col.name, "required", f"{col.name} ({col.zh}) is blank")
    if col.kind in ("int", "num"):
        # plain numbers parse as they are (C speed); only the rest is normalised (full-width digits,
        # thousands separators, spaces) and parsed again — the same values either way
        values = pd.to_numeric(text.where(~blank), errors="coerce")
        retry = ~blank & values.isna()
        if retry.any():
            cleaned = _nfkc(text[retry].astype(str)).str.replace(",", "", regex=False)
            values = values.astype("float64")
            values[retry] = pd.to_numeric(cleaned, errors="coerce").astype("float64")
        values = values.where(~values.isin([float("inf"), float("-inf")]))  # infinities are no numbers
        bad = ~blank & values.isna()
        shown = "'" + text.astype(str).map(visible) + "'"
        if bad.any() and bad.sum() == (~blank).sum():
            rows = text.index[bad][:5]
            raise FeedFileError(path, "wrong_type", f"no value of column '{col.name}' is a number "
                                f"(e.g. {text.loc[rows[0]]!r})", column=col.name,
                                rows=[int(r) for r in raw_numbers.loc[rows]])
        v.add(bad, col.name, "not_a_number", shown + " is not a number")
        if col.kind == "int":
            frac = values.notna() & (values % 1 != 0)
            v.add(frac, col.name, "not_an_integer", shown + " is not a whole number")
            v.add(values.abs() > MAX_COUNT, col.name, "out_of_range",
                  shown + f" is beyond any count (more than {MAX_COUNT:,})")
        if col.min_value is not None:
            low = values <= col.min_value if col.min_exclusive else values < col.min_value
            rule = "not_positive" if col.min_exclusive else "negative"
            v.add(low, col.name, rule, f"{col.name} must be {'>' if col.min_exclusive else '≥'} {col.min_value:g}, got "
                  + values.astype(str))
        if col.kind == "int":
            # a fractional count is quarantined above; keep it out of the integer column
            whole = (values % 1 == 0) & (values.abs() <= MAX_COUNT)
            return values.where(values.isna() | whole).round().astype("Int64")
        return values.astype("Float64")
    if col.kind == "bool":
        norm = _by_value(text.astype(str), normalize_header)
        out = pd.Series(pd.NA, index=text.index, dtype="boolean")
        out[norm.isin(TRUE_VALUES)] = True
        out[norm.isin(FALSE_VALUES)] = False
        bad = ~blank & out.isna()
        v.add(bad, col.name, "not_a_boolean", "'" + text.astype(str).map(visible) + "' is not one of 1/0, true/false, 是/否, Y/N")
        return out
    if col.kind == "enum":
        mapping = enum_map(enum_spellings(col))
        out = _by_value(text.astype(str), lambda v: mapping.get(normalize_header(v)))
        bad = ~blank & out.isna()
        v.add(bad, col.name, "invalid_value",
              "'" + text.astype(str).map(visible) + f"' is not an accepted {col.name}")
        return out.where(~blank, None).astype(object)
    # text
    out = text.astype(str).str.strip()
    if col.pattern:
        out = _nfkc(out)
        pat = re.compile(col.pattern)
        bad = ~blank & ~out.map(lambda s: bool(pat.fullmatch(s)))
        v.add(bad, col.name, "format", "'" + out.map(visible) + f"' does not match the format {col.pattern}")
    return out.where(~blank, None).astype(object)


def _row_rules(feed: str, t: pd.DataFrame, v: _Violations, ref: SchoolsReference) -> None:
    spec = FEED_SPECS[feed]
    key_ok = pd.concat([t[k].notna() for k in spec.key], axis=1).all(axis=1)
    dup = key_ok & t.duplicated(list(spec.key), keep=False)
    v.add(dup, "+".join(spec.key), "duplicate_key",
          f"{'+'.join(spec.key)} appears more than once in the file; every copy is held back")

    if feed == "teachers":
        parts = t["qual_postgraduate"] + t["qual_bachelor"] + t["qual_associate"] + t["qual_below_associate"]
        v.add(parts != t["full_time_teachers"], "qual_*", "qualification_parts_sum",
              "qualification counts add up to " + parts.astype(str) + ", not full_time_teachers "
              + t["full_time_teachers"].astype(str))
        subject = t["pe_teachers"].fillna(0) + t["music_teachers"].fillna(0) + t["art_teachers"].fillna(0)
        v.add(subject > t["full_time_teachers"], "pe_teachers+music_teachers+art_teachers",
              "subject_teachers_exceed_total", "PE + music + art teachers exceed full_time_teachers")
        for c in ("title_intermediate_plus", "backbone_teachers", "certified_teachers", "training_360h_completed"):
            v.add(t[c] > t["full_time_teachers"], c, "exceeds_full_time_teachers",
                  f"{c} exceeds full_time_teachers")
    if feed == "enrollment":
        v.add(t["classes_over_45"] > t["classes"], "classes_over_45", "class_counts_inconsistent",
              "classes_over_45 exceeds classes")
        v.add(t["classes_over_50"] > t["classes_over_45"], "classes_over_50", "class_counts_inconsistent",
              "classes_over_50 exceeds classes_over_45")
        v.add((t["students"] > 0) & (t["classes"] == 0), "classes", "no_classes",
              "students are enrolled but classes is 0")
        for c in ("entrants", "final_grade_students", "migrant_students"):
            v.add(t[c] > t["students"], c, "exceeds_students", f"{c} exceeds students")
    if feed == "facilities":
        # Indoor sports rooms are part of the teaching & auxiliary floor area (R4 subtracts them).
        v.add(t["indoor_sports_area_m2"] > t["teaching_aux_area_m2"], "indoor_sports_area_m2", "part_exceeds_total",
              "indoor_sports_area_m2 exceeds teaching_aux_area_m2, of which it is a part")
    if feed == "schools":
        tp = t["school_type"] == "teaching_point"
        v.add(tp & t["parent_school_id"].isna(), "parent_school_id", "teaching_point_without_parent",
              "a teaching point (教学点) must name its parent school")
        parents = t.drop_duplicates("school_id").set_index("school_id")
        p_type = t["parent_school_id"].map(parents["school_type"])
        p_county = t["parent_school_id"].map(parents["county_code"])
        has_parent = tp & t["parent_school_id"].notna()
        ok_parent = p_type.isin(["primary", "nine_year", "twelve_year"]) & (p_county == t["county_code"])
        v.add(has_parent & ~ok_parent, "parent_school_id", "parent_not_found",
              "parent school " + t["parent_school_id"].astype(str)
              + " is not a primary/一贯制 school of the same county in this feed")
    if feed in SCHOOL_CHILD_FEEDS and len(ref.county_by_school):
        known = t["school_id"].isin(ref.county_by_school.index)
        v.add(t["school_id"].notna() & ~known, "school_id", "orphan_school_id",
              "school_id " + t["school_id"].astype(str) + " is not in the schools feed")
        if "stage" in t.columns:
            stype = t["school_id"].map(ref.type_by_school)
            pairs = pd.MultiIndex.from_tuples([(ty, st) for ty, stages in STAGES_BY_TYPE.items() for st in stages])
            unknown = t["stage"].isna() | stype.isna()
            allowed = unknown | pd.MultiIndex.from_arrays([stype, t["stage"]]).isin(pairs)
            v.add(~allowed, "stage", "stage_for_type",
                  "stage " + t["stage"].astype(str) + " is impossible for a school of type " + stype.astype(str))
            _stage_missing(t, stype, v)
    if feed in COUNTY_FEEDS and len(ref.county_by_school):
        known_county = t["county_code"].isin(set(ref.county_by_school.dropna()))
        v.add(t["county_code"].notna() & ~known_county, "county_code", "unknown_county",
              "county_code " + t["county_code"].astype(str) + " is not a county of the schools feed")


def _stage_missing(t: pd.DataFrame, stype: pd.Series, v: _Violations) -> None:
    """一贯制 schools report every stage they teach; all rows of one that lacks a stage are held back."""
    complete = stype.isin(STAGE_COMPLETE_TYPES) & t["stage"].notna()
    if not complete.any():
        return
    rows = pd.DataFrame({"school_id": t["school_id"], "stage": t["stage"], "type": stype})[complete]
    schools = rows.groupby("school_id").agg(stages=("stage", set), type=("type", "first"))
    schools["missing"] = [[st for st in STAGES_BY_TYPE[ty] if st not in have]
                          for have, ty in zip(schools["stages"], schools["type"], strict=True)]
    schools = schools[schools["missing"].map(bool)]
    if schools.empty:
        return
    text = pd.Series([f"{ty} school reports no {'/'.join(m)} row; a 一贯制 school reports every stage it "
                      "teaches (0 students when one is empty)" for ty, m in zip(schools["type"], schools["missing"],
                                                                                 strict=True)],
                     index=schools.index)
    v.add(t["school_id"].isin(schools.index), "stage", "stage_missing", t["school_id"].map(text))


def validate_feed(delivered: DeliveredFeed, ref: SchoolsReference | None = None) -> ValidatedFeed:
    """Typed frame with `_quarantined` per row, and one violation record per broken rule."""
    ref = ref or SchoolsReference.empty()
    feed = delivered.feed
    spec = FEED_SPECS[feed]
    # the reference works on Python strings (a file's frame holds Arrow strings: the same text)
    raw = delivered.frame.astype({c: object for c, t in delivered.frame.dtypes.items() if isinstance(t, pd.ArrowDtype)})
    v = _Violations(raw)
    typed = pd.DataFrame({"_row_number": raw["_row_number"].astype("int64")})
    for col in spec.all_columns:
        if col.name in raw.columns:
            typed[col.name] = _coerce_column(col, raw[col.name], delivered.path, v, raw["_row_number"])
        else:
            typed[col.name] = pd.Series(pd.NA, index=raw.index, dtype=object if col.sql_type == "VARCHAR" else None)
    if delivered.ragged_rows:
        rag = raw["_row_number"].isin(list(delivered.ragged_rows))
        v.add(rag, None, "field_count",
              raw["_row_number"].map(lambda n: f"row has {delivered.ragged_rows.get(n)} fields, "
                                      f"the header has {len(raw.columns) - 1}"))
    _row_rules(feed, typed, v, ref)

    violations = v.result()
    typed["_quarantined"] = typed["_row_number"].isin(violations["_row_number"])
    data_cols = [c for c in raw.columns if c != "_row_number"]
    delivered_cells = raw[data_cols].astype(str)
    typed["_row_hash"] = pd.util.hash_pandas_object(delivered_cells, index=False).map(lambda h: f"{h:016x}").to_numpy()
    typed["_delivered"] = json_lines(delivered_cells)

    if "county_code" in typed.columns:
        county = typed["county_code"]
        if feed in COUNTY_FEEDS and len(violations):
            # a county the census does not know is not a county: no phantom row in the readiness marts
            unknown = violations.loc[violations["rule"] == "unknown_county", "_row_number"]
            county = county.where(~typed["_row_number"].isin(unknown), None)
    elif "school_id" in typed.columns and len(ref.county_by_school):
        county = typed["school_id"].map(ref.county_by_school)
    else:  # a feed of no county (unit_costs), or no schools reference
        county = pd.Series(None, index=typed.index, dtype=object)
    typed["_county_code"] = county.astype(object)
    if len(violations):
        by_row = typed.set_index("_row_number")
        violations["county_code"] = violations["_row_number"].map(by_row["_county_code"])
        violations["key_value"] = violations["_row_number"].map(
            by_row[list(spec.key)].astype(str).agg("|".join, axis=1))
    else:
        violations["county_code"] = pd.Series(dtype=object)
        violations["key_value"] = pd.Series(dtype=object)

    typed["_quarantined"] = typed["_quarantined"].astype(bool)
    return ValidatedFeed(feed=feed, typed=typed, violations=violations, notes=feed_notes(delivered))
