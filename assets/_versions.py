"""Code versions: a hash of the source that decides an asset's content, so the UI shows which
assets' logic changed since they were last materialized."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType


def code_version(*modules: ModuleType) -> str:
    """A hash of the modules' source; a package counts with every module inside it."""
    h = hashlib.sha256()
    for m in modules:
        path = Path(m.__file__)
        files = sorted(path.parent.rglob("*.py")) if path.name == "__init__.py" else [path]
        for f in files:
            h.update(f.read_bytes())
    return h.hexdigest()[:12]
