"""The hash key for the keyed hash of exported ids: never in the source, never readable by anyone but
the account that runs the pipeline. Resolved from ``MENTORSHIP_HASH_KEY`` or the key file (created on
the first run), read and checked."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from mentorship.settings.env import SettingsError

#: Keys refused at start-up: the demo default earlier versions shipped in this source, so anyone who
#: has read it could recompute every pseudonymised id.
REFUSED_HASH_KEYS = frozenset({"demo-key-change-me"})
#: The shortest hash key accepted, in bytes (a generated key has 32 random bytes, as 64 hex digits).
MIN_HASH_KEY_BYTES = 32
#: Where the generated key lives, under the data folder (``MENTORSHIP_HASH_KEY_FILE`` moves it).
HASH_KEY_FILE = Path("secrets") / "hash_key"


def check_hash_key(key: str, where: str, fix: str | None = None) -> str:
    """``key`` if it may pseudonymise ids, else a SettingsError that says ``where`` it came from and ``fix``."""
    fix = fix or (
        f"set MENTORSHIP_HASH_KEY to a secret of at least {MIN_HASH_KEY_BYTES} bytes (python3 -c "
        '"import secrets; print(secrets.token_hex(32))"), or unset it to use the key file the pipeline '
        "generates"
    )
    if key in REFUSED_HASH_KEYS:
        raise SettingsError(
            f"{where} is the old demo key, which is public: anyone could recompute the ids hashed "
            f"with it. To fix: {fix}."
        )
    if not key.strip():
        raise SettingsError(f"{where} is empty. To fix: {fix}.")
    if len(key.encode()) < MIN_HASH_KEY_BYTES:
        raise SettingsError(
            f"{where} is {len(key.encode())} bytes long, under the {MIN_HASH_KEY_BYTES} needed to "
            f"keep pseudonymised ids from being guessed. To fix: {fix}."
        )
    return key


def hash_key_file(env, data_dir: Path) -> Path:
    return Path(env.get("MENTORSHIP_HASH_KEY_FILE") or Path(data_dir) / HASH_KEY_FILE)


def resolve_hash_key(env, data_dir: Path) -> str:
    """The key for the keyed hash of exported ids: ``MENTORSHIP_HASH_KEY`` when set, else the key file
    (``MENTORSHIP_HASH_KEY_FILE``, default ``<data>/secrets/hash_key``), generated on the first run.
    Refuses the old demo key, a short or empty key, and a key file others may read or write."""
    if "MENTORSHIP_HASH_KEY" in env:
        return check_hash_key(env["MENTORSHIP_HASH_KEY"], "MENTORSHIP_HASH_KEY")
    path = hash_key_file(env, data_dir)
    if not path.exists():
        _create_key_file(path)
    return read_key_file(path)


def _create_key_file(path: Path) -> None:
    """A new random key in ``path``, readable by this account only from the first byte (mode 0600, its
    folder 0700). Written to a temporary file and linked into place, so a run starting at the same
    moment sees either no file or the whole key, and one of two racing runs wins for both."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as e:
        raise SettingsError(
            f"cannot create the hash key file {path} ({e.strerror}): make its folder writable, "
            f"set MENTORSHIP_HASH_KEY_FILE to a writable place, or set MENTORSHIP_HASH_KEY"
        ) from None
    try:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return  # another run made it first: both use that one
        except OSError:  # a file system without hard links: create in place
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return
            with os.fdopen(fd, "w") as f:
                f.write(tmp.read_text())
    finally:
        tmp.unlink(missing_ok=True)
    logging.getLogger(__name__).warning(
        "Generated a new hash key in %s. Keep it with the warehouse: pseudonymised ids (at-risk pairs, "
        "quarantine samples) change if it is lost or replaced.",
        path,
    )


def read_key_file(path: Path) -> str:
    """The key in ``path``, checked: a private file holding a key long enough and not the old demo key."""
    where = f"the hash key file {path}"
    try:
        info = path.stat()
    except OSError as e:
        raise SettingsError(f"cannot read {where} ({e.strerror})") from None
    if not path.is_file():
        raise SettingsError(f"{where} is not a file: remove it, or point MENTORSHIP_HASH_KEY_FILE at the key file")
    if os.name == "posix" and info.st_mode & 0o077:
        raise SettingsError(
            f"{where} can be read or written by other accounts (mode {info.st_mode & 0o777:04o}); "
            f"make it private to the account that runs the pipeline: chmod 600 {path}"
        )
    try:
        key = path.read_text().strip()
    except (OSError, UnicodeDecodeError) as e:
        raise SettingsError(f"cannot read {where} ({getattr(e, 'strerror', None) or e})") from None
    return check_hash_key(
        key,
        where,
        f"delete {path} and a new key is generated on the next run (every "
        f"pseudonymised id then changes), or write a key of at least "
        f"{MIN_HASH_KEY_BYTES} bytes into it",
    )
