"""Schedule, landing sensor and failure sensor: what they launch, and when they stay quiet."""

import datetime as dt
import http.server
import json
import os
import threading
from pathlib import Path

import dagster as dg

from ingestion.landing import scan_landing
from orchestration.automation import (
    failure_record,
    nightly_years,
    post_webhook,
    record_failure,
)
from orchestration.resources import JunhengConfig


def _landing(tmp_path: Path) -> Path:
    for year in (2023, 2024):
        (tmp_path / str(year)).mkdir()
        (tmp_path / str(year) / "schools.csv").write_text(f"school_id\n{year}\n", encoding="utf-8")
    (tmp_path / "2024" / "notes.txt").write_text("not a feed", encoding="utf-8")
    (tmp_path / "misc").mkdir()
    return tmp_path


def test_scan_finds_new_years_then_nothing_until_content_changes(tmp_path):
    landing = _landing(tmp_path)
    state, changed = scan_landing(landing, {})
    assert sorted(changed) == [2023, 2024]
    state2, changed2 = scan_landing(landing, state)
    assert changed2 == {}
    path = landing / "2024" / "schools.csv"
    os.utime(path, ns=(1, 1))  # touched, same bytes: not a change
    state3, changed3 = scan_landing(landing, state2)
    assert changed3 == {}
    path.write_text("school_id\nchanged\n", encoding="utf-8")
    _, changed4 = scan_landing(landing, state3)
    assert list(changed4) == [2024] and changed4[2024] != changed[2024]


def test_new_feed_file_in_a_year_is_a_change(tmp_path):
    landing = _landing(tmp_path)
    state, _ = scan_landing(landing, {})
    (landing / "2023" / "teachers.csv").write_text("school_id\n1\n", encoding="utf-8")
    _, changed = scan_landing(landing, state)
    assert list(changed) == [2023]


def test_the_scan_watches_every_file_the_loads_would_read_even_one_they_refuse(tmp_path):
    # schools delivered as .xls: the schools step refuses it, naming the file, so the year must launch
    from ingestion.admission import launchable_years

    (tmp_path / "2024").mkdir()
    (tmp_path / "2024" / "Schools.XLS").write_bytes(b"an old Excel file")
    (tmp_path / "2024" / "school.csv").write_text("school_id\n1\n", encoding="utf-8")  # names no feed
    state, changed = scan_landing(tmp_path, {})
    assert list(changed) == [2024] and list(state) == ["2024"]
    assert launchable_years(tmp_path, [2024]) == ([2024], [])


def test_nightly_takes_the_latest_years(tmp_path):
    landing = _landing(tmp_path)
    assert nightly_years(landing) == [2024]
    assert nightly_years(landing, 2) == [2023, 2024]
    assert nightly_years(tmp_path / "missing") == []


def _defs(tmp_path):
    from core.settings import Settings
    from orchestration.definitions import build_definitions

    return build_definitions(Settings(landing=_landing(tmp_path / "landing"), warehouse=tmp_path / "wh"))


def test_landing_sensor_requests_one_run_per_changed_year_with_a_content_key(tmp_path):
    (tmp_path / "landing").mkdir()
    defs = _defs(tmp_path)
    sensor = defs.resolve_sensor_def("landing_files")
    junheng = JunhengConfig(landing_dir=str(tmp_path / "landing"), warehouse_dir=str(tmp_path / "wh"))
    with dg.instance_for_test() as instance:
        with dg.build_sensor_context(instance=instance, resources={"junheng": junheng}) as ctx:
            requests = sensor(ctx)
            cursor = ctx.cursor
        assert sorted(r.partition_key for r in requests) == ["2023", "2024"]
        assert all(r.run_key.startswith(f"landing-{r.partition_key}-") for r in requests)
        with dg.build_sensor_context(instance=instance, cursor=cursor, resources={"junheng": junheng}) as ctx:
            again = sensor(ctx)
        assert isinstance(again, dg.SkipReason)
    assert not (tmp_path / "wh" / ".junheng.lock").exists()  # a sensor tick never takes the run lock


def test_nightly_schedule_has_a_stable_run_key(tmp_path):
    (tmp_path / "landing").mkdir()
    defs = _defs(tmp_path)
    schedule = defs.resolve_schedule_def("nightly_refresh")
    junheng = JunhengConfig(landing_dir=str(tmp_path / "landing"), warehouse_dir=str(tmp_path / "wh"))
    when = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    runs = []
    for _ in range(2):
        with dg.build_schedule_context(scheduled_execution_time=when, resources={"junheng": junheng}) as ctx:
            runs.append(schedule(ctx))
    assert [r.run_key for r in runs[0]] == ["nightly-2026-11-30-2024"]
    assert [r.run_key for r in runs[1]] == [r.run_key for r in runs[0]]
    assert schedule.execution_timezone == "Asia/Shanghai" and schedule.cron_schedule == "0 2 * * *"


def test_failures_are_recorded_and_posted_to_a_webhook(tmp_path):
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server API
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    record = failure_record("run-1", "junheng_year", {"dagster/partition": "2024"}, "step failed",
                            dt.datetime(2026, 11, 29, tzinfo=dt.UTC))
    path = record_failure(tmp_path, record)
    assert json.loads(path.read_text(encoding="utf-8").splitlines()[0])["years"] == "2024"
    status = post_webhook(f"http://127.0.0.1:{server.server_port}/hook", record)
    thread.join(5)
    server.server_close()
    assert status == 204 and received == [record]
