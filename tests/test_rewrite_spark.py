"""The Spark pass of the rewrite (``mentorship.engines.spark_sql``) on small inline tables: each query
runs as written on DuckDB and rewritten on Spark, and the two results must be the same table (the
golden checksum: row count and sorted rows)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from assets.sql import macros
from mentorship.engines import DuckEngine, ForeignTableError, open_engine
from mentorship.engines.golden import digest, first_difference
from mentorship.settings import EngineSettings
from tests.engines import ARG_NULLS, ARG_NULLS_SQL, spark_ready

pytestmark = pytest.mark.xdist_group("engines")

D = dt.date
LEFT = pa.table(
    {
        "k": ["a", "a", "a", "a", "b", "c", None, "a"],
        "d": [
            D(2024, 1, 1),
            D(2024, 1, 15),
            D(2024, 2, 1),
            D(2023, 12, 31),
            D(2024, 3, 1),
            D(2024, 3, 1),
            D(2024, 3, 1),
            None,
        ],
        "n": [1, 2, 3, 4, 5, 6, 7, 8],
    }
)
# Ties: two identical right rows on 2024-01-15; "c" has no right rows at all.
RIGHT = pa.table(
    {
        "k": ["a", "a", "a", "a", "b", "b"],
        "d": [D(2024, 1, 1), D(2024, 1, 15), D(2024, 1, 15), D(2024, 2, 10), D(2024, 3, 1), D(2024, 2, 1)],
        "v": [10, 20, 20, 30, 40, 50],
    }
)
CALENDAR = pa.table(
    {
        "a": [
            D(2024, 1, 31),
            D(2023, 1, 31),
            D(2024, 2, 29),
            D(2024, 3, 31),
            D(2023, 12, 31),
            D(2024, 5, 31),
            D(2024, 1, 1),
        ],
        "b": [
            D(2024, 2, 29),
            D(2023, 3, 1),
            D(2025, 2, 28),
            D(2024, 4, 30),
            D(2024, 1, 1),
            D(2024, 5, 31),
            D(2026, 7, 15),
        ],
    }
)


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    spark_ready()
    con = duckdb.connect()
    duck = DuckEngine(con)
    spark = open_engine(EngineSettings(engine="spark", spark_warehouse=tmp_path_factory.mktemp("spark") / "warehouse"))
    tables = {"validated.l": LEFT, "validated.r": RIGHT, "validated.cal": CALENDAR}
    duck.write_tables(tables)
    spark.write_tables(tables)
    yield duck, spark
    spark.close()
    con.close()


def same(engines, sql: str) -> pa.Table:
    duck, spark = engines
    theirs, ours = duck.fetch_arrow(sql), spark.fetch_arrow(sql)
    assert digest(ours) == digest(theirs), first_difference(ours, theirs)
    return theirs


@pytest.mark.parametrize(
    "condition",
    [
        "h.k = a.k and a.d >= h.d",
        "a.k = h.k and h.d <= a.d",  # the same, written the other way round
        "h.k = a.k and a.d > h.d",
        "h.k = a.k and a.d <= h.d",
        "h.k = a.k and h.d > a.d",
        "a.d >= h.d",  # no equality at all
    ],
)
@pytest.mark.parametrize("kind", ["left", "inner"])
def test_asof_join(engines, condition, kind):
    got = same(
        engines, f"select a.*, h.v, h.d as hd from validated.l as a asof {kind} join validated.r as h on {condition}"
    )
    # Every left row once (a left join), duplicates and unmatched rows included.
    if kind == "left":
        assert got.num_rows == LEFT.num_rows


def test_chained_asof_joins_and_a_later_join(engines):
    same(
        engines,
        """
        with r2 as (select k, d + 20 as d, v * 2 as v from validated.r)
        select a.n, h.v as v1, g.v as v2, x.v as v3
        from validated.l as a
        asof left join validated.r as h on h.k = a.k and a.d >= h.d
        asof left join r2 as g on g.k = a.k and a.d < g.d
        left join validated.r as x on x.k = a.k and x.d = a.d""",
    )


def test_arg_min_with_a_tuple(engines):
    same(
        engines,
        "select k, arg_min(v, (d, v)) as first_v, arg_max(v, (d, v)) as last_v, min(d) as first_d "
        "from validated.r group by all",
    )


def test_union_all_by_name(engines):
    same(
        engines,
        """
        with x as (select k, d, v from validated.r), y as (select v, k, 'extra' as e from validated.r)
        select * from x union all by name select * from y""",
    )
    # Three sides, the middle one nested: DuckDB reads them left to right.
    same(
        engines,
        """
        with x as (select k, d from validated.r), y as (select v, k from validated.r), z as (select n, d from validated.l)
        select * from x union all by name select * from y union all by name select * from z""",
    )


def test_calendar_arithmetic_at_month_ends(engines):
    same(
        engines,
        """
        select a, b,
               (a + to_months(1))::date as plus_one, (a - to_months(1))::date as minus_one,
               (a + to_months(13))::date as plus_13, (b - to_months(12))::date as minus_12,
               datediff('month', a, b) as months, datediff('day', a, b) as days,
               datediff('month', b, a) as months_back, a + 1 as next_day,
               strftime(a, '%Y-%m') as month, date_trunc('month', b)::date as month_start,
               datediff('day', a, b) / 30.4375 as months_approx
        from validated.cal""",
    )


def test_calendar_months_macro(engines):
    """The macros (to_months inside to_months) give DuckDB's calendar months at month ends."""
    duck, spark = engines
    sql = "select a, b, calendar_months(a, b) as m, whole_calendar_months(a, b) as w from validated.cal where a <= b"
    duck.con.execute("create schema if not exists analytics")
    duck.build("analytics.cal_months", sql, {}, macros())
    spark.build("analytics.cal_months", sql, {}, macros())
    same(engines, "select * from analytics.cal_months")


def test_month_series(engines):
    same(
        engines,
        "select unnest(generate_series(date_trunc('month', min(a)), date_trunc('month', max(b)), interval 1 month))::date "
        "as month from validated.cal",
    )


def test_hash_draw_is_a_number_below_a_million(engines):
    _, spark = engines
    got = (
        spark.fetch_arrow("select hash(k, $seed) % 1000000 as draw from validated.r", {"seed": 7}).column(0).to_pylist()
    )
    assert all(0 <= x < 1_000_000 for x in got)


# -- the engine: tables kept as marked Parquet folders ------------------------------------------------


def test_tables_outlive_the_catalog(engines, tmp_path):
    """A later process finds the tables an earlier one built: the folders are registered on opening."""
    _, spark = engines
    spark.build("analytics.kept", "select k, count(*) as n from validated.r group by k", {}, "")
    spark.spark.sql("drop table analytics.kept")  # as a new process starts: no catalog entry, the files stay
    again = open_engine(EngineSettings(engine="spark", spark_warehouse=spark.warehouse))
    assert again.count("analytics.kept") == 2


def test_foreign_tables_are_never_replaced(engines):
    _, spark = engines
    spark.spark.sql("create table analytics.theirs (x int) using parquet")  # not the pipeline's
    with pytest.raises(ForeignTableError, match=r"analytics\.theirs"):
        spark.check(["analytics.theirs"])
    with pytest.raises(ForeignTableError, match=r"analytics\.theirs"):
        spark.build("analytics.theirs", "select 1 as x", {}, "")
    assert spark.spark.catalog.tableExists("analytics.theirs")
    # A folder in the warehouse that the pipeline did not write is not overwritten either.
    folder = spark.warehouse / "analytics" / "stray"
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("someone's")
    with pytest.raises(ForeignTableError, match=r"analytics\.stray"):
        spark.write_tables({"analytics.stray": LEFT})
    assert (folder / "notes.txt").exists()


def test_a_bad_master_is_named(tmp_path):
    """Without Java, or with a master Spark cannot start on, the check names the setting (in a fresh
    process: this one's session is already up)."""
    spark_ready()
    code = (
        "from mentorship.engines import open_engine, EngineError\n"
        "from mentorship.settings import EngineSettings\n"
        "try:\n"
        f"    open_engine(EngineSettings(engine='spark', spark_master='nowhere://x', spark_warehouse=r'{tmp_path}'))\n"
        "except EngineError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=_env()).stdout
    assert "MENTORSHIP_SPARK_MASTER" in out and "nowhere://x" in out
    env = _env(PATH="/nonexistent", JAVA_HOME="")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env).stdout
    assert "Java" in out and "JAVA_HOME" in out


def _env(**changes):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1]), **changes}
    return {k: v for k, v in env.items() if v}


def test_arg_min_and_arg_max_with_nulls(engines):
    """DuckDB leaves out NULL values (and NULL single keys), and sorts a NULL inside a tuple key last."""
    for table in engines:
        table.write_tables({"validated.nulls": ARG_NULLS})
    same(engines, ARG_NULLS_SQL)
