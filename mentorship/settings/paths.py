"""Where files live: the project folder, the bundled defaults under it, the suffixes that count as
landing files, and the check that an output folder can be written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from mentorship.settings.env import SettingsError

# This file is mentorship/settings/paths.py: the project is three folders up.
PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_ROI_FILE = PROJECT_DIR / "config" / "roi_assumptions.yaml"
#: Files in the landing folder that count as extracts (and the mapping file).
LANDING_SUFFIXES = {".csv", ".parquet", ".xlsx", ".xls", ".yaml"}


def check_writable(folder: Path, name: str) -> None:
    """Make ``folder`` if missing and prove it can be written (``os.access`` and a real temporary file,
    since root passes access checks that a read-only mount still refuses)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(13, "permission denied")
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".write-check-")
        os.close(fd)
        os.unlink(tmp)
    except OSError as e:
        raise SettingsError(
            f"{name} is {folder}, which cannot be written ({e.strerror or e}): make it writable "
            f"for the account that runs the pipeline, or set {name} to another folder. Nothing "
            f"was published."
        ) from None
