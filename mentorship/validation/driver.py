"""The ingest driver outside Dagster: load and validate sources in dependency order."""

from __future__ import annotations

import duckdb

from mentorship.contract import LOAD_ORDER, SOURCES
from mentorship.mapping import Mapping
from mentorship.validation.result import ValidationResult
from mentorship.validation.validate import validate_source


def descendants(source: str) -> list[str]:
    """Sources that look ``source`` up, directly or not, in load order."""
    out: list[str] = []
    for s in LOAD_ORDER:
        if s != source and any(p == source or p in out for p in SOURCES[s].parents):
            out.append(s)
    return out


def ingest(
    con: duckdb.DuckDBPyConnection, landing_dir, mapping: Mapping | None = None, sources: list[str] | None = None, **kw
) -> dict[str, ValidationResult]:
    """Load and validate ``sources`` (default: all) in dependency order, outside Dagster.

    Stops at the first source whose files fail (``FileContractError``) or whose reject share is
    over the limit, like the asset graph does.
    """
    from mentorship.landing import load_raw

    results = {}
    for s in [s for s in LOAD_ORDER if sources is None or s in sources]:
        load_raw(con, s, landing_dir, mapping)
        results[s] = validate_source(con, s, mapping, **kw)
        if results[s].blocked:
            break
    return results
