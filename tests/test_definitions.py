"""The code location loads, and its asset graph cannot drift silently."""

import dagster as dg

from pipelines.definitions import build_definitions

defs = build_definitions()

# Update this list on purpose when the graph changes.
EXPECTED_ASSETS = sorted(
    [
        *(
            f"{layer}_{s}"
            for layer in ("raw", "validated")
            for s in ("employees", "job_history", "mentorship_pairs", "meetings", "survey_responses", "survey_items")
        ),
        "job_events",
        "survey_scores",
        "cohort_members",
        "career_outcomes",
        "survival_times",
        "censoring_risk",
        "survey_outcomes",
        "pair_engagement",
        "program_health",
        "program_activity",
        "survey_prepost",
        "roi_inputs",
        "validation_report",
        "published_exports",
        "roi_case",
        "metric_table",
        "comparison_dashboard",
        "effect_estimates",
        "effect_balance",
        "survival_curves",
        "falsification_checks",
        "methodology_note",
        "dashboards",
        "dashboard_packs",
        "delivery_message",
    ]
)


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)


def test_asset_key_snapshot():
    keys = sorted(k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys())
    assert keys == EXPECTED_ASSETS


def test_the_falsification_tests_are_warning_checks_on_their_table():
    graph = defs.resolve_asset_graph()
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    assert {("falsification_checks", c) for c in ("placebo_outcome", "placebo_treatment", "balance")} <= checks
    specs = {s.key.name: s for a in defs.assets if isinstance(a, dg.AssetsDefinition) for s in a.check_specs}
    assert not any(specs[c].blocking for c in ("placebo_outcome", "placebo_treatment", "balance"))


def test_every_asset_has_a_group_a_description_kinds_an_owner_and_a_code_version():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name and node.group_name != "default", key
        assert node.description, key
        assert node.kinds, key
        assert node.owners, key
        assert node.code_version, key


def test_the_monthly_sources_and_only_they_are_partitioned_by_month():
    graph = defs.resolve_asset_graph()
    partitioned = {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).partitions_def}
    assert partitioned == {"raw_job_history", "raw_meetings", "raw_survey_responses"}
    node = graph.get(dg.AssetKey("raw_meetings"))
    assert isinstance(node.partitions_def, dg.MonthlyPartitionsDefinition)
    assert node.backfill_policy == dg.BackfillPolicy.single_run()


def test_full_refresh_job_and_monthly_schedule_exist():
    assert defs.resolve_job_def("full_refresh")
    assert defs.resolve_schedule_def("monthly_refresh").cron_schedule == "0 6 2 * *"


def test_readme_documents_the_contract_as_declared():
    from pathlib import Path

    from mentorship.contract import markdown

    doc = (Path(__file__).resolve().parents[1] / "docs" / "data-contract.md").read_text()
    assert markdown() in doc, "docs/data-contract.md is stale: paste `python -m mentorship.contract` output"


def test_methods_page_estimate_effect_example_prints_what_the_page_shows(capsys):
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "methods.md").read_text()
    section = page[page.index("**`estimate_effect` on your own data.**") :]
    code, shown = re.findall(r"```python\n(.*?)```.*?```\n(.*?)```", section, re.S)[0]
    exec(compile(code, "docs/methods.md example", "exec"), {})
    assert capsys.readouterr().out.strip() == shown.strip()
