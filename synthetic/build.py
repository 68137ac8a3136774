"""The seven feeds of one year as DataFrames, with the contract's columns in the contract's order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthetic import items, resources
from synthetic.design import ANSHAN, SCHOOL_TYPES, STAGES, UR_CODES
from synthetic.roster import Roster, demo_roster, synthetic_roster
from synthetic.rules import FEEDS, LABELS


def _frame(feed: str, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """The feed's contract columns, in order, then `synthetic` = 1."""
    if set(columns) != set(LABELS[feed]):
        raise ValueError(f"{feed}: generated {sorted(columns)}, the contract has {sorted(LABELS[feed])}")
    n = len(next(iter(columns.values())))
    return pd.DataFrame({**{c: columns[c] for c in LABELS[feed]}, "synthetic": np.ones(n, dtype=np.int64)})


def _schools(r: Roster) -> pd.DataFrame:
    s = r.schools
    return _frame(
        "schools",
        {
            "school_id": r.sid,
            "school_name": r.name,
            "county_code": r.counties.code[s.county].astype(object),
            "county_name": r.counties.name[s.county].astype(object),
            "school_type": np.array(SCHOOL_TYPES, dtype=object)[s.stype],
            "parent_school_id": np.where(s.parent >= 0, r.sid[np.maximum(s.parent, 0)], None),
            "urban_rural": np.array(UR_CODES, dtype=object)[s.ur],
            "is_private": r.private,
            "is_boarding": r.boarding,
        },
    )


def year_tables(r: Roster, year: int) -> dict[str, pd.DataFrame]:
    """The seven feeds of one block in one year (draws: pupils, migrants, teachers, facilities). Staff and
    buildings are sized by the design's pupils; the enrollment and finance feeds have the year's history's."""
    us = r.units.school
    p = resources.pupils(r, year)
    rng = np.random.default_rng([*r.key, year, 22])
    migrant = rng.binomial(p.students, r.money.migrant_p[us])
    unit = {"school_id": r.sid[us], "stage": np.array(STAGES)[r.units.stage]}
    teachers = resources.teachers(r, rng, year, p.students)
    ps = resources.pupils_by_stage(r, p.students)
    facilities = resources.facilities(r, rng, year, ps, p.classes)
    p, migrant = resources.pupils_as_in(r, year, p, migrant)
    finance = resources.finance(r, year, resources.pupils_by_stage(r, p.students))
    school = {"school_id": r.sid}
    frames = {
        "schools": _schools(r),
        "enrollment": _frame(
            "enrollment",
            {
                **unit,
                "students": p.students,
                "classes": p.classes,
                "classes_over_45": p.o45,
                "classes_over_50": p.o50,
                "entrants": p.entrants,
                "final_grade_students": p.final,
                "migrant_students": migrant,
            },
        ),
        "teachers": _frame("teachers", {**unit, **teachers}),
        "facilities": _frame("facilities", {**school, **facilities}),
        "finance": _frame("finance", {**school, **finance}),
    }
    county_finance, submission = items.county_tables(
        r, year, teachers["full_time_teachers"], teachers["training_360h_completed"]
    )
    frames["county_finance"] = _frame("county_finance", county_finance)
    frames["county_submission"] = _frame("county_submission", submission)
    return frames


def _filter_counties(frames: dict[str, pd.DataFrame], codes: set[str]) -> dict[str, pd.DataFrame]:
    keep = frames["schools"]["county_code"].isin(codes)
    ids = set(frames["schools"].loc[keep, "school_id"])
    out = {}
    for feed, df in frames.items():
        mask = df["county_code"].isin(codes) if "county_code" in df else df["school_id"].isin(ids)
        out[feed] = df[mask].reset_index(drop=True)
    return out


def build_feeds(counties: int = 9, year: int = 2024, seed: int = 0) -> dict[str, pd.DataFrame]:
    """The seven feeds as DataFrames with canonical headers (plus ``synthetic`` = 1), deterministic."""
    counties = int(counties)
    if counties < 1:
        raise ValueError("counties must be >= 1")
    frames = year_tables(demo_roster(seed), int(year))
    if counties < len(ANSHAN):
        frames = _filter_counties(frames, {code for code, _ in ANSHAN[:counties]})
    if counties > len(ANSHAN):
        syn = year_tables(synthetic_roster(counties - len(ANSHAN), seed), int(year))
        frames = {f: pd.concat([frames[f], syn[f]], ignore_index=True) for f in FEEDS}
    return {f: frames[f] for f in FEEDS}
