"""The ``Settings`` dataclass, the one home of every setting's default, and ``Settings.from_env``,
which reads the environment over those defaults, one group of settings at a time."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from mentorship.settings.delivery import DeliverySettings
from mentorship.settings.engine import EngineSettings
from mentorship.settings.env import SettingsError, parse_horizons, read_flag, read_whole, valid_cron
from mentorship.settings.hash_key import hash_key_file, resolve_hash_key
from mentorship.settings.paths import DEFAULT_ROI_FILE, PROJECT_DIR, check_writable

#: Where an effect's interval comes from (``MENTORSHIP_CI_METHOD``).
CI_METHODS = ("influence", "bootstrap")


@dataclass(frozen=True)
class Settings:
    """Every setting and its default, in one place: ``from_env`` reads the environment over these defaults
    (the CLI and ``dagster dev`` first fill it from .env), and the Dagster resource (``assets/resources.py``) takes its defaults from here."""

    data_dir: Path
    landing_dir: Path
    warehouse_path: Path
    export_dir: Path
    dashboard_dir: Path
    truth_path: Path
    # Never in a repr or a log line. ``hash_key_file`` is the file it was read from (None when it came
    # from MENTORSHIP_HASH_KEY), so the Dagster resource can read it at run time instead of holding it.
    hash_key: str = field(repr=False)
    mapping_path: Path | None = None
    # The smallest group a page or export may show (MENTORSHIP_MIN_GROUP_SIZE).
    min_group_size: int = 5
    max_reject_share: float = 0.05
    effect_bootstrap: int = 200
    # The effect step's random seed and the propensity trimming share (not settable from the environment).
    effect_seed: int = 20240501
    effect_trim: float = 0.01
    hash_key_file: Path | None = None
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
    # Where the SQL models run (MENTORSHIP_ENGINE and the settings EngineSettings lists): DuckDB by default.
    engine: EngineSettings = field(default_factory=EngineSettings)

    @classmethod
    def from_env(cls, env: dict | None = None) -> Settings:
        env = os.environ if env is None else env
        data = Path(env.get("MENTORSHIP_DATA_DIR", PROJECT_DIR / "data"))
        # Read in this order: the first bad setting in it is the one reported, and the hash key file is
        # made only once every setting before it is good.
        return cls(
            data_dir=data,
            **_privacy(env, cls),
            **_effects(env, cls),
            duckdb_memory=_duckdb_memory(env, cls),
            **_monitoring(env, cls),
            horizons=parse_horizons(env.get("MENTORSHIP_HORIZONS", ",".join(map(str, cls.horizons)))),
            **_files(env, cls, data),
            leadership_export=read_flag(env, "MENTORSHIP_LEADERSHIP_EXPORT"),
            self_contained_pages=read_flag(env, "MENTORSHIP_SELF_CONTAINED_PAGES"),
            first_month=_first_month(env, cls),
            delivery=DeliverySettings.from_env(env, data),
            engine=EngineSettings.from_env(env, data),
            hash_key=resolve_hash_key(env, data),
            hash_key_file=None if "MENTORSHIP_HASH_KEY" in env else hash_key_file(env, data),
        )

    def check_output_dirs(self) -> None:
        """Make the export and dashboard folders if missing; a SettingsError if either cannot be written."""
        check_writable(self.export_dir, "MENTORSHIP_EXPORT_DIR")
        check_writable(self.dashboard_dir, "MENTORSHIP_DASHBOARD_DIR")


# ---------------------------------------------------------------------------------------------
# One reader per group of settings: each returns its settings by field name, checked, and takes its
# defaults from the dataclass (``defaults`` is ``Settings`` or the subclass ``from_env`` was called on).


def _privacy(env, defaults: type[Settings]) -> dict:
    """The smallest group shown and the largest share of rejected rows a run accepts."""
    k = read_whole(env, "MENTORSHIP_MIN_GROUP_SIZE", defaults.min_group_size, 2, "a whole number")
    try:
        share = float(env.get("MENTORSHIP_MAX_REJECT_SHARE", defaults.max_reject_share))
    except ValueError:
        raise SettingsError(
            f"MENTORSHIP_MAX_REJECT_SHARE must be a number between 0 and 1, got {env['MENTORSHIP_MAX_REJECT_SHARE']!r}"
        ) from None
    if not 0 <= share <= 1:
        raise SettingsError(f"MENTORSHIP_MAX_REJECT_SHARE must be between 0 and 1, got {share}")
    return {"min_group_size": k, "max_reject_share": share}


def _effects(env, defaults: type[Settings]) -> dict:
    """The effect step: bootstrap refits and limits, where intervals come from, the comparison group's size."""
    boot = read_whole(env, "MENTORSHIP_BOOTSTRAP", defaults.effect_bootstrap, 0, "a whole number")
    boot_max = read_whole(env, "MENTORSHIP_BOOTSTRAP_MAX_PEOPLE", defaults.bootstrap_max_people, 0, "a whole number")
    below = read_whole(env, "MENTORSHIP_BOOTSTRAP_BELOW", defaults.bootstrap_below, 0, "a whole number of people")
    ci_method = env.get("MENTORSHIP_CI_METHOD", defaults.ci_method).strip().lower()
    if ci_method not in CI_METHODS:
        raise SettingsError(f"MENTORSHIP_CI_METHOD must be one of {', '.join(CI_METHODS)}, got {ci_method!r}")
    comparison_max = read_whole(env, "MENTORSHIP_COMPARISON_MAX", defaults.comparison_max, 1_000, "a whole number")
    return {
        "effect_bootstrap": boot,
        "bootstrap_max_people": boot_max,
        "bootstrap_below": below,
        "ci_method": ci_method,
        "comparison_max": comparison_max,
    }


def _duckdb_memory(env, defaults: type[Settings]) -> str:
    memory = env.get("MENTORSHIP_DUCKDB_MEMORY", defaults.duckdb_memory).strip()
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", memory, re.IGNORECASE):
        raise SettingsError(f"MENTORSHIP_DUCKDB_MEMORY must be an amount such as 4GB or 512MB, got {memory!r}")
    return memory


def _monitoring(env, defaults: type[Settings]) -> dict:
    """When a pair is at risk and a source stale, and the crons of the refresh and the freshness check."""
    settings = {
        "at_risk_days": read_whole(env, "MENTORSHIP_AT_RISK_DAYS", defaults.at_risk_days, 1, "a whole number of days"),
        "freshness_days": read_whole(
            env, "MENTORSHIP_FRESHNESS_DAYS", defaults.freshness_days, 1, "a whole number of days"
        ),
    }
    for field_name, name in (
        ("refresh_cron", "MENTORSHIP_REFRESH_CRON"),
        ("freshness_cron", "MENTORSHIP_FRESHNESS_CRON"),
    ):
        default = getattr(defaults, field_name)
        value = env.get(name, default).strip()
        if not valid_cron(value):
            raise SettingsError(f"{name} must be a cron expression of five fields such as {default!r}, got {value!r}")
        settings[field_name] = value
    return settings


def _files(env, defaults: type[Settings], data: Path) -> dict:
    """Where files live: the ROI assumptions, the landing folder and its mapping file, and the outputs."""
    roi_file = Path(env.get("MENTORSHIP_ROI_FILE", defaults.roi_file))
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
    return {
        "roi_file": roi_file,
        "landing_dir": landing,
        "mapping_path": mapping or None,
        "warehouse_path": Path(env.get("MENTORSHIP_DUCKDB", data / "warehouse" / "mentorship.duckdb")),
        "export_dir": Path(env.get("MENTORSHIP_EXPORT_DIR", data / "exports")),
        "dashboard_dir": Path(env.get("MENTORSHIP_DASHBOARD_DIR", data / "dashboards")),
        "truth_path": Path(env.get("MENTORSHIP_TRUTH_PATH", data / "truth" / "planted_truth.json")),
    }


def _first_month(env, defaults: type[Settings]) -> str:
    first_month = env.get("MENTORSHIP_FIRST_MONTH", defaults.first_month).strip()
    if not re.fullmatch(r"(19|20)\d\d-(0[1-9]|1[0-2])", first_month):
        raise SettingsError(f"MENTORSHIP_FIRST_MONTH must be a month written YYYY-MM, got {first_month!r}")
    return first_month
