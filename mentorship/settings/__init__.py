"""Run-time configuration, read from the environment with working defaults for a fresh clone.

One concern per module: ``core`` (the ``Settings`` dataclass, the one home of every default, and
``Settings.from_env``), ``env`` (reading one value from the environment, and ``SettingsError``),
``paths`` (the project folder, bundled defaults, landing suffixes, the writable-folder check),
``hash_key`` (the key for pseudonymised ids: resolved, created, read and checked), ``delivery``
(``DeliverySettings``, the optional delivery step) and ``headline`` (the headline horizon).
"""

from mentorship.settings.core import CI_METHODS, Settings
from mentorship.settings.delivery import DELIVERY_MODES, DeliverySettings
from mentorship.settings.engine import ENGINES, EngineSettings
from mentorship.settings.env import SettingsError
from mentorship.settings.hash_key import (
    HASH_KEY_FILE,
    MIN_HASH_KEY_BYTES,
    REFUSED_HASH_KEYS,
    check_hash_key,
    hash_key_file,
    read_key_file,
    resolve_hash_key,
)
from mentorship.settings.headline import headline_horizon
from mentorship.settings.paths import DEFAULT_ROI_FILE, LANDING_SUFFIXES, PROJECT_DIR, check_writable

__all__ = [
    "CI_METHODS",
    "DEFAULT_ROI_FILE",
    "DELIVERY_MODES",
    "ENGINES",
    "HASH_KEY_FILE",
    "LANDING_SUFFIXES",
    "MIN_HASH_KEY_BYTES",
    "PROJECT_DIR",
    "REFUSED_HASH_KEYS",
    "DeliverySettings",
    "EngineSettings",
    "Settings",
    "SettingsError",
    "check_hash_key",
    "check_writable",
    "hash_key_file",
    "headline_horizon",
    "read_key_file",
    "resolve_hash_key",
]
