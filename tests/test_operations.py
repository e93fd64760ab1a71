"""Schedules, the source freshness check and start-up configuration errors."""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone

import dagster as dg
import pytest

from mentorship.settings import Settings, SettingsError
from pipelines.definitions import defs


def test_schedules_evaluate_to_their_jobs():
    monthly = defs.resolve_schedule_def("monthly_refresh")
    assert monthly.cron_schedule == "0 6 2 * *" and monthly.job_name == "full_refresh"
    ctx = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 2, 2, 6, tzinfo=timezone.utc))
    requests = list(monthly.evaluate_tick(ctx).run_requests)
    assert len(requests) == 1
    daily = defs.resolve_schedule_def("daily_source_freshness")
    assert daily.job_name == "source_freshness_evaluation" and daily.cron_schedule == "0 7 * * *"
    assert len(list(daily.evaluate_tick(ctx).run_requests)) == 1


def test_the_freshness_job_rebuilds_nothing():
    job = defs.resolve_job_def("source_freshness_evaluation")
    assert not job.asset_layer.selected_asset_keys
    assert {k.name for k in job.asset_layer.asset_graph.asset_check_keys} == {"source_fresh"}


def test_freshness_warns_on_a_stale_source(tmp_path, monkeypatch):
    from assets.freshness import source_freshness

    landing = tmp_path / "landing"
    monkeypatch.setenv("MENTORSHIP_LANDING_DIR", str(landing))
    monkeypatch.setenv("MENTORSHIP_FRESHNESS_DAYS", "35")
    (landing / "employees").mkdir(parents=True)
    (landing / "meetings").mkdir(parents=True)
    fresh, stale = landing / "employees" / "e.csv", landing / "meetings" / "m.csv"
    fresh.write_text("x\n")
    stale.write_text("x\n")
    forty_days_ago = time.time() - 40 * 86400
    os.utime(stale, (forty_days_ago, forty_days_ago))
    results = {r.asset_key.path[0]: r for r in source_freshness()}
    assert results["raw_employees"].passed
    assert not results["raw_meetings"].passed and "40 days old" in results["raw_meetings"].description
    assert results["raw_meetings"].severity == dg.AssetCheckSeverity.WARN
    assert not results["raw_job_history"].passed and "no files" in results["raw_job_history"].description


@pytest.mark.parametrize("name,value,message", [
    ("MENTORSHIP_MIN_GROUP_SIZE", "five", "MENTORSHIP_MIN_GROUP_SIZE must be a whole number, got 'five'"),
    ("MENTORSHIP_MIN_GROUP_SIZE", "1", "at least 2"),
    ("MENTORSHIP_REFRESH_CRON", "monthly", "MENTORSHIP_REFRESH_CRON must be a cron expression"),
    ("MENTORSHIP_FRESHNESS_CRON", "0 25 * * *", "MENTORSHIP_FRESHNESS_CRON must be a cron expression"),
    ("MENTORSHIP_FRESHNESS_DAYS", "0", "MENTORSHIP_FRESHNESS_DAYS must be at least 1"),
    ("MENTORSHIP_AT_RISK_DAYS", "soon", "MENTORSHIP_AT_RISK_DAYS must be a whole number of days"),
    ("MENTORSHIP_ROI_FILE", "/nowhere/roi.yaml", "MENTORSHIP_ROI_FILE names /nowhere/roi.yaml, which is not a file"),
    ("MENTORSHIP_BOOTSTRAP", "-1", "MENTORSHIP_BOOTSTRAP must be at least 0, got -1"),
])
def test_configuration_errors_name_the_variable_and_the_value(name, value, message):
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env({name: value})
