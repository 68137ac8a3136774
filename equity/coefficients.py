"""The inter-school difference coefficient (差异系数): a student-weighted coefficient of variation.

For one group (county × level × indicator × rule set) over units with enrolment P_i and value X_i:

    P = Σ P_i,  X̄ = Σ P_i·X_i / P,  S = sqrt(Σ P_i·(X_i − X̄)² / P),  CV = S / X̄

(population form, ÷ P). Units with P_i = 0 are dropped; X̄ = 0 leaves the CV undefined (NULL with a
reason); a group whose units lack a value is not computed over the shortened list (NULL, reason).
Everything is vectorised over all groups at once: one factorize, then bincount sums.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

REASON_ZERO_MEAN = "weighted mean is 0: the coefficient is undefined"
REASON_MISSING = "{n} unit(s) have no value for this indicator: not computed over a shortened list"
REASON_NO_STUDENTS = "no unit with students"
REASON_COMPONENT = "a component coefficient is undefined: {codes}"


def grouped_cv(group_codes: np.ndarray, students: np.ndarray, values: np.ndarray, n_groups: int) -> dict:
    """Weighted mean, S and CV per group, from parallel arrays (group index 0..n_groups-1).

    `values` may hold NaN (a unit without a value): such a group's statistics are NaN and its
    `n_missing` counts them. Units with students <= 0 are ignored entirely.
    """
    g = np.asarray(group_codes, dtype=np.int64)
    p = np.asarray(students, dtype=np.float64)
    x = np.asarray(values, dtype=np.float64)
    keep = (p > 0) | np.isnan(p)  # an unknown enrolment is missing data, not an empty school
    g, p, x = g[keep], p[keep], x[keep]
    missing = np.isnan(x) | np.isnan(p)
    p = np.where(np.isnan(p), 0.0, p)
    n_missing = np.bincount(g, weights=missing, minlength=n_groups).astype(np.int64)
    n_units = np.bincount(g, minlength=n_groups).astype(np.int64)
    xz = np.where(missing, 0.0, x)
    total_p = np.bincount(g, weights=p, minlength=n_groups)
    total_px = np.bincount(g, weights=p * xz, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total_px / total_p
        dev = xz - mean[g]
        var = np.bincount(g, weights=p * dev * dev, minlength=n_groups) / total_p
        std = np.sqrt(var)
        cv = std / mean
    bad = (n_missing > 0) | (n_units == 0)
    mean[bad] = np.nan
    std[bad] = np.nan
    cv[bad | (mean == 0)] = np.nan
    return {"n_units": n_units, "n_missing": n_missing, "students": total_p, "weighted_mean": mean,
            "std_dev": std, "cv": cv}


def group_codes(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """0..n-1 per distinct combination of `keys`, numbered by first appearance: one factorize per
    column, combined into one integer and factorized again (no Python tuple per row)."""
    combined = np.zeros(len(frame), dtype=np.int64)
    for key in keys:
        codes, uniques = pd.factorize(frame[key])  # keys are never NULL (-1 would still stay distinct)
        combined = combined * (len(uniques) + 1) + (codes + 1)
    return pd.factorize(combined)[0].astype(np.int64)


def first_rows(codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Index of each group's first row, in one linear pass (reversed assignment: the first wins)."""
    first = np.empty(n_groups, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return first


def county_coefficients(units: pd.DataFrame, group_keys: list[str], indicator_col: str = "indicator_code",
                        students_col: str = "students", value_col: str = "value") -> pd.DataFrame:
    """One row per group: n_units, students, weighted_mean, std_dev, cv, cv_null_reason."""
    keys = [*group_keys, indicator_col]
    if units.empty:
        return pd.DataFrame(columns=[*keys, "n_units", "students", "weighted_mean", "std_dev", "cv",
                                     "cv_null_reason"])
    codes = group_codes(units, keys)
    n_groups = int(codes.max()) + 1
    stats = grouped_cv(codes, units[students_col].to_numpy(dtype=float),
                       units[value_col].to_numpy(dtype=float, na_value=np.nan), n_groups)
    out = units.iloc[first_rows(codes, n_groups)][keys].reset_index(drop=True)
    for k in ("n_units", "students", "weighted_mean", "std_dev", "cv"):
        out[k] = stats[k]
    reason = np.full(len(out), None, dtype=object)
    reason[(stats["weighted_mean"] == 0)] = REASON_ZERO_MEAN
    has_missing = stats["n_missing"] > 0
    reason[has_missing] = [REASON_MISSING.format(n=n) for n in stats["n_missing"][has_missing]]
    reason[stats["n_units"] == 0] = REASON_NO_STUDENTS
    out["cv_null_reason"] = reason
    return out


def comprehensive_cv(coefs: pd.DataFrame, group_keys: list[str], indicator_col: str = "indicator_code",
                     ) -> pd.DataFrame:
    """Mean of the indicators' CVs per group (校际综合差异系数); NULL, with why, if any is NULL."""
    if coefs.empty:
        return pd.DataFrame(columns=[*group_keys, "n_units", "students", "cv", "cv_null_reason"])
    grouped = coefs.groupby(group_keys, sort=False, dropna=False)
    out = grouped.agg(n_units=("n_units", "max"), students=("students", "max"), cv=("cv", "mean"),
                      n_defined=("cv", "count"), n_indicators=("cv", "size")).reset_index()
    out.loc[out["n_defined"] < out["n_indicators"], "cv"] = np.nan
    out = out.drop(columns=["n_defined", "n_indicators"])
    null_codes = (coefs[coefs["cv"].isna()].groupby(group_keys, sort=False, dropna=False)[indicator_col]
                  .agg(lambda s: ", ".join(sorted(s))).rename("null_codes").reset_index())
    out = out.merge(null_codes, on=group_keys, how="left")
    out["cv_null_reason"] = out["null_codes"].map(
        lambda c: REASON_COMPONENT.format(codes=c) if isinstance(c, str) else None)
    return out.drop(columns="null_codes")
