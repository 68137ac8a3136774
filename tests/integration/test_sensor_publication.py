"""The landing sensor knows what is published (issue 32): after a CLI run it launches nothing for the
feeds it published, and launches the year again when one of its files changes — whoever published it."""

from __future__ import annotations

import hashlib
import json
import os

import dagster as dg
import duckdb

from tests.integration.helpers import copy_published


def _tick(landing, wh, cursor=None):
    from core.settings import Settings
    from orchestration.definitions import build_definitions
    from orchestration.resources import JunhengConfig

    defs = build_definitions(Settings(landing=landing, warehouse=wh))
    sensor = defs.resolve_sensor_def("landing_files")
    junheng = JunhengConfig(landing_dir=str(landing), warehouse_dir=str(wh))
    with dg.instance_for_test() as instance:
        with dg.build_sensor_context(instance=instance, cursor=cursor, resources={"junheng": junheng}) as ctx:
            result = sensor(ctx)
            return result, ctx.cursor


def test_a_year_published_by_the_cli_is_not_run_again_until_a_file_changes(worked_example_published, tmp_path):
    landing, wh = copy_published(worked_example_published, tmp_path, landing=True)
    # the publication says which bytes it was computed from: each delivered file's SHA-256, by hand here
    con = duckdb.connect(str(wh / "published.duckdb"), read_only=True)
    try:
        inventory = dict(con.execute("select source_file, source_sha256 from feed_inventory where year = 2024")
                         .fetchall())
    finally:
        con.close()
    assert inventory and all(hashlib.sha256((landing / f).read_bytes()).hexdigest() == h for f, h in inventory.items())

    # a first tick (no cursor: a new instance, the UI after `make demo`): nothing to run
    result, cursor = _tick(landing, wh)
    assert isinstance(result, dg.SkipReason), result
    assert len(json.loads(cursor)) == 1  # one short entry per year, not every path and hash
    assert len(cursor) < 200

    # a file touched, its bytes unchanged: still what is published
    touched = landing / next(iter(inventory))
    os.utime(touched, ns=(1, 1))
    result, cursor2 = _tick(landing, wh, cursor)
    assert isinstance(result, dg.SkipReason), result
    # a file the publication was not computed from: the year runs again, keyed by its content
    (landing / "2024" / "county_plan.csv").write_text("county_code,planned_year\n210302,2025\n", encoding="utf-8")
    result, _ = _tick(landing, wh, cursor2)
    assert [r.partition_key for r in result] == ["2024"] and result[0].run_key.startswith("landing-2024-")
