"""The generator's configuration: the organisation's size and calendar (``SyntheticConfig``), who
volunteers for mentoring (``Selection``) and the program's true effects (``PlantedEffects``), with the
optional knobs that make other worlds for the validation study."""

from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import ClassVar

from mentorship.synthetic.constants import CONSTRUCTS, DEPARTMENT_SELECTION, DEPARTMENTS, LINKS, PROMOTION_DAYS


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
    """The organisation to generate: its size, calendar, seed, file format, who volunteers and the
    program's true effects."""

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
