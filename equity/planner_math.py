"""Vectorised kernels of the least-cost planner (roadmap.md §1): water levels, the comprehensive
equal-marginal-cost split, and the student-weighted CV over parallel arrays.

Everything works on parallel arrays with a group index g (0..n-1, one per county × level × indicator
or per county × level) and never loops in Python over groups. Pure numpy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BISECTION_STEPS = 80


def cv_by_group(g: np.ndarray, p: np.ndarray, x: np.ndarray, n: int) -> np.ndarray:
    """Student-weighted population CV per group (the formula of equity.coefficients.grouped_cv, lean:
    the arrays here hold no missing values). NaN where the weighted mean is not positive."""
    total = np.bincount(g, weights=p, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(g, weights=p * x, minlength=n) / total
        dev = x - mean[g]
        std = np.sqrt(np.bincount(g, weights=p * dev * dev, minlength=n) / total)
        cv = std / mean
    cv[~(mean > 0)] = np.nan
    return cv


def _segmented_cumsum(v: np.ndarray, gs: np.ndarray) -> np.ndarray:
    """Inclusive cumulative sum restarting at each group of `gs` (each group summed on its own: a
    global cumsum minus offsets would lose digits at national scale)."""
    if len(v) == 0:
        return v.astype(float)
    return pd.Series(v).groupby(gs, sort=False).cumsum().to_numpy()


class SortedGroups:
    """Units sorted by (group, baseline value) with the prefix sums a water level needs.

    At level L, the units at or below L form a prefix A of the sorted group; then
    mean(L) = (P_A·L + T1)/P and E[x²](L) = (P_A·L² + T2)/P with T1, T2 the sums over the rest.
    """

    def __init__(self, g: np.ndarray, p: np.ndarray, x0: np.ndarray, n: int, c: np.ndarray | None = None):
        order = np.lexsort((x0, g))
        self.n = n
        self.gs, self.ps, self.xs = g[order], p[order], x0[order]
        counts = np.bincount(self.gs, minlength=n)
        self.counts = counts
        self.starts = np.cumsum(counts) - counts
        self.ends = self.starts + counts - 1
        self.P = np.bincount(g, weights=p, minlength=n)
        self.S1 = np.bincount(g, weights=p * x0, minlength=n)
        self.S2 = np.bincount(g, weights=p * x0 * x0, minlength=n)
        self.cP = _segmented_cumsum(self.ps, self.gs)
        self.c1 = _segmented_cumsum(self.ps * self.xs, self.gs)
        self.c2 = _segmented_cumsum(self.ps * self.xs * self.xs, self.gs)
        if c is not None:
            cs = c[order]
            self.cC = _segmented_cumsum(cs, self.gs)
            self.cCx = _segmented_cumsum(cs * self.xs, self.gs)

    def cv_sq_at(self, r: np.ndarray, level: np.ndarray) -> np.ndarray:
        """CV² when the prefix up to sorted position r (inclusive) is raised to `level`."""
        gr = self.gs[r]
        pa = self.cP[r]
        t1 = self.S1[gr] - self.c1[r]
        t2 = self.S2[gr] - self.c2[r]
        total = self.P[gr]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (pa * level + t1) / total
            e2 = (pa * level * level + t2) / total
            return np.maximum(e2 / (mean * mean) - 1.0, 0.0)

    def cost_at(self, r: np.ndarray, level: np.ndarray) -> np.ndarray:
        """Cost of raising the prefix up to r to `level` (needs the cost weights c)."""
        return self.cC[r] * level - self.cCx[r]


def water_levels(g: np.ndarray, p: np.ndarray, x0: np.ndarray, target: np.ndarray, n: int) -> np.ndarray:
    """Per group, the least level L with CV(max(x0, L)) <= target[g] (exact up to bisection of a
    closed-form quadratic on one segment between two sorted values). NaN target: no constraint, L is
    the group's minimum. A group whose target cannot be met (target < 0) gets its maximum."""
    sg = SortedGroups(g, p, x0, n)
    pos = np.arange(len(sg.gs))
    cv_sq = sg.cv_sq_at(pos, sg.xs)
    tgt = np.where(np.isnan(target), np.inf, target)
    tsq = np.where(np.isfinite(tgt), np.maximum(tgt, 0.0) ** 2, np.inf)
    ok = (cv_sq <= tsq[sg.gs]) & (tgt[sg.gs] >= 0)
    level = np.full(n, np.nan)
    nonempty = sg.counts > 0
    if not nonempty.any():
        return level
    marked = np.where(ok, pos, np.iinfo(np.int64).max)
    first_ok = np.full(n, np.iinfo(np.int64).max)
    first_ok[nonempty] = np.minimum.reduceat(marked, sg.starts[nonempty])
    none_ok = nonempty & (first_ok == np.iinfo(np.int64).max)
    level[none_ok] = sg.xs[sg.ends[none_ok]]
    at_min = nonempty & ~none_ok & (first_ok == sg.starts)
    level[at_min] = sg.xs[sg.starts[at_min]]
    inside = np.flatnonzero(nonempty & ~none_ok & ~at_min)
    if len(inside):
        r = first_ok[inside] - 1
        lo = sg.xs[r].copy()
        hi = sg.xs[r + 1].copy()
        t = tsq[inside]
        # each bracket is halved until it has converged itself (not until all have): a group's level
        # does not depend on which other groups are bisected with it
        active = np.arange(len(r))
        for _ in range(BISECTION_STEPS):
            ra, la, ha = r[active], lo[active], hi[active]
            mid = 0.5 * (la + ha)
            good = sg.cv_sq_at(ra, mid) <= t[active]
            ha = np.where(good, mid, ha)
            la = np.where(good, la, mid)
            hi[active], lo[active] = ha, la
            active = active[~(ha - la <= 1e-15 * np.maximum(np.abs(ha), 1.0))]
            if not len(active):
                break
        level[inside] = hi
    return level


def comprehensive_targets(g: np.ndarray, p: np.ndarray, c: np.ndarray, x0: np.ndarray, n: int,
                          group_of_g: np.ndarray, cap: np.ndarray, n_groups: int, sub: int = 6) -> np.ndarray:
    """Per indicator group g, the CV to aim at so that the mean CV of its county level reaches `cap`
    at least cost: spend where a yuan lowers the sum of CVs most (equal marginal cost).

    Each indicator's cost-vs-CV curve of water-filling is sampled (every sorted value, `sub` points
    between two), turned into edges (CV drop, cost), made monotone in marginal cost within the
    indicator (running max), and the edges of all indicators of a county level are taken cheapest
    first until the needed drop is reached; the last edge partly. Groups already at or below the cap
    keep their current CV. Returns the target CV per g.
    """
    cv0 = np.sqrt(np.maximum(0.0, cv_by_group(g, p, x0, n) ** 2))
    cv0 = np.where(np.isnan(cv0), 0.0, cv0)
    k = np.bincount(group_of_g, minlength=n_groups)
    need = np.bincount(group_of_g, weights=cv0, minlength=n_groups) - k * cap
    need = np.where(np.isnan(need), 0.0, need)
    target = cv0.copy()
    needy_g = need[group_of_g] > 1e-15
    if not needy_g.any():
        return target
    rows = needy_g[g]
    gi, pi, ci, xi = g[rows], p[rows], c[rows], x0[rows]
    sg = SortedGroups(gi, pi, xi, n, c=ci)
    low = np.maximum(cv0 - need[group_of_g], 0.0)  # no indicator needs to go below this
    pos = np.arange(len(sg.gs))
    cv_break = np.sqrt(sg.cv_sq_at(pos, sg.xs))
    last = np.zeros(len(sg.gs), dtype=bool)
    last[sg.ends[sg.counts > 0]] = True
    seg = np.flatnonzero(~last & (cv_break > low[sg.gs]) & (sg.xs[np.minimum(pos + 1, len(pos) - 1)] > sg.xs))
    if len(seg) == 0:
        return target
    u = np.linspace(0.0, 1.0, sub + 1)
    width = sg.xs[seg + 1] - sg.xs[seg]
    levels = sg.xs[seg][:, None] + width[:, None] * u[None, :]
    rr = np.repeat(seg, sub + 1).reshape(len(seg), sub + 1)
    cvs = np.sqrt(sg.cv_sq_at(rr.ravel(), levels.ravel())).reshape(levels.shape)
    costs = sg.cost_at(rr.ravel(), levels.ravel()).reshape(levels.shape)
    d_cv = (cvs[:, :-1] - cvs[:, 1:]).ravel()
    d_cost = (costs[:, 1:] - costs[:, :-1]).ravel()
    eg = np.repeat(sg.gs[seg], sub)
    start_cv = cvs[:, :-1].ravel()
    keep = (d_cv > 0) & (start_cv > low[eg])
    d_cv, d_cost, eg = d_cv[keep], d_cost[keep], eg[keep]
    order_in_g = np.arange(len(eg))  # already ordered by (g, level) since seg is sorted by (g, x)
    slope = np.maximum(d_cost, 0.0) / d_cv
    # running max of the marginal cost within each indicator: the curve is taken in order
    eff = _segmented_cummax(slope, eg)
    eh = group_of_g[eg]
    order = np.lexsort((order_in_g, eff, eh))
    eh_s, dcv_s, eg_s = eh[order], d_cv[order], eg[order]
    cum = _segmented_cumsum(dcv_s, eh_s)
    before = cum - dcv_s
    take = np.clip(need[eh_s] - before, 0.0, dcv_s)
    drop = np.bincount(eg_s, weights=take, minlength=n)
    touched = np.bincount(eg, minlength=n) > 0
    target[touched] = np.maximum(cv0[touched] - drop[touched], 0.0)
    return target


def _segmented_cummax(v: np.ndarray, gs: np.ndarray) -> np.ndarray:
    """Running max restarting at each group (groups contiguous in `gs`)."""
    if len(v) == 0:
        return v
    return pd.Series(v).groupby(gs, sort=False).cummax().to_numpy()
