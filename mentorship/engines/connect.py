"""The engine a run's settings name."""

from __future__ import annotations

from mentorship.engines.base import Engine


def open_engine(settings, duckdb_con=None) -> Engine:
    """The engine of ``settings`` (an ``EngineSettings``). For DuckDB, ``duckdb_con`` is the
    warehouse connection it wraps."""
    if settings.engine == "duckdb":
        from mentorship.engines.duck import DuckEngine

        if duckdb_con is None:
            raise ValueError("the DuckDB engine runs on a warehouse connection")
        return DuckEngine(duckdb_con)
    if settings.engine == "postgres":
        from mentorship.engines.postgres import PostgresEngine

        return PostgresEngine(settings.postgres_url, settings.where, settings.setting, settings.schema_prefix)
    if settings.engine == "spark":
        from mentorship.engines.spark import SparkEngine

        return SparkEngine(settings)
    raise ValueError(f"unknown engine {settings.engine!r}")
