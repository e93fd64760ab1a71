"""Byte-level scans of a CSV file, outside DuckDB: its encoding, its header as written, the line
numbers of byte offsets, the empty lines the reader skips, and where quoting goes wrong (a stray
quote mark, or a file cut inside a quoted field)."""

from __future__ import annotations

import codecs
import csv
import io
import mmap
import re
from pathlib import Path

from mentorship.landing.problems import UnusableFile

SNIFF_BYTES = 1 << 20
# One well-formed UTF-8 multibyte sequence (no overlongs, no surrogates).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)


def sniff_encoding(path: Path) -> str:
    """utf-8 (with or without BOM), utf-16 (with BOM) or latin-1, from the first megabyte.

    UTF-8 when the head decodes as UTF-8 or holds any valid UTF-8 multibyte sequence (non-ASCII
    text written as UTF-8); Latin-1 only when its non-ASCII bytes form no UTF-8 at all. Bytes that
    are not valid in the chosen encoding make their lines parse errors (quarantined), not a failed
    file.
    """
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise UnusableFile(
            "holds NUL bytes: it is binary or in an encoding other than UTF-8, UTF-16 with a BOM "
            "or Latin-1, and cannot be decoded"
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        # Text that is UTF-8 with a few stray Latin-1 bytes stays UTF-8 (the stray bytes' lines are
        # parse errors); read as Latin-1 its every accented letter would turn to mojibake silently.
        return "utf-8" if _UTF8_MULTIBYTE.search(head) else "latin-1"


def _decoding(encoding: str) -> str:
    """The codec to read text in ``encoding`` with: UTF-8 drops a byte-order mark."""
    return {"utf-8": "utf-8-sig"}.get(encoding, encoding)


def line_numbers(path: Path, byte_positions: list[int]) -> dict[int, int]:
    """1-based line numbers of byte offsets, counting newlines once through the file."""
    out, line, pos = {}, 1, 0
    targets = sorted(set(byte_positions))
    with open(path, "rb") as f:
        for target in targets:
            while pos < target:
                block = f.read(min(1 << 22, target - pos))
                if not block:
                    break
                line += block.count(b"\n")
                pos += len(block)
            out[target] = line
    return out


def read_header(
    path: Path, encoding: str, delimiter: str | None, like: list[str] | None = None
) -> tuple[str, list[str]] | None:
    """The delimiter and the header's names as written, parsed by Python's csv module (quote '"').

    Without a delimiter, one of , ; tab | is chosen: with ``like`` (the names DuckDB read), the one
    that splits the header into as many names, agreeing with most of them (None when none does);
    otherwise the one that splits it into the most names.
    """
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES).decode(_decoding(encoding), errors="replace")
    first = lambda d: next(csv.reader(io.StringIO(head, newline=""), delimiter=d), [])
    candidates = [(d, first(d)) for d in ([delimiter] if delimiter else ",;\t|")]
    if like is None:
        return max(candidates, key=lambda dn: len(dn[1]))
    fits = [(d, names) for d, names in candidates if len(names) == len(like)]
    return max(fits, key=lambda dn: sum(a == b for a, b in zip(dn[1], like))) if fits else None


def unique_names(names: list[str]) -> list[str]:
    """Names made unique the way DuckDB does (case-insensitively, adding _1, _2, ...); blanks become columnN."""
    out, taken = [], set()
    for i, n in enumerate(names, 1):
        n = n or f"column{i}"
        base, k = n, 0
        while n.lower() in taken:
            k += 1
            n = f"{base}_{k}"
        taken.add(n.lower())
        out.append(n)
    return out


def blank_lines(path: Path) -> list[int]:
    """The line numbers of the empty lines outside quoted fields, which DuckDB's reader skips.

    An empty line starts the file or follows a newline, and holds only '\n' or '\r\n'. Found with
    ``find`` (the loop is over empty lines, not rows); one inside a quoted field (an odd number of
    quote marks before it) is part of a value, not skipped. Meant for encodings where '"' and '\n'
    are single bytes (UTF-8, Latin-1), not UTF-16.
    """
    starts = []
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        if mm[:1] == b"\n" or mm[:2] == b"\r\n":
            starts.append(0)
        for pattern in (b"\n\n", b"\n\r\n"):
            at = mm.find(pattern)
            while at != -1:
                starts.append(at + 1)
                at = mm.find(pattern, at + 1)
        if not starts:
            return []
        starts.sort()
        out, line, quotes, pos = [], 1, 0, 0
        for start in starts:  # count newlines and quotes between consecutive empty lines, in blocks
            while pos < start:
                block = mm[pos : min(start, pos + (1 << 22))]
                line, quotes, pos = line + block.count(b"\n"), quotes + block.count(b'"'), pos + len(block)
            if quotes % 2 == 0:
                out.append(line)
    return out


def first_bad_quote(path: Path, encoding: str, delimiter: str | None) -> int | None:
    """The first line where Python's csv module, reading strictly, finds a quote mark out of place
    (such as "Sean O"Brien"), or None. Read only when a file ends inside a quoted field, to tell a
    stray quote mark early in the file from a transfer cut short."""
    delim = delimiter or read_header(path, encoding, None)[0]
    with open(path, encoding=_decoding(encoding), errors="replace", newline="") as f:
        reader = csv.reader(f, delimiter=delim, strict=True)
        try:
            for _ in reader:
                pass
        except csv.Error:
            return reader.line_num
    return None


def unclosed_quote(path: Path) -> int | None:
    """The byte offset of the quote that opens a quoted field the file never closes, or None.

    In a CSV file quoted by the standard rules every quoted field has an even number of quote
    characters (an opening and a closing one, and doubled quotes inside), so an odd total means
    the file ends inside a quoted field, which the last quote opened. Counted in blocks; meant for
    encodings where '"' is the byte 0x22 (UTF-8, Latin-1), not UTF-16.
    """
    count, last = 0, None
    with open(path, "rb") as f:
        pos = 0
        for block in iter(lambda: f.read(1 << 22), b""):
            n = block.count(b'"')
            if n:
                count, last = count + n, pos + block.rindex(b'"')
            pos += len(block)
    return last if count % 2 else None
