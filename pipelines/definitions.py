"""The one Definitions object for the code location."""

import dagster as dg

from assets import cohorts, delivery, effects, outcomes, reporting
from assets.freshness import source_freshness
from assets.ingest import raw_assets, validated_assets
from pipelines.jobs import freshness_job, full_refresh_job
from pipelines.resources import default_resources
from pipelines.schedules import daily_freshness_schedule, monthly_refresh_schedule
from pipelines.sensors import landing_files_sensor, run_failure_notice

all_assets = [
    *raw_assets,
    *validated_assets,
    *dg.load_assets_from_modules([cohorts, outcomes, effects, reporting, delivery]),
]

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=source_freshness,
    jobs=[full_refresh_job, freshness_job],
    schedules=[monthly_refresh_schedule, daily_freshness_schedule],
    sensors=[landing_files_sensor, run_failure_notice],
    resources=default_resources(),
    # One process writes to DuckDB at a time; the pool limit in dagster.yaml guards across runs.
    executor=dg.in_process_executor,
)
