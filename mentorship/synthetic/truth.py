"""The planted truth: the program's effect on the treated, measured exactly as the pipeline defines
its outcomes, as the mean over treated people of (simulated - counterfactual) outcome."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mentorship.synthetic.constants import DEPARTMENTS, GENDERS, HORIZONS
from mentorship.synthetic.files import _dates
from mentorship.synthetic.state import Sim


@dataclass(frozen=True)
class _Treated:
    """One role's treated people (``idx``), their index days and first promotions after it in each
    world (-1: none), and the index month (month index of the simulation)."""

    idx: np.ndarray
    index_day: np.ndarray
    act_promo: np.ndarray
    cf_promo: np.ndarray
    month_of: np.ndarray


def _add_months(day: np.ndarray, months: int) -> np.ndarray:
    """Calendar month arithmetic on day numbers, clamped to month end (DuckDB's INTERVAL semantics)."""
    d = pd.to_datetime(_dates(day))
    return (d + pd.DateOffset(months=months)).to_numpy().astype("datetime64[D]").astype(np.int64)


def _first_after(events, idx, index_day):
    """Each of ``idx``'s first event day after their index day (-1: none); ``events`` (person, day) pairs."""
    p = np.concatenate([e[0] for e in events]) if events else np.array([], dtype=np.int64)
    d = np.concatenate([e[1] for e in events]) if events else np.array([], dtype=np.int64)
    df = pd.DataFrame({"i": p, "day": d})
    df = df[df["i"].isin(idx)]
    df = df.merge(pd.DataFrame({"i": idx, "index": index_day}), on="i")
    df = df[df["day"] > df["index"]]
    first = df.groupby("i")["day"].min()
    return first.reindex(idx).fillna(-1).astype(np.int64).to_numpy()


def _salary_growth(sim: Sim, t: _Treated, keep: np.ndarray, h: int) -> np.ndarray | list:
    """Salary growth among people still employed at the horizon (actual world). Both worlds share
    the path up to the end of the index month (effects start after it), so the growth difference is
    (actual - counterfactual) at the horizon over that salary. ``keep``: observed and employed."""
    snap = sim.salary_snap
    sg = []
    for m_idx in np.unique(t.month_of[keep]):
        who = t.idx[keep & (t.month_of == m_idx)]
        s0 = snap[m_idx].reindex(who)
        s1 = snap[min(m_idx + h - 1, max(snap))].reindex(who)
        sg.append(((s1["actual"] - s1["cf"]) / s0["actual"]).to_numpy())
    return np.concatenate(sg) if sg else []


def _horizon_truth(sim: Sim, t: _Treated, h: int) -> dict:
    """The effects ``h`` months after the index date, among the treated observed that long."""
    idx, index_day, w, cf = t.idx, t.index_day, sim.actual, sim.cf
    end = _add_months(index_day, h)
    obs = end <= sim.cal.as_of
    # Employed on the index date (the cohort definition) is true by construction.
    pr_a = (t.act_promo > index_day) & (t.act_promo <= end)
    pr_c = (t.cf_promo > index_day) & (t.cf_promo <= end)
    # Gone on the horizon date means an exit within the horizon (termination_date < horizon).
    ve_a = (w.term_type[idx] == 1) & (w.term_day[idx] > index_day) & (w.term_day[idx] < end)
    ve_c = (cf.term_type[idx] == 1) & (cf.term_day[idx] > index_day) & (cf.term_day[idx] < end)
    emp_h = (w.term_day[idx] < 0) | (w.term_day[idx] >= end)
    sg = _salary_growth(sim, t, obs & emp_h, h)
    k = int(obs.sum())
    return {
        "n_observed": k,
        "promotion": float(pr_a[obs].mean() - pr_c[obs].mean()) if k else None,
        "voluntary_exit": float(ve_a[obs].mean() - ve_c[obs].mean()) if k else None,
        "retention": float(ve_c[obs].mean() - ve_a[obs].mean()) if k else None,
        "salary_growth": float(np.mean(sg)) if len(sg) else None,
        "promotion_rate_counterfactual": float(pr_c[obs].mean()) if k else None,
        "retention_rate_counterfactual": float(1 - ve_c[obs].mean()) if k else None,
    }


def _survey_truth(survey_rows: pd.DataFrame, idx: np.ndarray, index_day: np.ndarray) -> dict:
    """Survey change: first wave after index minus last before; the pre wave is untreated in both
    worlds, so the effect is the mean of (actual - counterfactual) at the first post wave."""
    sv = survey_rows[survey_rows["i"].isin(idx)].merge(pd.DataFrame({"i": idx, "index": index_day}), on="i")
    post = sv[sv["day"] > sv["index"]].sort_values("day").groupby(["i", "construct"]).first()
    pre_ok = sv[sv["day"] < sv["index"]].groupby(["i", "construct"]).size()
    post = post[post.index.isin(pre_ok.index)]
    res = {"survey_change": {c: float((g["actual"] - g["cf"]).mean()) for c, g in post.groupby(level="construct")}}
    # Among people with two answered waves before the index date: the people the pipeline's
    # headline survey design measures (the change from the wave before last).
    two = post[post.index.isin(pre_ok[pre_ok >= 2].index)]
    res["survey_change_two_waves"] = {
        c: float((g["actual"] - g["cf"]).mean()) for c, g in two.groupby(level="construct")
    }
    res["survey_n"] = {c: len(g) for c, g in post.groupby(level="construct")}
    return res


def _role_truth(sim: Sim, survey_rows: pd.DataFrame, index_day_all: np.ndarray) -> dict:
    """The effects on the people with an index day (>= 0) in ``index_day_all``, one per person slot."""
    idx = np.flatnonzero(index_day_all[: sim.people.n] >= 0)
    index_day = index_day_all[idx]
    t = _Treated(
        idx=idx,
        index_day=index_day,
        act_promo=_first_after(sim.actual.promos, idx, index_day),
        cf_promo=_first_after(sim.cf.promos, idx, index_day),
        month_of=(_dates(index_day).astype("datetime64[M]") - sim.cal.start_month).astype(np.int64),
    )
    res = {"n_treated": len(idx), "horizons": {str(h): _horizon_truth(sim, t, h) for h in HORIZONS}}
    res.update(_survey_truth(survey_rows, idx, index_day))
    return res


def _truth(sim: Sim, survey_rows: pd.DataFrame) -> dict:
    """Effects on the treated, measured exactly as the pipeline defines the outcomes."""
    cfg, prog, n = sim.cfg, sim.program, sim.people.n
    mentee_day, mentor_day = prog.mentee_day, prog.mentor_day
    truth = {
        "description": (
            "Effects on the treated (ATT): mean over treated people of the outcome in the "
            "simulated world minus the same person's outcome with the program switched off, "
            "from the same random draws. Horizons in months after the index date; promotion "
            "and voluntary_exit are differences in proportions, salary_growth a difference "
            "in growth fractions, survey_change a difference in item-score points."
        ),
        "as_of_date": str(np.datetime64(int(sim.cal.as_of), "D")),
        "config": cfg.to_dict(),
        "planted": {
            "voluntary_exit_hazard_ratio": cfg.effects.voluntary_exit_hr,
            "promotion_hazard_ratio_at_dose_1": cfg.effects.promotion_hr,
            "mentor_promotion_hazard_ratio": cfg.effects.mentor_promotion_hr,
        },
        "mentees": _role_truth(sim, survey_rows, mentee_day),
        "mentors": _role_truth(sim, survey_rows, mentor_day),
        # The counterfactual switches the whole program off, so a mentor who was a mentee first carries
        # their own mentee effects (raises, survey shifts) in "mentors" too, which no comparison of
        # mentors with non-mentors measures. The mentors who were never mentees are the clean truth.
        "mentors_never_mentees": _role_truth(sim, survey_rows, np.where(mentee_day >= 0, -1, mentor_day)),
    }
    # The same effects within each gender (a segment the pipeline reports): what a segment's
    # estimate and interval are checked against in the interval study.
    gender = sim.people.gender[:n]
    for role, day in (("mentees", mentee_day), ("mentors", mentor_day)):
        truth[role]["by_gender"] = {
            g: _role_truth(sim, survey_rows, np.where(np.r_[gender == k, np.zeros(len(day) - n, bool)], day, -1))
            for k, g in enumerate(GENDERS)
            if ((gender == k) & (day[:n] >= 0)).any()
        }
    if prog.dept_scale_on:
        # Effects that differ by department (PlantedEffects.department_scale): the same effects within
        # each department, by the mentee's department when selected (the pipeline's at index).
        truth["mentees"]["by_department"] = {
            d: _role_truth(sim, survey_rows, np.where(prog.mentee_dept == k, mentee_day, -1))
            for k, d in enumerate(DEPARTMENTS)
            if (prog.mentee_dept[:n] == k).any()
        }
    return truth
