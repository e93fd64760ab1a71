"""Effects layer: adjusted effects on the mentored, with balance tables and survival curves."""

import contextlib

import dagster as dg
import pandas as pd
from dagster import AssetExecutionContext
from dagster_duckdb import DuckDBResource

from assets._versions import code_version
from assets.resources import PipelineSettings
from mentorship import effect_tables, falsification
from mentorship import effects as estimator
from mentorship.effect_tables import compute_effects
from mentorship.settings import headline_horizon

TABLES = {
    "effect_estimates": "Raw difference and adjusted effect on the mentored (ATT) with its 95% CI (ci_method says how), "
    "method, counts before and after trimming, E-values, balance summary and suppression "
    "flags, per role, outcome, horizon, segment and dose band (meeting cadence and regularity).",
    "effect_balance": "Standardized mean difference of every covariate before and after weighting, per role, "
    "outcome and horizon (overall estimates).",
    "survival_curves": "Weighted Kaplan-Meier curves (mentored vs comparison) for time to voluntary exit and to "
    "first promotion, on a monthly grid with 95% bands.",
    "falsification_checks": "Estimates whose truth is zero, made like the real ones: a placebo outcome (promotion "
    "in the year before the index date), a placebo treatment (a fake program among "
    "never-mentored people) and balance after weighting (mentorship.falsification).",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            name,
            description=desc,
            group_name="effects",
            kinds={"duckdb", "python"},
            deps=[
                "cohort_members",
                "career_outcomes",
                "survival_times",
                "censoring_risk",
                "survey_outcomes",
                "pair_engagement",
            ]
            if name == "effect_estimates"
            else ["effect_estimates"],
            owners=["team:people-analytics"],
            code_version=code_version(effect_tables, estimator, falsification),
        )
        for name, desc in TABLES.items()
    ],
    # Warnings, not blockers: a failed falsification test is a reason to read the estimates with care and
    # say so, not to withhold them (the methodology page shows the same results).
    check_specs=[
        dg.AssetCheckSpec(check, asset="falsification_checks", description=label, blocking=False)
        for check, label in falsification.CHECKS.items()
    ],
    pool="duckdb",
)
def effects(context: AssetExecutionContext, duckdb: DuckDBResource, settings: PipelineSettings):
    """Estimate every effect with ``mentorship.effects.estimate_effect`` and store the three tables."""
    with contextlib.ExitStack() as stack:
        # DuckDB: a connection opened per role and closed while the estimates run (``compute_effects``).
        source = stack.enter_context(settings.target(duckdb)) if settings.external else duckdb.get_connection
        tables = compute_effects(source, settings.effect_settings(), progress=context.log.info, log=context.log)
    with settings.target(duckdb) as engine:
        # The tables change together or not at all, where the engine has transactions (not Spark).
        engine.write_tables({f"analytics.{name}": frame for name, frame in tables.items()})
    est = tables["effect_estimates"]
    overall = est[est.segment_type == "overall"]
    for name, frame in tables.items():
        meta = {"rows": dg.MetadataValue.int(len(frame)), "table": dg.MetadataValue.text(f"analytics.{name}")}
        if name == "effect_estimates":
            meta |= {
                "estimates": dg.MetadataValue.int(int((~est.suppressed).sum())),
                "suppressed": dg.MetadataValue.int(int(est.suppressed.sum())),
                "poorly_balanced": dg.MetadataValue.int(int((~overall.balanced.fillna(True).astype(bool)).sum())),
                "ci_methods": dg.MetadataValue.text(", ".join(sorted(est.ci_method.dropna().unique()))),
                "headline": dg.MetadataValue.md(_headline(overall)),
            }
        yield dg.MaterializeResult(asset_key=name, metadata=meta)
    checks = tables["falsification_checks"]
    for check in falsification.CHECKS:
        passed, line = falsification.summary(checks, check)
        yield dg.AssetCheckResult(
            asset_key="falsification_checks",
            check_name=check,
            passed=passed,
            severity=dg.AssetCheckSeverity.WARN,
            description=line,
            metadata={"result": dg.MetadataValue.text(line)},
        )


def _headline(overall: pd.DataFrame) -> str:
    rows = overall[
        (overall.horizon_months == headline_horizon(overall.horizon_months.dropna())) | overall.horizon_months.isna()
    ]
    lines = ["| role | outcome | horizon | raw | adjusted (95% CI) |", "|---|---|---|---|---|"]
    for _, r in rows.iterrows():
        if r.suppressed:
            continue
        h = f"{int(r.horizon_months)} mo" if pd.notna(r.horizon_months) else ""
        lines.append(
            f"| {r.role} | {r.outcome_label} | {h} | {r.naive:.3f} | {r.estimate:.3f} "
            f"({r.ci_low:.3f} to {r.ci_high:.3f}) |"
        )
    return "\n".join(lines)
