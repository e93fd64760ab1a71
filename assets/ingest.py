"""Raw and validated layers: landing files to raw text tables to typed, contract-checked tables.

Both layers keep the last good data when a source fails: the raw asset replaces ``raw.<source>``
only when every file passes the file checks, and the validated asset replaces
``validated.<source>`` only when the share of quarantined rows is within the limit. The failing
check is blocking, so nothing downstream runs on a broken source. Both write the warehouse only: the
validation report and the expectation suites they ran are the reporting layer's ``validation_report``,
which the CLI and the failure sensor also run on their own after a blocked run.
"""

import warnings
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext
from dagster_duckdb import DuckDBResource

from assets._versions import code_version
from assets.partitions import all_months
from assets.resources import PipelineSettings
from assets.sql import validated_inputs
from mentorship import contract, landing, mapping, quality, validation
from mentorship.contract import SOURCES
from mentorship.engines import open_engine
from mentorship.landing import FileContractError, load_raw
from mentorship.validation import validate_source, warm_up

#: Where the reporting layer writes the validation report (``assets/reporting.py``), for the checks' metadata.
REPORT_FILE = "validation_report.html"
SUITES_DIR = "expectation_suites"


def _raw_description(source: str) -> str:
    layout = (
        f"Monthly-partitioned: the month in a file's name (`{source}_2025-03.csv`) is its partition, and "
        f"loading a month deletes and re-inserts that month's rows only. "
        if SOURCES[source].monthly
        else "Each run replaces the whole table from every file. "
    )
    return (
        f"Every row of every file in the landing folder `{source}/` (CSV, Parquet or Excel), as "
        f"text under the contract's column names, with file, line and record number. Lines that "
        f"do not parse are kept with a parse error for validation to quarantine. {layout}A file "
        f"that cannot be used at all leaves the previous table in place."
    )


def _raw_asset(source: str, partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    name = f"raw_{source}"
    monthly = SOURCES[source].monthly

    @dg.asset(
        name=name,
        group_name="raw",
        kinds={"duckdb"},
        pool="duckdb",
        owners=["team:people-analytics"],
        code_version=code_version(contract, landing, mapping),
        partitions_def=partitions if monthly else None,
        backfill_policy=dg.BackfillPolicy.single_run() if monthly else None,
        check_specs=[
            dg.AssetCheckSpec(
                "files_usable",
                asset=name,
                blocking=True,
                description="Every landing file can be read, decoded and split into columns, is not empty and "
                "has every required column (after the mapping). Blocks downstream assets when not.",
            )
        ],
        description=_raw_description(source),
    )
    def _raw(
        context: AssetExecutionContext, duckdb: DuckDBResource, settings: PipelineSettings
    ) -> dg.MaterializeResult:
        warm_up()  # Great Expectations, which the validated assets need, loads while the files are read
        months = list(context.partition_keys) if monthly else None
        context.log.info(
            f"{source}: loading "
            + (f"{months[0]} to {months[-1]} ({len(months)} months)" if months else "every file")
            + f" from {settings.landing_dir}"
        )
        with duckdb.get_connection() as con:
            try:
                loaded = load_raw(
                    con,
                    source,
                    Path(settings.landing_dir),
                    settings.mapping(),
                    progress=context.log.info,
                    months=months,
                    month_span=all_months(partitions) if monthly else None,
                )
            except FileContractError as error:
                context.log.error(str(error))
                return _files_refused(error, Path(settings.dashboard_dir) / REPORT_FILE)
        return _files_loaded(loaded)

    return _raw


def _files_refused(error: FileContractError, report: Path) -> dg.MaterializeResult:
    """A source with an unusable file: the previous table stays, and the blocking check fails."""
    return dg.MaterializeResult(
        metadata={
            "replaced": False,
            "problems": dg.MetadataValue.json([{"file": p.file, "problem": p.problem} for p in error.problems]),
            "report": dg.MetadataValue.path(str(report)),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="files_usable",
                passed=False,
                severity=dg.AssetCheckSeverity.ERROR,
                description=str(error)[:2000],
                metadata={"files_failed": len(error.problems), "report": dg.MetadataValue.path(str(report))},
            )
        ],
    )


def _files_loaded(loaded) -> dg.MaterializeResult:
    per_file = {f["file"]: f["rows"] for f in loaded.files}
    duplicates = [f["file"] for f in loaded.files if f["status"] == "duplicate"]
    return dg.MaterializeResult(
        metadata={
            "replaced": True,
            "rows_read": dg.MetadataValue.int(loaded.rows_read),
            "months": dg.MetadataValue.text(
                f"{loaded.months[0]} to {loaded.months[-1]}" if loaded.months else "all (table replaced)"
            ),
            "files": dg.MetadataValue.int(len(loaded.files)),
            "rows_per_file": dg.MetadataValue.json(per_file),
            "duplicate_files_skipped": dg.MetadataValue.json(duplicates),
        },
        check_results=[
            dg.AssetCheckResult(check_name="files_usable", passed=True, metadata={"files": len(loaded.files)})
        ],
    )


def _validated_checks(source: str) -> list[dg.AssetCheckSpec]:
    name = f"validated_{source}"
    return [
        dg.AssetCheckSpec(
            "rows_reconcile",
            asset=name,
            blocking=True,
            description="For the source and for every file: rows read = rows accepted + rows quarantined.",
        ),
        dg.AssetCheckSpec(
            "reject_share",
            asset=name,
            blocking=True,
            description="The share of quarantined rows is within the limit (default 5%); "
            "above it the previous validated table is kept and downstream "
            "assets do not run.",
        ),
        dg.AssetCheckSpec(
            "quarantine_by_rule",
            asset=name,
            description=f"Rows quarantined per rule of the Great Expectations suite "
            f"mentorship_contract.{source}; warns when any row failed.",
        ),
    ]


def _validated_asset(source: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"validated_{source}",
        deps=[f"raw_{source}", *(f"validated_{p}" for p in SOURCES[source].parents)],
        group_name="validated",
        kinds={"duckdb", "great_expectations"},
        pool="duckdb",
        owners=["team:people-analytics"],
        code_version=code_version(contract, mapping, validation, quality),
        check_specs=_validated_checks(source),
        description=(
            f"`{source}` typed and checked against its Great Expectations suite "
            f"(mentorship_contract.{source}) on every row. Failing rows go to validated.quarantine with "
            f"file, line, column, rule, value and load time; the rest flow on, the latest file "
            f"winning where files share a key."
        ),
    )
    def _validated(
        context: AssetExecutionContext, duckdb: DuckDBResource, settings: PipelineSettings
    ) -> dg.MaterializeResult:
        with duckdb.get_connection() as con:
            r = validate_source(con, source, settings.mapping(), settings.max_reject_share, log=context.log)
            loaded = _load_into_target(con, source, r, settings)
        context.log.info(r.summary())
        if loaded:
            context.log.info(f"validated.{source}: {loaded:,} rows loaded into {settings.engine}")
        return _validation_result(
            r,
            report=Path(settings.dashboard_dir) / REPORT_FILE,
            suite=Path(settings.export_dir) / SUITES_DIR / f"{source}.json",  # written by validation_report
        )

    return _validated


def _load_into_target(con, source: str, r, settings: PipelineSettings) -> int:
    """With the models on another engine, the validated table goes there too (the rows it accepted); a
    blocked source keeps the engine's last good table, as it keeps the warehouse's. The rows loaded."""
    table = f"validated.{source}"
    if not settings.external or r.blocked or table not in validated_inputs():
        return 0
    data = con.sql(f"select * from {table}").to_arrow_table()
    with open_engine(settings.engine_settings()) as engine:
        engine.write_tables({table: data})
    return data.num_rows


def _validation_result(r, report: Path, suite: Path) -> dg.MaterializeResult:
    by_rule = r.issues_by_rule
    counts = {"rows_read": r.rows_read, "rows_accepted": r.rows_accepted, "rows_quarantined": r.rows_quarantined}
    return dg.MaterializeResult(
        metadata={
            **{k: dg.MetadataValue.int(v) for k, v in counts.items()},
            "rows_current": dg.MetadataValue.int(r.rows_current),
            "rows_superseded": dg.MetadataValue.int(r.rows_superseded),
            "absent_from_latest_extract": dg.MetadataValue.int(r.absent_from_latest),
            "reject_share": dg.MetadataValue.float(r.reject_share),
            "replaced": r.promoted,
            "issues_by_rule": dg.MetadataValue.json(by_rule),
            "blocked_by": dg.MetadataValue.json(r.reasons),
            "placeholders_read_as_empty": dg.MetadataValue.json(r.placeholders),
            "files": dg.MetadataValue.json(r.files),
            "report": dg.MetadataValue.path(str(report)),
            "expectation_suite": dg.MetadataValue.path(str(suite)),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="rows_reconcile", passed=r.reconciles, severity=dg.AssetCheckSeverity.ERROR, metadata=counts
            ),
            dg.AssetCheckResult(
                check_name="reject_share",
                passed=not r.blocked,
                severity=dg.AssetCheckSeverity.ERROR,
                description=r.summary(),
                metadata={
                    "reject_share": dg.MetadataValue.float(r.reject_share),
                    "limit": dg.MetadataValue.float(r.max_reject_share),
                    "report": dg.MetadataValue.path(str(report)),
                },
            ),
            dg.AssetCheckResult(
                check_name="quarantine_by_rule",
                passed=not by_rule,
                severity=dg.AssetCheckSeverity.WARN,
                description=(", ".join(f"{k}: {v:,}" for k, v in by_rule.items()) or "no row failed"),
                metadata={"issues_by_rule": dg.MetadataValue.json(by_rule)},
            ),
        ],
    )


def ingest_assets(partitions: dg.PartitionsDefinition) -> list[dg.AssetsDefinition]:
    """The raw and validated asset of every source; the monthly ones on ``partitions``."""
    with warnings.catch_warnings():
        # BackfillPolicy is marked beta; single-run backfills are what the monthly sources need.
        warnings.simplefilter("ignore", dg.BetaWarning)
        raw = [_raw_asset(s, partitions) for s in SOURCES]
    return [*raw, *(_validated_asset(s) for s in SOURCES)]
