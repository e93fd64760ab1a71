"""Monthly partitions: a month's files are its partition, re-loading a month is delete-then-insert,
re-running gives identical tables and a backfill of three months equals three single-month runs."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from mentorship.landing import FileContractError, file_month, landing_months, load_raw
from mentorship.synthetic import SyntheticConfig, generate
from tests.conftest import build

INGEST = dg.AssetSelection.groups("raw", "validated")
MONTHLY = ("job_history", "meetings", "survey_responses")
TABLES = [f"{layer}.{s}" for layer in ("raw", "validated") for s in MONTHLY] + ["validated.quarantine"]


@pytest.mark.parametrize(
    "name, month",
    [
        ("meetings_2025-03.csv", "2025-03"),
        ("hr_2025_11_extract.parquet", "2025-11"),
        ("survey_2024-02_v2_2024-03.csv", "2024-03"),
        ("meetings.csv", None),
        ("meetings_2025-13.csv", None),
        ("export_20250301.csv", None),
    ],
)
def test_the_month_comes_from_the_file_name(name, month):
    assert file_month(name) == month


@pytest.fixture(scope="module")
def org(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("months")
    generate(root / "landing", SyntheticConfig(n_employees=200, seed=11), root / "truth.json")
    return root / "landing"


def snapshot(db: Path) -> dict:
    """Every partitioned table's content, whatever the load time."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for t in TABLES:
            cols = [f'"{r[0]}"' for r in con.execute(f"describe {t}").fetchall() if "loaded_at" not in r[0]]
            out[t] = con.execute(f"select {', '.join(cols)} from {t} order by all").fetchall()
        return out
    finally:
        con.close()


def test_raw_months_load_independently_and_idempotently(org, tmp_path):
    con = duckdb.connect()
    load_raw(con, "meetings", org)
    whole = con.execute("select * exclude (_loaded_at) from raw.meetings order by all").fetchall()
    months = landing_months(org)
    assert con.execute("select count(distinct _month) from raw.meetings").fetchone()[0] > 3

    fresh = duckdb.connect()
    for m in months:  # month by month, into an empty warehouse
        load_raw(fresh, "meetings", org, months=[m])
    assert fresh.execute("select * exclude (_loaded_at) from raw.meetings order by all").fetchall() == whole
    load_raw(fresh, "meetings", org, months=months[2:5])  # a re-run changes nothing
    assert fresh.execute("select * exclude (_loaded_at) from raw.meetings order by all").fetchall() == whole

    # A month withdrawn from the landing folder empties that month only, when that month is re-loaded.
    landing = tmp_path / "landing"
    shutil.copytree(org, landing)
    month = file_month(sorted((landing / "meetings").glob("*.csv"))[3])
    (landing / "meetings" / f"meetings_{month}.csv").unlink()
    load_raw(fresh, "meetings", landing, months=[month])
    left = fresh.execute("select _month, count(*) from raw.meetings group by 1").fetchall()
    assert month not in dict(left) and sum(n for _, n in left) == len(whole) - sum(1 for r in whole if r[1] == month)


def test_a_file_without_a_month_is_refused_and_nothing_is_replaced(org, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(org, landing)
    con = duckdb.connect()
    load_raw(con, "meetings", landing)
    before = con.execute("select count(*) from raw.meetings").fetchone()[0]
    shutil.copy(sorted((landing / "meetings").glob("*.csv"))[0], landing / "meetings" / "meetings_latest.csv")
    with pytest.raises(FileContractError, match=r"meetings_latest\.csv: has no month in its name.*YYYY-MM"):
        load_raw(con, "meetings", landing, months=["2023-01"])
    assert con.execute("select count(*) from raw.meetings").fetchone()[0] == before


def test_a_file_whose_month_no_partition_holds_is_refused_not_left_out(org, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(org, landing)
    shutil.copy(sorted((landing / "meetings").glob("*.csv"))[0], landing / "meetings" / "meetings_2019-05.csv")
    with pytest.raises(
        FileContractError,
        match=r"meetings_2019-05\.csv: names the month 2019-05, outside the "
        r"months this pipeline keeps \(2020-01 to 2026-11\)",
    ):
        load_raw(duckdb.connect(), "meetings", landing, months=["2022-05"], month_span=("2020-01", "2026-11"))


def _change_three_months(landing: Path) -> list[str]:
    """Corrections to three consecutive months: a row dropped and a value changed in each month's
    meetings, and one month's job history withdrawn. Returns the months."""
    files = sorted((landing / "meetings").glob("*.csv"))[4:7]
    for f in files:
        rows = list(csv.reader(io.StringIO(f.read_text(), newline="")))
        rows[1][rows[0].index("duration_minutes")] = "75"
        buf = io.StringIO(newline="")
        csv.writer(buf, lineterminator="\n").writerows(rows[:-1])
        f.write_text(buf.getvalue())
    months = [file_month(f) for f in files]
    (landing / "job_history" / f"job_history_{months[1]}.csv").unlink()
    return months


@pytest.mark.slow  # whole runs one after another: `make test-slow` (CI runs it)
def test_backfill_of_three_months_equals_three_single_month_runs_and_reruns_change_nothing(org, tmp_path):
    base, backfill, singles, scratch = (tmp_path / d for d in ("base", "backfill", "singles", "scratch"))
    for root in (base, backfill, singles, scratch):
        root.mkdir()
    assert build(base, org, selection=INGEST).success
    landing = tmp_path / "landing"
    shutil.copytree(org, landing)
    months = _change_three_months(landing)

    for root in (backfill, singles):
        shutil.copy(base / "warehouse.duckdb", root / "warehouse.duckdb")
    result = build(backfill, landing, months=(months[0], months[-1]), selection=INGEST)
    assert result.success
    raw_runs = [e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == "raw_meetings"]
    assert sorted(e.partition for e in raw_runs) == months  # one run, three partitions
    for m in months:
        assert build(singles, landing, months=(m, m), selection=INGEST).success
    after_backfill = snapshot(backfill / "warehouse.duckdb")
    assert after_backfill == snapshot(singles / "warehouse.duckdb")

    # The corrections arrived: the changed months differ from before, and equal a rebuild from scratch.
    assert after_backfill["raw.meetings"] != snapshot(base / "warehouse.duckdb")["raw.meetings"]
    assert build(scratch, landing, selection=INGEST).success
    assert after_backfill == snapshot(scratch / "warehouse.duckdb")

    assert build(backfill, landing, months=(months[1], months[1]), selection=INGEST).success
    assert snapshot(backfill / "warehouse.duckdb") == after_backfill
