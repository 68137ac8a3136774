"""A small hand-built city for the report tests: three counties of city 2103 over 2022–2024.

  210302 铁东区  the spec's five-school worked example (books per student: B5 CV 0.5153 under
                 basic_2012) plus one junior school. 示例第2小学 has no key teacher (R2 = 0 < 85 % of
                 1.0 per 100 pupils): it fails the school rule, so R2 fails and the county is not
                 ready. Fewer schools lack key teachers each year (2022: 2, 4, 5; 2023: 2, 5; 2024: 2),
                 but the worst, 示例第2小学, stays without one: the school rule's measure (the worst failing
                 unit's shortfall from its 85 % floor) is 1.0 every year — not improving, no projected
                 year (a count of failing units, 3, 2, 1, projected 2025). The plan (one teacher,
                 ¥120,000 a year) fits the ¥500,000 budget a year: on track.
                 Schools 1–2 and the junior school are town (城区 111), 3–5 village (乡村 210).
  210303 铁西区  every item passes (ready in 2023 and 2024).
  210304 立山区  passes too, but in 2024 one enrollment row is broken (negative pupils): the row is
                 quarantined and the county is incomplete in 2024.
  210311 千山区  passes every computed item, but its submitted social recognition is 80 % (< 85 %):
                 SR fails and so does the one-vote veto VETO_LOW_RECOGNITION.

Every feed the evaluation reads is delivered, so each item has a verdict; the 2024 plan table gives
210302 the year 2025 with a budget, 210303 the year 2023, and 210304 no year.
"""

from __future__ import annotations

import math

import pandas as pd

from tests import worked_example
from tests.integration.evaluation_cases import base_county

YEARS = (2022, 2023, 2024)
CITY = "2103"
EXAMPLE = worked_example.COUNTY  # 210302
READY = "210303"
QUARANTINED = "210304"
VETOED = "210311"
NAMES = {EXAMPLE: "铁东区", READY: "铁西区", QUARANTINED: "立山区", VETOED: "千山区"}
# Schools of the worked example without a key teacher, by year (R2 = 0 < 85 % of 1.0 per 100 pupils)
NO_KEY_TEACHER = {2022: (2, 4, 5), 2023: (2, 5), 2024: (2,)}
TOWN_SCHOOLS = (1, 2)
PLAN = {EXAMPLE: (2025, 500_000), READY: (2023, None)}
R2_THRESHOLD = 1.0  # primary, per 100 pupils (seeds/standards.csv)
TEACHER_YEAR_YUAN = 120_000  # the R2 unit cost (seeds/unit_costs.csv)


def weighted_cv(weights: list[float], values: list[float]) -> float:
    """Student-weighted coefficient of variation, population form (the spec's formula), by hand."""
    total = sum(weights)
    mean = sum(w * x for w, x in zip(weights, values, strict=True)) / total
    var = sum(w * (x - mean) ** 2 for w, x in zip(weights, values, strict=True)) / total
    return math.sqrt(var) / mean


def b5_cv() -> float:
    """The worked example's B5 (books per student) coefficient: 0.5153."""
    return weighted_cv(worked_example.STUDENTS, [b / s for b, s in zip(worked_example.BOOKS, worked_example.STUDENTS,
                                                                         strict=True)])


def r2_values(year: int) -> list[float]:
    """Key teachers per 100 pupils at the five example schools in `year`."""
    return [0.0 if i in NO_KEY_TEACHER[year] else 100 / s for i, s in enumerate(worked_example.STUDENTS, start=1)]


def r3_values() -> list[float]:
    """PE, music and art teachers per 100 pupils (the worked example's teachers feed, every year)."""
    counts = [1 + m + a for m, a in zip([0, 0, 1, 1, 0], [0, 0, 1, 0, 1], strict=True)]
    return [100 * c / s for c, s in zip(counts, worked_example.STUDENTS, strict=True)]


def theil_between_share(weights: list[float], values: list[float], town: list[bool]) -> float:
    """Share of the pupil-weighted Theil T that lies between the town and the village schools."""
    total = sum(weights)
    mean = sum(w * x for w, x in zip(weights, values, strict=True)) / total
    theil = sum(w * (x / mean) * math.log(x / mean) for w, x in zip(weights, values, strict=True) if x > 0) / total
    between = 0.0
    for area in (True, False):
        w = [p for p, t in zip(weights, town, strict=True) if t == area]
        x = [v for v, t in zip(values, town, strict=True) if t == area]
        area_mean = sum(a * b for a, b in zip(w, x, strict=True)) / sum(w)
        between += sum(w) / total * (area_mean / mean) * math.log(area_mean / mean)
    return between / theil


def r2_ledger() -> dict[str, tuple[int, int, int | None, str]]:
    """The rectification ledger of 铁东区's R2 and BALANCE by hand, from NO_KEY_TEACHER: subject →
    (first failing year, last failing year, fixed year, status)."""
    out = {}
    for i, sid in enumerate(worked_example.SCHOOL_IDS, start=1):
        failing = [y for y in YEARS if i in NO_KEY_TEACHER[y]]
        if failing:
            fixed = failing[-1] + 1 if failing[-1] < YEARS[-1] else None
            out[f"{sid}:R2"] = (failing[0], failing[-1], fixed, "open" if fixed is None else "fixed")
    out["county:R2"] = (YEARS[0], YEARS[-1], None, "open")
    over_cap = [y for y in YEARS if weighted_cv(worked_example.STUDENTS, r2_values(y)) > 0.50]
    if over_cap:
        fixed = over_cap[-1] + 1 if over_cap[-1] < YEARS[-1] else None
        out["county:BALANCE"] = (over_cap[0], over_cap[-1], fixed, "open" if fixed is None else "fixed")
    return out


def r2_plan_teachers() -> int:
    """What 示例第2小学 must add in 2024 to reach R2's threshold: whole teachers."""
    return math.ceil(R2_THRESHOLD * worked_example.STUDENTS[1] / 100)


def _example_county(year: int) -> dict[str, pd.DataFrame]:
    wx = worked_example.frames()
    ids = worked_example.SCHOOL_IDS
    wx["schools"]["urban_rural"] = ["111" if i in TOWN_SCHOOLS else "210" for i in range(1, 6)]
    wx["teachers"]["backbone_teachers"] = [0 if i in NO_KEY_TEACHER[year] else 1 for i in range(1, 6)]
    students = worked_example.STUDENTS
    wx["finance"] = pd.DataFrame({
        "school_id": ids, "public_funds_budget_yuan": [100_000.0] * 5, "public_funds_yuan": [100_000.0] * 5,
        "funded_students": [max(100, s) for s in students],  # G6: small schools funded as 100 pupils
        "teacher_training_funds_yuan": [6_000.0] * 5})       # Q4: ≥ 5 % of the budget
    # One junior school and the county's finance and submission, from the evaluation cases' passing county
    base = base_county(EXAMPLE, 1)
    junior = base["schools"]["school_type"] == "初级中学"
    jid = base["schools"].loc[junior, "school_id"].item()
    out = {}
    for feed, df in wx.items():
        extra = base[feed][base[feed]["school_id"] == jid] if "school_id" in base[feed] else base[feed].iloc[0:0]
        if feed == "schools":
            extra = extra.assign(school_name="示例第一初级中学", county_name=NAMES[EXAMPLE], urban_rural="111")
        out[feed] = pd.concat([df, extra], ignore_index=True)
    out["finance"] = pd.concat([wx["finance"], base["finance"][base["finance"]["school_id"] == jid]],
                               ignore_index=True)
    out["county_finance"] = base["county_finance"]
    out["county_submission"] = base["county_submission"]
    return out


def _plain_county(code: str, idx: int, year: int) -> dict[str, pd.DataFrame]:
    frames = base_county(code, idx)
    frames["schools"]["county_name"] = NAMES[code]
    if code == QUARANTINED and year == 2024:
        enrol = frames["enrollment"]
        enrol["students"] = enrol["students"].astype(object)
        enrol.loc[enrol.index[0], "students"] = -5  # breaks the contract: the row is quarantined
    if code == VETOED:
        sub = frames["county_submission"]
        sub.loc[sub["item_code"] == "SR", "value"] = "80"
    return frames


def frames(year: int) -> dict[str, pd.DataFrame]:
    counties = [_example_county(year), _plain_county(READY, 2, year), _plain_county(QUARANTINED, 3, year),
                _plain_county(VETOED, 4, year)]
    out = {feed: pd.concat([c[feed] for c in counties], ignore_index=True) for feed in counties[0]}
    if year == 2024:
        out["county_plan"] = pd.DataFrame([{"county_code": c, "planned_year": y, "budget_yuan_per_year": b}
                                           for c, (y, b) in PLAN.items()])
    return out


def write(landing) -> None:
    from tests.integration.helpers import write_feeds

    for year in YEARS:
        write_feeds(landing, year, frames(year))

