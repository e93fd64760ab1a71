"""The SQL model registry (assets/sql): the graph is read from the SQL, and a file and its registry cannot
disagree silently."""

import re

import dagster as dg
import duckdb
import pytest

from assets.sql import MODELS, REGISTRY, ModelError, build_table, in_order, load_models
from pipelines.definitions import build_definitions


def test_dependencies_and_parameters_are_read_from_the_sql(tmp_path):
    (tmp_path / "cohorts").mkdir()
    (tmp_path / "cohorts" / "a.sql").write_text(
        "-- reads analytics.ignored_in_a_comment\nselect * from validated.meetings join analytics.b using (x)\n"
        "where d < getvariable('as_of_date') and getvariable('as_of_date') is not null"
    )
    (tmp_path / "cohorts" / "b.sql").write_text("select 1 as x from validated.employees")
    models = load_models(tmp_path, {"cohorts": {"a": "A.", "b": "B."}})
    assert models["a"].deps == ("validated_meetings", "b")
    assert models["a"].variables == ("as_of_date",)
    assert models["b"].deps == ("validated_employees",) and models["b"].variables == ()


@pytest.mark.parametrize(
    ("files", "registry", "message"),
    [
        ({"a": "select 1"}, {}, r"files not registered \[\('cohorts', 'a'\)\]"),
        ({}, {"a": "A."}, r"registered without a file \[\('cohorts', 'a'\)\]"),
        ({"a": "select * from analytics.nowhere"}, {"a": "A."}, "a.sql reads analytics.nowhere, which no model builds"),
    ],
)
def test_a_file_and_its_registry_cannot_disagree(tmp_path, files, registry, message):
    (tmp_path / "cohorts").mkdir()
    for name, sql in files.items():
        (tmp_path / "cohorts" / f"{name}.sql").write_text(sql)
    with pytest.raises(ModelError, match=message):
        load_models(tmp_path, {"cohorts": registry})


def test_the_order_puts_every_model_after_what_it_reads():
    order = [m.name for m in in_order()]
    assert sorted(order) == sorted(MODELS)
    for i, name in enumerate(order):
        assert all(d not in MODELS or d in order[:i] for d in MODELS[name].deps), name
    assert [m.name for m in in_order(["career_outcomes", "job_events"])] == ["job_events", "career_outcomes"]


def test_dagster_runs_the_registry_graph():
    """Every model is an asset in its layer's group with the registry's dependencies: the order is stated
    once, in the SQL."""
    graph = build_definitions().resolve_asset_graph()
    for name, model in MODELS.items():
        node = graph.get(dg.AssetKey(name))
        assert node.group_name == model.layer == next(k for k, v in REGISTRY.items() if name in v)
        assert {k.to_user_string() for k in node.parent_keys} == set(model.deps)


def test_a_missing_parameter_is_named():
    con = duckdb.connect()
    with pytest.raises(
        ModelError, match=re.escape("career_outcomes.sql reads the parameter 'horizons', which was not given")
    ):
        build_table(con, "career_outcomes", {})
