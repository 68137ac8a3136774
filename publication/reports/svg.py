"""A small SVG plotting kit for the reports' charts: linear scales, nicely rounded ticks, axes, and
elements written with escaped attributes. Drawing a chart costs about a millisecond, so a national
run's ≈ 2,850 county pages do not spend minutes in a general plotting library (matplotlib took
≈ 0.1 s per chart, ≈ 0.6 s per county page).

Text stays text (the browser draws it with the page's CJK fonts); every id of a chart is prefixed
with a hash of the chart itself, so two charts in one page never share one and the same figures
give the same bytes.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from html import escape

INK = "#1b1f24"
MUTED = "#5b6470"
GRID = "#e3e6ea"
FONT = 12  # px: the page's small print


def fmt(v: float) -> str:
    """A coordinate: two decimals, no trailing zeros."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def el(tag: str, body: str | Iterable[str] | None = None, **attrs) -> str:
    """One element; attribute names use '_' for '-' (a trailing '_' is dropped: class_)."""
    parts = [tag]
    for k, v in attrs.items():
        if v is None:
            continue
        name = k.rstrip("_").replace("_", "-")
        value = fmt(v) if isinstance(v, float) else str(v)
        parts.append(f'{name}="{escape(value, quote=True)}"')
    head = " ".join(parts)
    if body is None:
        return f"<{head}/>"
    inner = body if isinstance(body, str) else "".join(body)
    return f"<{head}>{inner}</{tag}>"


def text(x: float, y: float, s: str, size: float = FONT, anchor: str = "start", colour: str = INK,
         weight: str | None = None, baseline: str = "middle", **attrs) -> str:
    return el("text", escape(s), x=float(x), y=float(y), font_size=float(size), text_anchor=anchor, fill=colour,
              font_weight=weight, dominant_baseline=baseline, **attrs)


def line(x1: float, y1: float, x2: float, y2: float, colour: str = INK, width: float = 1.0,
         dash: str | None = None, **attrs) -> str:
    return el("path", d=f"M{fmt(x1)} {fmt(y1)}L{fmt(x2)} {fmt(y2)}", stroke=colour, stroke_width=float(width),
              stroke_dasharray=dash, fill="none", **attrs)


def polyline(points: Sequence[tuple[float, float]], colour: str, width: float = 1.5, dash: str | None = None,
             **attrs) -> str:
    d = "".join(("M" if i == 0 else "L") + f"{fmt(x)} {fmt(y)}" for i, (x, y) in enumerate(points))
    return el("path", d=d, stroke=colour, stroke_width=float(width), stroke_dasharray=dash, fill="none", **attrs)


def box(x: float, y: float, w: float, h: float, fill: str, stroke: str = "none", width: float = 0.6,
        **attrs) -> str:
    """A bar as a path (a rectangle with its sides in the path's own bounding box)."""
    if w < 0:
        x, w = x + w, -w
    if h < 0:
        y, h = y + h, -h
    return el("path", d=f"M{fmt(x)} {fmt(y)}h{fmt(w)}v{fmt(h)}h{fmt(-w)}z", fill=fill, stroke=stroke,
              stroke_width=float(width), **attrs)


def marker(x: float, y: float, shape: str, colour: str, size: float = 4.0) -> str:
    """o (circle), s (square), x (cross), * (star)."""
    if shape == "s":
        return box(x - size, y - size, 2 * size, 2 * size, colour)
    if shape == "x":
        d = (f"M{fmt(x - size)} {fmt(y - size)}L{fmt(x + size)} {fmt(y + size)}"
             f"M{fmt(x - size)} {fmt(y + size)}L{fmt(x + size)} {fmt(y - size)}")
        return el("path", d=d, stroke=colour, stroke_width=2.0, fill="none")
    if shape == "*":
        pts = []
        for k in range(10):
            r = size * (1.0 if k % 2 == 0 else 0.45)
            a = math.pi / 2 + k * math.pi / 5
            pts.append(f"{fmt(x + r * math.cos(a))} {fmt(y - r * math.sin(a))}")
        return el("path", d="M" + "L".join(pts) + "z", fill=colour)
    return el("circle", cx=float(x), cy=float(y), r=float(size), fill=colour)


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About `n` round ticks covering [lo, hi] (steps of 1, 2, 2.5 or 5 × 10^k)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw - 1e-12)
    first = math.ceil(lo / step - 1e-9) * step
    out = []
    v = first
    while v <= hi + step * 1e-9:
        out.append(round(v, 10))
        v += step
    return out


def tick_label(v: float, ticks: Sequence[float]) -> str:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0
    if step < 1 and round(step * 10 ** decimals, 6) % 1:
        decimals += 1
    return f"{v:,.{decimals}f}"


class Panel:
    """One plotting area: data ranges mapped linearly onto a pixel box (y upwards)."""

    def __init__(self, left: float, top: float, width: float, height: float, xlim: tuple[float, float],
                 ylim: tuple[float, float], invert_x: bool = False):
        self.left, self.top, self.width, self.height = left, top, width, height
        self.xlim, self.ylim, self.invert_x = xlim, ylim, invert_x

    def x(self, v: float) -> float:
        lo, hi = self.xlim
        f = (v - lo) / (hi - lo) if hi != lo else 0.5
        return self.left + (1 - f if self.invert_x else f) * self.width

    def y(self, v: float) -> float:
        lo, hi = self.ylim
        f = (v - lo) / (hi - lo) if hi != lo else 0.5
        return self.top + (1 - f) * self.height

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def frame(self) -> str:
        """The left and bottom spines."""
        return (line(self.left, self.top, self.left, self.bottom, MUTED, 0.8)
                + line(self.left, self.bottom, self.left + self.width, self.bottom, MUTED, 0.8))

    def x_axis(self, ticks: Sequence[float], labels: Sequence[str] | None = None, title: str | None = None,
               grid: bool = False) -> str:
        out = []
        labels = labels if labels is not None else [tick_label(t, ticks) for t in ticks]
        for t, lab in zip(ticks, labels, strict=True):
            px = self.x(t)
            if grid:
                out.append(line(px, self.top, px, self.bottom, GRID, 0.6))
            out.append(line(px, self.bottom, px, self.bottom + 4, MUTED, 0.8))
            out.append(text(px, self.bottom + 14, lab, FONT - 1, "middle", MUTED))
        if title:
            out.append(text(self.left + self.width / 2, self.bottom + 32, title, FONT - 1, "middle"))
        return "".join(out)

    def y_axis(self, ticks: Sequence[float], labels: Sequence[str] | None = None, title: str | None = None,
               grid: bool = False) -> str:
        out = []
        labels = labels if labels is not None else [tick_label(t, ticks) for t in ticks]
        for t, lab in zip(ticks, labels, strict=True):
            py = self.y(t)
            if grid:
                out.append(line(self.left, py, self.left + self.width, py, GRID, 0.6))
            out.append(line(self.left - 4, py, self.left, py, MUTED, 0.8))
            out.append(text(self.left - 7, py, lab, FONT - 1, "end", MUTED))
        if title:
            cx, cy = self.left - 48, self.top + self.height / 2
            out.append(text(cx, cy, title, FONT - 1, "middle", transform=f"rotate(-90 {fmt(cx)} {fmt(cy)})"))
        return "".join(out)


def legend(x: float, y: float, entries: Sequence[tuple[str, str, str]]) -> str:
    """Entries (label, colour, kind: 'line' | 'dash' | 'dot' | 'box' | 'hatch' | a marker shape), one per row."""
    out = []
    for k, (label, colour, kind) in enumerate(entries):
        cy = y + k * 15
        if kind in ("line", "dash", "dot"):
            dash = {"line": None, "dash": "5 3", "dot": "1.5 2.5"}[kind]
            out.append(line(x, cy, x + 18, cy, colour, 1.6, dash))
        elif kind in ("box", "hatch"):
            out.append(box(x + 3, cy - 5, 12, 10, colour))
        else:
            out.append(marker(x + 9, cy, kind, colour, 3.5))
        out.append(text(x + 24, cy, label, FONT - 2))
    return "".join(out)


def hatch_pattern(pid: str, colour: str) -> str:
    """Diagonal hatching over `colour` (over the cap reads as such in grey print too)."""
    return el("pattern", [box(0, 0, 6, 6, colour), line(0, 6, 6, 0, "#ffffff", 1.0)], id=pid,
              patternUnits="userSpaceOnUse", width=6, height=6)


def document(width: float, height: float, label: str, body: Sequence[str], defs: Sequence[str] = ()) -> str:
    """The chart as inline SVG with an accessible name; its ids prefixed by its own hash."""
    inner = "".join(body)
    head = el("defs", list(defs)) if defs else ""
    svg = el("svg", head + inner, xmlns="http://www.w3.org/2000/svg", role="img", aria_label=label,
             width=float(width), height=float(height), viewBox=f"0 0 {fmt(width)} {fmt(height)}",
             font_family="'Noto Sans CJK SC', 'Source Han Sans SC', sans-serif")
    prefix = "c" + hashlib.sha1(svg.encode()).hexdigest()[:8] + "-"
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    return re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
