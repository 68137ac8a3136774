"""The least-cost plan for the resource dimension (roadmap.md §1, issue 13): what each county level
must add, school by school, to pass the school rule and the difference-coefficient cap of a rule set.

Method, for every year × rule set × county × level at once (no Python loop per group):
1. floors of the school rule — each unit leaves between 85 % and 100 % of its threshold the
   indicator(s) whose waiver saves the most (cost to the threshold − cost to 85 % of it);
2. water-filling to the cap (per-indicator rule sets: x' = max(x⁰, L), the least L with CV ≤ cap,
   exact), or spending at equal marginal cost across indicators (comprehensive rule sets: the mean
   CV reaches the cap; never dearer than every indicator at its cap);
3. additions are what the *school* adds: per-stage resources to the unit, whole-school resources
   (`shared`) to the school, which its split rule shares between its levels (need ÷ share, the most
   any level needs); integer resources are rounded up;
4. re-check (rounding and lifts of a split school's other level can raise a CV), re-plan the failing
   groups from where they stand, then add one indivisible unit at a time where it lowers the CV most;
5. verification by the verdict's own rules: the school rule as int_school_unit_verdicts.sql and the
   coefficients by the published kernel (equity.coefficients).

Pure: DataFrames in, DataFrames out; no warehouse I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from equity.coefficients import comprehensive_cv, county_coefficients, first_rows, group_codes
from equity.planner_math import comprehensive_targets, cv_by_group, water_levels

GROUP_KEYS = ["year", "ruleset", "county_code", "level"]
UNIT_COLUMNS = ["school_id", "indicator_code", "students", "value", "threshold", "scale", "integer",
                "unit_cost", "school_share", "shared"]
GROUP_COLUMNS = ["cap", "balance_rule", "has_school_rule"]
PER_INDICATOR, COMPREHENSIVE = "per_indicator", "comprehensive"
COMPREHENSIVE_CODE = "COMPREHENSIVE"

FLOOR, FLOOR_85, COEFFICIENT, REPAIR = 1, 2, 4, 8
REASON_NAMES = ((FLOOR, "floor"), (FLOOR_85, "floor_85"), (COEFFICIENT, "coefficient"), (REPAIR, "repair"))
SHARED_LIFT = "shared_lift"
REPAIR_ROUNDS = 8
GREEDY_STEPS = 200
ROUNDING_SLACK = 1e-7  # an addition within this of an integer is that integer (float noise)


@dataclass
class PlanResult:
    unit_plan: pd.DataFrame
    group_plan: pd.DataFrame
    group_status: pd.DataFrame
    planned_values: pd.Series  # per row of `units` (same index): the value after the plan


# ------------------------------------------------------------------------------------------------
# Verification: the verdict's rules on given values


def school_rule_units(units: pd.DataFrame, values: np.ndarray, has_rule: np.ndarray, *, min_passing: int,
                      floor_ratio: float, tol: float, keys: list[str]) -> pd.DataFrame:
    """The school rule per unit, as int_school_unit_verdicts.sql: at least `min_passing` thresholded
    indicators at or above the threshold and every other at or above floor_ratio × threshold;
    values equal to a threshold pass (tolerance `tol`). Only rows of groups with the rule count."""
    t = units["threshold"].to_numpy(dtype=float)
    rows = has_rule & ~np.isnan(t)
    sub = units.loc[rows, [*keys, "school_id"]].reset_index(drop=True)
    if sub.empty:
        return sub.assign(n_indicators=0, n_passing=0, n_near=0, passes=True)
    v, t = values[rows], t[rows]
    passes = v + tol >= t
    near = ~passes & (v + tol >= t * floor_ratio)
    codes = group_codes(sub, [*keys, "school_id"])
    n = int(codes.max()) + 1
    out = sub.iloc[first_rows(codes, n)].reset_index(drop=True)
    out["n_indicators"] = np.bincount(codes, minlength=n)
    out["n_passing"] = np.bincount(codes, weights=passes, minlength=n).astype(int)
    out["n_near"] = np.bincount(codes, weights=near, minlength=n).astype(int)
    out["passes"] = (out["n_passing"] >= min_passing) & (out["n_passing"] + out["n_near"] == out["n_indicators"])
    return out


def verify(units: pd.DataFrame, planned_values, groups: pd.DataFrame, *, min_passing: int = 6,
           floor_ratio: float = 0.85, tol: float = 1e-9, keys: list[str] | None = None) -> pd.DataFrame:
    """Per group: does the county level pass the resource dimension with `planned_values` (aligned
    with the rows of `units`)? Columns: keys, units_failing_school_rule, school_rule_passes,
    coefficient_passes, plan_passes (NA when a value is unknown), reason."""
    keys = list(keys or GROUP_KEYS)
    return _verify(units.reset_index(drop=True), np.asarray(planned_values, dtype=float), groups,
                   min_passing=min_passing, floor_ratio=floor_ratio, tol=tol, keys=keys)[0]


def _verify(units, values, groups, *, min_passing, floor_ratio, tol, keys):
    settings = units[keys].merge(groups[[*keys, *GROUP_COLUMNS]], on=keys, how="left")
    has_rule = settings["has_school_rule"].fillna(False).to_numpy(dtype=bool)
    frame = units[[*keys, "indicator_code", "students"]].assign(value=values)
    coefs = county_coefficients(frame, keys)
    coefs = coefs.merge(groups[[*keys, *GROUP_COLUMNS]], on=keys, how="left")
    over = coefs["cv"].to_numpy(dtype=float) - tol > coefs["cap"].to_numpy(dtype=float)
    per_ind = coefs["balance_rule"].eq(PER_INDICATOR).to_numpy()
    coefs["cv_passes"] = ~over & ~coefs["cv"].isna().to_numpy()
    status = coefs.assign(_undefined=coefs["cv"].isna()).groupby(keys, sort=False, observed=True).agg(
        n_indicators=("cv", "size"), n_undefined=("_undefined", "sum"),
    ).reset_index()
    failing_ind = (coefs[per_ind & over].groupby(keys, sort=False, observed=True)["indicator_code"]
                   .agg(lambda s: ", ".join(sorted(s))).rename("over_cap").reset_index())
    comp = comprehensive_cv(coefs[~per_ind], keys) if (~per_ind).any() else None
    status = status.merge(failing_ind, on=keys, how="left")
    status = status.merge(groups[[*keys, *GROUP_COLUMNS]], on=keys, how="left")
    if comp is not None and not comp.empty:
        status = status.merge(comp[[*keys, "cv"]].rename(columns={"cv": "comprehensive_cv"}), on=keys,
                              how="left")
    else:
        status["comprehensive_cv"] = np.nan
    rule = school_rule_units(units, values, has_rule, min_passing=min_passing, floor_ratio=floor_ratio,
                             tol=tol, keys=keys)
    failing_units = (rule.loc[~rule["passes"]].groupby(keys, sort=False, observed=True).size()
                     .rename("units_failing_school_rule").reset_index())
    status = status.merge(failing_units, on=keys, how="left")
    status["units_failing_school_rule"] = status["units_failing_school_rule"].fillna(0).astype(int)
    missing = (units.loc[np.isnan(values)].groupby(keys, sort=False, observed=True).size().rename("n_unknown").reset_index())
    status = status.merge(missing, on=keys, how="left")
    status["n_unknown"] = status["n_unknown"].fillna(0).astype(int)
    is_comp = status["balance_rule"].eq(COMPREHENSIVE)
    comp_over = status["comprehensive_cv"].to_numpy(dtype=float) - tol > status["cap"].to_numpy(dtype=float)
    status["school_rule_passes"] = status["units_failing_school_rule"] == 0
    coef_ok = np.where(is_comp, ~comp_over & status["comprehensive_cv"].notna(),
                       status["over_cap"].isna() & (status["n_undefined"] == 0))
    coef_ok = coef_ok | status["cap"].isna().to_numpy()  # no cap set: the coefficient is not a condition
    status["coefficient_passes"] = coef_ok.astype(bool)
    passes = pd.array(status["school_rule_passes"] & status["coefficient_passes"], dtype="boolean")
    unknown = (status["n_unknown"] > 0).to_numpy()
    passes[unknown] = pd.NA
    status["plan_passes"] = passes
    reasons = []
    for row in status.itertuples(index=False):
        parts = []
        if row.n_unknown:
            parts.append(f"{row.n_unknown} value(s) unknown")
        if row.units_failing_school_rule:
            parts.append(f"{row.units_failing_school_rule} unit(s) fail the school rule")
        if row.balance_rule == COMPREHENSIVE and not (row.comprehensive_cv - tol <= row.cap):
            parts.append(f"comprehensive CV {row.comprehensive_cv:.4f} over cap {row.cap}")
        if row.balance_rule != COMPREHENSIVE and isinstance(row.over_cap, str):
            parts.append(f"CV over cap {row.cap}: {row.over_cap}")
        if row.n_undefined and row.balance_rule != COMPREHENSIVE:
            parts.append(f"{row.n_undefined} coefficient(s) undefined")
        reasons.append("; ".join(parts) or None)
    status["reason"] = reasons
    cols = [*keys, "units_failing_school_rule", "school_rule_passes", "coefficient_passes", "plan_passes",
            "reason"]
    return status[cols], coefs


# ------------------------------------------------------------------------------------------------
# The plan


def plan(units: pd.DataFrame, groups: pd.DataFrame, *, min_passing: int = 6, floor_ratio: float = 0.85,
         tol: float = 1e-9, keys: list[str] | None = None) -> PlanResult:
    """The least-cost plan per group of `keys` (default year × rule set × county × level).
    See the module docstring; column meanings in docs of `units` / `groups` in the issue."""
    keys = list(keys or GROUP_KEYS)
    return _Planner(units, groups, keys, min_passing, floor_ratio, tol).run()


def cost_curve(units: pd.DataFrame, groups: pd.DataFrame, targets=None, *, steps: int = 5,
               step: float = 0.05, min_passing: int = 6, floor_ratio: float = 0.85, tol: float = 1e-9,
               keys: list[str] | None = None) -> pd.DataFrame:
    """Per group × target: the least cost (floors included) to reach CV ≤ target — per-indicator
    rule sets every indicator, comprehensive ones the mean. `targets` is a sequence of offsets
    below the cap (default: cap, cap − 0.05, … `steps` of them, kept above 0) or a callable
    cap -> list of targets. One stacked plan for all targets at once."""
    keys = list(keys or GROUP_KEYS)
    offsets = [i * step for i in range(steps)] if targets is None else None
    frames, gframes = [], []
    n_targets = steps if offsets is not None else len(targets)
    for i in range(n_targets):
        g = groups.copy()
        g["target"] = g["cap"] - offsets[i] if offsets is not None else float(targets[i])
        g["target_step"] = i
        g = g[g["target"] > 0]
        gframes.append(g)
        frames.append(units.assign(target_step=i))
    stacked_groups = pd.concat(gframes, ignore_index=True)
    stacked_groups["cap"] = stacked_groups["target"]
    stacked_units = pd.concat(frames, ignore_index=True)
    stacked_units = stacked_units.merge(stacked_groups[[*keys, "target_step"]], on=[*keys, "target_step"])
    result = _Planner(stacked_units, stacked_groups, [*keys, "target_step"], min_passing, floor_ratio,
                      tol).run()
    st = result.group_status.merge(stacked_groups[[*keys, "target_step", "target"]], on=[*keys, "target_step"])
    st["reachable"] = st["plan_passes"].fillna(False).astype(bool)
    return st[[*keys, "target_step", "target", "cost_yuan", "reachable", "planned",
               "reason_if_not_planned"]].sort_values([*keys, "target_step"]).reset_index(drop=True)


class _Planner:
    def __init__(self, units, groups, keys, min_passing, floor_ratio, tol):
        missing = [c for c in [*keys, *UNIT_COLUMNS] if c not in units.columns]
        if missing:
            raise ValueError(f"units lack columns {missing}")
        gmissing = [c for c in [*keys, *GROUP_COLUMNS] if c not in groups.columns]
        if gmissing:
            raise ValueError(f"groups lack columns {gmissing}")
        if groups.duplicated(keys).any():
            raise ValueError("groups hold a key twice")
        if units.duplicated([*keys, "school_id", "indicator_code"]).any():
            raise ValueError("units hold a school twice for one level and indicator")
        self.index = units.index
        self.units = units.reset_index(drop=True)
        self.groups = groups.reset_index(drop=True)
        self.keys, self.min_passing, self.floor_ratio, self.tol = keys, min_passing, floor_ratio, tol

    # -- setup ---------------------------------------------------------------------------------
    def _setup(self):
        u, keys = self.units, self.keys
        settings = u[keys].merge(self.groups[[*keys, *GROUP_COLUMNS]].assign(_known=True), on=keys,
                                 how="left")
        self.h_all = group_codes(u, keys)
        n_h = int(self.h_all.max()) + 1 if len(u) else 0
        self.n_h_all = n_h
        hf = first_rows(self.h_all, n_h)
        self.group_frame = u.iloc[hf][keys].reset_index(drop=True)
        value = u["value"].to_numpy(dtype=float, na_value=np.nan)
        p = u["students"].to_numpy(dtype=float, na_value=np.nan)
        kappa = u["unit_cost"].to_numpy(dtype=float, na_value=np.nan)
        share = u["school_share"].to_numpy(dtype=float, na_value=np.nan)
        scale = u["scale"].to_numpy(dtype=float, na_value=np.nan)
        known = settings["_known"].fillna(False).to_numpy(dtype=bool)
        rule = settings["balance_rule"].to_numpy(dtype=object)
        has_rule = settings["has_school_rule"].fillna(False).to_numpy(dtype=bool)
        cap = settings["cap"].to_numpy(dtype=float, na_value=np.nan)
        t = u["threshold"].to_numpy(dtype=float, na_value=np.nan)
        thr_rows = has_rule & ~np.isnan(t)
        unit_codes = group_codes(u, [*keys, "school_id"])
        n_thr_unit = np.bincount(unit_codes, weights=thr_rows)
        reasons = np.full(n_h, None, dtype=object)

        def flag(mask_rows, text):
            bad = np.bincount(self.h_all, weights=mask_rows, minlength=n_h) > 0
            new = bad & pd.isna(reasons)
            reasons[new] = text if isinstance(text, str) else [text(h) for h in np.flatnonzero(new)]

        flag(~known, "no rule-set settings for this county level")
        unknown = np.isnan(value)
        if unknown.any():
            miss = u.loc[unknown].assign(_h=self.h_all[unknown]).groupby("_h", observed=True)["indicator_code"].agg(
                lambda s: ", ".join(sorted(set(map(str, s)))))
            n_miss = np.bincount(self.h_all, weights=unknown, minlength=n_h).astype(int)
            flag(unknown, lambda h: f"{n_miss[h]} unit value(s) unknown ({miss.get(h, '')}): "
                                    "not planned over a shortened list")
        flag(~(p > 0), "a unit without a positive enrolment")
        flag(~(kappa > 0), "a unit cost missing or not positive")
        flag(~(scale > 0), "a scale missing or not positive")
        flag(u["shared"].astype(bool).to_numpy() & ~((share > 0) & (share <= 1)),
             "a school share outside (0, 1]")
        flag(known & ~np.isin(rule, [PER_INDICATOR, COMPREHENSIVE]), "unknown balance rule")
        flag(has_rule & (n_thr_unit[unit_codes] < self.min_passing),
             f"fewer than {self.min_passing} indicators with a threshold: the school rule cannot pass")
        flag(known & np.isnan(cap) & np.isin(rule, [COMPREHENSIVE]), "no comprehensive cap")
        self.reasons = reasons
        ok_rows = pd.isna(reasons)[self.h_all]
        self.rows = np.flatnonzero(ok_rows)
        r = self.rows
        self.x = value[r]
        self.p = p[r]
        self.s = scale[r]
        self.kappa = kappa[r]
        self.shared = u["shared"].astype(bool).to_numpy()[r]
        self.mult = np.where(self.shared, share[r], 1.0)
        self.integer = u["integer"].astype(bool).to_numpy()[r]
        self.t = np.where(has_rule[r], t[r], np.nan)
        sub = u.iloc[r]
        self.h = pd.factorize(self.h_all[r])[0] if len(r) else np.zeros(0, dtype=np.int64)
        self.h_global = np.unique(self.h_all[r], return_index=False) if len(r) else np.zeros(0, int)
        self.h_to_global = np.zeros(0, dtype=np.int64)
        if len(r):
            self.h_to_global = self.h_all[r][first_rows(self.h, int(self.h.max()) + 1)]
        self.n_h = int(self.h.max()) + 1 if len(r) else 0
        self.g = group_codes(sub, [*keys, "indicator_code"]) if len(r) else np.zeros(0, dtype=np.int64)
        self.n_g = int(self.g.max()) + 1 if len(r) else 0
        self.h_of_g = np.zeros(self.n_g, dtype=np.int64)
        self.h_of_g[self.g] = self.h
        self.unit = group_codes(sub, [*keys, "school_id"]) if len(r) else np.zeros(0, dtype=np.int64)
        self.n_unit = int(self.unit.max()) + 1 if len(r) else 0
        # the addition key: a whole-school resource is one addition per school (all its levels)
        school_keys = [k for k in keys if k != "level"] + ["school_id", "indicator_code"]
        if len(r):
            school = group_codes(sub, school_keys)
            own = len(r) + np.arange(len(r))
            self.key = pd.factorize(np.where(self.shared, school, own))[0]
        else:
            self.key = np.zeros(0, dtype=np.int64)
        self.n_key = int(self.key.max()) + 1 if len(r) else 0
        self.key_integer = np.zeros(self.n_key, dtype=bool)
        self.key_integer[self.key] = self.integer
        self.key_kappa = np.zeros(self.n_key)
        self.key_kappa[self.key] = self.kappa
        self.cap_h = np.zeros(self.n_h)
        self.comp_h = np.zeros(self.n_h, dtype=bool)
        if len(r):
            self.cap_h[self.h] = cap[r]
            self.comp_h[self.h] = rule[r] == COMPREHENSIVE
        self.cost_weight = self.kappa * self.p / (self.s * self.mult)  # yuan per unit of value

    # -- additions ----------------------------------------------------------------------------
    def planned(self, rows=None):
        if rows is None:
            return self.x + self.add[self.key] * self.mult * self.s / self.p
        return self.x[rows] + self.add[self.key[rows]] * self.mult[rows] * self.s[rows] / self.p[rows]

    def request(self, target, flag):
        """Raise every row to at least `target` (value space; NaN = nothing) from where it stands."""
        cur = self.planned()
        extra = np.where(np.isnan(target), 0.0, self.p * (target - cur) / self.s) / self.mult
        extra = np.where(extra > 1e-12 * np.maximum(1.0, self.add[self.key]), extra, 0.0)
        if not extra.any():
            return
        key_extra = np.zeros(self.n_key)
        np.maximum.at(key_extra, self.key, extra)
        new = self.add + key_extra
        new = np.where(self.key_integer & (key_extra > 0), np.ceil(new - ROUNDING_SLACK), new)
        self.add = new
        self.own += extra
        self.flags[extra > 0] |= flag

    # -- stages ---------------------------------------------------------------------------------
    def floors(self):
        """Floor per row: the threshold, or floor_ratio × it for the waived indicator(s) of each unit."""
        t = self.t
        has = ~np.isnan(t)
        full = np.where(has, self.cost_weight * np.maximum(t - self.x, 0.0), 0.0)
        low = np.where(has, self.cost_weight * np.maximum(self.floor_ratio * t - self.x, 0.0), 0.0)
        saving = np.where(has, full - low, -1.0)
        n_thr = np.bincount(self.unit, weights=has, minlength=self.n_unit)
        waivers = np.maximum(n_thr - self.min_passing, 0).astype(np.int64)
        order = np.lexsort((-saving, self.unit))
        ranks = np.empty(len(order), dtype=np.int64)
        us = self.unit[order]
        counts = np.bincount(us, minlength=self.n_unit)
        starts = np.cumsum(counts) - counts
        ranks[order] = np.arange(len(order)) - starts[us]
        waived = has & (ranks < waivers[self.unit])
        self.waived = waived
        floor = np.where(waived, self.floor_ratio * t, t)
        return floor, waived

    def coefficient_targets(self, base, only_h):
        """Per row, the value the coefficient stage aims at from `base`, for the groups `only_h`
        (NaN elsewhere and where a row needs nothing)."""
        target = np.full(len(base), np.nan)
        sel = np.flatnonzero(only_h[self.h])
        if not len(sel):
            return target
        g, p, b, c, h = self.g[sel], self.p[sel], base[sel], self.cost_weight[sel], self.h[sel]
        n_g, h_of_g = self.n_g, self.h_of_g
        comp_g = self.comp_h[h_of_g] & only_h[h_of_g]
        cap_g = np.where(only_h[h_of_g], self.cap_h[h_of_g], np.nan)
        level = water_levels(g, p, b, cap_g, n_g)
        if comp_g.any():
            cap_h = np.where(self.comp_h & only_h & ~np.isnan(self.cap_h), self.cap_h, np.inf)
            tgt = comprehensive_targets(g, p, c, b, n_g, h_of_g, cap_h, self.n_h)
            level_comp = water_levels(g, p, b, np.where(comp_g, tgt, np.nan), n_g)

            def cost(level_g):
                lv = level_g[g]
                add = np.where(np.isnan(lv), 0.0, np.maximum(lv - b, 0.0))
                return np.bincount(h, weights=c * add, minlength=self.n_h)

            # never dearer than every indicator at its cap
            use_comp = comp_g & (cost(level_comp)[h_of_g] < cost(level)[h_of_g])
            level = np.where(use_comp, level_comp, level)
        lv = level[g]
        target[sel] = np.where(lv > b, lv, np.nan)
        return target

    def failing(self, sel=None):
        """(failing groups, CV per indicator group) on the planned values of rows `sel` (all rows by
        default; a group is judged only when all its rows are in `sel`)."""
        sel = np.arange(len(self.rows)) if sel is None else sel
        g = self.g[sel]
        cv = cv_by_group(g, self.p[sel], self.planned(rows=sel), self.n_g)
        present = np.bincount(g, minlength=self.n_g) > 0
        cap_g = self.cap_h[self.h_of_g]
        over_g = present & (cv - self.tol > cap_g)
        fail = np.bincount(self.h_of_g, weights=over_g & ~self.comp_h[self.h_of_g], minlength=self.n_h) > 0
        k = np.bincount(self.h_of_g, weights=present, minlength=self.n_h)
        cv_sum = np.bincount(self.h_of_g, weights=np.where(present, np.nan_to_num(cv, nan=np.inf), 0.0),
                             minlength=self.n_h)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = cv_sum / k
        fail |= self.comp_h & (k > 0) & (mean - self.tol > self.cap_h)
        return fail, cv

    def greedy(self, fail):
        """One indivisible unit (or 0.1 % of the county mean, for a divisible resource) where it lowers
        the CV most per yuan, for each failing group, one step at a time; a full re-check every few
        steps (a split school's lift can make another level fail)."""
        for step in range(GREEDY_STEPS):
            if not fail.any():
                return fail
            sel = np.flatnonzero(fail[self.h])
            g, p, h = self.g[sel], self.p[sel], self.h[sel]
            cur = self.planned(rows=sel)
            _, cv = self.failing(sel)
            total = np.bincount(g, weights=p, minlength=self.n_g)
            s1 = np.bincount(g, weights=p * cur, minlength=self.n_g)
            s2 = np.bincount(g, weights=p * cur * cur, minlength=self.n_g)
            mean_g = s1 / np.where(total > 0, total, 1.0)
            mult, s, kappa = self.mult[sel], self.s[sel], self.kappa[sel]
            step_nat = np.where(self.integer[sel], 1.0, 0.001 * mean_g[g] * p / s / mult)
            dx = step_nat * mult * s / p
            n1 = s1[g] + p * dx
            n2 = s2[g] + p * ((cur + dx) ** 2 - cur * cur)
            m = n1 / total[g]
            new_cv = np.sqrt(np.maximum(n2 / total[g] / (m * m) - 1.0, 0.0))
            gain = (cv[g] - new_cv) / (step_nat * kappa)
            over_g = cv - self.tol > self.cap_h[self.h_of_g]
            eligible = (self.comp_h[h] | over_g[g]) & (gain > 0)
            if not eligible.any():
                return fail
            score = np.where(eligible, gain, -np.inf)
            order = np.lexsort((-score, h))
            first = order[np.r_[True, h[order][1:] != h[order][:-1]]]
            first = first[np.isfinite(score[first])]
            pick = sel[first]
            add_step = np.zeros(self.n_key)
            np.maximum.at(add_step, self.key[pick], step_nat[first])
            self.add = self.add + add_step
            self.own[pick] += step_nat[first]
            self.flags[pick] |= REPAIR
            fail = self.failing(sel)[0] & fail if step % 20 != 19 else self.failing()[0]
        return self.failing()[0]

    # -- run ------------------------------------------------------------------------------------
    def run(self) -> PlanResult:
        self._setup()
        n = len(self.rows)
        self.add = np.zeros(self.n_key)
        self.own = np.zeros(n)
        self.flags = np.zeros(n, dtype=np.int64)
        zero_mean = np.zeros(self.n_h, dtype=bool)
        if n:
            floor, waived = self.floors()
            self.request(floor, FLOOR)
            self.flags[waived & ((self.flags & FLOOR) > 0)] ^= FLOOR | FLOOR_85
            self.floor_add = self.add.copy()
            base = self.planned()
            mean0 = (np.bincount(self.g, weights=self.p * base, minlength=self.n_g)
                     / np.bincount(self.g, weights=self.p, minlength=self.n_g))
            zero_mean = np.bincount(self.h_of_g, weights=~(mean0 > 0), minlength=self.n_h) > 0
            self.cap_h = np.where(zero_mean, np.nan, self.cap_h)
            fail, _ = self.failing()
            self.request(self.coefficient_targets(base, fail), COEFFICIENT)
            for _ in range(REPAIR_ROUNDS):
                fail, _ = self.failing()
                if not fail.any():
                    break
                self.request(self.coefficient_targets(self.planned(), fail), REPAIR)
            else:
                fail, _ = self.failing()
            self.greedy(fail)
        else:
            self.floor_add = self.add.copy()
        for h in np.flatnonzero(zero_mean):
            self.reasons[self.h_to_global[h]] = "weighted mean is 0 after the floors: the CV is undefined"
        return self.assemble()

    # -- results --------------------------------------------------------------------------------
    def assemble(self) -> PlanResult:
        keys, u = self.keys, self.units
        n = len(self.rows)
        planned_all = u["value"].to_numpy(dtype=float, na_value=np.nan).copy()
        if n:
            planned_all[self.rows] = self.planned()
        status, coefs_planned = _verify(u, planned_all, self.groups, min_passing=self.min_passing,
                                        floor_ratio=self.floor_ratio, tol=self.tol, keys=keys)
        coefs_now = county_coefficients(u[[*keys, "indicator_code", "students", "value"]], keys)
        # driver of each addition: the row that asked the most of it
        driver = np.full(self.n_key, -1, dtype=np.int64)
        if n:
            order = np.lexsort((-self.own, self.key))
            firsts = order[np.r_[True, self.key[order][1:] != self.key[order][:-1]]]
            driver[self.key[firsts]] = firsts
        is_driver = np.zeros(n, dtype=bool)
        is_driver[driver[driver >= 0]] = True
        is_driver &= self.add[self.key] > 0
        gain = self.add[self.key] * self.mult if n else np.zeros(0)
        addition = np.where(is_driver, self.add[self.key], 0.0) if n else np.zeros(0)
        cost = addition * self.kappa if n else np.zeros(0)
        floor_cost = np.where(is_driver, self.floor_add[self.key], 0.0) * self.kappa if n else np.zeros(0)
        touched = gain > 0
        drv_level = u["level"].to_numpy()[self.rows][np.maximum(driver[self.key], 0)] if n else []
        reason = []
        for f, lifted in zip(self.flags[touched], ~is_driver[touched], strict=True):
            names = [name for bit, name in REASON_NAMES if f & bit]
            if lifted or not names:
                names.append(SHARED_LIFT)
            reason.append("+".join(names))
        rows = self.rows[touched]
        unit_plan = u.iloc[rows][[*keys, "school_id", "indicator_code"]].reset_index(drop=True)
        unit_plan["value_now"] = self.x[touched]
        unit_plan["value_planned"] = planned_all[rows]
        unit_plan["addition"] = addition[touched]
        unit_plan["unit_gain"] = gain[touched]
        unit_plan["cost_yuan"] = cost[touched]
        unit_plan["reason"] = reason
        unit_plan["driven_by_level"] = np.asarray(drv_level)[touched] if n else []
        unit_plan["shared"] = self.shared[touched]

        # group × indicator
        gp = coefs_now[[*keys, "indicator_code", "cv"]].rename(columns={"cv": "cv_now"})
        gp = gp.merge(coefs_planned[[*keys, "indicator_code", "cv", "cap", "balance_rule"]]
                      .rename(columns={"cv": "cv_planned"}), on=[*keys, "indicator_code"], how="left")
        t = u["threshold"].to_numpy(dtype=float, na_value=np.nan)
        v = u["value"].to_numpy(dtype=float, na_value=np.nan)
        per_row = u[[*keys, "indicator_code"]].assign(
            units_failing_now=(v + self.tol < t), units_touched=0, addition_total=0.0, cost_yuan=0.0,
            floor_cost_yuan=0.0)
        if n:
            ut = per_row["units_touched"].to_numpy().copy()
            ut[self.rows] = touched
            per_row["units_touched"] = ut
            for col, vals in (("addition_total", addition), ("cost_yuan", cost), ("floor_cost_yuan", floor_cost)):
                arr = np.zeros(len(u))
                arr[self.rows] = vals
                per_row[col] = arr
        sums = per_row.groupby([*keys, "indicator_code"], sort=False, observed=True).sum().reset_index()
        gp = gp.merge(sums, on=[*keys, "indicator_code"], how="left")
        gp = gp.merge(status[[*keys, "plan_passes"]], on=keys, how="left")
        comp_keys = gp.loc[gp["balance_rule"].eq(COMPREHENSIVE), keys].drop_duplicates()
        if not comp_keys.empty:
            cn = comprehensive_cv(coefs_now.merge(comp_keys, on=keys), keys).rename(columns={"cv": "cv_now"})
            cp = comprehensive_cv(coefs_planned.merge(comp_keys, on=keys), keys).rename(
                columns={"cv": "cv_planned"})
            comp = cn[[*keys, "cv_now"]].merge(cp[[*keys, "cv_planned"]], on=keys)
            agg = gp.merge(comp_keys, on=keys).groupby(keys, sort=False, observed=True).agg(
                cap=("cap", "first"), balance_rule=("balance_rule", "first"),
                units_failing_now=("units_failing_now", "max"), units_touched=("units_touched", "max"),
                addition_total=("addition_total", "sum"), cost_yuan=("cost_yuan", "sum"),
                floor_cost_yuan=("floor_cost_yuan", "sum"), plan_passes=("plan_passes", "first")).reset_index()
            comp = comp.merge(agg, on=keys).assign(indicator_code=COMPREHENSIVE_CODE)
            comp["addition_total"] = np.nan  # natural units of different indicators do not add
            gp = pd.concat([gp, comp[gp.columns]], ignore_index=True)
        group_plan = gp[[*keys, "indicator_code", "balance_rule", "cv_now", "cv_planned", "cap",
                         "units_failing_now", "units_touched", "addition_total", "cost_yuan",
                         "floor_cost_yuan", "plan_passes"]]

        # group status
        gs = self.group_frame.copy()
        gs["reason_if_not_planned"] = self.reasons
        gs["planned"] = pd.isna(self.reasons)
        costs = per_row.groupby(keys, sort=False, observed=True)[["cost_yuan", "floor_cost_yuan"]].sum().reset_index()
        gs = gs.merge(costs, on=keys, how="left")
        gs = gs.merge(status[[*keys, "plan_passes", "reason"]].rename(columns={"reason": "reason_if_fails"}),
                      on=keys, how="left")
        passes = gs["plan_passes"].astype("boolean")
        passes[~gs["planned"].to_numpy()] = pd.NA
        gs["plan_passes"] = passes
        gs.loc[gs["plan_passes"].fillna(False).astype(bool), "reason_if_fails"] = None
        group_status = gs[[*keys, "planned", "plan_passes", "cost_yuan", "floor_cost_yuan",
                           "reason_if_not_planned", "reason_if_fails"]]
        return PlanResult(unit_plan=unit_plan, group_plan=group_plan, group_status=group_status,
                          planned_values=pd.Series(planned_all, index=self.index, name="value_planned"))
