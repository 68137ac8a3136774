"""End to end through the Dagster UI's API: a real `dagster dev` (webserver + daemon) on 127.0.0.1,
a three-year asset backfill launched through GraphQL, and the published marts holding the three years."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from core.settings import REPO_ROOT
from orchestration.environment import DAGSTER_YAML
from tests import worked_example

YEARS = ["2022", "2023", "2024"]
LAUNCH = """
mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message stack }
    ... on PartitionKeysNotFoundError { message }
  }
}"""
STATUS = """
query($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill { status }
    ... on PythonError { message }
  }
}"""
RUNS = """
query($id: String!) {
  runsOrError(filter: {tags: [{key: "dagster/backfill", value: $id}]}) {
    __typename
    ... on Runs { results { runId status } }
    ... on PythonError { message }
  }
}"""
LOGS = """
query($runId: ID!, $after: String) {
  logsForRun(runId: $runId, afterCursor: $after) {
    __typename
    ... on EventConnection {
      hasMore
      cursor
      events {
        __typename
        ... on MessageEvent { message }
        ... on ErrorEvent { error { message cause { message } } }
        ... on AssetCheckEvaluationEvent { evaluation { checkName success description } }
      }
    }
    ... on PythonError { message }
  }
}"""
ASSETS = "{ assetNodes { assetKey { path } isPartitioned } }"
FINAL = ("COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        payload = json.loads(r.read())
    assert "errors" not in payload, payload
    return payload["data"]


@pytest.fixture
def dagster_dev(tmp_path):
    landing, wh, home = tmp_path / "landing", tmp_path / "wh", tmp_path / "dagster_home"
    for y in YEARS:
        worked_example.write(landing, year=int(y))
    home.mkdir()
    (home / "dagster.yaml").write_text(DAGSTER_YAML, encoding="utf-8")
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "JUNHENG_LANDING": str(landing), "JUNHENG_WAREHOUSE": str(wh),
           "JUNHENG_AUTOMATION": "off", "DAGSTER_DISABLE_TELEMETRY": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    log = open(tmp_path / "dagster_dev.log", "w")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "dagster"), "dev", "-h", "127.0.0.1", "-p", str(port),
                             "-w", str(REPO_ROOT / "workspace.yaml")],
                            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                _graphql(port, "{ version }")
                break
            except OSError:
                assert proc.poll() is None, (tmp_path / "dagster_dev.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "dagster dev did not answer in 120 s"
                time.sleep(1)
        yield port, wh, tmp_path
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _launch(port: int, keys: list, years: list[str]) -> str:
    """Launch an asset backfill of `years` through GraphQL; its id."""
    launched = _graphql(port, LAUNCH, {"params": {"partitionNames": years, "assetSelection": keys,
                                                  "title": "test backfill"}})["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    return launched["backfillId"]


def _status(port: int, backfill_id: str) -> str:
    """The backfill's final status, waited for. The daemon looks at backfills every 30 s: a backfill is
    marked complete at its first look after its run ended."""
    deadline = time.monotonic() + 600
    status = None
    while time.monotonic() < deadline:
        status = _graphql(port, STATUS, {"id": backfill_id})["partitionBackfillOrError"]["status"]
        if status in FINAL:
            break
        time.sleep(1)
    return status


def _runs_ended(port: int, backfill_id: str) -> list[str]:
    """The statuses of the backfill's runs once it has some and every one has ended (before the
    daemon's next look marks the backfill itself complete)."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        runs = [r["status"] for r in _graphql(port, RUNS, {"id": backfill_id})["runsOrError"]["results"]]
        if runs and all(r in ("SUCCESS", "FAILURE", "CANCELED") for r in runs):
            return runs
        if not runs and _graphql(port, STATUS, {"id": backfill_id})["partitionBackfillOrError"]["status"] in FINAL:
            return runs  # ended without a run
        time.sleep(1)
    return runs


def _messages(port: int, backfill_id: str) -> str:
    """The backfill's runs' event log as one text, as the UI's run page shows it: every message, each
    step failure's error (and its cause), and each failed check with its description."""
    runs = _graphql(port, RUNS, {"id": backfill_id})["runsOrError"]["results"]
    out = []
    for r in runs:
        events, after = [], None
        while True:  # page by page (the server's page is 1,000 events): the check's result comes last
            logs = _graphql(port, LOGS, {"runId": r["runId"], "after": after})["logsForRun"]
            assert logs["__typename"] == "EventConnection", logs
            events += logs["events"]
            if not logs["hasMore"]:
                break
            after = logs["cursor"]
        for e in events:
            out.append(e.get("message") or "")
            error = e.get("error") or {}
            out += [error.get("message") or "", (error.get("cause") or {}).get("message") or ""]
            check = e.get("evaluation")
            if check and not check["success"]:
                out.append(f"check {check['checkName']} failed: {check.get('description') or ''}")
    return "\n".join(out)


def test_graphql_backfill_of_three_years_publishes_them(dagster_dev):
    port, wh, tmp = dagster_dev
    nodes = _graphql(port, ASSETS)["assetNodes"]
    keys = [{"path": n["assetKey"]["path"]} for n in nodes if n["isPartitioned"]]
    assert {"path": ["published_marts"]} in keys
    backfill = _launch(port, keys, YEARS)
    assert _runs_ended(port, backfill) == ["SUCCESS"], (tmp / "dagster_dev.log").read_text()[-3000:]
    con = duckdb.connect(str(wh / "published.duckdb"), read_only=True)
    try:
        years = [r[0] for r in con.execute("select distinct year from fct_county_coefficients order by 1").fetchall()]
        runs = con.execute("select count(*) from publication_log").fetchone()[0]
        b5 = con.execute("select cv from fct_county_coefficients where ruleset = 'basic_2012' and "
                         "indicator_code = 'B5' and level = 'primary' order by year").fetchall()
        # the tables across years (issue 14) came with the backfill, built in its run, over its years
        progress = [r[0] for r in con.execute("select distinct year from mart_city_progress order by 1").fetchall()]
        as_of = con.execute("select distinct as_of_year, years_held from mart_county_timetable").fetchall()
    finally:
        con.close()
    assert years == [int(y) for y in YEARS]
    assert runs == 1  # one single-run backfill: one writer, one publication
    assert len(b5) == len(YEARS) and all(abs(cv - 0.5153) < 0.0005 for (cv,) in b5)
    assert progress == [int(y) for y in YEARS]
    assert as_of == [(int(YEARS[-1]), len(YEARS))]

    # Issue 10: the year's landing folder disappears (an unmounted share) and 2023 is backfilled again
    # from the UI: the run fails, and neither the publication nor the year's raw rows change.
    # Issue 14's guard on this path too: a past year's working rows no longer match its publication
    # (as after a run of it that failed its checks). A run of 2024 launched from the UI must not carry
    # them into the published timetable: the run fails on the guard and the publication is unchanged.
    # Both are launched at once, without waiting for the daemon to mark the first backfill complete
    # (it looks every 30 s): one look launches both runs, one at a time (max_concurrent_runs 1).
    before = (wh / "published.duckdb").read_bytes()
    shutil.rmtree(tmp / "landing" / "2023")
    con = duckdb.connect(str(wh / "junheng.duckdb"))
    try:
        raw_before = con.execute("select count(*) from raw_schools where year = 2023").fetchone()[0]
        con.execute("update mart_county_readiness set status = 'ready' where year = 2022")
    finally:
        con.close()
    again = _launch(port, keys, ["2023"])
    guarded = _launch(port, keys, ["2024"])
    assert _runs_ended(port, again) == ["FAILURE"], (tmp / "dagster_dev.log").read_text()[-3000:]
    assert _runs_ended(port, guarded) == ["FAILURE"], (tmp / "dagster_dev.log").read_text()[-3000:]
    assert (wh / "published.duckdb").read_bytes() == before
    con = duckdb.connect(str(wh / "junheng.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from raw_schools where year = 2023").fetchone()[0] == raw_before > 0
    finally:
        con.close()
    status = _status(port, backfill)
    assert status in ("COMPLETED", "COMPLETED_SUCCESS"), (status, (tmp / "dagster_dev.log").read_text()[-3000:])
    status = _status(port, again)
    assert status in ("COMPLETED_FAILED", "FAILED"), status
    # why each failed, from the runs' event logs: the missing landing, and the guard naming 2022
    assert "no schools rows" in _messages(port, again)
    guard = _messages(port, guarded)
    assert "check timeline_inputs_match_publication failed" in guard, guard[-3000:]
    assert "2022: mart_county_readiness" in guard, guard[-3000:]
