"""The mentoring program: each cohort's volunteers and their mentors, the pairs (program, engagement
band and dose, goals, withdrawal), and at the end how each pair closed and its meetings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentorship.synthetic.constants import DEPARTMENTS, ENGAGEMENT_BANDS
from mentorship.synthetic.files import _fmt_dates
from mentorship.synthetic.selection import _calibrate_intercept, _inverse_link, _selection_index
from mentorship.synthetic.state import Sim

PAIR_COLUMNS = [
    "pair_id",
    "program",
    "cohort",
    "mentor",
    "mentee",
    "start",
    "planned_end",
    "withdraw",
    "band",
    "goals_set",
]
MEETING_COLUMNS = ["meeting_id", "pair_id", "meeting_date", "duration_minutes", "format", "mentee_rating"]


def _start_cohort(sim: Sim, m: int, m0, moy: int) -> None:
    """A cohort starts in month ``m`` (first day ``m0``, month of the year ``moy``): volunteers, their
    mentors and the new pairs, recorded in ``sim.program``."""
    mentees = _volunteers(sim, m0)
    if len(mentees) == 0:
        return
    matched = _mentor_slots(sim, mentees)
    if matched is None:
        return
    mentees, slots = matched
    new = _draw_pairs(sim, m0, moy, mentees)
    _enrol(sim, m, mentees, slots, new["start"], new["dose"])
    pairs, base = sim.program.pairs, len(sim.program.pairs)
    for j in range(len(mentees)):  # per pair record (pairs are few: ~ uptake x eligible per cohort)
        pairs.append(
            {
                "pair_id": f"P{base + j + 1:07d}",
                "program": new["program"][j],
                "cohort": new["cohort"],
                "mentor": int(slots[j]),
                "mentee": int(mentees[j]),
                "start": int(new["start"][j]),
                "planned_end": int(new["start"][j] + new["planned"][j]),
                "withdraw": int(new["withdraw_day"][j]),
                "band": int(new["band"][j]),
                "goals_set": int(new["goals"][j]),
            }
        )


def _volunteers(sim: Sim, m0) -> np.ndarray:
    """The eligible people who volunteer for this cohort (none drawn when nobody is eligible)."""
    sel, n = sim.cfg.selection, sim.people.n
    w, p, prog = sim.actual, sim.people, sim.program
    idx = np.arange(n)
    eligible = idx[w.active[:n] & (w.level[:n] <= 4) & (prog.mentee_month[:n] < 0) & ((m0 - p.hire_day[:n]) >= 180)]
    if len(eligible) == 0:
        return eligible
    lin = _selection_index(sel, m0, eligible, p, w.level, prog.recorded)
    a = _calibrate_intercept(lin, sel.uptake, sel.link)
    return eligible[sim.rng.random(len(eligible)) < _inverse_link(sel.link)(a + lin)]


def _mentor_slots(sim: Sim, mentees: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """A mentor for each mentee (None if nobody can mentor); mentees beyond the slots go without."""
    n, w = sim.people.n, sim.actual
    mentor_pool = np.arange(n)[w.active[:n] & (w.level[:n] >= 5)]
    if len(mentor_pool) == 0:
        return None
    # Each mentor takes up to two mentees a cohort; take mentors in a random order.
    slots = np.repeat(sim.rng.permutation(mentor_pool), 2)[: len(mentees)]
    if len(slots) < len(mentees):
        mentees = mentees[: len(slots)]
    # A mentor cannot mentor themselves (impossible here: mentors are level >= 5, mentees <= 4).
    return mentees, slots


def _draw_pairs(sim: Sim, m0, moy: int, mentees: np.ndarray) -> dict:
    """The new pairs' cohort label, start days, programs, planned lengths, engagement bands and doses,
    withdrawal days (-1: none) and goals."""
    rng, eff, level, engage = sim.rng, sim.cfg.effects, sim.actual.level, sim.people.engage
    year = int(str(np.datetime64(int(m0), "D"))[:4])
    k = len(mentees)
    start = m0 + rng.integers(0, 14, k)
    leadership = (level[mentees] >= 3) & (rng.random(k) < 0.35)
    planned = np.where(leadership, 182, 365)
    # More engaged mentees keep a more regular cadence; the band sets the dose.
    band_lin = 0.5 * engage[mentees] + rng.normal(0, 1, k)
    band = np.digitize(band_lin, [-0.7, 0.7])
    withdraw_p = np.asarray([0.35, 0.12, 0.05])[band]
    withdraws = rng.random(k) < withdraw_p
    withdraw_day = np.where(withdraws, start + 30 + (rng.random(k) * (planned - 30)).astype(np.int64), -1)
    goals = np.clip(rng.poisson(2.5, k) + 1, 1, 6)
    return {
        "cohort": f"{year}-{'H1' if moy <= 6 else 'H2'}",
        "start": start,
        "program": np.where(leadership, "Leadership Accelerator", "Career Mentoring"),
        "planned": planned,
        "band": band,
        "withdraw_day": withdraw_day,
        "goals": goals,
        "dose": np.asarray([eff.dose[b] for b in ENGAGEMENT_BANDS])[band],
    }


def _enrol(sim: Sim, m: int, mentees: np.ndarray, slots: np.ndarray, start: np.ndarray, dose: np.ndarray) -> None:
    """Record the new mentees, and the mentors mentoring for the first time, in ``sim.program``."""
    prog, dept, eff = sim.program, sim.people.dept, sim.cfg.effects
    prog.mentee_month[mentees] = m
    prog.mentee_day[mentees] = start
    prog.mentee_dose[mentees] = dose
    prog.mentee_dept[mentees] = dept[mentees]
    if eff.department_scale is not None:
        factors = np.asarray([float(eff.department_scale.get(d, 1.0)) for d in DEPARTMENTS])
        prog.mentee_scale[mentees] = factors[dept[mentees]]
    first_start = pd.Series(start).groupby(slots).min()
    mi = first_start.index.to_numpy()
    first_time = prog.mentor_day[mi] < 0
    prog.mentor_day[mi[first_time]] = first_start.to_numpy()[first_time]
    prog.mentor_month[mi[first_time]] = m


def _finish_pairs(pairs: pd.DataFrame, term_day, as_of, rng):
    """Close each pair (completion, withdrawal, either person leaving) and draw its meetings."""
    if pairs.empty:
        pairs = pairs.assign(
            end=pd.Series(dtype="int64"), status=pd.Series(dtype=str), goals_met=pd.Series(dtype="int64")
        )
        return pairs, pd.DataFrame(columns=MEETING_COLUMNS)
    pairs, last = _close_pairs(pairs, term_day, as_of, rng)
    return pairs, _meetings(pairs, last, rng)


def _close_pairs(pairs: pd.DataFrame, term_day, as_of, rng) -> tuple[pd.DataFrame, np.ndarray]:
    """Each pair's end, status and goals met; returns the pairs and each one's last day (at most
    ``as_of``)."""
    mentor_exit = term_day[pairs["mentor"].to_numpy()]
    mentee_exit = term_day[pairs["mentee"].to_numpy()]
    big = np.iinfo(np.int64).max
    planned = pairs["planned_end"].to_numpy()
    withdraw = pairs["withdraw"].to_numpy()
    stops = np.vstack(
        [
            planned,
            np.where(withdraw >= 0, withdraw, big),
            np.where(mentor_exit >= 0, mentor_exit, big),
            np.where(mentee_exit >= 0, mentee_exit, big),
        ]
    )
    end = stops.min(axis=0)
    early = end < planned
    status = np.where(early, "withdrawn", "completed")
    still_running = end > as_of
    status = np.where(still_running, "active", status)
    pairs = pairs.assign(end=np.where(still_running, -1, end), status=status)
    band = pairs["band"].to_numpy()
    frac = np.clip((np.minimum(end, as_of) - pairs["start"].to_numpy()) / (planned - pairs["start"].to_numpy()), 0, 1)
    p_met = np.asarray([0.3, 0.6, 0.8])[band] * frac
    pairs["goals_met"] = rng.binomial(pairs["goals_set"].to_numpy(), p_met)
    return pairs, np.minimum(end, as_of)


def _meetings(pairs: pd.DataFrame, last: np.ndarray, rng) -> pd.DataFrame:
    """Meetings: a Poisson count per pair-month, with a cadence set by the band and slow drop-off."""
    band = pairs["band"].to_numpy()
    start = pairs["start"].to_numpy()
    n_m = np.maximum(np.ceil((last - start) / 30.44).astype(np.int64), 0)
    pair_ix = np.repeat(np.arange(len(pairs)), n_m)
    month_ix = np.arange(n_m.sum()) - np.repeat(np.cumsum(n_m) - n_m, n_m)
    lam = np.asarray([0.8, 1.7, 2.6])[band[pair_ix]] * np.exp(-0.05 * month_ix)
    counts = rng.poisson(lam)
    mp = np.repeat(pair_ix, counts)
    mm = np.repeat(month_ix, counts)
    day = start[mp] + (mm * 30.44 + rng.random(len(mp)) * 30.44).astype(np.int64)
    keep = day <= last[mp]
    mp, day = mp[keep], day[keep]
    order = np.lexsort((day, mp))
    mp, day = mp[order], day[order]
    k = len(mp)
    rating_mean = np.asarray([3.2, 3.9, 4.4])[band[mp]]
    rating = np.clip(np.rint(rating_mean + rng.normal(0, 0.8, k)), 1, 5).astype("float64")
    rating[rng.random(k) < 0.35] = np.nan
    return pd.DataFrame(
        {
            "meeting_id": [f"M{i + 1:08d}" for i in range(k)],
            "pair_id": pairs["pair_id"].to_numpy()[mp],
            "meeting_date": _fmt_dates(day),
            "duration_minutes": rng.choice([30, 45, 60, 90], size=k, p=[0.35, 0.2, 0.4, 0.05]),
            "format": rng.choice(["video", "in_person", "phone"], size=k, p=[0.55, 0.35, 0.1]),
            "mentee_rating": pd.array(rating, dtype="Int64"),
        }
    )
