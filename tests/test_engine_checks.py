"""An engine that cannot take the run stops it before anything is written, and a table the pipeline did
not create is never overwritten (PostgreSQL, on a server the test starts)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from assets.resources import target_tables
from mentorship.engines import EngineError, ForeignTableError, open_engine
from mentorship.settings import EngineSettings
from tests.engines import PASSWORD, _free_port, postgres_server, psql

pytestmark = pytest.mark.xdist_group("engines")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("pg") / "server"
    with postgres_server(root) as url:
        yield root, url


def _settings(url: str) -> EngineSettings:
    return EngineSettings.from_env({"MENTORSHIP_ENGINE": "postgres", "MENTORSHIP_POSTGRES_URL": url})


def _refused(url: str) -> EngineError:
    settings = _settings(url)
    with pytest.raises(EngineError) as caught, open_engine(settings) as engine:
        engine.check(target_tables())
    return caught.value


def test_an_unreachable_server_is_named_with_its_setting():
    port = _free_port()  # nothing listens there
    e = _refused(f"postgresql://mentorship@127.0.0.1:{port}/mentorship")
    assert (e.engine, e.where, e.setting) == ("postgres", f"127.0.0.1:{port}/mentorship", "MENTORSHIP_POSTGRES_URL")
    assert f"127.0.0.1:{port}" in str(e) and "MENTORSHIP_POSTGRES_URL" in str(e) and "cannot connect" in str(e)


def test_wrong_credentials_are_refused_without_showing_the_password(server):
    _, url = server
    e = _refused(url.replace(PASSWORD, "not-the-password"))
    assert "password authentication failed" in str(e)
    assert "not-the-password" not in str(e)


def test_a_login_without_the_privilege_to_create_tables_is_refused(server):
    root, url = server
    psql(root, "create role reader login password 'reader-pw'")
    e = _refused(url.replace(f"mentorship:{PASSWORD}", "reader:reader-pw"))
    assert "cannot create tables" in str(e) and "permission denied" in str(e)
    # Nothing was written: the check's own probe left no schema behind.
    assert psql(root, "select count(*) from pg_namespace where nspname = 'analytics'", "mentorship").strip() == "0"


def test_a_table_the_pipeline_did_not_create_is_never_overwritten(server):
    root, url = server
    psql(
        root,
        "create schema if not exists client_analytics; create table client_analytics.cohort_members (x int); "
        "insert into client_analytics.cohort_members values (42)",
        "mentorship",
    )
    settings = EngineSettings.from_env(
        {"MENTORSHIP_ENGINE": "postgres", "MENTORSHIP_POSTGRES_URL": url, "MENTORSHIP_SCHEMA_PREFIX": "client_"}
    )
    with open_engine(settings) as engine:
        with pytest.raises(ForeignTableError, match=r"client_analytics\.cohort_members exists and was not created"):
            engine.check(target_tables())
        with pytest.raises(ForeignTableError):
            engine.write_tables({"analytics.cohort_members": __import__("pyarrow").table({"x": [1]})})
    assert psql(root, "select x from client_analytics.cohort_members", "mentorship").strip() == "42"


def test_the_run_stops_before_writing_anything(tmp_path):
    """`make run` against an unreachable server: exit 2, the message names engine, host and setting, and
    nothing is written: no key file, no sample landing files, no folders, no warehouse."""
    port = _free_port()
    env = {
        **os.environ,
        "MENTORSHIP_DATA_DIR": str(tmp_path / "data"),
        "DAGSTER_HOME": str(tmp_path),
        "MENTORSHIP_ENGINE": "postgres",
        "MENTORSHIP_POSTGRES_URL": f"postgresql://mentorship@127.0.0.1:{port}/mentorship",
    }
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", "run"], env=env, capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert f"postgres at 127.0.0.1:{port}/mentorship" in done.stderr and "MENTORSHIP_POSTGRES_URL" in done.stderr
    assert not (tmp_path / "data").exists(), sorted((tmp_path / "data").rglob("*"))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MENTORSHIP_ENGINE": "snowflake"}, "MENTORSHIP_ENGINE must be one of duckdb, postgres, spark"),
        ({"MENTORSHIP_ENGINE": "postgres"}, "MENTORSHIP_ENGINE=postgres needs MENTORSHIP_POSTGRES_URL"),
        ({"MENTORSHIP_ENGINE": "postgres", "MENTORSHIP_POSTGRES_URL": "mysql://h/db"}, "must start with postgresql://"),
        ({"MENTORSHIP_SCHEMA_PREFIX": "client-a"}, "MENTORSHIP_SCHEMA_PREFIX must be letters"),
    ],
)
def test_engine_settings_refuse_what_cannot_work(env, message):
    from mentorship.settings import SettingsError

    with pytest.raises(SettingsError, match=message):
        EngineSettings.from_env(env)


def test_the_postgres_password_is_never_shown(monkeypatch):
    url = "postgresql://analyst:s3cret-pw@db.example:6543/hr"
    settings = _settings(url)
    assert settings.where == "db.example:6543/hr" and settings.setting == "MENTORSHIP_POSTGRES_URL"
    assert "s3cret" not in repr(settings)
    from assets.resources import _engine_fields

    monkeypatch.setenv("MENTORSHIP_POSTGRES_URL", url)
    fields = _engine_fields(settings)
    assert "s3cret" not in repr(fields)  # an EnvVar: the UI shows the variable's name, read at run time


def test_schemas_an_administrator_made_need_no_create_on_the_database(server):
    """Least privilege: the schemas exist, granted to a login that may not create schemas."""
    root, url = server
    psql(
        root,
        "create role worker login password 'worker-pw'; create schema if not exists ops_validated; "
        "create schema if not exists ops_analytics; grant all on schema ops_validated, ops_analytics to worker; "
        "revoke create on database mentorship from public",
        "mentorship",
    )
    settings = EngineSettings.from_env(
        {
            "MENTORSHIP_ENGINE": "postgres",
            "MENTORSHIP_POSTGRES_URL": url.replace(f"mentorship:{PASSWORD}", "worker:worker-pw"),
            "MENTORSHIP_SCHEMA_PREFIX": "ops_",
        }
    )
    with open_engine(settings) as engine:
        engine.check(target_tables())


def test_a_median_function_the_pipeline_did_not_make_is_left_alone(server):
    root, url = server
    psql(
        root,
        "create schema if not exists theirs_analytics; create function theirs_analytics.median(double precision) "
        "returns double precision language sql as 'select 42.0::double precision'",
        "mentorship",
    )
    settings = EngineSettings.from_env(
        {"MENTORSHIP_ENGINE": "postgres", "MENTORSHIP_POSTGRES_URL": url, "MENTORSHIP_SCHEMA_PREFIX": "theirs_"}
    )
    with (
        pytest.raises(ForeignTableError, match=r"function theirs_analytics\.median exists"),
        open_engine(settings) as engine,
    ):
        engine.check(target_tables())
    assert psql(root, "select theirs_analytics.median(1)", "mentorship").strip() == "42"


def test_a_password_libpq_quotes_back_is_not_shown(server):
    _, url = server
    # A password with a stray percent sign: libpq's URL parser quotes the bad token in its message.
    e = _refused(url.replace(PASSWORD, "se%zzcret"))
    assert "zzcret" not in str(e) and "cannot connect" in str(e)


def test_great_expectations_imports_beside_pyspark_in_a_process_without_a_main_file():
    """With pyspark installed, Great Expectations imports Spark Connect, whose dependency check exits the
    process (status 0, silently) when ``__main__`` has no file (``python -c``, a test or pool worker)
    and its gRPC packages are missing. The spark extra installs them (pyspark[connect])."""
    pytest.importorskip("pyspark")
    done = subprocess.run(
        [sys.executable, "-c", "import great_expectations; print('imported')"], capture_output=True, text=True
    )
    assert done.stdout.strip() == "imported", done.stderr[-500:]
