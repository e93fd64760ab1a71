"""Interval study: do influence-function intervals cover as well as the bootstrap in small organisations
and small segments?

The pipeline's intervals come from the influence function (one fit per estimate) or the percentile
bootstrap (hundreds of refits). Both were measured on 2,000-person organisations
(``validation_study``); this study measures them side by side, on the same organisations and the same
estimates, where a sandwich-type interval is most likely to be too narrow: small organisations (300 to
2,000 starting employees) and the gender segments inside them (about 10 to 300 mentees each). Each
organisation is generated with planted effects, run through the pipeline's ingest and outcome SQL,
and every studied estimate is computed twice, once per interval method; the estimate is the same, so
only the intervals differ. Coverage is judged against the planted truth of the same mentees (the
organisation's, or the segment's).

    python -m studies.interval_study --sizes 300,1000,2000 --seeds 100 --bootstrap 100

Results go to studies/results/interval_study.{json,md}; the default interval method (`MENTORSHIP_CI_METHOD`)
is set from them (see docs/methods.md, *Adjusted effects*).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mentorship.effect_tables import EffectSettings, overall_effect, segment_effects
from mentorship.synthetic import PlantedEffects
from studies.validation_study import RESULTS, STUDIED, mentee_frames

#: Segment estimates (gender) for the headline outcomes: (outcome, horizon, path in the truth file).
SEGMENT_OUTCOMES = [
    ("promoted", 12, ("horizons", "12", "promotion")),
    ("retained", 12, ("horizons", "12", "retention")),
    ("engagement_change", None, ("survey_change_two_waves", "engagement")),
]
#: Size bands of the estimate's mentored group, for the summary.
BANDS = [
    (0, 15, "under 15"),
    (15, 30, "15 to 29"),
    (30, 50, "30 to 49"),
    (50, 100, "50 to 99"),
    (100, 200, "100 to 199"),
    (200, 400, "200 to 399"),
    (400, 10**9, "400 and more"),
]
METHODS = ("influence", "bootstrap")
#: Where the pipeline switches from the influence function to the bootstrap (``Settings.bootstrap_below``).
THRESHOLD = 30


def _truth_at(truth: dict, path: tuple) -> float | None:
    value = truth
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            return None
    return float(value)


def run_seed(seed: int, n_employees: int, n_bootstrap: int, selection: str = "observed") -> list[dict]:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        frames, truth = mentee_frames(seed, n_employees, PlantedEffects(), selection)
    rows = []
    for method in METHODS:
        s = EffectSettings(
            n_bootstrap=n_bootstrap, seed=seed, ci_method=method, bootstrap_below=0, bootstrap_max_people=10**9
        )
        for outcome, horizon, path in STUDIED:
            r = overall_effect(frames, "mentee", outcome, horizon, s)
            rows.append(
                _row(
                    seed, n_employees, method, "overall", "all", outcome, horizon, _truth_at(truth["mentees"], path), r
                )
            )
        for outcome, horizon, path in SEGMENT_OUTCOMES:
            for r in segment_effects(frames, "mentee", outcome, horizon, s, "gender"):
                seg_truth = truth["mentees"].get("by_gender", {}).get(r["segment"], {})
                rows.append(
                    _row(
                        seed,
                        n_employees,
                        method,
                        "gender",
                        r["segment"],
                        outcome,
                        horizon,
                        _truth_at(seg_truth, path),
                        r,
                    )
                )
    return rows


def _row(seed, employees, method, segment_type, segment, outcome, horizon, truth, r) -> dict:
    return {
        "seed": seed,
        "employees": employees,
        "method": method,
        "segment_type": segment_type,
        "segment": segment,
        "outcome": outcome,
        "horizon_months": horizon,
        "truth": truth,
        "estimate": r.get("estimate"),
        "ci_low": r.get("ci_low"),
        "ci_high": r.get("ci_high"),
        "se": r.get("se"),
        "n_treated": r.get("n_treated"),
        "n_control": r.get("n_control"),
        "suppressed": bool(r.get("suppressed")),
    }


def _band(n: float) -> str:
    return next(label for lo, hi, label in BANDS if lo <= n < hi)


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Coverage per interval method, organisation size, segment kind and size band of the mentored group.

    Coverage is judged against the mean truth of the cell's estimates (the population effect the
    interval is built for) and against each estimate's own realised truth; the paired columns show
    where the two methods differ on the same estimates."""
    ok = _prepared(runs)
    key = ["employees", "segment_type", "segment", "outcome", "horizon_months"]
    out = [
        _cell(g, key) | {"employees": int(employees), "segment_type": seg, "band": band}
        for (employees, seg, band), g in ok.groupby(["employees", "segment_type", "band"], sort=False)
    ]
    order = {label: i for i, (_, _, label) in enumerate(BANDS)}
    return (
        pd.DataFrame(out)
        .assign(_o=lambda x: x.band.map(order))
        .sort_values(["employees", "segment_type", "_o"], ascending=[True, False, True])
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def pooled(runs: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Every size and segment together, split at ``threshold`` mentored people: the evidence behind the
    pipeline's default (``MENTORSHIP_BOOTSTRAP_BELOW``)."""
    ok = _prepared(runs)
    key = ["employees", "segment_type", "segment", "outcome", "horizon_months"]
    ok["side"] = np.where(ok.n_treated < threshold, f"under {threshold}", f"{threshold} and more")
    return pd.DataFrame([_cell(g, key) | {"mentored": side} for side, g in ok.groupby("side", sort=False)])


def _prepared(runs: pd.DataFrame) -> pd.DataFrame:
    """Estimates both methods produced, with coverage of the mean and of the realised truth, and width.
    The population effect per (size, segment, outcome) is the mean realised truth over organisations."""
    ok = runs[~runs.suppressed & runs.ci_low.notna() & runs.truth.notna()].copy()
    ok["band"] = ok.n_treated.map(_band)
    key = ["employees", "segment_type", "segment", "outcome", "horizon_months"]
    ok["mean_truth"] = ok.groupby(key, dropna=False).truth.transform("mean")
    ok["covered"] = (ok.ci_low <= ok.truth) & (ok.truth <= ok.ci_high)
    ok["covered_mean"] = (ok.ci_low <= ok.mean_truth) & (ok.mean_truth <= ok.ci_high)
    ok["width"] = ok.ci_high - ok.ci_low
    both = ok.groupby(key + ["seed"], dropna=False).method.transform("nunique") == 2
    return ok[both]


def _cell(g: pd.DataFrame, key: list[str]) -> dict:
    """Coverage, width and the paired difference of the two methods over the estimates in ``g``."""
    rec = {"estimates": int((g.method == "influence").sum()), "median_mentored": float(g.n_treated.median())}
    for m in METHODS:
        h = g[g.method == m]
        rec[f"{m}_coverage"] = h.covered_mean.mean()
        rec[f"{m}_coverage_mc_se"] = math.sqrt(h.covered_mean.mean() * (1 - h.covered_mean.mean()) / max(len(h), 1))
        rec[f"{m}_coverage_realised"] = h.covered.mean()
        rec[f"{m}_width"] = h.width.mean()
    inf = g[g.method == "influence"].set_index(key + ["seed"]).sort_index()
    boo = g[g.method == "bootstrap"].set_index(key + ["seed"]).sort_index()
    rec["width_ratio"] = float((inf.width / boo.width).median())
    rec["coverage_difference"] = rec["influence_coverage"] - rec["bootstrap_coverage"]
    # The paired difference's Monte Carlo error: the two methods cover or miss mostly together.
    d = inf.covered_mean.astype(float) - boo.covered_mean.astype(float)
    rec["coverage_difference_mc_se"] = float(d.std(ddof=1) / math.sqrt(len(d))) if len(d) > 1 else float("nan")
    return rec


def markdown(summary: pd.DataFrame, meta: dict, split: pd.DataFrame | None = None) -> str:
    lines = [
        "# Interval study: influence function against the bootstrap in small organisations and segments\n",
        f"Selection: {meta['selection']}. {meta['seeds']} synthetic organisations per size "
        f"({', '.join(f'{s:,}' for s in meta['sizes'])} starting employees; seeds {meta['first_seed']} to "
        f"{meta['first_seed'] + meta['seeds'] - 1}), default planted effects; mentees. Every estimate twice: "
        f"95% interval from the influence function (estimate ± 1.96 se) and from the percentile bootstrap "
        f"({meta['bootstrap']} replicates). Overall: {', '.join(sorted({o for o, _, _ in STUDIED}))}; "
        f"gender segments: {', '.join(o for o, _, _ in SEGMENT_OUTCOMES)}. Run {meta['finished']} on "
        f"{meta['machine']} in {meta['minutes']:.0f} min. Reproduce with `{meta['command']}`.\n",
        "| employees | estimates of | mentored in the estimate | n | influence coverage (MC se) | "
        "bootstrap coverage (MC se) | difference (paired MC se) | width, influence / bootstrap (median) | "
        "coverage of the realised effect, influence / bootstrap |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in summary.iterrows():
        lines.append(
            f"| {r.employees:,} | {r.segment_type} | {r.band} (median {r.median_mentored:.0f}) | {r.estimates} | "
            f"{r.influence_coverage:.1%} ({r.influence_coverage_mc_se:.1%}) | "
            f"{r.bootstrap_coverage:.1%} ({r.bootstrap_coverage_mc_se:.1%}) | "
            f"{r.coverage_difference:+.1%} ({r.coverage_difference_mc_se:.1%}) | {r.width_ratio:.3f} | "
            f"{r.influence_coverage_realised:.1%} / {r.bootstrap_coverage_realised:.1%} |"
        )
    if split is not None:
        lines += [
            "",
            f"Every size and segment together, split at {THRESHOLD} mentored people in the estimate (the "
            "pipeline's default: influence-function intervals, the bootstrap below the split; "
            "`MENTORSHIP_BOOTSTRAP_BELOW`):",
            "",
            "| mentored in the estimate | n | influence coverage (MC se) | bootstrap coverage (MC se) | "
            "difference (paired MC se) | width, influence / bootstrap (median) |",
            "|---|---|---|---|---|---|",
        ]
        for _, r in split.iterrows():
            lines.append(
                f"| {r.mentored} (median {r.median_mentored:.0f}) | {r.estimates} | "
                f"{r.influence_coverage:.1%} ({r.influence_coverage_mc_se:.1%}) | "
                f"{r.bootstrap_coverage:.1%} ({r.bootstrap_coverage_mc_se:.1%}) | "
                f"{r.coverage_difference:+.1%} ({r.coverage_difference_mc_se:.1%}) | {r.width_ratio:.3f} |"
            )
    lines.append(
        "\nCoverage is of the population effect the interval is built for: the mean, over organisations of "
        "that size, of the planted effect on the same group (the organisation's mentees, or one gender's). "
        "The last column judges each interval against its own organisation's realised effect instead, which "
        "also varies with what no data shows (each mentee's outcome without the program) and so sits lower "
        "for both methods. The difference column pairs the two intervals of the same estimate; its Monte "
        "Carlo error is small because the two methods mostly cover or miss together. Estimates with fewer "
        "than 5 people in a group, or that could not be estimated, are left out of both methods' columns."
    )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m studies.interval_study",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--sizes", default="300,1000,2000", help="organisation sizes (starting employees), comma-separated")
    p.add_argument("--seeds", type=int, default=100, help="organisations per size")
    p.add_argument("--first-seed", type=int, default=3000)
    p.add_argument("--bootstrap", type=int, default=100)
    p.add_argument("--selection", default="observed")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument("--summarise-only", action="store_true")
    a = p.parse_args(argv)
    from joblib import Parallel, delayed

    from mentorship.progress import Progress

    sizes = [int(s) for s in a.sizes.split(",")]
    a.out.mkdir(parents=True, exist_ok=True)
    stem = "interval_study"
    if a.summarise_only:
        saved = json.loads((a.out / f"{stem}.json").read_text())
        runs = pd.DataFrame(saved["runs"])
        md = markdown(summarise(runs), saved["meta"], pooled(runs, THRESHOLD))
        (a.out / f"{stem}.md").write_text(md)
        print(md)
        return 0
    start = time.time()
    # Rows are appended per organisation as it finishes, so a stopped study resumes where it stopped.
    partial = a.out / f"{stem}.partial.jsonl"
    done_rows = [json.loads(line) for line in partial.read_text().splitlines()] if partial.exists() else []
    done = {(r["employees"], r["seed"]) for r in done_rows}
    # Largest organisations first, so the slowest work is not left for one worker at the end.
    todo = [
        (n, s)
        for n in sorted(sizes, reverse=True)
        for s in range(a.first_seed, a.first_seed + a.seeds)
        if (n, s) not in done
    ]
    bar = Progress("interval study", total=len(todo), unit="organisations")
    with partial.open("a") as f:
        for rows in Parallel(n_jobs=a.jobs, return_as="generator_unordered")(
            delayed(run_seed)(s, n, a.bootstrap, a.selection) for n, s in todo
        ):
            f.write("".join(json.dumps(r) + "\n" for r in rows))
            f.flush()
            done_rows += rows
            bar.advance(1, f"{rows[0]['employees']:,} employees, seed {rows[0]['seed']}")
    bar.close()
    runs = pd.DataFrame(done_rows)
    summary = summarise(runs)
    meta = {
        "selection": a.selection,
        "seeds": a.seeds,
        "first_seed": a.first_seed,
        "sizes": sizes,
        "bootstrap": a.bootstrap,
        "minutes": (time.time() - start) / 60,
        "finished": time.strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}",
        "command": "python -m studies.interval_study " + " ".join(argv or sys.argv[1:]),
    }
    (a.out / f"{stem}.json").write_text(
        json.dumps(
            {
                "meta": meta,
                "summary": json.loads(summary.to_json(orient="records")),
                "runs": json.loads(runs.to_json(orient="records")),
            },
            indent=1,
        )
    )
    md = markdown(summary, meta, pooled(runs, THRESHOLD))
    (a.out / f"{stem}.md").write_text(md)
    partial.unlink()
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
