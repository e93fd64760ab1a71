"""The PostgreSQL pass of the rewrite, one construct at a time: each query runs on tiny inline tables in
DuckDB and, rewritten, on a throwaway PostgreSQL server, and the two results must be the same rows."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pytest

from assets.sql import macros
from mentorship.engines import as_engine
from mentorship.engines.golden import _value
from mentorship.engines.postgres import PostgresEngine
from tests.engines import ARG_NULLS, ARG_NULLS_SQL, postgres_server

D = dt.date

HISTORY = pa.table(
    {
        "k": ["a", "a", "a", "a", "b", "b", "c"],
        "d": [D(2020, 1, 1), D(2020, 3, 1), D(2020, 3, 1), D(2020, 6, 1), D(2020, 2, 1), None, D(2021, 1, 1)],
        # The tie on ("a", 2020-03-01) carries one value, as the models' ties do (promotions counted together).
        "v": [1, 2, 2, 3, 10, 11, 20],
    }
)
PROBES = pa.table(
    {
        "id": [1, 2, 3, 4, 5, 6, 7, 8, 9],
        "k": ["a", "a", "a", "a", "a", "b", "b", "c", "z"],
        "d": [
            D(2019, 12, 31),
            D(2020, 1, 1),
            D(2020, 2, 15),
            D(2020, 3, 1),
            D(2020, 7, 1),
            D(2020, 2, 1),
            None,
            D(2020, 6, 1),
            D(2020, 6, 1),
        ],
    }
)
PAIRS = pa.table(
    {
        "person": ["p", "p", "p", "q", "q", "r"],
        "pair_id": ["P3", "P2", "P1", "P5", "P4", "P6"],
        "start_date": [D(2020, 5, 1), D(2020, 1, 1), D(2020, 1, 1), D(2021, 1, 1), D(2021, 2, 1), D(2021, 1, 1)],
        "program": ["x", None, "y", "x", "y", None],
        "salary": [100.0, 200.0, 300.0, 50.0, 70.0, 80.0],
        "minutes": [30, 45, 60, 30, 31, 7],
    }
)
DATES = pa.table(
    {
        "s": [D(2020, 1, 31), D(2020, 1, 31), D(2019, 12, 15), D(2020, 2, 29), D(2020, 3, 31), D(2020, 5, 10)],
        "e": [D(2020, 2, 29), D(2020, 3, 1), D(2020, 1, 14), D(2021, 2, 28), D(2020, 3, 31), D(2020, 4, 1)],
    }
)
TABLES = {"validated.history": HISTORY, "validated.probes": PROBES, "validated.pairs": PAIRS, "validated.dates": DATES}


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    duck = duckdb.connect()
    for table, data in TABLES.items():
        duck.execute(f"create schema if not exists {table.split('.')[0]}")
        duck.register("data", data)
        duck.execute(f"create table {table} as select * from data")
        duck.unregister("data")
    with postgres_server(tmp_path_factory.mktemp("pg") / "pg") as url:
        pg = PostgresEngine(url, "the test server")
        pg.check([])
        pg.write_tables(TABLES)
        pg.url = url
        yield duck, pg
        pg.close()
    duck.close()


def rows(table: pa.Table, ordered: bool = False) -> list[tuple]:
    cols = [c.to_pylist() for c in table.columns]
    out = [tuple(_value(c[i]) for c in cols) for i in range(table.num_rows)]
    return out if ordered else sorted(out)


def same(engines, sql: str, ordered: bool = False, **kw) -> list[tuple]:
    """DuckDB's rows of ``sql`` and the rewritten query's rows on PostgreSQL, checked equal."""
    duck, pg = engines
    if kw.get("macros"):
        duck.execute(macros())
    theirs = duck.sql(sql).arrow()
    theirs = theirs.read_all() if hasattr(theirs, "read_all") else theirs
    with pg.conn.cursor() as cur:
        cur.execute(pg.sql(sql, **kw))
        ours = cur.fetch_arrow_table()
    pg.conn.rollback()
    assert ours.column_names == theirs.column_names
    assert rows(ours, ordered) == rows(theirs, ordered)
    return rows(theirs, ordered)


@pytest.mark.parametrize(
    "condition",
    [
        "a.d >= h.d",
        "h.d <= a.d",
        "a.d > h.d",
        "h.d < a.d",
        "a.d <= h.d",
        "a.d < h.d",
        "h.d >= a.d",
    ],
)
@pytest.mark.parametrize("kind", ["asof left join", "asof inner join", "asof join"])
def test_asof_join_takes_the_nearest_row(engines, condition, kind):
    # Ties on the right key, a NULL right key, a NULL left value and keys with no match at all.
    result = same(
        engines,
        f"select a.id, h.v, h.d from validated.probes as a {kind} validated.history as h on h.k = a.k and {condition}",
    )
    assert result


def test_asof_join_selecting_the_right_star_and_no_equality(engines):
    same(engines, "select a.id, h.* from validated.probes as a asof left join validated.history as h on a.d >= h.d")
    same(
        engines,
        "with p as (select * from validated.probes) select * from p as a "
        "asof left join validated.history as h on a.k = h.k and (a.d - to_months(1))::date >= h.d",
    )


def test_asof_joins_chained_onto_one_row(engines):
    same(
        engines,
        "select a.id, h1.v as before, h2.v as after from validated.probes as a "
        "asof left join validated.history as h1 on h1.k = a.k and a.d > h1.d "
        "asof left join validated.history as h2 on h2.k = a.k and a.d <= h2.d",
    )


def test_arg_min_and_arg_max(engines):
    # Ties on the first key broken by the second; NULL values left out as DuckDB does.
    same(
        engines,
        "select person, arg_min(pair_id, (start_date, pair_id)) as first_pair, "
        "arg_min(program, (start_date, pair_id)) as first_program, arg_max(pair_id, start_date) as last_pair, "
        "arg_min(program, start_date) as program_by_date from validated.pairs group by person",
    )


def test_group_by_all(engines):
    same(
        engines,
        "select person, date_trunc('month', start_date)::date as month, count(*) as n, sum(minutes) / 60.0 as hours "
        "from validated.pairs group by all",
    )


def test_union_all_by_name(engines):
    same(
        engines,
        "with a as (select person, pair_id, salary from validated.pairs), "
        "b as (select pair_id as pair_id, person, 'extra' as note from validated.pairs where salary > 90) "
        "select * from a union all by name select * from b",
    )
    same(
        engines,
        "select person, 1 as one from validated.pairs union all by name select 2 as two, person from validated.pairs",
    )


def test_median_as_window_and_aggregate(engines):
    same(
        engines,
        "select pair_id, salary / median(salary) over (partition by person) as position, "
        "median(minutes) over (partition by person) as m from validated.pairs",
    )
    same(engines, "select person, median(minutes) as m, median(salary) as s from validated.pairs group by person")


def test_calendar_arithmetic(engines):
    # Month ends (clamped), leap days, boundaries counted by datediff, and the macros built on them.
    same(
        engines,
        "select s, e, datediff('month', s, e) as months, datediff('day', s, e) as days, "
        "(s + to_months(1))::date as next_month, s + to_months(datediff('month', s, e)) as stepped, "
        "s + 1 as next_day, year(e) - 2000 as y, date_trunc('month', e) as month_start, date_trunc('year', s::date) as year_start, whole_calendar_months(s, e) as whole, "
        "calendar_months(s, e) as months_exact, strftime(s, '%Y-%m') as ym from validated.dates",
        macros=macros(),
    )


def test_months_series_and_division(engines):
    same(
        engines,
        "select unnest(generate_series(date_trunc('month', min(s)), date_trunc('month', max(e)), interval 1 month))::date "
        "as month from validated.dates",
    )
    same(
        engines,
        "select minutes / 7 as ratio, minutes // 7 as whole, 1 - (minutes > 30)::double as short, "
        "coalesce(program = 'x', false)::double as is_x, (minutes > 30)::integer as long from validated.pairs",
    )


def test_ordering_is_byte_order(engines):
    same(engines, "select pair_id, program from validated.pairs order by program, pair_id desc", ordered=True)


def test_hash_sample_draw(engines):
    # PostgreSQL's seeded hash is not DuckDB's (a different, documented draw): only its range and the
    # all-keeping threshold are DuckDB's.
    _, pg = engines
    sql = "select person, hash(person, $seed) % 1000000 as draw from validated.pairs where hash(person, $seed) % 1000000 < $t"
    drawn = pg.fetch_arrow(sql, {"seed": 7, "t": 1_000_000}).column("draw").to_pylist()
    assert len(drawn) == PAIRS.num_rows and all(0 <= x < 1_000_000 for x in drawn)
    assert pg.fetch_arrow(sql, {"seed": 7, "t": 0}).num_rows == 0


def test_text_sorts_by_bytes_in_a_database_with_a_locale(engines):
    # Loaded text columns are collated "C", so a database whose default collation is a language's
    # (upper and lower case interleaved) still sorts as DuckDB does, and so do the tables built from them.
    import adbc_driver_postgresql.dbapi as dbapi

    duck, pg = engines
    with dbapi.connect(pg.url, autocommit=True) as admin, admin.cursor() as cur:
        cur.execute(
            "create database mentorship_icu template template0 locale_provider icu icu_locale 'en-US' locale 'C'"
        )
    words = pa.table({"w": ["b", "B", "a", "A", "_x", "Z"]})
    duck.register("words", words)
    theirs = duck.sql("select w, row_number() over (order by w) as r from words order by w").arrow()
    theirs = theirs.read_all() if hasattr(theirs, "read_all") else theirs
    icu = PostgresEngine(pg.url.rsplit("/", 1)[0] + "/mentorship_icu", "the test server")
    try:
        icu.check(["analytics.sorted_words"])
        icu.write_tables({"validated.words": words})
        icu.build("analytics.sorted_words", "select w from validated.words", {}, "")
        ours = icu.fetch_arrow("select w, row_number() over (order by w) as r from analytics.sorted_words order by w")
        assert rows(ours, ordered=True) == rows(theirs, ordered=True)
    finally:
        icu.close()


def test_arg_min_and_arg_max_with_nulls(engines):
    """DuckDB leaves out NULL values (and NULL single keys), and sorts a NULL inside a tuple key last."""
    for engine in engines:
        as_engine(engine).write_tables({"validated.nulls": ARG_NULLS})
    same(engines, ARG_NULLS_SQL)
