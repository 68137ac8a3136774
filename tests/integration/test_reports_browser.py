"""The reports in a real browser (headless Chromium, Playwright): the hand-built city of
tests/report_example.py through the whole pipeline (2022–2024, one publication), `junheng report`,
then each page opened offline — every section present with the figures computed here by hand,
Chinese drawn with a CJK font (no missing-glyph boxes), no request leaving the file, a screenshot
of each page kept under the pytest temp folder (paths printed at the end of the session)."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from pathlib import Path

import pytest

from core.settings import DBT_PROJECT_DIR
from orchestration.cli import main as junheng
from tests import browser, report_example, worked_example
from tests.integration.helpers import run_years

YEAR = 2024
RS = "moe_2017"
EXAMPLE, READY, QUARANTINED, VETOED = (report_example.EXAMPLE, report_example.READY, report_example.QUARANTINED,
                                       report_example.VETOED)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    landing = tmp_path_factory.mktemp("landing")
    wh = tmp_path_factory.mktemp("warehouse")
    report_example.write(landing)
    outcome = run_years(landing, wh, report_example.YEARS[0], report_example.YEARS[-1])
    assert outcome.success, outcome.problems
    return wh


def report(warehouse: Path, out: Path, *args: str) -> dict[str, Path]:
    """`junheng report --year 2024 …`: the pages it printed, by file name."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = junheng(["report", "--year", str(YEAR), "--out", str(out), "--warehouse", str(warehouse), *args])
    assert code == 0, printed.getvalue()
    paths = [Path(p) for p in re.findall(r"(/\S+\.html)$", printed.getvalue(), flags=re.M)]
    assert paths and all(p.is_file() for p in paths), printed.getvalue()
    return {p.name: p for p in paths}


@pytest.fixture(scope="module")
def reports(warehouse, tmp_path_factory) -> dict[str, Path]:
    """Every page of 2024 under the default rule set."""
    return report(warehouse, tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="module")
def chromium():
    with browser.chromium() as b:
        yield b


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def open_page(chromium, shots, record_property):
    """Open a report offline; on leaving, assert nothing but file:// and data: was requested and keep a
    full-page screenshot (its path printed and recorded)."""
    pages = []

    @contextlib.contextmanager
    def _open(path: Path):
        with browser.offline_page(chromium) as (page, requests):
            page.goto(path.as_uri(), wait_until="load")
            pages.append(path)
            yield page
            shot = shots / f"{path.stem}.png"
            if shot.exists():  # the same name opened twice (the CLI's index, the publication's)
                shot = shots / f"{path.stem}-{len(list(shots.glob(path.stem + '*.png')))}.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")
            record_property("screenshot", str(shot))
            assert requests.refused == [], f"{path.name} requested {requests.refused}"
            assert requests.allowed and requests.allowed[0] == path.as_uri()
    return _open


COUNTY_SECTIONS = ["verdict", "resource", "school_rule", "items", "roadmap", "timetable", "equity", "ledger",
                   "completeness", "source"]


def section_text(page, section: str) -> str:
    el = page.locator(f"section[data-section='{section}']")
    assert el.count() == 1, f"section {section} missing"
    text = el.inner_text().strip()
    assert len(text) > 40, f"section {section} is empty: {text!r}"
    return text


def cell(page, selector: str) -> str:
    el = page.locator(selector)
    assert el.count() == 1, f"{selector}: {el.count()} elements"
    return el.inner_text().strip()


def assert_charts_drawn(page) -> dict[str, dict]:
    """Every chart of the page is drawn: an SVG of real size with marks and labels, and no 'nan'."""
    charts = page.locator("figure.chart").evaluate_all("""figs => figs.map(f => {
        const svg = f.querySelector('svg'); const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
        return {name: f.dataset.chart, width: box.width, height: box.height,
                marks: svg ? svg.querySelectorAll('path, use, rect').length : 0,
                texts: svg ? [...svg.querySelectorAll('text')].map(t => t.textContent) : [],
                caption: (f.querySelector('figcaption') || {}).textContent || ''};
    })""")
    for c in charts:
        assert c["width"] > 250 and c["height"] > 120, c
        assert c["marks"] >= 10 and len(c["texts"]) >= 4 and len(c["caption"]) > 10, c
        assert not any("nan" in t.lower() for t in c["texts"]), c
    return {c["name"]: c for c in charts}


def bar_width(page, gid: str) -> float:
    return page.locator(f"figure.chart [id$='-{gid}'] path").first.evaluate("e => e.getBoundingClientRect().width")


# ---- the county report ---------------------------------------------------------------------------

def test_county_report_leads_with_the_verdict_and_its_reasons(reports, open_page):
    with open_page(reports[f"county-{EXAMPLE}.html"]) as page:
        assert page.locator("h1").inner_text().startswith(f"铁东区 {EXAMPLE}")
        first = page.locator("section[data-section]").first.get_attribute("data-section")
        assert first == "verdict"
        text = section_text(page, "verdict")
        assert page.locator("[data-figure=verdict]").inner_text() == "未达标 not_ready"
        # by hand: in 2024 only 示例第2小学 lacks a key teacher, so R2 is the one item that fails
        assert page.locator("[data-list=failing] li").evaluate_all("els => els.map(e => e.dataset.item)") == ["R2"]
        assert page.locator("[data-figure=items_fail]").inner_text() == "1"
        assert page.locator("[data-figure=items_unknown]").inner_text() == "0"
        assert "每百名学生拥有县级以上骨干教师数" in text and worked_example_school(2) in text


def test_a_veto_comes_before_every_other_reason(reports, open_page):
    """千山区's social recognition of 80 % fails SR and the veto: the veto is named first, in its banner
    and in the list. The quarantined county is incomplete, its computed items unknown; the ready one
    has nothing in the way."""
    with open_page(reports[f"county-{VETOED}.html"]) as page:
        assert page.locator("[data-figure=verdict]").inner_text() == "未达标 not_ready"
        assert "VETO_LOW_RECOGNITION" in page.locator("[data-figure=veto]").inner_text()
        failing = page.locator("[data-list=failing] li").evaluate_all("els => els.map(e => e.dataset.item)")
        assert failing == ["VETO_LOW_RECOGNITION", "SR"]
    with open_page(reports[f"county-{QUARANTINED}.html"]) as page:
        assert page.locator("[data-figure=verdict]").inner_text() == "数据不完整 incomplete"
        unknown = page.locator("[data-list=unknown] li").evaluate_all("els => els.map(e => e.dataset.item)")
        assert {"R1", "BALANCE", "G5"} <= set(unknown)
    with open_page(reports[f"county-{READY}.html"]) as page:
        assert page.locator("[data-figure=verdict]").inner_text() == "达标 ready"
        assert page.locator("[data-list=failing] li").count() == 0


def worked_example_school(i: int) -> str:
    return worked_example.SCHOOL_IDS[i - 1]


def test_county_report_has_every_section_with_the_figures_worked_by_hand(warehouse, reports, open_page):
    """铁东区 under moe_2017, every figure recomputed here from the feeds the test wrote."""
    students = worked_example.STUDENTS
    with open_page(reports[f"county-{EXAMPLE}.html"]) as page:
        assert page.locator("section[data-section]").evaluate_all("els => els.map(e => e.dataset.section)") \
            == COUNTY_SECTIONS
        for section in COUNTY_SECTIONS:
            section_text(page, section)
        charts = assert_charts_drawn(page)
        assert set(charts) == {"coefficients", "cost_curve", "trends", "area_split"}

        # resource: R2 and R3 coefficients, in the table and as bars in proportion
        r2, r3 = report_example.weighted_cv(students, report_example.r2_values(YEAR)), \
            report_example.weighted_cv(students, report_example.r3_values())
        table = "[data-table=coefficients-primary]"
        assert cell(page, f"{table} tr[data-indicator=R2] [data-figure=cv]") == f"{r2:.4f}"  # 0.4723
        assert cell(page, f"{table} tr[data-indicator=R3] [data-figure=cv]") == f"{r3:.4f}"
        assert bar_width(page, "cv-primary-R2") / bar_width(page, "cv-primary-R3") == pytest.approx(r2 / r3, rel=0.01)

        # the school rule: 示例第2小学 alone, its R2 of 0 marked as the miss
        rows = page.locator("[data-table=failing-units] tbody tr")
        assert rows.evaluate_all("els => els.map(e => e.dataset.school)") == [worked_example_school(2)]
        miss = page.locator("[data-table=failing-units] td.miss")
        assert miss.count() == 1 and miss.get_attribute("data-indicator") == "R2"
        assert cell(page, "[data-table=failing-units] td.miss [data-figure=value]") == "0"

        # every item of the rule set (its seed), R2 the only failure
        with open(DBT_PROJECT_DIR / "seeds" / "evaluation_items.csv", encoding="utf-8") as f:
            expected = [r["item_code"] for r in csv.DictReader(f) if RS in r["rulesets"].split()]
        shown = page.locator("[data-table=items] tbody tr").evaluate_all("els => els.map(e => e.dataset.item)")
        assert sorted(shown) == sorted(expected)
        statuses = page.locator("[data-table=items] tbody tr [data-figure=status]").all_inner_texts()
        assert statuses.count("未达标 fail") == 1 and statuses.count("达标 pass") == len(expected) - 1
        assert "佐证 evidence" in section_text(page, "items")

        # roadmap: one whole teacher at 示例第2小学 (R2 threshold × 37 pupils / 100, rounded up), at a teacher-year
        teachers = report_example.r2_plan_teachers()
        cost = teachers * report_example.TEACHER_YEAR_YUAN
        assert cell(page, "[data-figure=resource_cost]") == f"¥{cost:,}"
        # a teacher is money every year: the plan is all recurring, nothing one-off
        assert (cell(page, "[data-figure=plan_one_off]"), cell(page, "[data-figure=plan_recurring]")) == ("¥0", f"¥{cost:,}")
        school = f"[data-table=school-roadmap] tr[data-school='{worked_example_school(2)}']"
        assert cell(page, f"{school} [data-figure=addition]") == f"+{teachers} teachers"
        assert cell(page, f"{school} [data-figure=cost]") == f"¥{cost:,}"

        # timetable: 示例第2小学 has no key teacher in any year — R2 = 0, 100 % short of its 85 % floor: the
        # school rule's measure is 1.0 every year, not improving, no projected year (the count of failing
        # units, 3, 2, 1, said 2025); one teacher-year (¥120,000, recurring) fits the ¥500,000 budget a year
        assert cell(page, "[data-figure=planned_year]") == str(report_example.PLAN[EXAMPLE][0])
        assert cell(page, "[data-figure=projected_year]") == "—"
        assert cell(page, "[data-figure=timetable_status]") == "按计划 on_track"
        assert cell(page, "[data-figure=recurring]") == f"¥{report_example.TEACHER_YEAR_YUAN:,}"
        assert cell(page, "[data-figure=one_off]") == "¥0"
        trend = page.locator("[data-table=trends] tbody tr")
        assert trend.count() == 1 and "school_rule_shortfall" in trend.inner_text()
        assert trend.inner_text().split("\t")[2:5] == ["1", "0", "+0.0000"]  # now, target, a year
        assert "not improving" in trend.inner_text()
        assert page.locator("[data-table=history] tbody tr").count() == len(report_example.YEARS)

        # town–village split of R2's spread (Theil T), by hand
        town = [i in report_example.TOWN_SCHOOLS for i in range(1, 6)]
        share = report_example.theil_between_share(students, report_example.r2_values(YEAR), town)
        assert cell(page, "[data-table=equity] tr[data-level=primary][data-indicator=R2] [data-figure=between_share]") \
            == f"{100 * share:.1f}%"
        assert "城镇 2 所，乡村 3 所" in section_text(page, "equity")

        # the ledger: every R2 failure since 2022 and the balance rule, opened and fixed by hand
        for key, (first, last, fixed, status) in report_example.r2_ledger().items():
            row = f"[data-table=ledger] tr[data-key='{key}']"
            assert cell(page, f"{row} [data-figure=first]") == str(first), key
            assert cell(page, f"{row} [data-figure=last]") == str(last), key
            assert cell(page, f"{row} [data-figure=fixed]") == (str(fixed) if fixed else "—"), key
            assert cell(page, f"{row} [data-figure=status]").endswith(status), key

        # completeness and the publication it was made from
        assert cell(page, "[data-figure=quarantined_rows]") == "0"
        current = (warehouse / "publications" / "CURRENT").read_text(encoding="utf-8").strip()
        assert cell(page, "[data-figure=publication_id]") == current


def test_a_quarantined_county_says_what_is_withheld(reports, open_page):
    with open_page(reports[f"county-{QUARANTINED}.html"]) as page:
        for section in COUNTY_SECTIONS:
            section_text(page, section)
        assert_charts_drawn(page)
        assert cell(page, "[data-figure=quarantined_rows]") == "1"
        assert "county data incomplete" in section_text(page, "completeness")


def test_the_b5_coefficient_of_the_worked_example_under_basic_2012(warehouse, tmp_path, open_page):
    """The spec's worked example: books per student over five schools, weighted CV 0.5153."""
    pages = report(warehouse, tmp_path, "--county", EXAMPLE, "--ruleset", "basic_2012")
    with open_page(pages[f"county-{EXAMPLE}.html"]) as page:
        expected = report_example.b5_cv()
        assert f"{expected:.4f}" == "0.5153"
        assert cell(page, "[data-table=coefficients-primary] tr[data-indicator=B5] [data-figure=cv]") == "0.5153"
        charts = assert_charts_drawn(page)
        assert "coefficients" in charts
        cvs = {c: float(cell(page, f"[data-table=coefficients-primary] tr[data-indicator={c}] [data-figure=cv]"))
               for c in ("B5", "B8")}
        assert bar_width(page, "cv-primary-B5") / bar_width(page, "cv-primary-B8") == \
            pytest.approx(cvs["B5"] / cvs["B8"], rel=0.01)
        # basic_2012 is the 基本均衡 evaluation and judges the comprehensive coefficient alone
        # (evaluation-method.md §4): B1–B8 are for reference, never painted as failures
        assert "基本均衡" in page.title() and "优质均衡" not in page.title()
        assert "基本均衡" in cell(page, ".report-head .sub")
        rows = page.locator("[data-table=coefficients-primary] tbody tr")
        for k in range(rows.count()):
            row = rows.nth(k)
            code = row.get_attribute("data-indicator")
            judged = code == "COMPREHENSIVE"
            assert row.get_attribute("data-decides") == ("true" if judged else "false"), code
            if not judged:
                assert "fail" not in (row.get_attribute("class") or "") and "未达标" not in row.inner_text(), code
                assert "仅供参考" in row.inner_text(), code


# ---- the city overview ---------------------------------------------------------------------------

# The city of tests/report_example.py in 2024, read off its story: status, blocking items (vetoes
# first), planned year, projected year, timetable status.
CITY_2024 = {
    EXAMPLE: ("未达标 not_ready", "R2", "2025", "—", "按计划 on_track"),
    READY: ("达标 ready", "—", "2023", "—", "已达标 ready"),
    QUARANTINED: ("数据不完整 incomplete", "—", "—", "—", "未列入计划 no_plan"),
    VETOED: ("未达标 not_ready", "VETO_LOW_RECOGNITION, SR", "—", "—", "未列入计划 no_plan"),
}


def test_city_overview_shows_every_county_and_links_to_its_report(reports, open_page):
    with open_page(reports[f"city-{report_example.CITY}.html"]) as page:
        for section in ("counties", "milestones", "progress", "source"):
            section_text(page, section)
        assert set(assert_charts_drawn(page)) == {"progress"}
        rows = page.locator("[data-table=counties] tbody tr")
        assert rows.evaluate_all("els => els.map(e => e.dataset.county)") == list(CITY_2024)
        for code, (status, blocking, planned, projected, timetable) in CITY_2024.items():
            row = f"[data-table=counties] tr[data-county='{code}']"
            assert cell(page, f"{row} [data-figure=status]") == status, code
            assert cell(page, f"{row} [data-figure=blocking]") == blocking, code
            assert cell(page, f"{row} [data-figure=planned]") == planned, code
            assert cell(page, f"{row} [data-figure=projected]") == projected, code
            assert cell(page, f"{row} [data-figure=timetable]") == timetable, code
        cost = report_example.r2_plan_teachers() * report_example.TEACHER_YEAR_YUAN
        assert cell(page, f"[data-table=counties] tr[data-county='{EXAMPLE}'] [data-figure=plan_cost]") == f"¥{cost:,}"
        assert cell(page, "[data-figure=city_cost]") == f"¥{cost:,}"
        assert [cell(page, f"[data-figure={k}]") for k in ("ready", "not_ready", "incomplete")] == ["1", "2", "1"]
        # progress: nobody ready before 2024 (Q1 lacks its entrants, R2 fails), one of four in 2024
        shares = page.locator("[data-table=progress] [data-figure=share_ready]").all_inner_texts()
        assert shares == ["0%", "0%", "25%"]
        # the seed's milestones for 2103: 2020 not held (unknown); 2023 every county — two not ready: missed
        assert cell(page, "tr[data-milestone='2103-2020'] [data-figure=status]") == "无法判断 unknown"
        assert cell(page, "tr[data-milestone='2103-2023'] [data-figure=status]") == "未实现 missed"
        # each county's name opens its report, which links back to the overview
        page.locator(f"[data-table=counties] tr[data-county='{EXAMPLE}'] a[data-link=county]").click()
        page.wait_for_load_state("load")
        assert page.url.endswith(f"county-{EXAMPLE}.html")
        assert page.locator("h1").inner_text().startswith(f"铁东区 {EXAMPLE}")
        page.locator("a", has_text="city overview").click()
        page.wait_for_load_state("load")
        assert page.url.endswith(f"city-{report_example.CITY}.html")


def test_the_index_lists_every_page(reports, open_page):
    with open_page(reports["index.html"]) as page:
        hrefs = page.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        assert sorted(Path(h).name for h in hrefs) == sorted(n for n in reports if n != "index.html")
        for h in hrefs:
            assert (reports["index.html"].parent / h).is_file()


# ---- the reports of the publication -------------------------------------------------------------

def test_the_run_published_its_reports_with_the_publication(warehouse, reports, open_page):
    """The year job's published_reports asset wrote every county's report and the city overview of
    each year of the run into the current publication's folder; published_reports links there; the
    asset's metadata and `junheng publications list` point at them; a page is the very page
    `junheng report` writes from published.duckdb (same file, same bytes)."""
    import dagster as dg

    current = (warehouse / "publications" / "CURRENT").read_text(encoding="utf-8").strip()
    folder = warehouse / "publications" / current / "reports"
    link = warehouse / "published_reports"
    assert link.is_symlink() and link.resolve() == folder.resolve()
    codes = [EXAMPLE, READY, QUARANTINED, VETOED]
    expected = {f"{y}/{RS}/county-{c}.html" for y in report_example.YEARS for c in codes} | \
        {f"{y}/{RS}/city-{report_example.CITY}.html" for y in report_example.YEARS}
    assert {p.relative_to(folder).as_posix() for p in folder.glob("*/*/*.html")} == expected
    assert (link / f"{YEAR}/{RS}/county-{EXAMPLE}.html").read_bytes() == reports[f"county-{EXAMPLE}.html"].read_bytes()

    instance = dg.DagsterInstance.from_config(str(warehouse / "dagster_home"))
    try:
        event = instance.get_latest_materialization_event(dg.AssetKey("published_reports"))
        meta = event.asset_materialization.metadata
    finally:
        instance.dispose()
    assert meta["index"] == dg.MetadataValue.path(str(folder / "index.html"))
    assert meta["index_url"] == dg.MetadataValue.url((folder / "index.html").as_uri())
    assert meta["publication_id"].value == current
    assert f"county-{EXAMPLE}.html" in meta[f"county_reports ({YEAR})"].value

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert junheng(["publications", "list", "--warehouse", str(warehouse)]) == 0
    row = next(line for line in printed.getvalue().splitlines() if current in line)
    assert row.split()[-1] == str(len(expected))
    assert str(link / "index.html") in printed.getvalue()

    with open_page(link / "index.html") as page:
        assert page.locator("a").count() == len(expected)
        page.locator(f"a[href='{YEAR}/{RS}/city-{report_example.CITY}.html']").click()
        page.wait_for_load_state("load")
        assert page.locator("[data-table=counties] tbody tr").count() == len(codes)


def test_a_county_the_publication_does_not_hold_is_named(warehouse, tmp_path, capsys):
    assert junheng(["report", "--year", str(YEAR), "--county", "219999", "--out", str(tmp_path),
                    "--warehouse", str(warehouse)]) == 2
    err = capsys.readouterr().err
    assert "no verdict of county 219999 for 2024" in err and "years held: 2022, 2023, 2024" in err
    assert not list(tmp_path.rglob("*.html"))


# ---- every page ----------------------------------------------------------------------------------

def test_pages_are_self_contained(reports):
    """No reference that could reach the network: no script, stylesheet, image or font from outside."""
    for path in reports.values():
        html = path.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, flags=re.I), path.name
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", html, flags=re.I), path.name
        assert "<script" not in html.lower(), path.name


def test_pages_print(reports, open_page, shots):
    """In print the navigation goes, every chart keeps its size and marks, and Chromium prints the
    page to A4 (the PDF is kept beside the screenshots)."""
    with open_page(reports[f"county-{EXAMPLE}.html"]) as page:
        page.emulate_media(media="print")
        assert page.locator("nav.toc").evaluate("e => getComputedStyle(e).display") == "none"
        assert len(assert_charts_drawn(page)) == 4
        pdf = shots / f"county-{EXAMPLE}.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page(?!s)", data)) >= 3  # A4 pages
        print(f"pdf: {pdf}")


def test_chinese_is_drawn_with_a_cjk_font(reports, open_page):
    with open_page(reports[f"county-{EXAMPLE}.html"]) as page:
        for selector in ("h1", "section[data-section=verdict] h2", "[data-list=failing] li b"):
            w = browser.glyph_widths(page, selector)
            assert len(w["text"]) >= 2, (selector, w)
            assert w["page"] == pytest.approx(w["cjk"], rel=0.02), w  # drawn like the CJK font …
            assert abs(w["page"] - w["boxes"]) > 0.1 * w["page"], w   # … not like missing-glyph boxes
        fonts = browser.platform_fonts(page, "h1")
        assert any("CJK" in f for f in fonts), fonts


def test_worker_processes_write_the_same_pages(warehouse, tmp_path, monkeypatch):
    """A national year's county pages are shared out to worker processes (build.PARALLEL_FROM_PAGES):
    forced here on the example city, the pages are byte for byte those written in one process."""
    from publication.reports import build

    published = warehouse / "published.duckdb"
    one = build.build_reports(published, tmp_path / "one", YEAR, RS, workers=1)
    monkeypatch.setattr(build, "PARALLEL_FROM_PAGES", 1)
    two = build.build_reports(published, tmp_path / "two", YEAR, RS, workers=2)
    assert [(p.kind, p.code, p.status) for p in two] == [(p.kind, p.code, p.status) for p in one]
    files = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.html"))
    assert len(files) > 5 and files == sorted(p.relative_to(tmp_path / "two") for p in (tmp_path / "two").rglob("*.html"))
    for f in files:
        assert (tmp_path / "two" / f).read_bytes() == (tmp_path / "one" / f).read_bytes(), f
