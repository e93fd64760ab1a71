"""Schedules, the source freshness check and start-up configuration errors."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import dagster as dg
import pytest

from mentorship.settings import Settings, SettingsError
from pipelines.definitions import build_definitions
from tests.conftest import TEST_HASH_KEY

defs = build_definitions()

#: Settings read from a dict rather than the environment need the key too (else they would generate a
#: key file in the project's data folder).
KEY = {"MENTORSHIP_HASH_KEY": TEST_HASH_KEY}


def test_schedules_evaluate_to_their_jobs():
    monthly = defs.resolve_schedule_def("monthly_refresh")
    assert monthly.cron_schedule == "0 6 2 * *" and monthly.job_name == "full_refresh"
    ctx = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 2, 2, 6, tzinfo=UTC))
    requests = list(monthly.evaluate_tick(ctx).run_requests)
    assert len(requests) == 1
    # On 2 February the month that just closed, January, is loaded.
    assert requests[0].tags["dagster/asset_partition_range_start"] == "2026-01"
    assert requests[0].tags["dagster/asset_partition_range_end"] == "2026-01"
    new_year = dg.build_schedule_context(scheduled_execution_time=datetime(2027, 1, 2, 6, tzinfo=UTC))
    assert (
        next(iter(monthly.evaluate_tick(new_year).run_requests)).tags["dagster/asset_partition_range_start"]
        == "2026-12"
    )
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
    results = {next(iter(c.check_keys)).asset_key.path[0]: c() for c in source_freshness}
    assert results["raw_employees"].passed
    assert not results["raw_meetings"].passed and "40 days old" in results["raw_meetings"].description
    assert results["raw_meetings"].severity == dg.AssetCheckSeverity.WARN
    assert not results["raw_job_history"].passed and "no files" in results["raw_job_history"].description


@pytest.mark.parametrize(
    "name,value,message",
    [
        ("MENTORSHIP_MIN_GROUP_SIZE", "five", "MENTORSHIP_MIN_GROUP_SIZE must be a whole number, got 'five'"),
        ("MENTORSHIP_MIN_GROUP_SIZE", "1", "at least 2"),
        ("MENTORSHIP_MIN_GROUP_SIZE", "0", "MENTORSHIP_MIN_GROUP_SIZE must be at least 2, got 0"),
        ("MENTORSHIP_MIN_GROUP_SIZE", "-5", "MENTORSHIP_MIN_GROUP_SIZE must be at least 2, got -5"),
        ("MENTORSHIP_MIN_GROUP_SIZE", "", "MENTORSHIP_MIN_GROUP_SIZE must be a whole number, got ''"),
        ("MENTORSHIP_LEADERSHIP_EXPORT", "maybe", "MENTORSHIP_LEADERSHIP_EXPORT must be one of 1, true"),
        ("MENTORSHIP_REFRESH_CRON", "monthly", "MENTORSHIP_REFRESH_CRON must be a cron expression"),
        ("MENTORSHIP_FRESHNESS_CRON", "0 25 * * *", "MENTORSHIP_FRESHNESS_CRON must be a cron expression"),
        ("MENTORSHIP_FRESHNESS_DAYS", "0", "MENTORSHIP_FRESHNESS_DAYS must be at least 1"),
        ("MENTORSHIP_AT_RISK_DAYS", "soon", "MENTORSHIP_AT_RISK_DAYS must be a whole number of days"),
        (
            "MENTORSHIP_DUCKDB_MEMORY",
            "lots",
            "MENTORSHIP_DUCKDB_MEMORY must be an amount such as 4GB or 512MB, got 'lots'",
        ),
        (
            "MENTORSHIP_ROI_FILE",
            "/nowhere/roi.yaml",
            "MENTORSHIP_ROI_FILE names /nowhere/roi.yaml, which is not a file",
        ),
        ("MENTORSHIP_BOOTSTRAP", "-1", "MENTORSHIP_BOOTSTRAP must be at least 0, got -1"),
        ("MENTORSHIP_COMPARISON_MAX", "500", "MENTORSHIP_COMPARISON_MAX must be at least 1000, got 500"),
        ("MENTORSHIP_HORIZONS", "12,two", "MENTORSHIP_HORIZONS must be whole months between 1 and 120"),
        ("MENTORSHIP_HORIZONS", "0,12", "got '0,12'"),
        (
            "MENTORSHIP_CI_METHOD",
            "jackknife",
            "MENTORSHIP_CI_METHOD must be one of influence, bootstrap, got 'jackknife'",
        ),
        ("MENTORSHIP_BOOTSTRAP_BELOW", "few", "MENTORSHIP_BOOTSTRAP_BELOW must be a whole number of people, got 'few'"),
    ],
)
def test_configuration_errors_name_the_variable_and_the_value(name, value, message):
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env({**KEY, name: value})


def test_the_comparison_sample_size_is_configurable_and_reaches_the_effect_step():
    from assets.resources import PipelineSettings

    assert Settings.from_env(KEY).comparison_max == 600_000
    settings = Settings.from_env({**KEY, "MENTORSHIP_COMPARISON_MAX": "2000"})
    assert PipelineSettings.from_settings(settings).effect_settings().comparison_max == 2000


def test_the_interval_method_is_configurable_and_reaches_the_effect_step():
    from assets.resources import PipelineSettings

    default = PipelineSettings.from_settings(Settings.from_env(KEY)).effect_settings()
    assert (default.ci_method, default.bootstrap_below) == ("influence", 30)
    chosen = PipelineSettings.from_settings(
        Settings.from_env({**KEY, "MENTORSHIP_CI_METHOD": "Bootstrap", "MENTORSHIP_BOOTSTRAP_BELOW": "0"})
    ).effect_settings()
    assert (chosen.ci_method, chosen.bootstrap_below) == ("bootstrap", 0)


def test_the_duckdb_memory_ceiling_is_configurable_and_reaches_the_warehouse(tmp_path):
    import duckdb

    from pipelines.resources import warehouse

    assert Settings.from_env(KEY).duckdb_memory == "4GB"
    assert Settings.from_env({**KEY, "MENTORSHIP_DUCKDB_MEMORY": "512MB"}).duckdb_memory == "512MB"

    def limit(con):
        return con.execute("select current_setting('memory_limit')").fetchall()[0][0]

    with warehouse(str(tmp_path / "w.duckdb"), "512MB").get_connection() as con:
        assert limit(con) == limit(duckdb.connect(config={"memory_limit": "512MB"})) != limit(duckdb.connect())


def test_horizons_are_configurable():
    assert Settings.from_env({**KEY, "MENTORSHIP_HORIZONS": "24, 6"}).horizons == (6, 24)
    assert Settings.from_env(KEY).horizons == (6, 12, 24)


def test_a_dotenv_file_fills_what_the_environment_does_not_set(tmp_path, monkeypatch):
    from pipelines.cli import load_env_file

    monkeypatch.setenv("MENTORSHIP_MIN_GROUP_SIZE", "5")  # so that monkeypatch restores it afterwards
    monkeypatch.delenv("MENTORSHIP_MIN_GROUP_SIZE")
    monkeypatch.setenv("MENTORSHIP_FRESHNESS_DAYS", "20")
    env_file = tmp_path / ".env"
    env_file.write_text("MENTORSHIP_MIN_GROUP_SIZE=11\nMENTORSHIP_FRESHNESS_DAYS=90\n")
    assert load_env_file(env_file)
    settings = Settings.from_env()
    assert settings.min_group_size == 11 and settings.freshness_days == 20  # the environment wins


@pytest.mark.parametrize(
    "months, message",
    [
        ("2025-13", "month '2025-13' is not a partition"),
        ("2019-12:2020-02", "month '2019-12' is not a partition: months run from 2020-01"),
        ("2025-03:2025-01", "the range 2025-03:2025-01 ends before it starts"),
    ],
)
def test_a_bad_month_range_is_refused_before_anything_runs(months, message, tmp_path, monkeypatch, capsys):
    from pipelines.cli import main

    monkeypatch.setenv("MENTORSHIP_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("MENTORSHIP_DATA_DIR", str(tmp_path))
    assert main(["run", "--months", months]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "landing").exists()  # nothing was generated or run


def test_the_generator_options_reach_the_generated_files(tmp_path, monkeypatch):
    import json

    from pipelines.cli import main

    monkeypatch.setenv("MENTORSHIP_DATA_DIR", str(tmp_path))
    argv = ["generate", "--employees", "80", "--years", "1", "--start", "2023-01-01", "--format", "parquet"]
    assert main([*argv, "--no-effects", "--seed", "3"]) == 0
    files = sorted(p.relative_to(tmp_path / "landing").as_posix() for p in (tmp_path / "landing").rglob("*.*"))
    assert files and all(f.endswith(".parquet") for f in files)
    assert {f.split("/")[-1][-15:-8] for f in files if f.startswith("meetings/")} <= {
        f"2023-{m:02d}" for m in range(1, 13)
    }
    truth = json.loads((tmp_path / "truth" / "planted_truth.json").read_text())
    assert truth["config"]["n_employees"] == 80 and truth["config"]["seed"] == 3
    assert truth["config"]["start"] == "2023-01-01" and truth["config"]["years"] == 1
    assert truth["planted"]["promotion_hazard_ratio_at_dose_1"] == 1.0  # no effect planted
    assert truth["planted"]["voluntary_exit_hazard_ratio"] == 1.0
