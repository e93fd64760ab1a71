"""A clean console: a run blocked by bad input prints the CLI's one-screen summary and no stack trace
(the UI keeps the full error); a genuine crash keeps its traceback on the console."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from mentorship.settings import PROJECT_DIR
from mentorship.synthetic import SyntheticConfig, generate
from pipelines.console import cli_console_logger

TINY = SyntheticConfig(n_employees=200, seed=3)
TRACES = ("Traceback", "Stack Trace")


@pytest.fixture(scope="module")
def tiny_landing(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("console")
    generate(root / "landing", TINY, root / "truth.json")
    return root / "landing"


def empty_extra_file(landing: Path) -> None:
    (landing / "employees" / "extra.csv").write_bytes(b"")


def implausible_birth_year_in_one_row_in_ten(landing: Path) -> None:
    path = landing / "employees" / "employees.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(), newline="")))
    i = rows[0].index("birth_year")
    for r in rows[1::10]:
        r[i] = "1850"
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)


BLOCKED = {
    # id: (corruption, the employees line of the validation summary, a detail line, the failed check)
    "files_usable": (
        empty_extra_file,
        "employees         file error",
        "file extra.csv: is empty (0 bytes)",
        "raw_employees: files_usable",
    ),
    "reject_share": (
        implausible_birth_year_in_one_row_in_ten,
        "employees         blocked",
        "range on birth_year",
        "validated_employees: reject_share",
    ),
}


@pytest.mark.parametrize("name", list(BLOCKED))
def test_a_blocked_run_prints_the_summary_without_stack_traces(tiny_landing, tmp_path, name):
    corrupt, status_line, detail, check = BLOCKED[name]
    landing = tmp_path / "landing"
    shutil.copytree(tiny_landing, landing)
    corrupt(landing)
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    # Only this run's settings: other tests in this process may have set paths in the environment.
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("MENTORSHIP_") or k.startswith("MENTORSHIP_HASH_KEY")
    }
    env.update(
        {
            "MENTORSHIP_DATA_DIR": str(tmp_path / "data"),
            "MENTORSHIP_LANDING_DIR": str(landing),
            "DAGSTER_HOME": str(home),
        }
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", "--select", "raw_employees", "validated_employees"],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    for trace in TRACES:
        assert trace not in out
    # The console's failure lines name the check, on one line each.
    failures = [
        line for line in proc.stderr.splitlines() if " - STEP_FAILURE - " in line or " - RUN_FAILURE - " in line
    ]
    # The run's failure line always shows; the step's own line usually precedes it (Dagster has been seen to
    # leave it off the console under load, never in the event log). Each that shows is one line naming the check.
    assert any(" - RUN_FAILURE - " in line for line in failures), proc.stderr
    assert 1 <= len(failures) <= 2 and all(f"the blocking check {check} failed" in line for line in failures), failures
    # The CLI's summary is intact: the source, what is wrong, the failing step, the report.
    summary = proc.stderr[proc.stderr.index("Data validation") :]
    assert status_line in summary and detail in summary
    step = check.split(":")[0]
    assert f"FAILED {step}: " in summary and check in summary
    assert "FAILED before any asset ran" not in summary  # the step ran; it was its check that failed
    assert str(tmp_path / "data" / "dashboards" / "validation_report.html") in summary
    assert "failed; downstream assets did not run and the last good tables are kept" in summary
    assert len(summary.splitlines()) < 20


# ---------------------------------------------------------------------------------------------
# The console logger on its own, in process: blocked against crashed


@dg.asset(check_specs=[dg.AssetCheckSpec("usable", asset="checked", blocking=True)])
def checked():
    yield dg.Output(1)
    yield dg.AssetCheckResult(check_name="usable", passed=False, description="a bad file")


@dg.asset
def crashing():
    raise ValueError("an unexpected bug in the asset")


@dg.asset(deps=[checked])
def downstream():
    pass


def _run_with_cli_logger(*assets, instance=None) -> dg.ExecuteInProcessResult:
    job = dg.Definitions(assets=list(assets), jobs=[dg.define_asset_job("j")]).resolve_job_def("j")
    return job.with_logger_defs({"console": cli_console_logger}).execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
    )


def test_the_console_logger_drops_the_stack_of_a_blocked_step_but_storage_keeps_it(capfd):
    instance = dg.DagsterInstance.ephemeral()
    result = _run_with_cli_logger(checked, downstream, instance=instance)
    err = capfd.readouterr().err
    assert not result.success
    # The step that did not run is in the event log (the UI), not on the console.
    assert "Not executing" not in err
    assert any(
        "Dependencies for step downstream" in entry.user_message and "Not executing" in entry.user_message
        for entry in instance.all_logs(result.run_id)
    )
    assert "Stack Trace" not in err and "DagsterAssetCheckFailedError" not in err
    assert err.count("Blocked by bad input: the blocking check checked: usable failed") == 2
    # The event log (what the UI shows) still has the error in full.
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert failure.step_failure_data.error.cls_name == "DagsterAssetCheckFailedError"
    assert failure.step_failure_data.error.stack


def test_a_crash_keeps_its_traceback_on_the_console_once(capfd):
    result = _run_with_cli_logger(crashing)
    err = capfd.readouterr().err
    assert not result.success
    assert "ValueError: an unexpected bug in the asset" in err
    assert err.count("Stack Trace") == 1 and 'raise ValueError("an unexpected bug in the asset")' in err
    assert "Blocked by bad input" not in err
    assert "The step's error and traceback are above." in err  # the run failure does not repeat it
