"""The validation summary analysts read: per source, file checks, every rule's counts and samples.

It is built from the warehouse's own logs (``raw.file_checks``, ``raw.landing_files``,
``validated.validation_runs``, ``validated.validation_results``, ``validated.quarantine``) and is
safe to write outside it: identifiers are pseudonymised with the keyed hash, whole unparsed lines
are never shown (they may hold names or e-mails), and extra columns never appear.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb

from mentorship.contract import SOURCES
from mentorship.engines import as_engine
from mentorship.privacy import pseudonymise

SAMPLES_PER_RULE = 5
_HIDDEN_RULES = {"parse"}


def _table_exists(con, schema: str, table: str) -> bool:
    found = _rows(
        con,
        "select count(*) as n from duckdb_tables() where schema_name = $schema and table_name = $table",
        {"schema": schema, "table": table},
    )
    return found[0]["n"] > 0


def _rows(con, sql: str, params: dict | None = None) -> list[dict]:
    # Through the engine's one read (the validation logs are the embedded warehouse's: ingest runs there).
    return as_engine(con).fetch_arrow(sql, params).to_pylist()


def _shown(source: str, rule: str, column: str, value, key: str):
    if value is None:
        return None
    if rule in _HIDDEN_RULES:
        return "(line not shown: it may hold personal data)"
    col = next((c for c in SOURCES[source].columns if c.name == column), None)
    if rule == "duplicate_key" or rule.startswith("ref:") or (col is not None and col.identifier):
        return pseudonymise(value, key)
    return str(value)[:120]


#: The warehouse's logs the summary is built from; a missing one (nothing loaded yet) reads as empty.
_LOGS = (
    "raw.file_checks",
    "raw.landing_files",
    "validated.validation_runs",
    "validated.validation_results",
    "validated.quarantine",
)


def summarise(con: duckdb.DuckDBPyConnection, hash_key: str, mapping_label: str = "", samples: bool = True) -> dict:
    """A JSON-ready summary of the latest validation of every source. Without ``samples`` (a leadership
    export) no quarantined row's value or hashed id is included, only the counts."""
    have = {t: _table_exists(con, *t.split(".")) for t in _LOGS}
    out = {
        "generated_at": datetime.now().isoformat(timespec="seconds"),
        "mapping": mapping_label,
        "sources": [_source_summary(con, have, name, hash_key, samples) for name in SOURCES],
        "samples_held_back": not samples,
    }
    return json.loads(json.dumps(out, default=str))


def _source_summary(con, have: dict[str, bool], name: str, hash_key: str, samples: bool) -> dict:
    """One source: its file checks, its latest validation run, every rule with its samples, its status."""
    files = _file_checks(con, have, name)
    runs = _validation_runs(con, have, name)
    rules = _rule_results(con, have, name)
    quarantined = _quarantine_samples(con, have, name) if samples else []
    for r in rules:
        r["samples"] = [
            {"file": s["file"], "line": s["line"], "value": _shown(name, r["rule"], r["column"], s["value"], hash_key)}
            for s in quarantined
            if s["rule"] == r["rule"] and s["column"] == r["column"]
        ]
    run = runs[0] if runs else None
    return {
        "source": name,
        "suite": f"mentorship_contract.{name}",
        "status": _status(files, run, _loaded_at(con, have, name)),
        "files": files,
        "run": run,
        "rules": rules,
    }


def _file_checks(con, have: dict[str, bool], name: str) -> list[dict]:
    if not have["raw.file_checks"]:
        return []
    return _rows(
        con,
        'select file, status, "rows", problem, checked_at from raw.file_checks where source = $source order by file',
        {"source": name},
    )


def _validation_runs(con, have: dict[str, bool], name: str) -> list[dict]:
    if not have["validated.validation_runs"]:
        return []
    return _rows(
        con, "select * exclude (source) from validated.validation_runs where source = $source", {"source": name}
    )


def _rule_results(con, have: dict[str, bool], name: str) -> list[dict]:
    if not have["validated.validation_results"]:
        return []
    return _rows(
        con,
        'select rule_index, rule, "column", expectation, meaning, checked, unexpected, success '
        "from validated.validation_results where source = $source order by rule_index",
        {"source": name},
    )


def _quarantine_samples(con, have: dict[str, bool], name: str) -> list[dict]:
    """The first ``SAMPLES_PER_RULE`` quarantined rows of every rule (by file and line)."""
    if not have["validated.quarantine"]:
        return []
    return _rows(
        con,
        """
            select rule, "column", file, line, value from (
                select *, row_number() over (partition by rule, "column", expectation order by file, line) as n
                from validated.quarantine where source = $source) where n <= $n order by file, line""",
        {"source": name, "n": SAMPLES_PER_RULE},
    )


def _loaded_at(con, have: dict[str, bool], name: str):
    """When the source's newest file was loaded into raw (None if never)."""
    if not have["raw.landing_files"]:
        return None
    return _rows(con, "select max(loaded_at) as t from raw.landing_files where source = $source", {"source": name})[0][
        "t"
    ]


def _status(files: list[dict], run: dict | None, loaded) -> str:
    if any(f["status"] == "failed" for f in files):
        return "file_error"
    if run is None:
        return "not_validated"
    if loaded is not None and loaded > run["validated_at"]:
        return "not_revalidated"  # new files are in raw, but a source it is checked against blocked
    if not run["promoted"]:
        return "blocked"
    if run["rows_quarantined"]:
        return "quarantined"
    return "passed"


def write_summary(
    con: duckdb.DuckDBPyConnection, path: Path, hash_key: str, mapping_label: str = "", samples: bool = True
) -> dict:
    summary = summarise(con, hash_key, mapping_label, samples)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(summary, indent=1))
    tmp.replace(path)
    return summary
