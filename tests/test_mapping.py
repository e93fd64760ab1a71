"""Mapping files: the shipped example maps a differently shaped HRIS export onto the contract, and a
broken mapping is refused with the file and key named."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mentorship.contract import SOURCES
from mentorship.mapping import MappingError, load_mapping
from mentorship.validation import ingest

EXAMPLE = Path(__file__).resolve().parents[1] / "mappings" / "example_hris.yaml"


def _to_hris_export(clean: Path, out: Path) -> None:
    """Rewrite the sample as an HRIS would export it: its own headers, codes, d/m/Y dates, semicolons
    and Latin-1, and an item dictionary without a construct column."""
    mapping = load_mapping(EXAMPLE)
    for source in SOURCES:
        sm = mapping.for_source(source)
        inverse = {col: {v: k for k, v in codes.items()} for col, codes in sm.values.items()}
        for path in sorted((clean / source).glob("*.csv")):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            for c in SOURCES[source].columns:
                if c.type == "DATE":  # every other meeting keeps ISO dates: the mapping lists both formats
                    parsed = pd.to_datetime(frame[c.name], format="%Y-%m-%d", errors="coerce")
                    text = parsed.dt.strftime("%d/%m/%Y").fillna("")
                    if source == "meetings":
                        text = text.where(frame.index % 2 == 0, frame[c.name])
                    frame[c.name] = text
                if c.name in inverse:
                    first_code = {}
                    for val, code in inverse[c.name].items():
                        first_code.setdefault(val, code)
                    frame[c.name] = frame[c.name].map(lambda v: first_code.get(v, v))
            if source == "survey_items":
                frame = frame.drop(columns="construct")
            frame = frame.rename(columns=sm.columns)
            target = out / source / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            sep = sm.delimiter or ","
            frame.to_csv(target, sep=sep, index=False, encoding=sm.encoding or "utf-8")


def _contract_tables(con) -> dict[str, pd.DataFrame]:
    return {
        s: con.execute(f"select {', '.join(c.name for c in SOURCES[s].columns)} from validated.{s} order by all").df()
        for s in SOURCES
    }


def test_example_mapping_reads_a_differently_shaped_export_like_the_sample(tmp_path, small_org):
    landing, _ = small_org
    _to_hris_export(landing, tmp_path / "hris")
    head = (tmp_path / "hris" / "employees" / "employees.csv").read_bytes().splitlines()[0]
    assert head.startswith(b"Worker ID;") and b"Termination Reason" in head
    clean = duckdb.connect()
    ingest(clean, landing)
    mapped = duckdb.connect()
    results = ingest(mapped, tmp_path / "hris", load_mapping(EXAMPLE))
    assert {s: r.issues_by_rule for s, r in results.items() if r.rows_quarantined} == {}
    assert all(r.promoted for r in results.values())
    expected, got = _contract_tables(clean), _contract_tables(mapped)
    for source in SOURCES:
        pd.testing.assert_frame_equal(got[source], expected[source], obj=source)


@pytest.mark.parametrize(
    "text, message",
    [
        ("sources:\n  staff: {}\n", r"sources\.staff: unknown source"),
        (
            "sources:\n  employees:\n    columns: {employee: Worker}\n",
            r"employee is not a contract column of employees",
        ),
        ("sources:\n  employees:\n    date_format: 'dd/mm/yyyy'\n", r"date_format must be a strftime format"),
        ("sources:\n  employees:\n    csv: {encoding: ebcdic}\n", r"csv\.encoding must be one of"),
        (
            "sources:\n  meetings:\n    constructs: {engagement: [Q1]}\n",
            r"constructs belong under sources\.survey_items",
        ),
        ("sources: [\n", r"is not valid YAML"),
    ],
)
def test_broken_mapping_names_the_file_and_key(tmp_path, text, message):
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    with pytest.raises(MappingError, match=message) as err:
        load_mapping(path)
    assert str(path) in str(err.value)
