"""Who the figures are about, as metrics rows: the survey means before and after the index date, and
the people in each intake."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentorship.metrics.rows import figure_row, people_word


def survey_rows(prepost: pd.DataFrame, as_of) -> list[dict]:
    out = []
    for r in prepost.itertuples(index=False):
        sup = bool(r.suppressed)
        intakes = getattr(r, "person_intakes", r.people)
        for col, label in (("pre_mean", "Mean score before"), ("post_mean", "Mean score after"), ("people", "People")):
            unit, digits = ("count", 0) if col == "people" else ("score", 2)
            row = figure_row(
                "survey_means",
                f"{r.role}.{r.construct}.survey_means.{r.group_name}.{col}",
                label,
                f"{r.construct}: {label.lower()}, {r.group_name} {people_word(r.role)} with a survey before "
                "and after the index date, unweighted",
                unit,
                digits,
                np.nan if sup else getattr(r, col),
                as_of,
                status="suppressed" if sup else "published",
                reason="fewer people than the minimum group size" if sup else None,
                role=r.role,
                group=r.group_name,
                outcome=f"{r.construct}",
                measure=col,
                people=np.nan if sup else r.people,
            )
            row["intakes_mentored" if r.group_name == "mentored" else "intakes_comparison"] = np.nan if sup else intakes
            out.append(row)
    return out


def size_rows(sizes: pd.DataFrame, as_of) -> list[dict]:
    """People per intake; ``note`` holds the intake's index date (the data period the pages state)."""
    return [
        figure_row(
            "cohort_size",
            f"{r.role}.cohort={r.cohort}.{r.group_name}.people",
            "People",
            f"distinct {r.group_name} {people_word(r.role)} in intake {r.cohort}",
            "count",
            0,
            r.people,
            as_of,
            role=r.role,
            group=r.group_name,
            segment_type="cohort",
            segment=str(r.cohort),
            measure="people",
            people=r.people,
        )
        | {"note": str(pd.to_datetime(r.index_date).date())}
        for r in sizes.itertuples(index=False)
    ]
