"""Headless entry point: generate the sample organisation if needed, run the pipeline, print a summary.

    python -m pipelines.cli run                              # what `make run` does: every month in the landing folder
    python -m pipelines.cli run --months 2025-01:2025-03     # a backfill of three months, then everything downstream
    python -m pipelines.cli run --select raw_meetings validated_meetings --months 2025-03
    python -m pipelines.cli run --leadership-export          # exports and pages for leadership: no at-risk pair list
    python -m pipelines.cli generate                         # (re)generate the synthetic landing files only

It exits 0 on success, 1 when the run failed (with the failing step and the validation summary) and 2
on a configuration error. A run blocked by bad input (a failing blocking check) shows no stack trace on
the console, only that summary; a crash in an asset shows its Python traceback at the step's failure.
The UI (make ui) keeps every event of either in full (pipelines/console.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from mentorship.settings import PROJECT_DIR, Settings, SettingsError


def landing_is_empty(landing: Path) -> bool:
    return not any(p.suffix.lower() in (".csv", ".parquet", ".xlsx") for p in landing.glob("*/*"))


def generate_sample(settings: Settings, employees: int = 5000, seed: int = 42) -> None:
    from mentorship.synthetic import SyntheticConfig, generate

    print(f"Generating the sample organisation ({employees:,} employees, seed {seed}) into {settings.landing_dir}")
    generate(
        settings.landing_dir, SyntheticConfig(n_employees=employees, seed=seed), settings.truth_path, progress=True
    )


def summary(settings: Settings) -> str:
    """The run's outcome summary, from the metrics table: the same figures, formatted the same way, as
    the pages."""
    import pandas as pd

    from mentorship.metrics import Metrics, display, metric_id

    m = Metrics(pd.read_parquet(settings.export_dir / "metrics.parquet"))
    truth = json.loads(settings.truth_path.read_text()) if settings.truth_path.exists() else None
    truth_keys = {"promoted": "promotion", "retained": "retention", "salary_growth": "salary_growth"}
    lines = [
        f"Outcome summary, data as of {m.as_of}: mentored and comparison group (raw), the raw difference, and "
        f"the adjusted effect on the mentored with its 95% CI. Shares in pts (percentage points), pay growth in "
        f"pts of pay, survey changes on the 1–5 scale. People; a comparison person is compared once per intake "
        f"they could have joined (person-intakes in brackets)."
    ]
    f = m.frame[m.frame.family == "effect"]
    for role, label in (("mentee", "Mentees"), ("mentor", "Mentors")):
        lines.append(f"\n{label}")
        head = (
            f"  {'outcome':<34}{'horizon':>8}{'mentored':>10}{'comparison':>12}{'raw diff':>16}"
            f"{'adjusted (95% CI)':>40}"
        )
        if truth:
            head += f"{'planted truth':>18}"
        lines.append(head + "  people: mentored / comparison")
        rows = f[
            (f.role == role)
            & (f.segment_type == "overall")
            & (f.measure == "adjusted_effect")
            & (
                (f.horizon_months == m.headline)
                | (f.horizon_months.isna() & f.outcome.str.endswith("_change") & ~f.outcome.str.contains("_change_"))
            )
        ]
        for r in rows.itertuples():
            h = None if pd.isna(r.horizon_months) else int(r.horizon_months)
            b = metric_id(role, r.outcome, h, measure="x").removesuffix(".x")
            horizon = f"{h} mo" if h else "survey"
            name = r.outcome.replace("_", " ")
            if r.status != "published":
                line = f"  {name:<34}{horizon:>8}{r.status.replace('_', ' ') + ': ' + str(r.reason or ''):>86}"
            else:
                adj = f"{m.text(r.metric_id)} ({m.interval(r.metric_id)})"
                line = (
                    f"  {name:<34}{horizon:>8}{m.text(b + '.mentored_rate'):>10}"
                    f"{m.text(b + '.comparison_rate_raw'):>12}{m.text(b + '.raw_difference'):>18}{adj:>46}"
                )
            if truth:
                t = truth[role + "s"]
                if r.outcome in truth_keys:
                    tv = t["horizons"].get(str(h), {}).get(truth_keys[r.outcome])
                elif r.outcome.endswith("_change"):
                    # among people with two surveys before the start: whom the headline survey design measures
                    tv = t.get("survey_change_two_waves", t["survey_change"]).get(r.outcome[: -len("_change")])
                else:
                    tv = 0.0  # no effect is planted on this outcome
                line += f"{display(tv, r.unit, r.digits) if tv is not None else 'not planted':>18}"
            pm, pc, nc = r.people_mentored, r.people_comparison, r.intakes_comparison
            n = lambda v: "hidden" if pd.isna(v) else f"{int(v):,}"
            lines.append(line + f"  {n(pm)} / {n(pc)} ({n(nc)})")
    if truth:
        lines.append(
            "\nThe planted truth is the synthetic organisation's known effect of the program; the gap "
            "between it and the raw difference is self-selection."
        )
    return "\n".join(lines)


def validation_lines(settings: Settings, detailed: bool) -> list[str]:
    """One screen on data validation, from the summary the ingest assets write."""
    from dashboards.validation import STATUS

    path = settings.export_dir / "validation_summary.json"
    if not path.exists():
        return []
    summ = json.loads(path.read_text())
    lines = ["Data validation (mapping: " + (summ["mapping"] or "identity") + ")"]
    for s in summ["sources"]:
        run_ = s["run"] or {}
        current = s["status"] in ("passed", "quarantined", "blocked")  # else the counts are an earlier run's
        counts = (
            f"{run_['rows_read']:,} read, {run_['rows_quarantined']:,} quarantined "
            f"({run_['reject_share']:.1%})" + ("" if current else " at its last validation")
            if run_
            else ""
        )
        lines.append(f"  {s['source']:<18}{STATUS[s['status']][0]:<19}{counts}")
        if run_.get("placeholders") and current:
            held = json.loads(run_["placeholders"])
            lines.append("      placeholder dates read as empty: " + ", ".join(f"{c} {n:,}" for c, n in held.items()))
        if not detailed or s["status"] == "passed":
            continue
        for reason in (run_.get("blocked_by") or "").splitlines() if s["status"] == "blocked" else ():
            lines.append(f"      blocked: {reason}")
        for f in s["files"]:
            if f["status"] == "failed":
                lines.append(f"      file {f['file']}: {f['problem']}")
        failing = [r for r in s["rules"] if not r["success"]] if current else []
        for r in failing[:6]:
            first = r["samples"][0] if r["samples"] else None
            where = f"; first at {first['file']} line {first['line']}" if first else ""
            lines.append(f"      {r['unexpected']:>9,} rows  {r['rule']} on {r['column']}: {r['meaning']}{where}")
        if len(failing) > 6:
            lines.append(f"      ... and {len(failing) - 6} more rules; see the report")
    lines.append(f"  Report: {settings.dashboard_dir / 'validation_report.html'}")
    lines.append("  Quarantined rows: select * from validated.quarantine (in the warehouse)")
    return lines


def refresh_validation_report(defs) -> bool:
    """Run the validation report on its own, after a run that bad input blocked before it got there."""
    import dagster as dg

    from pipelines.console import cli_console_logger

    job = defs.resolve_job_def("validation_report_refresh").with_logger_defs({"console": cli_console_logger})
    result = job.execute_in_process(
        instance=dg.DagsterInstance.get(),
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
    )
    return result.success


def load_env_file(path: Path | None = None) -> bool:
    """Fill what the environment does not set from the project's .env (``dagster dev`` reads it too)."""
    from dotenv import load_dotenv

    return load_dotenv(path or PROJECT_DIR / ".env", override=False)


def parse_months(spec: str | None, first_month: str = Settings.first_month) -> tuple[str, str]:
    """``START:END`` or one month; without it every month, so the monthly sources are rebuilt to match
    the landing folder exactly (a month whose files were removed is emptied)."""
    from assets.partitions import all_months, check_range, monthly_partitions

    partitions = monthly_partitions(first_month)
    if not spec:
        return all_months(partitions)
    start, _, end = spec.partition(":")
    start, end = start.strip(), (end or start).strip()
    check_range(start, end, partitions)
    return start, end


def run(args) -> int:
    started = time.monotonic()
    import dagster as dg

    from assets.partitions import RANGE_END, RANGE_START, range_tags
    from mentorship.contract import SOURCES
    from mentorship.mapping import MappingError, load_mapping

    settings = Settings.from_env()
    try:
        load_mapping(settings.mapping_path)
    except MappingError as e:
        print(f"Mapping error: {e}", file=sys.stderr)
        return 2
    try:
        months = parse_months(args.months, settings.first_month)  # a bad --months fails before anything runs
    except ValueError as e:
        print(f"--months: {e}", file=sys.stderr)
        return 2
    settings.check_output_dirs()  # an output folder that cannot be written stops the run before anything runs
    if landing_is_empty(settings.landing_dir):
        generate_sample(settings)
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_DIR))
    # dagster.yaml keeps its storage paths relative to the project folder.
    os.chdir(PROJECT_DIR)
    from pipelines.console import cli_console_logger
    from pipelines.definitions import build_definitions

    defs = build_definitions(settings)

    job = defs.resolve_job_def("full_refresh")
    if args.select:
        unknown = sorted(set(args.select) - {k.to_user_string() for k in defs.resolve_all_asset_keys()})
        if unknown:
            print(
                f"Unknown asset(s): {', '.join(unknown)}. See the asset list in the README or the UI.", file=sys.stderr
            )
            return 2
        job = job.get_subset(asset_selection={dg.AssetKey(k) for k in args.select})
    monthly = {f"raw_{s}" for s, src in SOURCES.items() if src.monthly}
    tags = {}
    if not args.select or monthly & set(args.select):
        tags = range_tags(*months)
        print(f"Monthly sources: loading {months[0]} to {months[1]}")
    # The console shows a run blocked by bad input without Dagster's stack traces (the summary below says
    # what failed); a crash keeps its traceback, and the UI keeps every event in full (pipelines/console.py).
    job = job.with_logger_defs({"console": cli_console_logger})
    result = job.execute_in_process(
        instance=dg.DagsterInstance.get(),
        raise_on_error=False,
        tags=tags,
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
    )
    if not result.success:
        refresh_validation_report(defs)
        print("\n".join(["", *validation_lines(settings, detailed=True), ""]), file=sys.stderr)
        for ev in result.all_events:
            if ev.is_step_failure:
                err = ev.step_failure_data.error
                msg = (err.cause.message if err.cause else err.message).strip().splitlines()
                print(f"FAILED {ev.step_key}: {' '.join(msg[:3])}", file=sys.stderr)
            elif (
                ev.is_run_failure
                and ev.job_failure_data
                and ev.job_failure_data.error
                and ev.job_failure_data.first_step_failure_event is None
            ):
                # Failed before any step: a resource refused its settings (the hash key, min_group_size,
                # an output folder), so nothing was published.
                err = ev.job_failure_data.error
                while err.cause is not None:
                    err = err.cause
                print(f"FAILED before any asset ran: {' '.join(err.message.strip().splitlines()[:3])}", file=sys.stderr)
        print(
            f"Run {result.run_id} failed; downstream assets did not run and the last good tables are kept. "
            f"See the run in the UI (make ui).",
            file=sys.stderr,
        )
        return 1
    done = sorted({ev.asset_key.to_user_string() for ev in result.all_events if ev.is_step_materialization})
    print(
        f"\nRun {result.run_id} succeeded: {len(done)} assets materialized"
        f"{' for ' + tags[RANGE_START] + ' to ' + tags[RANGE_END] if tags else ''}.\n"
    )
    print("\n".join(validation_lines(settings, detailed=True)) + "\n")
    if not args.select:
        print(summary(settings))
        print("\nDashboards:")
        for p in sorted(settings.dashboard_dir.glob("*.html")):
            print(f"  {p}")
    from assets.delivery import delivery_line

    if line := delivery_line(result):  # nothing when delivery is off (MENTORSHIP_DELIVERY)
        print(f"\n{line}")
    print(f"\nDone in {time.monotonic() - started:.0f} s.")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m pipelines.cli", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run the whole pipeline (or --select assets, or --months) without the UI")
    r.add_argument("--select", nargs="*", help="asset names to run instead of everything")
    r.add_argument(
        "--months",
        help="the months of the monthly sources to (re)load, START:END or one month "
        "(YYYY-MM); default: every month, so the tables match the landing folder",
    )
    r.add_argument(
        "--leadership-export",
        action="store_true",
        help="a set of exports and pages for leadership: leave the at-risk pair list out "
        "(as MENTORSHIP_LEADERSHIP_EXPORT=1 does)",
    )
    g = sub.add_parser("generate", help="write the synthetic organisation into the landing folder")
    g.add_argument("--employees", type=int, default=5000)
    g.add_argument("--seed", type=int, default=42)
    args = p.parse_args(argv)
    load_env_file()
    if getattr(args, "leadership_export", False):
        os.environ["MENTORSHIP_LEADERSHIP_EXPORT"] = "1"
    try:
        if args.command == "run":
            return run(args)
        generate_sample(Settings.from_env(), args.employees, args.seed)
        return 0
    except SettingsError as e:
        print(f"Configuration error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
