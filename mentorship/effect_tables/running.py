"""Running the estimates: ``compute_effects`` loads each role's frames, makes its tasks, runs the
falsification checks and the estimates in worker processes, and types the tables;
``overall_effect`` and ``segment_effects`` compute single estimates exactly as the tables do."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pandas as pd

from mentorship.effect_tables.estimate import _run, _run_group
from mentorship.effect_tables.frames import analytic_frames
from mentorship.effect_tables.schemas import BALANCE_COLUMNS, CURVE_COLUMNS, ESTIMATE_COLUMNS, _typed
from mentorship.effect_tables.settings import EffectSettings
from mentorship.effect_tables.tasks import _cut, _cut_all, _Task, _tasks, _uncertainty, group_by_frame
from mentorship.effects import shared_fits

#: ``compute_effects``'s default settings (a frozen dataclass, so one instance serves every call).
_DEFAULT_SETTINGS = EffectSettings()


def _role_tasks(source, role: str, settings: EffectSettings, progress) -> tuple[list[_Task], list]:
    """``role``'s tasks and falsification checks. The connection is open only while the frames load."""
    from mentorship import falsification

    with source() if callable(source) else contextlib.nullcontext(source) as con:
        frames = analytic_frames(con, role, settings.comparison_max, settings.seed)
    weights = frames["survival"].sampling_weight
    fraction = 1 / weights.max() if len(weights) else 1.0
    if progress and fraction < 1:
        progress(
            f"{role}s: the comparison group is a random {fraction:.1%} sample of its members "
            f"(about {settings.comparison_max:,}), weighted up"
        )
    if not settings.refit_censoring:
        # The fixed weights, once per role: the model itself (its design matrix has a row per person
        # and later cohort) would otherwise be copied to a worker with every time-to-event task.
        frames["censoring"] = frames["censoring"]()
    tasks = _tasks(frames, role, settings.horizons, _uncertainty(frames, settings))
    if progress:
        progress(f"falsification tests for {role}s: a placebo outcome and a placebo treatment")
    checks = falsification.placebo_outcome(frames, role, settings)
    checks += falsification.placebo_treatment(frames, role, settings)
    return tasks, checks


def _announce(progress, role: str, tasks: list[_Task], settings: EffectSettings) -> None:
    method = tasks[0].uncertainty if tasks else "influence"
    progress(
        f"estimating {len(tasks)} {role} effects, 95% intervals from "
        + (
            f"the influence function ({settings.n_bootstrap} bootstrap replicates where fewer than "
            f"{settings.bootstrap_below} mentored people)"
            if method == "influence"
            else f"{settings.n_bootstrap} bootstrap replicates each"
        )
    )


def _run_tasks(tasks: list[_Task], role: str, settings: EffectSettings, log) -> list[tuple]:
    """Every task's (row, balance, curve), in the tasks' order, from worker processes."""
    from joblib import Parallel, delayed

    from mentorship.progress import Progress

    # Tasks on the same frame object go to one worker together: the frame is copied to it once, and
    # the estimates share its design matrix and propensity fit.
    groups = group_by_frame(tasks)
    # Largest first, so that no worker is left with a big frame while the other sits idle at the end.
    # The overall estimates come first, then the segments. A segment's cut of its frame is made as
    # its group is dispatched (joblib draws from the generator a few groups ahead of the workers),
    # so only those few cuts exist at a time, and a worker is sent the cut, not the whole frame.
    rows = {k: len(tasks[v[0]].frame) * len(v) for k, v in groups.items()}
    groups = dict(sorted(groups.items(), key=lambda kv: (kv[0][1] is not None, -rows[kv[0]])))
    out = [None] * len(tasks)
    with Progress(f"{role} effects", total=len(tasks), unit="estimates", log=log) as bar:
        # In order of dispatch, so each group's estimates count as soon as that group is done.
        done = Parallel(n_jobs=settings.n_jobs, batch_size=1, return_as="generator")(
            delayed(_run_group)(_cut([tasks[i] for i in group]), settings) for group in groups.values()
        )
        for group, part in zip(groups.values(), done):
            for i, r in zip(group, part):
                out[i] = r
            bar.advance(len(group))
    return out


def compute_effects(
    source, settings: EffectSettings = _DEFAULT_SETTINGS, progress: Callable[[str], None] | None = None, log=None
) -> dict[str, pd.DataFrame]:
    """Effects, balance tables and survival curves for mentees and mentors.

    ``source`` is a DuckDB connection, or a callable that opens one as a context manager (such as
    ``DuckDBResource.get_connection``). Given the callable, the connection is open only while a role's
    frames load and is closed while the estimates run: closing it releases DuckDB's cache of the
    warehouse (up to its memory ceiling), which at a million employees was the largest part of the
    step's memory. One role at a time: its frames are loaded, estimated and released before the next
    role's, so the step's memory is that of the larger role, not of both.

    ``progress`` receives one line per role on what is estimated and how; ``log`` (a logger such as
    Dagster's ``context.log``) receives the estimates done of the total, with the time taken and left
    (``mentorship.progress``)."""
    from mentorship import falsification

    results, checks = [], []
    for role in ("mentee", "mentor"):
        tasks, role_checks = _role_tasks(source, role, settings, progress)
        checks += role_checks
        if progress:
            _announce(progress, role, tasks, settings)
        results += _run_tasks(tasks, role, settings, log)
        del tasks
    rows = [r for r, _, _ in results]
    balances = [b for _, b, _ in results if b is not None]
    curves = [k for _, _, k in results if k is not None]
    balance = _typed(balances, BALANCE_COLUMNS)
    return {
        "effect_estimates": _typed([pd.DataFrame(rows).assign(counts_hidden=False)], ESTIMATE_COLUMNS),
        "effect_balance": balance,
        "survival_curves": _typed(curves, CURVE_COLUMNS),
        "falsification_checks": falsification.judge(checks + falsification.balance_rows(balance)),
    }


def _matching_tasks(frames, role: str, outcome: str, horizon: int | None, settings: EffectSettings, segment_type: str):
    """The tasks of one outcome at one horizon and one breakdown (``overall`` for the overall estimate)."""
    horizons = (horizon,) if horizon is not None else ()
    return [
        t
        for t in _tasks(frames, role, horizons, _uncertainty(frames, settings))
        if t.outcome == outcome and t.horizon == horizon and t.segment_type == segment_type
    ]


def overall_effect(
    frames: dict[str, pd.DataFrame], role: str, outcome: str, horizon: int | None, settings: EffectSettings
) -> dict:
    """One overall estimate (no segment), computed exactly as the effect tables compute it.

    ``frames`` come from ``analytic_frames``; ``horizon`` is in months, or None for the survey
    changes and the time-to-event outcomes without a horizon. Returns the effect-table row as a dict.
    """
    tasks = _matching_tasks(frames, role, outcome, horizon, settings, "overall")
    if not tasks:
        raise KeyError(f"no {role} outcome {outcome!r} at horizon {horizon}")
    return _run(tasks[0], settings)[0]


def segment_effects(
    frames: dict[str, pd.DataFrame],
    role: str,
    outcome: str,
    horizon: int | None,
    settings: EffectSettings,
    segment_type: str,
) -> list[dict]:
    """Every segment of one breakdown (a ``SEGMENTS`` column, or a ``DOSE_BANDS`` column for mentees)
    of a headline outcome, computed exactly as the effect tables compute it, before suppression."""
    tasks = _matching_tasks(frames, role, outcome, horizon, settings, segment_type)
    if not tasks:
        raise KeyError(f"no {role} {segment_type} segments of {outcome!r} at horizon {horizon}")
    with shared_fits():
        return [_run(t, settings)[0] for t in _cut_all(tasks)]
