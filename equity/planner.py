"""The least-cost plan for the resource dimension (roadmap.md §1, issue 13): what each county level
must add, school by school, to pass the school rule and the difference-coefficient cap of a rule set.

Method, for every year × rule set × county × level at once (no Python loop per group):
1. floors of the school rule — each unit leaves between its floor (floor_ratio of the threshold) and
   100 % of its threshold the indicator(s) whose waiver saves the most (cost to the threshold − cost to
   the floor); min_passing and floor_ratio are the method's (core.settings.school_rule: the dbt vars,
   6 and 85 %) unless a caller gives others;
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
Money: a private school's (民办) additions are planned as any school's but priced as its owner's
(owner_cost_yuan), never in the county's costs (roadmap.md §1).

Pure: DataFrames in, DataFrames out; no warehouse I/O.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.settings import school_rule
from equity.coefficients import comprehensive_cv, county_coefficients, first_rows, group_codes, grouped_cv
from equity.planner_math import comprehensive_targets, cv_by_group, water_levels

GROUP_KEYS = ["year", "ruleset", "county_code", "level"]
UNIT_COLUMNS = ["school_id", "indicator_code", "students", "value", "threshold", "scale", "integer",
                "unit_cost", "school_share", "shared"]
# Money by kind (roadmap.md §1): a teacher-year is paid every year, a building or a book once. The
# units' optional column cost_kind says which (seeds/unit_costs.csv); without it the split is unknown
# (NaN) and the totals are what they are. The plan itself weighs a yuan as a yuan, whatever its kind.
COST_KIND = "cost_kind"
ONE_OFF, RECURRING = "one_off", "recurring"
ONE_OFF_COST, RECURRING_COST = "one_off_cost_yuan", "recurring_cost_yuan_per_year"
# Private schools (民办, roadmap.md §1): no public money is planned for them. The units' optional
# column is_private (NULL or absent: public) marks them; their additions stay in the plan (their values
# count in the CV and the school rule as any school's) but their cost is the owner's duty: cost_yuan,
# its one-off and recurring parts and floor_cost_yuan are the county's money only, and the owner's
# cost is carried beside it (owner_cost_yuan and its parts). The plan itself weighs a yuan as a yuan,
# whoever pays it: the county cannot lighten its bill by loading the private schools.
PRIVATE = "is_private"
COUNTY, OWNER = "county", "owner"
OWNER_COST, OWNER_ONE_OFF, OWNER_RECURRING = ("owner_cost_yuan", "owner_one_off_cost_yuan",
                                              "owner_recurring_cost_yuan_per_year")
OWNER_COSTS = [OWNER_COST, OWNER_ONE_OFF, OWNER_RECURRING]
GROUP_COLUMNS = ["cap", "balance_rule", "has_school_rule"]
PER_INDICATOR, COMPREHENSIVE = "per_indicator", "comprehensive"
COMPREHENSIVE_CODE = "COMPREHENSIVE"

FLOOR, FLOOR_85, COEFFICIENT, REPAIR = 1, 2, 4, 8
REASON_NAMES = ((FLOOR, "floor"), (FLOOR_85, "floor_85"), (COEFFICIENT, "coefficient"), (REPAIR, "repair"))
SHARED_LIFT = "shared_lift"
REPAIR_ROUNDS = 8
GREEDY_STEPS = 200
ROUNDING_SLACK = 1e-7  # an addition within this of an integer is that integer (float noise)


RESULT_COLUMNS = {  # after the keys
    "unit_plan": ["school_id", "indicator_code", "value_now", "value_planned", "addition", "unit_gain", "cost_yuan",
                  COST_KIND, "reason", "driven_by_level", "shared", "funded_by", OWNER_COST],
    "group_plan": ["indicator_code", "balance_rule", "cv_now", "cv_planned", "cap", "units_failing_now",
                   "units_touched", "addition_total", "cost_yuan", ONE_OFF_COST, RECURRING_COST, "floor_cost_yuan",
                   "plan_passes", *OWNER_COSTS],
    "group_status": ["planned", "plan_passes", "cost_yuan", ONE_OFF_COST, RECURRING_COST, "floor_cost_yuan",
                     "reason_if_not_planned", "reason_if_fails", *OWNER_COSTS, "relies_on_owners"],
}


@dataclass
class PlanResult:
    unit_plan: pd.DataFrame
    group_plan: pd.DataFrame
    group_status: pd.DataFrame
    planned_values: pd.Series  # per row of `units` (same index): the value after the plan


# ------------------------------------------------------------------------------------------------
# Verification: the verdict's rules on given values


def _combine(*codes: np.ndarray) -> np.ndarray:
    """0..n-1 per distinct combination of non-negative integer code arrays (numbered in sorted order
    of the combination, not by first appearance). A dense relabelling when the combinations fit in
    a small table, a hash factorize otherwise."""
    combined = np.zeros(len(codes[0]), dtype=np.int64)
    size = 1
    for c in codes:
        base = int(c.max(initial=0)) + 1
        combined = combined * base + c
        size *= base
    if size <= 4 * len(combined) + 1_000_000:
        present = np.zeros(size, dtype=bool)
        present[combined] = True
        return (np.cumsum(present) - 1)[combined].astype(np.int64)
    return pd.factorize(combined)[0].astype(np.int64)


def _rule(min_passing: int | None, floor_ratio: float | None) -> tuple[int, float]:
    """The school rule's parameters: those given, else the method's (core.settings.school_rule)."""
    if min_passing is None or floor_ratio is None:
        rule = school_rule()
        min_passing = rule.min_passing if min_passing is None else min_passing
        floor_ratio = rule.floor_ratio if floor_ratio is None else floor_ratio
    return min_passing, floor_ratio


def school_rule_failures(h: np.ndarray, school: np.ndarray, values: np.ndarray, threshold: np.ndarray,
                         has_rule_row: np.ndarray, n_h: int, *, min_passing: int, floor_ratio: float,
                         tol: float) -> np.ndarray:
    """Units failing the school rule, per group h, as int_school_unit_verdicts.sql: a unit passes when
    at least `min_passing` thresholded indicators reach the threshold and every other reaches
    floor_ratio × threshold (a value equal to a threshold passes, within `tol`). Only rows of groups
    with the rule count; a unit with an unknown value counts as failing only if its known values
    already fail it (callers treat unknown values apart)."""
    rows = has_rule_row & ~np.isnan(threshold)
    if not rows.any():
        return np.zeros(n_h, dtype=np.int64)
    v, t, hr = values[rows], threshold[rows], h[rows]
    unit = _combine(hr, school[rows])
    n = int(unit.max()) + 1
    known = ~np.isnan(v)
    passes = known & (v + tol >= t)
    near = known & ~passes & (v + tol >= t * floor_ratio)
    n_ind = np.bincount(unit, minlength=n)
    n_known = np.bincount(unit, weights=known, minlength=n)
    n_pass = np.bincount(unit, weights=passes, minlength=n)
    n_near = np.bincount(unit, weights=near, minlength=n)
    fails = (n_known - n_pass - n_near > 0) | (n_pass + (n_ind - n_known) < min_passing)
    fails |= (n_known == n_ind) & ~((n_pass >= min_passing) & (n_pass + n_near == n_ind))
    unit_h = np.zeros(n, dtype=np.int64)
    unit_h[unit] = hr
    return np.bincount(unit_h, weights=fails, minlength=n_h).astype(np.int64)


def verify(units: pd.DataFrame, planned_values, groups: pd.DataFrame, *, min_passing: int | None = None,
           floor_ratio: float | None = None, tol: float = 1e-9, keys: list[str] | None = None) -> pd.DataFrame:
    """Per group: does the county level pass the resource dimension with `planned_values` (aligned
    with the rows of `units`)? The school rule as the SQL verdict, the coefficients by the published
    kernel (equity.coefficients). Columns: keys, units_failing_school_rule, school_rule_passes,
    coefficient_passes, plan_passes (NA when a value is unknown), reason."""
    keys = list(keys or GROUP_KEYS)
    min_passing, floor_ratio = _rule(min_passing, floor_ratio)
    return _verify(units.reset_index(drop=True), np.asarray(planned_values, dtype=float), groups,
                   min_passing=min_passing, floor_ratio=floor_ratio, tol=tol, keys=keys)[0]


def _verify(units, values, groups, *, min_passing, floor_ratio, tol, keys, h=None, school=None):
    """(status per group, coefficients per group × indicator with keys, cap and balance_rule)."""
    h = group_codes(units, keys) if h is None else h
    school = pd.factorize(units["school_id"])[0] if school is None else school
    n_h = int(h.max()) + 1
    status = units.iloc[first_rows(h, n_h)][keys].reset_index(drop=True)
    status = status.merge(groups[[*keys, *GROUP_COLUMNS]], on=keys, how="left")
    cap = status["cap"].to_numpy(dtype=float, na_value=np.nan)
    is_comp = status["balance_rule"].eq(COMPREHENSIVE).to_numpy()
    has_rule = status["has_school_rule"].fillna(False).to_numpy(dtype=bool)
    frame = pd.DataFrame({"_h": h, "indicator_code": units["indicator_code"].to_numpy(),
                          "students": units["students"].to_numpy(dtype=float), "value": values})
    coefs = county_coefficients(frame, ["_h"])  # the published kernel
    ch = coefs["_h"].to_numpy(dtype=np.int64)
    cv = coefs["cv"].to_numpy(dtype=float)
    over = (cv - tol > cap[ch]) & ~is_comp[ch]
    undefined = np.isnan(cv)
    n_over = np.bincount(ch, weights=over, minlength=n_h)
    n_undefined = np.bincount(ch, weights=undefined & ~is_comp[ch], minlength=n_h).astype(int)
    comp_cv = np.full(n_h, np.nan)
    if is_comp.any():
        comp = comprehensive_cv(coefs[is_comp[ch]], ["_h"])
        comp_cv[comp["_h"].to_numpy(dtype=np.int64)] = comp["cv"].to_numpy(dtype=float)
    n_unknown = np.bincount(h, weights=np.isnan(values), minlength=n_h).astype(int)
    failing_units = school_rule_failures(h, school, values, units["threshold"].to_numpy(dtype=float),
                                         has_rule[h], n_h, min_passing=min_passing, floor_ratio=floor_ratio,
                                         tol=tol)
    comp_ok = comp_cv - tol <= cap
    coef_ok = np.where(is_comp, comp_ok, (n_over == 0) & (n_undefined == 0)) | np.isnan(cap)
    status["units_failing_school_rule"] = failing_units
    status["school_rule_passes"] = failing_units == 0
    status["coefficient_passes"] = coef_ok
    passes = pd.array(status["school_rule_passes"].to_numpy() & coef_ok, dtype="boolean")
    passes[n_unknown > 0] = pd.NA
    status["plan_passes"] = passes
    reasons = np.full(n_h, None, dtype=object)
    over_names = (coefs.loc[over, ["_h", "indicator_code"]].astype({"indicator_code": str})
                  .groupby("_h")["indicator_code"].agg(lambda s: ", ".join(sorted(s))))
    for k in np.flatnonzero((n_unknown > 0) | (failing_units > 0) | ~coef_ok):
        parts = []
        if n_unknown[k]:
            parts.append(f"{n_unknown[k]} value(s) unknown")
        if failing_units[k]:
            parts.append(f"{failing_units[k]} unit(s) fail the school rule")
        if is_comp[k] and not comp_ok[k]:
            parts.append(f"comprehensive CV {comp_cv[k]:.4f} over cap {cap[k]}")
        if k in over_names.index:
            parts.append(f"CV over cap {cap[k]}: {over_names[k]}")
        if n_undefined[k]:
            parts.append(f"{n_undefined[k]} coefficient(s) undefined")
        reasons[k] = "; ".join(parts) or None
    status["reason"] = reasons
    cols = [*keys, "units_failing_school_rule", "school_rule_passes", "coefficient_passes", "plan_passes",
            "reason"]
    coefs = pd.concat([status.iloc[ch][[*keys, "cap", "balance_rule"]].reset_index(drop=True),
                       coefs.drop(columns="_h")], axis=1)
    coefs["_h"] = ch
    return status[cols], coefs


# ------------------------------------------------------------------------------------------------
# The plan


def plan(units: pd.DataFrame, groups: pd.DataFrame, *, min_passing: int | None = None, floor_ratio: float | None = None,
         tol: float = 1e-9, keys: list[str] | None = None) -> PlanResult:
    """The least-cost plan per group of `keys` (default year × rule set × county × level).

    `units`: one row per group × school_id × indicator_code with students (P > 0), value (x; NaN =
    unknown: the group is not planned), threshold (NaN = no floor), scale (100 for "per 100
    students"), integer (indivisible natural unit), unit_cost (yuan per natural unit), school_share
    (the unit's share of whole-school resources) and shared (the numerator is a whole-school
    resource); optionally cost_kind ('one_off' | 'recurring': the unit cost is paid once or every
    year), which splits every cost into one_off_cost_yuan + recurring_cost_yuan_per_year, adding up
    to cost_yuan exactly; optionally is_private (a private school: its additions are planned as any
    school's, but their cost is the owner's, owner_cost_yuan and its parts, never in cost_yuan or
    floor_cost_yuan; unit_plan's funded_by says whose). `groups`: cap, balance_rule ('per_indicator' | 'comprehensive'),
    has_school_rule.
    Additions are in natural units of what the school adds; a unit's gain is addition × share for
    a shared resource. Every plan is checked by `verify`; a group that still fails after repair
    says so in group_status (plan_passes False, reason_if_fails)."""
    keys = list(keys or GROUP_KEYS)
    min_passing, floor_ratio = _rule(min_passing, floor_ratio)
    return _Planner(units, groups, keys, min_passing, floor_ratio, tol).run()


def cost_curve(units: pd.DataFrame, groups: pd.DataFrame, targets=None, *, steps: int = 5,
               step: float = 0.05, min_passing: int | None = None, floor_ratio: float | None = None, tol: float = 1e-9,
               keys: list[str] | None = None) -> pd.DataFrame:
    """Per group × target: the least cost (floors included) to reach CV ≤ target — per-indicator
    rule sets every indicator, comprehensive ones the mean. `targets` is a sequence of offsets
    below the cap (default: cap, cap − 0.05, … `steps` of them, kept above 0) or a callable
    cap -> list of targets. One plan per target, all of them in one run (`_Session`): the same
    figures as one stacked plan of every target."""
    keys = list(keys or GROUP_KEYS)
    min_passing, floor_ratio = _rule(min_passing, floor_ratio)
    session = _Session(keys, min_passing, floor_ratio, tol, carry=CURVE_CARRY)
    for piece_units, piece_groups, _ in _curve_pieces(units, groups, keys, targets, steps, step):
        session.add(piece_units, piece_groups)
    return _curve_frame(session.finish()["group_status"], keys)


CURVE_CARRY = ("target_step", "target")


def _curve_pieces(units, groups, keys, targets, steps, step):
    """(units, groups with cap = the target, whether `units` are all held) per target step: the groups whose
    target is above 0 and their units, in the order of `units`."""
    offsets = [i * step for i in range(steps)] if targets is None else None
    n_targets = steps if offsets is not None else len(targets)
    h = group_codes(units, keys) if len(units) else np.zeros(0, dtype=np.int64)
    n_h = int(h.max()) + 1 if len(units) else 0
    unit_groups = units.iloc[first_rows(h, n_h)][keys].reset_index(drop=True)
    for i in range(n_targets):
        g = groups.copy()
        g["target"] = g["cap"] - offsets[i] if offsets is not None else float(targets[i])
        g["target_step"] = i
        g = g[g["target"] > 0]
        g["cap"] = g["target"]
        held = unit_groups.merge(g[keys].assign(_held=True), on=keys, how="left")["_held"]
        rows = held.notna().to_numpy()[h]
        if not rows.any():
            continue
        if rows.all():  # every group of `units` has a target: only the caps differ
            yield units, g.reset_index(drop=True), True
        else:
            yield units[rows].reset_index(drop=True), g.reset_index(drop=True), False


def _curve_frame(status: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The cost curve's rows from the group status of the target pieces (with target_step and target)."""
    st = status.copy()
    st["reachable"] = st["plan_passes"].fillna(False).astype(bool)
    return st[[*keys, "target_step", "target", "cost_yuan", ONE_OFF_COST, RECURRING_COST, "reachable", "planned",
               "reason_if_not_planned"]].sort_values([*keys, "target_step"]).reset_index(drop=True)


def plan_by_pieces(pieces, groups: pd.DataFrame, *, min_passing: int | None = None, floor_ratio: float | None = None,
                   tol: float = 1e-9, keys: list[str] | None = None, steps: int = 5,
                   step: float = 0.05) -> dict[str, pd.DataFrame]:
    """`plan` and `cost_curve` over the units of `pieces` (an iterable of unit frames, each holding
    whole counties: a school and its levels never straddle two pieces), one piece in memory at a
    time. The same figures as `plan` and `cost_curve` of all the pieces' units at once: every group is
    planned on its own rows, and the one loop the groups of a run share (the greedy repair's) runs as
    it would in one run (`_Session`). Returns unit_plan, group_plan, group_status and cost_curve."""
    keys = list(keys or GROUP_KEYS)
    min_passing, floor_ratio = _rule(min_passing, floor_ratio)
    plans = _Session(keys, min_passing, floor_ratio, tol)
    curves = _Session(keys, min_passing, floor_ratio, tol, carry=CURVE_CARRY)
    for units in pieces:
        if units.empty:
            continue
        units = _categorical(units, [*keys, "school_id", "indicator_code"])
        base = _Planner(units, groups, keys, min_passing, floor_ratio, tol)
        base._setup()  # once for the plan and every target that holds all the piece's groups
        plans.add(units, groups, like=base)
        for piece_units, piece_groups, whole in _curve_pieces(units, groups, keys, None, steps, step):
            curves.add(piece_units, piece_groups, like=base if whole else None)
        del units, base
    plan_frames = plans.finish()
    curve = _curve_frame(curves.finish()["group_status"], keys)
    return {"unit_plan": plan_frames["unit_plan"], "group_plan": plan_frames["group_plan"],
            "group_status": plan_frames["group_status"], "cost_curve": curve}


def _categorical(units: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`units` with its text columns among `columns` as categoricals: the planner factorizes its keys
    in every run (a plan and one per target), and a categorical's codes are factorized at once."""
    text = [c for c in columns if units[c].dtype == object]
    return units.astype({c: "category" for c in text}) if text else units


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns (see `_categorical`) back to plain text."""
    cats = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    return frame.astype({c: object for c in cats}) if cats else frame


class _Session:
    """Pieces of one planner run, planned apart: each piece's groups are planned on their own rows,
    so only the greedy repair's shared loop ties them (it stops at the first step where no group of
    the run is left to repair, and re-checks every group every 20 steps while it runs). Each piece
    runs that loop on its own to the end, noting the steps where it would have nothing to do and its
    state at the start of each such idle stretch; `finish` finds the step where the run as one would
    have stopped (the first step idle in every piece) and gives each piece its state at that step."""

    def __init__(self, keys, min_passing, floor_ratio, tol, carry=()):
        """`carry`: columns of each piece's groups to add to its group status."""
        self.keys, self.carry = list(keys), list(carry)
        self.settings = (min_passing, floor_ratio, tol)
        self.done: list[tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]] = []
        self.pending: list[_Planner] = []
        self.idle = np.ones(GREEDY_STEPS, dtype=bool)

    def add(self, units, groups, like: _Planner | None = None):
        """Plan `units` (whole counties) with the settings of `groups`; `like`: a planner set up on
        the same units whose groups differ from `groups` only in their caps (its setup is reused)."""
        planner = like.recapped(groups) if like is not None else _Planner(units, groups, self.keys, *self.settings)
        planner.run(trace=True)
        self.idle &= planner.idle
        if planner.final_from_first_idle():  # its state is the final one wherever the run stops
            self._keep(planner)
        else:
            self.pending.append(planner)

    def _keep(self, planner):
        result = planner.assemble()
        status = result.group_status
        if self.carry:
            status = status.merge(planner.groups[[*self.keys, *self.carry]], on=self.keys)
        self.done.append((result.unit_plan, result.group_plan, status))

    def finish(self) -> dict[str, pd.DataFrame]:
        """unit_plan, group_plan and group_status of every piece, each piece stopped where one run of
        all of them would have stopped."""
        stop = int(np.argmax(self.idle)) if self.idle.any() else GREEDY_STEPS
        for planner in self.pending:
            planner.restore(stop)
            self._keep(planner)
        self.pending = []
        if not self.done:  # nothing planned: the frames' columns, no rows
            return {name: pd.DataFrame(columns=[*self.keys, *columns, *(self.carry if name == "group_status" else [])])
                    for name, columns in RESULT_COLUMNS.items()}
        names = ("unit_plan", "group_plan", "group_status")
        return {name: _plain(pd.concat([d[i] for d in self.done], ignore_index=True)) for i, name in enumerate(names)}


def _total(one_off, recurring, summed):
    """The cost: one-off + recurring where both are known, so that the two add up to it exactly (not
    only to the last bit of a sum taken in another order); else the sum over the rows."""
    one_off, recurring = np.asarray(one_off, dtype=float), np.asarray(recurring, dtype=float)
    return np.where(np.isnan(one_off) | np.isnan(recurring), np.asarray(summed, dtype=float), one_off + recurring)


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
        self.index = units.index
        self.units = units.reset_index(drop=True)
        self.groups = groups.reset_index(drop=True)
        self.keys, self.min_passing, self.floor_ratio, self.tol = keys, min_passing, floor_ratio, tol

    # -- setup ---------------------------------------------------------------------------------
    def _setup(self):
        u, keys = self.units, self.keys
        codes = {c: pd.factorize(u[c])[0].astype(np.int64) for c in [*keys, "school_id", "indicator_code"]}
        self.h_all = _combine(*(codes[k] for k in keys)) if len(u) else np.zeros(0, dtype=np.int64)
        self.school_all = codes["school_id"]
        n_h = int(self.h_all.max()) + 1 if len(u) else 0
        self.n_h_all = n_h
        self.group_frame = u.iloc[first_rows(self.h_all, n_h)][keys].reset_index(drop=True)
        unit_codes = _combine(self.h_all, codes["school_id"]) if len(u) else np.zeros(0, dtype=np.int64)
        if len(u) and np.bincount(_combine(unit_codes, codes["indicator_code"])).max() > 1:
            raise ValueError("units hold a school twice for one level and indicator")
        settings = self.group_frame.merge(self.groups[[*keys, *GROUP_COLUMNS]].assign(_known=True), on=keys,
                                          how="left")
        value = u["value"].to_numpy(dtype=float, na_value=np.nan)
        p = u["students"].to_numpy(dtype=float, na_value=np.nan)
        kappa = u["unit_cost"].to_numpy(dtype=float, na_value=np.nan)
        share = u["school_share"].to_numpy(dtype=float, na_value=np.nan)
        scale = u["scale"].to_numpy(dtype=float, na_value=np.nan)
        hh = self.h_all
        known = settings["_known"].fillna(False).to_numpy(dtype=bool)[hh]
        rule = settings["balance_rule"].to_numpy(dtype=object)[hh]
        has_rule = settings["has_school_rule"].fillna(False).to_numpy(dtype=bool)[hh]
        cap = settings["cap"].to_numpy(dtype=float, na_value=np.nan)[hh]
        t = u["threshold"].to_numpy(dtype=float, na_value=np.nan)
        thr_rows = has_rule & ~np.isnan(t)
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
        self.reasons_of_setup = reasons.copy()
        ok_rows = pd.isna(reasons)[self.h_all]
        self.rows = np.flatnonzero(ok_rows)
        r = self.rows
        self.x = value[r]
        self.p = p[r]
        self.s = scale[r]
        self.kappa = kappa[r]
        kind = u[COST_KIND] if COST_KIND in u.columns else pd.Series(None, index=u.index, dtype=object)
        self.kind = np.select([kind.isin([ONE_OFF]).to_numpy(), kind.isin([RECURRING]).to_numpy()], [0, 1], -1)[r]
        self.shared = u["shared"].astype(bool).to_numpy()[r]
        private = u[PRIVATE] if PRIVATE in u.columns else pd.Series(False, index=u.index)
        self.owner = private.astype("boolean").fillna(False).to_numpy(dtype=bool)[r]
        self.mult = np.where(self.shared, share[r], 1.0)
        self.integer = u["integer"].astype(bool).to_numpy()[r]
        self.t = np.where(has_rule[r], t[r], np.nan)
        self.h = _combine(self.h_all[r]) if len(r) else np.zeros(0, dtype=np.int64)
        self.h_to_global = np.zeros(0, dtype=np.int64)
        if len(r):
            self.h_to_global = self.h_all[r][first_rows(self.h, int(self.h.max()) + 1)]
        self.n_h = int(self.h.max()) + 1 if len(r) else 0
        empty = np.zeros(0, dtype=np.int64)
        self.g = _combine(self.h, codes["indicator_code"][r]) if len(r) else empty
        self.n_g = int(self.g.max()) + 1 if len(r) else 0
        self.h_of_g = np.zeros(self.n_g, dtype=np.int64)
        self.h_of_g[self.g] = self.h
        self.unit = _combine(unit_codes[r]) if len(r) else empty
        self.n_unit = int(self.unit.max()) + 1 if len(r) else 0
        # the addition key: a whole-school resource is one addition per school (all its levels)
        school_keys = [k for k in keys if k != "level"] + ["school_id", "indicator_code"]
        if len(r):
            school = _combine(*(codes[k][r] for k in school_keys))
            own = int(school.max()) + 1 + np.arange(len(r))
            self.key = _combine(np.where(self.shared, school, own))
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

    def greedy(self, fail, trace=False):
        """One indivisible unit (or 0.1 % of the county mean, for a divisible resource) where it lowers
        the CV most per yuan, for each failing group, one step at a time; a full re-check every few
        steps (a split school's lift can make another level fail). The loop stops at the first step
        with nothing to do. With `trace` (a piece of a run, `_Session`) it goes on as the run's loop
        would for other pieces (idle until a re-check finds a group to repair), noting in `idle`
        the steps with nothing to do and in `snapshots` the state at the start of each idle stretch."""
        self.idle = np.zeros(GREEDY_STEPS, dtype=bool)
        self.snapshots = []
        fresh = True  # `fail` is a full check of the present state
        step = 0
        while step < GREEDY_STEPS:
            picked = self._greedy_step(fail) if fail.any() else None
            if picked is None:  # nothing to do at this step
                if not trace:
                    return
                if step == 0 or not self.idle[step - 1]:  # an idle stretch starts
                    self.snapshots.append((step, self.add.copy(), self.own.copy(), self.flags.copy()))
                if fresh:  # every later re-check finds the same: idle to the end
                    self.idle[step:] = True
                    return
                recheck = step + 19 - step % 20  # the next step with a full re-check
                self.idle[step:recheck + 1] = True
                if recheck >= GREEDY_STEPS:
                    return
                fail, fresh = self.failing()[0], True
                step = recheck + 1
                continue
            sel, cur_fail = picked, fail
            if step % 20 != 19:
                fail, fresh = self.failing(sel)[0] & cur_fail, False
            else:
                fail, fresh = self.failing()[0], True
            step += 1

    def _greedy_step(self, fail):
        """One step of the greedy repair for the groups `fail`: the rows it judged (all rows of those
        groups), or None when no group has a step that lowers its CV (nothing changed)."""
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
            return None
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
        return sel

    def final_from_first_idle(self) -> bool:
        """Whether this piece, once idle, stays idle to the end: then its present state is its state
        at every step the run can stop at (a step idle in every piece, or the loop's end)."""
        return not (self.idle[:-1] & ~self.idle[1:]).any()

    def restore(self, stop: int) -> None:
        """The state at the start of step `stop` (a step idle in this piece), or the present state
        when `stop` is the loop's end."""
        if stop >= GREEDY_STEPS or not self.snapshots:
            return
        _, self.add, self.own, self.flags = max((s for s in self.snapshots if s[0] <= stop), key=lambda s: s[0])

    # -- run ------------------------------------------------------------------------------------
    def recapped(self, groups: pd.DataFrame) -> _Planner:
        """A planner of the same units, set up, with the caps of `groups`: the same groups as this
        planner's units hold, each with a cap (nothing else of the setup depends on the caps then)."""
        other = copy.copy(self)  # the setup's arrays are shared: a run replaces them, never writes into them
        other.groups = groups.reset_index(drop=True)
        other.reasons = self.reasons_of_setup.copy()  # a run adds reasons
        cap = (self.group_frame.merge(other.groups[[*self.keys, "cap"]], on=self.keys, how="left")["cap"]
               .to_numpy(dtype=float, na_value=np.nan)[self.h_all])
        other.cap_h = np.zeros(self.n_h)
        if len(self.rows):
            other.cap_h[self.h] = cap[self.rows]
        return other

    def run(self, trace: bool = False) -> PlanResult | None:
        """The plan (assembled), or with `trace` only the state and the greedy loop's trace
        (`assemble` follows, after `restore`)."""
        if not hasattr(self, "rows"):
            self._setup()
        self.idle = np.ones(GREEDY_STEPS, dtype=bool)
        self.snapshots = []
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
            self.greedy(fail, trace)
        else:
            self.floor_add = self.add.copy()
        for h in np.flatnonzero(zero_mean):
            self.reasons[self.h_to_global[h]] = "weighted mean is 0 after the floors: the CV is undefined"
        return None if trace else self.assemble()

    # -- results --------------------------------------------------------------------------------
    def assemble(self) -> PlanResult:
        keys, u = self.keys, self.units
        n = len(self.rows)
        now = u["value"].to_numpy(dtype=float, na_value=np.nan)
        planned_all = now.copy()
        if n:
            planned_all[self.rows] = self.planned()
        status, coefs = _verify(u, planned_all, self.groups, min_passing=self.min_passing,
                                floor_ratio=self.floor_ratio, tol=self.tol, keys=keys, h=self.h_all,
                                school=self.school_all)
        # (group, indicator) of every row, densely numbered, and the kernel's rows in that numbering
        ind_codes, ind_uniques = pd.factorize(u["indicator_code"])
        n_ind = max(len(ind_uniques), 1)
        g_all = self.h_all * n_ind + ind_codes
        n_dense = self.n_h_all * n_ind
        coef_g = (coefs["_h"].to_numpy(dtype=np.int64) * n_ind
                  + pd.Index(ind_uniques).get_indexer(coefs["indicator_code"]))
        cv_now = grouped_cv(g_all, u["students"].to_numpy(dtype=float), now, n_dense)["cv"][coef_g]
        # driver of each addition: the row that asked the most of it
        driver = np.full(self.n_key, -1, dtype=np.int64)
        if n:
            order = np.lexsort((-self.own, self.key))
            firsts = order[np.r_[True, self.key[order][1:] != self.key[order][:-1]]]
            driver[self.key[firsts]] = firsts
        is_driver = np.zeros(n, dtype=bool)
        is_driver[driver[driver >= 0]] = True
        is_driver &= self.add[self.key] > 0
        gain = self.add[self.key] * self.mult
        addition = np.where(is_driver, self.add[self.key], 0.0)
        full_cost = addition * self.kappa
        # whose money: a private school's additions are its owner's, never the county's
        cost = np.where(self.owner, 0.0, full_cost)
        owner_cost = np.where(self.owner, full_cost, 0.0)

        def by_kind(c):
            """(one-off, recurring) of costs `c`: all of a row's cost is of its indicator's kind; an
            unknown kind leaves a row with a cost unsplit (NaN), and so its group's split."""
            unknown = np.where(c > 0, np.nan, 0.0)
            return (np.where(self.kind == 0, c, np.where(self.kind == 1, 0.0, unknown)),
                    np.where(self.kind == 1, c, np.where(self.kind == 0, 0.0, unknown)))

        one_off, recurring = by_kind(cost)
        owner_one_off, owner_recurring = by_kind(owner_cost)
        floor_cost = np.where(is_driver & ~self.owner, self.floor_add[self.key], 0.0) * self.kappa
        touched = gain > 0
        levels = u["level"].to_numpy()[self.rows]
        drv_level = levels[np.maximum(driver[self.key], 0)] if n else levels
        table = []
        for code in range(32):
            names = [name for bit, name in REASON_NAMES if code & bit]
            if code & 16 or not names:
                names.append(SHARED_LIFT)
            table.append("+".join(names))
        reason_code = (self.flags & 15) + 16 * (~is_driver)
        rows = self.rows[touched]
        unit_plan = u.iloc[rows][[*keys, "school_id", "indicator_code"]].reset_index(drop=True)
        unit_plan["value_now"] = self.x[touched]
        unit_plan["value_planned"] = planned_all[rows]
        unit_plan["addition"] = addition[touched]
        unit_plan["unit_gain"] = gain[touched]
        unit_plan["cost_yuan"] = cost[touched]
        unit_plan[COST_KIND] = np.array([None, ONE_OFF, RECURRING], dtype=object)[self.kind[touched] + 1]
        unit_plan["reason"] = np.asarray(table, dtype=object)[reason_code[touched]]
        unit_plan["driven_by_level"] = drv_level[touched]
        unit_plan["shared"] = self.shared[touched]
        unit_plan["funded_by"] = np.where(self.owner[touched], OWNER, COUNTY).astype(object)
        unit_plan[OWNER_COST] = owner_cost[touched]

        # group × indicator: sums over the rows of each (group, indicator)
        def per_g(values_on_rows, on_all=None):
            full = np.zeros(len(u)) if on_all is None else on_all
            if on_all is None:
                full[self.rows] = values_on_rows
            return np.bincount(g_all, weights=full, minlength=n_dense)[coef_g]

        t = u["threshold"].to_numpy(dtype=float, na_value=np.nan)
        ch = coefs["_h"].to_numpy(dtype=np.int64)
        gp = coefs[[*keys, "indicator_code", "balance_rule"]].copy()
        gp["cv_now"] = cv_now
        gp["cv_planned"] = coefs["cv"].to_numpy()
        gp["cap"] = coefs["cap"].to_numpy()
        gp["units_failing_now"] = per_g(None, (now + self.tol < t).astype(float)).astype(np.int64)
        gp["units_touched"] = per_g(touched.astype(float)).astype(np.int64)
        gp["addition_total"] = per_g(addition)
        gp[ONE_OFF_COST] = per_g(one_off)
        gp[RECURRING_COST] = per_g(recurring)
        gp["cost_yuan"] = _total(gp[ONE_OFF_COST], gp[RECURRING_COST], per_g(cost))
        gp[OWNER_ONE_OFF] = per_g(owner_one_off)
        gp[OWNER_RECURRING] = per_g(owner_recurring)
        gp[OWNER_COST] = _total(gp[OWNER_ONE_OFF], gp[OWNER_RECURRING], per_g(owner_cost))
        gp["floor_cost_yuan"] = per_g(floor_cost)
        gp["plan_passes"] = status["plan_passes"].to_numpy()[ch]
        gp["_h"] = ch
        is_comp = gp["balance_rule"].eq(COMPREHENSIVE).to_numpy()
        if is_comp.any():
            cn = comprehensive_cv(coefs[is_comp].drop(columns=keys).assign(cv=cv_now[is_comp]), ["_h"])
            cp = comprehensive_cv(coefs[is_comp].drop(columns=keys), ["_h"])
            sub = gp[is_comp]
            agg = sub.groupby("_h", sort=False).agg(
                units_failing_now=("units_failing_now", "max"), units_touched=("units_touched", "max"),
                cost_yuan=("cost_yuan", "sum"), floor_cost_yuan=("floor_cost_yuan", "sum"),
                **{OWNER_COST: (OWNER_COST, "sum")},
                **{c: (c, lambda v: v.sum(min_count=len(v)))
                   for c in (ONE_OFF_COST, RECURRING_COST, OWNER_ONE_OFF, OWNER_RECURRING)})
            agg["cost_yuan"] = _total(agg[ONE_OFF_COST], agg[RECURRING_COST], agg["cost_yuan"])
            agg[OWNER_COST] = _total(agg[OWNER_ONE_OFF], agg[OWNER_RECURRING], agg[OWNER_COST])
            comp = sub.drop_duplicates("_h")[[*keys, "balance_rule", "cap", "plan_passes", "_h"]]
            comp = comp.merge(cn[["_h", "cv"]].rename(columns={"cv": "cv_now"}), on="_h")
            comp = comp.merge(cp[["_h", "cv"]].rename(columns={"cv": "cv_planned"}), on="_h")
            comp = comp.merge(agg.reset_index(), on="_h").assign(indicator_code=COMPREHENSIVE_CODE)
            comp["addition_total"] = np.nan  # natural units of different indicators do not add
            gp = pd.concat([gp, comp[gp.columns]], ignore_index=True)
        group_plan = gp[[*keys, *RESULT_COLUMNS["group_plan"]]]

        # group status
        gs = self.group_frame.copy()
        planned = pd.isna(self.reasons)
        gs["planned"] = planned
        passes = status["plan_passes"].astype("boolean").array.copy()
        passes[~planned] = pd.NA
        gs["plan_passes"] = passes
        for col, vals in (("cost_yuan", cost), (ONE_OFF_COST, one_off), (RECURRING_COST, recurring),
                          ("floor_cost_yuan", floor_cost), (OWNER_COST, owner_cost), (OWNER_ONE_OFF, owner_one_off),
                          (OWNER_RECURRING, owner_recurring)):
            full = np.zeros(len(u))
            full[self.rows] = vals
            gs[col] = np.bincount(self.h_all, weights=full, minlength=self.n_h_all)
        gs["cost_yuan"] = _total(gs[ONE_OFF_COST], gs[RECURRING_COST], gs["cost_yuan"])
        gs[OWNER_COST] = _total(gs[OWNER_ONE_OFF], gs[OWNER_RECURRING], gs[OWNER_COST])
        # the plan passes only if private schools' owners add beyond their own floors: additions made for
        # the coefficient (or its repair) at a private school are not a duty the county can assign
        beyond_floor = np.zeros(len(u))
        beyond_floor[self.rows] = self.owner & ((self.flags & (COEFFICIENT | REPAIR)) > 0) & (self.own > 0)
        gs["relies_on_owners"] = np.bincount(self.h_all, weights=beyond_floor, minlength=self.n_h_all) > 0
        gs["reason_if_not_planned"] = self.reasons
        fails = status["reason"].to_numpy(dtype=object).copy()
        fails[gs["plan_passes"].fillna(False).to_numpy(dtype=bool)] = None
        gs["reason_if_fails"] = fails
        return PlanResult(unit_plan=unit_plan, group_plan=group_plan, group_status=gs,
                          planned_values=pd.Series(planned_all, index=self.index, name="value_planned"))
