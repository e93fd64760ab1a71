"""Row-level validation: the contract's Great Expectations suites over every row, and quarantine.

How the suites run, and why:

- GX 1.x cannot validate DuckDB through SQLAlchemy (GX issue #10738), so the suites run on pandas
  batches. Every row is validated, in bounded chunks of ``CHUNK_ROWS`` rows read from DuckDB, so
  memory stays flat from a 1,000-person pilot to tens of millions of survey rows.
- DuckDB does what it is good at before GX sees a row: it trims and types the raw text (with the
  mapping's value codes and date formats) and joins each row to its parent sources, so that
  cross-source rules (referential integrity, dates within employment) become row-level
  expectations on ordinary columns. Chunks are cut by a hash of the source's key, so every
  duplicate-key group lands in one chunk and ``expect_compound_columns_to_be_unique`` sees it whole.
- GX reports failing rows by a row id; DuckDB joins those ids back to file, line and offending text
  to fill ``validated.quarantine``. Rows that fail nothing are accepted; where several files carry
  the same key, the row from the latest file (name order) is the current one.
- ``great_expectations`` takes seconds to import, so it is imported on first use only.

One concern per module: ``prepare`` (typing raw text, joins to parents), ``suites`` (GX suites and
context, one chunk checked), ``chunks`` (reading chunks, the process pool), ``validate`` (one source
validated), ``limits`` (reject limits per source, file and month), ``quarantine`` (the quarantine,
promotion and the run's record), ``result`` (``ValidationResult``) and ``driver`` (``ingest``).
"""

from mentorship.validation.chunks import POOL_MIN_CHUNKS
from mentorship.validation.driver import descendants, ingest
from mentorship.validation.limits import DEFAULT_MAX_REJECT_SHARE, MIN_REJECTS_PER_PART
from mentorship.validation.prepare import ValidationSetupError
from mentorship.validation.result import ValidationResult
from mentorship.validation.suites import build_suite, warm_up
from mentorship.validation.validate import CHUNK_ROWS, validate_source

__all__ = [
    "CHUNK_ROWS",
    "DEFAULT_MAX_REJECT_SHARE",
    "MIN_REJECTS_PER_PART",
    "POOL_MIN_CHUNKS",
    "ValidationResult",
    "ValidationSetupError",
    "build_suite",
    "descendants",
    "ingest",
    "validate_source",
    "warm_up",
]
