"""Writing the extracts: one source's rows to CSV or Parquet, one file or one per month, and day
numbers as the dates the contract expects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq


class _Writer:
    """Writes one source's rows, chunk by chunk, to CSV or Parquet without holding it all."""

    def __init__(self, path: Path, fmt: str):
        self.path = path.with_suffix("." + fmt)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fmt = fmt
        self._w = None
        self.rows = 0

    def write(self, df: pd.DataFrame | pa.Table):
        table = df if isinstance(df, pa.Table) else pa.Table.from_pandas(df, preserve_index=False)
        if self._w is None:
            if self.fmt == "parquet":
                self._w = pq.ParquetWriter(self.path, table.schema)
            else:
                self._w = pacsv.CSVWriter(self.path, table.schema)
        self._w.write_table(table)
        self.rows += len(df)

    def close(self):
        if self._w is not None:
            self._w.close()


def _write_file(frame: pd.DataFrame | pa.Table, stem: Path, fmt: str) -> int:
    """``frame`` as the one file ``<stem>.<fmt>``; returns rows written."""
    w = _Writer(stem, fmt)
    w.write(frame)
    w.close()
    return w.rows


def _write_monthly(frame: pd.DataFrame, month: np.ndarray, stem: Path, fmt: str) -> int:
    """One file per month, named ``<stem>_YYYY-MM``, rows in their original order; returns rows written."""
    rows = 0
    for m, part in frame.groupby(month, sort=True):
        rows += _write_file(part, stem.with_name(f"{stem.name}_{np.datetime64(m, 'M')}"), fmt)
    return rows


def _dates(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]")


def _fmt_dates(days: np.ndarray) -> pd.Series:
    """Day numbers to ISO strings, -1 to empty (the contract's 'empty if not applicable')."""
    s = pd.Series(_dates(np.where(days < 0, 0, days))).dt.strftime("%Y-%m-%d")
    return s.where(days >= 0, "")
