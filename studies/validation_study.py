"""Validation study: does the pipeline's estimator recover the effect the synthetic organisation plants?

For each seed it generates an organisation with planted effects and self-selection, runs the
pipeline's own code on it (contract validation, the SQL that builds cohorts and outcomes, and
``mentorship.effect_tables`` with its bootstrap), and compares the mentees' adjusted effects and
raw differences with the planted truth (the mean over mentees of actual minus counterfactual
outcome, from the generator's truth file). Across seeds it reports bias, RMSE and 95% CI coverage
per outcome, with the raw difference's bias beside them.

    python -m studies.validation_study --seeds 200            # what `make validate` runs
    python -m studies.validation_study --seeds 5 --out /tmp/x  # a quick look

Results go to studies/results/validation_study_<selection>.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from mentorship.effect_tables import EffectSettings, analytic_frames, overall_effect
from mentorship.synthetic import PlantedEffects, Selection, SyntheticConfig, generate
from mentorship.validation import ingest
from pipelines.sql import build_table

RESULTS = Path(__file__).resolve().parent / "results"
SQL_ORDER = ("job_events", "survey_scores", "cohort_members", "career_outcomes", "survival_times", "censoring_risk",
             "survey_outcomes", "pair_engagement")
#: (outcome in the effect table, horizon, where the truth file keeps it)
STUDIED = [
    ("promoted", 12, ("horizons", "12", "promotion")),
    ("retained", 12, ("horizons", "12", "retention")),
    ("salary_growth", 12, ("horizons", "12", "salary_growth")),
    ("promoted", 24, ("horizons", "24", "promotion")),
    ("engagement_change", None, ("survey_change", "engagement")),
    ("satisfaction_change", None, ("survey_change", "satisfaction")),
]


#: Who volunteers. "observed": on what the data records (performance rating, department), the
#: assumption the estimator rests on, so it must recover the truth. "latent": the generator's
#: default, which adds engagement and ability that the data shows only through noisy proxies
#: (survey scores, ratings), so some selection bias must remain; how much is what this measures.
SELECTIONS = {
    "observed": Selection(engagement=0.0, performance=1.0, ability=0.0),
    "latent": Selection(),
}


def build_outcomes(con: duckdb.DuckDBPyConnection, horizons=(6, 12, 24)) -> None:
    """The pipeline's cohort and outcome SQL, in the order the asset graph runs it."""
    con.execute("set variable horizons = ?", [list(horizons)])
    con.execute("set variable as_of_date = null")
    for name in SQL_ORDER:
        build_table(con, "analytics", name)


def mentee_frames(seed: int, n_employees: int, effects: PlantedEffects, selection: str = "observed",
                  comparison_sample: float = 1.0) -> tuple[dict, dict]:
    """One generated organisation run through ingest and the outcome SQL: the mentees' analytic
    frames and the planted truth. ``comparison_sample`` below 1 keeps that share of the comparison
    group, as the pipeline does in an organisation above ``EffectSettings.comparison_max``."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        config = SyntheticConfig(n_employees=n_employees, seed=seed, effects=effects, selection=SELECTIONS[selection])
        truth = generate(tmp / "landing", config, tmp / "truth.json")
        con = duckdb.connect()
        ingest(con, tmp / "landing")
        build_outcomes(con)
        cap = None
        if comparison_sample < 1:
            n = con.execute("select count(*) from analytics.cohort_members where role = 'mentee' and treated = 0"
                            ).fetchall()[0][0]
            cap = max(1, int(comparison_sample * n))
        frames = analytic_frames(con, "mentee", comparison_max=cap, seed=seed)
        con.close()
    return frames, truth


def run_seed(seed: int, n_employees: int, n_bootstrap: int, effects: PlantedEffects | None = None,
             outcomes=STUDIED, selection: str = "observed", uncertainty: str = "bootstrap",
             comparison_sample: float = 1.0) -> list[dict]:
    """One organisation: adjusted and raw mentee effects next to the planted truth. ``uncertainty``
    "influence" takes every interval from the influence function, as the pipeline does for a large
    organisation, instead of the bootstrap."""
    from threadpoolctl import threadpool_limits

    effects = effects if effects is not None else PlantedEffects()
    with threadpool_limits(1):
        frames, truth = mentee_frames(seed, n_employees, effects, selection, comparison_sample)
    settings = EffectSettings(n_bootstrap=n_bootstrap, seed=seed, ci_method=uncertainty, bootstrap_below=0,
                              bootstrap_max_people=10**9)
    rows = []
    for outcome, horizon, path in outcomes:
        row = overall_effect(frames, "mentee", outcome, horizon, settings)
        value = truth["mentees"]
        for key in path:
            value = value[key]
        rows.append({"seed": seed, "selection": selection, "outcome": outcome, "horizon_months": horizon, "truth": float(value),
                     "naive": row.get("naive"), "estimate": row.get("estimate"), "ci_low": row.get("ci_low"),
                     "ci_high": row.get("ci_high"), "se": row.get("se"), "max_abs_smd_after": row.get("max_abs_smd_after"),
                     "n_treated": row.get("n_treated")})
    return rows


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    out = []
    for (selection, outcome, horizon), g in runs.groupby(["selection", "outcome", "horizon_months"], dropna=False):
        truth = g.truth.mean()
        err, naive_err = g.estimate - g.truth, g.naive - g.truth
        covered = (g.ci_low <= g.truth) & (g.truth <= g.ci_high)
        # Each organisation's truth is its own mentees' realised effect (both worlds share their random
        # draws). The interval is built for the effect in the population they are drawn from: the
        # bootstrap sees the mentees' actual outcomes, never their untreated ones, so where untreated
        # outcomes vary more (exits are commoner without mentoring), the realised effect strays from
        # the estimate by more than the interval allows for. The mean truth over organisations
        # stands in for that population effect.
        covered_mean = (g.ci_low <= truth) & (truth <= g.ci_high)
        out.append({
            "selection": selection, "outcome": outcome, "horizon_months": None if pd.isna(horizon) else int(horizon), "seeds": len(g),
            "mean_truth": truth, "bias": err.mean(), "relative_bias": err.mean() / truth if truth else float("nan"),
            "bias_mc_se": err.std(ddof=1) / math.sqrt(len(g)), "rmse": math.sqrt((err ** 2).mean()),
            "coverage": covered.mean(), "coverage_mc_se": math.sqrt(covered.mean() * (1 - covered.mean()) / len(g)),
            "coverage_of_mean": covered_mean.mean(),
            "se_over_error_sd": g.se.mean() / err.std(ddof=1), "se_over_error_sd_mean": g.se.mean() / g.estimate.std(ddof=1),
            # How far the estimate follows each organisation's realised effect. Near zero, the realised
            # effect varies with what no data shows (who would have done what without the program).
            "truth_sd": g.truth.std(ddof=1), "estimate_truth_corr": g.estimate.corr(g.truth),
            "mean_ci_width": (g.ci_high - g.ci_low).mean(), "naive_bias": naive_err.mean(),
            "naive_rmse": math.sqrt((naive_err ** 2).mean()),
            "bias_target_met": abs(err.mean()) < 0.1 * abs(truth),
            "coverage_target_met": 0.93 <= covered.mean() <= 0.97,
            "naive_misses_by_more": abs(naive_err.mean()) > 2 * abs(err.mean()),
        })
    return pd.DataFrame(out)


def _intervals(meta: dict) -> str:
    if meta.get("uncertainty") == "influence":
        return "intervals from the influence function (estimate ± 1.96 se), no bootstrap"
    return f"{meta['bootstrap']} bootstrap replicates per estimate"


def _sampled(meta: dict) -> str:
    share = meta.get("comparison_sample", 1.0)
    return "" if share >= 1 else (f"; the comparison group a seeded random {share:.0%} sample of its people, "
                                  "weighted up, as the pipeline draws it above MENTORSHIP_COMPARISON_MAX members")


def markdown(summary: pd.DataFrame, meta: dict) -> str:
    lines = [f"# Validation study: adjusted effects against planted truth\n",
             f"Selection: {meta['selection']}. {meta['seeds']} synthetic organisations of {meta['employees']:,} starting employees (seeds "
             f"{meta['first_seed']} to {meta['first_seed'] + meta['seeds'] - 1}), default planted effects and "
             f"self-selection; {_intervals(meta)}; mentees{_sampled(meta)}. Run "
             f"{meta['finished']} on {meta['machine']} in {meta['minutes']:.0f} min. Reproduce with "
             f"`{meta['command']}`.\n",
             "| outcome | horizon | mean truth | bias (MC se) | bias / truth | RMSE | 95% CI coverage (MC se) | "
             "coverage of the mean truth | interval se / error sd (own, mean truth) | realised effect sd; its "
             "correlation with the estimate | raw difference bias | targets met |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for _, r in summary.iterrows():
        h = f"{int(r.horizon_months)} mo" if pd.notna(r.horizon_months) else "first wave after"
        met = ", ".join(k for k, v in (("bias", r.bias_target_met), ("coverage", r.coverage_target_met),
                                       ("raw misses by more", r.naive_misses_by_more)) if v) or "none"
        lines.append(f"| {r.outcome} | {h} | {r.mean_truth:.4f} | {r.bias:+.4f} ({r.bias_mc_se:.4f}) | "
                     f"{r.relative_bias:+.0%} | {r.rmse:.4f} | {r.coverage:.1%} ({r.coverage_mc_se:.1%}) | "
                     f"{r.coverage_of_mean:.1%} | {r.se_over_error_sd:.2f}, {r.se_over_error_sd_mean:.2f} | "
                     f"{r.truth_sd:.4f}; {r.estimate_truth_corr:.2f} | "
                     f"{r.naive_bias:+.4f} | {met} |")
    lines.append("\nTargets: |bias| under 10% of the planted effect; coverage between 93% and 97%; the raw "
                 "difference missing by much more (here: more than twice the adjusted bias). Coverage is judged "
                 "against each organisation's own realised effect. \"Coverage of the mean truth\" uses the mean "
                 "over organisations instead, the population effect the interval is built for; the "
                 "ratio column shows how wide the intervals are against the estimates' spread around it. The "
                 "realised effect varies between organisations; where the estimate does not follow it "
                 "(correlation near zero), the variation comes from what no data shows, each mentee's outcome "
                 "without the program, and coverage of the realised effect falls below coverage of the mean.")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m studies.validation_study", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, default=200)
    p.add_argument("--first-seed", type=int, default=1000)
    p.add_argument("--employees", type=int, default=2000)
    p.add_argument("--bootstrap", type=int, default=200)
    p.add_argument("--uncertainty", choices=("bootstrap", "influence"), default="bootstrap",
                   help="where the intervals come from: the bootstrap (the pipeline's default) or the influence "
                        "function (what the pipeline uses above MENTORSHIP_BOOTSTRAP_MAX_PEOPLE people)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--selection", choices=list(SELECTIONS), default="observed")
    p.add_argument("--comparison-sample", type=float, default=1.0, metavar="SHARE",
                   help="keep this share of each organisation's comparison group, a seeded random sample of "
                        "people weighted up, as the pipeline does above MENTORSHIP_COMPARISON_MAX members")
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument("--summarise-only", action="store_true",
                   help="recompute the summary of an existing results file without running anything")
    a = p.parse_args(argv)
    from joblib import Parallel, delayed

    start = time.time()
    a.out.mkdir(parents=True, exist_ok=True)
    stem = (f"validation_study_{a.selection}" + ("_influence" if a.uncertainty == "influence" else "")
            + (f"_sampled{round(a.comparison_sample * 100)}" if a.comparison_sample < 1 else ""))
    if a.summarise_only:
        saved = json.loads((a.out / f"{stem}.json").read_text())
        summary = summarise(pd.DataFrame(saved["runs"]))
        (a.out / f"{stem}.json").write_text(json.dumps(
            {**saved, "summary": json.loads(summary.to_json(orient="records"))}, indent=1))
        (a.out / f"{stem}.md").write_text(markdown(summary, saved["meta"]))
        print(markdown(summary, saved["meta"]))
        return 0
    # Each organisation's rows are appended as it finishes, so a long study that is stopped keeps what
    # it did and a re-run with the same arguments picks up where it stopped.
    partial = a.out / f"{stem}.partial.jsonl"
    done_rows = [json.loads(line) for line in partial.read_text().splitlines()] if partial.exists() else []
    done_seeds = {r["seed"] for r in done_rows}
    seeds = [s for s in range(a.first_seed, a.first_seed + a.seeds) if s not in done_seeds]
    print(f"{len(done_seeds)} organisations already done, {len(seeds)} to go", flush=True)
    with partial.open("a") as f:
        for rows in Parallel(n_jobs=a.jobs, return_as="generator_unordered")(
                delayed(run_seed)(s, a.employees, a.bootstrap, selection=a.selection, uncertainty=a.uncertainty,
                                  comparison_sample=a.comparison_sample)
                for s in seeds):
            f.write("".join(json.dumps(r) + "\n" for r in rows))
            f.flush()
            done_rows += rows
            print(f"seed {rows[0]['seed']} done ({len({r['seed'] for r in done_rows})} of {a.seeds}, "
                  f"{(time.time() - start) / 60:.0f} min)", flush=True)
    runs = pd.DataFrame(done_rows)
    summary = summarise(runs)
    meta = {"selection": a.selection, "seeds": a.seeds, "first_seed": a.first_seed, "employees": a.employees, "bootstrap": a.bootstrap, "uncertainty": a.uncertainty,
            "comparison_sample": a.comparison_sample,
            "minutes": (time.time() - start) / 60, "finished": time.strftime("%Y-%m-%d"),
            "machine": f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}",
            "command": "python -m studies.validation_study " + " ".join(argv or sys.argv[1:])}
    (a.out / f"{stem}.json").write_text(json.dumps(
        {"meta": meta, "summary": json.loads(summary.to_json(orient="records")),
         "runs": json.loads(runs.to_json(orient="records"))}, indent=1))
    (a.out / f"{stem}.md").write_text(markdown(summary, meta))
    partial.unlink()
    print(markdown(summary, meta))
    return 0


if __name__ == "__main__":
    sys.exit(main())
