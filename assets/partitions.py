"""Monthly partitions for the sources that arrive in monthly batches (job history, meetings, surveys).

A partition is the month in a file's name (``meetings_2025-03.csv`` is 2025-03), so a partition's
rows are exactly its files' rows and re-loading it is a delete-then-insert of that month. Runs carry
a partition range; with a single-run backfill policy a backfill of many months is one run that
loads them all and then rebuilds everything downstream once. The first month is a setting
(``Settings.first_month``, MENTORSHIP_FIRST_MONTH), so the partitions are made from it, not at import.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import dagster as dg

from mentorship.landing import landing_months
from mentorship.settings import Settings

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


@cache
def monthly_partitions(first_month: str = Settings.first_month) -> dg.MonthlyPartitionsDefinition:
    """Months from ``first_month`` to the current one (the month under way, whose files may land early)."""
    return dg.MonthlyPartitionsDefinition(start_date=first_month, fmt="%Y-%m", end_offset=1)


def range_tags(start: str, end: str | None = None) -> dict[str, str]:
    """Run tags that make a run cover the months ``start`` to ``end`` (inclusive)."""
    return {RANGE_START: start, RANGE_END: end or start}


def all_months(partitions: dg.PartitionsDefinition | None = None) -> tuple[str, str]:
    """The first and last partition: a run over them rebuilds every month, emptying months whose files are gone."""
    keys = (partitions or monthly_partitions()).get_partition_keys()
    return keys[0], keys[-1]


def landing_range(landing: Path) -> tuple[str, str] | None:
    """The first and last month named by the landing folder's monthly files, or None if there are none."""
    months = landing_months(landing)
    return (months[0], months[-1]) if months else None


def check_range(start: str, end: str, partitions: dg.PartitionsDefinition | None = None) -> None:
    """Raise ValueError in plain words when the months are not valid partitions."""
    keys = (partitions or monthly_partitions()).get_partition_keys()
    for m in (start, end):
        if m not in keys:
            raise ValueError(
                f"month {m!r} is not a partition: months run from {keys[0]} to {keys[-1]} "
                f"(YYYY-MM; set MENTORSHIP_FIRST_MONTH for earlier extracts)"
            )
    if start > end:
        raise ValueError(f"the range {start}:{end} ends before it starts")
