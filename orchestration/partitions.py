"""One partition per school year (by its autumn: 2024 = the 2024/25 year)."""

from __future__ import annotations

import dagster as dg

FIRST_YEAR = "2015"

yearly_partitions = dg.TimeWindowPartitionsDefinition(
    start=FIRST_YEAR, fmt="%Y", cron_schedule="0 0 1 1 *", timezone="Asia/Shanghai", end_offset=1,
)
# A backfill over many years runs as one run: one writer on DuckDB, one dbt invocation.
single_run = dg.BackfillPolicy.single_run()


def partition_years(context) -> list[int]:
    """The years of this run's partition (or partition range), as integers."""
    window = context.partition_time_window
    return list(range(window.start.year, window.end.year))


def per_year(metadata: dict[int, dict]) -> dict:
    """Asset metadata for the run's partitions. A range run records one materialization per partition
    with the same metadata, so a figure summed over the range would show on each year as if it were
    that year's: with one year the keys are plain, with several each key names its year."""
    if len(metadata) == 1:
        return next(iter(metadata.values()))
    return {f"{key} ({year})": value for year, values in sorted(metadata.items()) for key, value in values.items()}
