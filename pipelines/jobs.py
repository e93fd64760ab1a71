"""Jobs."""

import dagster as dg

full_refresh_job = dg.define_asset_job(
    "full_refresh",
    selection=dg.AssetSelection.all(),
    description="Rebuild every layer from the landing files to the dashboards.",
)
