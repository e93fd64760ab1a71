"""Pseudonymising identifiers: keyed hashes, so ids are stable within a deployment but not reversible."""

from __future__ import annotations

import hashlib
import hmac


def pseudonymise(value: object, key: str, prefix: str = "id_") -> str | None:
    """HMAC-SHA256 of the value under ``key``, shortened to 16 hex digits."""
    if value is None:
        return None
    return prefix + hmac.new(key.encode(), str(value).encode(), hashlib.sha256).hexdigest()[:16]
