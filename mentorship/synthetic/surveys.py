"""The quarterly pulse surveys: who responds to each wave and their item scores in both worlds, the
wave's random numbers (from the main stream, or from the wave's own generator when selection reads
recorded scores), the files, one per wave, and the treated respondents' construct scores for the truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from mentorship.synthetic.constants import CONSTRUCTS, SCORE_CENTRE, SURVEY_ITEMS
from mentorship.synthetic.files import _dates, _write_file
from mentorship.synthetic.selection import _sigmoid
from mentorship.synthetic.state import Sim

_ITEM_CONSTRUCT = np.asarray([CONSTRUCTS.index(c) for _, c, _ in SURVEY_ITEMS])


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


def _wave(sim: Sim, m: int, n: int, mentee_weight: np.ndarray, draws):
    """One survey wave (month index ``m``) for people 0..n-1: (response day per person, respondents,
    item scores, their counterfactual, answered mask), or None if nobody responds."""
    p, prog, eff = sim.people, sim.program, sim.cfg.effects
    hire_day, term_day, engage, ability = p.hire_day, sim.actual.term_day, p.engage, p.ability
    mentee_day, mentor_day = prog.mentee_day, prog.mentor_day
    trait = np.stack([0.7 * engage, 0.6 * engage, 0.5 * ability, 0.4 * ability + 0.3 * engage], axis=1)
    tau_mentee = np.asarray([eff.survey[c] for c in CONSTRUCTS])
    tau_mentor = np.asarray([eff.mentor_survey[c] for c in CONSTRUCTS])
    day = sim.cal.month_start[m] + 9 + draws.day_offset(n)
    employed = (hire_day[:n] >= 0) & (hire_day[:n] <= day) & ((term_day[:n] < 0) | (term_day[:n] > day))
    # Disengaged people answer less often: non-response is informative.
    respond = employed & (draws.respond(n) < _sigmoid(1.2 + 0.8 * engage[:n]))
    who = np.flatnonzero(respond)
    if len(who) == 0:
        return None
    wave_noise = draws.wave_noise(who)
    on_mentee = (mentee_day[who] >= 0) & (mentee_day[who] < day[who])
    on_mentor = (mentor_day[who] >= 0) & (mentor_day[who] < day[who])
    latent_cf = trait[who] + p.person_construct[who] + wave_noise
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


def _record_scores(sim: Sim, m: int, mentee_weight: np.ndarray) -> None:
    """This month's wave, as ``_surveys`` will write it, into each respondent's last recorded
    engagement and satisfaction scores (``Program.recorded``)."""
    wave = _wave(sim, m, sim.people.n, mentee_weight, _WaveDraws(sim.cfg.seed, m, sim.cal.cap))
    if wave is not None:
        _, who, score, _, answered = wave
        for k, construct in enumerate(("engagement", "satisfaction")):
            mean, ok = _construct_means(score, answered, CONSTRUCTS.index(construct))
            sim.program.recorded[who[ok], k] = mean[ok]


def _surveys(sim: Sim, out: Path, ids: np.ndarray, say):
    """Every survey wave, written one file per wave. Drawn from the main stream by default; with a
    recorded-score selection knob on, each wave from its own generator (``_WaveDraws``), as the
    simulation drew it when selecting on it. Returns the treated respondents' construct scores (both
    worlds) and the rows written."""
    cfg, n, start_month = sim.cfg, sim.people.n, sim.cal.start_month
    per_wave = cfg.selection.on_recorded_scores
    mentee_weight = sim.program.mentee_weight()
    arrays = (pa.array(ids), pa.array([item_id for item_id, _, _ in SURVEY_ITEMS]))
    n_rows = 0
    truth_rows = []  # (person, wave_day, construct, actual mean, cf mean) for treated respondents
    stream = _StreamDraws(sim.rng)
    for m in range(len(sim.cal.month_start) - 1):
        moy = int(str(start_month + m)[5:7])
        if moy not in cfg.survey_months:
            continue
        wave = str(start_month + m)
        drawn = _wave(sim, m, n, mentee_weight, _WaveDraws(cfg.seed, m, sim.cal.cap) if per_wave else stream)
        if drawn is None:
            continue
        rows = _write_wave(drawn, wave, arrays, out, cfg.file_format)
        n_rows += rows
        truth_rows += _wave_truth(sim, drawn)
        say(f"  survey wave {wave}: {rows:,} item responses")
    tr = (
        pd.concat(truth_rows, ignore_index=True)
        if truth_rows
        else pd.DataFrame(columns=["i", "day", "construct", "actual", "cf"])
    )
    return tr, n_rows


def _write_wave(drawn, wave: str, arrays: tuple[pa.Array, pa.Array], out: Path, fmt: str) -> int:
    """One wave's item responses as one file; returns rows written. ``arrays``: employee and item ids."""
    day, who, score, _, answered = drawn
    id_array, item_array = arrays
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
    return _write_file(df, out / "survey_responses" / f"survey_responses_{wave}", fmt)


def _wave_truth(sim: Sim, drawn) -> list[pd.DataFrame]:
    """The treated respondents' construct scores in this wave, in both worlds."""
    day, who, score, score_cf, answered = drawn
    prog = sim.program
    treated = np.flatnonzero((prog.mentee_day[who] >= 0) | (prog.mentor_day[who] >= 0))
    rows = []
    if len(treated):
        for k, cname in enumerate(CONSTRUCTS):
            act, ok = _construct_means(score[treated], answered[treated], k)
            cfv, _ = _construct_means(score_cf[treated], answered[treated], k)
            rows.append(
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
    return rows
