"""The benchmark's pandas rendition of the outcome step builds the pipeline's tables, row for row.

The head to head in ``make bench`` is only a fair comparison if pandas does the same work: here both
renditions are compared with the tables the pipeline itself built from the shared organisation."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from studies.outcome_head_to_head import (
    career_outcomes,
    career_outcomes_tuned,
    disagreements,
    sql_summary,
    summary,
    survey_outcomes,
    survey_outcomes_tuned,
)

KEYS = ["employee_id", "role", "cohort", "group_name"]


def _same(got: pd.DataFrame, want: pd.DataFrame, keys: list[str]) -> None:
    assert list(got.columns) == list(want.columns)
    got, want = (d.sort_values(keys).reset_index(drop=True) for d in (got, want))
    got, want = (d.astype(object).where(d.notna(), None) for d in (got, want))
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


TABLES = ("cohort_members", "job_events", "survey_scores", "career_outcomes", "survey_outcomes")


@pytest.fixture(scope="module")
def inputs(built):
    root, result = built
    assert result.success
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        frames = {t: con.execute(f"select * from analytics.{t}").df() for t in TABLES}
        frames["sql_summaries"] = {
            t: sql_summary(con, f"analytics.{t}") for t in ("career_outcomes", "survey_outcomes")
        }
    return frames


@pytest.mark.parametrize("rendition", [career_outcomes, career_outcomes_tuned], ids=["idiomatic", "tuned"])
def test_pandas_career_outcomes_match_the_pipeline(inputs, rendition):
    want = inputs["career_outcomes"]
    got = rendition(inputs["cohort_members"], inputs["job_events"])
    # The comparison must have something to compare: every outcome varies in the shared organisation.
    assert want[["promoted", "voluntary_exit", "salary_growth", "became_people_manager"]].std().min() > 0
    _same(got, want, KEYS + ["horizon_months"])


@pytest.mark.parametrize("rendition", [survey_outcomes, survey_outcomes_tuned], ids=["idiomatic", "tuned"])
def test_pandas_survey_outcomes_match_the_pipeline(inputs, rendition):
    want = inputs["survey_outcomes"]
    got = rendition(inputs["cohort_members"], inputs["survey_scores"])
    assert want["change"].notna().any() and want["post_score"].isna().any()
    _same(got, want, KEYS + ["construct"])


def test_the_agreement_check_catches_a_difference(inputs):
    got = career_outcomes(inputs["cohort_members"], inputs["job_events"])
    assert disagreements(summary(got), summary(inputs["career_outcomes"])) == []
    off = got.assign(promoted=got["promoted"].where(got.index != 0, 1 - got["promoted"]))
    bad = disagreements(summary(off), summary(inputs["career_outcomes"]))
    assert len(bad) == 1 and bad[0].startswith("promoted:sum")


@pytest.mark.parametrize("table", ["career_outcomes", "survey_outcomes"])
def test_the_summary_computed_in_duckdb_is_the_pandas_summary(inputs, table):
    """At 1M the DuckDB side summarises its tables in SQL; the two summaries must be the same measure."""
    in_sql, in_pandas = inputs["sql_summaries"][table], summary(inputs[table])
    assert set(in_sql) == set(in_pandas)
    assert disagreements(in_sql, in_pandas) == []
