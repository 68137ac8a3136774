"""Write the report pages of a publication: self-contained HTML (styles and SVG charts inline, no
script, no network), read only from a published DuckDB file.

Layout under the output folder:

    index.html                              every page written, by year
    <year>/<ruleset>/county-<code>.html     a county's self-evaluation report (县域自评报告)
    <year>/<ruleset>/city-<code>.html       a city's overview of its counties (地市总览)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from core.settings import DEFAULT_RULESET
from publication.reports import charts, data
from publication.reports.render import render

COUNTY_SECTIONS = [
    ("verdict", "评估结论", "verdict"),
    ("resource", "资源配置", "resource"),
    ("school_rule", "未达标学校", "school rule"),
    ("items", "逐项结果", "items"),
    ("roadmap", "路线图", "roadmap"),
    ("timetable", "时间表", "timetable"),
    ("equity", "城乡差异", "urban–rural"),
    ("ledger", "整改台账", "ledger"),
    ("completeness", "数据完整性", "completeness"),
    ("source", "数据来源", "source"),
]


@dataclass(frozen=True)
class ReportFile:
    kind: str  # county | city
    code: str
    name: str
    year: int
    ruleset: str
    status: str
    path: Path


def county_file(year: int, ruleset: str, code: str) -> str:
    return f"{year}/{ruleset}/county-{code}.html"


def city_file(year: int, ruleset: str, code: str) -> str:
    return f"{year}/{ruleset}/city-{code}.html"


def _write(path: Path, html: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, path)


def county_page(con, year: int, ruleset: str, code: str, pub: data.Publication, with_city_link: bool) -> tuple[str, dict]:
    v = data.verdict(con, year, ruleset, code)
    if v is None:
        raise KeyError(f"county {code} has no verdict for {year} under {ruleset} in this publication")
    resource = data.resource(con, year, ruleset, code)
    roadmap = data.roadmap(con, year, ruleset, code)
    timetable = data.timetable(con, ruleset, code)
    equity = data.equity(con, year, ruleset, code)
    drawn = {
        "coefficients": charts.coefficients(resource),
        "cost_curve": charts.cost_curve(roadmap["curve"]),
        "trends": charts.trends(timetable["trends"]),
        "area_split": charts.area_split(equity["measures"]),
    }
    html = render("county.html.j2", v=v, year=year, ruleset=ruleset, pub=pub, sections=COUNTY_SECTIONS,
                  synthetic=data.synthetic(con, year), resource=resource, units=data.failing_units(con, year, ruleset, code),
                  items=data.items(con, year, ruleset, code), roadmap=roadmap, timetable=timetable, equity=equity,
                  ledger=data.ledger(con, ruleset, code), completeness=data.completeness(con, year, ruleset, code),
                  charts=drawn, city_href=f"city-{code[:4]}.html" if with_city_link else None)
    return html, v


def build_reports(published_db: Path, out_dir: Path, years: list[int] | int, ruleset: str = DEFAULT_RULESET,
                  county: str | None = None, city: str | None = None) -> list[ReportFile]:
    """Write the county reports (and, unless one county is asked for, the city overviews) of `years`
    under `out_dir`; returns what was written. A county or city the publication does not hold for a
    year raises KeyError naming what it holds."""
    years = [years] if isinstance(years, int) else sorted(set(years))
    out_dir = Path(out_dir)
    written: list[ReportFile] = []
    with data.open_published(published_db) as con:
        pub = data.publication(con)
        for year in years:
            held = data.counties(con, year, ruleset, city)
            if county is not None:
                held = [c for c in held if c["county_code"] == county]
            if not held:
                what = f"county {county}" if county else (f"city {city}" if city else "any county")
                have = ", ".join(map(str, data.years_held(con, ruleset))) or "none"
                raise KeyError(f"the publication holds no verdict of {what} for {year} under {ruleset} "
                               f"(years held: {have})")
            for c in held:
                html, v = county_page(con, year, ruleset, c["county_code"], pub, with_city_link=False)
                path = out_dir / county_file(year, ruleset, c["county_code"])
                _write(path, html)
                written.append(ReportFile("county", c["county_code"], c["county_name"], year, ruleset, v["status"], path))
    return written
