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
import os
import sys
import time
from pathlib import Path

from mentorship.settings import PROJECT_DIR, EngineSettings, Settings, SettingsError
from pipelines.summaries import summary, validation_lines


def landing_is_empty(landing: Path) -> bool:
    return not any(p.suffix.lower() in (".csv", ".parquet", ".xlsx") for p in landing.glob("*/*"))


def generate_sample(settings: Settings, employees: int = 5000, seed: int = 42, **options) -> None:
    """The synthetic organisation into the landing folder, its planted truth beside it; ``options`` are
    ``years``, ``start``, ``file_format`` and ``no_effects`` (``python -m pipelines.cli generate --help``)."""
    from mentorship.synthetic import PlantedEffects, SyntheticConfig, generate

    no_effects = options.pop("no_effects", False)
    config = SyntheticConfig(
        n_employees=employees, seed=seed, effects=PlantedEffects.none() if no_effects else PlantedEffects(), **options
    )
    print(f"Generating the sample organisation ({employees:,} employees, seed {seed}) into {settings.landing_dir}")
    generate(settings.landing_dir, config, settings.truth_path, progress=True)


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


class Refused(Exception):
    """A setting or an argument that stops the run before anything runs (exit code 2)."""


def run(args) -> int:
    started = time.monotonic()
    try:
        # An engine that cannot take the run stops it first, before the settings make a key file or folders.
        check_engine(
            EngineSettings.from_env(os.environ, Path(os.environ.get("MENTORSHIP_DATA_DIR", PROJECT_DIR / "data")))
        )
        settings, months = _checked_inputs(args)
        settings.check_output_dirs()  # an output folder that cannot be written stops the run before it starts
        if landing_is_empty(settings.landing_dir):
            generate_sample(settings)
        os.environ.setdefault("DAGSTER_HOME", str(PROJECT_DIR))
        # dagster.yaml keeps its storage paths relative to the project folder.
        os.chdir(PROJECT_DIR)
        from pipelines.definitions import build_definitions

        defs = build_definitions(settings)
        job, tags = _job(defs, args, months)
    except Refused as e:
        print(str(e), file=sys.stderr)
        return 2
    result = _execute(job, tags)
    if not result.success:
        refresh_validation_report(defs)
        _print_failure(result, settings)
        return 1
    _print_success(result, settings, tags, whole=not args.select)
    print(f"\nDone in {time.monotonic() - started:.0f} s.")
    return 0


def check_engine(engine: EngineSettings) -> None:
    """An engine that cannot take the run stops it before anything is written, naming the engine, the
    host and the setting (the settings resource checks again when a run starts from the UI)."""
    if engine.engine == "duckdb":
        return
    from assets.resources import target_tables
    from mentorship.engines import EngineError, open_engine

    print(f"Engine: {engine.engine} at {engine.where}")
    try:
        with open_engine(engine) as opened:
            opened.check(target_tables())
    except EngineError as e:
        raise Refused(f"Engine error: {e}. Nothing was written.") from None


def _checked_inputs(args) -> tuple[Settings, tuple[str, str]]:
    """The settings, and the months to load; a Refused naming the mapping file or --months when wrong."""
    from mentorship.mapping import MappingError, load_mapping

    settings = Settings.from_env()
    try:
        load_mapping(settings.mapping_path)
    except MappingError as e:
        raise Refused(f"Mapping error: {e}") from None
    try:
        return settings, parse_months(args.months, settings.first_month)
    except ValueError as e:
        raise Refused(f"--months: {e}") from None


def _job(defs, args, months: tuple[str, str]):
    """The full refresh, or the --select subset; and the month range's tags when a monthly source runs."""
    import dagster as dg

    from assets.partitions import range_tags
    from mentorship.contract import SOURCES

    job = defs.resolve_job_def("full_refresh")
    if args.select:
        unknown = sorted(set(args.select) - {k.to_user_string() for k in defs.resolve_all_asset_keys()})
        if unknown:
            raise Refused(f"Unknown asset(s): {', '.join(unknown)}. See the asset list in the README or the UI.")
        selected = set(args.select)
        if any(k.startswith(("raw_", "validated_")) for k in selected):
            selected.add("validation_report")  # so the summary printed after the run is this run's
        job = job.get_subset(asset_selection={dg.AssetKey(k) for k in selected})
    monthly = {f"raw_{s}" for s, src in SOURCES.items() if src.monthly}
    if args.select and not monthly & set(args.select):
        return job, {}
    print(f"Monthly sources: loading {months[0]} to {months[1]}")
    return job, range_tags(*months)


def _execute(job, tags: dict):
    import dagster as dg

    from pipelines.console import cli_console_logger

    # The console shows a run blocked by bad input without Dagster's stack traces (the summary below says
    # what failed); a crash keeps its traceback, and the UI keeps every event in full (pipelines/console.py).
    return job.with_logger_defs({"console": cli_console_logger}).execute_in_process(
        instance=dg.DagsterInstance.get(),
        raise_on_error=False,
        tags=tags,
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
    )


def _print_failure(result, settings: Settings) -> None:
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


def _print_success(result, settings: Settings, tags: dict, whole: bool) -> None:
    from assets.delivery import delivery_line
    from assets.partitions import RANGE_END, RANGE_START

    done = sorted({ev.asset_key.to_user_string() for ev in result.all_events if ev.is_step_materialization})
    print(
        f"\nRun {result.run_id} succeeded: {len(done)} assets materialized"
        f"{' for ' + tags[RANGE_START] + ' to ' + tags[RANGE_END] if tags else ''}.\n"
    )
    print("\n".join(validation_lines(settings, detailed=True)) + "\n")
    if whole:
        print(summary(settings))
        print("\nDashboards:")
        for p in sorted(settings.dashboard_dir.glob("*.html")):
            print(f"  {p}")
    if line := delivery_line(result):  # nothing when delivery is off (MENTORSHIP_DELIVERY)
        print(f"\n{line}")


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
    g.add_argument("--employees", type=int, default=5000, help="starting headcount")
    g.add_argument("--seed", type=int, default=42)
    g.add_argument("--years", type=int, default=4, help="years simulated")
    g.add_argument("--start", default="2022-01-01", help="the first simulated day")
    g.add_argument("--format", choices=["csv", "parquet"], default="csv", dest="file_format")
    g.add_argument("--no-effects", action="store_true", help="plant no program effect (selection only)")
    g.epilog = "Writes into MENTORSHIP_LANDING_DIR and the truth to MENTORSHIP_TRUTH_PATH (defaults under data/)."
    args = p.parse_args(argv)
    load_env_file()
    if getattr(args, "leadership_export", False):
        os.environ["MENTORSHIP_LEADERSHIP_EXPORT"] = "1"
    try:
        if args.command == "run":
            return run(args)
        options = {k: getattr(args, k) for k in ("years", "start", "file_format", "no_effects")}
        generate_sample(Settings.from_env(), args.employees, args.seed, **options)
        return 0
    except SettingsError as e:
        print(f"Configuration error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
