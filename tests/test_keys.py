"""The hash key is never public, bad privacy settings stop a run before anything is published, and a
leadership export leaves the person-level at-risk list out."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import stat
import threading
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from assets.resources import PipelineSettings
from mentorship.privacy import pseudonymise
from mentorship.settings import REFUSED_HASH_KEYS, Settings, SettingsError, check_writable, resolve_hash_key
from tests.conftest import TEST_HASH_KEY, pipeline_resources


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_key_is_generated_once_private_and_reused(tmp_path):
    env = {"MENTORSHIP_DATA_DIR": str(tmp_path)}
    key = Settings.from_env(env).hash_key
    path = tmp_path / "secrets" / "hash_key"
    assert path.is_file() and mode(path) == 0o600 and mode(path.parent) == 0o700
    assert len(key) == 64 and int(key, 16) >= 0  # 32 random bytes, as hex
    assert path.read_text().strip() == key
    assert Settings.from_env(env).hash_key == key  # reused, not regenerated
    assert os.listdir(path.parent) == ["hash_key"]  # no temporary file left behind


def test_the_key_file_can_live_elsewhere(tmp_path):
    path = tmp_path / "vault" / "mentorship.key"
    key = Settings.from_env(
        {"MENTORSHIP_DATA_DIR": str(tmp_path / "data"), "MENTORSHIP_HASH_KEY_FILE": str(path)}
    ).hash_key
    assert path.read_text().strip() == key and mode(path) == 0o600
    assert not (tmp_path / "data" / "secrets").exists()


def test_runs_starting_together_share_one_key(tmp_path):
    keys, errors = [], []

    def resolve():
        try:
            keys.append(resolve_hash_key({}, tmp_path))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=resolve) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(keys) == 8 and len(set(keys)) == 1
    assert os.listdir(tmp_path / "secrets") == ["hash_key"]


def test_the_environment_key_wins_and_no_file_is_made(tmp_path):
    key = "k" * 40
    settings = Settings.from_env({"MENTORSHIP_DATA_DIR": str(tmp_path), "MENTORSHIP_HASH_KEY": key})
    assert settings.hash_key == key
    assert not (tmp_path / "secrets").exists()


@pytest.mark.parametrize(
    "key, message",
    [
        (next(iter(REFUSED_HASH_KEYS)), "MENTORSHIP_HASH_KEY is the old demo key"),
        ("short-key", "MENTORSHIP_HASH_KEY is 9 bytes long, under the 32 needed"),
        ("", "MENTORSHIP_HASH_KEY is empty"),
    ],
)
def test_a_bad_environment_key_is_refused_by_name(tmp_path, key, message):
    with pytest.raises(SettingsError, match=message) as e:
        Settings.from_env({"MENTORSHIP_DATA_DIR": str(tmp_path), "MENTORSHIP_HASH_KEY": key})
    assert "token_hex(32)" in str(e.value)  # and says how to make a good one
    assert not (tmp_path / "secrets").exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (next(iter(REFUSED_HASH_KEYS)) + "\n", "is the old demo key"),
        ("0123456789abcdef\n", "is 16 bytes long, under the 32 needed"),
        ("\n", "is empty"),
    ],
)
def test_a_bad_key_file_is_refused_by_name(tmp_path, content, message):
    path = tmp_path / "secrets" / "hash_key"
    path.parent.mkdir()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, content.encode())
    os.close(fd)
    with pytest.raises(SettingsError, match=message) as e:
        Settings.from_env({"MENTORSHIP_DATA_DIR": str(tmp_path)})
    assert f"the hash key file {path}" in str(e.value) and f"delete {path}" in str(e.value)


@pytest.mark.parametrize("loose", [0o640, 0o604, 0o620, 0o660, 0o644])
def test_a_key_file_others_can_read_or_write_is_refused(tmp_path, loose):
    env = {"MENTORSHIP_DATA_DIR": str(tmp_path)}
    Settings.from_env(env)
    path = tmp_path / "secrets" / "hash_key"
    path.chmod(loose)
    with pytest.raises(
        SettingsError, match=re.escape(f"the hash key file {path} can be read or written by other")
    ) as e:
        Settings.from_env(env)
    assert str(e.value).endswith(f"chmod 600 {path}")
    path.chmod(0o600)
    assert Settings.from_env(env).hash_key  # fixed as the message says


def test_the_key_never_shows_in_the_resource_config_and_nothing_is_written_to_the_environment(tmp_path, monkeypatch):
    from pipelines.resources import default_resources

    monkeypatch.delenv("MENTORSHIP_HASH_KEY", raising=False)
    monkeypatch.setenv("MENTORSHIP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MENTORSHIP_DUCKDB", str(tmp_path / "warehouse" / "w.duckdb"))
    before = dict(os.environ)
    resources = default_resources()
    assert dict(os.environ) == before  # building the resources reads the environment, never writes it
    key_file = tmp_path / "secrets" / "hash_key"
    key = key_file.read_text().strip()  # generated on the first load
    settings = resources["settings"]
    assert settings.hash_key is None and settings.hash_key_file == str(key_file)
    assert key not in repr(settings.model_dump())  # the UI shows the file's path, never the key
    assert settings.key() == key  # read at run time
    assert key not in repr(Settings.from_env())  # nor in the settings' repr
    # With the variable set, the resource holds an EnvVar, resolved only when a run starts.
    monkeypatch.setenv("MENTORSHIP_HASH_KEY", "k" * 40)
    assert isinstance(default_resources()["settings"].hash_key, dg.EnvVar)
    with pytest.raises(SettingsError, match="no hash key"):
        PipelineSettings(landing_dir="", export_dir="", dashboard_dir="").key()
    # A Settings made in code carries its own key, whatever the environment holds.
    own = dataclasses.replace(Settings.from_env(), hash_key="m" * 40, hash_key_file=None)
    assert PipelineSettings.from_settings(own).key() == "m" * 40


def _no_asset_ran(result) -> str:
    """The refusal of a run that failed before any asset: its root cause's message."""
    assert not result.success
    assert not [ev for ev in result.all_events if ev.is_step_materialization or ev.is_step_start]
    err = next(ev for ev in result.all_events if ev.is_run_failure).job_failure_data.error
    while err.cause is not None:
        err = err.cause
    return err.message


def _run_raw_employees(tmp_path, **settings):
    from pipelines.definitions import build_assets
    from pipelines.resources import warehouse

    values = {
        "landing_dir": str(tmp_path / "landing"),
        "export_dir": str(tmp_path / "exports"),
        "dashboard_dir": str(tmp_path / "dashboards"),
        "hash_key": TEST_HASH_KEY,
    } | settings
    return dg.materialize(
        build_assets(),
        selection=["raw_employees"],
        raise_on_error=False,
        resources={"duckdb": warehouse(str(tmp_path / "w.duckdb")), "settings": PipelineSettings(**values)},
    )


def test_a_short_key_in_the_resource_stops_the_run_before_any_asset(tmp_path):
    message = _no_asset_ran(_run_raw_employees(tmp_path, hash_key="too-short"))
    assert "hash_key (MENTORSHIP_HASH_KEY) is 9 bytes long" in message


@pytest.mark.parametrize("k", [0, 1, -3])
def test_min_group_size_under_two_is_refused_in_the_resource(k, tmp_path):
    with pytest.raises(Exception, match=f"min_group_size .* must be at least 2, got {k}"):
        PipelineSettings(landing_dir="", export_dir="", dashboard_dir="", hash_key=TEST_HASH_KEY, min_group_size=k)
    # As the UI's launchpad sets it: run config for the resource. The run stops before any asset.
    from pipelines.definitions import build_definitions

    defs = build_definitions()

    job = defs.resolve_job_def("full_refresh")
    config = {
        "landing_dir": str(tmp_path / "landing"),
        "export_dir": str(tmp_path / "exports"),
        "dashboard_dir": str(tmp_path / "dashboards"),
        "hash_key": {"env": "MENTORSHIP_HASH_KEY"},
        "min_group_size": k,
    }
    result = job.execute_in_process(
        run_config={"resources": {"settings": {"config": config}}},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert f"must be at least 2, got {k}" in _no_asset_ran(result)


def test_an_output_folder_that_cannot_be_written_stops_the_run(tmp_path, monkeypatch, capsys):
    # A folder under a regular file can never be made, even by root (who passes permission checks).
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    with pytest.raises(
        SettingsError, match=re.escape(f"MENTORSHIP_EXPORT_DIR is {blocker / 'exports'}, which cannot be written")
    ):
        check_writable(blocker / "exports", "MENTORSHIP_EXPORT_DIR")
    # The command line: exit 2 and the folder named, before anything is generated or run.
    from pipelines.cli import main

    monkeypatch.setenv("MENTORSHIP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MENTORSHIP_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("MENTORSHIP_DASHBOARD_DIR", str(blocker / "dashboards"))
    assert main(["run", "--months", "2025-01"]) == 2
    err = capsys.readouterr().err
    assert f"MENTORSHIP_DASHBOARD_DIR is {blocker / 'dashboards'}, which cannot be written" in err
    assert not (tmp_path / "landing").exists()
    # A run from the UI: the resource refuses before any asset runs.
    message = _no_asset_ran(_run_raw_employees(tmp_path, export_dir=str(blocker / "exports")))
    assert f"export_dir (MENTORSHIP_EXPORT_DIR) is {blocker / 'exports'}, which cannot be written" in message


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes to a read-only folder anyway")
def test_a_read_only_output_folder_is_refused(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir(mode=0o500)
    try:
        with pytest.raises(SettingsError, match="MENTORSHIP_EXPORT_DIR"):
            check_writable(folder, "MENTORSHIP_EXPORT_DIR")
    finally:
        folder.chmod(0o700)


# ---------------------------------------------------------------------------------------------
# The at-risk pair list: the program team's page only


def test_the_leadership_export_setting_and_flag(monkeypatch):
    from tests.test_operations import KEY

    assert not Settings.from_env(KEY).leadership_export
    assert Settings.from_env({**KEY, "MENTORSHIP_LEADERSHIP_EXPORT": "yes"}).leadership_export
    s = Settings.from_env({**KEY, "MENTORSHIP_LEADERSHIP_EXPORT": "1"})
    assert PipelineSettings.from_settings(s).leadership_export
    from pipelines.cli import main

    monkeypatch.setenv("MENTORSHIP_LEADERSHIP_EXPORT", "0")  # so that monkeypatch restores it afterwards
    assert main(["run", "--leadership-export", "--months", "2025-13"]) == 2  # stops early, flag read
    assert os.environ["MENTORSHIP_LEADERSHIP_EXPORT"] == "1"


def _values(resource: PipelineSettings) -> dict:
    return {name: getattr(resource, name) for name in PipelineSettings.model_fields}


def test_only_the_program_page_and_its_export_hold_the_at_risk_list(built):
    root, result = built
    assert result.success
    ids = _at_risk_ids(root)
    assert ids  # every quiet pair, listed or not (the gate lists them only from min_group_size pairs)
    holding = {
        p.name
        for p in (root / "dashboards").rglob("*")
        if p.suffix in (".html", ".md") and any(i in p.read_text(errors="ignore") for i in ids)
    }
    assert holding <= {"program.html"}
    # The packs print leadership pages: the program pack leaves the program team's list out.
    from pypdf import PdfReader

    for pdf in (root / "dashboards" / "packs").glob("*.pdf"):
        text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
        assert not any(i in text for i in ids), pdf.name
    page = (root / "dashboards" / "program.html").read_text()
    assert "for the program team" in page
    listed = pd.read_parquet(root / "exports" / "at_risk_pairs.parquet")
    assert (set(listed.pair) <= ids) and (len(listed) >= 20 or (listed.empty and "Not listed: fewer than 20" in page))


def _at_risk_ids(root: Path) -> set[str]:
    from assets.reporting import at_risk_pairs

    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        return set(at_risk_pairs(con, 60, TEST_HASH_KEY).pair)


def test_a_leadership_export_leaves_the_at_risk_list_out(built, tmp_path):
    from pipelines.definitions import build_assets

    root, result = built
    assert result.success
    shutil.copytree(root, tmp_path / "copy", ignore=shutil.ignore_patterns("*.wal"))
    copy = tmp_path / "copy"
    ids = _at_risk_ids(copy)
    assert ids
    resources = pipeline_resources(copy, Path("unused"), min_group_size=20)
    resources["settings"] = PipelineSettings(**{**_values(resources["settings"]), "leadership_export": True})
    # The pages and the exports they read: the steps just before the pages.
    run = dg.materialize(
        build_assets(),
        resources=resources,
        raise_on_error=False,
        selection=dg.AssetSelection.assets("dashboards").upstream(depth=2),
    )
    assert run.success
    assert not (copy / "exports" / "at_risk_pairs.parquet").exists()  # the earlier list is removed too
    page = (copy / "dashboards" / "program.html").read_text()
    assert "Held back: this is a leadership export" in page
    for p in [*(copy / "exports").rglob("*"), *(copy / "dashboards").rglob("*.html")]:
        if not p.is_file():
            continue
        text = p.read_bytes().decode("utf-8", errors="ignore")
        assert not any(i in text for i in ids), p


def test_at_risk_ids_are_keyed_hashes_under_the_run_key(tmp_path):
    from assets.reporting import write_at_risk_pairs

    con = duckdb.connect()
    con.execute("create schema analytics")
    quiet = [(f"PR{i}", "p", "c", "active", 100 - i, 2) for i in range(6)]
    con.execute(
        "create table analytics.pair_engagement (pair_id varchar, program varchar, cohort varchar, "
        "status varchar, days_since_last_meeting integer, meetings integer)"
    )
    con.executemany(
        "insert into analytics.pair_engagement values (?, ?, ?, ?, ?, ?)",
        [*quiet, ("PR8", "p", "c", "active", 10, 5), ("PR9", "p", "c", "completed", 200, 9)],
    )
    settings = PipelineSettings(landing_dir="", export_dir=str(tmp_path), dashboard_dir="", hash_key=TEST_HASH_KEY)
    frame = write_at_risk_pairs(con, tmp_path, settings)
    assert list(frame.pair) == [pseudonymise(p, TEST_HASH_KEY, prefix="pair_") for p, *_ in quiet]
    assert list(pd.read_parquet(tmp_path / "at_risk_pairs.parquet").pair) == list(frame.pair)
    held = write_at_risk_pairs(con, tmp_path, PipelineSettings(**{**_values(settings), "leadership_export": True}))
    assert held.empty and not (tmp_path / "at_risk_pairs.parquet").exists()


def test_a_leadership_export_keeps_validation_counts_and_drops_sample_rows(built):
    from mentorship.quality import summarise

    root, _ = built
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        full, held = summarise(con, TEST_HASH_KEY), summarise(con, TEST_HASH_KEY, samples=False)
    assert not full["samples_held_back"] and held["samples_held_back"]
    rules = [r for s in held["sources"] for r in s["rules"]]
    assert rules and all(r["samples"] == [] for r in rules)
    # the counts are the same either way
    assert [(r["rule"], r["checked"], r["unexpected"]) for s in held["sources"] for r in s["rules"]] == [
        (r["rule"], r["checked"], r["unexpected"]) for s in full["sources"] for r in s["rules"]
    ]
