"""Shared fixtures: a small generated organisation and a warehouse built from it by Dagster."""

from __future__ import annotations

import os
from pathlib import Path

#: The tests' hash key (64 bytes, never a real one). Set before the code location is imported, which
#: resolves the key, so that the suite neither reads nor generates a key file in the project's data folder.
TEST_HASH_KEY = "tests-only-hash-key-" + "0123456789abcdef" * 2 + "-not-for-real-data"
os.environ.setdefault("MENTORSHIP_HASH_KEY", TEST_HASH_KEY)

import dagster as dg
import duckdb
import pytest

from assets.partitions import landing_range, range_tags
from assets.resources import PipelineSettings
from mentorship.synthetic import SyntheticConfig, generate
from pipelines.definitions import build_assets
from pipelines.resources import warehouse as warehouse_resource
from tests.corpus import case, tiny  # noqa: F401  (the bad-input corpus's fixtures, for every test module)

SMALL_ORG = SyntheticConfig(n_employees=1500, seed=7)
#: The shared build's minimum group size: above the default 5 so that the small organisation has real
#: privacy suppressions (its smallest groups of mentees and of mentors) to test.
SMALL_K = 20


def pipeline_resources(
    root: Path, landing: Path, min_group_size: int = 5, effect_bootstrap: int = 30, **settings
) -> dict:
    return {
        "duckdb": warehouse_resource(str(root / "warehouse.duckdb")),
        "settings": PipelineSettings(
            landing_dir=str(landing),
            export_dir=str(root / "exports"),
            dashboard_dir=str(root / "dashboards"),
            min_group_size=min_group_size,
            effect_bootstrap=effect_bootstrap,
            hash_key=TEST_HASH_KEY,
            **settings,
        ),
    }


def build(
    root: Path, landing: Path, months: tuple[str, str] | None = None, selection=None, **kw
) -> dg.ExecuteInProcessResult:
    """Materialize the graph (or ``selection``) for ``months`` of the monthly sources (default: every
    month the landing files name), as `make run` does."""
    months = months or landing_range(landing)
    return dg.materialize(
        build_assets(),
        resources=pipeline_resources(root, landing, **kw),
        raise_on_error=False,
        tags=range_tags(*months) if months else None,
        selection=selection,
    )


#: Files whose module fixture builds an organisation big enough that building it once per worker would
#: cost more than running the file's tests side by side saves.
ONE_WORKER_FILES = {"tests/test_planted_truth.py", "tests/test_comparison_sampling.py", "tests/test_horizons.py"}
#: Files with tests of half a minute or more (whole CLI runs, backfills, several organisations).
LONG_FILES = {"tests/test_recovery.py", "tests/test_partitions.py", "tests/test_effect_recovery.py"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # Under pytest-xdist (`make test` runs a worker per core, ``--dist loadgroup``), every test on the
    # shared build runs in one worker, and so does every test of a file in ONE_WORKER_FILES, so that
    # no such build is made twice; the other tests go to whichever worker is free. (First, before
    # xdist reads the groups.)
    rank = {}
    for item in items:
        path = item.nodeid.split("::")[0]
        if "built" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("built"))
            rank[item.nodeid] = 0
        elif path in ONE_WORKER_FILES:
            item.add_marker(pytest.mark.xdist_group(path))
            rank[item.nodeid] = 1
        else:
            rank[item.nodeid] = 1 if path in LONG_FILES else 2
    # Longest work first, so that the workers finish together rather than one waiting on a long test
    # handed out last (the order is otherwise the files' order; no test depends on it).
    items.sort(key=lambda item: rank[item.nodeid])


@pytest.hookimpl(trylast=True)  # after the durations, just above the final count
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say what a run left out and how to run it: `make test` leaves out the slow tier."""
    if "not slow" in (config.getoption("markexpr") or ""):
        # Under pytest-xdist the workers deselect, and the count does not reach this process.
        left = len(terminalreporter.stats.get("deselected", []))
        terminalreporter.write_line(
            f"Left out: the slow tier{f' ({left} tests)' if left else ''}, statistical checks over several "
            "generated organisations and whole runs one after another. Run it with `make test-slow`, or "
            "everything with `make test-all`; CI runs both.",
            yellow=True,
            bold=True,
        )


@pytest.fixture(scope="session")
def small_org(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("org")
    truth = generate(root / "landing", SMALL_ORG, root / "truth.json")
    return root / "landing", truth


@pytest.fixture(scope="session")
def built(tmp_path_factory, small_org):
    """(root, result) of one whole-graph materialize of the small organisation."""
    landing, _ = small_org
    root = tmp_path_factory.mktemp("built")
    result = build(root, landing, min_group_size=SMALL_K)
    return root, result


@pytest.fixture
def warehouse(built):
    root, result = built
    assert result.success
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()
