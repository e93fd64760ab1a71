"""Golden tests: the small organisation built on PostgreSQL and on Spark gives DuckDB's tables (row count
and a checksum of the sorted rows, numbers to 9 significant digits) and DuckDB's estimates."""

from __future__ import annotations

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from assets.reporting import AT_RISK, COHORT_SIZES
from assets.sql import MODELS, build_models, validated_inputs
from mentorship.effect_tables import EffectSettings, compute_effects
from mentorship.engines import DuckEngine, open_engine
from mentorship.engines.golden import _value, digest, first_difference
from mentorship.engines.rewrite import ends_ordered
from mentorship.settings import EngineSettings
from mentorship.synthetic import SyntheticConfig, generate
from tests.conftest import build
from tests.engines import postgres_server, spark_ready

ORG = SyntheticConfig(n_employees=600, seed=11)
VARIABLES = {"horizons": [6, 12, 24], "as_of_date": None}
EFFECTS = EffectSettings(n_bootstrap=20, n_jobs=1)
pytestmark = pytest.mark.xdist_group("engines")


@pytest.fixture(scope="module")
def duck(tmp_path_factory):
    """The small organisation ingested and built in DuckDB, as `make run` builds it."""
    root = tmp_path_factory.mktemp("duck")
    generate(root / "landing", ORG, root / "truth.json")
    result = build(
        root, root / "landing", selection=dg.AssetSelection.groups("raw", "validated", "cohorts", "outcomes")
    )
    assert result.success
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    yield DuckEngine(con)
    con.close()


@pytest.fixture(scope="module", params=["postgres", "spark"])
def target(request, duck, tmp_path_factory):
    """The engine, loaded with DuckDB's validated tables and with every model built on it."""
    root = tmp_path_factory.mktemp(request.param)
    with contextlib_for(request.param, root) as settings:
        engine = open_engine(settings)
        engine.check([f"analytics.{n}" for n in MODELS])
        engine.write_tables({t: duck.fetch_arrow(f"select * from {t}") for t in validated_inputs()})
        build_models(engine, VARIABLES)
        yield engine
        engine.close()


def contextlib_for(name, root):
    import contextlib

    @contextlib.contextmanager
    def settings():
        if name == "postgres":
            with postgres_server(root / "pg") as url:
                yield EngineSettings(engine="postgres", postgres_url=url)
        else:
            spark_ready()
            yield EngineSettings(engine="spark", spark_warehouse=root / "warehouse")

    return settings()


@pytest.mark.parametrize("model", list(MODELS))
def test_tables_match_duckdb(duck, target, model):
    ours = target.fetch_arrow(f"select * from analytics.{model}")
    theirs = duck.fetch_arrow(f"select * from analytics.{model}")
    assert digest(ours) == digest(theirs), f"{target.name} {model}: {first_difference(ours, theirs)}"


def _rows_in_order(table) -> list[tuple]:
    names = sorted(table.column_names)
    columns = [[_value(v) for v in table.column(n).to_pylist()] for n in names]
    return list(zip(*columns))


@pytest.mark.parametrize("model", [m for m, spec in MODELS.items() if ends_ordered(spec.sql)])
def test_ordered_tables_read_back_in_their_order(duck, target, model):
    """The exports take a table's rows as the engine returns them; a model that ends in ORDER BY is
    read back in that order on every engine, as on DuckDB."""
    sql = f"select * from analytics.{model}"
    assert _rows_in_order(target.fetch_arrow(sql)) == _rows_in_order(duck.fetch_arrow(sql))


def test_tables_written_from_arrow_keep_their_row_order(target):
    """The effect tables are written from frames and exported in their rows' order."""
    rng = np.random.default_rng(5)
    # Rows later in the frame carry longer text: a table split into parts of unequal size is where a
    # reader that takes the largest part first would show it.
    n = 20_000
    frame = pa.table(
        {"key": rng.permutation(n), "value": rng.normal(size=n), "text": ["x" * (i // 500) for i in range(n)]}
    )
    target.write_tables({"analytics.order_probe": frame})
    back = target.fetch_arrow("select * from analytics.order_probe")
    assert back.column("key").to_pylist() == frame.column("key").to_pylist()


def _kinds(frame: pd.DataFrame) -> dict:
    # Integers and doubles of any width count alike (a sum, a day count); nullable ones stay nullable.
    def kind(t) -> str:
        if pd.api.types.is_bool_dtype(t) or not pd.api.types.is_numeric_dtype(t):
            return str(t)
        return "nullable number" if isinstance(t, pd.api.extensions.ExtensionDtype) else "number"

    return {c: kind(t) for c, t in frame.dtypes.items()}


def test_exports_read_with_duckdbs_types(duck, target, duck_effects):
    """The exports are written from ``fetch_frame``: every engine gives DuckDB's frame, dtypes included
    (dates as timestamps, nullable integers and booleans), for the effect tables written from frames and
    for the published models and queries."""
    tables = {f"analytics.{name}": frame for name, frame in duck_effects.items()}
    duck.write_tables(tables)
    target.write_tables(tables)
    queries = [f"select * from {t}" for t in tables] + [
        f"select * from analytics.{m}" for m in ("program_health", "program_activity", "survey_prepost", "roi_inputs")
    ]
    for sql in [*queries, COHORT_SIZES]:
        ours, theirs = target.fetch_frame(sql), duck.fetch_frame(sql)
        # DuckDB sums integers into a 128-bit integer, which comes out as a double; PostgreSQL's sum of
        # integers is a bigint, Spark's day counts 32-bit. Numbers may differ in width; every other type
        # (dates, nullable integers and booleans, text) must be DuckDB's.
        assert _kinds(ours) == _kinds(theirs), sql
        pd.testing.assert_frame_equal(ours, theirs, check_dtype=False, check_exact=False, rtol=1e-9, obj=sql)


@pytest.mark.parametrize("query", ["cohort_sizes", "at_risk_pairs"])
def test_reporting_reads_match_duckdb(duck, target, query):
    """The reporting layer's own queries (beyond ``select *``) read the same from every engine."""
    sql, params = {"cohort_sizes": (COHORT_SIZES, None), "at_risk_pairs": (AT_RISK, {"days": 30})}[query]
    ours, theirs = target.fetch_arrow(sql, params), duck.fetch_arrow(sql, params)
    assert theirs.num_rows > 0
    assert digest(ours) == digest(theirs), first_difference(ours, theirs)
    # In the same order, too: the at-risk list is read top down.
    assert ours.column(0).to_pylist() == theirs.column(0).to_pylist()


@pytest.fixture(scope="module")
def duck_effects(duck):
    return compute_effects(duck, EFFECTS)


def test_estimates_match_duckdb(duck_effects, target):
    ours = compute_effects(target, EFFECTS)["effect_estimates"]
    theirs = duck_effects["effect_estimates"]
    keys = ["role", "outcome", "horizon_months", "segment_type", "segment"]
    ours, theirs = (f.sort_values(keys, na_position="first").reset_index(drop=True) for f in (ours, theirs))
    assert len(ours) == len(theirs) > 0
    pd.testing.assert_frame_equal(ours[keys], theirs[keys])
    for col in ["naive", "estimate", "ci_low", "ci_high", "n_treated", "n_control"]:
        if col in ours:
            assert np.allclose(
                ours[col].astype(float), theirs[col].astype(float), rtol=1e-9, atol=1e-12, equal_nan=True
            ), col
