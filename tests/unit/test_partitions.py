"""The years of a run (orchestration/partitions.py): one derivation, from the run's tags, that its steps,
its checks, the run-failure record and the CLI share. Checked on real in-process runs of the project's
yearly partitions: a step and a blocking check of the same run see the same years."""

import dagster as dg

from orchestration.partitions import all_years, partition_years, range_tags, run_years, yearly_partitions


def test_run_years_from_tags():
    assert run_years({"dagster/partition": "2024"}) == [2024]
    assert run_years(range_tags(2018, 2021)) == [2018, 2019, 2020, 2021]
    assert run_years({"dagster/partition": "2024", **range_tags(2022, 2024)}) == [2022, 2023, 2024]
    assert run_years({}) == []


def test_the_years_a_run_may_be_for_start_in_2015_and_are_ints():
    years = all_years()
    assert years[0] == 2015 and years == list(range(2015, years[-1] + 1))


def _job(seen: dict):
    @dg.asset(partitions_def=yearly_partitions, backfill_policy=dg.BackfillPolicy.single_run())
    def step(context) -> None:
        seen["step"] = partition_years(context)

    @dg.asset_check(asset=step, blocking=True)
    def check(context):
        seen["check"] = partition_years(context)
        return dg.AssetCheckResult(passed=True)

    defs = dg.Definitions(assets=[step], asset_checks=[check],
                          jobs=[dg.define_asset_job("j", partitions_def=yearly_partitions)])
    return defs.resolve_job_def("j")


def test_a_step_and_its_check_see_the_runs_years():
    seen: dict = {}
    job = _job(seen)
    with dg.DagsterInstance.ephemeral() as instance:
        assert job.execute_in_process(partition_key="2020", instance=instance).success
        assert seen == {"step": [2020], "check": [2020]}
        assert job.execute_in_process(instance=instance, tags=range_tags(2018, 2020)).success
        assert seen == {"step": [2018, 2019, 2020], "check": [2018, 2019, 2020]}


def test_a_check_outside_a_partitioned_run_says_so():
    seen: dict = {}

    @dg.asset
    def plain() -> None:
        pass

    @dg.asset_check(asset=plain)
    def check(context):
        seen["years"] = partition_years(context)
        return dg.AssetCheckResult(passed=True)

    result = dg.materialize([plain, check], instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    failures = [e for e in result.all_events if e.is_step_failure]
    assert "years" not in seen and len(failures) == 1
    assert "runs inside a partitioned run" in failures[0].event_specific_data.user_failure_data.description
