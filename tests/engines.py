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

import pytest


def _missing(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI installs it: .ci/run)")
    pytest.skip(reason)


def postgres_bin() -> Path | None:
    """The folder of initdb and pg_ctl: on the PATH, or Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def postgres_server(root: Path):
    """A throwaway PostgreSQL server on 127.0.0.1 with trust authentication; yields its URL."""
    bindir = postgres_bin()
    if bindir is None:
        _missing("PostgreSQL's initdb was not found (Debian: apt-get install postgresql)")
    root.mkdir(parents=True, exist_ok=True)
    # PostgreSQL refuses to run as root: as root, the server runs as the postgres user Debian's package makes,
    # in a folder of its own (pytest's temporary folders are root's alone, mode 700, closed to that user).
    prefix, own = [], None
    if os.geteuid() == 0:
        own = root = Path(tempfile.mkdtemp(prefix="mentorship-pg-"))
        shutil.chown(root, user="postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = root / "db", _free_port()
    subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "mentorship",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
        ],
        check=True,
        capture_output=True,
    )
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run(
            [
                *prefix,
                str(bindir / "psql") if (bindir / "psql").exists() else "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "mentorship",
                "-d",
                "postgres",
                "-c",
                "create database mentorship",
            ],
            check=True,
            capture_output=True,
        )
        yield f"postgresql://mentorship@127.0.0.1:{port}/mentorship"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        if own is not None:
            shutil.rmtree(own, ignore_errors=True)


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
