"""Reporting layer: the validation report, aggregate exports (the only thing dashboards read), the metrics
table, the ROI case and the dashboard pages."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from assets._versions import code_version
from assets.ingest import REPORT_FILE, SUITES_DIR
from assets.resources import PipelineSettings
from dashboards import comparison, methodology, packs, pages, theme
from dashboards import validation as validation_page
from dashboards.comparison import build_comparison_page
from dashboards.methodology import build_methodology
from dashboards.packs import render_packs
from dashboards.pages import build_all
from mentorship import disclosure, falsification, metrics, privacy, publication, quality, roi
from mentorship.contract import SOURCES
from mentorship.engines import as_engine
from mentorship.privacy import pseudonymise
from mentorship.publication import at_risk_list, audit, publish
from mentorship.quality import write_summary

OWNERS = ["team:people-analytics"]
SUMMARY_FILE = "validation_summary.json"


@dg.asset(
    deps=[f"{layer}_{s}" for layer in ("raw", "validated") for s in SOURCES],
    group_name="reporting",
    kinds={"json", "html"},
    owners=OWNERS,
    code_version=code_version(quality, validation_page),
    pool="duckdb",
)
def validation_report(duckdb: DuckDBResource, settings: PipelineSettings) -> dg.MaterializeResult:
    """The validation summary (``validation_summary.json``), its report page and the Great Expectations
    suites the validated layer runs (``expectation_suites/<source>.json``), from what the raw and
    validated layers recorded in the warehouse: per source its status, rows read, accepted and quarantined,
    failed files and the rules that failed, with sample rows. A leadership export keeps the counts and
    leaves out the sample rows (hashed ids and bad values of single records).

    After a run that bad input blocked, the CLI and the failure sensor run this asset on its own, so the
    report is current precisely when something failed."""
    with duckdb.get_connection() as con:
        summary = write_summary(
            con,
            Path(settings.export_dir) / SUMMARY_FILE,
            settings.key(),
            settings.mapping().label,
            samples=not settings.leadership_export,
        )
    page = validation_page.build_validation_report(summary, Path(settings.dashboard_dir) / REPORT_FILE)
    write_suites(Path(settings.export_dir) / SUITES_DIR)
    statuses = [s["status"] for s in summary["sources"]]
    return dg.MaterializeResult(
        metadata={
            "page": dg.MetadataValue.path(str(page)),
            **{st: dg.MetadataValue.int(statuses.count(st)) for st in sorted(set(statuses))},
        }
    )


#: Warehouse tables published as they are computed, unsuppressed until the gate.
PUBLISHED = (
    "effect_estimates",
    "effect_balance",
    "survival_curves",
    "falsification_checks",
    "program_health",
    "program_activity",
    "survey_prepost",
    "roi_inputs",
)
COHORT_SIZES = """
    select role, cohort, group_name, min(index_date) as index_date, count(distinct employee_id) as people,
           max(as_of_date) as as_of_date
    from analytics.cohort_members
    group by role, cohort, group_name
    order by role, cohort, group_name"""


@dg.asset(
    deps=[*PUBLISHED, "cohort_members", "pair_engagement"],
    group_name="reporting",
    kinds={"duckdb", "parquet"},
    owners=OWNERS,
    code_version=code_version(privacy, publication, disclosure),
    pool="duckdb",
    check_specs=[
        dg.AssetCheckSpec(
            "no_disclosure",
            asset="published_exports",
            blocking=True,
            description="The disclosure auditor, run on the tables about to be "
            "published with the warehouse's own figures as the truth: "
            "no count under the minimum group size shown or workable "
            "out. On a finding nothing is published.",
        )
    ],
)
def published_exports(duckdb: DuckDBResource, settings: PipelineSettings) -> dg.MaterializeResult:
    """Every table that leaves the warehouse, as Parquet for the dashboards, the packs and the CLI summary,
    through the one publication gate (``mentorship.publication``): counts under the minimum group size
    hidden, more hidden wherever a hidden one could be worked out from any published total in any of
    these tables, derived figures hidden with their counts; and the at-risk pair list with keyed-hash
    pair ids. Dashboards read these, never the warehouse, so an open page never holds DuckDB's lock."""
    out = Path(settings.export_dir)
    out.mkdir(parents=True, exist_ok=True)
    with settings.target(duckdb) as engine:
        frames = {name: _read(engine, f"select * from analytics.{name}") for name in PUBLISHED}
        frames["cohort_sizes"] = _read(engine, COHORT_SIZES)
        published = publish(frames, settings.min_group_size)
        # Every run audits what it is about to publish, and publishes nothing if the auditor finds a way in.
        findings = audit({n: _plain(f) for n, f in published.items()}, settings.min_group_size, truth=frames)
        if findings:
            raise dg.Failure(
                f"The disclosure auditor found {len(findings)} count(s) under the minimum group size "
                f"that the tables about to be published would show or let a reader work out; nothing "
                f"was published and the last exports are kept. First: " + "; ".join(map(str, findings[:5]))
            )
        # All or nothing: every file is written beside its old one first, then all are swapped in.
        staged = []
        for name, frame in published.items():
            tmp = out / f".{name}.parquet.tmp"
            _plain(frame).to_parquet(tmp, index=False)
            staged.append((tmp, out / f"{name}.parquet"))
        for tmp, path in staged:
            tmp.replace(path)
        at_risk = write_at_risk_pairs(engine, out, settings)
    rows = {name: len(frame) for name, frame in published.items()} | {"at_risk_pairs": len(at_risk)}
    hidden = {
        name: int(frame["counts_hidden"].sum()) if "counts_hidden" in frame else None
        for name, frame in published.items()
    }
    return dg.MaterializeResult(
        check_results=[
            dg.AssetCheckResult(
                check_name="no_disclosure",
                passed=True,
                description=f"no disclosure at minimum group size {settings.min_group_size}",
            )
        ],
        metadata={f"{k}_rows": dg.MetadataValue.int(v) for k, v in rows.items()}
        | {
            "export_dir": dg.MetadataValue.path(str(out)),
            "suppressed_rows": dg.MetadataValue.int(
                int(sum(f["suppressed"].sum() for f in published.values() if "suppressed" in f))
            ),
            "effect_rows_with_counts_hidden": dg.MetadataValue.int(hidden.get("effect_estimates") or 0),
        },
    )


def write_suites(folder: Path) -> None:
    """Each source's expectation suite as JSON, for reading beside the report."""
    from mentorship.validation import build_suite  # Great Expectations: a slow import, only here

    folder.mkdir(parents=True, exist_ok=True)
    for source in SOURCES:
        (folder / f"{source}.json").write_text(json.dumps(build_suite(source).to_json_dict(), indent=1, default=str))


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """NumPy dtypes for the readers: nullable floats as float with NaN, nullable booleans as objects."""
    frame = frame.copy()
    for c in frame.columns:
        dtype = frame[c].dtype
        if (
            isinstance(dtype, pd.api.extensions.ExtensionDtype)
            and pd.api.types.is_numeric_dtype(dtype)
            and not pd.api.types.is_bool_dtype(dtype)
        ):
            frame[c] = frame[c].astype("float64" if frame[c].isna().any() or dtype.kind == "f" else dtype.numpy_dtype)
        elif isinstance(frame[c].dtype, pd.BooleanDtype):
            frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    return frame


#: The published tables the metrics table is built from.
METRIC_SOURCES = (
    "effect_estimates",
    "survival_curves",
    "program_health",
    "program_activity",
    "survey_prepost",
    "cohort_sizes",
    "falsification_checks",
    "roi_inputs",
)


ROI_FILE = "roi_case.parquet"


@dg.asset(
    deps=["published_exports"],
    group_name="reporting",
    kinds={"parquet"},
    owners=OWNERS,
    code_version=code_version(roi, metrics),
)
def roi_case(settings: PipelineSettings) -> dg.MaterializeResult:
    """The ROI case HR defends the budget with (``mentorship.roi``, assumptions from MENTORSHIP_ROI_FILE):
    cost, exits avoided and what they save, the return with its interval, the break-even points and the
    sensitivity to each assumption, for all programs and per program. Computed from the gated exports
    only and stored as ``roi_case.parquet`` in the metrics table's rows; the metrics table, and through it
    the ROI page and the executive summary, read it."""
    exports = Path(settings.export_dir)
    published = {name: pd.read_parquet(exports / f"{name}.parquet") for name in ("roi_inputs", "effect_estimates")}
    published["cohort_sizes"] = pd.read_parquet(exports / "cohort_sizes.parquet")
    a = roi.Assumptions.from_yaml(Path(settings.roi_file))
    case = metrics.roi_case(published, a, metrics.as_of_date(published))
    tmp = exports / f".{ROI_FILE}.tmp"
    case.to_parquet(tmp, index=False)
    tmp.replace(exports / ROI_FILE)
    headline = case[case.metric_id == "roi.roi"] if len(case) else case
    return dg.MaterializeResult(
        metadata={
            "figures": dg.MetadataValue.int(len(case)),
            "roi": dg.MetadataValue.float(float(headline.value.iloc[0])) if len(headline) else None,
            "assumptions": dg.MetadataValue.path(settings.roi_file),
            "path": dg.MetadataValue.path(str(exports / ROI_FILE)),
        }
    )


@dg.asset(
    deps=["published_exports", "validation_report", "roi_case"],
    group_name="reporting",
    kinds={"parquet", "csv"},
    owners=OWNERS,
    code_version=code_version(metrics),
)
def metric_table(settings: PipelineSettings) -> dg.MaterializeResult:
    """Every published figure, one row each (``mentorship.metrics``): a stable id, its definition, the
    population, the estimator (raw, weighted or adjusted), value, 95% interval, people and
    person-intakes, as-of date and whether it is published, suppressed or not estimated. Built from the
    gated exports only, with the ROI case (``roi_case``) and the validation counts; every page, pack, the run summary
    and the methodology note read it, so a figure reads the same everywhere."""
    exports = Path(settings.export_dir)
    published = {name: pd.read_parquet(exports / f"{name}.parquet") for name in METRIC_SOURCES}
    vpath = exports / SUMMARY_FILE
    validation = json.loads(vpath.read_text()) if vpath.exists() else {}
    if not (exports / ROI_FILE).exists():
        # A data folder from before the ROI case was an asset of its own, and a partial run.
        raise dg.Failure(f"{exports / ROI_FILE} is missing: materialize roi_case first (a full run does)")
    roi_rows = pd.read_parquet(exports / ROI_FILE)
    table = metrics.build_metrics(published, validation, roi_rows)
    tmp = exports / ".metrics.parquet.tmp"
    table.to_parquet(tmp, index=False)
    tmp.replace(exports / "metrics.parquet")
    table.to_csv(exports / "metrics.csv", index=False)
    counts = table.status.value_counts()
    return dg.MaterializeResult(
        metadata={
            "figures": dg.MetadataValue.int(len(table)),
            **{s: dg.MetadataValue.int(int(counts.get(s, 0))) for s in metrics.STATUSES},
            "path": dg.MetadataValue.path(str(exports / "metrics.parquet")),
        }
    )


@dg.asset(
    deps=["metric_table"],
    group_name="reporting",
    kinds={"plotly", "html"},
    owners=OWNERS,
    code_version=code_version(comparison, theme),
)
def comparison_dashboard(settings: PipelineSettings) -> dg.MaterializeResult:
    """The mentored-vs-comparison page (raw figures, with counts), as static HTML that works offline
    from file://. Reads the metrics table only."""
    table = metrics.Metrics(pd.read_parquet(Path(settings.export_dir) / "metrics.parquet"))
    out = Path(settings.dashboard_dir)
    page = build_comparison_page(table, out / "outcome_comparison.html", settings.self_contained_pages)
    return dg.MaterializeResult(
        metadata={"page": dg.MetadataValue.path(str(page)), "bytes": dg.MetadataValue.int(page.stat().st_size)}
    )


def _read(engine, sql: str, params: dict | None = None) -> pd.DataFrame:
    """A query's result as a frame, through the engine (typed alike on every engine: ``Engine.fetch_frame``)."""
    return engine.fetch_frame(sql, params)


def write_at_risk_pairs(engine, out: Path, settings: PipelineSettings) -> pd.DataFrame:
    """The at-risk pair list as ``at_risk_pairs.parquet``, for the program team's page. In a leadership
    export (``MENTORSHIP_LEADERSHIP_EXPORT``) no file is written and an earlier one is removed, so no
    person-level list reaches the exports and pages meant for leadership; the program page then says the
    list is held back."""
    path = out / "at_risk_pairs.parquet"
    if settings.leadership_export:
        path.unlink(missing_ok=True)
        return pd.DataFrame()
    frame = at_risk_list(at_risk_pairs(engine, settings.at_risk_days, settings.key()), settings.min_group_size)
    frame.to_parquet(path, index=False)
    return frame


AT_RISK = """
    select pair_id, program, cohort, days_since_last_meeting, meetings
    from analytics.pair_engagement
    where status = 'active' and days_since_last_meeting > $days
    order by days_since_last_meeting desc, pair_id"""


def at_risk_pairs(engine, days: int, hash_key: str) -> pd.DataFrame:
    """Active pairs with no meeting in more than ``days`` days, longest quiet first; pair ids hashed."""
    frame = _read(as_engine(engine), AT_RISK, {"days": days})
    # Only the at-risk pairs are hashed here, a few per cent of all pairs.
    frame.insert(0, "pair", [pseudonymise(p, hash_key, prefix="pair_") for p in frame.pop("pair_id")])
    return frame


@dg.asset(
    deps=["published_exports", "metric_table"],
    group_name="reporting",
    kinds={"html", "markdown"},
    owners=OWNERS,
    code_version=code_version(methodology, falsification),
)
def methodology_note(settings: PipelineSettings) -> dg.MaterializeResult:
    """The generated methodology note (Markdown and HTML): design, covariates, estimands, trimming,
    balance, the assumptions every estimate rests on, the falsification tests' figures (from the
    metrics table) and the glossary every page links to."""
    effects = pd.read_parquet(Path(settings.export_dir) / "effect_estimates.parquet")
    checks_file = Path(settings.export_dir) / "falsification_checks.parquet"
    checks = pd.read_parquet(checks_file) if checks_file.exists() else None
    md, page = build_methodology(
        effects,
        Path(settings.dashboard_dir),
        n_bootstrap=settings.effect_bootstrap,
        trim=settings.effect_trim,
        min_group_size=settings.min_group_size,
        bootstrap_below=settings.effect_bootstrap_below,
        checks=checks,
        metrics=metrics.Metrics(pd.read_parquet(Path(settings.export_dir) / "metrics.parquet")),
    )
    return dg.MaterializeResult(
        metadata={"markdown": dg.MetadataValue.path(str(md)), "html": dg.MetadataValue.path(str(page))}
    )


@dg.asset(
    deps=["comparison_dashboard", "metric_table", "methodology_note"],
    group_name="reporting",
    kinds={"plotly", "html"},
    owners=OWNERS,
    code_version=code_version(pages, theme, roi),
)
def dashboards(settings: PipelineSettings) -> dg.MaterializeResult:
    """Every leadership and HR page (executive summary, retention, promotion and growth, surveys,
    program health, equity, mentors, ROI, data quality) and the index, as static HTML that works
    offline from file://. Reads the exported files only."""
    pages = build_all(
        Path(settings.export_dir),
        Path(settings.dashboard_dir),
        Path(settings.roi_file),
        settings.at_risk_days,
        settings.min_group_size,
        settings.self_contained_pages,
    )
    return dg.MaterializeResult(
        metadata={
            "pages": dg.MetadataValue.int(len(pages)),
            "index": dg.MetadataValue.path(str(Path(settings.dashboard_dir) / "index.html")),
            "bytes": dg.MetadataValue.int(sum(p.stat().st_size for p in pages)),
        }
    )


@dg.asset(
    deps=["dashboards"], group_name="reporting", kinds={"pdf", "png"}, owners=OWNERS, code_version=code_version(packs)
)
def dashboard_packs(context, settings: PipelineSettings) -> dg.MaterializeResult:
    """PDF and PNG renderings of the executive summary and ROI pages for leadership packs, printed by the
    local Chromium (no network). Without a Chromium the pack is skipped with a warning, never a failure."""
    written, problem = render_packs(Path(settings.dashboard_dir))
    if problem:
        context.log.warning(problem)
    return dg.MaterializeResult(
        metadata={"files": dg.MetadataValue.int(len(written)), "skipped": dg.MetadataValue.text(problem or "")}
    )
