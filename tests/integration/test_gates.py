"""Every blocking gate shown to fail on a real run: the year job (the one the UI launches), on a copy of
the worked example's good publication, after the working warehouse was put in the state the gate
exists for. Each test shows the run failing, the message naming the gate, and `published.duckdb`
byte-identical. The other gates are tripped where their faults are tested:

| gate | tripped by |
|---|---|
| a feed's GX suite (`gx_feed_<feed>`) | ti/test_pipeline.py::test_a_failing_check_publishes_nothing_and_keeps_the_last_good_file |
| a mart's GX suite (`gx_<mart>`) | here |
| `timeline_inputs_match_publication` | ti/test_timeline_demo.py |
| `students_reconcile_with_raw` | here |
| a dbt data test (here `unique_combination` of `stg_census__schools`) | here |
| `school_rule_holds_under_plan` (a dbt data test on the roadmap) | here |
| the landing gate (no schools rows, a feed gone, a shorter file) | ti/test_no_shrink.py |
| the publication's shrink guard (`guard_against_shrink`) | ti/test_bad_input.py::test_a_delivery_that_would_evaluate_a_county_no_more_is_refused |
| a file-level fault | ti/test_bad_input.py::test_a_file_level_fault_prints_the_projects_message_on_every_path |

Why tamper with the working warehouse: a correct pipeline never makes these gates fail from a
delivery alone — they guard against a step's bug, a stale table, a half-done load. Tampering puts
the warehouse in exactly that state, and the run is the real job over the assets a data engineer
would re-materialize from the UI.
"""

import hashlib
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from core.settings import Settings
from orchestration.environment import dagster_home, ensure_offline_env
from orchestration.runner import failure_text
from tests.integration.helpers import copy_published

YEAR = 2024


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def copied(worked_example_published, tmp_path):
    return copy_published(worked_example_published, tmp_path)


def tamper(wh: Path, *statements: str) -> None:
    con = duckdb.connect(str(wh / "junheng.duckdb"))
    try:
        for sql in statements:
            con.execute(sql)
    finally:
        con.close()


def run_selected(landing: Path, wh: Path, keys: list[str] | None = None,
                 exclude_groups: tuple[str, ...] = ()) -> tuple[bool, list[str], set[str]]:
    """The year job over `keys` (or every asset outside `exclude_groups`), with their checks:
    (success, what failed — each check and step with its message, as the UI shows them, steps
    materialized)."""
    from orchestration.definitions import YEAR_JOB, build_definitions

    ensure_offline_env()
    defs = build_definitions(Settings(landing=landing, warehouse=wh))
    job = defs.resolve_job_def(YEAR_JOB)
    graph = defs.resolve_asset_graph()
    if keys is not None:
        selected = [dg.AssetKey(k) for k in keys]
    else:
        selection = dg.AssetSelection.all() - dg.AssetSelection.assets("dbt_docs")
        for group in exclude_groups:
            selection = selection - dg.AssetSelection.groups(group)
        selected = list(selection.resolve(graph))
    instance = dg.DagsterInstance.from_config(str(dagster_home(wh)))
    try:
        result = job.execute_in_process(partition_key=str(YEAR), instance=instance, raise_on_error=False,
                                        asset_selection=selected, run_config={
                                            "loggers": {"console": {"config": {"log_level": "CRITICAL"}}}})
    finally:
        instance.dispose()
    failed = [f"check {ev.check_name} failed — {ev.description}" for ev in result.get_asset_check_evaluations()
              if not ev.passed]
    failed += [f"step {ev.step_key} failed — {failure_text(ev.event_specific_data)}"
               for ev in result.all_events if ev.is_step_failure]
    done = {ev.asset_key.to_user_string() for ev in result.get_asset_materialization_events()}
    return result.success, failed, done


def trip(copied, sql: str, keys: list[str] | None = None, exclude_groups: tuple[str, ...] = ()) -> list[str]:
    """Tamper with the working warehouse (`sql`), run the year job over `keys` (or every asset outside
    `exclude_groups`), and show what every gate test shows: the run failed, nothing was published, the
    published file is byte-identical. Returns what failed, for the test to find its gate in."""
    landing, wh = copied
    before = sha(wh / "published.duckdb")
    tamper(wh, sql)
    ok, failed, done = run_selected(landing, wh, keys, exclude_groups)
    assert not ok and "published_marts" not in done
    assert sha(wh / "published.duckdb") == before
    return failed


def test_students_that_do_not_reconcile_with_raw_block_publication(copied):
    # raw changed after the intermediate tables were built (a half-done load): the mart, rebuilt from
    # them, holds 100 pupils fewer than raw now (school 1 of county 210302)
    failed = trip(copied, f"update raw_enrollment set students = students + 100 where year = {YEAR} "
                          "and _row_number = 2", ["mart_county_level_resources", "published_marts"])
    (check,) = [f for f in failed if f.startswith("check students_reconcile_with_raw failed")]
    assert "mart 302 vs raw 402" in check  # the 302 pupils of the worked example, 100 more in raw now


def test_a_failing_dbt_data_test_blocks_publication(copied):
    # a school row twice among the valid rows (what a loader bug would leave): stg_census__schools'
    # unique_combination test fails in the dbt step, before any mart is built
    failed = trip(copied, f"insert into raw_schools select * from raw_schools where year = {YEAR} "
                          "and _row_number = 2", exclude_groups=("ingestion",))
    assert any("unique_combination_stg_census__schools" in f for f in failed), failed


def test_a_plan_that_leaves_a_school_failing_blocks_publication(copied):
    # the planner's additions lost (its table left behind by a failed step): the plans still say they
    # pass, but school 2's R2 stays 0 backbone teachers per 100 pupils, under 85 % of the standard
    failed = trip(copied, f"update plan_unit_additions set value_planned = value_now, addition = 0, "
                          f"unit_gain = 0, cost_yuan = 0 where year = {YEAR}",
                  ["mart_school_roadmap", "mart_county_roadmap", "published_marts"])
    assert any("school_rule_holds_under_plan" in f for f in failed), failed


def test_a_mart_failing_its_great_expectations_suite_blocks_publication(copied):
    # the coefficient step's table holds a negative coefficient (a CV is never below 0): the mart built
    # from it fails its suite's expect_column_values_to_be_between(cv, 0)
    failed = trip(copied, f"update county_coefficients set cv = -0.5 where year = {YEAR}",
                  ["fct_county_coefficients", "published_marts"])
    (check,) = [f for f in failed if f.startswith("check gx_fct_county_coefficients failed")]
    assert "cv" in check
