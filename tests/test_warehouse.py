"""The one transaction helper every multi-table write uses."""

from __future__ import annotations

import duckdb
import pytest

from mentorship.warehouse import transaction


def test_a_block_that_raises_changes_nothing_and_one_that_finishes_lands_whole(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create table a as select 1 as x; create table b as select 1 as x")
    with pytest.raises(RuntimeError, match="halfway"), transaction(con):
        con.execute("create or replace table a as select 2 as x")
        raise RuntimeError("halfway")
    assert con.execute("select x from a").fetchall() == [(1,)]  # rolled back
    with transaction(con):
        con.execute("create or replace table a as select 3 as x")
        con.execute("create or replace table b as select 3 as x")
    other = duckdb.connect(str(tmp_path / "w.duckdb"))  # a second connection sees the commit
    assert other.execute("select (select x from a), (select x from b)").fetchall() == [(3, 3)]
    con.execute("select 1")  # no transaction left open
