"""Reports people read, built from a publication: a county self-evaluation report and a city
overview, as self-contained offline HTML (build.py), from published.duckdb only (data.py)."""

from publication.reports.build import ReportFile, build_reports

__all__ = ["ReportFile", "build_reports"]
