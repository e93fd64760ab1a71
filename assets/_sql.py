"""One asset per SQL model (``assets/sql``): thin wrappers, the logic lives in the SQL."""

from __future__ import annotations

import hashlib

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.resources import PipelineSettings
from assets.sql import Model, build_table, in_layer, macros


def sql_asset(model: Model, engine: str = "duckdb") -> dg.AssetsDefinition:
    @dg.asset(
        name=model.name,
        deps=list(model.deps),
        group_name=model.layer,
        kinds={engine, "sql"},
        pool="duckdb",
        owners=["team:people-analytics"],
        # The shared macros are part of every file's meaning.
        code_version=hashlib.sha256((macros() + model.sql).encode()).hexdigest()[:12],
        description=model.description,
    )
    def _asset(duckdb: DuckDBResource, settings: PipelineSettings) -> dg.MaterializeResult:
        with settings.target(duckdb) as engine:
            rows = build_table(engine, model.name, settings.sql_variables())
        return dg.MaterializeResult(
            metadata={
                "rows": dg.MetadataValue.int(rows),
                "table": dg.MetadataValue.text(model.table),
                "engine": dg.MetadataValue.text(settings.engine),
            }
        )

    return _asset


def layer_assets(layer: str, engine: str = "duckdb") -> list[dg.AssetsDefinition]:
    """The assets of every model in ``assets/sql/<layer>/``, shown with the engine they run on."""
    return [sql_asset(m, engine) for m in in_layer(layer)]
