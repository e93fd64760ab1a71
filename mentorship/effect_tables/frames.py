"""The analytic frames: one compact frame per outcome family and role (career, survey, survival) joined
to the pre-index covariates, the censoring-risk rows behind the censoring model, and the seeded sample
of comparison people that bounds the effect step's memory."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from mentorship.effect_tables.censoring import CensoringModel
from mentorship.effect_tables.outcomes import CAREER, CENSORING_COVARIATES, COVARIATES, DOSE_BANDS, PROGRAM, SURVIVAL
from mentorship.engines import Engine, as_engine


def _frame(con: Engine, sql: str, params=None) -> pd.DataFrame:
    # Text columns arrive as pandas categoricals (through Arrow): a code per row instead of a Python
    # string per cell, several times faster to fetch and a fraction of the memory at 100,000 people.
    return con.fetch_arrow(sql, params).to_pandas(strings_to_categorical=True, date_as_object=False)


_DERIVED = {"cohort", "tenure_band"}
_MEMBER_COLS = (
    ", ".join(f"m.{c}" for c in COVARIATES if c not in _DERIVED)
    + ", m.cohort, m.employee_id, m.treated, m.pair_id, m.birth_year, m.promoted_in_year_before, m.joins_later, "
    "case when m.age_at_index < 30 then 'under 30' when m.age_at_index < 45 then '30 to 44' "
    "when m.age_at_index is not null then '45 and over' end as age_band, "
    "case when m.tenure_months < 6 then 'a: under 6 months' when m.tenure_months < 12 then 'b: 6 to 11 months' "
    "when m.tenure_months < 24 then 'c: 1 to 2 years' when m.tenure_months < 60 then 'd: 2 to 5 years' "
    "when m.tenure_months is not null then 'e: 5 years and more' end as tenure_band"
)


def comparison_fraction(con, role: str, comparison_max: int | None) -> float:
    """The share of ``role``'s comparison members the effect step keeps: 1 up to ``comparison_max``
    members (a person once per cohort they are compared in), above it ``comparison_max`` / the count."""
    if comparison_max is None:
        return 1.0
    n = (
        as_engine(con)
        .fetch_arrow("select count(*) from analytics.cohort_members where role = $role and treated = 0", {"role": role})
        .column(0)[0]
        .as_py()
    )
    return 1.0 if n <= comparison_max else comparison_max / n


#: A member is kept when mentored, or when their keyed hash falls under the sampling threshold.
_KEPT = "(m.treated = 1 or hash(m.employee_id, $seed) % 1000000 < $threshold)"
_JOIN = "join analytics.cohort_members m using (employee_id, role, cohort, group_name)"


@dataclass(frozen=True)
class _Draw:
    """The comparison people a role's frames keep, drawn in DuckDB before anything reaches pandas."""

    fraction: float  # the share of comparison members kept (``comparison_fraction``)
    role: str
    seed: int

    @property
    def params(self) -> dict:
        # A person's draw is a number in [0, 1e6) from the hash; a threshold of 1e6 keeps everyone.
        threshold = round(self.fraction * 1_000_000) if self.fraction < 1 else 1_000_000
        return {"role": self.role, "seed": self.seed, "threshold": threshold}

    @property
    def weight_sql(self) -> str:
        """A kept comparison member's sampling weight, 1 / the sampling fraction, as SQL."""
        return f"cast({1 / self.fraction!r} as double)"

    @property
    def members(self) -> str:
        """The member columns every outcome frame selects, with ``sampling_weight``."""
        weight = f"case when m.treated = 1 then 1.0::double else {self.weight_sql} end as sampling_weight"
        return f"{_MEMBER_COLS}, {weight}"


def _career(con, draw: _Draw) -> pd.DataFrame:
    return _frame(
        con,
        f"""
        select {draw.members}, o.horizon_months, {", ".join("o." + c for c in CAREER)}
        from analytics.career_outcomes o {_JOIN} where o.role = $role and o.observed and {_KEPT}
        order by m.employee_id, m.cohort, m.treated, o.horizon_months""",
        draw.params,
    )


def _survey(con, draw: _Draw) -> pd.DataFrame:
    return _frame(
        con,
        f"""
        select {draw.members}, o.construct, o.change, o.change_from_earlier
        from analytics.survey_outcomes o {_JOIN}
        where o.role = $role and o.change_from_earlier is not null and {_KEPT}
        order by m.employee_id, m.cohort, m.treated, o.construct""",
        draw.params,
    )


def _survival(con, draw: _Draw) -> pd.DataFrame:
    return _frame(
        con,
        f"""
        select {draw.members}, {", ".join("o." + d for _, d, _e in SURVIVAL.values())},
               case when o.promotion_event then 1 when o.promotion_competing then 2 else 0 end as promotion_code,
               case when o.voluntary_exit_event then 1 when o.exit_competing then 2 else 0 end as exit_code
        from analytics.survival_times o {_JOIN} where o.role = $role and {_KEPT}
        order by m.employee_id, m.cohort, m.treated""",
        draw.params,
    )


def _censoring_risk(con, draw: _Draw) -> pd.DataFrame:
    # Every censoring-risk row is a comparison member's (treated = 0 in the hash test's terms).
    return _frame(
        con,
        f"""
        select employee_id, cohort, joined, months_to_window, months_to_weight_step, {", ".join(CENSORING_COVARIATES)},
               {draw.weight_sql} as sampling_weight
        from analytics.censoring_risk m
        where role = $role and hash(m.employee_id, $seed) % 1000000 < $threshold
        order by employee_id, cohort, later_cohort""",
        draw.params,
    )


def _add_bands(con, frames) -> None:
    """Each member's program and dose bands, from their pair (``analytics.pair_engagement``)."""
    bands = _frame(
        con, f"select pair_id, {', '.join([PROGRAM, *DOSE_BANDS])} from analytics.pair_engagement"
    ).set_index("pair_id")
    for f in frames:
        for band in [PROGRAM, *DOSE_BANDS]:
            f[band] = f["pair_id"].map(bands[band])


def analytic_frames(con, role: str, comparison_max: int | None = None, seed: int = 0) -> dict[str, pd.DataFrame]:
    """One compact frame per outcome family for ``role``, joined to the pre-index covariates.

    Rows come in a fixed order: DuckDB's parallel scans return them in any order, and the bootstrap
    draws people by position, so without it the same seed would give different intervals run to run.

    With more than ``comparison_max`` comparison members, the frames keep every mentored member and a
    random sample of comparison people, drawn in DuckDB before anything reaches pandas, so the effect
    step's memory follows the number of mentored people rather than the workforce. The draw is a
    keyed hash of the person (seeded by ``seed``): the same people in every frame and cohort, and the
    same people run to run. Each kept comparison member carries ``sampling_weight`` = 1 / the
    sampling fraction (1 for everyone when nothing is sampled), which the estimates weight by.
    """
    con = as_engine(con)  # an Engine (``mentorship.engines``), or a DuckDB connection
    draw = _Draw(comparison_fraction(con, role, comparison_max), role, seed)
    career, survey, survival = _career(con, draw), _survey(con, draw), _survival(con, draw)
    _add_bands(con, (career, survey, survival))
    risk = _censoring_risk(con, draw)
    units = survival.loc[survival.treated == 0, ["employee_id", "cohort"]].reset_index(names="unit")
    return {"career": career, "survey": survey, "survival": survival, "censoring": CensoringModel(risk, units)}
