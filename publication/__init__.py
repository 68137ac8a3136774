"""Write-audit-publish: the published tables (catalog), the atomic publication with its versions and
Parquet files (publish), the data dictionary and the printed summaries read from published.duckdb."""
