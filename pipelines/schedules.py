"""Schedules."""

import dagster as dg

from pipelines.jobs import full_refresh_job

monthly_refresh_schedule = dg.ScheduleDefinition(
    name="monthly_refresh",
    job=full_refresh_job,
    cron_schedule="0 6 2 * *",  # the 2nd of each month, after month-end extracts have landed
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Full refresh once a month. Turn it on in the UI once extracts land on a schedule.",
)
