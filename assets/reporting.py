"""Reporting layer: aggregate exports (the only thing dashboards read) and the dashboard pages."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from dashboards.comparison import build_comparison_page, build_index
from dashboards.methodology import build_methodology
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
    return dg.MaterializeResult(metadata={"page": dg.MetadataValue.path(str(page)),
                                          "bytes": dg.MetadataValue.int(page.stat().st_size)})


EFFECT_EXPORTS = ("effect_estimates", "effect_balance", "survival_curves")


@dg.asset(deps=list(EFFECT_EXPORTS), group_name="reporting", kinds={"duckdb", "parquet"}, pool="duckdb")
def effect_exports(duckdb: DuckDBResource, settings: PipelineSettings) -> dg.MaterializeResult:
    """The effect tables as Parquet for the dashboards: aggregates only, suppressed cells without
    numbers, counts hidden where a suppressed segment could otherwise be derived."""
    out = Path(settings.export_dir)
    out.mkdir(parents=True, exist_ok=True)
    with duckdb.get_connection() as con:
        for name in EFFECT_EXPORTS:
            con.execute(f"copy (select * from analytics.{name}) to '{out / (name + '.parquet')}' (format parquet)")
        rows = {name: con.execute(f"select count(*) from '{out / (name + '.parquet')}'").fetchone()[0]
                for name in EFFECT_EXPORTS}
    return dg.MaterializeResult(metadata={f"{k}_rows": dg.MetadataValue.int(v) for k, v in rows.items()})


@dg.asset(deps=["effect_exports"], group_name="reporting", kinds={"html", "markdown"})
def methodology_note(settings: PipelineSettings) -> dg.MaterializeResult:
    """The generated methodology note (Markdown and HTML): design, covariates, estimands, trimming,
    balance and the assumptions every estimate rests on."""
    effects = pd.read_parquet(Path(settings.export_dir) / "effect_estimates.parquet")
    md, page = build_methodology(effects, Path(settings.dashboard_dir), settings.effect_bootstrap,
                                 settings.effect_trim, settings.min_group_size)
    return dg.MaterializeResult(metadata={"markdown": dg.MetadataValue.path(str(md)),
                                          "html": dg.MetadataValue.path(str(page))})


@dg.asset(deps=["comparison_dashboard", "methodology_note"], group_name="reporting", kinds={"html"})
def dashboard_index(settings: PipelineSettings) -> dg.MaterializeResult:
    """The index page linking every dashboard, the methodology note and the validation report."""
    sizes = pd.read_parquet(Path(settings.export_dir) / "cohort_sizes.parquet")
    as_of = str(pd.to_datetime(sizes["as_of_date"]).max().date()) if len(sizes) else "unknown"
    index = build_index([
        ("Mentored vs comparison (raw)", "outcome_comparison.html",
         "promotion, retention, pay, mobility and survey change, mentored vs comparison"),
        ("Methodology", "methodology.html", "how the adjusted effects are estimated and what they assume"),
        ("Data validation report", "validation_report.html",
         "for analysts: every file and row check per source, quarantine counts and samples"),
    ], as_of, Path(settings.dashboard_dir) / "index.html")
    return dg.MaterializeResult(metadata={"index": dg.MetadataValue.path(str(index))})
