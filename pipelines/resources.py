"""The resources of the code location, built from the settings (``mentorship.settings.Settings``)."""

from __future__ import annotations

import os

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.resources import PipelineSettings
from mentorship.settings import Settings


def warehouse(database, memory: str | None = None) -> DuckDBResource:
    """The DuckDB resource, with the memory ceiling (``Settings.duckdb_memory`` unless given)."""
    return DuckDBResource(
        database=database, connection_config={"memory_limit": memory or Settings.from_env().duckdb_memory}
    )


def default_resources(settings: Settings | None = None) -> dict:
    """The warehouse and the settings resource, from ``settings`` alone. The warehouse path is an EnvVar where
    it is MENTORSHIP_DUCKDB's (the documented override); nothing is written to the environment."""
    settings = settings or Settings.from_env()
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    path = str(settings.warehouse_path)
    database = dg.EnvVar("MENTORSHIP_DUCKDB") if os.environ.get("MENTORSHIP_DUCKDB") == path else path
    return {
        "duckdb": warehouse(database, settings.duckdb_memory),
        "settings": PipelineSettings.from_settings(settings),
    }
