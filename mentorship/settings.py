"""Run-time configuration, read from the environment with working defaults for a fresh clone."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_ROI_FILE = PROJECT_DIR / "config" / "roi_assumptions.yaml"
#: Files in the landing folder that count as extracts (and the mapping file).
LANDING_SUFFIXES = {".csv", ".parquet", ".xlsx", ".xls", ".yaml"}


#: The hash key a fresh clone uses; fine for the synthetic demo, never for real people.
DEMO_HASH_KEY = "demo-key-change-me"


#: Where an effect's interval comes from (``MENTORSHIP_CI_METHOD``).
CI_METHODS = ("influence", "bootstrap")


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    landing_dir: Path
    warehouse_path: Path
    export_dir: Path
    dashboard_dir: Path
    truth_path: Path
    min_group_size: int
    hash_key: str
    mapping_path: Path | None
    max_reject_share: float
    effect_bootstrap: int
    roi_file: Path
    at_risk_days: int
    freshness_days: int
    refresh_cron: str
    freshness_cron: str
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

    @classmethod
    def from_env(cls, env: dict | None = None) -> "Settings":
        env = os.environ if env is None else env
        data = Path(env.get("MENTORSHIP_DATA_DIR", PROJECT_DIR / "data"))
        k = _whole(env, "MENTORSHIP_MIN_GROUP_SIZE", 5, 2, "a whole number")
        try:
            share = float(env.get("MENTORSHIP_MAX_REJECT_SHARE", "0.05"))
        except ValueError:
            raise SettingsError(f"MENTORSHIP_MAX_REJECT_SHARE must be a number between 0 and 1, got "
                                f"{env['MENTORSHIP_MAX_REJECT_SHARE']!r}") from None
        if not 0 <= share <= 1:
            raise SettingsError(f"MENTORSHIP_MAX_REJECT_SHARE must be between 0 and 1, got {share}")
        boot = _whole(env, "MENTORSHIP_BOOTSTRAP", 200, 0, "a whole number")
        boot_max = _whole(env, "MENTORSHIP_BOOTSTRAP_MAX_PEOPLE", 10_000, 0, "a whole number")
        below = _whole(env, "MENTORSHIP_BOOTSTRAP_BELOW", cls.bootstrap_below, 0, "a whole number of people")
        ci_method = env.get("MENTORSHIP_CI_METHOD", cls.ci_method).strip().lower()
        if ci_method not in CI_METHODS:
            raise SettingsError(f"MENTORSHIP_CI_METHOD must be one of {', '.join(CI_METHODS)}, got {ci_method!r}")
        comparison_max = _whole(env, "MENTORSHIP_COMPARISON_MAX", cls.comparison_max, 1_000, "a whole number")
        memory = env.get("MENTORSHIP_DUCKDB_MEMORY", cls.duckdb_memory).strip()
        if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", memory, re.IGNORECASE):
            raise SettingsError(f"MENTORSHIP_DUCKDB_MEMORY must be an amount such as 4GB or 512MB, got {memory!r}")
        at_risk = _whole(env, "MENTORSHIP_AT_RISK_DAYS", 60, 1, "a whole number of days")
        fresh = _whole(env, "MENTORSHIP_FRESHNESS_DAYS", 35, 1, "a whole number of days")
        crons = {}
        for name, default in (("MENTORSHIP_REFRESH_CRON", "0 6 2 * *"), ("MENTORSHIP_FRESHNESS_CRON", "0 7 * * *")):
            value = env.get(name, default).strip()
            if not _valid_cron(value):
                raise SettingsError(f"{name} must be a cron expression of five fields such as {default!r}, got {value!r}")
            crons[name] = value
        horizons = _horizons(env.get("MENTORSHIP_HORIZONS", "6,12,24"))
        roi_file = Path(env.get("MENTORSHIP_ROI_FILE", DEFAULT_ROI_FILE))
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
        return cls(
            data_dir=data,
            landing_dir=landing,
            warehouse_path=Path(env.get("MENTORSHIP_DUCKDB", data / "warehouse" / "mentorship.duckdb")),
            export_dir=Path(env.get("MENTORSHIP_EXPORT_DIR", data / "exports")),
            dashboard_dir=Path(env.get("MENTORSHIP_DASHBOARD_DIR", data / "dashboards")),
            truth_path=Path(env.get("MENTORSHIP_TRUTH_PATH", data / "truth" / "planted_truth.json")),
            min_group_size=k,
            # The default key only suits the synthetic demo; real deployments set their own secret.
            hash_key=env.get("MENTORSHIP_HASH_KEY", DEMO_HASH_KEY),
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
        )


def _horizons(value: str) -> tuple[int, ...]:
    try:
        months = tuple(sorted({int(v) for v in value.split(",") if v.strip()}))
    except ValueError:
        months = ()
    if not months or not all(1 <= m <= 120 for m in months):
        raise SettingsError(f"MENTORSHIP_HORIZONS must be whole months between 1 and 120, separated by commas "
                            f"(such as '6,12,24'), got {value!r}")
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
    from dagster._utils.schedules import is_valid_cron_string

    return len(value.split()) == 5 and is_valid_cron_string(value)
