"""A large organisation's effect step uses every mentored person and a seeded random sample of the
comparison group, weighted up (``analytic_frames(comparison_max=...)``). The sample must be the same
people in every frame, the estimates must stay on the full group's within the sampling error, and
the influence-function interval must carry that error.

One generated organisation (planted effects, self-selection), sampled at about 30% with many seeds.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
from scipy.stats import chi2

from mentorship.effect_tables import EffectSettings, analytic_frames, comparison_fraction, overall_effect
from mentorship.synthetic import SyntheticConfig, generate
from mentorship.validation import ingest
from studies.validation_study import build_outcomes

# Sixteen sampling seeds on a 4,000-person organisation: `make test-slow` (CI runs it).
pytestmark = pytest.mark.slow

SEEDS = range(1, 17)
OUTCOMES = [("promoted", 12), ("salary_growth", 12)]
INFLUENCE = EffectSettings(n_bootstrap=0, bootstrap_max_people=0)


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    root = tmp_path_factory.mktemp("sampling")
    generate(root / "landing", SyntheticConfig(n_employees=4000, seed=77), root / "truth.json")
    con = duckdb.connect()
    ingest(con, root / "landing")
    build_outcomes(con)
    n = con.execute("select count(*) from analytics.cohort_members where role = 'mentee' and treated = 0").fetchall()[
        0
    ][0]
    yield con, n
    con.close()


def _people(frame, treated):
    return set(frame.loc[frame.treated == treated, "employee_id"].astype(str))


def test_the_sample_keeps_every_mentee_and_the_same_comparison_people_in_every_frame(org):
    con, n = org
    cap = int(0.3 * n)
    assert comparison_fraction(con, "mentee", None) == 1.0
    assert comparison_fraction(con, "mentee", n) == 1.0
    fraction = comparison_fraction(con, "mentee", cap)
    assert fraction == pytest.approx(cap / n)
    full = analytic_frames(con, "mentee")
    sample = analytic_frames(con, "mentee", comparison_max=cap, seed=5)
    assert (full["survival"].sampling_weight == 1).all()
    for name in ("career", "survey", "survival"):
        f, s = full[name], sample[name]
        assert _people(s, 1) == _people(f, 1), name  # every mentee, untouched
        assert (s.loc[s.treated == 1, "sampling_weight"] == 1).all()
        assert np.allclose(s.loc[s.treated == 0, "sampling_weight"], 1 / fraction)
    kept = _people(sample["survival"], 0)
    assert _people(sample["career"], 0) <= kept and _people(sample["survey"], 0) <= kept
    # every comparison person's rows come whole: the same cohorts as in the full frame
    full_members = full["survival"][full["survival"].treated == 0]
    members = full_members[full_members.employee_id.astype(str).isin(kept)]
    assert len(members) == int((sample["survival"].treated == 0).sum())
    censored = set(sample["censoring"]().unit.map(sample["survival"].employee_id.astype(str)))
    assert censored <= kept
    # people are drawn, not rows: the share of comparison people kept is the fraction, within binomial error
    everyone = _people(full["survival"], 0)
    share = len(kept) / len(everyone)
    assert abs(share - fraction) < 4 * np.sqrt(fraction * (1 - fraction) / len(everyone))
    again = analytic_frames(con, "mentee", comparison_max=cap, seed=5)
    assert _people(again["survival"], 0) == kept
    other = analytic_frames(con, "mentee", comparison_max=cap, seed=6)
    assert _people(other["survival"], 0) != kept


def test_sampled_estimates_stay_on_the_full_groups_and_their_intervals_carry_the_sampling(org):
    """Over 16 sampling seeds of one organisation, the estimates scatter around the full comparison
    group's by what the intervals' extra width says. A random sample of the comparison group is a
    smaller comparison group from the same population, so the interval computed on it is wider by
    the sampling error: its variance minus the full group's is the sampling variance, which the
    spread of the 16 estimates must match within its chi-square bounds (99.9%)."""
    con, n = org
    cap = int(0.3 * n)
    full = analytic_frames(con, "mentee")
    base = {key: overall_effect(full, "mentee", *key, INFLUENCE) for key in OUTCOMES}
    runs = {key: [] for key in OUTCOMES}
    for seed in SEEDS:
        frames = analytic_frames(con, "mentee", comparison_max=cap, seed=seed)
        for key in OUTCOMES:
            row = overall_effect(frames, "mentee", *key, INFLUENCE)
            assert "random 30.0% sample" in row["warnings"]
            runs[key].append((row["estimate"], row["se"]))
    k = len(SEEDS)
    low, high = np.sqrt(chi2.ppf([0.0005, 0.9995], k - 1) / (k - 1))
    for key, rows in runs.items():
        est, se = np.array(rows).T
        assert se.min() > base[key]["se"], key  # a smaller comparison group is less precise
        sampling_sd = np.sqrt(np.mean(se**2) - base[key]["se"] ** 2)
        assert abs(est.mean() - base[key]["estimate"]) < 4 * sampling_sd / np.sqrt(k), key
        assert low < est.std(ddof=1) / sampling_sd < high, (key, est.std(ddof=1), sampling_sd)


def test_the_methodology_note_says_when_the_comparison_group_was_sampled(org):
    import pandas as pd

    from dashboards.methodology import methodology_markdown

    con, n = org
    rows = {}
    for label, cap in (("full", None), ("sampled", int(0.3 * n))):
        frames = analytic_frames(con, "mentee", comparison_max=cap, seed=1)
        rows[label] = pd.DataFrame([overall_effect(frames, "mentee", "salary_growth", 12, INFLUENCE)])
    note = methodology_markdown(rows["sampled"], n_bootstrap=0, trim=0.01, min_group_size=5)
    assert "A sampled comparison group" in note and "random 30.0% sample" in note
    assert "sampled comparison group" not in methodology_markdown(rows["full"], 0, 0.01, 5)
