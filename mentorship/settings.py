"""Run-time configuration, read from the environment with working defaults for a fresh clone."""

from __future__ import annotations

import logging
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_ROI_FILE = PROJECT_DIR / "config" / "roi_assumptions.yaml"
#: Files in the landing folder that count as extracts (and the mapping file).
LANDING_SUFFIXES = {".csv", ".parquet", ".xlsx", ".xls", ".yaml"}


#: Keys refused at start-up: the demo default earlier versions shipped in this source, so anyone who
#: has read it could recompute every pseudonymised id.
REFUSED_HASH_KEYS = frozenset({"demo-key-change-me"})
#: The shortest hash key accepted, in bytes (a generated key has 32 random bytes, as 64 hex digits).
MIN_HASH_KEY_BYTES = 32
#: Where the generated key lives, under the data folder (``MENTORSHIP_HASH_KEY_FILE`` moves it).
HASH_KEY_FILE = Path("secrets") / "hash_key"
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}


#: Where an effect's interval comes from (``MENTORSHIP_CI_METHOD``).
CI_METHODS = ("influence", "bootstrap")


class SettingsError(ValueError):
    pass


#: Where the run's summary and packs go after a refresh (``MENTORSHIP_DELIVERY``): nowhere (the
#: default), an SMTP server, the webhook, both, or a dry run that writes the message to a folder.
DELIVERY_MODES = ("off", "smtp", "webhook", "both", "dry-run")


@dataclass(frozen=True)
class DeliverySettings:
    """The optional delivery step (``mentorship.delivery``), read from the environment:

    ``MENTORSHIP_DELIVERY``               off (default), smtp, webhook, both or dry-run
    ``MENTORSHIP_SMTP_HOST``              the SMTP server (needed for smtp and both)
    ``MENTORSHIP_SMTP_PORT``              its port, default 25
    ``MENTORSHIP_SMTP_FROM``              the sender address (needed for smtp and both)
    ``MENTORSHIP_SMTP_TO``                recipient addresses, separated by commas (needed for smtp and both)
    ``MENTORSHIP_SMTP_USER``              a login, when the server wants one (then MENTORSHIP_SMTP_PASSWORD too)
    ``MENTORSHIP_SMTP_PASSWORD``          its password: read from the environment when a message is sent,
                                          never held here, shown in the UI or written anywhere
    ``MENTORSHIP_SMTP_STARTTLS``          1 to switch to TLS (STARTTLS) before logging in and sending; default off
    ``MENTORSHIP_WEBHOOK_URL``            the webhook the failure notice uses (needed for webhook and both)
    ``MENTORSHIP_DELIVERY_DIR``           where a dry run writes its .eml file, default ``<data>/delivery``
    ``MENTORSHIP_DELIVERY_SUBJECT_PREFIX`` the subject's first words, default ``[Mentorship]``

    Only the settings the chosen mode needs are checked; a missing or malformed one is a SettingsError
    that names it."""

    mode: str = "off"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str | None = None
    smtp_to: tuple[str, ...] = ()
    smtp_user: str | None = None
    smtp_starttls: bool = False
    # A Slack or Teams webhook's address is itself the secret: kept out of repr and logs.
    webhook_url: str | None = field(default=None, repr=False)
    folder: Path | None = None
    subject_prefix: str = "[Mentorship]"

    @property
    def uses_smtp(self) -> bool:
        return self.mode in ("smtp", "both")

    @property
    def uses_webhook(self) -> bool:
        return self.mode in ("webhook", "both")

    @classmethod
    def from_env(cls, env=None, data_dir: Path | None = None) -> DeliverySettings:
        env = os.environ if env is None else env
        mode = env.get("MENTORSHIP_DELIVERY", "off").strip().lower() or "off"
        if mode not in DELIVERY_MODES:
            raise SettingsError(
                f"MENTORSHIP_DELIVERY must be one of {', '.join(DELIVERY_MODES)}, got {env['MENTORSHIP_DELIVERY']!r}"
            )
        text = lambda name: (env.get(name) or "").strip() or None
        uses_smtp = mode in ("smtp", "both")
        port = _whole(env, "MENTORSHIP_SMTP_PORT", 25, 1, "a port number") if uses_smtp else 25
        if not (env.get("MENTORSHIP_SMTP_PASSWORD") or "") and text("MENTORSHIP_SMTP_USER") and uses_smtp:
            raise SettingsError(
                "MENTORSHIP_SMTP_USER is set but MENTORSHIP_SMTP_PASSWORD is not: set the password "
                "in the environment (never in a file in the project), or unset the user to send "
                "without logging in"
            )
        if env.get("MENTORSHIP_SMTP_PASSWORD") and not text("MENTORSHIP_SMTP_USER") and uses_smtp:
            raise SettingsError(
                "MENTORSHIP_SMTP_PASSWORD is set but MENTORSHIP_SMTP_USER is not: set the login name it belongs to"
            )
        folder = env.get("MENTORSHIP_DELIVERY_DIR") or (Path(data_dir) / "delivery" if data_dir else None)
        settings = cls(
            mode=mode,
            smtp_host=text("MENTORSHIP_SMTP_HOST"),
            smtp_port=port,
            smtp_from=text("MENTORSHIP_SMTP_FROM"),
            smtp_to=tuple(a.strip() for a in (env.get("MENTORSHIP_SMTP_TO") or "").split(",") if a.strip()),
            smtp_user=text("MENTORSHIP_SMTP_USER"),
            smtp_starttls=_flag(env, "MENTORSHIP_SMTP_STARTTLS") if uses_smtp else False,
            webhook_url=text("MENTORSHIP_WEBHOOK_URL"),
            folder=Path(folder) if folder else None,
            subject_prefix=env.get("MENTORSHIP_DELIVERY_SUBJECT_PREFIX", cls.subject_prefix).strip(),
        )
        settings.check()
        return settings

    def check(self) -> None:
        """A SettingsError naming the first setting the chosen mode needs that is missing or malformed."""
        if self.mode not in DELIVERY_MODES:
            raise SettingsError(f"MENTORSHIP_DELIVERY must be one of {', '.join(DELIVERY_MODES)}, got {self.mode!r}")
        need = f"MENTORSHIP_DELIVERY is {self.mode}, which needs"
        if self.uses_smtp:
            if not self.smtp_host:
                raise SettingsError(f"{need} MENTORSHIP_SMTP_HOST (the SMTP server's name or address); it is not set")
            if not 1 <= self.smtp_port <= 65535:
                raise SettingsError(f"MENTORSHIP_SMTP_PORT must be a port number from 1 to 65535, got {self.smtp_port}")
            if not self.smtp_from:
                raise SettingsError(f"{need} MENTORSHIP_SMTP_FROM (the sender's address); it is not set")
            if "@" not in self.smtp_from:
                raise SettingsError(f"MENTORSHIP_SMTP_FROM must be an e-mail address, got {self.smtp_from!r}")
            if not self.smtp_to:
                raise SettingsError(
                    f"{need} MENTORSHIP_SMTP_TO (recipient addresses, separated by commas); it is not set"
                )
            bad = [a for a in self.smtp_to if "@" not in a or any(c.isspace() for c in a)]
            if bad:
                raise SettingsError(
                    f"MENTORSHIP_SMTP_TO must be e-mail addresses separated by commas; {bad[0]!r} is not one"
                )
        if self.uses_webhook:
            if not self.webhook_url:
                raise SettingsError(
                    f"{need} MENTORSHIP_WEBHOOK_URL (the webhook the failure notice uses); it is not set"
                )
            if not self.webhook_url.lower().startswith(("http://", "https://")):
                raise SettingsError("MENTORSHIP_WEBHOOK_URL must be an http:// or https:// address")
        if self.mode == "dry-run" and not self.folder:
            raise SettingsError(f"{need} MENTORSHIP_DELIVERY_DIR (the folder for the message); it is not set")


@dataclass(frozen=True)
class Settings:
    """Every setting and its default, in one place: ``from_env`` reads the environment (and .env) over
    these defaults, and the Dagster resource (``assets/resources.py``) takes its defaults from here."""

    data_dir: Path
    landing_dir: Path
    warehouse_path: Path
    export_dir: Path
    dashboard_dir: Path
    truth_path: Path
    hash_key: str
    mapping_path: Path | None = None
    # The smallest group a page or export may show (MENTORSHIP_MIN_GROUP_SIZE).
    min_group_size: int = 5
    max_reject_share: float = 0.05
    effect_bootstrap: int = 200
    # The effect step's random seed and the propensity trimming share (not settable from the environment).
    effect_seed: int = 20240501
    effect_trim: float = 0.01
    roi_file: Path = DEFAULT_ROI_FILE
    at_risk_days: int = 60
    freshness_days: int = 35
    # The 2nd of each month, after month-end extracts land; and every morning.
    refresh_cron: str = "0 6 2 * *"
    freshness_cron: str = "0 7 * * *"
    # The earliest month a monthly file may name (the first monthly partition).
    first_month: str = "2020-01"
    horizons: tuple[int, ...] = (6, 12, 24)
    # Where the 95% intervals come from: "influence" (the influence function, one fit per estimate) or
    # "bootstrap" (percentile bootstrap, ``effect_bootstrap`` refits per estimate, up to
    # ``bootstrap_max_people`` people in a role's frame). The interval study
    # (studies/results/interval_study.md) set the default.
    ci_method: str = "influence"
    # Under this many mentored people in one estimate, its interval comes from the bootstrap whatever
    # ``ci_method`` says (the interval study found the influence function's too narrow there).
    bootstrap_below: int = 30
    bootstrap_max_people: int = 10_000
    comparison_max: int = 600_000
    # DuckDB's own default is 80% of the machine, which a large ingest would take; under this ceiling
    # it spills sorts and temporary tables to disk instead.
    duckdb_memory: str = "4GB"
    # A set of exports and pages meant for leadership: person-level lists (the at-risk pairs) are left
    # out; the program team gets them from its own run without this setting.
    leadership_export: bool = False
    # Pages that each carry plotly.js (4.8 MB a page), to send one on its own; by default the pages share
    # one copy beside them.
    self_contained_pages: bool = False
    # The optional delivery step after a run (MENTORSHIP_DELIVERY and the settings DeliverySettings lists).
    delivery: DeliverySettings = field(default_factory=DeliverySettings)

    @classmethod
    def from_env(cls, env: dict | None = None) -> Settings:
        env = os.environ if env is None else env
        data = Path(env.get("MENTORSHIP_DATA_DIR", PROJECT_DIR / "data"))
        k = _whole(env, "MENTORSHIP_MIN_GROUP_SIZE", cls.min_group_size, 2, "a whole number")
        try:
            share = float(env.get("MENTORSHIP_MAX_REJECT_SHARE", cls.max_reject_share))
        except ValueError:
            raise SettingsError(
                f"MENTORSHIP_MAX_REJECT_SHARE must be a number between 0 and 1, got "
                f"{env['MENTORSHIP_MAX_REJECT_SHARE']!r}"
            ) from None
        if not 0 <= share <= 1:
            raise SettingsError(f"MENTORSHIP_MAX_REJECT_SHARE must be between 0 and 1, got {share}")
        boot = _whole(env, "MENTORSHIP_BOOTSTRAP", cls.effect_bootstrap, 0, "a whole number")
        boot_max = _whole(env, "MENTORSHIP_BOOTSTRAP_MAX_PEOPLE", cls.bootstrap_max_people, 0, "a whole number")
        below = _whole(env, "MENTORSHIP_BOOTSTRAP_BELOW", cls.bootstrap_below, 0, "a whole number of people")
        ci_method = env.get("MENTORSHIP_CI_METHOD", cls.ci_method).strip().lower()
        if ci_method not in CI_METHODS:
            raise SettingsError(f"MENTORSHIP_CI_METHOD must be one of {', '.join(CI_METHODS)}, got {ci_method!r}")
        comparison_max = _whole(env, "MENTORSHIP_COMPARISON_MAX", cls.comparison_max, 1_000, "a whole number")
        memory = env.get("MENTORSHIP_DUCKDB_MEMORY", cls.duckdb_memory).strip()
        if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", memory, re.IGNORECASE):
            raise SettingsError(f"MENTORSHIP_DUCKDB_MEMORY must be an amount such as 4GB or 512MB, got {memory!r}")
        at_risk = _whole(env, "MENTORSHIP_AT_RISK_DAYS", cls.at_risk_days, 1, "a whole number of days")
        fresh = _whole(env, "MENTORSHIP_FRESHNESS_DAYS", cls.freshness_days, 1, "a whole number of days")
        crons = {}
        for name, default in (
            ("MENTORSHIP_REFRESH_CRON", cls.refresh_cron),
            ("MENTORSHIP_FRESHNESS_CRON", cls.freshness_cron),
        ):
            value = env.get(name, default).strip()
            if not _valid_cron(value):
                raise SettingsError(
                    f"{name} must be a cron expression of five fields such as {default!r}, got {value!r}"
                )
            crons[name] = value
        horizons = _horizons(env.get("MENTORSHIP_HORIZONS", ",".join(map(str, cls.horizons))))
        roi_file = Path(env.get("MENTORSHIP_ROI_FILE", cls.roi_file))
        if not roi_file.is_file():
            raise SettingsError(f"MENTORSHIP_ROI_FILE names {roi_file}, which is not a file")
        landing = Path(env.get("MENTORSHIP_LANDING_DIR", data / "landing"))
        mapping = env.get("MENTORSHIP_MAPPING")
        if mapping:
            mapping = Path(mapping)
            if not mapping.is_file():
                raise SettingsError(f"MENTORSHIP_MAPPING names {mapping}, which is not a file")
        elif (landing / "mapping.yaml").is_file():
            mapping = landing / "mapping.yaml"
        leadership = _flag(env, "MENTORSHIP_LEADERSHIP_EXPORT")
        self_contained = _flag(env, "MENTORSHIP_SELF_CONTAINED_PAGES")
        first_month = env.get("MENTORSHIP_FIRST_MONTH", cls.first_month).strip()
        if not re.fullmatch(r"(19|20)\d\d-(0[1-9]|1[0-2])", first_month):
            raise SettingsError(f"MENTORSHIP_FIRST_MONTH must be a month written YYYY-MM, got {first_month!r}")
        hash_key = resolve_hash_key(env, data)
        delivery = DeliverySettings.from_env(env, data)
        return cls(
            data_dir=data,
            landing_dir=landing,
            warehouse_path=Path(env.get("MENTORSHIP_DUCKDB", data / "warehouse" / "mentorship.duckdb")),
            export_dir=Path(env.get("MENTORSHIP_EXPORT_DIR", data / "exports")),
            dashboard_dir=Path(env.get("MENTORSHIP_DASHBOARD_DIR", data / "dashboards")),
            truth_path=Path(env.get("MENTORSHIP_TRUTH_PATH", data / "truth" / "planted_truth.json")),
            min_group_size=k,
            hash_key=hash_key,
            mapping_path=mapping or None,
            max_reject_share=share,
            effect_bootstrap=boot,
            ci_method=ci_method,
            bootstrap_below=below,
            bootstrap_max_people=boot_max,
            comparison_max=comparison_max,
            roi_file=roi_file,
            at_risk_days=at_risk,
            freshness_days=fresh,
            refresh_cron=crons["MENTORSHIP_REFRESH_CRON"],
            freshness_cron=crons["MENTORSHIP_FRESHNESS_CRON"],
            horizons=horizons,
            duckdb_memory=memory,
            leadership_export=leadership,
            self_contained_pages=self_contained,
            first_month=first_month,
            delivery=delivery,
        )

    def check_output_dirs(self) -> None:
        """Make the export and dashboard folders if missing; a SettingsError if either cannot be written."""
        check_writable(self.export_dir, "MENTORSHIP_EXPORT_DIR")
        check_writable(self.dashboard_dir, "MENTORSHIP_DASHBOARD_DIR")


# ---------------------------------------------------------------------------------------------
# The hash key: never in the source, never readable by anyone but the account that runs the pipeline


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


def _flag(env, name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name} must be one of 1, true, yes, on or 0, false, no, off (or unset), got {env[name]!r}")


def _horizons(value: str) -> tuple[int, ...]:
    try:
        months = tuple(sorted({int(v) for v in value.split(",") if v.strip()}))
    except ValueError:
        months = ()
    if not months or not all(1 <= m <= 120 for m in months):
        raise SettingsError(
            f"MENTORSHIP_HORIZONS must be whole months between 1 and 120, separated by commas "
            f"(such as '6,12,24'), got {value!r}"
        )
    return months


def _whole(env, name: str, default: int, minimum: int, what: str) -> int:
    try:
        value = int(env.get(name, str(default)))
    except ValueError:
        raise SettingsError(f"{name} must be {what}, got {env[name]!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _valid_cron(value: str) -> bool:
    from cronsim import CronSim, CronSimError

    try:
        CronSim(value, datetime.now())
    except CronSimError:
        return False
    return len(value.split()) == 5


def headline_horizon(horizons) -> int:
    """The horizon the headline figures use: 12 months where it is computed, else the nearest to a
    year (the longer of two equally near), so MENTORSHIP_HORIZONS=3,9 headlines 9 months."""
    hs = sorted({int(h) for h in horizons})
    if not hs:
        return 12
    return min(hs, key=lambda h: (abs(h - 12), -h))
