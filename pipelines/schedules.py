"""Schedules: the monthly refresh and the daily freshness evaluation, at the crons the settings give."""

import datetime as dt

import dagster as dg

from assets.partitions import range_tags
from mentorship.settings import Settings
from pipelines.jobs import freshness_job, full_refresh_job


def closed_month(when: dt.datetime) -> str:
    """The month before ``when``'s month (YYYY-MM): the one whose extracts have just landed."""
    first = when.replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


def monthly_refresh_schedule(settings: Settings) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="monthly_refresh",
        job=full_refresh_job,
        cron_schedule=settings.refresh_cron,
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description="Once a month (MENTORSHIP_REFRESH_CRON): load the month that just closed into the monthly "
        "sources, re-load the snapshot sources and rebuild everything downstream. Turn it on in the UI "
        "once extracts land on a schedule.",
    )
    def _monthly_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        month = closed_month(context.scheduled_execution_time)
        return dg.RunRequest(
            run_key=f"monthly_refresh:{month}", tags={**range_tags(month), "mentorship/trigger": "schedule"}
        )

    return _monthly_refresh


def daily_freshness_schedule(settings: Settings) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="daily_source_freshness",
        job=freshness_job,
        cron_schedule=settings.freshness_cron,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Every day (MENTORSHIP_FRESHNESS_CRON): warn when a source's newest extract is older than "
        "MENTORSHIP_FRESHNESS_DAYS.",
    )


def schedules(settings: Settings) -> list[dg.ScheduleDefinition]:
    return [monthly_refresh_schedule(settings), daily_freshness_schedule(settings)]
