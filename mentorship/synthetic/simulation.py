"""The month-by-month simulation: the starting state, then each month's cohort start, review,
promotions, moves, exits, managers and hires in both worlds, the treated people's month-end salaries,
and (when selection reads recorded scores) the month's survey wave. The order of the steps is the
order of the random draws: the same seed gives the same organisation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentorship.synthetic.careers import _annual_review, _exits, _lateral_moves, _promotions
from mentorship.synthetic.config import SyntheticConfig
from mentorship.synthetic.program import _start_cohort
from mentorship.synthetic.state import Calendar, Month, Program, Sim
from mentorship.synthetic.surveys import _record_scores
from mentorship.synthetic.workforce import _emit, _hire, _new_people, _pick_manager, _refresh_managers


def _new_sim(cfg: SyntheticConfig) -> Sim:
    """The starting organisation: traits, the starting staff and their managers, no program yet."""
    rng = np.random.default_rng(cfg.seed)
    cal = Calendar.of(cfg)
    people, actual = _new_people(cfg, rng, cal)
    program = Program.empty(cfg, cal.cap)
    sim = Sim(cfg=cfg, rng=rng, cal=cal, people=people, actual=actual, cf=actual.copy(), program=program)
    everyone = np.arange(cal.n0)
    _refresh_managers(sim)
    people.manager[: cal.n0] = _pick_manager(sim, everyone)
    _emit(sim, everyone, people.hire_day[: cal.n0])
    return sim


def _simulate(sim: Sim, say) -> None:
    """Every month, in order; ``say`` reports progress."""
    cal, prog = sim.cal, sim.program
    say(f"simulating {cal.n_months} months for {cal.n0:,} people")
    for m in range(cal.n_months):
        _simulate_month(sim, m)
        if m % 12 == 11:
            say(
                f"  month {m + 1}/{cal.n_months}: {int(sim.actual.active[: sim.people.n].sum()):,} employed, "
                f"{int((prog.mentee_month >= 0).sum()):,} mentees so far"
            )
        say.step()


def _new_month(sim: Sim, m: int) -> Month:
    cal, n, prog = sim.cal, sim.people.n, sim.program
    m0 = cal.month_start[m]
    moy = (m % 12) + int(str(cal.start_month)[5:7])
    return Month(
        m=m,
        m0=m0,
        m1=cal.month_start[m + 1],
        moy=(moy - 1) % 12 + 1,
        alive=np.flatnonzero(sim.actual.active[:n]),
        cf_alive=np.flatnonzero(sim.cf.active[:n]),
        changed=np.zeros(cal.cap, dtype=bool),
        event_day=np.full(cal.cap, -1, dtype=np.int64),
        treated_mentee=(prog.mentee_month >= 0) & (prog.mentee_month < m),
        treated_mentor=(prog.mentor_month >= 0) & (prog.mentor_month < m),
        tenure_m=(m0 - sim.people.hire_day) / 30.44,
    )


def _simulate_month(sim: Sim, m: int) -> None:
    mo = _new_month(sim, m)
    mo.starting = _cohort(sim, mo)
    mo.dose_now = sim.program.mentee_weight()
    if mo.moy == 4:
        _annual_review(sim, mo)
    up = _promotions(sim, mo)
    lateral = _lateral_moves(sim, mo)
    _exits(sim, mo)
    ch = np.flatnonzero(mo.changed[: sim.people.n])
    _refresh_managers(sim)
    promoted_or_moved = ch[np.isin(ch, lateral) | up[ch]]
    sim.people.manager[promoted_or_moved] = _pick_manager(sim, promoted_or_moved)
    _emit(sim, ch, mo.event_day[ch])
    _hire(sim, mo)
    _snapshot_salaries(sim, m)
    if sim.program.recorded is not None and mo.moy in sim.cfg.survey_months:
        # This month's survey wave, as ``_surveys`` will write it: everything it depends on for
        # this wave (who is employed on their response day, who is a mentee or mentor by then) is
        # settled by the end of the month.
        _record_scores(sim, m, mo.dose_now)


def _cohort(sim: Sim, mo: Month) -> np.ndarray:
    """Mentorship cohorts start on their cohort month. Who joins is decided on the state at the start
    of the month, before its promotions and exits: joining must not depend on what happens later
    (someone who will have left by the end of the month could still sign up). Nothing happens to a
    new pair's two people before their pair starts: their events of the month fall after it. Returns,
    per person slot, the day after their new pair's start (-1: none), the earliest their events fall."""
    starting = np.full(sim.cal.cap, -1, dtype=np.int64)
    if mo.moy in sim.cfg.cohort_months:
        pairs = sim.program.pairs
        before = len(pairs)
        _start_cohort(sim, mo.m, mo.m0, mo.moy)
        if len(pairs) > before:  # every person in a new pair, first-time mentor or not
            new = pd.DataFrame(pairs[before:])
            people = np.concatenate([new["mentee"].to_numpy(), new["mentor"].to_numpy()])
            starts = np.concatenate([new["start"].to_numpy(), new["start"].to_numpy()]) + 1
            np.maximum.at(starting, people, starts)
    return starting


def _snapshot_salaries(sim: Sim, m: int) -> None:
    """Month-end salaries of treated people, both worlds, for the salary-growth truth."""
    prog = sim.program
    tracked_now = np.flatnonzero((prog.mentee_month >= 0) | (prog.mentor_month >= 0))
    sim.salary_snap[m] = pd.DataFrame(
        {"actual": sim.actual.salary[tracked_now], "cf": sim.cf.salary[tracked_now]}, index=tracked_now
    )
