"""The Dagster instance's storage (orchestration/storage.py): Dagster's SQLite files, written faster.

What a user relies on: the UI, the daemon and any Dagster tool read the runs our storage wrote, as
Dagster's own storage would (checked by reading them back through Dagster's stock class); an instance
folder written by an older junheng is brought up to date, a user's own dagster.yaml never touched."""

import time
from pathlib import Path

import dagster as dg
from dagster._core.events import DagsterEvent, DagsterEventType, StepMaterializationData
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from orchestration import storage
from orchestration.environment import dagster_home, instance_yaml


def _materialization(run_id: str, key: str) -> EventLogEntry:
    event = DagsterEvent(event_type_value=DagsterEventType.ASSET_MATERIALIZATION.value, job_name="junheng_year",
                         event_specific_data=StepMaterializationData(
                             dg.AssetMaterialization(asset_key=key, partition="2024")))
    return EventLogEntry(error_info=None, level=10, user_message="", run_id=run_id, timestamp=time.time(),
                         dagster_event=event)


def test_a_run_recorded_through_our_storage_reads_back_through_dagsters_own(tmp_path):
    home = dagster_home(tmp_path / "wh")
    instance = dg.DagsterInstance.from_config(str(home))
    assert isinstance(instance.event_log_storage, storage.JunhengSqliteEventLogStorage)

    @dg.asset(partitions_def=dg.StaticPartitionsDefinition(["2024"]))
    def county_readiness() -> None:
        return None

    result = dg.materialize([county_readiness], instance=instance, partition_key="2024")
    assert result.success
    instance.dispose()

    stock = SqliteEventLogStorage(str(home / "history" / "runs"))  # Dagster's class, as a plain UI would
    events = stock.get_logs_for_run(result.run_id)
    kinds = [e.dagster_event.event_type for e in events if e.dagster_event]
    assert DagsterEventType.RUN_SUCCESS in kinds and DagsterEventType.ASSET_MATERIALIZATION in kinds
    latest = stock.get_latest_materialization_events([dg.AssetKey("county_readiness")])
    assert latest[dg.AssetKey("county_readiness")].run_id == result.run_id  # the cross-run index too
    stock.dispose()


def test_the_kept_engines_are_bounded_and_every_event_is_stored(tmp_path):
    log = storage.JunhengSqliteEventLogStorage(str(tmp_path))
    runs = [f"run{i}" for i in range(3 * storage.KEPT_ENGINES)]
    for run_id in runs:
        for k in range(5):
            log.store_event(_materialization(run_id, f"mart_{k}"))
        assert len(log._engines) <= storage.KEPT_ENGINES
    for run_id in runs:  # an engine pushed out of the cache closed nothing that was written
        assert len(log.get_logs_for_run(run_id)) == 5
    log.dispose()
    assert not log._engines


def test_an_instance_folder_written_by_junheng_is_updated_and_a_users_own_left_alone(tmp_path):
    old = tmp_path / "old" / "dagster_home"
    old.mkdir(parents=True)
    (old / "dagster.yaml").write_text("# Written by junheng. An older version.\ntelemetry:\n  enabled: false\n",
                                      encoding="utf-8")
    dagster_home(tmp_path / "old")
    assert (old / "dagster.yaml").read_text(encoding="utf-8") == instance_yaml(old)

    mine = tmp_path / "mine" / "dagster_home"
    mine.mkdir(parents=True)
    (mine / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    dagster_home(tmp_path / "mine")
    assert (mine / "dagster.yaml").read_text(encoding="utf-8") == "telemetry:\n  enabled: false\n"


def test_the_ui_config_in_the_repository_is_the_one_the_cli_writes_with_dagster_home_for_its_folder():
    repo = Path(__file__).resolve().parents[2]
    assert (repo / "orchestration" / "dagster.yaml").read_text(encoding="utf-8") == instance_yaml(None)
