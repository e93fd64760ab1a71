"""Where the SQL models run (``mentorship.engines``): the engine and how to reach it, read from the
environment and checked for the chosen engine."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from mentorship.settings.env import SettingsError

ENGINES = ("duckdb", "postgres", "spark")


@dataclass(frozen=True)
class EngineSettings:
    """The warehouse engine, read from the environment:

    ``MENTORSHIP_ENGINE``          duckdb (default, embedded), postgres or spark
    ``MENTORSHIP_POSTGRES_URL``    postgres: a libpq URL, ``postgresql://user@host:5432/database``; the
                                   password from ``PGPASSWORD`` (or in the URL), never shown or logged
    ``MENTORSHIP_SPARK_MASTER``    spark: the master, default ``local[*]`` (this machine's cores); a
                                   cluster's ``spark://host:7077`` or ``yarn`` to run there
    ``MENTORSHIP_SPARK_REMOTE``    spark: a Spark Connect server (``sc://host:15002``) instead of a master
    ``MENTORSHIP_SPARK_WAREHOUSE`` spark: where local tables are kept, default ``<data>/spark-warehouse``
    ``MENTORSHIP_SCHEMA_PREFIX``   postgres and spark: put the two schemas at ``<prefix>validated`` and
                                   ``<prefix>analytics`` (say ``client_a_``); default none

    Ingest always runs in the embedded DuckDB warehouse (``MENTORSHIP_DUCKDB``), which then loads each
    validated source into the engine."""

    engine: str = "duckdb"
    # May hold a password: kept out of repr; ``where`` is what messages show.
    postgres_url: str | None = field(default=None, repr=False)
    spark_master: str = "local[*]"
    # May carry a token (sc://host:15002/;token=...): kept out of repr.
    spark_remote: str | None = field(default=None, repr=False)
    spark_warehouse: Path | None = None
    schema_prefix: str = ""

    @property
    def setting(self) -> str:
        """The setting that points at the engine, for messages."""
        return {
            "duckdb": "MENTORSHIP_DUCKDB",
            "postgres": "MENTORSHIP_POSTGRES_URL",
            "spark": "MENTORSHIP_SPARK_REMOTE" if self.spark_remote else "MENTORSHIP_SPARK_MASTER",
        }[self.engine]

    @property
    def where(self) -> str:
        """The host (and port and database) or the Spark master, without credentials."""
        if self.engine == "postgres" and self.postgres_url:
            url = urlsplit(self.postgres_url)
            return f"{url.hostname or 'localhost'}:{url.port or 5432}{url.path or ''}"
        if self.engine == "spark":
            # A Spark Connect URL may carry a token after "/;": shown without it.
            return (self.spark_remote or "").split("/;")[0] or self.spark_master
        return "the embedded warehouse"

    @classmethod
    def from_env(cls, env=None, data_dir: Path | None = None) -> EngineSettings:
        env = os.environ if env is None else env
        engine = env.get("MENTORSHIP_ENGINE", cls.engine).strip().lower() or cls.engine
        if engine not in ENGINES:
            raise SettingsError(f"MENTORSHIP_ENGINE must be one of {', '.join(ENGINES)}, got {engine!r}")
        prefix = env.get("MENTORSHIP_SCHEMA_PREFIX", "").strip().lower()
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,40}|", prefix):
            raise SettingsError(
                f"MENTORSHIP_SCHEMA_PREFIX must be letters, digits and underscores, starting with a letter, got {prefix!r}"
            )
        url = env.get("MENTORSHIP_POSTGRES_URL", "").strip() or None
        if engine == "postgres":
            if not url:
                raise SettingsError(
                    "MENTORSHIP_ENGINE=postgres needs MENTORSHIP_POSTGRES_URL, such as postgresql://user@host:5432/database"
                )
            if urlsplit(url).scheme not in ("postgresql", "postgres"):
                raise SettingsError("MENTORSHIP_POSTGRES_URL must start with postgresql://")
        data = Path(data_dir) if data_dir else Path("data")
        return cls(
            engine=engine,
            postgres_url=url,
            spark_master=env.get("MENTORSHIP_SPARK_MASTER", cls.spark_master).strip() or cls.spark_master,
            spark_remote=env.get("MENTORSHIP_SPARK_REMOTE", "").strip() or None,
            spark_warehouse=Path(env.get("MENTORSHIP_SPARK_WAREHOUSE", data / "spark-warehouse")),
            schema_prefix=prefix,
        )
