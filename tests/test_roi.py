"""The ROI case against a hand-computed example, and its guards."""

from __future__ import annotations

import pandas as pd
import pytest

from mentorship.roi import DEFAULT_FILE, Assumptions, Inputs, RoiConfigError, compute_roi, inputs_from_tables

A = Assumptions(
    mentor_hourly=80,
    mentee_hourly=40,
    preparation_share=0.25,
    administration_per_year=10_000,
    platform_fee_per_pair_year=100,
    replacement_share=0.5,
    replacement_range=(0.2, 1.0),
)
X = Inputs(
    mentees=100,
    pairs=100,
    meeting_hours=1000,
    mean_mentee_salary=80_000,
    program_years=2,
    retention_effect=0.10,
    retention_ci=(0.02, 0.18),
)


def test_hand_computed_case():
    r = compute_roi(A, X)
    # 1,000 meeting hours + 25% preparation = 1,250 hours each for mentor and mentee.
    assert r.cost_lines == {
        "Mentor time": 100_000,
        "Mentee time": 50_000,
        "Administration": 20_000,
        "Platform fees": 20_000,
    }
    assert r.cost == 190_000
    # 0.10 x 100 mentees = 10 exits avoided, each saving half of 80,000.
    assert r.exits_avoided == pytest.approx(10)
    assert r.benefit == pytest.approx(400_000)
    assert r.net == pytest.approx(210_000)
    assert r.roi == pytest.approx(210_000 / 190_000)
    # The interval follows the effect's CI: 2 and 18 exits avoided.
    assert r.roi_low == pytest.approx((80_000 - 190_000) / 190_000)
    assert r.roi_high == pytest.approx((720_000 - 190_000) / 190_000)


def test_sensitivity_moves_one_assumption_at_a_time():
    s = compute_roi(A, X).sensitivity.set_index("assumption")
    rep = s.loc["Replacement cost (share of salary)"]
    assert rep.roi_low == pytest.approx((0.10 * 100 * 0.2 * 80_000 - 190_000) / 190_000)
    assert rep.roi_high == pytest.approx((0.10 * 100 * 1.0 * 80_000 - 190_000) / 190_000)
    hourly = s.loc["Loaded hourly cost (mentor / mentee)"]  # x1.25 on 150,000 of time costs
    assert hourly.roi_low == pytest.approx((400_000 - (187_500 + 40_000)) / (187_500 + 40_000))
    # Each end in the assumption's own units: 80 and 40 an hour x1.25 at the end that lowers the ROI.
    assert hourly.low_value == "EUR 100 / 50 an hour" and hourly.high_value == "EUR 60 / 30 an hour"
    assert list(s.swing) == sorted(s.swing, reverse=True)


def effect_rows(estimate, naive):
    return pd.DataFrame(
        [
            {
                "role": "mentee",
                "segment_type": "overall",
                "outcome": "retained",
                "horizon_months": 12,
                "suppressed": False,
                "estimate": estimate,
                "ci_low": estimate - 0.05,
                "ci_high": estimate + 0.05,
                "naive": naive,
            }
        ]
    )


def test_roi_uses_the_adjusted_effect_never_the_raw_difference():
    inputs = pd.DataFrame(
        [{"mentees": 100, "pairs": 100, "meeting_hours": 1000.0, "mean_mentee_salary": 80_000.0, "program_months": 24}]
    )
    a = compute_roi(A, inputs_from_tables(inputs, effect_rows(0.10, naive=0.30)))
    b = compute_roi(A, inputs_from_tables(inputs, effect_rows(0.10, naive=0.01)))
    c = compute_roi(A, inputs_from_tables(inputs, effect_rows(0.05, naive=0.30)))
    assert a.roi == b.roi and a.roi == pytest.approx(compute_roi(A, X).roi)
    assert c.roi < a.roi
    with pytest.raises(RoiConfigError, match="no adjusted retention effect"):
        inputs_from_tables(inputs, effect_rows(0.10, 0.3).assign(suppressed=True))


def test_assumptions_file_loads_and_bad_values_are_named(tmp_path):
    a = Assumptions.from_yaml(DEFAULT_FILE)
    assert a.replacement_share == 0.21 and a.retention_benefit and not a.promotion_benefit
    bad = tmp_path / "roi.yaml"
    bad.write_text("hourly_cost:\n  mentor: lots\n")
    with pytest.raises(RoiConfigError, match=r"roi.yaml: hourly_cost.mentor must be a number, got 'lots'"):
        Assumptions.from_yaml(bad)
    bad.write_text("replacement_cost_range: [0.9, 0.1]\n")
    with pytest.raises(RoiConfigError, match="low <= high"):
        Assumptions.from_yaml(bad)


def test_break_even_values_give_an_roi_of_zero():
    r = compute_roi(A, X)
    at_share = compute_roi(Assumptions(**{**A.__dict__, "replacement_share": r.break_even_replacement_share}), X)
    assert at_share.roi == pytest.approx(0, abs=1e-12)
    at_effect = compute_roi(A, Inputs(**{**X.__dict__, "retention_effect": r.break_even_retention_effect}))
    assert at_effect.roi == pytest.approx(0, abs=1e-12)
    # By hand: 190,000 of cost over 10 exits x 80,000 is a share of 0.2375; over 100 x 0.5 x 80,000, 0.0475.
    assert r.break_even_replacement_share == pytest.approx(0.2375)
    assert r.break_even_retention_effect == pytest.approx(0.0475)
    assert r.cost_per_mentee == pytest.approx(1_900) and r.cost_per_exit_avoided == pytest.approx(19_000)


def test_the_range_over_every_uncertainty_is_wider_and_seeded():
    """With the assumptions fixed (ranges of zero width) the Monte Carlo range is the effect's own
    interval, within Monte Carlo error; with their ranges it is wider; and it is the same run to run."""
    fixed = Assumptions(
        **{
            **A.__dict__,
            "replacement_range": (0.5, 0.5),
            "hourly_range": (1.0, 1.0),
            "administration_range": (1.0, 1.0),
        }
    )
    r = compute_roi(fixed, X)
    # 20,000 draws: a 2.5% quantile's Monte Carlo error is about 0.02 of the effect's half-width here.
    half = (r.roi_high - r.roi_low) / 2
    assert r.roi_all_low == pytest.approx(r.roi_low, abs=0.05 * half)
    assert r.roi_all_high == pytest.approx(r.roi_high, abs=0.05 * half)
    wide = compute_roi(A, X)
    assert wide.roi_all_low < wide.roi_low and wide.roi_all_high > wide.roi_high
    assert compute_roi(A, X).roi_all_low == wide.roi_all_low


def test_a_programs_case_uses_its_own_effect_and_people_and_a_share_of_the_administration():
    """Per program: its mentees, pairs, hours and retention effect; the administration shared by
    pairs, so the programs' costs add up to the whole program's."""
    inputs = pd.DataFrame(
        [
            {
                "program": "All programs",
                "mentees": 100,
                "pairs": 100,
                "meeting_hours": 1000.0,
                "mean_mentee_salary": 80_000.0,
                "program_months": 24,
            },
            {
                "program": "A",
                "mentees": 75,
                "pairs": 75,
                "meeting_hours": 800.0,
                "mean_mentee_salary": 70_000.0,
                "program_months": 24,
            },
            {
                "program": "B",
                "mentees": 25,
                "pairs": 25,
                "meeting_hours": 200.0,
                "mean_mentee_salary": 110_000.0,
                "program_months": 24,
            },
        ]
    )
    effects = pd.concat(
        [
            effect_rows(0.10, 0.3),
            effect_rows(0.12, 0.3).assign(segment_type="program", segment="A"),
            effect_rows(0.04, 0.3).assign(segment_type="program", segment="B"),
        ],
        ignore_index=True,
    )
    whole = compute_roi(A, inputs_from_tables(inputs, effects))
    a = inputs_from_tables(inputs, effects, program="A")
    b = inputs_from_tables(inputs, effects, program="B")
    assert (a.retention_effect, a.mentees, a.admin_share) == (0.12, 75, 0.75)
    assert (b.retention_effect, b.mentees, b.admin_share) == (0.04, 25, 0.25)
    assert compute_roi(A, a).cost + compute_roi(A, b).cost == pytest.approx(whole.cost)
    assert compute_roi(A, a).exits_avoided == pytest.approx(0.12 * 75)
    with pytest.raises(RoiConfigError, match="for B"):
        inputs_from_tables(inputs, effects[effects.segment != "B"], program="B")


def test_pay_growth_counts_only_when_switched_on_at_an_agreed_value():
    x = Inputs(**{**X.__dict__, "pay_effect": 0.02, "pay_ci": (0.01, 0.03)})
    off = compute_roi(A, x)
    assert "Extra pay growth x agreed value" not in off.benefit_lines
    on = compute_roi(Assumptions(**{**A.__dict__, "pay_benefit": True, "value_per_pay_point": 500.0}), x)
    # 2 points of extra pay growth x 100 mentees x 500 a point = 100,000.
    assert on.benefit_lines["Extra pay growth x agreed value"] == pytest.approx(100_000)
    assert on.roi == pytest.approx((400_000 + 100_000 - 190_000) / 190_000)
    assert on.roi_low == pytest.approx((80_000 + 50_000 - 190_000) / 190_000)


def test_the_assumptions_file_switches_pay_on(tmp_path):
    f = tmp_path / "roi.yaml"
    f.write_text("benefits:\n  pay:\n    enabled: true\n    value_per_extra_pay_point: 250\n")
    a = Assumptions.from_yaml(f)
    assert a.pay_benefit and a.value_per_pay_point == 250
    f.write_text("benefits:\n  pay:\n    enabled: true\n    value_per_extra_pay_point: lots\n")
    with pytest.raises(RoiConfigError, match=r"benefits\.pay\.value_per_extra_pay_point"):
        Assumptions.from_yaml(f)
