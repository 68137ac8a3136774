"""The reports of a publication, written into its version folder after it is published.

    <warehouse>/publications/<id>/reports/   index.html, <year>/<ruleset>/county-<code>.html, city-<code>.html
    <warehouse>/published_reports            link to the current publication's reports/

They are built from the version's own DuckDB file into a hidden folder of the version, renamed
into place in one step, then the link is swapped. A failure leaves the publication as it is
(its DuckDB file, Parquet and manifest are never touched here) and no half-written reports; the
caller reports it.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from core.settings import DEFAULT_RULESET
from publication.publish import REPORTS_DIR, current_publication, publications_dir, reports_link, swap_link
from publication.reports.build import ReportFile, build_reports


@dataclass(frozen=True)
class PublishedReports:
    publication_id: str
    folder: Path  # publications/<id>/reports
    link: Path  # <warehouse>/published_reports
    pages: list[ReportFile]

    @property
    def index(self) -> Path:
        return self.folder / "index.html"


def publish_reports(published_db: Path, years: list[int], ruleset: str = DEFAULT_RULESET) -> PublishedReports:
    """Write the reports of `years` (every county and city held, `ruleset`) for the current
    publication — beside the pages of other years it already has, which come from the same file —
    and point `published_reports` at them."""
    vid = current_publication(published_db)
    if vid is None:
        raise FileNotFoundError(f"no publication in {publications_dir(published_db)} to write reports for")
    version = publications_dir(published_db) / vid
    staging = version / f".{REPORTS_DIR}.{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    final = version / REPORTS_DIR
    try:
        if final.is_dir():
            shutil.copytree(final, staging)
        pages = build_reports(version / published_db.name, staging, years, ruleset)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    aside = version / f".{REPORTS_DIR}.{os.getpid()}.old"
    if final.exists():
        os.replace(final, aside)
    os.replace(staging, final)
    shutil.rmtree(aside, ignore_errors=True)
    if current_publication(published_db) == vid:  # not rolled back meanwhile (one writer holds the lock)
        swap_link(reports_link(published_db), final, vid)
    moved = [ReportFile(p.kind, p.code, p.name, p.year, p.ruleset, p.status, final / p.path.relative_to(staging))
             for p in pages]
    return PublishedReports(vid, final, reports_link(published_db), moved)
