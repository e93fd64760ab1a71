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
        times = [p.stat().st_mtime for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in LANDING_SUFFIXES] \
            if folder.is_dir() else []
        ages[source] = (now - max(times)) / 86400 if times else None
    return ages


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec("source_fresh", asset=f"raw_{s}", blocking=False,
                             description="The newest extract of this source is no older than "
                                         "MENTORSHIP_FRESHNESS_DAYS (default 35: a monthly cadence with slack).")
           for s in SOURCES],
)
def source_freshness():
    settings = Settings.from_env()
    for source, age in source_ages(settings).items():
        limit = settings.freshness_days
        ok = age is not None and age <= limit
        yield dg.AssetCheckResult(
            asset_key=f"raw_{source}", check_name="source_fresh", passed=ok, severity=dg.AssetCheckSeverity.WARN,
            description=(f"no files in {settings.landing_dir / source}" if age is None else
                         f"newest {source} extract is {age:.0f} days old (expected at most {limit})"),
            metadata={"age_days": dg.MetadataValue.float(round(age, 2)) if age is not None else None,
                      "limit_days": limit})
