"""Source freshness: a warning when a source's newest extract is older than its expected cadence.

Evaluated daily by the ``source_freshness`` schedule (and in every full refresh). It looks at the
landing folder, not at when the pipeline last ran: a pipeline that runs every day on a stale extract
is still stale.
"""

from __future__ import annotations

import time

import dagster as dg

from mentorship.contract import SOURCES
from mentorship.settings import LANDING_SUFFIXES, Settings


def source_ages(settings: Settings, now: float | None = None) -> dict[str, float | None]:
    """Days since the newest file of each source arrived (its modification time); None if it has none."""
    now = time.time() if now is None else now
    ages = {}
    for source in SOURCES:
        folder = settings.landing_dir / source
        times = (
            [p.stat().st_mtime for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in LANDING_SUFFIXES]
            if folder.is_dir()
            else []
        )
        ages[source] = (now - max(times)) / 86400 if times else None
    return ages


def freshness_result(source: str, age: float | None, limit: int, landing) -> dg.AssetCheckResult:
    ok = age is not None and age <= limit
    return dg.AssetCheckResult(
        asset_key=f"raw_{source}",
        check_name="source_fresh",
        passed=ok,
        severity=dg.AssetCheckSeverity.WARN,
        description=(
            f"no files in {landing / source}"
            if age is None
            else f"newest {source} extract is {age:.0f} days old (expected at most {limit})"
        ),
        metadata={"age_days": dg.MetadataValue.float(round(age, 2)) if age is not None else None, "limit_days": limit},
    )


def _freshness_check(source: str) -> dg.AssetChecksDefinition:
    # One check per source, so that a run of a few assets can carry exactly their checks.
    @dg.asset_check(
        asset=f"raw_{source}",
        name="source_fresh",
        blocking=False,
        description="The newest extract of this source is no older than MENTORSHIP_FRESHNESS_DAYS "
        "(default 35: a monthly cadence with slack).",
    )
    def _check() -> dg.AssetCheckResult:
        settings = Settings.from_env()
        return freshness_result(source, source_ages(settings)[source], settings.freshness_days, settings.landing_dir)

    return _check


source_freshness = [_freshness_check(s) for s in SOURCES]
