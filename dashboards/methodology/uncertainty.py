"""How uncertain an estimate is, as the note tells it: where its confidence interval comes from (in words
from the effect table's ``ci_method`` column), a sampled comparison group, and the E-value."""

from __future__ import annotations

import pandas as pd


def intervals_text(effects: pd.DataFrame, n_bootstrap: int, bootstrap_below: int | None = None) -> str:
    """What the effect table's ``ci_method`` column says the intervals are, in words."""
    methods = effects["ci_method"].fillna("") if "ci_method" in effects else pd.Series(dtype=str)
    n_influence = int((methods == "influence function").sum())
    n_boot = int(methods.str.startswith("percentile bootstrap").sum())
    influence = (
        "the influence function (the infinitesimal jackknife): each person's pull on the estimate, "
        "through both the propensity and the outcome model, summed by person (a person who is a "
        "comparison in several intakes counts as one), gives the standard error, and the interval is "
        "the estimate plus or minus 1.96 of them. It is what the bootstrap approximates by resampling, "
        "at the cost of one fit instead of hundreds. The interval study "
        "(studies/results/interval_study.md, 150 generated organisations of 300 to 2,000 people) "
        "found the two covering alike wherever an estimate had 30 or more mentored people "
        "(94.3% and 92.9% of the planted effects)"
    )
    bootstrap = (
        f"the percentile bootstrap, {n_bootstrap} replicates with a fixed seed, resampling people (a "
        "person who is a comparison in several intakes is resampled as one) and refitting both models "
        "each time"
    )
    if n_boot and not n_influence:
        return f"- **Confidence intervals** (95%) come from {bootstrap}."
    if n_boot and n_boot > n_influence:
        return (
            f"- **Confidence intervals** (95%) come from {bootstrap}, except for {n_influence} estimate(s) "
            f"covering so many people that they come from {influence}. The `ci_method` column says which."
        )
    small = (
        ""
        if not n_boot
        else (
            f" {n_boot} estimate(s) of few mentored people"
            + (f" (fewer than {bootstrap_below})" if bootstrap_below else "")
            + f" take theirs from {bootstrap} instead: with so few people the study found the influence "
            "function's interval too narrow (87.9% coverage against the bootstrap's 95.3%), and the bootstrap of "
            "so few people is cheap."
        )
    )
    return (
        f"- **Confidence intervals** (95%) come from {influence}.{small} The bootstrap is available for "
        "every estimate (`MENTORSHIP_CI_METHOD=bootstrap`); the `ci_method` column of every estimate says "
        "which was used."
    )


def sampled_note(effects: pd.DataFrame) -> str:
    """A bullet saying which estimates compared the mentored with a random sample of comparison people ("" if
    none did)."""
    sampled = effects["warnings"].fillna("").str.extract(r"comparison group: a random ([0-9.]+%) sample")[0].dropna()
    if not len(sampled):
        return ""
    return (
        f"\n- **A sampled comparison group.** The organisation is so large that {len(sampled)} estimate(s) "
        f"compare the mentored with a random {', '.join(sorted(set(sampled)))} sample of comparison people "
        "(drawn once, the same people in every estimate, each weighted up to stand for those not drawn). "
        "The sample is a smaller comparison group from the same population, so the estimate stays "
        "unbiased and its interval includes the sampling error; the comparison counts shown are of the sample."
    )


def uncertainty(effects: pd.DataFrame, n_bootstrap: int, bootstrap_below: int | None) -> str:
    """The intervals, a sampled comparison group if any, and the E-value."""
    intervals, sampled = intervals_text(effects, n_bootstrap, bootstrap_below), sampled_note(effects)
    return f"""## Uncertainty and sensitivity
{intervals} Hazard ratios use the robust standard error.{sampled}
- **E-value.** How strong an unmeasured confounder would have to be, associated with both mentoring
  and the outcome (as a risk ratio), to explain the effect away; and the same for the confidence
  limit nearest to no effect (1 means the interval already includes no effect)."""
