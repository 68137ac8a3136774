"""The reports' charts: SVG drawn at build time (publication/reports/svg.py) and inlined in the page.

Colours are told apart in grey too: over the cap is dark and hatched, within it light. Each
function takes rows as data.py returns them and returns SVG markup, or "" when there is nothing to
draw. Marks carry ids (after the chart's prefix) that the browser tests find: `cv-<level>-<code>`,
`curve-<level>`, `trend-<level>-<code>`, `split-<level>-<code>`, `progress-ready`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from core.settings import LEVELS
from publication.reports.svg import (
    FONT,
    INK,
    MUTED,
    Panel,
    box,
    document,
    el,
    hatch_pattern,
    legend,
    line,
    marker,
    nice_ticks,
    polyline,
    text,
)

OK = "#9db4cc"
REFERENCE = "#dadada"  # a coefficient the rule set does not judge
BAD = "#b42318"
GOOD = "#1a7f37"
AMBER = "#e0b04a"
PACE = "#1f5fa8"
LEVEL_STYLE = {"primary": ("#1f5fa8", "o", None), "junior": ("#c2410c", "s", "6 3")}


def _style(level: str) -> tuple[str, str, str | None]:
    return LEVEL_STYLE.get(level, (INK, "o", None))


def coefficients(levels: Sequence[dict]) -> str:
    """Each level's indicator coefficients as bars against the cap (dashed); over the cap: dark, hatched.
    A row the rule set does not judge (decides_verdict false) is a light grey bar marked "ref", never
    hatched: it is shown for reference and is no failure."""
    drawn = [lv for lv in levels if any(i["cv"] is not None for i in lv["indicators"])]
    if not drawn:
        return ""
    top = max(max((i["cv"] or 0) for i in lv["indicators"]) for lv in drawn)
    cap_top = max((lv["cv_max"] or 0) for lv in drawn)
    limit = max(top, cap_top) * 1.22 or 1.0
    rows = max(len(lv["indicators"]) for lv in drawn)
    pw, row_h, left, gap = 250.0, 24.0, 58.0, 40.0
    height = 34 + rows * row_h + 46
    out = []
    for k, lv in enumerate(drawn):
        inds = lv["indicators"]
        x0 = left + k * (pw + left + gap)
        p = Panel(x0, 30, pw, rows * row_h, (0.0, limit), (0.0, float(rows)))
        cap = lv["cv_max"]
        out.append(text(x0 - left + 4, 14, f"{lv['level']}  (CV, {lv['balance_rule']})", FONT, weight="bold"))
        ticks = nice_ticks(0.0, limit, 4)
        out.append(p.x_axis(ticks, title="difference coefficient (CV)", grid=True))
        out.append(p.frame())
        for j, i in enumerate(inds):
            yc = p.top + (j + 0.5) * row_h
            name = "COMP" if i["indicator_code"] == "COMPREHENSIVE" else i["indicator_code"]
            out.append(text(x0 - 7, yc, name, FONT - 1, "end", MUTED))
            if i["cv"] is None:
                out.append(text(x0 + 4, yc, "n/a", FONT - 1, colour=MUTED))
                continue
            reference = i.get("decides_verdict") is False
            over = cap is not None and i["cv"] > cap + 1e-12 and not reference
            fill = ("url(#hatch)" if over else REFERENCE if reference
                    else ("#5b7fa6" if i["indicator_code"] == "COMPREHENSIVE" else OK))
            bar = box(p.x(0.0), yc - row_h * 0.31, p.x(i["cv"]) - p.x(0.0), row_h * 0.62, fill,
                      INK if over else "none", 0.6)
            out.append(el("g", bar, id=f"cv-{lv['level']}-{i['indicator_code']}"))
            out.append(text(p.x(i["cv"]) + 4, yc, f"{i['cv']:.4f}" + (" ref" if reference else ""), FONT - 2,
                            colour=BAD if over else (MUTED if reference else INK),
                            weight="bold" if over else None))
        if cap is not None:
            out.append(line(p.x(cap), p.top - 4, p.x(cap), p.bottom, INK, 1.2, "5 3"))
            out.append(text(p.x(cap) + 3, p.top - 8, f"cap {cap:.2f}", FONT - 2))
    width = left + len(drawn) * (pw + left + gap) - left
    return document(width, height, "difference coefficients against the cap, per level", out,
                    defs=[hatch_pattern("hatch", BAD)])


def cost_curve(curve: Sequence[dict]) -> str:
    """Least cost (万元) of bringing each level's coefficients to the cap and 0.05 steps below it."""
    by_level: dict[str, list[dict]] = {}
    for r in curve:
        by_level.setdefault(r["level"], []).append(r)
    # a level that costs nothing at every target draws a flat line at 0: the caption says so instead
    by_level = {lv: pts for lv, pts in by_level.items() if any((p["cost_yuan"] or 0) > 0 or not p["reachable"]
                                                              for p in pts)}
    if not by_level:
        return ""
    targets = [p["target"] for pts in by_level.values() for p in pts]
    costs = [p["cost_yuan"] / 1e4 for pts in by_level.values() for p in pts
             if p["reachable"] and p["cost_yuan"] is not None]
    lo, hi = min(targets), max(targets)
    pad = (hi - lo) * 0.06 or 0.02
    ytop = (max(costs) if costs else 1.0) * 1.18 or 1.0
    yt = nice_ticks(0.0, ytop, 4)
    ytop = max(ytop, yt[-1])
    p = Panel(76, 16, 420, 170, (lo - pad, hi + pad), (0.0, ytop), invert_x=True)  # cap first, stricter on
    out = [p.y_axis(yt, title="least cost (10k yuan)", grid=True),
           p.x_axis(sorted(set(targets)), [f"{t:.2f}" for t in sorted(set(targets))],
                    title="target coefficient (cap, then 0.05 steps below)"),
           p.frame()]
    entries = []
    for level, pts in by_level.items():
        colour, shape, dash = _style(level)
        ok = [q for q in pts if q["reachable"] and q["cost_yuan"] is not None]
        xy = [(p.x(q["target"]), p.y(q["cost_yuan"] / 1e4)) for q in ok]
        marks = [marker(x, y, shape, colour) for x, y in xy]
        labels = [text(x, y - 10, f"{q['cost_yuan'] / 1e4:,.1f}", FONT - 3, "middle", colour)
                  for (x, y), q in zip(xy, ok, strict=True)]
        out.append(el("g", [polyline(xy, colour, 1.6, dash) if len(xy) > 1 else "", *marks, *labels],
                      id=f"curve-{level}"))
        entries.append((level, colour, shape))
        bad = [q for q in pts if not q["reachable"]]
        if bad:
            out.extend(marker(p.x(q["target"]), p.y(0.0), "x", BAD) for q in bad)
            entries.append((f"{level}: not reachable", BAD, "x"))
    out.append(legend(p.left + 10, p.top + 6, entries))
    return document(520, 232, "least cost against the coefficient target", out)


def trends(measures: Sequence[dict]) -> str:
    """One panel per blocking measure: its yearly values, the target, and the pace the timetable
    projects from (value now, slope a year) up to the projected year."""
    drawn = [m for m in measures if m.get("series")]
    if not drawn:
        return ""
    ncols = min(3, len(drawn))
    rows_n = math.ceil(len(drawn) / ncols)
    cell_w, cell_h = (420.0 if ncols == 1 else 280.0), 236.0
    out = []
    for k, m in enumerate(drawn):
        cx, cy = (k % ncols) * cell_w, (k // ncols) * cell_h
        years = [y for y, _ in m["series"]]
        values = [v for _, v in m["series"]]
        end = m["projected_year"]
        pace = None
        if m["slope_per_year"] is not None:
            stop = end if end is not None else m["as_of_year"] + 3
            pace = [(m["as_of_year"], m["value_now"]),
                    (stop, m["value_now"] + m["slope_per_year"] * (stop - m["as_of_year"]))]
        xs = years + ([end] if end is not None else []) + ([q[0] for q in pace] if pace else [])
        ys = values + [m["target"]] + ([q[1] for q in pace] if pace else [])
        x_lo, x_hi = min(xs) - 0.5, max(xs) + 0.5
        yt = nice_ticks(0.0, max(max(ys), 1e-9) * 1.15, 4)
        p = Panel(cx + 50, cy + 24, cell_w - 70, cell_h - 110, (x_lo, x_hi), (0.0, max(yt[-1], max(ys) * 1.15)))
        span = list(range(math.ceil(x_lo), math.floor(x_hi) + 1))
        step = max(1, math.ceil(len(span) / 7))
        xt = span[::step]
        name = "school rule shortfall" if m["measure"] == "school_rule_shortfall" else f"{m['indicator_code']} CV"
        out.append(text(cx + 8, cy + 10, f"{m['level']} {name}", FONT - 1, weight="bold"))
        out.append(p.y_axis(yt, grid=True))
        out.append(p.x_axis(xt, [str(x) for x in xt]))
        out.append(p.frame())
        out.append(line(p.left, p.y(m["target"]), p.left + p.width, p.y(m["target"]), BAD, 1.1, "5 3"))
        xy = [(p.x(y), p.y(v)) for y, v in m["series"]]
        out.append(el("g", [polyline(xy, INK, 1.6), *(marker(x, y, "o", INK, 3.2) for x, y in xy)],
                      id=f"trend-{m['level']}-{m['indicator_code']}"))
        entries = [("published", INK, "line"), (f"target {m['target']:g}", BAD, "dash")]
        if pace:
            out.append(polyline([(p.x(a), p.y(b)) for a, b in pace], PACE, 1.6, "1.5 2.5"))
            entries.append((f"pace {m['slope_per_year']:+.4g}/yr", PACE, "dot"))
        if end is not None:
            out.append(marker(p.x(end), p.y(m["target"]), "*", GOOD, 7))
            entries.append((f"projected {end}", GOOD, "*"))
        # under the axis, two columns: a legend inside the panel would cover the line it explains
        out.extend(legend(p.left - 40 + (j % 2) * 125, p.bottom + 30 + (j // 2) * 15, [entry])
                   for j, entry in enumerate(entries))
    return document(ncols * cell_w, rows_n * cell_h, "blocking measures by year, with the projected pace", out)


def area_split(measures: Sequence[dict]) -> str:
    """Share of each indicator's Theil T between town and village schools, per level (bars, 0–100 %)."""
    levels = [lv for lv in LEVELS
              if any(m["level"] == lv and m["theil_t_between_share"] is not None for m in measures)]
    if not levels:
        return ""
    codes = sorted({m["indicator_code"] for m in measures}, key=lambda c: (len(c), c))
    p = Panel(66, 16, 420, 150, (-0.5, len(codes) - 0.5), (0.0, 100.0))
    out = [p.y_axis([0, 25, 50, 75, 100], title="Theil T between town/village (%)", grid=True),
           p.x_axis(list(range(len(codes))), codes), p.frame()]
    width = 0.8 / len(levels)
    entries = []
    for k, level in enumerate(levels):
        colour = _style(level)[0]
        fill = colour if k == 0 else f"url(#dots-{level})"
        got = {m["indicator_code"]: m["theil_t_between_share"] for m in measures if m["level"] == level}
        for j, c in enumerate(codes):
            v = 100 * got[c] if got.get(c) is not None else 0.0
            x = j + (k - (len(levels) - 1) / 2) * width
            bar = box(p.x(x - width * 0.475), p.y(v), p.x(x + width * 0.475) - p.x(x - width * 0.475),
                      p.y(0.0) - p.y(v), fill, "#ffffff", 0.4)
            out.append(el("g", bar, id=f"split-{level}-{c}"))
            if got.get(c) is not None:
                out.append(text(p.x(x), p.y(v) - 7, f"{v:.0f}%", FONT - 3, "middle"))
        entries.append((level, colour, "box"))
    out.append(legend(p.left + p.width - 90, p.top + 6, entries))
    defs = [el("pattern", [box(0, 0, 5, 5, _style(lv)[0], fill_opacity="0.55"),
                           el("circle", cx=2.5, cy=2.5, r=0.9, fill="#ffffff")],
               id=f"dots-{lv}", patternUnits="userSpaceOnUse", width=5, height=5) for lv in levels[1:]]
    return document(510, 210, "share of the spread between town and village schools", out, defs=defs)


def city_progress(progress: Sequence[dict], milestones: Sequence[dict]) -> str:
    """Counties ready / not ready / incomplete by year (stacked), with the city's milestones."""
    if not progress:
        return ""
    years = [p["year"] for p in progress]
    total = max(p["counties_total"] for p in progress)
    lo = min(years + [m["milestone_year"] for m in milestones]) - 0.6
    hi = max(years + [m["milestone_year"] for m in milestones]) + 0.6
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10 ** 9) if total / s <= 6)
    yt = list(range(0, total + 1, step))
    ytop = total + 1.4
    p = Panel(56, 26, 500, 170, (lo, hi), (0.0, ytop))
    out = [p.y_axis(yt, [str(t) for t in yt], title="counties", grid=True),
           p.x_axis(years, [str(y) for y in years]), p.frame()]
    bw = min(0.6 * (p.x(1) - p.x(0)), 60.0)
    ready_bars = []
    for q in progress:
        xc, base = p.x(q["year"]), 0
        for key, fill, store in (("counties_ready", GOOD, ready_bars), ("counties_not_ready", "url(#hatch)", out),
                                 ("counties_incomplete", "url(#dots)", out)):
            n = q[key]
            if n:
                store.append(box(xc - bw / 2, p.y(base + n), bw, p.y(base) - p.y(base + n), fill, "#ffffff", 0.4))
            base += n
        r = q["counties_ready"]
        if r:
            out.append(text(xc, p.y(r / 2), str(r), FONT - 2, "middle", "#ffffff", weight="bold"))
    out.insert(3, el("g", ready_bars, id="progress-ready"))
    for m in milestones:
        x = p.x(m["milestone_year"])
        out.append(line(x, p.top, x, p.bottom, INK, 1.1, "5 3"))
        out.append(text(x, p.top - 12, f"{m['milestone_year']}: {m['counties_required']} ({m['status']})",
                        FONT - 3, "middle"))
    out.append(legend(p.left + p.width + 14, p.top + 6,
                      [("ready", GOOD, "box"), ("not ready", BAD, "hatch"), ("incomplete", AMBER, "hatch")]))
    defs = [hatch_pattern("hatch", BAD),
            el("pattern", [box(0, 0, 5, 5, AMBER), el("circle", cx=2.5, cy=2.5, r=0.9, fill="#ffffff")],
               id="dots", patternUnits="userSpaceOnUse", width=5, height=5)]
    return document(680, 236, "counties ready by year, with the milestones", out, defs=defs)
