"""Finding landing files and naming them: which entries of a source folder are read, which are not
and why, the month a file's name carries, whether an entry is a readable file, and its hash."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path

from mentorship.contract import SOURCES

FILE_SUFFIXES = (".csv", ".parquet", ".xlsx")
_COMPRESSED = (".gz", ".zip", ".bz2", ".xz", ".7z", ".zst", ".tgz", ".rar")
_MONTH = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_](0[1-9]|1[0-2])(?!\d)")


def landing_files(landing_dir: Path, source: str) -> list[Path]:
    """The source's files in name order, which is the order corrections apply in.

    Every entry whose name ends in a landing suffix counts, whatever it is: a dangling link (an
    unmounted share, a moved file), a link to a folder or an unreadable file is listed here so that
    ``load_raw`` reports it as that file's problem instead of its rows vanishing silently. Hidden
    names (starting with '.', such as macOS '._x.csv' resource forks) are ignored; other suffixes are
    listed by ``other_files`` and refused by ``load_raw``.
    """
    folder = Path(landing_dir) / source
    return sorted(p for p in folder.glob("*") if not p.name.startswith(".") and p.suffix.lower() in FILE_SUFFIXES)


def other_files(landing_dir: Path, source: str) -> list[tuple[Path, str]]:
    """The entries of a source folder that ``landing_files`` does not read, each with what to do.

    Every non-hidden file or link (a folder that is not a link is ignored) whose name does not end in
    a landing suffix is one: an extract saved as .xls, compressed, renamed .txt or given a trailing
    space would otherwise have its rows vanish without a word.
    """
    folder = Path(landing_dir) / source
    out = []
    for p in sorted(folder.glob("*")):
        if p.name.startswith(".") or p.suffix.lower() in FILE_SUFFIXES:
            continue
        if p.is_dir() and not p.is_symlink():
            continue
        out.append((p, _why_not_read(p.name)))
    return out


def _why_not_read(name: str) -> str:
    kept = ", ".join(FILE_SUFFIXES[:-1]) + " and " + FILE_SUFFIXES[-1]
    stripped = name.rstrip()
    if stripped != name and Path(stripped).suffix.lower() in FILE_SUFFIXES:
        return (
            f"is not read: its name ends in a space after {Path(stripped).suffix}; rename it to "
            f"'{stripped}', or move it out of the folder"
        )
    suffix = Path(stripped).suffix.lower()
    if not suffix:
        return f"is not read: its name has no suffix (only {kept} files are read); rename or convert it, or move it out of the folder"
    if suffix == ".xls":
        return ".xls is not read: save it as .xlsx or .csv, or move it out of the folder"
    if suffix in _COMPRESSED:
        return f"{suffix} is not read: unpack it first, or move it out of the folder"
    return f"{suffix} is not read (only {kept} files are): save it as one of those, or move it out of the folder"


def os_problem(e: OSError) -> str:
    """A plain description of an OS error met while reading a landing file."""
    if isinstance(e, FileNotFoundError):
        return "disappeared while it was being read (was it moved or deleted during the run?)"
    if isinstance(e, PermissionError):
        return "cannot be read: permission denied (check the file's permissions for the account the pipeline runs as)"
    return f"cannot be read: {e.strerror or e}"


def not_a_file(path: Path) -> str | None:
    """Why a landing entry is not a readable regular file (following links), or None when it is."""
    try:
        if path.is_symlink():
            return _bad_link(path)
        st = os.stat(path)
    except OSError as e:
        return os_problem(e)
    if stat.S_ISDIR(st.st_mode):
        return "is a folder, not a file (a folder of Parquet parts is not read: land the files themselves)"
    return None if stat.S_ISREG(st.st_mode) else "is not a regular file (a pipe, socket or device)"


def _bad_link(path: Path) -> str | None:
    """Why a link does not lead to a regular file, or None when it does."""
    target = os.readlink(path)
    shown = target if os.path.isabs(target) else f"{target} ({os.path.normpath(path.parent / target)})"
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return f"is a link to {shown}, which does not exist (an unmounted share or a moved file?)"
    except OSError as e:
        return f"is a link to {shown}, which cannot be followed: {e.strerror or e}"
    if stat.S_ISDIR(st.st_mode):
        return f"is a link to {shown}, which is a folder, not a file"
    return None if stat.S_ISREG(st.st_mode) else f"is a link to {shown}, which is not a regular file"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def file_month(path: Path | str) -> str | None:
    """The month (YYYY-MM) a file of a monthly source belongs to: the last year-month in its name,
    written 2025-03 or 2025_03. None when the name has none."""
    hits = _MONTH.findall(Path(path).stem)
    return f"{hits[-1][0]}-{hits[-1][1]}" if hits else None


def landing_months(landing_dir: Path) -> list[str]:
    """Every month that a file of a monthly source in the landing folder names, in order."""
    return sorted(
        {m for s in SOURCES.values() if s.monthly for m in map(file_month, landing_files(landing_dir, s.name)) if m}
    )
