"""Reporting layer: aggregate exports (the only thing dashboards read) and the dashboard pages."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from dashboards.comparison import build_comparison_page, build_index
from pipelines.resources import PipelineSettings

EXPORTS = ("outcome_comparison", "cohort_sizes")


@dg.asset(
    deps=["outcome_comparison", "cohort_members"],
    group_name="reporting",
    kinds={"duckdb", "parquet"},
    pool="duckdb",
)
def comparison_exports(duckdb: DuckDBResource, settings: PipelineSettings) -> dg.MaterializeResult:
    """Aggregate-only Parquet exports for the dashboards: the raw comparison table and cohort sizes,
    with groups under the minimum size suppressed. Dashboards read these, never the warehouse, so an
    open page never holds DuckDB's lock."""
    out = Path(settings.export_dir)
    out.mkdir(parents=True, exist_ok=True)
    k = settings.min_group_size
    with duckdb.get_connection() as con:
        con.execute(f"copy (select * from analytics.outcome_comparison) to '{out / 'outcome_comparison.parquet'}' "
                    "(format parquet)")
        con.execute(f"""
            copy (
                select role, cohort, group_name, min(index_date) as index_date,
                       case when count(distinct employee_id) >= {int(k)} then count(distinct employee_id) end as people,
                       any_value(as_of_date) as as_of_date
                from analytics.cohort_members
                group by role, cohort, group_name
                order by role, cohort, group_name
            ) to '{out / 'cohort_sizes.parquet'}' (format parquet)""")
        rows = {name: con.execute(f"select count(*) from '{out / (name + '.parquet')}'").fetchone()[0]
                for name in EXPORTS}
    return dg.MaterializeResult(metadata={f"{k_}_rows": dg.MetadataValue.int(v) for k_, v in rows.items()}
                                | {"export_dir": dg.MetadataValue.path(str(out))})


@dg.asset(deps=["comparison_exports"], group_name="reporting", kinds={"plotly", "html"})
def comparison_dashboard(settings: PipelineSettings) -> dg.MaterializeResult:
    """The mentored-vs-comparison page (raw figures, with counts) and the dashboard index, as static
    HTML that works offline from file://."""
    exports = Path(settings.export_dir)
    comparison = pd.read_parquet(exports / "outcome_comparison.parquet")
    sizes = pd.read_parquet(exports / "cohort_sizes.parquet")
    as_of = str(pd.to_datetime(sizes["as_of_date"]).max().date()) if len(sizes) else "unknown"
    out = Path(settings.dashboard_dir)
    page = build_comparison_page(comparison, sizes, as_of, out / "outcome_comparison.html")
    index = build_index([("Mentored vs comparison (raw)", page.name,
                          "promotion, retention, pay, mobility and survey change, mentored vs comparison"),
                         ("Data validation report", "validation_report.html",
                          "for analysts: every file and row check per source, quarantine counts and samples")],
                        as_of, out / "index.html")
    return dg.MaterializeResult(metadata={"page": dg.MetadataValue.path(str(page)),
                                          "index": dg.MetadataValue.path(str(index)),
                                          "bytes": dg.MetadataValue.int(page.stat().st_size)})
