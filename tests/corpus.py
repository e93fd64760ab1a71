"""The bad-input corpus's harness: a small generated organisation validated clean once per module
(``tiny``), a throwaway copy of its landing folder and warehouse per test (``case``), and helpers to
mutate CSV files and assert quarantine rows and reconciliation. The fixtures are registered in
``tests/conftest.py``; the cases are in ``test_validation_corpus.py`` and ``test_hostile_*.py``."""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mentorship.synthetic import SyntheticConfig, generate
from mentorship.validation import descendants, ingest

TINY = SyntheticConfig(n_employees=200, seed=3)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tiny")
    generate(root / "landing", TINY, root / "truth.json")
    con = duckdb.connect(str(root / "clean.duckdb"))
    results = ingest(con, root / "landing")
    con.close()
    assert all(r.rows_quarantined == 0 for r in results.values()), "the clean sample must pass every rule"
    return root


@dataclass
class Case:
    landing: Path
    con: duckdb.DuckDBPyConnection
    root: Path

    def path(self, source: str, name: str | None = None) -> Path:
        folder = self.landing / source
        return folder / name if name else sorted(folder.glob("*.csv"))[0]

    def run(self, source: str, mapping=None, **kw):
        return ingest(self.con, self.landing, mapping, sources=[source, *descendants(source)], **kw)

    def quarantine(self, source: str) -> list[tuple]:
        return self.con.execute(
            'select file, line, "column", rule, value from validated.quarantine where source = ? order by line, rule',
            [source],
        ).fetchall()

    def table(self, name: str) -> pd.DataFrame:
        """A table's content regardless of which file or line it came from."""
        drop = "_source_file, _source_line" if name.startswith("validated.") else "_source_file, _line, _loaded_at"
        return self.con.execute(f"select * exclude ({drop}) from {name} order by all").df()


@pytest.fixture
def case(tiny, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(tiny / "landing", landing)
    shutil.copy(tiny / "clean.duckdb", tmp_path / "w.duckdb")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield Case(landing, con, tiny)
    con.close()


def read_rows(path: Path, encoding="utf-8") -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding=encoding), newline="")))


def write_rows(path: Path, rows: list[list[str]], delimiter=",", encoding="utf-8") -> None:
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding=encoding, newline="")


def set_field(path: Path, line: int, column: str, value: str) -> str:
    """Set ``column`` on physical line ``line`` (header = 1) of a file without quoted newlines; return the old value."""
    rows = read_rows(path)
    i = rows[0].index(column)
    old, rows[line - 1][i] = rows[line - 1][i], value
    write_rows(path, rows)
    return old


def first_line_where(path: Path, column: str, predicate) -> int:
    rows = read_rows(path)
    i = rows[0].index(column)
    return next(n for n, r in enumerate(rows[1:], 2) if predicate(r[i]))


def data_records(folder: Path) -> int:
    """Rows in the folder's distinct CSV files, counted by Python's csv module, not by the product."""
    seen, n = set(), 0
    for p in sorted(folder.glob("*.csv")):
        if p.read_bytes() in seen:
            continue
        seen.add(p.read_bytes())
        n += len(read_rows(p)) - 1
    return n


def assert_reconciles(results, case: Case, source: str):
    r = results[source]
    assert r.reconciles and r.rows_read == r.rows_accepted + r.rows_quarantined
    assert r.rows_read == data_records(case.landing / source)
    n_quarantined = case.con.execute(
        "select count(distinct (file, line)) from validated.quarantine where source = ?", [source]
    ).fetchone()[0]
    assert n_quarantined == r.rows_quarantined


def assert_quarantined(case: Case, source: str, file: str, line: int, column: str, rule: str, value=None):
    hits = [q for q in case.quarantine(source) if q[:4] == (file, line, column, rule)]
    assert hits, f"expected {file}:{line} {column} {rule} in {case.quarantine(source)}"
    if value is not None:
        assert hits[0][4] == value
