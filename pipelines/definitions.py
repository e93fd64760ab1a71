"""The one Definitions object for the code location."""

import dagster as dg

from assets import cohorts, comparisons, effects, outcomes, reporting
from assets.ingest import raw_assets, validated_assets
from pipelines.jobs import full_refresh_job
from pipelines.resources import default_resources
from pipelines.schedules import monthly_refresh_schedule

all_assets = [
    *raw_assets,
    *validated_assets,
    *dg.load_assets_from_modules([cohorts, outcomes, comparisons, effects, reporting]),
]

defs = dg.Definitions(
    assets=all_assets,
    jobs=[full_refresh_job],
    schedules=[monthly_refresh_schedule],
    resources=default_resources(),
    # One process writes to DuckDB at a time; the pool limit in dagster.yaml guards across runs.
    executor=dg.in_process_executor,
)
