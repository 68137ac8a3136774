"""One year of the school-level feeds: enrollment, teachers, facilities, finance.

Pupils move through the grades (a cohort depends only on its intake year); teachers and facilities are
sized from the resource floors (standards.csv) and the roster's factors over them; whole-school facilities
by weighted enrolment with the pipeline's split weights (dbt vars). Before REF_YEAR the demo's intakes,
class sizes and factors follow its history (design.HISTORY); nothing else depends on the year's history.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.design import (
    BACH_SHARE_PRI,
    CALM_CLASS,
    CROWD,
    CROWD_CAPACITY,
    FACTOR_HISTORY,
    GRADES,
    HAS_STAGE,
    PG_SHARE,
    PQ,
    R2_TARGET_CV,
    R2HUB,
    REF_YEAR,
    SPED,
    THR,
    TP,
    TYPE_T,
    TYPE_W,
    UR_CLASS,
    VOC,
    past,
)
from synthetic.roster import Roster
from synthetic.rules import RULES

# public-funds benchmark per pupil (yuan a year) by stage: the national rate from 2024, before it
FUNDS_RATE = np.array([720.0, 940.0, 1100.0])
FUNDS_RATE_BEFORE_2024 = np.array([650.0, 850.0, 1000.0])


@dataclass
class Pupils:
    """Per stage unit: pupils and classes of one year."""

    students: np.ndarray
    entrants: np.ndarray
    final: np.ndarray
    classes: np.ndarray
    o45: np.ndarray
    o50: np.ndarray


def _weighted_cv(p: np.ndarray, x: np.ndarray) -> float:
    mean = (p * x).sum() / p.sum()
    return float(np.sqrt((p * (x - mean) ** 2).sum() / p.sum()) / mean)


def _calibrate_hub_value(p_hub: np.ndarray, p_rest: np.ndarray, x_rest: np.ndarray, target: float) -> float:
    """Common R2 value of the hub schools that gives the county the target coefficient (bisection)."""
    p = np.r_[p_hub, p_rest]
    lo, hi = float(x_rest.max()), 50.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if _weighted_cv(p, np.r_[np.full(len(p_hub), mid), x_rest]) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def pupils(r: Roster, year: int) -> Pupils:
    """Cohorts by intake year, then classes (and how many are over 45 and 50 pupils)."""
    u = r.units
    n_u = len(u.school)
    grades = GRADES[u.stage]
    g = r.counties.growth[r.schools.county[u.school], u.stage]
    s = u.surv
    cbase = r.schools.size[u.school] * u.share / sum(np.where(k < grades, s**k, 0.0) for k in range(6))
    students = np.zeros(n_u, dtype=np.int64)
    entrants = np.zeros(n_u, dtype=np.int64)
    final = np.zeros(n_u, dtype=np.int64)
    for k in range(6):
        t = year - k
        eps = np.random.default_rng([*r.key, t, 11]).standard_normal(n_u)
        grade = np.round(cbase * (1 + g) ** (t - REF_YEAR) * np.exp(0.04 * eps) * s**k).astype(np.int64)
        grade = np.where(k < grades, np.maximum(grade, 0), 0)
        students += grade
        if k == 0:
            entrants = grade
        final = np.where(k == grades - 1, grade, final)
    students = np.maximum(students, 1)
    return Pupils(students, entrants, final, *_classes(students, u.ct, grades))


def _classes(students: np.ndarray, ct: np.ndarray, grades: np.ndarray) -> tuple[np.ndarray, ...]:
    """Classes at a class-size target, and how many of them are over 45 and over 50 pupils."""
    classes = np.maximum(np.ceil(students / ct), np.minimum(grades, np.ceil(students / 8))).astype(np.int64)
    classes = np.maximum(classes, 1)
    avg = students / classes
    o45 = np.floor(classes * np.clip((avg + 3 - 45.5) / 6, 0, 1)).astype(np.int64)
    o50 = np.floor(classes * np.clip((avg + 3 - 50.5) / 6, 0, 1)).astype(np.int64)
    o45 = np.clip(np.minimum(o45, (students - classes) // 45), 0, None)
    o50 = np.clip(np.minimum(np.minimum(o50, o45), (students - classes - 45 * o45) // 5), 0, None)
    return classes, o45, o50


def pupils_as_in(r: Roster, year: int, p: Pupils, migrant: np.ndarray) -> tuple[Pupils, np.ndarray]:
    """The pupils (and migrant pupils) of `year` as its history has them (design.HISTORY): 海城's crowded
    school, before it was, at its capacity in classes of CALM_CLASS. Its staff and building stay the design's,
    and so does every draw."""
    calm = r.schools.role[r.units.school] == CROWD
    if past(year).crowded or not calm.any():
        return p, migrant
    scale = np.where(calm, CROWD_CAPACITY / r.schools.size[r.units.school], 1.0)

    def seen(x: np.ndarray) -> np.ndarray:
        return np.where(calm, np.round(x * scale).astype(np.int64), x)

    students = seen(p.students)
    classes = _classes(students, np.where(calm, CALM_CLASS, r.units.ct), GRADES[r.units.stage])
    return Pupils(students, seen(p.entrants), seen(p.final), *classes), seen(migrant)


def _of_stage(r: Roster, school: np.ndarray, stage: np.ndarray | None, level: int) -> np.ndarray:
    """Stage units of a level, or (stage None) schools whose only compulsory level it is."""
    if stage is not None:
        return stage == level
    levels = HAS_STAGE[r.schools.stype[school], :2]
    return levels[:, level] & (levels.sum(axis=1) == 1)


def _as_in(r: Roster, year: int, factors: np.ndarray, school: np.ndarray, stage: np.ndarray | None) -> np.ndarray:
    """Factors over the floors as they were in `year` (design.FACTOR_HISTORY): teacher factors R1-R3 per
    stage unit (its school, its stage) or facility factors R4-R7 per school (stage None)."""
    if year >= REF_YEAR:
        return factors
    first = 0 if stage is not None else 3
    p, out = past(year), factors.copy()
    for role, level, indicators, column in FACTOR_HISTORY:
        rows = r.schools.of_role(role)[school] & _of_stage(r, school, stage, level)
        cols = [i - first for i in indicators if first <= i < first + factors.shape[1]]
        out[np.ix_(rows, cols)] += getattr(p, column)
    return out


def _sized(students: np.ndarray, floor: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Teachers for a factor over a floor per 100 pupils (ceil keeps every unit at >= its factor)."""
    return np.ceil(students * floor * factor / 100 - 1e-9).astype(np.int64)


def _calibrate_backbone(r: Roster, students: np.ndarray, backbone: np.ndarray) -> None:
    """铁西区: backbone teachers of the hub schools set so the primary R2 coefficient hits its target."""
    if r.calibrate_r2 < 0:
        return
    us, st = r.units.school, r.units.stage
    stype = r.schools.stype[us]
    scope = (r.schools.county[us] == r.calibrate_r2) & (st == 0) & ~np.isin(stype, (SPED, VOC, TP))
    hub = scope & (r.schools.role[us] == R2HUB)
    rest = scope & ~hub
    if hub.any() and rest.any():
        x_rest = backbone[rest] / students[rest] * 100
        p_hub, p_rest = students[hub].astype(float), students[rest].astype(float)
        a = _calibrate_hub_value(p_hub, p_rest, x_rest, R2_TARGET_CV)
        backbone[hub] = np.round(a * students[hub] / 100).astype(np.int64)


def teachers(r: Roster, rng: np.random.Generator, year: int, students: np.ndarray) -> dict[str, np.ndarray]:
    """The teachers feed's counts per stage unit, sized from the R1–R3 floors."""
    us, st = r.units.school, r.units.stage
    u_urc = UR_CLASS[r.schools.ur][us]
    # counts sized from the floors (ceil keeps every normal unit at >= its factor)
    tf = np.maximum(r.units.tf * np.exp(0.015 * rng.standard_normal((len(us), 3))), r.units.tfloor[:, None])
    thr = THR[st]
    qualified = _sized(students, thr[:, 0], tf[:, 0])
    pq = PQ[st, u_urc]
    nonq = rng.binomial(qualified, np.clip((1 - pq) / pq, 0, 1))
    backbone = _sized(students, thr[:, 1], tf[:, 1])
    pma = _sized(students, thr[:, 2], tf[:, 2])
    _calibrate_backbone(r, students, backbone)

    ft = np.maximum(qualified + nonq, np.maximum(backbone, pma))
    qualified = ft - nonq
    pg = rng.binomial(qualified, PG_SHARE[st, u_urc])
    primary = st == 0
    bach = rng.binomial(qualified - pg, np.where(primary, BACH_SHARE_PRI[u_urc], 1.0))
    rest_q = qualified - pg - bach  # primary: 专科
    below_j = rng.binomial(nonq, 0.1)
    pe = rng.binomial(pma, 0.45)
    music = rng.binomial(pma - pe, 0.5)
    uc = r.schools.county[us]
    return {
        "full_time_teachers": ft,
        "qual_postgraduate": pg,
        "qual_bachelor": bach,
        "qual_associate": np.where(primary, rest_q, nonq - below_j),
        "qual_below_associate": np.where(primary, nonq, below_j),
        "title_intermediate_plus": rng.binomial(ft, r.money.title_p[us]),
        "pe_teachers": pe,
        "music_teachers": music,
        "art_teachers": pma - pe - music,
        "backbone_teachers": _backbone_as_in(r, year, students, tf, backbone),
        "certified_teachers": ft - rng.binomial(ft, r.counties.uncert[uc]),
        "training_360h_completed": ft - rng.binomial(ft, r.counties.untrained[uc]),
    }


def _backbone_as_in(
    r: Roster, year: int, students: np.ndarray, tf: np.ndarray, backbone: np.ndarray
) -> np.ndarray:
    """Backbone teachers (R2) as the year's history has them, sized after every draw (they feed none)."""
    past_tf = _as_in(r, year, tf, r.units.school, r.units.stage)
    if past_tf is tf:
        return backbone
    changed = past_tf[:, 1] != tf[:, 1]
    return np.where(changed, _sized(students, THR[r.units.stage, 1], past_tf[:, 1]), backbone)


def pupils_by_stage(r: Roster, students: np.ndarray) -> np.ndarray:
    """(N, 3) pupils of each school by stage."""
    ps = np.zeros((len(r.schools.county), 3))
    ps[r.units.school, r.units.stage] = students
    return ps


def facilities(
    r: Roster, rng: np.random.Generator, year: int, ps: np.ndarray, classes: np.ndarray
) -> dict[str, np.ndarray]:
    """The facilities feed per school, sized by weighted enrolment from the R4–R7 floors."""
    s, f = r.schools, r.facilities
    n = len(s.county)
    wsum = (ps * TYPE_W[s.stype]).sum(axis=1)
    # teaching points are sized like their central school (merged into it when they have >= 50 pupils)
    tt = TYPE_T[np.where(s.parent >= 0, s.stype[np.maximum(s.parent, 0)], s.stype)]
    ff = np.maximum(f.ff * np.exp(0.01 * rng.standard_normal((n, 4))), f.ffloor[:, None])
    ff = _as_in(r, year, ff, np.arange(n), None)
    sports = ff[:, 1] * wsum * tt[:, 1]
    indoor = np.round(sports * f.indoor_share, 1)
    # The census counts the indoor sports hall inside 教学及辅助用房, as the national statistics do; the
    # design's R4 floor is for the area without it, so the hall is built on top. The feed is the same
    # under either setting of r4_/b1_subtract_indoor_sports (a setting of the method, not of the schools).
    teach = ff[:, 0] * wsum * tt[:, 0] + indoor
    cls_school = np.bincount(r.units.school, weights=classes, minlength=n).astype(np.int64)
    rooms = np.ceil(cls_school / RULES.item_standard("G3", "classes_per_room")).astype(np.int64)
    return {
        "teaching_aux_area_m2": np.round(teach + 0.05, 1),
        "indoor_sports_area_m2": indoor,
        "sports_ground_area_m2": np.round(sports - indoor + 0.05, 1),
        "equipment_value_10k_yuan": np.round(ff[:, 2] * wsum * tt[:, 2] / 1e4 + 0.005, 2),
        "multimedia_classrooms": np.ceil(ff[:, 3] * wsum * tt[:, 3] / 100).astype(np.int64),
        "computers": np.round(wsum * f.comp_rate).astype(np.int64),
        "books": np.round(wsum * f.book_rate).astype(np.int64),
        "music_rooms": np.maximum(rooms + f.music_extra, 0),
        "music_room_min_area_m2": f.music_area,
        "art_rooms": np.maximum(rooms + f.art_extra, 0),
        "art_room_min_area_m2": f.art_area,
    }


def finance(r: Roster, year: int, ps: np.ndarray) -> dict[str, np.ndarray]:
    """The finance feed per school (calendar year): small village schools funded as G6 says."""
    s, m = r.schools, r.money
    total = ps.sum(axis=1).astype(np.int64)
    rates = FUNDS_RATE if year >= 2024 else FUNDS_RATE_BEFORE_2024
    blended = (ps * rates).sum(axis=1) / np.maximum(total, 1)
    small_cut = int(RULES.item_standard("G6", "small_school_students"))
    small = ((UR_CLASS[s.ur] == 2) | (s.stype == TP)) & (total < small_cut) & r.counties.g6[s.county]
    funded = np.where(small, int(RULES.item_standard("G6", "funded_students_min")), total)
    budget = np.where(
        s.stype == SPED, funded * m.sped_rate, funded * blended * r.counties.topup[s.county] * m.fund_noise
    )
    budget = np.round(budget).astype(np.int64)
    return {
        "public_funds_budget_yuan": budget,
        "public_funds_yuan": np.round(budget * m.spend_ratio).astype(np.int64),
        "funded_students": funded.astype(np.int64),
        "teacher_training_funds_yuan": np.round(budget * m.train_ratio).astype(np.int64),
    }
