"""A run killed mid-materialization (SIGKILL) leaves a readable, consistent warehouse and the next run
completes; a reader holding the warehouse open does not make a run fail on DuckDB's lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from mentorship.landing import landing_files
from mentorship.synthetic import SyntheticConfig, generate

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny_landing(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("recovery")
    generate(root / "landing", SyntheticConfig(n_employees=300, seed=5), root / "truth.json")
    return root / "landing"


def cli_env(tmp_path: Path, landing: Path) -> dict:
    env = {
        **os.environ,
        "MENTORSHIP_DATA_DIR": str(tmp_path / "data"),
        "MENTORSHIP_LANDING_DIR": str(landing),
        "MENTORSHIP_BOOTSTRAP": "5",
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("MENTORSHIP_DUCKDB", None)  # set by other tests' imports of the definitions
    (tmp_path / "dagster_home").mkdir(exist_ok=True)
    return env


def start_run(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "run"],
        env=env,
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def consistent(db: Path, landing: Path) -> dict:
    """Every table opens and reads; raw holds exactly the landing rows; validation reconciles."""
    con = duckdb.connect(str(db))
    try:
        tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        counts = {f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t in tables}
        for source in ("job_history", "meetings"):
            if f"raw.{source}" in counts:
                files = {p.name for p in landing_files(landing, source)}
                got = {r[0] for r in con.execute(f"select distinct _source_file from raw.{source}").fetchall()}
                assert got == files, f"raw.{source} holds a partial load"
        return counts
    finally:
        con.close()


@pytest.mark.slow  # whole runs one after another: `make test-slow` (CI runs it)
def test_a_run_killed_mid_write_leaves_a_readable_warehouse_and_the_next_run_completes(tiny_landing, tmp_path):
    env = cli_env(tmp_path, tiny_landing)
    db = tmp_path / "data" / "warehouse" / "mentorship.duckdb"
    proc = start_run(env)
    seen = []
    # Kill when the largest source is being loaded: mid-materialization, whatever the machine's speed.
    for line in proc.stdout:
        seen.append(line)
        if "survey_responses: read survey_responses_" in line and len(seen) > 5:
            os.killpg(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "".join(seen[-20:])
    before = consistent(db, tiny_landing)
    assert "raw.job_history" in before  # the run got far enough to have written something

    rerun = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run"],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "succeeded" in rerun.stdout
    after = consistent(db, tiny_landing)
    assert after["analytics.effect_estimates"] > 0 and after["validated.survey_responses"] > 0


def test_a_reader_holding_the_warehouse_does_not_fail_a_run(tiny_landing, tmp_path):
    env = cli_env(tmp_path, tiny_landing)
    db = tmp_path / "data" / "warehouse" / "mentorship.duckdb"
    db.parent.mkdir(parents=True)
    duckdb.connect(str(db)).close()
    # A notebook's read-only connection, held until the run's first writing step has started and
    # then for two seconds more: the run's connection retries with back-off (for up to about a
    # minute and a half) instead of failing on the lock.
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); print('open', flush=True); "
                "sys.stdin.readline(); con.close()"
            ),
            str(db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout.readline().strip() == "open"
    run = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "run", "--select", "raw_employees", "validated_employees"],
        env=env,
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    out = []
    for line in run.stdout:
        out.append(line)
        if "employees: loading every file" in line:
            time.sleep(2)
            reader.stdin.write("done\n")
            reader.stdin.flush()
            break
    assert reader.wait(timeout=60) == 0, "the reader never saw the run's writing step start"
    out.extend(run.stdout)
    assert run.wait(timeout=600) == 0, "".join(out[-40:])
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from validated.employees").fetchone()[0] > 0
    con.close()
