"""Reading landing files into raw tables: file-level checks, provenance, duplicate drops.

Each landing file becomes text columns named by the contract (through the mapping), with its
file name, the line a record starts on and its record number. A file that cannot be used at all
(a dangling link, unreadable or vanished, empty, header only, undecodable, a required column
missing, a mapped column absent, a contract column repeated) raises ``FileContractError`` listing
every such problem, before the last good ``raw.<source>`` is touched. Lines the CSV parser cannot
split into the header's columns, and a last record cut inside a quoted field, are kept as rows with
a ``_parse_error`` so that validation quarantines them and rows read = accepted + quarantined.

All heavy work is SQL inside DuckDB; Python only loops over files and columns.

One concern per module:

- ``files``: which entries of a source folder are read, their months, hashes and OS problems;
- ``csv_scan`` and ``csv_reader``: a CSV file's encoding, header, blank lines and quoting, and its
  staging through DuckDB with line numbers and parse errors;
- ``parquet_excel``: staging Parquet files and Excel sheets;
- ``headers``: one file staged under the contract's names, and the diagnosis when its header does not fit;
- ``load`` and ``raw_tables``: a source's load (months, duplicates, refusals) and the raw tables it writes;
- ``problems`` and ``sql``: the errors, and SQL text helpers.
"""

from mentorship.landing.csv_scan import sniff_encoding
from mentorship.landing.files import FILE_SUFFIXES, file_month, file_sha256, landing_files, landing_months, other_files
from mentorship.landing.headers import header_key, stage_file
from mentorship.landing.load import LoadResult, load_raw
from mentorship.landing.problems import FileContractError, FileProblem
from mentorship.landing.sql import ident, q

__all__ = [
    "FILE_SUFFIXES",
    "FileContractError",
    "FileProblem",
    "LoadResult",
    "file_month",
    "file_sha256",
    "header_key",
    "ident",
    "landing_files",
    "landing_months",
    "load_raw",
    "other_files",
    "q",
    "sniff_encoding",
    "stage_file",
]
