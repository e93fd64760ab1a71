"""The workforce: the starting staff and their traits, pay by level and location, managers, hires,
and the job records every change writes to the history."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentorship.synthetic.config import SyntheticConfig
from mentorship.synthetic.constants import (
    CONSTRUCTS,
    DEPARTMENT_WEIGHTS,
    DEPARTMENTS,
    GENDER_WEIGHTS,
    GENDERS,
    HIRE_LEVEL_WEIGHTS,
    LEVEL_WEIGHTS,
    LOCATION_PAY,
    LOCATION_WEIGHTS,
    LOCATIONS,
    N_LEVELS,
)
from mentorship.synthetic.state import Calendar, Month, People, Sim, World


def _new_people(cfg: SyntheticConfig, rng: np.random.Generator, cal: Calendar) -> tuple[People, World]:
    """Everyone's fixed traits (all ``cap`` slots) and the starting staff's jobs (the first ``n0``)."""
    cap, n0 = cal.cap, cal.n0
    ability = rng.normal(size=cap)
    engage = rng.normal(size=cap)
    dept = rng.choice(len(DEPARTMENTS), size=cap, p=DEPARTMENT_WEIGHTS)
    family = rng.integers(0, 2, size=cap)
    loc = rng.choice(len(LOCATIONS), size=cap, p=LOCATION_WEIGHTS)
    gender = rng.choice(len(GENDERS), size=cap, p=GENDER_WEIGHTS)
    pay_spread = np.exp(rng.normal(0, 0.08, size=cap))
    # Per-construct person effects and per-person response propensity for surveys.
    person_construct = rng.normal(0, 0.35, size=(cap, len(CONSTRUCTS)))

    level = np.zeros(cap, dtype=np.int64)
    level[:n0] = rng.choice(N_LEVELS, size=n0, p=LEVEL_WEIGHTS) + 1
    hire_day = np.full(cap, -1, dtype=np.int64)
    hire_day[:n0] = cal.month_start[0] - rng.integers(30, 12 * 365, size=n0)
    active = np.zeros(cap, dtype=bool)
    active[:n0] = True
    is_mgr = np.zeros(cap, dtype=bool)
    is_mgr[:n0] = rng.random(n0) < np.clip((level[:n0] - 2) * 0.22, 0, 0.95)
    perf = np.clip(np.rint(3 + 0.8 * ability + rng.normal(0, 0.7, cap)), 1, 5).astype(np.int64)
    people = People(
        ability=ability,
        engage=engage,
        dept=dept,
        family=family,
        loc=loc,
        gender=gender,
        pay_spread=pay_spread,
        person_construct=person_construct,
        hire_day=hire_day,
        birth_year=np.zeros(cap, dtype=np.int64),
        is_mgr=is_mgr,
        perf=perf,
        manager=np.full(cap, -1, dtype=np.int64),
        n=n0,
    )
    salary = np.zeros(cap)
    salary[:n0] = _base_salary(people, level[:n0], np.arange(n0))
    people.birth_year[:n0] = int(cfg.start[:4]) - (22 + 3 * level[:n0] + rng.integers(0, 15, n0))
    term_day = np.full(cap, -1, dtype=np.int64)
    term_type = np.zeros(cap, dtype=np.int64)
    actual = World(level, active, salary, np.full(cap, -99, dtype=np.int64), term_day, term_type)
    return people, actual


def _base_salary(people: People, lv, idx):
    return 42000 * 1.28 ** (lv - 1) * np.asarray(LOCATION_PAY)[people.loc[idx]] * people.pay_spread[idx]


def _refresh_managers(sim: Sim) -> None:
    """Each department's current people managers, the pool ``_pick_manager`` draws from."""
    p = sim.people
    sim.managers_by_dept.clear()
    for d in range(len(DEPARTMENTS)):
        sim.managers_by_dept.append(np.flatnonzero(sim.actual.active & p.is_mgr & (p.dept == d)))


def _pick_manager(sim: Sim, idx: np.ndarray) -> np.ndarray:
    """A manager for each of ``idx`` from their department's pool (-1 if it has none)."""
    dept, rng = sim.people.dept, sim.rng
    out_m = np.full(len(idx), -1, dtype=np.int64)
    for d in range(len(DEPARTMENTS)):
        sel_d = dept[idx] == d
        pool = sim.managers_by_dept[d]
        if sel_d.any() and len(pool):
            choice = pool[rng.integers(0, len(pool), sel_d.sum())]
            # Nobody manages themselves: fall back to the department's first manager.
            clash = choice == idx[sel_d]
            if clash.any() and len(pool) > 1:
                choice[clash] = np.where(pool[0] == idx[sel_d][clash], pool[1], pool[0])
            elif clash.any():
                choice[clash] = -1
            out_m[sel_d] = choice
    return out_m


def _emit(sim: Sim, idx: np.ndarray, days: np.ndarray) -> None:
    """A job record for each of ``idx`` as of ``days``, from the simulated world."""
    if len(idx) == 0:
        return
    p, w = sim.people, sim.actual
    sim.history.append(
        pd.DataFrame(
            {
                "i": idx,
                "day": days,
                "level": w.level[idx],
                "dept": p.dept[idx],
                "family": p.family[idx],
                "manager": p.manager[idx],
                "is_mgr": p.is_mgr[idx],
                "salary": np.round(w.salary[idx], 0),
                "perf": p.perf[idx],
            }
        )
    )


def _hire(sim: Sim, mo: Month) -> None:
    """Hires: replace leavers plus modest growth, the same people in both worlds."""
    p, w, cf, rng = sim.people, sim.actual, sim.cf, sim.rng
    n_alive = len(mo.alive)
    leavers = n_alive - int(w.active[: p.n].sum())
    n_hire = int(rng.poisson(leavers + 0.002 * n_alive))
    n_hire = min(n_hire, sim.cal.cap - p.n)
    if not n_hire:
        return
    new = np.arange(p.n, p.n + n_hire)
    p.n += n_hire
    w.level[new] = rng.choice(N_LEVELS, size=n_hire, p=HIRE_LEVEL_WEIGHTS) + 1
    cf.level[new] = w.level[new]
    p.hire_day[new] = mo.rand_days(rng, n_hire)
    w.active[new] = True
    cf.active[new] = True
    w.salary[new] = _base_salary(p, w.level[new], new)
    cf.salary[new] = w.salary[new]
    p.birth_year[new] = (1970 + (mo.m0 // 365)) - (21 + 3 * w.level[new] + rng.integers(0, 12, n_hire))
    p.is_mgr[new] = rng.random(n_hire) < np.clip((w.level[new] - 3) * 0.25, 0, 0.9)
    p.manager[new] = _pick_manager(sim, new)
    _emit(sim, new, p.hire_day[new])
