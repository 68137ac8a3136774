"""The Dagster code location loads, with every asset, check and the year job, without parsing dbt."""

import time

import dagster as dg


def test_definitions_load_with_the_whole_graph():
    started = time.monotonic()
    from orchestration.definitions import YEAR_JOB, defs

    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    for feed in ("schools", "enrollment", "teachers", "facilities", "finance", "county_finance", "county_submission"):
        assert f"raw_{feed}" in keys and f"quarantine_{feed}" in keys
    for name in ("int_school_units", "int_school_unit_indicators", "county_coefficients", "fct_school_unit_indicators",
                 "fct_county_coefficients", "mart_county_level_resources", "mart_county_readiness", "published_marts"):
        assert name in keys
    job = defs.resolve_job_def(YEAR_JOB)
    assert job.partitions_def is not None and "2024" in job.partitions_def.get_partition_keys()
    checks = {k.name for k in defs.resolve_asset_graph().asset_check_keys}
    assert {"gx_feed_schools", "gx_mart_county_readiness", "students_reconcile_with_raw"} <= checks
    assert time.monotonic() - started < 30  # generous: the real figure is in `make bench`


def test_publish_is_downstream_of_every_mart_and_check_target():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    upstream = graph.get(dg.AssetKey("published_marts")).parent_keys
    assert {dg.AssetKey(t) for t in ("fct_school_unit_indicators", "fct_county_coefficients",
                                     "mart_county_level_resources", "mart_county_readiness")} <= upstream
