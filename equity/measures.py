"""Equity measures beyond the difference coefficient (evaluation-method.md §7), pupil-weighted over the
same school units as the coefficients, for every group (year × ruleset × county × level × indicator)
at once.

For one group with units i = 1..n, enrolment P_i > 0 and value x_i, sorted so x_1 ≤ … ≤ x_n:

    P = Σ P_i,  μ = Σ P_i x_i / P,  C_i = P_1 + … + P_i  (the pupil positions (C_{i−1}, C_i] are unit i's)

Every measure treats the group as P pupils, pupil j carrying its unit's value (the population form: the
same answer as the unweighted formula over each x_i repeated P_i times).

* Gini = Σ_i Σ_j P_i P_j |x_i − x_j| / (2 P² μ)  =  Σ_i P_i x_i (2 C_i − P_i − P) / (P² μ)
  (relative mean difference over pupil pairs, Berne & Stiefel 1984 ch. 2; PySAL `inequality.gini`).
* Theil T = (1/P) Σ P_i (x_i/μ) ln(x_i/μ);  Theil L (mean log deviation) = (1/P) Σ P_i ln(μ/x_i).
  Decomposed by area a (urban/rural, or 城区/镇区/乡村), with P_a, μ_a the area's pupils and mean:
    T_between = Σ_a (P_a μ_a / P μ) ln(μ_a/μ),  T_within = Σ_a (P_a μ_a / P μ) T_a
    L_between = Σ_a (P_a / P) ln(μ/μ_a),        L_within = Σ_a (P_a / P) L_a
  between + within = total exactly (Theil 1967; Shorrocks 1980; PySAL `inequality.theil.TheilD`).
* Atkinson A_ε = 1 − M_{1−ε} / μ, M_r = ((1/P) Σ P_i x_i^r)^{1/r} the weighted power mean, M_0 the
  geometric mean exp((1/P) Σ P_i ln x_i); ε = 0.5, 1, 2 (Atkinson 1970).
* Percentiles of the pupil distribution [I]: the p-th percentile value Q(p) is the value of the unit
  in which the cumulative pupil count, counted in ascending order of value, first reaches p·P — the
  smallest x_i with C_i ≥ p·P (the inverse of the pupil distribution function, no interpolation;
  a position falling exactly on a boundary C_i belongs to unit i). This is the counting rule of
  34 CFR 222, subpart K appendix ("the 5th percentile of student population is reached at LEA A"),
  and reproduces its example: 5th-percentile pupil at $820, 95th at $1,000 → (1000 − 820)/820 = 22 %.
* restricted range = Q(0.95) − Q(0.05); federal range ratio = (Q(0.95) − Q(0.05)) / Q(0.05)
  (34 CFR 222.162; Odden & Picus, School Finance: A Policy Perspective, ch. 3).
* McLoone = (Σ over the P/2 pupils below the median of their values) / (M · P/2), M = Q(0.5): the
  median pupil's unit k is split, its first P/2 − C_{k−1} pupils counted below the median;
  Verstegen = (Σ over the P/2 pupils above the median) / (M · P/2), unit k's other C_k − P/2 pupils
  above (McLoone 1970 via Berne & Stiefel; Verstegen 1996). Values 1000, 200, 100, 60, 45, 24 with
  2, 4, 6, 6, 8, 12 pupils give McLoone 603 / 855 = 0.7053.
* urban/rural parity = rural mean / urban mean (urban = 城镇, urban_rural code starting with 1: 城区 and
  镇区 together in either area mode; rural = 乡村, code starting with 2).
* theil_t_between_share = T_between / T: the share of Theil T lying between the areas.

Which way is better: every measure except McLoone and parity is 0 under perfect equality and grows
with inequality; McLoone and parity are 1 under equality (McLoone falls as the bottom half falls
behind; parity below 1 means rural schools get less); Verstegen is 1 under equality and grows.

Conventions follow equity/coefficients.py: units with students 0 are dropped, an unknown enrolment
or value is missing data and the group's measures are NULL (never computed over a shortened list);
an undefined measure is NULL (NaN) with the reason in `null_reason`, never 0: a zero mean (Gini,
Theil, Atkinson), a zero value (Theil L, Atkinson ε ≥ 1), a negative value (Theil, Atkinson), a zero
median (McLoone, Verstegen), a zero 5th percentile (federal range ratio), a unit without an
urban/rural code (the split and parity), a missing area or a zero urban mean (parity).
Vectorised: the group keys coded once (`key_codes`), one sort of all units by (group, value), then sums
over contiguous groups (np.add.reduceat) and bincounts; within parts are computed as total − between.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from equity.coefficients import first_rows

MEASURE_COLUMNS = [
    "n_units", "students", "gini", "theil_t", "theil_t_between", "theil_t_within", "theil_l",
    "theil_l_between", "theil_l_within", "mcloone", "verstegen", "restricted_range",
    "federal_range_ratio", "atkinson_05", "atkinson_1", "atkinson_2", "min_value", "max_value",
    "urban_rural_parity", "theil_t_between_share", "null_reason",
]

# area mode → (names of the areas, in index order; how many leading areas count as urban)
AREA_MODES = {
    "urban_rural": (("城镇 urban", "乡村 rural"), 1),
    "three_way": (("城区 city", "镇区 town", "乡村 rural"), 2),
}

REASON_MISSING = "{n} unit(s) have no value or enrolment: not computed over a shortened list"
REASON_NO_STUDENTS = "no unit with students"
# bit → reason; listed in this order in null_reason, joined by "; "
REASONS = (
    "mean is 0: Gini, Theil, Atkinson undefined",
    "a unit has a negative value: Theil, Atkinson undefined",
    "a unit has value 0: Theil L, Atkinson ε≥1 undefined",
    "median is 0: McLoone, Verstegen undefined",
    "5th-percentile value is 0: federal range ratio undefined",
    "a unit has no urban/rural code: between/within split and parity undefined",
    "no urban unit: parity undefined",
    "no rural unit: parity undefined",
    "urban mean is 0: parity undefined",
    "Theil T is 0: between share undefined",
)
(ZERO_MEAN, NEGATIVE, ZERO_VALUE, ZERO_MEDIAN, ZERO_P5, NO_AREA, NO_URBAN, NO_RURAL, ZERO_URBAN_MEAN,
 ZERO_THEIL) = (1 << i for i in range(len(REASONS)))


def column_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pd.factorize of one column (codes numbered by first appearance, -1 for NULL), hashing only the
    first row of each run of equal neighbours: rows read back from a table usually come in long runs
    (one county's units together, one rule set after another), and hashing Python strings is the
    slowest step at national scale. Short runs: a plain factorize."""
    n = len(values)
    if n < 2 or isinstance(values.dtype, pd.CategoricalDtype):
        return pd.factorize(values)
    values = np.asarray(values)
    change = values[1:] != values[:-1]  # NaN != NaN: each NaN is a run of its own, which is still right
    if change.dtype != bool:  # e.g. pd.NA compares to NA
        return pd.factorize(values)
    heads = np.flatnonzero(np.concatenate(([True], change)))
    if len(heads) > n // 8:
        return pd.factorize(values)
    head_codes, uniques = pd.factorize(values[heads])
    return np.repeat(head_codes, np.diff(np.append(heads, n))), uniques


def key_codes(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """0..n-1 per distinct combination of `keys`, numbered by first appearance (as
    equity.coefficients.group_codes, with `column_codes` for each column)."""
    combined = np.zeros(len(frame), dtype=np.int64)
    for key in keys:
        codes, uniques = column_codes(frame[key].array if isinstance(frame[key].dtype, pd.CategoricalDtype)
                                      else frame[key].to_numpy())
        combined = combined * (len(uniques) + 1) + (codes + 1)
    return column_codes(combined)[0].astype(np.int64)


def area_codes(codes: pd.Series, area_mode: str = "urban_rural") -> np.ndarray:
    """Area index per unit from its urban_rural code (GB/T 2260-style text: '111', '121', '210' …):
    urban_rural mode 0 = 城镇 (first digit 1), 1 = 乡村 (2); three_way 0 = 城区 (11x), 1 = 镇区 (12x),
    2 = 乡村 (2xx). -1 for a NULL or unrecognised code. The few distinct codes are mapped in Python."""
    if area_mode not in AREA_MODES:
        raise ValueError(f"area_mode must be one of {sorted(AREA_MODES)}, not {area_mode!r}")
    codes = pd.Series(codes)
    idx, uniques = column_codes(codes.array if isinstance(codes.dtype, pd.CategoricalDtype) else codes.to_numpy())

    def one(code) -> int:
        if pd.isna(code):
            return -1
        text = str(code).strip()
        if text.startswith("2"):
            return 1 if area_mode == "urban_rural" else 2
        if text.startswith("1"):
            if area_mode == "urban_rural":
                return 0
            return {"11": 0, "12": 1}.get(text[:2], -1)
        return -1

    table = np.array([one(u) for u in uniques] + [-1], dtype=np.int64)  # idx -1 (NULL) → last entry
    return table[idx]


def sorted_order(g: np.ndarray, x: np.ndarray, mean: np.ndarray, counts: np.ndarray,
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Permutation sorting units by (group, value), and the values in that order; `counts` is the
    number of units per group.

    One float argsort of key = 2g + (1 − c_g/(x + c_g)), c_g > 0 the group's mean: the second term is
    in [0, 1] and, built from monotone correctly rounded operations, never decreases as x grows, so
    groups stay apart and in order. Values too close for the key to tell apart may come out of order:
    that is checked, and only the groups concerned are sorted again exactly (lexsort).
    """
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64), x
    if not (x >= 0).all():
        order = np.lexsort((x, g))
        return order, x[order]
    c = np.where(mean > 0, mean, 1.0)[g]
    with np.errstate(divide="ignore", invalid="ignore"):
        key = 2.0 * g + (1.0 - c / (x + c))
    order = np.argsort(key)
    xs = x[order]
    wrong = xs[1:] < xs[:-1]
    ends = np.cumsum(counts)
    wrong[ends[(counts > 0) & (ends < len(x))] - 1] = False  # a fall between two groups is no fault
    if wrong.any():
        gs = g[order]
        rows = np.flatnonzero(np.isin(gs, np.unique(gs[1:][wrong])))  # contiguous runs, ascending
        sub = order[rows]
        order[rows] = sub[np.lexsort((x[sub], g[sub]))]
        xs = x[order]
    return order, xs


def grouped_measures(group_codes: np.ndarray, students: np.ndarray, values: np.ndarray, areas: np.ndarray,
                     n_groups: int, area_mode: str = "urban_rural") -> dict:
    """Every measure per group from parallel arrays (group index 0..n_groups-1; `areas` from
    `area_codes`). Returns arrays of length n_groups: the measures (NaN where NULL), n_units,
    n_missing, students and `flags` (bits of REASONS)."""
    n_areas = len(AREA_MODES[area_mode][0])
    n_urban = AREA_MODES[area_mode][1]
    g = np.asarray(group_codes, dtype=np.int64)
    p = np.asarray(students, dtype=np.float64)
    x = np.asarray(values, dtype=np.float64)
    a = np.asarray(areas, dtype=np.int64)
    nan_p = np.isnan(p)
    keep = (p > 0) | nan_p  # an unknown enrolment is missing data, not an empty school
    if not keep.all():
        g, p, x, a, nan_p = g[keep], p[keep], x[keep], a[keep], nan_p[keep]
    missing = np.isnan(x) | nan_p
    n_units = np.bincount(g, minlength=n_groups)
    n_missing = np.bincount(g[missing], minlength=n_groups)
    if missing.any():
        students_total = np.bincount(g, weights=np.where(nan_p, 0.0, p), minlength=n_groups)
        ok = ~missing
        g, p, x, a = g[ok], p[ok], x[ok], a[ok]
        big_p = np.bincount(g, weights=p, minlength=n_groups)
    else:
        students_total = big_p = np.bincount(g, weights=p, minlength=n_groups)

    out: dict[str, np.ndarray] = {}
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        px = p * x
        big_s = np.bincount(g, weights=px, minlength=n_groups)
        mean = big_s / big_p
        log_mean = np.log(mean)

        # -- by area: pupils and totals per (group, area) -----------------------------------------
        no_area = np.bincount(g[a < 0], minlength=n_groups) > 0
        ga = g * n_areas + np.maximum(a, 0)
        pa = np.bincount(ga, weights=p, minlength=n_groups * n_areas).reshape(n_groups, n_areas)
        sa = np.bincount(ga, weights=px, minlength=n_groups * n_areas).reshape(n_groups, n_areas)
        log_mean_a = np.log(sa / pa)
        t_between = np.where(sa > 0, sa * (log_mean_a - log_mean[:, None]), 0.0).sum(1) / big_s
        l_between = np.where(pa > 0, pa * (log_mean[:, None] - log_mean_a), 0.0).sum(1) / big_p
        urban_p, urban_s = pa[:, :n_urban].sum(1), sa[:, :n_urban].sum(1)
        rural_p, rural_s = pa[:, n_urban:].sum(1), sa[:, n_urban:].sum(1)
        parity = (rural_s / rural_p) / (urban_s / urban_p)

        # -- everything else on the units sorted by (group, value): contiguous groups -------------
        n_valid = np.bincount(g, minlength=n_groups) if missing.any() else n_units
        order, xs = sorted_order(g, x, mean, n_valid)
        ps = p[order]
        nonempty = n_valid > 0
        ends = np.cumsum(n_valid)
        starts = ends - n_valid
        heads = starts[nonempty]

        def seg_sum(w):
            total = np.zeros(n_groups)
            if len(heads):
                total[nonempty] = np.add.reduceat(w, heads)
            return total

        gs = np.repeat(np.arange(n_groups), n_valid)  # group of each sorted unit

        def rep(per_group):
            return per_group[gs]

        last = np.maximum(ends - 1, 0)
        xs_ = xs if len(xs) else np.zeros(1)
        out["min_value"] = np.where(nonempty, xs_[np.minimum(starts, last)], np.nan)
        out["max_value"] = np.where(nonempty, xs_[last], np.nan)
        any_neg = out["min_value"] < 0  # sorted: the smallest value tells
        any_zero = out["min_value"] == 0  # (with a negative value present, that flag already says why)
        # centred on the group mean, so equal values give exactly 0 and small indices keep their digits
        positive = xs > 0
        r = xs / rep(mean)
        lr = np.log(np.where(positive, r, 1.0))  # 0 where x ≤ 0: x·ln x → 0; ln 0 cases are flagged
        pr = ps * r
        sum_plr = seg_sum(ps * lr)
        out["theil_t"] = seg_sum(pr * lr) / big_p
        out["theil_l"] = -sum_plr / big_p
        # 0 ≤ between ≤ total holds exactly (the within part is a weighted sum of non-negative indices);
        # computed apart, the parts cross it by rounding when the index is tiny: two units 0.03 % apart, one
        # per area, gave T = 1.34e-8 with its between part 1.1e-16 above it (a between share of
        # 1.0000000084, a within part < 0) in a national backfill. Held to the bounds.
        t_between = np.where(np.isfinite(out["theil_t"]),
                             np.clip(t_between, 0.0, np.maximum(np.nan_to_num(out["theil_t"]), 0.0)), t_between)
        l_between = np.where(np.isfinite(out["theil_l"]),
                             np.clip(l_between, 0.0, np.maximum(np.nan_to_num(out["theil_l"]), 0.0)), l_between)
        out["theil_t_between"] = t_between
        out["theil_t_within"] = out["theil_t"] - t_between
        out["theil_l_between"] = l_between
        out["theil_l_within"] = out["theil_l"] - l_between
        out["atkinson_05"] = 1.0 - (seg_sum(ps * np.sqrt(np.where(positive, r, 0.0))) / big_p) ** 2
        out["atkinson_1"] = -np.expm1(sum_plr / big_p)
        out["atkinson_2"] = 1.0 - big_p / seg_sum(ps / np.where(positive, r, np.inf))

        # C_i within each group: one running sum that subtracts each group's total at the next group's
        # head, so rounding never builds up across groups (fractional pupil counts stay exact enough)
        cum = np.zeros(0)
        if len(heads):
            reset = ps.copy()
            reset[heads[1:]] -= np.add.reduceat(ps, heads)[:-1]
            running = np.cumsum(reset)
            carried = np.zeros(n_groups)
            carried[nonempty] = running[heads] - ps[heads]  # what the running sum carries into a group
            cum = running - rep(carried)
        pxs = ps * xs
        p_of_group = rep(big_p)
        gini_num = seg_sum(pxs * (2.0 * cum - ps - p_of_group))
        out["gini"] = gini_num / (big_p * big_s)

        cum_ = cum if len(cum) else np.zeros(1)
        # group index + share of the group's pupils up to each unit: one non-decreasing array to search
        position = gs + cum / p_of_group
        position_ = position if len(position) else np.zeros(1)
        slack = 4 * np.spacing(float(n_groups)) + 1e-12  # rounding of position (relative to P)
        ps_ = ps if len(ps) else np.zeros(1)

        def unit_at(share):
            """Index (into the sorted arrays) of the unit holding pupil position share·P."""
            target = np.where(nonempty, np.arange(n_groups) + share - slack, 0.0)
            return np.minimum(np.searchsorted(position_, target, side="left"), last)

        p5 = np.where(nonempty, xs_[unit_at(0.05)], np.nan)
        p95 = np.where(nonempty, xs_[unit_at(0.95)], np.nan)
        out["restricted_range"] = p95 - p5
        out["federal_range_ratio"] = (p95 - p5) / p5

        k = unit_at(0.5)
        median = np.where(nonempty, xs_[k], np.nan)
        below = np.zeros(n_groups)  # Σ P_i x_i over the units before the median unit, per group
        if len(heads):
            pairs = np.add.reduceat(pxs, np.column_stack((heads, k[nonempty])).ravel())[0::2]
            below[nonempty] = np.where(k[nonempty] > heads, pairs, 0.0)
        above = big_s - below - ps_[k] * xs_[k]
        half = big_p / 2.0
        pupils_before_k = cum_[k] - ps_[k]
        below_in_k = half - pupils_before_k
        above_in_k = pupils_before_k + ps_[k] - half
        out["mcloone"] = (below + below_in_k * median) / (median * half)
        out["verstegen"] = (above + above_in_k * median) / (median * half)

    flags = np.zeros(n_groups, dtype=np.int64)
    flags |= np.where(mean == 0, ZERO_MEAN, 0)
    flags |= np.where(any_neg, NEGATIVE, 0)
    flags |= np.where(any_zero, ZERO_VALUE, 0)
    flags |= np.where(median == 0, ZERO_MEDIAN, 0)
    flags |= np.where(p5 == 0, ZERO_P5, 0)
    flags |= np.where(no_area, NO_AREA, 0)
    flags |= np.where(~no_area & (urban_p == 0), NO_URBAN, 0)
    flags |= np.where(~no_area & (rural_p == 0), NO_RURAL, 0)
    flags |= np.where(~no_area & (urban_p > 0) & (urban_s == 0), ZERO_URBAN_MEAN, 0)

    theil_t_ok = (mean > 0) & ~any_neg  # log-based measures need a positive mean, no negatives
    theil_l_ok = theil_t_ok & ~any_zero
    split_ok = ~no_area
    for name, ok in (("theil_t", theil_t_ok), ("theil_t_between", theil_t_ok & split_ok),
                     ("theil_t_within", theil_t_ok & split_ok), ("theil_l", theil_l_ok),
                     ("theil_l_between", theil_l_ok & split_ok), ("theil_l_within", theil_l_ok & split_ok),
                     ("gini", mean != 0), ("atkinson_05", theil_t_ok), ("atkinson_1", theil_l_ok),
                     ("atkinson_2", theil_l_ok), ("mcloone", median != 0), ("verstegen", median != 0),
                     ("federal_range_ratio", p5 != 0)):
        out[name] = np.where(ok, out[name], np.nan)
    parity_ok = split_ok & (urban_p > 0) & (rural_p > 0) & (urban_s != 0)
    out["urban_rural_parity"] = np.where(parity_ok, parity, np.nan)
    flags |= np.where(theil_t_ok & split_ok & (out["theil_t"] == 0), ZERO_THEIL, 0)
    share_ok = np.isfinite(out["theil_t_between"]) & (out["theil_t"] > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["theil_t_between_share"] = np.where(share_ok, out["theil_t_between"] / out["theil_t"], np.nan)

    bad = (n_missing > 0) | (n_units == 0)
    for name in list(out):
        out[name] = np.where(bad, np.nan, out[name])
    flags[bad] = 0
    out.update(n_units=n_units.astype(np.int64), n_missing=n_missing.astype(np.int64),
               students=students_total, flags=flags)
    return out


def null_reasons(flags: np.ndarray, n_missing: np.ndarray, n_units: np.ndarray) -> np.ndarray:
    """The text of `flags` per group ('; '-joined REASONS), or the missing-data / no-students reason;
    None where every measure is defined. Built once per distinct flag combination."""
    reason = np.full(len(flags), None, dtype=object)
    combos, inverse = np.unique(flags, return_inverse=True)
    texts = np.array(["; ".join(r for bit, r in enumerate(REASONS) if c >> bit & 1) or None for c in combos],
                     dtype=object)
    reason[:] = texts[inverse]
    has_missing = n_missing > 0
    reason[has_missing] = [REASON_MISSING.format(n=n) for n in n_missing[has_missing]]
    reason[n_units == 0] = REASON_NO_STUDENTS
    return reason


def equity_measures(units: pd.DataFrame, group_cols: list[str], area_mode: str = "urban_rural",
                    students_col: str = "students", value_col: str = "value",
                    area_col: str = "urban_rural") -> pd.DataFrame:
    """One row per group of `group_cols` (e.g. year, ruleset, county_code, level, indicator_code), in
    order of first appearance: the group columns, then MEASURE_COLUMNS."""
    if area_mode not in AREA_MODES:
        raise ValueError(f"area_mode must be one of {sorted(AREA_MODES)}, not {area_mode!r}")
    if units.empty:
        return pd.DataFrame(columns=[*group_cols, *MEASURE_COLUMNS])
    codes = key_codes(units, group_cols)
    n_groups = int(codes.max()) + 1
    stats = grouped_measures(codes, units[students_col].to_numpy(dtype=float, na_value=np.nan),
                             units[value_col].to_numpy(dtype=float, na_value=np.nan),
                             area_codes(units[area_col], area_mode), n_groups, area_mode)
    out = units.iloc[first_rows(codes, n_groups)][group_cols].reset_index(drop=True)
    for name in MEASURE_COLUMNS[:-1]:
        out[name] = stats[name]
    out["null_reason"] = null_reasons(stats["flags"], stats["n_missing"], stats["n_units"])
    return out
