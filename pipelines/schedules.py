"""Schedules: the monthly refresh and the daily freshness evaluation; crons from the environment."""

import dagster as dg

from mentorship.settings import Settings
from pipelines.jobs import freshness_job, full_refresh_job

_settings = Settings.from_env()

monthly_refresh_schedule = dg.ScheduleDefinition(
    name="monthly_refresh",
    job=full_refresh_job,
    cron_schedule=_settings.refresh_cron,  # default: the 2nd of each month, after month-end extracts land
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Full refresh once a month (MENTORSHIP_REFRESH_CRON). Turn it on in the UI once extracts land "
                "on a schedule.",
)

daily_freshness_schedule = dg.ScheduleDefinition(
    name="daily_source_freshness",
    job=freshness_job,
    cron_schedule=_settings.freshness_cron,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every day (MENTORSHIP_FRESHNESS_CRON): warn when a source's newest extract is older than "
                "MENTORSHIP_FRESHNESS_DAYS.",
)
