"""Reports people read, built from a publication: a county self-evaluation report and a city
overview, as self-contained offline HTML (build.py), from published.duckdb only (data.py), written
into the publication's version folder after it is published (publish.py)."""

from publication.reports.build import ReportFile, build_reports
from publication.reports.publish import PublishedReports, publish_reports

__all__ = ["PublishedReports", "ReportFile", "build_reports", "publish_reports"]
