"""One partition per school year (by its autumn: 2024 = the 2024/25 year), and the years of a run: one
derivation, from the run's tags, for its steps, its checks, the run failure sensor and the CLI."""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg

FIRST_YEAR = "2015"

yearly_partitions = dg.TimeWindowPartitionsDefinition(
    start=FIRST_YEAR, fmt="%Y", cron_schedule="0 0 1 1 *", timezone="Asia/Shanghai", end_offset=1,
)
# A backfill over many years runs as one run: one writer on DuckDB, one dbt invocation.
single_run = dg.BackfillPolicy.single_run()


# Dagster's run tags: one partition, or the range of a single-run backfill (`junheng run --since`, the UI)
PARTITION_TAG = "dagster/partition"
RANGE_START_TAG, RANGE_END_TAG = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def all_years() -> list[int]:
    """Every year a run may be for, in order."""
    return [int(k) for k in yearly_partitions.get_partition_keys()]


def range_tags(first: int, last: int) -> dict[str, str]:
    """The tags of one run over the years first..last (what a single-run backfill carries)."""
    return {RANGE_START_TAG: str(first), RANGE_END_TAG: str(last)}


def run_years(tags: Mapping[str, str]) -> list[int]:
    """The years a run is for, from its tags: its partition, or every year of its range; [] when the
    run is not partitioned."""
    start = tags.get(RANGE_START_TAG) or tags.get(PARTITION_TAG)
    end = tags.get(RANGE_END_TAG) or start
    return [] if start is None else list(range(int(start), int(end) + 1))


def partition_years(context) -> list[int]:
    """The years of the run a step or a check belongs to."""
    years = run_years(context.run.tags)
    if not years:
        raise dg.Failure("this step runs inside a partitioned run (one year or a range of years)")
    return years


def per_year(metadata: dict[int, dict]) -> dict:
    """Asset metadata for the run's partitions. A range run records one materialization per partition
    with the same metadata, so a figure summed over the range would show on each year as if it were
    that year's: with one year the keys are plain, with several each key names its year."""
    if len(metadata) == 1:
        return next(iter(metadata.values()))
    return {f"{key} ({year})": value for year, values in sorted(metadata.items()) for key, value in values.items()}
