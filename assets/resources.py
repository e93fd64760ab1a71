"""The resource every asset shares: where files live, and the privacy, horizon and effect settings.

Its defaults come from ``mentorship.settings.Settings``, the one home of every default;
``pipelines/resources.py`` builds it from the environment when the code location loads."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pydantic
from dagster_duckdb import DuckDBResource

from mentorship.engines import DuckEngine, Engine, open_engine
from mentorship.settings import (
    DeliverySettings,
    EngineSettings,
    Settings,
    SettingsError,
    check_hash_key,
    check_writable,
    read_key_file,
)


class PipelineSettings(dg.ConfigurableResource):
    """Where files live and the privacy and horizon settings every asset shares.

    Checked when a run starts, before any asset runs (so a bad value set in the UI's launchpad stops the
    run before anything is published): ``min_group_size`` at least 2, the hash key
    (``MENTORSHIP_HASH_KEY``, or else the key file) long enough and not the old demo key, and the export and
    dashboard folders writable."""

    landing_dir: str
    export_dir: str
    dashboard_dir: str
    min_group_size: int = Settings.min_group_size
    horizons: list[int] = list(Settings.horizons)
    as_of_date: str | None = None
    mapping_path: str | None = None
    max_reject_share: float = Settings.max_reject_share
    # The keyed hash's secret, never a value in the UI's config: MENTORSHIP_HASH_KEY as an EnvVar read at
    # run time, or else the key file's path (Settings resolves or generates it) read by key() at run time.
    hash_key: str | None = None
    hash_key_file: str | None = None
    effect_bootstrap: int = Settings.effect_bootstrap
    effect_ci_method: str = Settings.ci_method
    effect_bootstrap_below: int = Settings.bootstrap_below
    effect_bootstrap_max_people: int = Settings.bootstrap_max_people
    effect_comparison_max: int = Settings.comparison_max
    effect_seed: int = Settings.effect_seed
    effect_trim: float = Settings.effect_trim
    roi_file: str = str(Settings.roi_file)
    at_risk_days: int = Settings.at_risk_days
    # Leave person-level lists (the at-risk pairs) out of the exports and pages (MENTORSHIP_LEADERSHIP_EXPORT).
    leadership_export: bool = False
    # plotly.js inside every page rather than one shared copy beside them (MENTORSHIP_SELF_CONTAINED_PAGES).
    self_contained_pages: bool = False
    # The optional delivery step after a run (assets/delivery.py; MENTORSHIP_DELIVERY, MENTORSHIP_SMTP_*):
    # off unless set. The password and the webhook address are EnvVars, so the UI never shows them.
    delivery: str = DeliverySettings.mode
    delivery_dir: str | None = None
    delivery_subject_prefix: str = DeliverySettings.subject_prefix
    smtp_host: str | None = None
    smtp_port: int = DeliverySettings.smtp_port
    smtp_from: str | None = None
    smtp_to: list[str] = []
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = DeliverySettings.smtp_starttls
    webhook_url: str | None = None
    # Where the SQL models run (MENTORSHIP_ENGINE; mentorship.engines): the embedded DuckDB warehouse by
    # default. The PostgreSQL URL is an EnvVar, so the UI shows its name, not a password it may hold.
    engine: str = EngineSettings.engine
    postgres_url: str | None = None
    spark_master: str = EngineSettings.spark_master
    spark_remote: str | None = None
    spark_warehouse: str | None = None
    schema_prefix: str = EngineSettings.schema_prefix

    @pydantic.field_validator("engine")
    @classmethod
    def _known_engine(cls, value: str) -> str:
        # The same rules as the environment's (EngineSettings): a value set in the UI's launchpad too.
        return EngineSettings.from_env({"MENTORSHIP_ENGINE": value}).engine

    @pydantic.field_validator("schema_prefix")
    @classmethod
    def _plain_prefix(cls, value: str) -> str:
        # The prefix becomes part of schema names in SQL: letters, digits and underscores only.
        return EngineSettings.from_env({"MENTORSHIP_SCHEMA_PREFIX": value}).schema_prefix

    @pydantic.field_validator("min_group_size")
    @classmethod
    def _smallest_group(cls, value: int) -> int:
        if value < 2:
            raise SettingsError(
                f"min_group_size (MENTORSHIP_MIN_GROUP_SIZE) must be at least 2, got {value}: it is "
                "the smallest group a page or export may show"
            )
        return value

    def setup_for_execution(self, context) -> None:
        # The key is only known here: the resource holds an EnvVar or the key file's path, read now.
        self.key()
        check_writable(self.export_dir, "export_dir (MENTORSHIP_EXPORT_DIR)")
        check_writable(self.dashboard_dir, "dashboard_dir (MENTORSHIP_DASHBOARD_DIR)")
        self.delivery_settings().check()
        # An engine that cannot take the run (unreachable, refused, no privilege to create tables, or a
        # table of the same name the pipeline did not create) stops it here, before anything is written.
        if self.engine != "duckdb":
            with open_engine(self.engine_settings()) as engine:
                engine.check(target_tables())

    def engine_settings(self) -> EngineSettings:
        return EngineSettings(
            engine=self.engine,
            postgres_url=self.postgres_url,
            spark_master=self.spark_master,
            spark_remote=self.spark_remote,
            spark_warehouse=Path(self.spark_warehouse) if self.spark_warehouse else None,
            schema_prefix=self.schema_prefix,
        )

    @contextmanager
    def target(self, duckdb: DuckDBResource) -> Iterator[Engine]:
        """The engine the SQL models run on: the DuckDB warehouse's connection, or the configured engine."""
        if self.engine == "duckdb":
            with duckdb.get_connection() as con:
                yield DuckEngine(con)
        else:
            with open_engine(self.engine_settings()) as engine:
                yield engine

    @property
    def external(self) -> bool:
        """The SQL models run outside the embedded warehouse, which then loads the validated sources there."""
        return self.engine != "duckdb"

    def key(self) -> str:
        """The hash key, checked: the resource's own, or the key file's content."""
        if self.hash_key:
            return check_hash_key(self.hash_key, "the settings resource's hash_key (MENTORSHIP_HASH_KEY)")
        if self.hash_key_file:
            return read_key_file(Path(self.hash_key_file))
        raise SettingsError("no hash key: set MENTORSHIP_HASH_KEY, or MENTORSHIP_HASH_KEY_FILE to the key file")

    def delivery_settings(self) -> DeliverySettings:
        """The delivery step's settings (the SMTP password stays here, on the resource); a dry run without a
        folder writes beside the exports, in ``<export_dir>/../delivery``."""
        return DeliverySettings(
            mode=self.delivery,
            smtp_host=self.smtp_host,
            smtp_port=self.smtp_port,
            smtp_from=self.smtp_from,
            smtp_to=tuple(self.smtp_to),
            smtp_user=self.smtp_user,
            smtp_starttls=self.smtp_starttls,
            webhook_url=self.webhook_url,
            folder=Path(self.delivery_dir or Path(self.export_dir).parent / "delivery"),
            subject_prefix=self.delivery_subject_prefix,
        )

    def effect_settings(self):
        from mentorship.effect_tables import EffectSettings

        return EffectSettings(
            n_bootstrap=self.effect_bootstrap,
            seed=self.effect_seed,
            trim=self.effect_trim,
            horizons=tuple(self.horizons),
            ci_method=self.effect_ci_method,
            bootstrap_below=self.effect_bootstrap_below,
            bootstrap_max_people=self.effect_bootstrap_max_people,
            comparison_max=self.effect_comparison_max,
        )

    def mapping(self):
        from mentorship.mapping import load_mapping

        return load_mapping(self.mapping_path)

    def sql_variables(self) -> dict:
        """The parameters the SQL models read with getvariable() (``assets/sql``)."""
        return {"horizons": list(self.horizons), "as_of_date": self.as_of_date}

    @classmethod
    def from_settings(cls, s: Settings) -> PipelineSettings:
        return cls(
            landing_dir=str(s.landing_dir),
            export_dir=str(s.export_dir),
            dashboard_dir=str(s.dashboard_dir),
            min_group_size=s.min_group_size,
            mapping_path=str(s.mapping_path) if s.mapping_path else None,
            max_reject_share=s.max_reject_share,
            **_key_fields(s),
            effect_bootstrap=s.effect_bootstrap,
            effect_ci_method=s.ci_method,
            effect_bootstrap_below=s.bootstrap_below,
            effect_bootstrap_max_people=s.bootstrap_max_people,
            effect_comparison_max=s.comparison_max,
            roi_file=str(s.roi_file),
            at_risk_days=s.at_risk_days,
            horizons=list(s.horizons),
            leadership_export=s.leadership_export,
            self_contained_pages=s.self_contained_pages,
            **_delivery_fields(s.delivery),
            **_engine_fields(s.engine),
        )


def _key_fields(s: Settings) -> dict:
    """The key file's path when the key came from one; an EnvVar when it is MENTORSHIP_HASH_KEY's; else the
    key itself (a Settings made in code, as tests and tools do)."""
    if s.hash_key_file is not None:
        return {"hash_key_file": str(s.hash_key_file)}
    if os.environ.get("MENTORSHIP_HASH_KEY") == s.hash_key:
        return {"hash_key": dg.EnvVar("MENTORSHIP_HASH_KEY")}
    return {"hash_key": s.hash_key}


def _delivery_fields(d: DeliverySettings) -> dict:
    """The resource's delivery fields; the password and the webhook address as EnvVars, read at run time."""
    return {
        "delivery": d.mode,
        "delivery_dir": str(d.folder) if d.folder else None,
        "delivery_subject_prefix": d.subject_prefix,
        "smtp_host": d.smtp_host,
        "smtp_port": d.smtp_port,
        "smtp_from": d.smtp_from,
        "smtp_to": list(d.smtp_to),
        "smtp_user": d.smtp_user,
        "smtp_password": dg.EnvVar("MENTORSHIP_SMTP_PASSWORD") if os.environ.get("MENTORSHIP_SMTP_PASSWORD") else None,
        "smtp_starttls": d.smtp_starttls,
        "webhook_url": dg.EnvVar("MENTORSHIP_WEBHOOK_URL") if d.webhook_url else None,
    }


def _env_var(name: str, value: str | None):
    """``value`` as an EnvVar when it is the variable's (read at run time, shown by name in the UI)."""
    if value and os.environ.get(name, "").strip() == value:
        return dg.EnvVar(name)
    return value


def _engine_fields(e: EngineSettings) -> dict:
    """The resource's engine fields; the PostgreSQL URL and the Spark Connect URL (either may hold a
    secret) as EnvVars when they came from the environment."""
    return {
        "engine": e.engine,
        "postgres_url": _env_var("MENTORSHIP_POSTGRES_URL", e.postgres_url),
        "spark_master": e.spark_master,
        "spark_remote": _env_var("MENTORSHIP_SPARK_REMOTE", e.spark_remote),
        "spark_warehouse": str(e.spark_warehouse) if e.spark_warehouse else None,
        "schema_prefix": e.schema_prefix,
    }


def target_tables() -> list[str]:
    """Every table the pipeline writes in an engine: the validated sources the models read, the models' tables
    and the effect tables."""
    from assets.effects import TABLES
    from assets.sql import MODELS, validated_inputs

    return [*validated_inputs(), *(m.table for m in MODELS.values()), *(f"analytics.{t}" for t in TABLES)]
