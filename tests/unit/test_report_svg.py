"""The reports' SVG kit (publication/reports/svg.py) and one chart read back as XML: ticks are round
and cover the range, text is escaped, bars are as long as their values, ids are unique per chart."""

import re
import xml.etree.ElementTree as ET

import pytest

from publication.reports import charts
from publication.reports.svg import nice_ticks, text

NS = {"s": "http://www.w3.org/2000/svg"}


@pytest.mark.parametrize(("lo", "hi", "want"), [
    (0.0, 0.61, [0.0, 0.2, 0.4, 0.6]),
    (0.0, 1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    (0.0, 24181.0 * 1.18, [0.0, 10000.0, 20000.0]),
    (0.0, 100.0, [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]),
])
def test_ticks_are_round_steps_within_the_range(lo, hi, want):
    assert nice_ticks(lo, hi, 4 if hi > 1000 else 5) == pytest.approx(want)


def test_text_is_escaped():
    assert "&lt;b&gt; &amp; 县" in text(0, 0, "<b> & 县")


def _level(level, cap, cvs):
    return {"level": level, "cv_max": cap, "balance_rule": "per_indicator",
            "indicators": [{"indicator_code": c, "cv": v} for c, v in cvs]}


def test_coefficient_bars_are_as_long_as_their_values_and_over_the_cap_is_hatched():
    svg = charts.coefficients([_level("primary", 0.5, [("R1", 0.2), ("R2", 0.6), ("R3", None)]),
                               _level("junior", 0.45, [("R1", 0.1), ("R2", 0.3), ("R3", 0.45)])])
    root = ET.fromstring(svg)
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    prefix = ids[0].split("-")[0]

    def bar(gid):
        g = root.find(f".//s:g[@id='{prefix}-{gid}']", NS)
        w = float(re.search(r"h(-?[\d.]+)", g.find("s:path", NS).get("d")).group(1))
        return w, g.find("s:path", NS).get("fill")

    (w1, f1), (w2, f2) = bar("cv-primary-R1"), bar("cv-primary-R2")
    assert w2 / w1 == pytest.approx(0.6 / 0.2, rel=1e-3)
    assert f2.startswith("url(#") and not f1.startswith("url(#")  # 0.6 > 0.5: hatched
    assert not bar("cv-junior-R3")[1].startswith("url(#")  # 0.45 at a 0.45 cap passes: not hatched
    assert root.find(f".//s:g[@id='{prefix}-cv-primary-R3']", NS) is None  # no value, no bar ...
    assert "n/a" in [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]  # ... but n/a


def test_nothing_to_draw_gives_no_chart():
    assert charts.coefficients([_level("primary", 0.5, [("R1", None)])]) == ""
    assert charts.cost_curve([]) == "" and charts.trends([]) == "" and charts.city_progress([], []) == ""
