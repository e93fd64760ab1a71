"""The input data contract: the single statement of every source's columns and rules.

Everything about validation derives from ``SOURCES``: the Great Expectations suite of each source
(``mentorship.validation.build_suite``), the SQL that types raw text, the contract tables in docs/data-contract.md
and the validation report. Nothing here imports Great Expectations, so reading the contract is
cheap; the suites are built from it when validation runs.

Rules are written against the *prepared batch* of a source, which DuckDB builds before Great
Expectations sees a row: each contract column appears typed (``hire_date``), as the trimmed text it
came from (``hire_date__text``) and, for non-text columns, as the text that would not read as its
type (``hire_date__unparsed``, null when fine). Lookups add columns taken from parent sources
(``_employee_hire_date``) and the ids that match no parent row (``employee_id__unmatched``), so
cross-source rules are row-level expectations on ordinary columns.
Extra columns in a file are kept in the warehouse but never exported.

``model`` holds the vocabulary (``Column``, ``Lookup``, ``Rule``, ``Source``) and the rules each
declaration implies; ``sources`` the declaration of every source; ``render`` the Markdown for
docs/data-contract.md (``python -m mentorship.contract``).
"""

from mentorship.contract.model import Column, Lookup, Rule, Source
from mentorship.contract.render import markdown
from mentorship.contract.sources import (
    EARLIEST_DATE,
    ID_COLUMNS,
    LATEST_DATE,
    LOAD_ORDER,
    PLACEHOLDER_DATES,
    SOURCES,
)

__all__ = [
    "EARLIEST_DATE",
    "ID_COLUMNS",
    "LATEST_DATE",
    "LOAD_ORDER",
    "PLACEHOLDER_DATES",
    "SOURCES",
    "Column",
    "Lookup",
    "Rule",
    "Source",
    "markdown",
]
