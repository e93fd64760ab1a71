"""Code versions: a hash of the source that decides an asset's content, so the UI shows which
assets' logic changed since they were last materialized."""

from __future__ import annotations

import hashlib
import inspect
from types import ModuleType


def code_version(*modules: ModuleType) -> str:
    h = hashlib.sha256()
    for m in modules:
        h.update(inspect.getsource(m).encode())
    return h.hexdigest()[:12]
