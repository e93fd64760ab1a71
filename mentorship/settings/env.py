"""Reading one setting from the environment: whole numbers, flags, the horizons and cron expressions,
and ``SettingsError``, what every bad setting raises (its message names the setting)."""

from __future__ import annotations

from datetime import datetime

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}


class SettingsError(ValueError):
    pass


def read_flag(env, name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name} must be one of 1, true, yes, on or 0, false, no, off (or unset), got {env[name]!r}")


def parse_horizons(value: str) -> tuple[int, ...]:
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


def read_whole(env, name: str, default: int, minimum: int, what: str) -> int:
    try:
        value = int(env.get(name, str(default)))
    except ValueError:
        raise SettingsError(f"{name} must be {what}, got {env[name]!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def valid_cron(value: str) -> bool:
    from cronsim import CronSim, CronSimError

    try:
        CronSim(value, datetime.now())
    except CronSimError:
        return False
    return len(value.split()) == 5
