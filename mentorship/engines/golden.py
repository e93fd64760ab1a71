"""A table's fingerprint for comparing engines: its row count and a checksum of its sorted rows.

Values are normalised so that what the engines spell differently but mean the same compares equal:
numbers (integers, doubles, decimals) to 9 significant digits, timestamps at midnight as dates,
NaN and NULL as one token. Columns are taken in name order. Used by the golden tests; a plain loop,
for the small organisation's tables only."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import math

import pyarrow as pa

NULL = "∅"


def _value(v) -> str:
    if v is None:
        return NULL
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float | decimal.Decimal):
        f = float(v)
        return NULL if math.isnan(f) else f"{f:.9g}"
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return "[" + ",".join(_value(x) for x in v) + "]"
    return str(v)


def digest(table: pa.Table) -> tuple[int, str]:
    """(rows, sha256 of the sorted, normalised rows)."""
    names = sorted(table.column_names)
    columns = [table.column(n).to_pylist() for n in names]
    rows = sorted("\x1f".join(_value(c[i]) for c in columns) for i in range(table.num_rows))
    h = hashlib.sha256("\x1e".join(names).encode())
    for r in rows:
        h.update(b"\n" + r.encode())
    return table.num_rows, h.hexdigest()


def first_difference(a: pa.Table, b: pa.Table, limit: int = 3) -> str:
    """Where two tables differ, for a test's message: columns, then the first differing rows."""
    if sorted(a.column_names) != sorted(b.column_names):
        return f"columns differ: {sorted(set(a.column_names) ^ set(b.column_names))}"
    names = sorted(a.column_names)

    def rows(t):
        cols = [t.column(n).to_pylist() for n in names]
        return sorted(tuple(_value(c[i]) for c in cols) for i in range(t.num_rows))

    ra, rb = rows(a), rows(b)
    if len(ra) != len(rb):
        return f"{len(ra)} rows against {len(rb)}"
    out = []
    for x, y in zip(ra, rb):
        if x != y:
            diff = {n: (p, q) for n, p, q in zip(names, x, y) if p != q}
            out.append(str(diff))
            if len(out) == limit:
                break
    return "; ".join(out) or "equal"
