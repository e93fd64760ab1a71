"""Careers, month by month, in both worlds: the April review and merit raise, promotions, lateral
moves (department changes and moves into management) and exits. One uniform per person drives each
event in both worlds, so the counterfactual differs only by the program's effects."""

from __future__ import annotations

import numpy as np

from mentorship.synthetic.constants import DEPARTMENTS, N_LEVELS
from mentorship.synthetic.state import Month, Sim, World


def _annual_review(sim: Sim, mo: Month) -> None:
    """Annual review every April: new rating, merit raise (the same draws for both worlds), dated
    April 1st."""
    p, rng, alive = sim.people, sim.rng, mo.alive
    n_alive = len(alive)
    p.perf[alive] = np.clip(np.rint(3 + 0.8 * p.ability[alive] + rng.normal(0, 0.7, n_alive)), 1, 5)
    base_raise = 0.03 + 0.01 * (p.perf[alive] - 3) + rng.normal(0, 0.005, n_alive)
    bonus = sim.cfg.effects.salary_raise_pp / 100 * mo.dose_now[alive] * mo.treated_mentee[alive]
    sim.actual.salary[alive] *= 1 + base_raise + bonus
    sim.cf.salary[alive] *= 1 + base_raise
    mo.changed[alive] = True
    mo.event_day[alive] = mo.m0


def _promotion_prob(sim: Sim, mo: Month, world: World, mentee_on, mentor_on) -> np.ndarray:
    """This month's chance of promotion in ``world``, with the program's effects where switched on."""
    p, eff = sim.people, sim.cfg.effects
    lv = world.level
    h = 0.014 * np.exp(0.45 * p.ability + 0.25 * p.engage + 0.3 * (p.perf - 3) - 0.12 * (lv - 1))
    h = h * np.where(mentee_on, eff.promotion_hr**mo.dose_now, 1.0)
    h = h * np.where(mentor_on, eff.mentor_promotion_hr, 1.0)
    h = np.where((lv >= N_LEVELS) | (mo.m - world.last_promo < 9) | (mo.tenure_m < 6), 0.0, h)
    return 1 - np.exp(-h)


def _promote(world: World, up_idx: np.ndarray, promo_day: np.ndarray, promo_raise: np.ndarray, m: int) -> None:
    world.level[up_idx] += 1
    world.salary[up_idx] *= promo_raise[up_idx]
    world.last_promo[up_idx] = m
    world.promos.append((up_idx, promo_day[up_idx]))


def _promotions(sim: Sim, mo: Month) -> np.ndarray:
    """Promotions (one uniform per person drives both worlds); returns who was promoted in the
    simulated world (a mask over person slots)."""
    cap, rng = sim.cal.cap, sim.rng
    u_p = rng.random(cap)
    p_act = _promotion_prob(sim, mo, sim.actual, mo.treated_mentee, mo.treated_mentor)
    p_cf = _promotion_prob(sim, mo, sim.cf, False, False)
    up = np.zeros(cap, dtype=bool)
    up[mo.alive] = u_p[mo.alive] < p_act[mo.alive]
    cf_up = np.zeros(cap, dtype=bool)
    cf_up[mo.cf_alive] = u_p[mo.cf_alive] < p_cf[mo.cf_alive]
    up_idx, cf_up_idx = np.flatnonzero(up), np.flatnonzero(cf_up)
    promo_day = np.maximum(mo.rand_days(rng, cap), mo.starting)
    if sim.cfg.promotion_day == "first":
        # On the 1st, even for someone whose pair starts later this month: a promotion in the
        # pair's start month is untreated in both worlds, and the pipeline then counts it as
        # before the index date, as the truth does (it counts promotions after the index date).
        promo_day = np.full(cap, mo.m0, dtype=np.int64)
    promo_raise = 1.08 + 0.04 * rng.random(cap)
    _promote(sim.actual, up_idx, promo_day, promo_raise, mo.m)
    _promote(sim.cf, cf_up_idx, promo_day, promo_raise, mo.m)
    mo.changed[up_idx] = True
    mo.event_day[up_idx] = promo_day[up_idx]
    return up


def _lateral_moves(sim: Sim, mo: Month) -> np.ndarray:
    """Lateral moves: department changes and moves into people management; returns who moved."""
    p, rng, alive = sim.people, sim.rng, mo.alive
    moves = alive[rng.random(len(alive)) < 0.004]
    p.dept[moves] = rng.integers(0, len(DEPARTMENTS), len(moves))
    mo.changed[moves] = True
    mgr_cand = alive[(~p.is_mgr[alive]) & (sim.actual.level[alive] >= 3)]
    to_mgr = mgr_cand[rng.random(len(mgr_cand)) < 0.006 * np.exp(0.4 * p.ability[mgr_cand])]
    p.is_mgr[to_mgr] = True
    mo.changed[to_mgr] = True
    lateral = np.concatenate([moves, to_mgr])
    lateral_day = np.maximum(mo.rand_days(rng, len(lateral)), mo.starting[lateral])
    if sim.cfg.promotion_day == "first":
        lateral_day = np.full(len(lateral), mo.m0, dtype=np.int64)
    mo.event_day[lateral] = np.where(mo.event_day[lateral] >= 0, mo.event_day[lateral], lateral_day)
    return lateral


def _voluntary_exit_prob(sim: Sim, mo: Month, mentee_on) -> np.ndarray:
    """This month's chance of leaving voluntarily, with the program's effect where switched on."""
    p, eff, prog = sim.people, sim.cfg.effects, sim.program
    exit_hr = eff.voluntary_exit_hr**prog.mentee_scale if prog.dept_scale_on else eff.voluntary_exit_hr
    h = 0.0105 * np.exp(-0.45 * p.engage - 0.15 * (p.perf - 3) + 0.25 * (mo.tenure_m < 12))
    return 1 - np.exp(-h * np.where(mentee_on, exit_hr, 1.0))


def _exits(sim: Sim, mo: Month) -> None:
    """Exits: voluntary and involuntary, one uniform each shared by both worlds."""
    p, rng, cap = sim.people, sim.rng, sim.cal.cap
    u_v, u_i = rng.random(cap), rng.random(cap)
    exit_day = np.maximum(mo.rand_days(rng, cap), mo.starting)

    inv_p = 1 - np.exp(-0.0025 * np.exp(-0.5 * p.ability - 0.3 * (p.perf - 3)))
    vol_act, vol_cf = _voluntary_exit_prob(sim, mo, mo.treated_mentee), _voluntary_exit_prob(sim, mo, False)
    for world, p_vol in ((sim.actual, vol_act), (sim.cf, vol_cf)):
        idx = np.flatnonzero(world.active[: p.n])
        vol = idx[u_v[idx] < p_vol[idx]]
        inv = idx[(u_i[idx] < inv_p[idx]) & ~(u_v[idx] < p_vol[idx])]
        for grp, code in ((vol, 1), (inv, 2)):
            # An exit in the same month as another event happens on or after it.
            world.term_day[grp] = np.maximum(exit_day[grp], mo.event_day[grp])
            world.term_type[grp] = code
            world.active[grp] = False
