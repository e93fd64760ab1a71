"""Raw and validated layers: landing files to raw text tables to typed, contract-checked tables."""


from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext
from dagster_duckdb import DuckDBResource

from mentorship.contract import SOURCES
from mentorship.landing import load_raw, validate
from pipelines.resources import PipelineSettings


def _raw_asset(source: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"raw_{source}",
        group_name="raw",
        kinds={"duckdb"},
        pool="duckdb",
        description=(f"Every row of every file in the landing folder `{source}/`, as text, with its source "
                     f"file and row number. A file that cannot be read or lacks a required column fails "
                     f"the asset before the last good table is touched."),
    )
    def _raw(context: AssetExecutionContext, duckdb: DuckDBResource,
             settings: PipelineSettings) -> dg.MaterializeResult:
        with duckdb.get_connection() as con:
            per_file = load_raw(con, source, Path(settings.landing_dir), progress=context.log.info)
        return dg.MaterializeResult(metadata={
            "rows_read": dg.MetadataValue.int(sum(per_file.values())),
            "files": dg.MetadataValue.int(len(per_file)),
            "rows_per_file": dg.MetadataValue.json(per_file),
        })

    return _raw


def _validated_asset(source: str) -> dg.AssetsDefinition:
    name = f"validated_{source}"

    @dg.asset(
        name=name,
        deps=[f"raw_{source}"],
        group_name="validated",
        kinds={"duckdb"},
        pool="duckdb",
        check_specs=[dg.AssetCheckSpec("rows_reconcile", asset=name,
                                       description="rows read = rows accepted + rows quarantined")],
        description=(f"`{source}` typed against the data contract. Rows with a missing required value, an "
                     f"unreadable type or a value outside its allowed set go to validated.quarantine with "
                     f"file, row, column, rule and value."),
    )
    def _validated(duckdb: DuckDBResource) -> dg.MaterializeResult:
        with duckdb.get_connection() as con:
            r = validate(con, source)
        balanced = r["rows_read"] == r["rows_accepted"] + r["rows_quarantined"]
        return dg.MaterializeResult(
            metadata={
                "rows_read": dg.MetadataValue.int(r["rows_read"]),
                "rows_accepted": dg.MetadataValue.int(r["rows_accepted"]),
                "rows_quarantined": dg.MetadataValue.int(r["rows_quarantined"]),
                "issues_by_rule": dg.MetadataValue.json(r["issues_by_rule"]),
            },
            check_results=[dg.AssetCheckResult(
                check_name="rows_reconcile", passed=balanced,
                metadata={k: v for k, v in r.items() if k != "issues_by_rule"})],
        )

    return _validated


raw_assets = [_raw_asset(s) for s in SOURCES]
validated_assets = [_validated_asset(s) for s in SOURCES]
