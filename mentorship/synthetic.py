"""Synthetic organisation with a mentorship program and planted, known effects.

The generator simulates a company month by month, vectorised over people, and writes the
extracts in exactly the documented input format (see ``mentorship.contract``). It plants:

* self-selection: engaged, high-performing people in some departments volunteer more, and those
  same traits raise promotion and lower exit, so a raw comparison overstates the program;
* true effects of being mentored (from the pair's start) on the promotion hazard, the
  voluntary-exit hazard, merit raises and survey constructs, scaled by a dose that follows the
  pair's engagement band, which sets how often and how steadily it meets; and smaller effects on mentors.

Optional knobs, all off by default (and then leaving every file byte for byte as without them), make
other worlds for the validation study: selection on recorded survey scores, non-linear selection
(rating threshold, tenure hump, department by level, complementary log-log link), effects that
differ by department, and promotions on the 1st of the month (``Selection``, ``PlantedEffects``,
``SyntheticConfig``).

Every treated person also carries a counterfactual path driven by the same random draws with the
effects switched off. The truth file reports the effect on the mentored as the mean of
(actual - counterfactual) among the people the pipeline measures, in the pipeline's own terms.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

DEPARTMENTS = ["Engineering", "Sales", "Operations", "Finance", "Marketing", "People", "Product", "Support"]
DEPARTMENT_WEIGHTS = [0.24, 0.18, 0.16, 0.08, 0.09, 0.05, 0.08, 0.12]
# Uneven appetite for mentoring across departments (log-odds offsets), part of the selection.
DEPARTMENT_SELECTION = [0.3, -0.4, -0.3, 0.0, 0.2, 0.5, 0.4, -0.5]
JOB_FAMILIES = {
    "Engineering": ["Software", "Data"],
    "Sales": ["Account Management", "Business Development"],
    "Operations": ["Supply Chain", "Facilities"],
    "Finance": ["Accounting", "FP&A"],
    "Marketing": ["Brand", "Growth"],
    "People": ["HR Business Partner", "Talent"],
    "Product": ["Product Management", "Design"],
    "Support": ["Customer Support", "Technical Support"],
}
LOCATIONS = ["London", "Berlin", "New York", "Singapore", "Remote"]
LOCATION_WEIGHTS = [0.3, 0.2, 0.25, 0.1, 0.15]
LOCATION_PAY = [1.0, 0.95, 1.15, 1.0, 0.9]
GENDERS = ["female", "male", "non-binary"]
GENDER_WEIGHTS = [0.47, 0.5, 0.03]
N_LEVELS = 7
# A pyramid: most people at the lower levels.
LEVEL_WEIGHTS = [0.27, 0.25, 0.2, 0.13, 0.08, 0.05, 0.02]
HIRE_LEVEL_WEIGHTS = [0.45, 0.3, 0.15, 0.06, 0.03, 0.01, 0.0]
FIRST_NAMES = [
    "Alex",
    "Sam",
    "Priya",
    "Chen",
    "Maria",
    "Tom",
    "Aisha",
    "Lukas",
    "Sofia",
    "Kenji",
    "Fatima",
    "Noah",
    "Olga",
    "Diego",
    "Grace",
    "Omar",
    "Ingrid",
    "Ravi",
    "Zoe",
    "Mateo",
]
LAST_NAMES = [
    "Smith",
    "Patel",
    "Wang",
    "Garcia",
    "Müller",
    "Okafor",
    "Kim",
    "Rossi",
    "Novak",
    "Silva",
    "Haddad",
    "Brown",
    "Tanaka",
    "Jensen",
    "Khan",
    "Dubois",
    "Costa",
    "Ivanova",
    "Lee",
    "Walsh",
]
SURVEY_ITEMS = [
    ("ENG1", "engagement", "I am proud to work here."),
    ("ENG2", "engagement", "I rarely think about looking for a job at another company."),
    ("ENG3", "engagement", "I would recommend this company as a great place to work."),
    ("SAT1", "satisfaction", "Overall, I am satisfied with my job."),
    ("SAT2", "satisfaction", "I am satisfied with the recognition I receive."),
    ("SAT3", "satisfaction", "I am satisfied with my opportunities for development."),
    ("CONF1", "confidence", "I feel confident taking on new challenges at work."),
    ("CONF2", "confidence", "I am comfortable speaking up in meetings."),
    ("GROW1", "growth", "I have learned new skills in the last few months."),
    ("GROW2", "growth", "I can see a path to grow my career here."),
]
CONSTRUCTS = ["engagement", "satisfaction", "confidence", "growth"]
ENGAGEMENT_BANDS = ["low", "medium", "high"]
HORIZONS = (6, 12, 24)
#: Where ``Selection.dept_level`` applies: these departments, at these job levels.
DEPT_LEVEL_DEPARTMENTS = ("Engineering", "Sales")
DEPT_LEVEL_LEVELS = (3, 4)
#: A recorded construct score is centred on this (the scale's intercept in ``_wave``).
SCORE_CENTRE = 3.4
LINKS = ("logit", "cloglog")
PROMOTION_DAYS = ("random", "first")


def _knobs_at_default(obj, d: dict) -> dict:
    """``d`` (``asdict(obj)``) without the optional knobs ``obj`` leaves at their defaults, so a
    configuration that uses none of them is recorded in the truth file exactly as before they existed."""
    for f in fields(obj):
        if f.name in getattr(type(obj), "KNOBS", ()):
            default = f.default if f.default is not MISSING else f.default_factory()
            if getattr(obj, f.name) == default:
                d.pop(f.name, None)
    return d


@dataclass
class PlantedEffects:
    """True effects of the program. Hazard ratios multiply monthly hazards from the month after
    the pair starts; ``dose`` (by the pair's engagement band, which sets its meeting cadence) scales
    the promotion, salary and survey effects."""

    promotion_hr: float = 1.4
    voluntary_exit_hr: float = 0.7
    salary_raise_pp: float = 1.0  # extra percentage points on each annual merit raise
    survey: dict = field(
        default_factory=lambda: {"engagement": 0.25, "satisfaction": 0.2, "confidence": 0.35, "growth": 0.3}
    )
    dose: dict = field(default_factory=lambda: {"low": 0.4, "medium": 1.0, "high": 1.6})
    mentor_promotion_hr: float = 1.25
    mentor_survey: dict = field(
        default_factory=lambda: {"engagement": 0.1, "satisfaction": 0.1, "confidence": 0.0, "growth": 0.0}
    )
    #: Effects that differ by department: department name -> factor on the mentee's promotion
    #: log-hazard-ratio, exit log-hazard-ratio, raise bonus and survey shift, by the mentee's department
    #: when selected (the pipeline's department at index); departments not named keep 1.0. None: off.
    department_scale: dict | None = None

    KNOBS: ClassVar[tuple] = ("department_scale",)

    @classmethod
    def none(cls) -> PlantedEffects:
        """No program effect at all: any raw gap is pure selection."""
        return cls(
            promotion_hr=1.0,
            voluntary_exit_hr=1.0,
            salary_raise_pp=0.0,
            survey=dict.fromkeys(CONSTRUCTS, 0.0),
            mentor_promotion_hr=1.0,
            mentor_survey=dict.fromkeys(CONSTRUCTS, 0.0),
        )


@dataclass
class Selection:
    """Who volunteers: log-odds per SD of engagement, per performance point, per SD of ability.

    The knobs after ``uptake`` are off by default (and then change nothing, not even the random draws):

    * ``recorded_engagement``, ``recorded_satisfaction``: log-odds per point of the person's most
      recent recorded construct score (the mean of the answered items of that construct in the last
      survey wave before the cohort's month, exactly as written to the survey files), centred on
      ``SCORE_CENTRE``; people with no recorded score get the eligible people's mean.
    * ``rating_threshold``: log-odds added at a performance rating of 4 or more.
    * ``tenure_hump``: log-odds times exp(-((tenure_years - 3) / 1.5) ** 2), a bump peaking at 3 years.
    * ``dept_level``: log-odds added in ``DEPT_LEVEL_DEPARTMENTS`` at ``DEPT_LEVEL_LEVELS``.
    * ``link``: "logit" (P = sigmoid(a + lin)) or "cloglog" (P = 1 - exp(-exp(a + lin))); the
      intercept a is calibrated to ``uptake`` either way.
    """

    engagement: float = 1.0
    performance: float = 0.5
    ability: float = 0.3
    department: list = field(default_factory=lambda: list(DEPARTMENT_SELECTION))
    uptake: float = 0.05  # expected share of eligible people joining each cohort
    recorded_engagement: float = 0.0
    recorded_satisfaction: float = 0.0
    rating_threshold: float = 0.0
    tenure_hump: float = 0.0
    dept_level: float = 0.0
    link: str = "logit"

    KNOBS: ClassVar[tuple] = (
        "recorded_engagement",
        "recorded_satisfaction",
        "rating_threshold",
        "tenure_hump",
        "dept_level",
        "link",
    )

    @property
    def on_recorded_scores(self) -> bool:
        return bool(self.recorded_engagement or self.recorded_satisfaction)


@dataclass
class SyntheticConfig:
    n_employees: int = 5000
    start: str = "2022-01-01"
    years: int = 4
    seed: int = 42
    effects: PlantedEffects = field(default_factory=PlantedEffects)
    selection: Selection = field(default_factory=Selection)
    cohort_months: tuple = (3, 9)  # two cohorts a year, March and September
    survey_months: tuple = (2, 5, 8, 11)  # quarterly pulse surveys
    file_format: str = "csv"  # csv or parquet
    #: When promotions and lateral moves take effect within their month: "random" (a random day) or
    #: "first" (the 1st, as in a company that changes jobs on fixed calendar dates; April raises are
    #: dated April 1st either way).
    promotion_day: str = "random"

    KNOBS: ClassVar[tuple] = ("promotion_day",)

    def to_dict(self) -> dict:
        """The configuration for the truth file; optional knobs at their defaults are left out, so a
        configuration that uses none of them is recorded exactly as before they existed."""
        d = _knobs_at_default(self, asdict(self))
        d["effects"] = _knobs_at_default(self.effects, d["effects"])
        d["selection"] = _knobs_at_default(self.selection, d["selection"])
        d["cohort_months"] = list(self.cohort_months)
        d["survey_months"] = list(self.survey_months)
        return d

    def check(self) -> None:
        """Reject knob values the generator does not know."""
        if self.selection.link not in LINKS:
            raise ValueError(f"Selection.link must be one of {LINKS}, not {self.selection.link!r}")
        if self.promotion_day not in PROMOTION_DAYS:
            raise ValueError(f"promotion_day must be one of {PROMOTION_DAYS}, not {self.promotion_day!r}")
        unknown = set(self.effects.department_scale or {}) - set(DEPARTMENTS)
        if unknown:
            raise ValueError(f"department_scale names unknown departments: {sorted(unknown)}")


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _cloglog_inv(x):
    """Inverse complementary log-log link: 1 - exp(-exp(x))."""
    return -np.expm1(-np.exp(np.minimum(x, 50.0)))


def _inverse_link(link: str):
    return _cloglog_inv if link == "cloglog" else _sigmoid


def _calibrate_intercept(lin: np.ndarray, target: float, link: str = "logit") -> float:
    """Intercept that makes mean(P(a + lin)) equal target, P the inverse link (bisection, monotone)."""
    inv = _inverse_link(link)
    lo, hi = -20.0, 20.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if inv(mid + lin).mean() < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


class _Progress:
    """The generator's progress: months simulated, then extracts and survey waves written. A bar on a
    terminal (``mentorship.progress``), elsewhere a timed line per milestone."""

    def __init__(self, enabled: bool, total: int = 0):
        self.enabled = enabled
        self.t0 = time.perf_counter()
        self.bar = None
        from mentorship.progress import Progress, progress_mode

        if enabled and progress_mode() == "bar":
            self.bar = Progress("generating the organisation", total=total, unit="steps", every=float("inf"))

    def __call__(self, msg: str):
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar._bar.set_postfix_str(msg.strip(), refresh=True)
        else:
            print(f"[generate {time.perf_counter() - self.t0:6.1f}s] {msg}", file=sys.stderr, flush=True)

    def step(self, n: int = 1):
        if self.bar is not None:
            self.bar.advance(n)

    def close(self):
        if self.bar is not None:
            self.bar.close()


class _Writer:
    """Writes one source's rows, chunk by chunk, to CSV or Parquet without holding it all."""

    def __init__(self, path: Path, fmt: str):
        self.path = path.with_suffix("." + fmt)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fmt = fmt
        self._w = None
        self.rows = 0

    def write(self, df: pd.DataFrame | pa.Table):
        table = df if isinstance(df, pa.Table) else pa.Table.from_pandas(df, preserve_index=False)
        if self._w is None:
            if self.fmt == "parquet":
                self._w = pq.ParquetWriter(self.path, table.schema)
            else:
                self._w = pacsv.CSVWriter(self.path, table.schema)
        self._w.write_table(table)
        self.rows += len(df)

    def close(self):
        if self._w is not None:
            self._w.close()


def _write_monthly(frame: pd.DataFrame, month: np.ndarray, stem: Path, fmt: str) -> int:
    """One file per month, named ``<stem>_YYYY-MM``, rows in their original order; returns rows written."""
    rows = 0
    for m, part in frame.groupby(month, sort=True):
        w = _Writer(stem.with_name(f"{stem.name}_{np.datetime64(m, 'M')}"), fmt)
        w.write(part)
        w.close()
        rows += w.rows
    return rows


def _dates(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]")


def _fmt_dates(days: np.ndarray) -> pd.Series:
    """Day numbers to ISO strings, -1 to empty (the contract's 'empty if not applicable')."""
    s = pd.Series(_dates(np.where(days < 0, 0, days))).dt.strftime("%Y-%m-%d")
    return s.where(days >= 0, "")


def generate(
    out_dir: str | Path,
    config: SyntheticConfig | None = None,
    truth_path: str | Path | None = None,
    progress: bool = False,
) -> dict:
    """Generate the organisation into ``out_dir/<source>/`` and return the truth dict.

    ``truth_path`` (default ``out_dir/../truth/planted_truth.json``) receives the truth as JSON; it
    must live outside the landing folder so the pipeline never reads it.
    """
    cfg = config or SyntheticConfig()
    cfg.check()
    out = Path(out_dir)
    say = _Progress(progress, total=12 * cfg.years + 2)
    rng = np.random.default_rng(cfg.seed)
    eff, sel = cfg.effects, cfg.selection

    start_month = np.datetime64(cfg.start[:7], "M")
    n_months = 12 * cfg.years
    month_start = (start_month + np.arange(n_months + 1)).astype("datetime64[D]").astype(np.int64)
    as_of = int(month_start[-1]) - 1  # last day simulated
    cap = int(cfg.n_employees * (1.15 + 0.03 * n_months)) + 50
    n0 = cfg.n_employees

    # --- people: fixed traits ------------------------------------------------------------
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
    birth_year = np.zeros(cap, dtype=np.int64)
    hire_day = np.full(cap, -1, dtype=np.int64)
    hire_day[:n0] = month_start[0] - rng.integers(30, 12 * 365, size=n0)
    term_day = np.full(cap, -1, dtype=np.int64)
    term_type = np.zeros(cap, dtype=np.int64)  # 0 active, 1 voluntary, 2 involuntary
    active = np.zeros(cap, dtype=bool)
    active[:n0] = True
    is_mgr = np.zeros(cap, dtype=bool)
    is_mgr[:n0] = rng.random(n0) < np.clip((level[:n0] - 2) * 0.22, 0, 0.95)
    perf = np.clip(np.rint(3 + 0.8 * ability + rng.normal(0, 0.7, cap)), 1, 5).astype(np.int64)
    last_promo_month = np.full(cap, -99, dtype=np.int64)
    manager = np.full(cap, -1, dtype=np.int64)

    def base_salary(lv, idx):
        return 42000 * 1.28 ** (lv - 1) * np.asarray(LOCATION_PAY)[loc[idx]] * pay_spread[idx]

    salary = np.zeros(cap)
    salary[:n0] = base_salary(level[:n0], np.arange(n0))
    birth_year[:n0] = int(cfg.start[:4]) - (22 + 3 * level[:n0] + rng.integers(0, 15, n0))
    n_people = n0

    # --- treatment state and counterfactual paths ----------------------------------------
    mentee_month = np.full(cap, -1, dtype=np.int64)  # month index of first pair start as mentee
    mentee_day = np.full(cap, -1, dtype=np.int64)
    mentee_dose = np.zeros(cap)
    mentor_month = np.full(cap, -1, dtype=np.int64)
    mentor_day = np.full(cap, -1, dtype=np.int64)
    # Optional knobs. None of them draws from ``rng``: with all of them off, the stream and so every
    # file is what it was before they existed.
    dept_scale_on = eff.department_scale is not None
    mentee_scale = np.ones(cap)  # the department factor on each mentee's effects (department_scale)
    mentee_dept = np.full(cap, -1, dtype=np.int64)  # the mentee's department when selected
    # Each person's last recorded engagement and satisfaction scores (NaN: none yet), kept up to date
    # wave by wave from the survey's own per-wave draws (see ``_WaveDraws``), for selection on them.
    recorded = np.full((cap, 2), np.nan) if sel.on_recorded_scores else None

    def mentee_weight():
        """Each mentee's factor on the dosed effects: the dose, times the department's scale."""
        return mentee_dose * mentee_scale if dept_scale_on else mentee_dose

    cf_level = level.copy()
    cf_active = active.copy()
    cf_salary = salary.copy()
    cf_last_promo = last_promo_month.copy()
    cf_term_day = term_day.copy()
    cf_term_type = term_type.copy()
    cf_promos: list[tuple[np.ndarray, np.ndarray]] = []  # (person, day) of promotions, program off
    promos: list[tuple[np.ndarray, np.ndarray]] = []
    salary_snap: dict[int, pd.DataFrame] = {}  # month -> month-end salaries of treated people

    history: list[pd.DataFrame] = []
    pairs: list[dict] = []
    managers_by_dept: list[np.ndarray] = []

    def refresh_managers():
        managers_by_dept.clear()
        for d in range(len(DEPARTMENTS)):
            managers_by_dept.append(np.flatnonzero(active & is_mgr & (dept == d)))

    def pick_manager(idx):
        out_m = np.full(len(idx), -1, dtype=np.int64)
        for d in range(len(DEPARTMENTS)):
            sel_d = dept[idx] == d
            pool = managers_by_dept[d]
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

    def emit(idx, days):
        if len(idx) == 0:
            return
        history.append(
            pd.DataFrame(
                {
                    "i": idx,
                    "day": days,
                    "level": level[idx],
                    "dept": dept[idx],
                    "family": family[idx],
                    "manager": manager[idx],
                    "is_mgr": is_mgr[idx],
                    "salary": np.round(salary[idx], 0),
                    "perf": perf[idx],
                }
            )
        )

    refresh_managers()
    manager[:n0] = pick_manager(np.arange(n0))
    emit(np.arange(n0), hire_day[:n0])

    say(f"simulating {n_months} months for {n0:,} people")
    for m in range(n_months):
        m0, m1 = month_start[m], month_start[m + 1]
        moy = (m % 12) + int(str(start_month)[5:7])
        moy = (moy - 1) % 12 + 1
        alive = np.flatnonzero(active[:n_people])
        cf_alive = np.flatnonzero(cf_active[:n_people])
        n_alive = len(alive)
        changed = np.zeros(cap, dtype=bool)
        event_day = np.full(cap, -1, dtype=np.int64)

        def rand_days(k):
            return m0 + rng.integers(0, int(m1 - m0), size=k)

        # Treatment indicators apply from the month after the pair's start month.
        treated_mentee = (mentee_month >= 0) & (mentee_month < m)
        treated_mentor = (mentor_month >= 0) & (mentor_month < m)

        # Mentorship cohorts start on their cohort month. Who joins is decided on the state at the start
        # of the month, before its promotions and exits: joining must not depend on what happens later
        # (someone who will have left by the end of the month could still sign up). Nothing happens to a
        # new pair's two people before their pair starts: their events of the month fall after it.
        starting = np.full(cap, -1, dtype=np.int64)
        if moy in cfg.cohort_months:
            before = len(pairs)
            _start_cohort(
                cfg,
                rng,
                m,
                m0,
                moy,
                n_people,
                active,
                level,
                hire_day,
                engage,
                perf,
                ability,
                dept,
                mentee_month,
                mentee_day,
                mentee_dose,
                mentor_month,
                mentor_day,
                pairs,
                recorded=recorded,
                mentee_scale=mentee_scale,
                mentee_dept=mentee_dept,
            )
            if len(pairs) > before:  # every person in a new pair, first-time mentor or not
                new = pd.DataFrame(pairs[before:])
                people = np.concatenate([new["mentee"].to_numpy(), new["mentor"].to_numpy()])
                starts = np.concatenate([new["start"].to_numpy(), new["start"].to_numpy()]) + 1
                np.maximum.at(starting, people, starts)

        dose_now = mentee_weight()
        # Annual review every April: new rating, merit raise (the same draws for both worlds), dated
        # April 1st.
        if moy == 4:
            perf[alive] = np.clip(np.rint(3 + 0.8 * ability[alive] + rng.normal(0, 0.7, n_alive)), 1, 5)
            base_raise = 0.03 + 0.01 * (perf[alive] - 3) + rng.normal(0, 0.005, n_alive)
            bonus = eff.salary_raise_pp / 100 * dose_now[alive] * treated_mentee[alive]
            salary[alive] *= 1 + base_raise + bonus
            cf_salary[alive] *= 1 + base_raise
            changed[alive] = True
            event_day[alive] = m0

        # Promotions (one uniform per person drives both worlds).
        u_p = rng.random(cap)
        tenure_m = (m0 - hire_day) / 30.44

        def promo_hazard(lv, last, mentee_on, mentor_on):
            h = 0.014 * np.exp(0.45 * ability + 0.25 * engage + 0.3 * (perf - 3) - 0.12 * (lv - 1))
            h = h * np.where(mentee_on, eff.promotion_hr**dose_now, 1.0)
            h = h * np.where(mentor_on, eff.mentor_promotion_hr, 1.0)
            h = np.where((lv >= N_LEVELS) | (m - last < 9) | (tenure_m < 6), 0.0, h)
            return 1 - np.exp(-h)

        p_act = promo_hazard(level, last_promo_month, treated_mentee, treated_mentor)
        p_cf = promo_hazard(cf_level, cf_last_promo, False, False)
        up = np.zeros(cap, dtype=bool)
        up[alive] = u_p[alive] < p_act[alive]
        cf_up = np.zeros(cap, dtype=bool)
        cf_up[cf_alive] = u_p[cf_alive] < p_cf[cf_alive]
        up_idx, cf_up_idx = np.flatnonzero(up), np.flatnonzero(cf_up)
        promo_day = np.maximum(rand_days(cap), starting)
        if cfg.promotion_day == "first":
            # On the 1st, even for someone whose pair starts later this month: a promotion in the
            # pair's start month is untreated in both worlds, and the pipeline then counts it as
            # before the index date, as the truth does (it counts promotions after the index date).
            promo_day = np.full(cap, m0, dtype=np.int64)
        promo_raise = 1.08 + 0.04 * rng.random(cap)
        level[up_idx] += 1
        salary[up_idx] *= promo_raise[up_idx]
        last_promo_month[up_idx] = m
        cf_level[cf_up_idx] += 1
        cf_salary[cf_up_idx] *= promo_raise[cf_up_idx]
        cf_last_promo[cf_up_idx] = m
        promos.append((up_idx, promo_day[up_idx]))
        cf_promos.append((cf_up_idx, promo_day[cf_up_idx]))
        changed[up_idx] = True
        event_day[up_idx] = promo_day[up_idx]

        # Lateral moves: department changes and moves into people management.
        moves = alive[rng.random(n_alive) < 0.004]
        dept[moves] = rng.integers(0, len(DEPARTMENTS), len(moves))
        changed[moves] = True
        mgr_cand = alive[(~is_mgr[alive]) & (level[alive] >= 3)]
        to_mgr = mgr_cand[rng.random(len(mgr_cand)) < 0.006 * np.exp(0.4 * ability[mgr_cand])]
        is_mgr[to_mgr] = True
        changed[to_mgr] = True
        lateral = np.concatenate([moves, to_mgr])
        lateral_day = np.maximum(rand_days(len(lateral)), starting[lateral])
        if cfg.promotion_day == "first":
            lateral_day = np.full(len(lateral), m0, dtype=np.int64)
        event_day[lateral] = np.where(event_day[lateral] >= 0, event_day[lateral], lateral_day)

        # Exits: voluntary and involuntary, one uniform each shared by both worlds.
        u_v, u_i = rng.random(cap), rng.random(cap)
        exit_day = np.maximum(rand_days(cap), starting)

        exit_hr = eff.voluntary_exit_hr**mentee_scale if dept_scale_on else eff.voluntary_exit_hr

        def vol_hazard(mentee_on):
            h = 0.0105 * np.exp(-0.45 * engage - 0.15 * (perf - 3) + 0.25 * (tenure_m < 12))
            return 1 - np.exp(-h * np.where(mentee_on, exit_hr, 1.0))

        inv_p = 1 - np.exp(-0.0025 * np.exp(-0.5 * ability - 0.3 * (perf - 3)))
        vol_act, vol_cf = vol_hazard(treated_mentee), vol_hazard(False)
        for world_active, world_term_day, world_term_type, p_vol in (
            (active, term_day, term_type, vol_act),
            (cf_active, cf_term_day, cf_term_type, vol_cf),
        ):
            idx = np.flatnonzero(world_active[:n_people])
            vol = idx[u_v[idx] < p_vol[idx]]
            inv = idx[(u_i[idx] < inv_p[idx]) & ~(u_v[idx] < p_vol[idx])]
            for grp, code in ((vol, 1), (inv, 2)):
                # An exit in the same month as another event happens on or after it.
                world_term_day[grp] = np.maximum(exit_day[grp], event_day[grp])
                world_term_type[grp] = code
                world_active[grp] = False

        ch = np.flatnonzero(changed[:n_people])
        refresh_managers()
        promoted_or_moved = ch[np.isin(ch, lateral) | up[ch]]
        manager[promoted_or_moved] = pick_manager(promoted_or_moved)
        emit(ch, event_day[ch])

        # Hires: replace leavers plus modest growth.
        leavers = n_alive - int(active[:n_people].sum())
        n_hire = int(rng.poisson(leavers + 0.002 * n_alive))
        n_hire = min(n_hire, cap - n_people)
        if n_hire:
            new = np.arange(n_people, n_people + n_hire)
            n_people += n_hire
            level[new] = rng.choice(N_LEVELS, size=n_hire, p=HIRE_LEVEL_WEIGHTS) + 1
            cf_level[new] = level[new]
            hire_day[new] = rand_days(n_hire)
            active[new] = True
            cf_active[new] = True
            salary[new] = base_salary(level[new], new)
            cf_salary[new] = salary[new]
            birth_year[new] = (1970 + (m0 // 365)) - (21 + 3 * level[new] + rng.integers(0, 12, n_hire))
            is_mgr[new] = rng.random(n_hire) < np.clip((level[new] - 3) * 0.25, 0, 0.9)
            manager[new] = pick_manager(new)
            emit(new, hire_day[new])

        # Month-end salaries of treated people, both worlds, for the salary-growth truth.
        tracked_now = np.flatnonzero((mentee_month >= 0) | (mentor_month >= 0))
        salary_snap[m] = pd.DataFrame({"actual": salary[tracked_now], "cf": cf_salary[tracked_now]}, index=tracked_now)
        if recorded is not None and moy in cfg.survey_months:
            # This month's survey wave, as ``_surveys`` will write it: everything it depends on for
            # this wave (who is employed on their response day, who is a mentee or mentor by then) is
            # settled by the end of the month.
            wave = _wave(
                m,
                month_start,
                n_people,
                hire_day,
                term_day,
                engage,
                ability,
                person_construct,
                dose_now,
                mentee_day,
                mentor_day,
                eff,
                _WaveDraws(cfg.seed, m, cap),
            )
            if wave is not None:
                _, who, score, _, answered = wave
                for k, construct in enumerate(("engagement", "satisfaction")):
                    mean, ok = _construct_means(score, answered, CONSTRUCTS.index(construct))
                    recorded[who[ok], k] = mean[ok]
        if m % 12 == 11:
            say(
                f"  month {m + 1}/{n_months}: {int(active[:n_people].sum()):,} employed, "
                f"{int((mentee_month >= 0).sum()):,} mentees so far"
            )
        say.step()

    n = n_people
    ids = np.array([f"E{i + 1:07d}" for i in range(n)])
    say.step()
    say("writing extracts")
    fmt = cfg.file_format
    written: dict[str, int] = {}

    # employees
    emp = pd.DataFrame(
        {
            "employee_id": ids,
            "full_name": np.asarray(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), n)]
            + " "
            + np.asarray(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), n)],
            "hire_date": _fmt_dates(hire_day[:n]),
            "termination_date": _fmt_dates(term_day[:n]),
            "termination_type": np.asarray(["", "voluntary", "involuntary"])[term_type[:n]],
            "location": np.asarray(LOCATIONS)[loc[:n]],
            "gender": np.asarray(GENDERS)[gender[:n]],
            "birth_year": birth_year[:n],
        }
    )
    emp["email"] = emp["full_name"].str.lower().str.replace(" ", ".", regex=False) + "." + ids + "@example.com"
    w = _Writer(out / "employees" / "employees", fmt)
    w.write(emp)
    w.close()
    written["employees"] = w.rows

    # job_history
    hist = pd.concat(history, ignore_index=True)
    hist = hist[hist["i"] < n].sort_values(["i", "day"], kind="stable")
    hist = hist.drop_duplicates(["i", "day"], keep="last")
    mgr_ids = np.where(hist["manager"].to_numpy() >= 0, ids[np.clip(hist["manager"].to_numpy(), 0, n - 1)], "")
    fam = _families(hist["dept"].to_numpy(), hist["family"].to_numpy())
    jh = pd.DataFrame(
        {
            "employee_id": ids[hist["i"].to_numpy()],
            "effective_date": _fmt_dates(hist["day"].to_numpy()),
            "job_level": hist["level"].to_numpy(),
            "department": np.asarray(DEPARTMENTS)[hist["dept"].to_numpy()],
            "job_family": fam,
            "manager_id": mgr_ids,
            "is_people_manager": hist["is_mgr"].to_numpy(),
            "base_salary": hist["salary"].to_numpy(),
            "performance_rating": hist["perf"].to_numpy(),
        }
    )
    # Monthly batches, as an HRIS delivers them: the first month's file also carries every earlier
    # record (the baseline history), each later file that month's changes.
    jh_month = np.maximum(hist["day"].to_numpy(), month_start[0]).astype("datetime64[D]").astype("datetime64[M]")
    written["job_history"] = _write_monthly(jh, jh_month, out / "job_history" / "job_history", fmt)
    history.clear()  # the closure above holds the list; clearing frees the frames
    del jh, hist

    # mentorship pairs and meetings
    pair_df = (
        pd.DataFrame(pairs)
        if pairs
        else pd.DataFrame(
            columns=[
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
        )
    )
    pair_df, meetings = _finish_pairs(pair_df, term_day, as_of, rng)
    pairs_out = pd.DataFrame(
        {
            "pair_id": pair_df["pair_id"],
            "program": pair_df["program"],
            "cohort": pair_df["cohort"],
            "mentor_id": ids[pair_df["mentor"].to_numpy(dtype=np.int64)],
            "mentee_id": ids[pair_df["mentee"].to_numpy(dtype=np.int64)],
            "start_date": _fmt_dates(pair_df["start"].to_numpy(dtype=np.int64)),
            "end_date": _fmt_dates(pair_df["end"].to_numpy(dtype=np.int64)),
            "status": pair_df["status"],
            "goals_set": pair_df["goals_set"],
            "goals_met": pair_df["goals_met"],
        }
    )
    w = _Writer(out / "mentorship_pairs" / "mentorship_pairs", fmt)
    w.write(pairs_out)
    w.close()
    written["mentorship_pairs"] = w.rows
    meeting_month = pd.to_datetime(meetings["meeting_date"]).to_numpy().astype("datetime64[M]")
    written["meetings"] = _write_monthly(meetings, meeting_month, out / "meetings" / "meetings", fmt)

    # survey item dictionary and responses (one file per wave, written as it is drawn)
    items = pd.DataFrame(SURVEY_ITEMS, columns=["item_id", "construct", "item_text"])
    items["scale_min"], items["scale_max"] = 1, 5
    w = _Writer(out / "survey_items" / "survey_items", fmt)
    w.write(items)
    w.close()
    written["survey_items"] = w.rows
    say("drawing survey waves")
    survey_truth_rows, n_resp = _surveys(
        cfg,
        rng,
        out,
        fmt,
        month_start,
        n,
        ids,
        hire_day,
        term_day,
        engage,
        ability,
        person_construct,
        mentee_day,
        mentee_weight(),
        mentor_day,
        say,
        cap=cap,
    )
    written["survey_responses"] = n_resp

    truth = _truth(
        cfg,
        n,
        ids,
        month_start,
        as_of,
        mentee_day,
        mentor_day,
        term_day,
        term_type,
        cf_term_day,
        cf_term_type,
        promos,
        cf_promos,
        salary_snap,
        survey_truth_rows,
        pair_df,
        gender[:n],
        mentee_dept=mentee_dept if dept_scale_on else None,
    )
    truth["rows_written"] = written
    tpath = Path(truth_path) if truth_path else out.parent / "truth" / "planted_truth.json"
    tpath.parent.mkdir(parents=True, exist_ok=True)
    tpath.write_text(json.dumps(truth, indent=2, default=float))
    say.step()
    say(
        f"done: {n:,} people, {written['job_history']:,} job rows, {written['meetings']:,} meetings, "
        f"{n_resp:,} survey rows"
    )
    say.close()
    return truth


def _families(dept_codes: np.ndarray, fam_codes: np.ndarray) -> np.ndarray:
    table = np.array([JOB_FAMILIES[d] for d in DEPARTMENTS])
    return table[dept_codes, fam_codes]


def _selection_index(sel: Selection, m0, eligible, level, hire_day, engage, perf, ability, dept, recorded=None):
    """The linear index of the chance of volunteering, for the eligible people (no intercept)."""
    lin = (
        sel.engagement * engage[eligible]
        + sel.performance * (perf[eligible] - 3)
        + sel.ability * ability[eligible]
        + np.asarray(sel.department)[dept[eligible]]
    )
    # The optional terms, each added only when on (a zero term would still leave lin as it was, but
    # this keeps the default arithmetic literally unchanged).
    for k, coef in enumerate((sel.recorded_engagement, sel.recorded_satisfaction)):
        if coef:
            score = recorded[eligible, k]
            have = ~np.isnan(score)
            fill = score[have].mean() if have.any() else SCORE_CENTRE  # no score yet: the eligible mean
            lin = lin + coef * (np.where(have, score, fill) - SCORE_CENTRE)
    if sel.rating_threshold:
        lin = lin + sel.rating_threshold * (perf[eligible] >= 4)
    if sel.tenure_hump:
        tenure_years = (m0 - hire_day[eligible]) / 365.25
        lin = lin + sel.tenure_hump * np.exp(-(((tenure_years - 3) / 1.5) ** 2))
    if sel.dept_level:
        depts = [DEPARTMENTS.index(d) for d in DEPT_LEVEL_DEPARTMENTS]
        lin = lin + sel.dept_level * (np.isin(dept[eligible], depts) & np.isin(level[eligible], DEPT_LEVEL_LEVELS))
    return lin


def _start_cohort(
    cfg,
    rng,
    m,
    m0,
    moy,
    n_people,
    active,
    level,
    hire_day,
    engage,
    perf,
    ability,
    dept,
    mentee_month,
    mentee_day,
    mentee_dose,
    mentor_month,
    mentor_day,
    pairs,
    recorded=None,
    mentee_scale=None,
    mentee_dept=None,
):
    sel, eff = cfg.selection, cfg.effects
    idx = np.arange(n_people)
    eligible = idx[
        active[:n_people]
        & (level[:n_people] <= 4)
        & (mentee_month[:n_people] < 0)
        & ((m0 - hire_day[:n_people]) >= 180)
    ]
    if len(eligible) == 0:
        return
    lin = _selection_index(sel, m0, eligible, level, hire_day, engage, perf, ability, dept, recorded)
    a = _calibrate_intercept(lin, sel.uptake, sel.link)
    mentees = eligible[rng.random(len(eligible)) < _inverse_link(sel.link)(a + lin)]
    mentor_pool = idx[active[:n_people] & (level[:n_people] >= 5)]
    if len(mentees) == 0 or len(mentor_pool) == 0:
        return
    # Each mentor takes up to two mentees a cohort; take mentors in a random order.
    slots = np.repeat(rng.permutation(mentor_pool), 2)[: len(mentees)]
    if len(slots) < len(mentees):
        mentees = mentees[: len(slots)]
    # A mentor cannot mentor themselves (impossible here: mentors are level >= 5, mentees <= 4).
    year = int(str(np.datetime64(int(m0), "D"))[:4])
    cohort = f"{year}-{'H1' if moy <= 6 else 'H2'}"
    k = len(mentees)
    start = m0 + rng.integers(0, 14, k)
    leadership = (level[mentees] >= 3) & (rng.random(k) < 0.35)
    program = np.where(leadership, "Leadership Accelerator", "Career Mentoring")
    planned = np.where(leadership, 182, 365)
    # More engaged mentees keep a more regular cadence; the band sets the dose.
    band_lin = 0.5 * engage[mentees] + rng.normal(0, 1, k)
    band = np.digitize(band_lin, [-0.7, 0.7])
    withdraw_p = np.asarray([0.35, 0.12, 0.05])[band]
    withdraws = rng.random(k) < withdraw_p
    withdraw_day = np.where(withdraws, start + 30 + (rng.random(k) * (planned - 30)).astype(np.int64), -1)
    goals = np.clip(rng.poisson(2.5, k) + 1, 1, 6)
    dose = np.asarray([eff.dose[b] for b in ENGAGEMENT_BANDS])[band]
    mentee_month[mentees] = m
    mentee_day[mentees] = start
    mentee_dose[mentees] = dose
    if mentee_dept is not None:
        mentee_dept[mentees] = dept[mentees]
    if mentee_scale is not None and eff.department_scale is not None:
        factors = np.asarray([float(eff.department_scale.get(d, 1.0)) for d in DEPARTMENTS])
        mentee_scale[mentees] = factors[dept[mentees]]
    first_start = pd.Series(start).groupby(slots).min()
    mi = first_start.index.to_numpy()
    first_time = mentor_day[mi] < 0
    mentor_day[mi[first_time]] = first_start.to_numpy()[first_time]
    mentor_month[mi[first_time]] = m
    base = len(pairs)
    for j in range(k):  # per pair record (pairs are few: ~ uptake x eligible per cohort)
        pairs.append(
            {
                "pair_id": f"P{base + j + 1:07d}",
                "program": program[j],
                "cohort": cohort,
                "mentor": int(slots[j]),
                "mentee": int(mentees[j]),
                "start": int(start[j]),
                "planned_end": int(start[j] + planned[j]),
                "withdraw": int(withdraw_day[j]),
                "band": int(band[j]),
                "goals_set": int(goals[j]),
            }
        )


def _finish_pairs(pairs: pd.DataFrame, term_day, as_of, rng):
    """Close each pair (completion, withdrawal, either person leaving) and draw its meetings."""
    if pairs.empty:
        pairs = pairs.assign(
            end=pd.Series(dtype="int64"), status=pd.Series(dtype=str), goals_met=pd.Series(dtype="int64")
        )
        return pairs, pd.DataFrame(
            columns=["meeting_id", "pair_id", "meeting_date", "duration_minutes", "format", "mentee_rating"]
        )
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

    # Meetings: a Poisson count per pair-month, with a cadence set by the band and slow drop-off.
    start = pairs["start"].to_numpy()
    last = np.minimum(end, as_of)
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
    meetings = pd.DataFrame(
        {
            "meeting_id": [f"M{i + 1:08d}" for i in range(k)],
            "pair_id": pairs["pair_id"].to_numpy()[mp],
            "meeting_date": _fmt_dates(day),
            "duration_minutes": rng.choice([30, 45, 60, 90], size=k, p=[0.35, 0.2, 0.4, 0.05]),
            "format": rng.choice(["video", "in_person", "phone"], size=k, p=[0.55, 0.35, 0.1]),
            "mentee_rating": pd.array(rating, dtype="Int64"),
        }
    )
    return pairs, meetings


class _StreamDraws:
    """A survey wave's random numbers from the generator's one stream, sized to whoever needs them, in
    the order the generator has always drawn them (the default: the files stay as they were)."""

    def __init__(self, rng):
        self.rng = rng

    def day_offset(self, n):
        return self.rng.integers(0, 10, n)

    def respond(self, n):
        return self.rng.random(n)

    def wave_noise(self, who):
        return self.rng.normal(0, 0.3, (len(who), len(CONSTRUCTS)))

    def item_noise(self, who):
        return self.rng.normal(0, 0.55, (len(who), len(SURVEY_ITEMS)))

    def answer(self, who):
        return self.rng.random((len(who), len(SURVEY_ITEMS)))


class _WaveDraws:
    """A survey wave's random numbers from its own generator, seeded by (seed, 202, month index), one
    row per person slot (``cap`` of them, fixed before the simulation): the same numbers whenever the
    wave is drawn, so selection on a recorded score (during the simulation) sees exactly the scores
    that ``_surveys`` writes at the end. Used only when a recorded-score knob is on."""

    def __init__(self, seed: int, m: int, cap: int):
        g = np.random.default_rng([seed, 202, m])
        self.offset = g.integers(0, 10, cap)
        self.u_respond = g.random(cap)
        self.noise = g.normal(0, 0.3, (cap, len(CONSTRUCTS)))
        self.items = g.normal(0, 0.55, (cap, len(SURVEY_ITEMS)))
        self.u_answer = g.random((cap, len(SURVEY_ITEMS)))

    def day_offset(self, n):
        return self.offset[:n]

    def respond(self, n):
        return self.u_respond[:n]

    def wave_noise(self, who):
        return self.noise[who]

    def item_noise(self, who):
        return self.items[who]

    def answer(self, who):
        return self.u_answer[who]


_ITEM_CONSTRUCT = np.asarray([CONSTRUCTS.index(c) for _, c, _ in SURVEY_ITEMS])


def _wave(
    m,
    month_start,
    n,
    hire_day,
    term_day,
    engage,
    ability,
    person_construct,
    mentee_weight,
    mentee_day,
    mentor_day,
    eff,
    draws,
):
    """One survey wave (month index ``m``) for people 0..n-1: (response day per person, respondents,
    item scores, their counterfactual, answered mask), or None if nobody responds."""
    trait = np.stack([0.7 * engage, 0.6 * engage, 0.5 * ability, 0.4 * ability + 0.3 * engage], axis=1)
    tau_mentee = np.asarray([eff.survey[c] for c in CONSTRUCTS])
    tau_mentor = np.asarray([eff.mentor_survey[c] for c in CONSTRUCTS])
    day = month_start[m] + 9 + draws.day_offset(n)
    employed = (hire_day[:n] >= 0) & (hire_day[:n] <= day) & ((term_day[:n] < 0) | (term_day[:n] > day))
    # Disengaged people answer less often: non-response is informative.
    respond = employed & (draws.respond(n) < _sigmoid(1.2 + 0.8 * engage[:n]))
    who = np.flatnonzero(respond)
    if len(who) == 0:
        return None
    wave_noise = draws.wave_noise(who)
    on_mentee = (mentee_day[who] >= 0) & (mentee_day[who] < day[who])
    on_mentor = (mentor_day[who] >= 0) & (mentor_day[who] < day[who])
    latent_cf = trait[who] + person_construct[who] + wave_noise
    shift = (on_mentee * mentee_weight[who])[:, None] * tau_mentee + on_mentor[:, None] * tau_mentor
    item_noise = draws.item_noise(who)
    base = SCORE_CENTRE + latent_cf[:, _ITEM_CONSTRUCT] + item_noise
    score_cf = np.clip(np.rint(base), 1, 5)
    score = np.clip(np.rint(base + shift[:, _ITEM_CONSTRUCT]), 1, 5)
    answered = draws.answer(who) > 0.03
    return day, who, score, score_cf, answered


def _construct_means(score, answered, k):
    """Each respondent's construct score (mean of the answered items of construct ``k``), and whether
    they answered any of them; the pipeline's ``survey_scores``."""
    cols = k == _ITEM_CONSTRUCT
    cnt = answered[:, cols].sum(1)
    ok = cnt > 0
    return np.where(answered[:, cols], score[:, cols], 0).sum(1) / np.maximum(cnt, 1), ok


def _surveys(
    cfg,
    rng,
    out,
    fmt,
    month_start,
    n,
    ids,
    hire_day,
    term_day,
    engage,
    ability,
    person_construct,
    mentee_day,
    mentee_weight,
    mentor_day,
    say,
    cap=None,
):
    """Every survey wave, written one file per wave. Drawn from the main stream by default; with a
    recorded-score selection knob on, each wave from its own generator (``_WaveDraws``), as the
    simulation drew it when selecting on it."""
    eff = cfg.effects
    per_wave = cfg.selection.on_recorded_scores
    items = pd.DataFrame(SURVEY_ITEMS, columns=["item_id", "construct", "item_text"])
    n_rows = 0
    id_array = pa.array(ids)
    item_array = pa.array(items["item_id"].to_numpy())
    truth_rows = []  # (person, wave_day, construct, actual mean, cf mean) for treated respondents
    start_month = np.datetime64(cfg.start[:7], "M")
    stream = _StreamDraws(rng)
    for m in range(len(month_start) - 1):
        moy = int(str(start_month + m)[5:7])
        if moy not in cfg.survey_months:
            continue
        wave = str(start_month + m)
        drawn = _wave(
            m,
            month_start,
            n,
            hire_day,
            term_day,
            engage,
            ability,
            person_construct,
            mentee_weight,
            mentee_day,
            mentor_day,
            eff,
            _WaveDraws(cfg.seed, m, cap) if per_wave else stream,
        )
        if drawn is None:
            continue
        day, who, score, score_cf, answered = drawn
        r, c = np.nonzero(answered)
        # Built as Arrow columns (take on shared string arrays): a wave at 1M employees is ~8M rows.
        df = pa.table(
            {
                "employee_id": id_array.take(who[r]),
                "survey_wave": pa.array([wave]).take(np.zeros(len(r), dtype=np.int64)),
                "response_date": pa.array(_dates(day[who[r]])),
                "item_id": item_array.take(c),
                "score": pa.array(score[r, c].astype(np.int64)),
            }
        )
        writer = _Writer(out / "survey_responses" / f"survey_responses_{wave}", fmt)
        writer.write(df)
        writer.close()
        n_rows += df.num_rows
        treated = np.flatnonzero((mentee_day[who] >= 0) | (mentor_day[who] >= 0))
        if len(treated):
            for k, cname in enumerate(CONSTRUCTS):
                act, ok = _construct_means(score[treated], answered[treated], k)
                cfv, _ = _construct_means(score_cf[treated], answered[treated], k)
                truth_rows.append(
                    pd.DataFrame(
                        {
                            "i": who[treated][ok],
                            "day": day[who[treated][ok]],
                            "construct": cname,
                            "actual": act[ok],
                            "cf": cfv[ok],
                        }
                    )
                )
        say(f"  survey wave {wave}: {df.num_rows:,} item responses")
    tr = (
        pd.concat(truth_rows, ignore_index=True)
        if truth_rows
        else pd.DataFrame(columns=["i", "day", "construct", "actual", "cf"])
    )
    return tr, n_rows


def _add_months(day: np.ndarray, months: int) -> np.ndarray:
    """Calendar month arithmetic on day numbers, clamped to month end (DuckDB's INTERVAL semantics)."""
    d = pd.to_datetime(_dates(day))
    return (d + pd.DateOffset(months=months)).to_numpy().astype("datetime64[D]").astype(np.int64)


def _truth(
    cfg,
    n,
    ids,
    month_start,
    as_of,
    mentee_day,
    mentor_day,
    term_day,
    term_type,
    cf_term_day,
    cf_term_type,
    promos,
    cf_promos,
    salary_snap,
    survey_rows,
    pairs,
    gender=None,
    mentee_dept=None,
):
    """Effects on the treated, measured exactly as the pipeline defines the outcomes."""

    def first_after(events, idx, index_day):
        p = np.concatenate([e[0] for e in events]) if events else np.array([], dtype=np.int64)
        d = np.concatenate([e[1] for e in events]) if events else np.array([], dtype=np.int64)
        df = pd.DataFrame({"i": p, "day": d})
        df = df[df["i"].isin(idx)]
        df = df.merge(pd.DataFrame({"i": idx, "index": index_day}), on="i")
        df = df[df["day"] > df["index"]]
        first = df.groupby("i")["day"].min()
        return first.reindex(idx).fillna(-1).astype(np.int64).to_numpy()

    def role_truth(index_day_all):
        idx = np.flatnonzero(index_day_all[:n] >= 0)
        index_day = index_day_all[idx]
        act_promo = first_after(promos, idx, index_day)
        cf_promo = first_after(cf_promos, idx, index_day)
        res = {"n_treated": len(idx), "horizons": {}}
        month_of = (_dates(index_day).astype("datetime64[M]") - np.datetime64(cfg.start[:7], "M")).astype(np.int64)
        for h in HORIZONS:
            end = _add_months(index_day, h)
            obs = end <= as_of
            # Employed on the index date (the cohort definition) is true by construction.
            pr_a = (act_promo > index_day) & (act_promo <= end)
            pr_c = (cf_promo > index_day) & (cf_promo <= end)
            # Gone on the horizon date means an exit within the horizon (termination_date < horizon).
            ve_a = (term_type[idx] == 1) & (term_day[idx] > index_day) & (term_day[idx] < end)
            ve_c = (cf_term_type[idx] == 1) & (cf_term_day[idx] > index_day) & (cf_term_day[idx] < end)
            # Salary growth among people still employed at the horizon (actual world). Both worlds
            # share the path up to the end of the index month (effects start after it), so the growth
            # difference is (actual - counterfactual) at the horizon over that salary.
            emp_h = (term_day[idx] < 0) | (term_day[idx] >= end)
            sg = []
            for m_idx in np.unique(month_of[obs & emp_h]):
                who = idx[obs & emp_h & (month_of == m_idx)]
                s0 = salary_snap[m_idx].reindex(who)
                s1 = salary_snap[min(m_idx + h - 1, max(salary_snap))].reindex(who)
                sg.append(((s1["actual"] - s1["cf"]) / s0["actual"]).to_numpy())
            sg = np.concatenate(sg) if sg else []
            k = int(obs.sum())
            res["horizons"][str(h)] = {
                "n_observed": k,
                "promotion": float(pr_a[obs].mean() - pr_c[obs].mean()) if k else None,
                "voluntary_exit": float(ve_a[obs].mean() - ve_c[obs].mean()) if k else None,
                "retention": float(ve_c[obs].mean() - ve_a[obs].mean()) if k else None,
                "salary_growth": float(np.mean(sg)) if len(sg) else None,
                "promotion_rate_counterfactual": float(pr_c[obs].mean()) if k else None,
                "retention_rate_counterfactual": float(1 - ve_c[obs].mean()) if k else None,
            }
        # Survey change: first wave after index minus last before; the pre wave is untreated in both
        # worlds, so the effect is the mean of (actual - counterfactual) at the first post wave.
        sv = survey_rows[survey_rows["i"].isin(idx)].merge(pd.DataFrame({"i": idx, "index": index_day}), on="i")
        post = sv[sv["day"] > sv["index"]].sort_values("day").groupby(["i", "construct"]).first()
        pre_ok = sv[sv["day"] < sv["index"]].groupby(["i", "construct"]).size()
        post = post[post.index.isin(pre_ok.index)]
        res["survey_change"] = {c: float((g["actual"] - g["cf"]).mean()) for c, g in post.groupby(level="construct")}
        # Among people with two answered waves before the index date: the people the pipeline's
        # headline survey design measures (the change from the wave before last).
        two = post[post.index.isin(pre_ok[pre_ok >= 2].index)]
        res["survey_change_two_waves"] = {
            c: float((g["actual"] - g["cf"]).mean()) for c, g in two.groupby(level="construct")
        }
        res["survey_n"] = {c: len(g) for c, g in post.groupby(level="construct")}
        return res

    truth = {
        "description": (
            "Effects on the treated (ATT): mean over treated people of the outcome in the "
            "simulated world minus the same person's outcome with the program switched off, "
            "from the same random draws. Horizons in months after the index date; promotion "
            "and voluntary_exit are differences in proportions, salary_growth a difference "
            "in growth fractions, survey_change a difference in item-score points."
        ),
        "as_of_date": str(np.datetime64(int(as_of), "D")),
        "config": cfg.to_dict(),
        "planted": {
            "voluntary_exit_hazard_ratio": cfg.effects.voluntary_exit_hr,
            "promotion_hazard_ratio_at_dose_1": cfg.effects.promotion_hr,
            "mentor_promotion_hazard_ratio": cfg.effects.mentor_promotion_hr,
        },
        "mentees": role_truth(mentee_day),
        "mentors": role_truth(mentor_day),
        # The counterfactual switches the whole program off, so a mentor who was a mentee first carries
        # their own mentee effects (raises, survey shifts) in "mentors" too, which no comparison of
        # mentors with non-mentors measures. The mentors who were never mentees are the clean truth.
        "mentors_never_mentees": role_truth(np.where(mentee_day >= 0, -1, mentor_day)),
    }
    if gender is not None:
        # The same effects within each gender (a segment the pipeline reports): what a segment's
        # estimate and interval are checked against in the interval study.
        for role, day in (("mentees", mentee_day), ("mentors", mentor_day)):
            truth[role]["by_gender"] = {
                g: role_truth(np.where(np.r_[gender == k, np.zeros(len(day) - n, bool)], day, -1))
                for k, g in enumerate(GENDERS)
                if ((gender == k) & (day[:n] >= 0)).any()
            }
    if mentee_dept is not None:
        # Effects that differ by department (PlantedEffects.department_scale): the same effects within
        # each department, by the mentee's department when selected (the pipeline's at index).
        truth["mentees"]["by_department"] = {
            d: role_truth(np.where(mentee_dept == k, mentee_day, -1))
            for k, d in enumerate(DEPARTMENTS)
            if (mentee_dept[:n] == k).any()
        }
    return truth


def main(argv=None):
    p = argparse.ArgumentParser(description="Generate a synthetic organisation with planted mentoring effects.")
    p.add_argument("--out", default="data/landing", help="landing folder to write <source>/ files into")
    p.add_argument("--truth", default=None, help="truth JSON path (default: <out>/../truth/planted_truth.json)")
    p.add_argument("--employees", type=int, default=5000, help="starting headcount")
    p.add_argument("--years", type=int, default=4)
    p.add_argument("--start", default="2022-01-01")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--format", choices=["csv", "parquet"], default="csv")
    p.add_argument("--no-effects", action="store_true", help="plant no program effect (selection only)")
    a = p.parse_args(argv)
    cfg = SyntheticConfig(
        n_employees=a.employees,
        years=a.years,
        start=a.start,
        seed=a.seed,
        file_format=a.format,
        effects=PlantedEffects.none() if a.no_effects else PlantedEffects(),
    )
    truth = generate(a.out, cfg, a.truth, progress=True)
    h12 = truth["mentees"]["horizons"]["12"]
    print(
        f"wrote {a.out}: {truth['rows_written']}; true 12-month effect on mentees: "
        f"promotion {h12['promotion']:+.3f}, retention {h12['retention']:+.3f}"
    )


if __name__ == "__main__":
    main()
