"""The landing sensor (new, unchanged and changed files) and the failure notice, against a loopback
HTTP server."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import dagster as dg
import pytest

from pipelines.definitions import build_definitions
from pipelines.sensors import blocked_run_report, landing_files_sensor, notify_failure, run_failure_notice

#: The code location the sensors run in: the asset graph and the months come from it.
DEFS = build_definitions()


@pytest.fixture
def landing(tmp_path, monkeypatch):
    monkeypatch.setenv("MENTORSHIP_LANDING_DIR", str(tmp_path / "landing"))
    (tmp_path / "landing" / "employees").mkdir(parents=True)
    return tmp_path / "landing"


def evaluate(cursor=None):
    ctx = dg.build_sensor_context(cursor=cursor, definitions=DEFS)
    result = landing_files_sensor(ctx)
    return result, ctx.cursor


def test_new_file_requests_a_run_the_same_file_does_not_and_a_changed_file_does(landing):
    result, cursor = evaluate()
    assert isinstance(result, dg.SkipReason)
    f = landing / "employees" / "employees_2025_01.csv"
    f.write_text("employee_id,hire_date\nE1,2020-01-01\n")
    first, cursor = evaluate(cursor)
    assert isinstance(first, dg.RunRequest) and "employees/employees_2025_01.csv" in first.tags["mentorship/files"]
    again, cursor = evaluate(cursor)
    assert isinstance(again, dg.SkipReason)
    os.utime(f, ns=(1, 1))  # touched, same content: still no run
    touched, cursor = evaluate(cursor)
    assert isinstance(touched, dg.SkipReason)
    f.write_text("employee_id,hire_date\nE1,2020-01-02\n")
    changed, cursor = evaluate(cursor)
    assert isinstance(changed, dg.RunRequest) and changed.run_key != first.run_key
    # Without the cursor (a fresh sensor), the same content gives the same run key: Dagster then
    # refuses the duplicate, so a file is never processed twice.
    replay, _ = evaluate()
    assert replay.run_key == evaluate()[0].run_key


def test_a_dangling_link_requests_a_run_so_the_missing_month_is_reported(landing):
    """A link to an unmounted share is a change: the run it starts blocks the source naming the file,
    where skipping it would let the month vanish without an alert."""
    _, cursor = evaluate()
    link = landing / "employees" / "employees_2025_02.csv"
    link.symlink_to(landing / "share_not_mounted" / "employees_2025_02.csv")
    first, cursor = evaluate(cursor)
    assert isinstance(first, dg.RunRequest) and "employees/employees_2025_02.csv" in first.tags["mentorship/files"]
    assert isinstance(evaluate(cursor)[0], dg.SkipReason)  # still dangling: not a new change


def test_files_with_other_suffixes_in_a_source_folder_request_a_run_so_they_are_reported(landing):
    _, cursor = evaluate()
    (landing / "job_history").mkdir()
    for name in ("job_history_2023-04.xls", "job_history_2023-05.csv.gz", "job_history_2023-06.txt", "x.csv "):
        (landing / "job_history" / name).write_bytes(b"rows")
    (landing / "job_history" / ".DS_Store").write_bytes(b"hidden")
    request, cursor = evaluate(cursor)
    assert isinstance(request, dg.RunRequest)
    assert set(request.tags["mentorship/files"].split(", ")) == {
        "job_history/job_history_2023-04.xls",
        "job_history/job_history_2023-05.csv.gz",
        "job_history/job_history_2023-06.txt",
        "job_history/x.csv ",
    }
    assert isinstance(evaluate(cursor)[0], dg.SkipReason)


def test_a_new_month_reloads_that_month_of_its_source_and_everything_downstream(landing):
    _, cursor = evaluate()
    (landing / "meetings").mkdir()
    (landing / "meetings" / "meetings_2025-03.csv").write_text("meeting_id,pair_id,meeting_date\nM1,P1,2025-03-04\n")
    (landing / "meetings" / "meetings_2025-05.csv").write_text("meeting_id,pair_id,meeting_date\nM2,P1,2025-05-04\n")
    request, cursor = evaluate(cursor)
    assert request.tags["dagster/asset_partition_range_start"] == "2025-03"
    assert request.tags["dagster/asset_partition_range_end"] == "2025-05"
    selected = {k.to_user_string() for k in request.asset_selection}
    assert {"raw_meetings", "validated_meetings", "effect_estimates", "dashboards"} <= selected
    assert "raw_job_history" not in selected and "raw_survey_responses" not in selected
    # A snapshot source's new extract needs no month: the monthly raw assets are left alone.
    (landing / "employees" / "employees.csv").write_text("employee_id,hire_date\nE1,2020-01-01\n")
    request, _ = evaluate(cursor)
    selected = {k.to_user_string() for k in request.asset_selection}
    assert "raw_employees" in selected and "raw_meetings" not in selected and "cohort_members" in selected
    assert "dagster/asset_partition_range_start" not in request.tags


class _Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Hook.received
    server.shutdown()


def test_failure_notice_posts_to_the_webhook(webhook):
    url, received = webhook
    assert notify_failure("run abc FAILED", url) == 200
    assert received == [("application/json", {"text": "run abc FAILED"})]


def test_failure_sensor_logs_and_posts_a_failed_run(webhook, monkeypatch):
    url, received = webhook
    monkeypatch.setenv("MENTORSHIP_WEBHOOK_URL", url)

    result, ctx = _failed_run("broken", "run_failure_notice")
    assert not result.success
    run_failure_notice(ctx)
    assert len(received) == 1
    text = received[0][1]["text"]
    assert result.run_id[:8] in text and "FAILED" in text and "broken" in text


def _failed_run(name: str, sensor: str = "blocked_run_report"):
    """A run whose one asset, ``name``, fails; and the failure sensor context for it."""

    @dg.asset(name=name)
    def fails():
        raise ValueError("bad extract: employees.csv line 7")

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([fails], instance=instance, raise_on_error=False)
    failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
    ctx = dg.build_run_status_sensor_context(
        sensor_name=sensor,
        dagster_event=failure,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    )
    return result, ctx.for_run_failure()


def test_a_run_blocked_in_the_ingest_layers_asks_for_the_validation_report():
    """The report is a reporting asset, which a run blocked by bad input never reaches: the sensor runs it."""
    result, ctx = _failed_run("validated_meetings")
    request = blocked_run_report(ctx)
    assert isinstance(request, dg.RunRequest) and request.run_key == f"validation_report:{result.run_id}"
    # A failure elsewhere (a crash in the effect step, a refused setting) leaves the report alone.
    assert isinstance(blocked_run_report(_failed_run("effect_estimates")[1]), dg.SkipReason)
