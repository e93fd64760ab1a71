"""The engines the golden tests run on: a PostgreSQL server the tests start on loopback in a temporary
folder, and Spark in local mode. Where one is missing (no PostgreSQL binaries, no Java) its tests are
skipped and say why, except under CI=true, where a missing engine fails: CI installs both."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pytest


def _missing(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI installs it: .ci/run)")
    pytest.skip(reason)


def postgres_bin() -> Path | None:
    """The folder of initdb and pg_ctl: on the PATH, or Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("initdb")
    if found and all((Path(found).parent / tool).exists() for tool in ("pg_ctl", "psql")):
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PASSWORD = "tests-only-password"


def psql(root: Path, sql: str, database: str = "postgres") -> str:
    """Run ``sql`` as the server's superuser over its Unix socket in ``root`` (trusted there)."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    port = (root / "port").read_text()
    socket_dir = (root / "server").read_text() if (root / "server").exists() else str(root)
    done = subprocess.run(
        [
            *prefix,
            str(postgres_bin() / "psql"),
            "-h",
            socket_dir,
            "-p",
            port,
            "-U",
            "mentorship",
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-Atc",
            sql,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


@contextlib.contextmanager
def postgres_server(root: Path):
    """A throwaway PostgreSQL server on 127.0.0.1, a password over TCP (trust on its Unix socket, for
    :func:`psql`); yields the URL of the database ``mentorship``, password included."""
    bindir = postgres_bin()
    if bindir is None:
        _missing("PostgreSQL's initdb was not found (Debian: apt-get install postgresql)")
    root.mkdir(parents=True, exist_ok=True)
    # PostgreSQL refuses to run as root: as root, the server runs as the postgres user Debian's package
    # makes, in a folder of its own under /tmp (pytest's are closed to other users).
    prefix = []
    if os.geteuid() == 0:
        server = Path(tempfile.mkdtemp(prefix="mentorship-pg-"))
        shutil.chown(server, user="postgres")
        (root / "server").write_text(str(server))
        prefix = ["runuser", "-u", "postgres", "--"]
    else:
        server = root
    data, port = server / "db", _free_port()
    subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "mentorship",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-locale",
        ],
        check=True,
        capture_output=True,
    )
    opts = f"-p {port} -k {server} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(server / "log"), "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        (root / "port").write_text(str(port))
        psql(root, f"alter role mentorship password '{PASSWORD}'")
        psql(root, "create database mentorship")
        yield f"postgresql://mentorship:{PASSWORD}@127.0.0.1:{port}/mentorship"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        if server != root:
            shutil.rmtree(server, ignore_errors=True)


def spark_ready() -> None:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _missing("Spark needs a Java runtime (Debian: apt-get install openjdk-17-jre-headless)")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        _missing("pyspark is not installed (uv sync --extra spark)")


def wait_port(port: int, seconds: float = 10) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with contextlib.closing(socket.socket()) as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)


#: Rows for arg_min/arg_max with NULLs (tests/test_rewrite_*.py): NULL values, NULL single keys, and a
#: NULL inside a tuple key, which DuckDB sorts after every value.
ARG_NULLS = pa.table(
    {
        "g": ["a", "a", "a", "a", "b", "b"],
        "x": [1, 2, 3, None, None, 7],
        "k": [None, 5, 3, 9, 1, None],
        "j": [1, 1, 1, 9, 1, 2],
    }
)
ARG_NULLS_SQL = (
    "select g, arg_max(x, (k, j)) as max_t, arg_min(x, (k, j)) as min_t, arg_max(x, k) as max_k, "
    "arg_min(x, k) as min_k from validated.nulls group by g"
)
