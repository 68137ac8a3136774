"""The reports join their publication: written into its version folder after it is published, the
`published_reports` link follows the current publication (and rollback), a failed render leaves
the publication as it was and fails the asset visibly."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import dagster as dg
import pytest

from publication import publish as pub
from publication.reports import publish as report_publish
from publication.reports.build import ReportFile
from tests.unit.test_publish import _read, _working


def _publication(tmp_path: Path, run: str, value: int) -> tuple[Path, str]:
    w, p = tmp_path / "junheng.duckdb", tmp_path / "published.duckdb"
    _working(w, 2024, value)
    pub.publish(w, p, [2024], run)
    return p, pub.current_publication(p)


def _fake_build(published_db, out_dir, years, ruleset, county=None, city=None):
    """Stands in for the real builder (which needs every published table): one page per year naming
    the run of the publication it read."""
    run = _read(published_db, "select run_id from publication_log order by published_at desc limit 1")[0][0]
    pages = []
    for year in years:
        page = Path(out_dir) / str(year) / ruleset / "county-210302.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f"<html>{run}</html>", encoding="utf-8")
        pages.append(ReportFile("county", "210302", "铁东区", year, ruleset, "ready", page))
    (Path(out_dir) / "index.html").write_text("<html>index</html>", encoding="utf-8")
    return pages


def _fingerprint(published_db: Path) -> dict:
    version = pub.publications_dir(published_db) / pub.current_publication(published_db)
    return {"published": hashlib.sha256(published_db.read_bytes()).hexdigest(),
            "manifest": (version / "manifest.json").read_text(encoding="utf-8"),
            "parquet": sorted(p.name for p in (version / "parquet").iterdir()),
            "current": pub.current_publication(published_db)}


def test_reports_join_the_current_version_and_follow_rollback(tmp_path, monkeypatch):
    monkeypatch.setattr(report_publish, "build_reports", _fake_build)
    p, first = _publication(tmp_path, "run-aaaaaaaa", 1)
    p, second = _publication(tmp_path, "run-bbbbbbbb", 2)
    link = pub.reports_link(p)
    assert not link.exists()  # a new publication has no reports until they are written

    result = report_publish.publish_reports(p, [2024])
    assert result.publication_id == second and result.folder == pub.publications_dir(p) / second / "reports"
    assert link.is_symlink() and link.resolve() == result.folder.resolve()
    assert (link / "2024" / "moe_2017" / "county-210302.html").read_text(encoding="utf-8") == "<html>run-bbbbbbbb</html>"
    assert [p_.path for p_ in result.pages] == [result.folder / "2024" / "moe_2017" / "county-210302.html"]
    listed = {v["id"]: v for v in pub.list_publications(p)}
    assert listed[second]["reports"] == 1 and listed[first]["reports"] == 0

    # another year later: the version keeps the pages it had (same file) and adds the new ones
    report_publish.publish_reports(p, [2023])
    assert sorted(q.name for q in (link).iterdir()) == ["2023", "2024", "index.html"]

    pub.rollback(p, first)  # a version without reports: no link, never another publication's pages
    assert not link.exists() and not link.is_symlink()
    pub.rollback(p, second)
    assert link.resolve() == result.folder.resolve()

    _publication(tmp_path, "run-cccccccc", 3)  # a newer publication: its reports are not written yet
    assert not link.exists()
    assert not list(pub.publications_dir(p).glob("*/.reports.*"))


def test_a_failed_render_leaves_the_publication_as_it_was(tmp_path):
    """The real builder on a publication whose tables it cannot read: it raises; the DuckDB file,
    manifest, Parquet and CURRENT are unchanged, no reports folder, no half-written one, no link."""
    p, vid = _publication(tmp_path, "run-aaaaaaaa", 1)
    before = _fingerprint(p)
    with pytest.raises(Exception, match="county_name|Binder|not found"):
        report_publish.publish_reports(p, [2024])
    assert _fingerprint(p) == before
    version = pub.publications_dir(p) / vid
    assert not (version / "reports").exists() and not list(version.glob(".reports.*"))
    assert not pub.reports_link(p).exists()


def test_the_asset_fails_visibly_and_the_publication_stands(tmp_path):
    from orchestration.assets.reports import published_reports
    from orchestration.resources import JunhengConfig

    p, vid = _publication(tmp_path, "run-aaaaaaaa", 1)
    before = _fingerprint(p)
    result = dg.materialize([published_reports], partition_key="2024", raise_on_error=False,
                            resources={"junheng": JunhengConfig(landing_dir=str(tmp_path), warehouse_dir=str(tmp_path))},
                            instance=dg.DagsterInstance.ephemeral())
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure).event_specific_data.error
    text = json.dumps(failure.to_string() if hasattr(failure, "to_string") else str(failure))
    assert "reports not written for 2024" in text and f"publication {vid} stands" in text
    assert _fingerprint(p) == before


def test_the_asset_metadata_links_the_reports(tmp_path, monkeypatch):
    from orchestration.assets.reports import published_reports
    from orchestration.resources import JunhengConfig

    monkeypatch.setattr(report_publish, "build_reports", _fake_build)
    p, vid = _publication(tmp_path, "run-aaaaaaaa", 1)
    result = dg.materialize([published_reports], partition_key="2024",
                            resources={"junheng": JunhengConfig(landing_dir=str(tmp_path), warehouse_dir=str(tmp_path))},
                            instance=dg.DagsterInstance.ephemeral())
    meta = result.asset_materializations_for_node("published_reports")[0].metadata
    index = pub.publications_dir(p) / vid / "reports" / "index.html"
    assert meta["index"] == dg.MetadataValue.path(str(index))
    assert meta["index_url"] == dg.MetadataValue.url(index.as_uri())
    assert meta["publication_id"].value == vid
    assert "county-210302.html" in meta["county_reports"].value


def test_publications_list_shows_the_report_pages(tmp_path, monkeypatch, capsys):
    from orchestration.cli import main

    monkeypatch.setattr(report_publish, "build_reports", _fake_build)
    p, vid = _publication(tmp_path, "run-aaaaaaaa", 1)
    report_publish.publish_reports(p, [2024])
    assert main(["publications", "list", "--warehouse", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "report pages" in out and f"Reports (1 pages of publication {vid}): {tmp_path / 'published_reports' / 'index.html'}" in out


def test_the_reports_step_is_its_own_stage_in_the_printed_summary():
    from orchestration.progress import stage_of

    assert stage_of("published_reports") == "reports" and stage_of("published_marts") == "publication"


def test_the_cli_says_published_but_reports_not_written_and_exits_3(tmp_path, monkeypatch, capsys):
    from core.settings import Settings
    from orchestration import cli
    from orchestration.runner import RunOutcome

    for name in ("readiness_table", "equity_table", "roadmap_lines", "timetable_tables"):
        monkeypatch.setattr(cli, name, lambda *a, **k: "")
    outcome = RunOutcome(success=False, run_id="run-aaaaaaaa", seconds=1.0, materialized={"published_marts"},
                         reports_problem="reports not written for 2024: OSError: disk full")
    settings = Settings(landing=tmp_path, warehouse=tmp_path)
    assert cli._print_outcome(settings, 2024, "moe_2017", outcome) == 3
    out, err = capsys.readouterr()
    assert "Published:" in out and "BLOCKED" not in err
    assert "Reports NOT written: reports not written for 2024: OSError: disk full" in err
    blocked = RunOutcome(success=False, run_id="run-bbbbbbbb", seconds=1.0, problems=["check x failed"])
    assert cli._print_outcome(settings, 2024, "moe_2017", blocked) == 1
