"""The estimates to make, as tasks: every outcome at every horizon for a role, overall and by segment and
dose band, each naming its frame, outcome columns, censoring and weights; how a task's frame is cut
to its segment when it is dispatched; and how a role's intervals are computed."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from mentorship.effect_tables.censoring import CensoringModel, with_censoring_weight
from mentorship.effect_tables.outcomes import (
    BY_HORIZON,
    CAREER,
    DOSE_BANDS,
    PROGRAM,
    SEGMENTED_BY_HORIZON,
    SEGMENTED_SURVEY,
    SEGMENTS,
    SURVEY_DESIGNS,
    SURVIVAL,
)
from mentorship.effect_tables.settings import EffectSettings


@dataclass
class _Task:
    role: str
    outcome: str
    label: str
    kind: str
    horizon: int | None
    segment_type: str
    segment: str
    frame: pd.DataFrame
    outcome_col: str | None = None
    duration: str | None = None
    event: str | None = None
    horizon_time: float | None = None
    censoring: CensoringModel | None = None
    sign: int = 1  # -1 reports "no event" (retained) rather than the event (exit)
    uncertainty: str = "bootstrap"
    weights: str | None = None  # a column of analysis weights (sampling times censoring), if any
    adjust_scores: bool = True  # weight and model on the last survey scores before the index date
    exclude: tuple = ()  # covariates left out (a placebo outcome's own history: mentorship.falsification)
    # A segment's or dose band's rows of ``frame``: (column, value, dose). Cut only when the estimate
    # is dispatched (``_cut``), so that the hundred-odd segment copies of a role's frames never sit in
    # memory together; dose keeps the whole comparison group beside the band's mentored people.
    subset: tuple | None = None


def _cut(tasks: list[_Task]) -> list[_Task]:
    """Tasks on one (frame, subset), each given the same cut of the frame, so that their estimates
    share its design matrix and propensity fit (``shared_fits``)."""
    spec = tasks[0].subset
    if spec is None:
        return tasks
    column, value, dose = spec
    f = tasks[0].frame
    part = f[(f.treated == 0) | (f[column] == value)] if dose else f[f[column] == value]
    return [replace(t, frame=part, subset=None) for t in tasks]


def group_by_frame(tasks: list[_Task]) -> dict[tuple, list[int]]:
    """The positions of the tasks on each (frame, subset), in order of first appearance."""
    groups: dict[tuple, list[int]] = {}
    for i, t in enumerate(tasks):
        groups.setdefault((id(t.frame), t.subset), []).append(i)
    return groups


def _cut_all(tasks: list[_Task]) -> list[_Task]:
    """``_cut`` over tasks on any mix of (frame, subset), in their order."""
    out: list = [None] * len(tasks)
    for idx in group_by_frame(tasks).values():
        for i, t in zip(idx, _cut([tasks[i] for i in idx])):
            out[i] = t
    return out


def _uncertainty(frames: dict[str, pd.DataFrame], s: EffectSettings) -> str:
    """How every estimate for a role gets its interval: ``s.ci_method``, except that the bootstrap gives
    way to the influence function in an organisation with more than ``s.bootstrap_max_people`` people
    in the role's frame. Decided per organisation rather than per estimate, because a large
    organisation's segments are themselves thousands of people whose bootstrap would cost as much as
    the rest of the run together."""
    if s.ci_method == "influence":
        return "influence"
    people = frames["survival"].employee_id.nunique()
    return "influence" if people > s.bootstrap_max_people else "bootstrap"


def _horizon_tasks(frames: dict[str, pd.DataFrame], role: str, h: int) -> list[_Task]:
    """Promotion and retention by horizon ``h`` (from the survival frame), and the career outcomes at it."""
    survival, censoring = frames["survival"], frames["censoring"]
    tasks = [
        _Task(
            role,
            name,
            label,
            "time_to_event",
            h,
            "overall",
            "all",
            survival,
            duration=d,
            event=e,
            horizon_time=h,
            censoring=censoring,
            sign=sign,
        )
        for name, (label, d, e, sign) in BY_HORIZON.items()
    ]
    career = frames["career"]
    part = with_censoring_weight(career[career.horizon_months == h], survival, censoring, h)
    for name, (label, kind) in CAREER.items():
        tasks.append(
            _Task(role, name, label, kind, h, "overall", "all", part, outcome_col=name, weights="analysis_weight")
        )
    return tasks


def _survey_tasks(survey: pd.DataFrame, role: str) -> list[_Task]:
    """Every survey construct's change, in each of the three designs (``SURVEY_DESIGNS``)."""
    tasks = []
    for construct in sorted(survey.construct.unique()):
        rows = survey[survey.construct == construct]
        for suffix, (label, column, adjust) in SURVEY_DESIGNS.items():
            tasks.append(
                _Task(
                    role,
                    f"{construct}{suffix}",
                    f"{construct.capitalize()} {label}",
                    "continuous",
                    None,
                    "overall",
                    "all",
                    rows,
                    outcome_col=column,
                    adjust_scores=adjust,
                )
            )
    return tasks


def _survival_tasks(frames: dict[str, pd.DataFrame], role: str) -> list[_Task]:
    """The time-to-event outcomes without a horizon: hazard ratios and curves."""
    return [
        _Task(
            role,
            name,
            label,
            "time_to_event",
            None,
            "overall",
            "all",
            frames["survival"],
            duration=d,
            event=e,
            censoring=frames["censoring"],
        )
        for name, (label, d, e) in SURVIVAL.items()
    ]


def _segment_tasks(overall: list[_Task], role: str, constructs: set) -> list[_Task]:
    """The segmented outcomes' estimates by every segment, and for mentees by program and dose band."""
    tasks = []
    for base in overall:
        segmented = (base.outcome in SEGMENTED_BY_HORIZON and base.horizon is not None) or (
            base.outcome.endswith(SEGMENTED_SURVEY) and base.outcome.removesuffix(SEGMENTED_SURVEY) in constructs
        )
        if not segmented:
            continue
        cuts = [(seg, value, False) for seg in SEGMENTS for value in sorted(base.frame[seg].dropna().unique())]
        if role == "mentee":  # dose: each band of mentees against the whole comparison group
            cuts += [
                (dim, band, True)
                for dim in [PROGRAM, *DOSE_BANDS]
                if dim in base.frame
                for band in sorted(base.frame[dim].dropna().unique())
            ]
        tasks += [
            replace(base, segment_type=column, segment=str(value), subset=(column, value, dose))
            for column, value, dose in cuts
        ]
    return tasks


def _tasks(frames: dict[str, pd.DataFrame], role: str, horizons, uncertainty: str = "bootstrap") -> list[_Task]:
    """Every estimate for ``role``: the overall ones, then their segments, all with ``uncertainty``."""
    tasks = [t for h in horizons for t in _horizon_tasks(frames, role, h)]
    tasks += _survey_tasks(frames["survey"], role) + _survival_tasks(frames, role)
    tasks += _segment_tasks(tasks, role, set(frames["survey"].construct.unique()))
    for t in tasks:
        t.uncertainty = uncertainty
    return tasks
