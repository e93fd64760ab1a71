"""``EffectSettings``: how the effect step estimates (bootstrap, trimming, horizons, workers, the
comparison sample, where intervals come from)."""

from __future__ import annotations

from dataclasses import dataclass

from mentorship.settings import Settings


@dataclass(frozen=True)
class EffectSettings:
    n_bootstrap: int = Settings.effect_bootstrap
    seed: int = Settings.effect_seed
    trim: float = Settings.effect_trim
    horizons: tuple[int, ...] = Settings.horizons
    n_jobs: int = -1  # worker processes for the estimates; -1 uses every core
    # Above this many comparison members in a role (a person once per cohort they are compared in),
    # the estimates use a seeded random sample of comparison people of this size, weighted up
    # (``analytic_frames``), so the effect step's memory stays bounded at any workforce size. The
    # default keeps a 100,000-employee organisation (about 530,000 comparison members) whole.
    comparison_max: int = Settings.comparison_max
    # Refit the censoring model in every bootstrap replicate of every estimate. Off by default: it
    # multiplied the effect step's time several-fold, and the validation study found it changed
    # retention's interval width by about 1% (0.84 to 0.85 of the estimates' spread).
    refit_censoring: bool = False
    # Where the intervals come from: "influence" (the influence function: one fit per estimate) or
    # "bootstrap" (``n_bootstrap`` refits per estimate). The interval study
    # (studies/results/interval_study.md) found the two covering alike wherever an estimate had 30
    # or more mentored people, in organisations of 300 to 2,000, at a fraction of the cost.
    ci_method: str = Settings.ci_method
    # Under this many mentored people in an estimate (a small segment, or a small organisation), its
    # interval comes from the bootstrap even where ``ci_method`` is "influence": there the influence
    # function's interval came out too narrow in the interval study, and the bootstrap of so few
    # people is cheap. Only where the estimate's frame holds at most ``bootstrap_max_people`` people.
    bootstrap_below: int = Settings.bootstrap_below
    # With ``ci_method="bootstrap"``, above this many people in a role's frame the role's intervals
    # still come from the influence function: the bootstrap's hundreds of refits per estimate are what
    # kept a 100,000-person organisation from running in minutes.
    bootstrap_max_people: int = Settings.bootstrap_max_people
