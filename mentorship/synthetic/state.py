"""The simulation's shared state: the calendar, the people, the two worlds (simulated and with the
program switched off), the program's treatment state, and the month being simulated. Every step of the
generator reads and updates these; none of them draws random numbers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mentorship.synthetic.config import SyntheticConfig


@dataclass(frozen=True)
class Calendar:
    """The simulated months and the number of person slots (``cap``), fixed before the simulation."""

    start_month: np.datetime64
    n_months: int
    month_start: np.ndarray  # day number of each month's 1st, and of the 1st after the last month
    as_of: int  # last day simulated
    cap: int  # person slots: everyone ever employed fits
    n0: int  # starting headcount

    @classmethod
    def of(cls, cfg: SyntheticConfig) -> Calendar:
        start_month = np.datetime64(cfg.start[:7], "M")
        n_months = 12 * cfg.years
        month_start = (start_month + np.arange(n_months + 1)).astype("datetime64[D]").astype(np.int64)
        return cls(
            start_month=start_month,
            n_months=n_months,
            month_start=month_start,
            as_of=int(month_start[-1]) - 1,
            cap=int(cfg.n_employees * (1.15 + 0.03 * n_months)) + 50,
            n0=cfg.n_employees,
        )


@dataclass
class People:
    """Everyone employed at some point (the first ``n`` of ``cap`` slots): fixed traits, and what both
    worlds share (department, management, manager, rating)."""

    ability: np.ndarray
    engage: np.ndarray
    dept: np.ndarray
    family: np.ndarray
    loc: np.ndarray
    gender: np.ndarray
    pay_spread: np.ndarray
    person_construct: np.ndarray  # per-construct person effects on survey answers
    hire_day: np.ndarray
    birth_year: np.ndarray
    is_mgr: np.ndarray
    perf: np.ndarray
    manager: np.ndarray
    n: int  # slots filled so far


@dataclass
class World:
    """One world's careers: the simulated one, or its counterfactual with the program switched off,
    driven by the same random draws."""

    level: np.ndarray
    active: np.ndarray
    salary: np.ndarray
    last_promo: np.ndarray  # month index of the last promotion
    term_day: np.ndarray
    term_type: np.ndarray  # 0 active, 1 voluntary, 2 involuntary
    promos: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # (person, day) of promotions

    def copy(self) -> World:
        """The same careers so far, with no promotions recorded."""
        return World(
            self.level.copy(),
            self.active.copy(),
            self.salary.copy(),
            self.last_promo.copy(),
            self.term_day.copy(),
            self.term_type.copy(),
        )


@dataclass
class Program:
    """Who is a mentee or mentor since when, each mentee's dose, and the pairs so far."""

    mentee_month: np.ndarray  # month index of first pair start as mentee
    mentee_day: np.ndarray
    mentee_dose: np.ndarray
    mentor_month: np.ndarray
    mentor_day: np.ndarray
    # Optional knobs. None of them draws from the generator's stream: with all of them off, the stream
    # and so every file is what it was before they existed.
    dept_scale_on: bool
    mentee_scale: np.ndarray  # the department factor on each mentee's effects (department_scale)
    mentee_dept: np.ndarray  # the mentee's department when selected
    # Each person's last recorded engagement and satisfaction scores (NaN: none yet), kept up to date
    # wave by wave from the survey's own per-wave draws (see ``_WaveDraws``), for selection on them.
    recorded: np.ndarray | None
    pairs: list[dict] = field(default_factory=list)

    @classmethod
    def empty(cls, cfg: SyntheticConfig, cap: int) -> Program:
        return cls(
            mentee_month=np.full(cap, -1, dtype=np.int64),
            mentee_day=np.full(cap, -1, dtype=np.int64),
            mentee_dose=np.zeros(cap),
            mentor_month=np.full(cap, -1, dtype=np.int64),
            mentor_day=np.full(cap, -1, dtype=np.int64),
            dept_scale_on=cfg.effects.department_scale is not None,
            mentee_scale=np.ones(cap),
            mentee_dept=np.full(cap, -1, dtype=np.int64),
            recorded=np.full((cap, 2), np.nan) if cfg.selection.on_recorded_scores else None,
        )

    def mentee_weight(self) -> np.ndarray:
        """Each mentee's factor on the dosed effects: the dose, times the department's scale."""
        return self.mentee_dose * self.mentee_scale if self.dept_scale_on else self.mentee_dose


@dataclass
class Sim:
    """The whole simulation: configuration, the one random stream, and the state it updates."""

    cfg: SyntheticConfig
    rng: np.random.Generator
    cal: Calendar
    people: People
    actual: World
    cf: World
    program: Program
    history: list[pd.DataFrame] = field(default_factory=list)  # job records, as they happen
    salary_snap: dict[int, pd.DataFrame] = field(default_factory=dict)  # month -> treated people's salaries
    managers_by_dept: list[np.ndarray] = field(default_factory=list)


@dataclass
class Month:
    """The month being simulated, and what its steps share."""

    m: int
    m0: np.int64  # its first day
    m1: np.int64  # the next month's first day
    moy: int  # month of the year, 1-12
    alive: np.ndarray  # employed at the start of the month, simulated world
    cf_alive: np.ndarray  # the same, counterfactual world
    changed: np.ndarray  # whose job record changes this month
    event_day: np.ndarray  # the day it changes
    # Treatment indicators apply from the month after the pair's start month.
    treated_mentee: np.ndarray
    treated_mentor: np.ndarray
    tenure_m: np.ndarray  # months since hire at the start of the month
    starting: np.ndarray | None = None  # the day after a new pair's start, for its two people; else -1
    dose_now: np.ndarray | None = None  # each mentee's weight on the dosed effects

    def rand_days(self, rng: np.random.Generator, k: int) -> np.ndarray:
        """``k`` random days of this month."""
        return self.m0 + rng.integers(0, int(self.m1 - self.m0), size=k)
