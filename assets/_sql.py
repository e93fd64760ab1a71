"""A factory for assets that are one SQL file each: thin wrappers, the logic lives in the SQL."""

from __future__ import annotations

import hashlib

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.resources import PipelineSettings
from pipelines.sql import build_table, read_sql


def sql_asset(
    name: str, deps: list[str], group: str, description: str, schema: str = "analytics", params: tuple[str, ...] = ()
) -> dg.AssetsDefinition:
    @dg.asset(
        name=name,
        deps=deps,
        group_name=group,
        kinds={"duckdb", "sql"},
        pool="duckdb",
        owners=["team:people-analytics"],
        # The shared macros are part of every file's meaning.
        code_version=hashlib.sha256((read_sql("macros") + read_sql(name)).encode()).hexdigest()[:12],
        description=description,
    )
    def _asset(duckdb: DuckDBResource, settings: PipelineSettings) -> dg.MaterializeResult:
        values = {p: getattr(settings, p) for p in params}
        with duckdb.get_connection() as con:
            settings.prepare(con)
            rows = build_table(con, schema, name, values)
        return dg.MaterializeResult(
            metadata={"rows": dg.MetadataValue.int(rows), "table": dg.MetadataValue.text(f"{schema}.{name}")}
        )

    return _asset
