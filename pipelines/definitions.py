"""The one Definitions object for the code location, built from the settings when Dagster loads it.

Nothing here runs at import: ``defs`` is a function Dagster calls (``@dg.definitions``), so the
environment is read once, by ``Settings.from_env()``, when the code location loads. Tests and tools build
their own with ``build_definitions(settings)`` or ``build_assets()``.
"""

import dagster as dg

from assets import delivery, effects, reporting
from assets.cohorts import cohort_assets
from assets.freshness import source_freshness
from assets.ingest import ingest_assets
from assets.outcomes import outcome_assets
from assets.partitions import monthly_partitions
from mentorship.settings import Settings
from pipelines.jobs import freshness_job, full_refresh_job, validation_report_job
from pipelines.resources import default_resources
from pipelines.schedules import schedules
from pipelines.sensors import blocked_run_report, landing_files_sensor, run_failure_notice


def build_assets(first_month: str = Settings.first_month, engine: str = "duckdb") -> list[dg.AssetsDefinition]:
    """Every asset, the monthly sources partitioned from ``first_month``, the SQL models shown on ``engine``."""
    return [
        *ingest_assets(monthly_partitions(first_month)),
        *cohort_assets(engine),
        *outcome_assets(engine),
        *dg.load_assets_from_modules([effects, reporting, delivery]),
    ]


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or Settings.from_env()
    return dg.Definitions(
        assets=build_assets(settings.first_month, settings.engine.engine),
        asset_checks=source_freshness,
        jobs=[full_refresh_job, freshness_job, validation_report_job],
        schedules=schedules(settings),
        sensors=[landing_files_sensor, run_failure_notice, blocked_run_report],
        resources=default_resources(settings),
        # One process writes to DuckDB at a time; the pool limit in dagster.yaml guards across runs.
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
