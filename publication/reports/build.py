"""Write the report pages of a publication: self-contained HTML (styles and SVG charts inline, no
script, no network), read only from a published DuckDB file.

Layout under the output folder:

    index.html                              every report page under the folder, by year
    <year>/<ruleset>/county-<code>.html     a county's self-evaluation report (县域自评报告)
    <year>/<ruleset>/city-<code>.html       a city's overview of its counties (地市总览)
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
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
    kind: str  # county | city | index
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
                  report_meta=_meta("county", code, v["county_name"], year, ruleset, v["status"]),
                  synthetic=data.synthetic(con, year), resource=resource, units=data.failing_units(con, year, ruleset, code),
                  items=data.items(con, year, ruleset, code), roadmap=roadmap, timetable=timetable, equity=equity,
                  ledger=data.ledger(con, ruleset, code), completeness=data.completeness(con, year, ruleset, code),
                  charts=drawn, city_href=f"city-{code[:4]}.html" if with_city_link else None)
    return html, v


def city_page(con, year: int, ruleset: str, code: str, pub: data.Publication) -> tuple[str, dict]:
    c = data.city(con, year, ruleset, code)
    if not c["counties"]:
        raise KeyError(f"city {code} has no county for {year} under {ruleset} in this publication")
    city_milestones = [m for m in c["milestones"] if m["scope_code"] == code]
    html = render("city.html.j2", c=c, year=year, ruleset=ruleset, pub=pub, synthetic=data.synthetic(con, year),
                  evaluation=data.evaluation(con, ruleset),
                  report_meta=_meta("city", code, code, year, ruleset, ""),
                  charts={"progress": charts.city_progress(c["progress"], city_milestones)})
    return html, c


def _meta(kind: str, code: str, name: str, year: int, ruleset: str, status: str) -> str:
    """What index.html lists about a page, kept in the page itself (<meta name="junheng-report">)."""
    return "|".join((kind, code, name.replace("|", " "), str(year), ruleset, status))


def write_index(out_dir: Path, pub: data.Publication) -> Path:
    """index.html over every report page under `out_dir` (read back from their meta tags), by year."""
    import html as html_lib

    pages = []
    for path in sorted(out_dir.glob("*/*/*.html")):
        head = path.read_text(encoding="utf-8")[:4000]
        found = re.search(r'<meta name="junheng-report" content="([^"]*)">', head)
        if not found:
            continue
        kind, code, name, year, ruleset, status = html_lib.unescape(found.group(1)).split("|")
        pages.append({"kind": kind, "code": code, "name": name, "year": int(year), "ruleset": ruleset,
                      "status": status, "href": path.relative_to(out_dir).as_posix()})
    pages.sort(key=lambda p: (-p["year"], p["ruleset"], p["kind"] != "city", p["code"]))
    groups = [(key, list(items)) for key, items in itertools.groupby(pages, key=lambda p: (p["year"], p["ruleset"]))]
    target = out_dir / "index.html"
    _write(target, render("index.html.j2", groups=groups, pub=pub, report_meta="index"))
    return target


# County pages are independent: above this many in a year they are written by worker processes
# (JUNHENG_REPORT_WORKERS, default the machine's cores), each with its own read-only connection. A
# national year is ≈ 2,850 pages at ≈ 0.1 s each, almost all of it DuckDB queries and templating.
PARALLEL_FROM_PAGES = 200


def report_workers() -> int:
    raw = os.environ.get("JUNHENG_REPORT_WORKERS", "").strip()
    if raw:
        try:
            return max(1, int(raw))
        except ValueError as exc:
            raise ValueError(f"JUNHENG_REPORT_WORKERS must be a whole number of processes, got {raw!r}") from exc
    return os.cpu_count() or 1


def _county_pages(published_db: Path, out_dir: Path, year: int, ruleset: str, codes: list[str],
                  with_cities: bool) -> list[ReportFile]:
    """Write the county pages of `codes` (in a worker process or in the caller's)."""
    written = []
    with data.open_published(published_db) as con:
        pub = data.publication(con)
        for code in codes:
            html, v = county_page(con, year, ruleset, code, pub, with_city_link=with_cities)
            path = out_dir / county_file(year, ruleset, code)
            _write(path, html)
            written.append(ReportFile("county", code, v["county_name"], year, ruleset, v["status"], path))
    return written


def _county_pages_in_workers(published_db: Path, out_dir: Path, year: int, ruleset: str, codes: list[str],
                             with_cities: bool, workers: int) -> list[ReportFile]:
    """The same pages as `_county_pages`, `workers` processes writing interleaved shares, in `codes` order."""
    shares = [codes[k::workers] for k in range(workers)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_county_pages, published_db, out_dir, year, ruleset, share, with_cities)
                   for share in shares if share]
        done = {p.code: p for f in futures for p in f.result()}
    return [done[c] for c in codes]


def build_reports(published_db: Path, out_dir: Path, years: list[int] | int, ruleset: str = DEFAULT_RULESET,
                  county: str | None = None, city: str | None = None, workers: int | None = None) -> list[ReportFile]:
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
            with_cities = county is None
            codes = [c["county_code"] for c in held]
            n = report_workers() if workers is None else workers
            if n > 1 and len(codes) >= PARALLEL_FROM_PAGES:
                written += _county_pages_in_workers(Path(published_db), out_dir, year, ruleset, codes, with_cities,
                                                    min(n, len(codes)))
            else:
                written += _county_pages(Path(published_db), out_dir, year, ruleset, codes, with_cities)
            if with_cities:
                for code in sorted({c["county_code"][:4] for c in held}):
                    html, ct = city_page(con, year, ruleset, code, pub)
                    path = out_dir / city_file(year, ruleset, code)
                    _write(path, html)
                    done = ct["count"]
                    written.append(ReportFile("city", code, code, year, ruleset,
                                              f"{done['ready']}/{len(ct['counties'])} ready", path))
        index = write_index(out_dir, pub)
    written.append(ReportFile("index", "", "", years[-1], ruleset, "", index))
    return written
