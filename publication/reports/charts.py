"""The reports' charts: matplotlib figures drawn at build time as SVG and inlined in the page.

Text stays text (svg.fonttype none), so the browser draws it with the page's fonts; the ids are
prefixed by the chart's own hash so that two charts in one page never share one; the XML prologue and the
metadata (with its timestamp) are dropped, so the same publication gives the same bytes. Colours
are told apart in grey too: over the cap is dark and hatched, within it light.

Each function takes rows as data.py returns them and returns SVG markup, or "" when there is
nothing to draw.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from collections.abc import Sequence

OK = "#9db4cc"
BAD = "#b42318"
INK = "#1b1f24"
MUTED = "#5b6470"
LEVEL_STYLE = {"primary": ("#1f5fa8", "o", "-"), "junior": ("#c2410c", "s", "--")}
RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "junheng",
    "font.family": "sans-serif",
    "font.sans-serif": ["Noto Sans CJK SC", "Source Han Sans SC", "DejaVu Sans"],
    "font.size": 9,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "hatch.linewidth": 0.6,
    "legend.frameon": False,
}


def _figure(width: float, height: float, nrows: int, ncols: int, margins: tuple[float, float, float, float]):
    """A figure with fixed margins in inches (left, right, bottom, top): a layout engine would double
    the drawing time, and the labels here have known, short lengths."""
    from matplotlib.figure import Figure

    left, right, bottom, top = margins
    fig = Figure(figsize=(width, height))
    grid = fig.subplots(nrows, ncols, squeeze=False)
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height,
                        wspace=0.45 if ncols > 1 else 0.2, hspace=0.75 if nrows > 1 else 0.2)
    return fig, list(grid.flat)


def _svg(fig, label: str) -> str:
    """The figure as inline SVG: ids prefixed, no prologue, no metadata, an accessible name."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    prefix = "c" + hashlib.sha1(svg.encode()).hexdigest()[:8] + "-"  # the same chart, the same ids
    svg = re.sub(r'id="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', lambda m: f'xlink:href="#{prefix}{m.group(1)}"', svg)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{_attr(label)}" ', 1)
    return svg


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _draw(build, width: float, height: float, label: str, nrows: int = 1, ncols: int = 1,
          margins: tuple[float, float, float, float] = (0.75, 0.25, 0.5, 0.3)) -> str:
    import matplotlib

    with matplotlib.rc_context(RC):
        fig, axes = _figure(width, height, nrows, ncols, margins)
        build(fig, axes)
        return _svg(fig, label)


def coefficients(levels: Sequence[dict]) -> str:
    """Each level's indicator coefficients as bars against the cap (dashed); over the cap: dark, hatched.
    Bars carry ids `cv-<level>-<indicator>` (after the chart's prefix)."""
    drawn = [lv for lv in levels if any(i["cv"] is not None for i in lv["indicators"])]
    if not drawn:
        return ""

    def build(fig, axes):
        top = max(max((i["cv"] or 0) for i in lv["indicators"]) for lv in drawn)
        cap_top = max((lv["cv_max"] or 0) for lv in drawn)
        limit = max(top, cap_top) * 1.22 or 1
        for ax, lv in zip(axes, drawn, strict=True):
            inds = list(reversed(lv["indicators"]))
            names = ["COMP" if i["indicator_code"] == "COMPREHENSIVE" else i["indicator_code"] for i in inds]
            cap = lv["cv_max"]
            shown = [(y, i) for y, i in enumerate(inds) if i["cv"] is not None]
            over = [cap is not None and i["cv"] > cap + 1e-12 for _, i in shown]
            # one call for the level's bars (a call per bar costs as much again as the drawing)
            bars = ax.barh([y for y, _ in shown], [i["cv"] for _, i in shown], height=0.62,
                           color=[BAD if o else ("#5b7fa6" if i["indicator_code"] == "COMPREHENSIVE" else OK)
                                  for (_, i), o in zip(shown, over, strict=True)],
                           edgecolor=[INK if o else "none" for o in over], linewidth=0.4)
            for patch, (y, i), o in zip(bars.patches, shown, over, strict=True):
                patch.set_gid(f"cv-{lv['level']}-{i['indicator_code']}")
                if o:
                    patch.set_hatch("///")
                ax.text(i["cv"] + limit * 0.01, y, f"{i['cv']:.4f}", va="center", fontsize=8,
                        color=BAD if o else INK, fontweight="bold" if o else "normal")
            for y, i in enumerate(inds):
                if i["cv"] is None:
                    ax.text(0, y, "  n/a", va="center", color=MUTED)
            if cap is not None:
                ax.axvline(cap, color=INK, linestyle=(0, (4, 2)), linewidth=1.1)
                ax.text(cap, len(inds) - 0.35, f" cap {cap:.2f}", fontsize=8, color=INK, va="bottom")
            ax.set_yticks(range(len(inds)), names)
            ax.set_xlim(0, limit)
            ax.set_ylim(-0.6, len(inds) - 0.1)
            ax.set_title(f"{lv['level']}  (CV, {lv['balance_rule']})", fontsize=9, loc="left", color=INK)
            ax.set_xlabel("difference coefficient (CV)")

    return _draw(build, 4.2 * len(drawn), 0.34 * max(len(lv["indicators"]) for lv in drawn) + 1.1,
                 "difference coefficients against the cap, per level", ncols=len(drawn), margins=(0.55, 0.3, 0.5, 0.3))


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

    def build(fig, axes):
        ax = axes[0]
        for level, pts in by_level.items():
            colour, marker, line = LEVEL_STYLE.get(level, (INK, "o", "-"))
            ok = [p for p in pts if p["reachable"] and p["cost_yuan"] is not None]
            ax.plot([p["target"] for p in ok], [p["cost_yuan"] / 1e4 for p in ok], color=colour, marker=marker,
                    linestyle=line, label=level, gid=f"curve-{level}")
            for p in ok:
                ax.annotate(f"{p['cost_yuan'] / 1e4:,.1f}", (p["target"], p["cost_yuan"] / 1e4), fontsize=7,
                            textcoords="offset points", xytext=(0, 6), ha="center", color=colour)
            bad = [p for p in pts if not p["reachable"]]
            if bad:
                ax.plot([p["target"] for p in bad], [0] * len(bad), "x", color=BAD, label=f"{level}: not reachable")
        ax.invert_xaxis()  # from the cap towards stricter targets
        ax.set_xlabel("target coefficient (cap, then 0.05 steps below)")
        ax.set_ylabel("least cost (10k yuan)")
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left", fontsize=8)
        ax.grid(axis="y", color="#e3e6ea", linewidth=0.6)

    return _draw(build, 6.4, 2.8, "least cost against the coefficient target", margins=(0.7, 0.25, 0.5, 0.2))


def trends(measures: Sequence[dict]) -> str:
    """One panel per blocking measure: its yearly values, the target, and the pace the timetable
    projects from (value now, slope a year) up to the projected year."""
    drawn = [m for m in measures if m.get("series")]
    if not drawn:
        return ""
    ncols = min(3, len(drawn))
    rows_n = math.ceil(len(drawn) / ncols)

    def build(fig, grid):
        for ax in grid[len(drawn):]:
            ax.set_visible(False)
        for ax, m in zip(grid, drawn, strict=False):
            years = [y for y, _ in m["series"]]
            values = [v for _, v in m["series"]]
            ax.plot(years, values, color=INK, marker="o", linewidth=1.4, label="published", gid=f"trend-{m['level']}-"
                    f"{m['indicator_code']}")
            ax.axhline(m["target"], color=BAD, linestyle=(0, (4, 2)), linewidth=1, label=f"target {m['target']:g}")
            end = m["projected_year"] if m["projected_year"] is not None else None
            if m["slope_per_year"] is not None:
                stop = end if end is not None else m["as_of_year"] + 3
                xs = [m["as_of_year"], stop]
                ys = [m["value_now"], m["value_now"] + m["slope_per_year"] * (stop - m["as_of_year"])]
                ax.plot(xs, ys, color="#1f5fa8", linestyle=":", linewidth=1.4, label=f"pace {m['slope_per_year']:+.4g}/yr")
            if end is not None:
                ax.plot([end], [m["target"]], marker="*", markersize=10, color="#1a7f37", linestyle="none",
                        label=f"projected {end}")
            name = "units failing" if m["measure"] == "units_failing" else f"{m['indicator_code']} CV"
            ax.set_title(f"{m['level']} {name}", fontsize=9, loc="left")
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.set_ylim(bottom=0)
            ax.legend(fontsize=7, loc="best")
            ax.grid(axis="y", color="#e3e6ea", linewidth=0.6)

    return _draw(build, (5.2 if ncols == 1 else 3.4) * ncols, 2.6 * rows_n,
                 "blocking measures by year, with the projected pace", nrows=rows_n, ncols=ncols,
                 margins=(0.45, 0.15, 0.35, 0.3))


def area_split(measures: Sequence[dict]) -> str:
    """Share of each indicator's Theil T between town and village schools, per level (bars, 0–100 %)."""
    levels = [lv for lv in ("primary", "junior")
              if any(m["level"] == lv and m["theil_t_between_share"] is not None for m in measures)]
    if not levels:
        return ""
    codes = sorted({m["indicator_code"] for m in measures}, key=lambda c: (len(c), c))

    def build(fig, axes):
        ax = axes[0]
        width = 0.8 / len(levels)
        for k, level in enumerate(levels):
            colour, _, _ = LEVEL_STYLE.get(level, (INK, "o", "-"))
            got = {m["indicator_code"]: m["theil_t_between_share"] for m in measures if m["level"] == level}
            xs = [j + (k - (len(levels) - 1) / 2) * width for j in range(len(codes))]
            vals = [100 * got[c] if got.get(c) is not None else 0 for c in codes]
            bars = ax.bar(xs, vals, width=width * 0.95, color=colour, alpha=0.85 if k == 0 else 0.55, label=level,
                          hatch=None if k == 0 else "..", edgecolor="white", linewidth=0.3)
            for bar, c, v in zip(bars, codes, vals, strict=True):
                bar.set_gid(f"split-{level}-{c}")
                if got.get(c) is not None:
                    ax.text(bar.get_x() + bar.get_width() / 2, v + 1, f"{v:.0f}%", ha="center", fontsize=7)
        ax.set_xticks(range(len(codes)), codes)
        ax.set_ylim(0, 100)
        ax.set_ylabel("Theil T between town/village (%)")
        ax.legend(fontsize=8, loc="upper right")
        ax.grid(axis="y", color="#e3e6ea", linewidth=0.6)

    return _draw(build, 6.4, 2.6, "share of the spread between town and village schools", margins=(0.6, 0.2, 0.4, 0.2))


def city_progress(progress: Sequence[dict], milestones: Sequence[dict]) -> str:
    """Counties ready / not ready / incomplete by year (stacked), with the city's milestones."""
    if not progress:
        return ""

    def build(fig, axes):
        ax = axes[0]
        years = [p["year"] for p in progress]
        ready = [p["counties_ready"] for p in progress]
        not_ready = [p["counties_not_ready"] for p in progress]
        incomplete = [p["counties_incomplete"] for p in progress]
        ax.bar(years, ready, color="#1a7f37", label="ready", gid="progress-ready")
        ax.bar(years, not_ready, bottom=ready, color=BAD, hatch="///", edgecolor="white", linewidth=0.3,
               label="not ready")
        ax.bar(years, incomplete, bottom=[a + b for a, b in zip(ready, not_ready, strict=True)], color="#e0b04a",
               hatch="..", edgecolor="white", linewidth=0.3, label="incomplete")
        for y, r in zip(years, ready, strict=True):
            ax.text(y, r / 2 if r else 0.1, str(r), ha="center", va="center", color="white" if r else INK, fontsize=8)
        for m in milestones:
            ax.axvline(m["milestone_year"], color=INK, linestyle=(0, (4, 2)), linewidth=1)
            ax.text(m["milestone_year"], max(p["counties_total"] for p in progress) + 0.2,
                    f"{m['milestone_year']}: {m['counties_required']} ({m['status']})", fontsize=7, ha="center")
        ax.set_xticks(years, [str(y) for y in years])
        ax.set_ylabel("counties")
        ax.set_ylim(0, max(p["counties_total"] for p in progress) + 1.2)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))

    return _draw(build, 7.6, 2.8, "counties ready by year, with the milestones", margins=(0.55, 1.3, 0.4, 0.3))
