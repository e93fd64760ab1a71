"""Jobs."""

import dagster as dg

from assets.freshness import source_freshness

full_refresh_job = dg.define_asset_job(
    "full_refresh",
    selection=dg.AssetSelection.all(),
    description="Rebuild every layer from the landing files to the dashboards.",
)

freshness_job = dg.define_asset_job(
    "source_freshness_evaluation",
    selection=dg.AssetSelection.checks(*source_freshness),
    description="Evaluate the source freshness checks only: nothing is rebuilt.",
)

validation_report_job = dg.define_asset_job(
    "validation_report_refresh",
    selection=dg.AssetSelection.assets("validation_report"),
    description="Rewrite the validation summary and report from the warehouse: run on its own after a run "
    "that bad input blocked (the CLI and the failure sensor do), so the report shows what failed.",
)
