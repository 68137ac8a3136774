"""The year-independent roster: counties, schools and teaching points, their stage units and resource factors.

A roster is drawn once per block of counties (the nine Anshan units, or the synthetic ones) from its own
random stream; every year's feeds are then drawn from the roster (synthetic.resources, synthetic.items).
The order of the draws is part of the output: moving a draw changes every number after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthetic import items
from synthetic.design import (
    ANSHAN,
    CLASS_T,
    CROWD,
    DEMO_BASIC_YEAR,
    DEMO_SPEC,
    FLOOR,
    FMEAN,
    FULL,
    HAS_STAGE,
    JUN,
    KIND_P,
    KIND_SCHOOLS,
    KIND_TPS,
    KIND_TYPE_P,
    LOW,
    NINE,
    NORMAL,
    PRI,
    PROVINCES,
    R2HUB,
    SIZE,
    SPED,
    TP,
    TWELVE,
    TYPE_CATEGORY,
    TYPE_GROUP,
    TYPE_SUFFIX,
    UNDER,
    UR_CLASS,
    UR_CODES,
    UR_P,
    XY_HUB,
    XY_LOW,
)
from synthetic.rules import RULES


@dataclass
class Counties:
    """County level (C) of one block."""

    code: np.ndarray
    name: np.ndarray
    growth: np.ndarray  # (C, 3) yearly enrolment growth by stage
    surv: np.ndarray  # junior year-to-year retention (county mean)
    topup: np.ndarray  # local top-up of the public-funds benchmark
    g6: np.ndarray  # small village schools funded as 100 pupils
    uncert: np.ndarray  # share of teachers without a certificate
    untrained: np.ndarray  # share of teachers without the 360 hours
    salary: np.ndarray  # civil-servant average salary in REF_YEAR
    ratio: np.ndarray  # teacher / civil-servant salary
    basic_year: np.ndarray
    fail: np.ndarray  # (C, items) submitted item fails
    veto: np.ndarray  # (C, items) veto answered 是


@dataclass
class Spread:
    """How a block's school resources vary, per county (used only while drawing the roster)."""

    province: np.ndarray  # 2-digit province code
    eff: np.ndarray  # (C, 7) county-level resource level per indicator
    sigma: np.ndarray  # between-school spread
    oversize: np.ndarray  # some oversize classes, room and training-budget shortfalls
    big: np.ndarray  # some schools over the G4 size limit
    gap: np.ndarray  # rich city schools


@dataclass
class Schools:
    """School level (N): ordered by county, type, then generation order."""

    county: np.ndarray
    stype: np.ndarray
    ur: np.ndarray  # index into UR_CODES
    size: np.ndarray  # pupils in REF_YEAR
    role: np.ndarray
    parent: np.ndarray  # index of the central school, -1 none

    @property
    def urc(self) -> np.ndarray:
        return UR_CLASS[self.ur]

    @property
    def is_tp(self) -> np.ndarray:
        return self.stype == TP

    def of_role(self, role: int) -> np.ndarray:
        """Schools of a role and the teaching points attached to them."""
        parent_role = np.where(self.parent >= 0, self.role[np.maximum(self.parent, 0)], -1)
        return (self.role == role) | (self.is_tp & (parent_role == role))


@dataclass
class Units:
    """Stage-unit level (U), ordered by school then stage; ct, tf and tfloor are set by the scenario roles."""

    school: np.ndarray
    stage: np.ndarray
    share: np.ndarray  # the stage's share of the school's pupils
    surv: np.ndarray  # year-to-year retention
    ct: np.ndarray  # class-size target
    tf: np.ndarray  # (U, 3) teacher factors R1..R3
    tfloor: np.ndarray


@dataclass
class Facilities:
    """Per school: factors over the floors R4..R7, the floor they are kept at, and stock drawn once."""

    ff: np.ndarray  # (N, 4)
    ffloor: np.ndarray
    indoor_share: np.ndarray | None = None
    comp_rate: np.ndarray | None = None
    book_rate: np.ndarray | None = None
    music_extra: np.ndarray | None = None
    art_extra: np.ndarray | None = None
    music_area: np.ndarray | None = None
    art_area: np.ndarray | None = None


@dataclass
class Money:
    """Per school: what the finance and enrolment feeds draw from."""

    fund_noise: np.ndarray
    spend_ratio: np.ndarray
    train_ratio: np.ndarray
    sped_rate: np.ndarray
    migrant_p: np.ndarray
    title_p: np.ndarray


@dataclass
class Roster:
    """Year-independent part of one block of counties (the Anshan nine, or the synthetic units)."""

    key: tuple[int, ...]
    calibrate_r2: int  # county index whose primary R2 coefficient is calibrated, -1 none
    counties: Counties
    schools: Schools
    private: np.ndarray
    boarding: np.ndarray
    sid: np.ndarray
    name: np.ndarray
    facilities: Facilities
    money: Money
    units: Units


# ----------------------------------------------------------------------------------------------------------
# helpers


def _loguniform(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray, skew: float = 0.8) -> np.ndarray:
    u = rng.random(np.shape(lo)) ** skew
    return np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))


def _ordinal(key: np.ndarray) -> np.ndarray:
    """1-based rank of each element among equal keys, in array order."""
    order = np.argsort(key, kind="stable")
    sk = key[order]
    idx = np.arange(len(sk))
    first = np.r_[True, sk[1:] != sk[:-1]] if len(sk) else np.zeros(0, bool)
    start = np.maximum.accumulate(np.where(first, idx, 0)) if len(sk) else idx
    out = np.empty(len(sk), dtype=np.int64)
    out[order] = idx - start + 1
    return out


def _pick_by_cum(u: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Categorical draw per row: u (n,), p (n, k) row probabilities."""
    cum = np.cumsum(p, axis=1)
    cum[:, -1] = 1.0
    return (u[:, None] > cum).sum(axis=1)


def _tp_sizes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Teaching-point pupils: half under the pipeline's in-scope size (dbt var), half at or over it."""
    cut = RULES.teaching_point_min_students
    small = rng.random(n) < 0.5
    return np.where(small, rng.uniform(10, cut - 0.6, n), rng.uniform(cut + 0.6, 120, n))


def _assign_parents(rng: np.random.Generator, s: Schools, n_counties: int) -> np.ndarray:
    """Central school for each teaching point: a 小学/九年一贯制 of its county, preferably outside the city."""
    county, stype = s.county, s.stype
    tp_idx = np.flatnonzero(s.is_tp)
    parent = np.full(len(county), -1, dtype=np.int64)
    if len(tp_idx) == 0:
        return parent
    any_ok = (stype == PRI) | (stype == NINE)
    pref_ok = any_ok & (s.urc > 0)
    u = rng.random(len(tp_idx))
    choice = np.full(len(tp_idx), -1, dtype=np.int64)
    tc = county[tp_idx]
    for ok in (pref_ok, any_ok):  # two passes, not a loop over counties
        cand = np.flatnonzero(ok)
        cand = cand[np.argsort(county[cand], kind="stable")]
        cnt = np.bincount(county[cand], minlength=n_counties)
        start = np.r_[0, np.cumsum(cnt)[:-1]]
        todo = (choice < 0) & (cnt[tc] > 0)
        k = np.minimum((u[todo] * cnt[tc[todo]]).astype(np.int64), cnt[tc[todo]] - 1)
        choice[todo] = cand[start[tc[todo]] + k]
    if (choice < 0).any():
        raise ValueError("a county has teaching points but no 小学/九年一贯制学校 to attach them to")
    parent[tp_idx] = choice
    return parent


# ----------------------------------------------------------------------------------------------------------
# the steps of a roster, in the order of their draws


def _order_schools(rng: np.random.Generator, s: Schools, n_counties: int) -> Schools:
    """Attach teaching points to central schools, then sort by county, type and generation order."""
    parent = _assign_parents(rng, s, n_counties)
    order = np.lexsort((np.arange(len(s.county)), s.stype, s.county))
    inv = np.empty_like(order)
    inv[order] = np.arange(len(order))
    parent = parent[order]
    parent = np.where(parent >= 0, inv[np.maximum(parent, 0)], -1)
    return Schools(s.county[order], s.stype[order], s.ur[order], s.size[order], s.role[order], parent)


def _oversize_schools(rng: np.random.Generator, s: Schools, spread: Spread) -> None:
    """Some city schools over the G4 size limit (item_standards.csv) in some synthetic counties."""
    n = len(s.county)
    big = spread.big[s.county] & ((s.stype == PRI) | (s.stype == JUN)) & (s.urc == 0) & (rng.random(n) < 0.04)
    over = RULES.item_standard("G4", "max_students_single_level") + 50
    s.size = np.round(np.where(big, rng.uniform(over, 2800, n), s.size))


def _private_and_boarding(rng: np.random.Generator, s: Schools) -> tuple[np.ndarray, np.ndarray]:
    n, stype, urc = len(s.county), s.stype, s.urc
    private = (
        (rng.random(n) < np.array([0.09, 0.05, 0.01])[urc]) & ~s.is_tp & (stype != SPED) & (s.role == NORMAL)
    ).astype(np.int64)
    board_p = np.select(
        [stype == TP, stype == PRI, (stype == JUN) | (stype == NINE)],
        [0.0, np.array([0.01, 0.05, 0.12])[urc], np.array([0.05, 0.33, 0.6])[urc]],
        0.45,
    )
    boarding = (rng.random(n) < board_p).astype(np.int64)
    return private, boarding


def _ids_and_names(
    s: Schools, province: np.ndarray, county_name: np.ndarray, private: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """ids: category + province + serial within the province; names by ordinal within county and type."""
    serial = _ordinal(np.unique(province[s.county], return_inverse=True)[1].ravel())
    if serial.max(initial=0) > 999_999:
        raise ValueError("too many schools for a 6-digit serial within a province")
    sid = (
        pd.Series(TYPE_CATEGORY[s.stype])
        + pd.Series(province[s.county])
        + pd.Series(serial).astype(str).str.zfill(6)
    ).to_numpy(dtype=object)
    ordinal = _ordinal(s.county.astype(np.int64) * 8 + s.stype)
    name = (
        pd.Series(county_name[s.county])
        + pd.Series(np.where(private == 1, "民办", ""))
        + "第"
        + pd.Series(ordinal).astype(str)
        + pd.Series(TYPE_SUFFIX[s.stype])
        + "（合成）"
    ).to_numpy(dtype=object)
    return sid, name


def _facility_factors(rng: np.random.Generator, s: Schools, spread: Spread) -> Facilities:
    """Factors over the floors R4..R7 per school; teaching points follow their central school."""
    n, c, urc = len(s.county), s.county, s.urc
    z = rng.standard_normal((n, 4))
    ff = FMEAN[urc][:, 3:] * np.exp(spread.eff[c][:, 3:] + spread.sigma[c][:, None] * z)
    ff = np.clip(ff, FLOOR, 3.0) * np.where(urc == 0, spread.gap[c], 1.0)[:, None]  # rich city schools
    tp_has_parent = s.is_tp & (s.parent >= 0)
    ff[tp_has_parent] = np.clip(ff[s.parent[tp_has_parent]] * np.exp(0.08 * z[tp_has_parent]), FLOOR, 3.0)
    ff[s.stype == SPED] *= 1.8
    return Facilities(ff, np.full(n, FLOOR))


def _stage_shares(rng: np.random.Generator, stype: np.ndarray) -> np.ndarray:
    """(N, 3) share of each stage in a school's pupils."""
    n = len(stype)
    shares = np.zeros((n, 3))
    single = HAS_STAGE[stype].sum(axis=1) == 1
    shares[single] = HAS_STAGE[stype][single]
    p9 = rng.uniform(0.60, 0.70, n)
    shares[stype == NINE] = np.c_[p9, 1 - p9, np.zeros(n)][stype == NINE]
    psp = rng.uniform(0.60, 0.75, n)
    shares[stype == SPED] = np.c_[psp, 1 - psp, np.zeros(n)][stype == SPED]
    p12, j12 = rng.uniform(0.46, 0.52, n), rng.uniform(0.23, 0.27, n)
    shares[stype == TWELVE] = np.c_[p12, j12, 1 - p12 - j12][stype == TWELVE]
    jf = rng.uniform(0.42, 0.55, n)
    shares[stype == FULL] = np.c_[np.zeros(n), jf, 1 - jf][stype == FULL]
    return shares


def _stage_units(rng: np.random.Generator, s: Schools, counties: Counties, spread: Spread) -> Units:
    """Stage units with their share of pupils, retention and class-size target (teacher factors: later)."""
    u_school, u_stage = np.nonzero(HAS_STAGE[s.stype])
    u_share = _stage_shares(rng, s.stype)[u_school, u_stage]
    n_u = len(u_school)
    uc = s.county[u_school]
    u_urc = s.urc[u_school]
    surv = np.where(
        u_stage == 1,
        np.clip(counties.surv[uc] + rng.normal(0, 0.004, n_u), 0.94, 0.999),
        np.where(u_stage == 0, rng.uniform(0.996, 1.0, n_u), 0.99),
    )
    ct = rng.uniform(CLASS_T[u_stage, u_urc, 0], CLASS_T[u_stage, u_urc, 1])
    ct = np.where(s.is_tp[u_school], rng.uniform(8, 20, n_u), ct)
    ct = np.where(s.stype[u_school] == SPED, rng.uniform(8, 12, n_u), ct)
    oversize = spread.oversize[uc] & (u_urc == 1) & (u_stage < 2) & (rng.random(n_u) < 0.08)
    ct = np.where(oversize, rng.uniform(47, 56, n_u), ct)
    empty = np.zeros(0)
    return Units(u_school, u_stage, u_share, surv, ct, empty, empty)


def _teacher_factors(rng: np.random.Generator, s: Schools, u: Units, spread: Spread) -> None:
    """Factors over the floors R1..R3 per stage unit."""
    uc, u_urc = s.county[u.school], s.urc[u.school]
    zt = rng.standard_normal((len(u.school), 3))
    tf = FMEAN[u_urc][:, :3] * np.exp(spread.eff[uc][:, :3] + spread.sigma[uc][:, None] * zt)
    tf[s.is_tp[u.school], 0] *= 1.1
    tf = np.clip(tf, FLOOR, 3.0)
    tf[:, 1:] *= np.where(u_urc == 0, spread.gap[uc], 1.0)[:, None]
    tf[s.stype[u.school] == SPED] *= np.array([3.0, 1.0, 1.5])
    u.tf, u.tfloor = tf, np.full(len(u.school), FLOOR)


def _demo_roles(rng: np.random.Generator, s: Schools, u: Units, f: Facilities) -> None:
    """The demo scenarios: 岫岩's rich and poor junior schools, 铁西's R2 hubs, 台安's under-equipped
    village schools, 海城's overcrowded junior school (see synthetic.design)."""

    def pick(mask: np.ndarray, lo: float, hi: float) -> np.ndarray:
        return rng.uniform(lo, hi, int(mask.sum()))

    role, u_role = s.role, s.role[u.school]
    m = role == XY_HUB
    f.ff[m] = rng.uniform(4.0, 4.6, (int(m.sum()), 4))
    mu = (u_role == XY_HUB) & (u.stage == 1)
    u.tf[mu] = np.c_[pick(mu, 2.2, 2.4), pick(mu, 3.4, 3.8), pick(mu, 2.3, 2.6)]
    m = role == XY_LOW
    f.ff[m] = rng.uniform(1.06, 1.18, (int(m.sum()), 4))
    mu = (u_role == XY_LOW) & (u.stage == 1)
    u.tf[mu] = rng.uniform(1.06, 1.15, (int(mu.sum()), 3))
    mu = u_role == R2HUB
    u.tf[mu, 0] = np.maximum(u.tf[mu, 0], 1.45)
    u.tf[mu, 1] = 2.8  # calibrated per year
    m = s.of_role(UNDER)
    f.ff[m, 1] = rng.uniform(0.62, 0.72, int(m.sum()))
    f.ff[m, 2] = rng.uniform(0.45, 0.60, int(m.sum()))
    f.ffloor[m] = 0.0
    m = role == CROWD
    f.ff[m] = np.array([0.74, 0.70, 1.30, 1.25])
    f.ffloor[m] = 0.0
    mu = u_role == CROWD
    u.tf[mu] = np.array([0.84, 1.10, 0.95])
    u.tfloor[mu] = 0.0
    u.ct[mu] = 55.0


def _low_schools(rng: np.random.Generator, s: Schools, u: Units, f: Facilities) -> None:
    """Synthetic blocks: a few under-resourced schools (one or two indicators at 0.55-0.97x their floor)."""
    low = np.flatnonzero(s.role == LOW)
    if not len(low):
        return
    ov = np.full((len(s.county), 7), np.nan)
    ov[low, rng.integers(0, 7, len(low))] = rng.uniform(0.55, 0.97, len(low))
    two = low[rng.random(len(low)) < 0.5]
    ov[two, rng.integers(0, 7, len(two))] = rng.uniform(0.55, 0.97, len(two))
    f.ff = np.where(np.isnan(ov[:, 3:]), f.ff, ov[:, 3:])
    u.tf = np.where(np.isnan(ov[u.school, :3]), u.tf, ov[u.school, :3])
    f.ffloor[low] = 0.0
    u.tfloor[s.role[u.school] == LOW] = 0.0


def _stock(rng: np.random.Generator, s: Schools, spread: Spread, f: Facilities) -> None:
    """Computers, books and the G3 music and art rooms (item_standards.csv: minimum areas)."""
    n, is_tp = len(s.county), s.is_tp
    f.comp_rate = np.array([0.18, 0.14, 0.12])[s.urc] * rng.uniform(0.85, 1.2, n)
    f.book_rate = rng.uniform(30, 45, n)
    f.music_extra = (rng.random(n) < 0.3).astype(np.int64)
    f.art_extra = (rng.random(n) < 0.3).astype(np.int64)
    f.music_area = np.round(rng.uniform(RULES.item_standard("G3", "music_room_min_m2"), 130, n), 1)
    f.art_area = np.round(rng.uniform(RULES.item_standard("G3", "art_room_min_m2"), 120, n), 1)
    # synthetic: a few schools short of the G3 rooms (one room too few, or too small)
    g3bad = spread.oversize[s.county] & (rng.random(n) < 0.03) & ~is_tp
    f.music_extra = np.where(g3bad, -1, f.music_extra)
    f.art_area = np.where(g3bad & (rng.random(n) < 0.5), np.round(rng.uniform(60, 85, n), 1), f.art_area)


def _money(rng: np.random.Generator, s: Schools, spread: Spread) -> Money:
    """Special-education funding (G7 floor, item_standards.csv), training budgets, migrant pupils."""
    n, urc = len(s.county), s.urc
    sped_rate = rng.uniform(1.25, 1.5, n) * RULES.item_standard("G7", "min_public_funds_per_student")
    train_ratio = rng.uniform(0.055, 0.085, n)
    train_ratio = np.where(
        spread.oversize[s.county] & (rng.random(n) < 0.03), rng.uniform(0.02, 0.045, n), train_ratio
    )
    migrant_p = np.select(
        [urc == 0, urc == 1],
        [rng.uniform(0.10, 0.30, n), rng.uniform(0.04, 0.12, n)],
        rng.uniform(0.0, 0.03, n),
    )
    migrant_p = np.where(s.is_tp, rng.uniform(0.0, 0.02, n), migrant_p)
    empty = np.zeros(0)
    return Money(empty, empty, train_ratio, sped_rate, migrant_p, empty)


def _last_draws(rng: np.random.Generator, s: Schools, f: Facilities, m: Money) -> None:
    n, urc = len(s.county), s.urc
    f.indoor_share = np.where(
        urc == 0, rng.uniform(0.08, 0.20, n), np.where(urc == 1, rng.uniform(0.0, 0.10, n), 0.0)
    ) * (~s.is_tp)
    m.fund_noise = rng.uniform(1.0, 1.08, n)
    m.spend_ratio = rng.uniform(0.93, 1.0, n)
    m.title_p = rng.uniform(0.45, 0.62, n)


def _finish_roster(
    rng: np.random.Generator, key: tuple[int, ...], counties: Counties, spread: Spread, drafted: Schools
) -> Roster:
    """Everything about the drafted schools that does not depend on the year."""
    s = _order_schools(rng, drafted, len(counties.code))
    _oversize_schools(rng, s, spread)
    private, boarding = _private_and_boarding(rng, s)
    sid, name = _ids_and_names(s, spread.province, counties.name, private)
    f = _facility_factors(rng, s, spread)
    u = _stage_units(rng, s, counties, spread)
    _teacher_factors(rng, s, u, spread)
    _demo_roles(rng, s, u, f)
    _low_schools(rng, s, u, f)
    _stock(rng, s, spread, f)
    m = _money(rng, s, spread)
    _last_draws(rng, s, f, m)
    return Roster(key, -1, counties, s, private, boarding, sid, name, f, m, u)


# ----------------------------------------------------------------------------------------------------------
# the two blocks


def _draft(spec: tuple, rng: np.random.Generator) -> Schools:
    """Schools of the demo spec (county, type, urban_rural, n, size_lo, size_hi, role), in spec order."""
    counts = np.array([s[3] for s in spec])
    county = np.repeat([s[0] for s in spec], counts)
    stype = np.repeat([s[1] for s in spec], counts)
    ur = np.repeat([UR_CODES.index(s[2]) for s in spec], counts)
    lo = np.repeat([float(s[4]) for s in spec], counts)
    hi = np.repeat([float(s[5]) for s in spec], counts)
    role = np.repeat([s[6] for s in spec], counts)
    size = _loguniform(rng, np.maximum(lo, 1.0), np.maximum(hi, 1.0))
    size = np.where(stype == TP, _tp_sizes(rng, len(stype)), size)
    return Schools(county, stype, ur, size, role, np.zeros(0, dtype=np.int64))


def demo_roster(seed: int) -> Roster:
    """The nine Anshan units (synthetic.design): the same schools at any scale."""
    rng = np.random.default_rng([seed, 0xA5, 21])
    n_c = len(ANSHAN)
    fail, veto = items.demo_plan(n_c)
    counties = Counties(
        code=np.array([c for c, _ in ANSHAN]),
        name=np.array([nm for _, nm in ANSHAN]),
        # Liaoning: primary enrolment falling, junior about flat
        growth=np.c_[rng.normal(-0.015, 0.004, n_c), rng.normal(-0.005, 0.004, n_c), np.zeros(n_c)],
        surv=rng.uniform(0.984, 0.99, n_c),
        topup=rng.uniform(1.05, 1.2, n_c),
        g6=np.ones(n_c, bool),
        uncert=np.zeros(n_c),
        untrained=np.zeros(n_c),
        salary=np.array([99e3, 97e3, 96e3, 93e3, 88e3, 86e3, 92e3, 101e3, 97e3])
        * rng.uniform(0.98, 1.02, n_c),
        ratio=rng.uniform(1.01, 1.06, n_c),
        basic_year=np.array(DEMO_BASIC_YEAR),
        fail=fail,
        veto=veto,
    )
    drafted = _draft(DEMO_SPEC, rng)
    spread = Spread(
        province=np.array(["21"] * n_c),
        eff=np.zeros((n_c, 7)),
        sigma=np.full(n_c, 0.14),
        oversize=np.zeros(n_c, bool),
        big=np.zeros(n_c, bool),
        gap=np.ones(n_c),
    )
    r = _finish_roster(rng, (seed, 0xA5), counties, spread, drafted)
    r.calibrate_r2 = ANSHAN.index(("210303", "铁西区"))
    return r


def _synthetic_schools(rng: np.random.Generator, n_c: int) -> Schools:
    """Schools and teaching points of n_c synthetic units, by national averages."""
    idx = np.arange(n_c)
    kind = _pick_by_cum(rng.random(n_c), np.tile(KIND_P, (n_c, 1)))
    n_s = np.maximum(np.round(KIND_SCHOOLS[kind] * rng.lognormal(-(0.45**2) / 2, 0.45, n_c)), 8).astype(
        np.int64
    )
    n_t = rng.poisson(rng.gamma(1.5, KIND_TPS[kind] / 1.5)).astype(np.int64)
    # schools
    county = np.repeat(idx, n_s)
    pos = np.arange(len(county)) - np.repeat(np.r_[0, np.cumsum(n_s)[:-1]], n_s)
    stype = _pick_by_cum(rng.random(len(county)), KIND_TYPE_P[kind[county]])
    stype = np.where(pos == 0, PRI, np.where(pos == 1, JUN, stype))
    ur = _pick_by_cum(rng.random(len(county)), UR_P[kind[county], TYPE_GROUP[stype]])
    urc = UR_CLASS[ur]
    size = _loguniform(rng, SIZE[stype, urc, 0], SIZE[stype, urc, 1])
    # teaching points
    tcounty = np.repeat(idx, n_t)
    tur = np.where(rng.random(len(tcounty)) < 0.85, UR_CODES.index("220"), UR_CODES.index("210"))
    county = np.r_[county, tcounty]
    stype = np.r_[stype, np.full(len(tcounty), TP)]
    ur = np.r_[ur, tur]
    size = np.r_[size, _tp_sizes(rng, len(tcounty))]
    role = np.where((stype != TP) & (rng.random(len(county)) < 0.006), LOW, NORMAL)
    return Schools(county, stype, ur, size, role, np.zeros(0, dtype=np.int64))


def _synthetic_counties(rng: np.random.Generator, n_c: int) -> Counties:
    idx = np.arange(n_c)
    province = PROVINCES[idx % len(PROVINCES)]
    serial = idx // len(PROVINCES) + 1
    if serial.max(initial=0) > 9999:
        raise ValueError("too many counties")
    fail, veto = items.synthetic_plan(rng, n_c)
    basic = rng.integers(2012, 2020, n_c)
    basic = np.where(rng.random(n_c) < 0.03, rng.integers(2021, 2024, n_c), basic)
    return Counties(
        code=(pd.Series(province) + pd.Series(serial).astype(str).str.zfill(4)).to_numpy(dtype=str),
        name=("合成县" + pd.Series(idx + len(ANSHAN) + 1).astype(str).str.zfill(4)).to_numpy(dtype=str),
        growth=np.c_[
            rng.normal(-0.005, 0.015, n_c), rng.normal(0.012, 0.012, n_c), rng.normal(0.01, 0.01, n_c)
        ],
        surv=np.where(rng.random(n_c) < 0.05, rng.uniform(0.955, 0.972, n_c), rng.uniform(0.98, 0.992, n_c)),
        topup=rng.uniform(1.0, 1.25, n_c),
        g6=rng.random(n_c) < 0.9,
        uncert=np.where(rng.random(n_c) < 0.08, rng.uniform(0.002, 0.02, n_c), 0.0),
        untrained=np.where(rng.random(n_c) < 0.15, rng.uniform(0.002, 0.05, n_c), 0.0),
        salary=rng.lognormal(np.log(95e3), 0.18, n_c),
        ratio=rng.normal(1.04, 0.03, n_c),
        basic_year=basic,
        fail=fail,
        veto=veto,
    )


def synthetic_roster(n_c: int, seed: int) -> Roster:
    """n_c synthetic units beyond the nine, with a realistic scatter of failures."""
    rng = np.random.default_rng([seed, 0x5E, n_c])
    drafted = _synthetic_schools(rng, n_c)
    counties = _synthetic_counties(rng, n_c)
    spread = Spread(
        province=PROVINCES[np.arange(n_c) % len(PROVINCES)],
        eff=rng.normal(0, 0.08, (n_c, 7)),
        sigma=rng.uniform(0.12, 0.55, n_c),
        oversize=rng.random(n_c) < 0.3,
        big=rng.random(n_c) < 0.3,
        gap=np.where(rng.random(n_c) < 0.25, rng.uniform(1.4, 2.8, n_c), 1.0),
    )
    return _finish_roster(rng, (seed, 0x5E, n_c), counties, spread, drafted)
