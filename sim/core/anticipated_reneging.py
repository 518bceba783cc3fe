"""The table anticipates reneging: parties weigh whether a deal will be kept (Walter 1997).

Walter (1997) argues that settlements fail less because the parties cannot agree than because
they refuse to sign deals they expect to be broken; a third-party guarantee, by raising the price
of reneging, makes them sign.  With ``implementation.anticipated`` on, the table weighs, besides
the domestic ratifiers (:mod:`sim.core.ratification`), the probability that each actor j keeps
package x through the implementation phase (:mod:`sim.core.implementation`):

    S_j(x) = sigma(M_j(x) / s_j),   M_j(x) = U_j(x) + c_j(x) - Vhat_j(x),   c_j(x) = c_j + C_j . x,

Vhat_j(x) = U_j(bhat(x)) - what_j j's no-deal value at the end of the phase on the expected path:
bhat(x) = a + B x with a = clip(b_0 + T d, 0, 1) (b_0 the status quo at the start of the talks, d
the phase's drift, T its periods) and B = T D (``term_drift``: relief kept, a rearmament limit's
pull on the line), what_j = max(0, w_j + T g_j) (``term_war_cost`` is left out: where a cost
reaches its floor of 0 it no longer depends on the terms, which is Moscow's case in the baseline).
The end of the expected path is where the temptation peaks when the drifts run one way.  s_j is
the logistic scale (sd sqrt(3) / pi) of the shocks' effect on Vhat_j, linearised at a:
sd_j = sqrt(T) sqrt(sum_k (2 s_jk |a_k - p_jk| sigma_k)^2) (0: a step).

With quadratic utilities M_j is a quadratic in x: -x'Q x + L . x + const with Q = S - B'SB
(S = diag(s_j)) and L = 2 S p + 2 B'S(a - p) + C_j.  Dropping Q's off-diagonal terms (a term
moving another issue's balance: at most 0.0014 in the baseline, against weights of 0.1-0.3) it
is a ratifier's utility 1 - sum_k q_k (x_k - p'_k)^2 with p' = L / (2 q) (q floored at
``MIN_WEIGHT``), and S_j is an *anticipated-only* body with weights q, ideal p' and threshold
1 - sum_k q_k p'_k^2 + sum_k s_k p_k^2 - sum_k s_k (a_k - p_k)^2 - c_j - what_j (without term
drifts: p' = p + C / (2 s), threshold Vhat_j - c_j - sum_k s_k (p'_k^2 - p_k^2)).  An actor
with an explicit no-deal value r_j has Vhat_j = r_j.  These bodies join the ratifiers the table
anticipates (P(x) is then the product over both), never the verdicts: actual reneging stays
what the implementation phase simulates.  A deal that collapses is worth about the no-deal
value, the fallback w_i that EV_i already uses when a rejection ends the talks.  The bodies'
weights and ideals are the scenario's (shared by all worlds); their thresholds are per
world in the war costs and reneging costs, which a sweep may vary (a sampled status quo, ideal
or salience is not followed).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from sim.arrays import BoolArray, FloatArray
from sim.core.ratification import Ratifiers
from sim.scenario.schema import Scenario

PREFIX = "keeps:"
"""The name of actor j's anticipated-only body is PREFIX + j."""

MIN_WEIGHT = 1e-4
"""The least weight q_k of an anticipated-only body on an issue where its margin is linear."""


@dataclass(frozen=True)
class Keeping:
    """Every actor's keeping margin as a ratifier's shape: weights q and ideals p' (A, K), the
    scenario's thresholds (A,) and spreads (A,), and what the thresholds were built from."""

    weight: FloatArray
    ideal: FloatArray
    threshold: FloatArray
    spread: FloatArray
    reneging_cost: FloatArray  # (A,) the scenario's c_j
    war_cost: FloatArray  # (A,) the scenario's what_j
    explicit: BoolArray  # (A,) an explicit no-deal value


def table_ratifiers(scenario: Scenario) -> Ratifiers | None:
    """The bodies the table anticipates: the domestic ratifiers, followed by one
    anticipated-only body per actor when ``implementation.anticipated`` is on (else exactly
    :meth:`Ratifiers.of`)."""
    real = Ratifiers.of(scenario)
    section = scenario.implementation
    if section is None or not section.anticipated:
        return real
    form = keeping_form(scenario)
    actors = list(scenario.actors)
    keepers = Ratifiers(
        names=tuple(PREFIX + a for a in actors),
        actor=np.arange(len(actors), dtype=np.int64),
        position=form.ideal,
        salience=form.weight,
        linear=np.zeros(len(actors), dtype=bool),
        threshold=form.threshold,
        spread=form.spread,
        resume=False,
    )
    if real is None:
        return replace(keepers, anticipated=len(actors))
    return Ratifiers(
        names=real.names + keepers.names,
        actor=np.concatenate([real.actor, keepers.actor]),
        position=np.concatenate([real.position, keepers.position]),
        salience=np.concatenate([real.salience, keepers.salience]),
        linear=np.concatenate([real.linear, keepers.linear]),
        threshold=np.concatenate([real.threshold, keepers.threshold]),
        spread=np.concatenate([real.spread, keepers.spread]),
        resume=real.resume,
        anticipated=len(actors),
    )


def keeping_form(scenario: Scenario) -> Keeping:
    """The anticipated-only bodies of a scenario with an implementation phase (the module
    docstring), from the scenario's own numbers."""
    section = scenario.implementation
    assert section is not None
    issues, actors = list(scenario.issues), list(scenario.actors)
    specs = list(scenario.actors.values())
    periods = section.periods
    p = np.array([[a.position[k] for k in issues] for a in specs], dtype=np.float64)
    sal = np.array([[a.salience[k] for k in issues] for a in specs], dtype=np.float64)
    cost = np.array([[section.term_cost.get(a, {}).get(k, 0.0) for k in issues] for a in actors])
    slope = np.array([[section.term_drift.get(k, {}).get(j, 0.0) for j in issues] for k in issues])
    drift = np.array([section.drift.get(k, 0.0) for k in issues])
    volatility = np.array([section.volatility.get(k, 0.0) for k in issues])
    start = np.array([scenario.issues[k].status_quo for k in issues])
    explicit = np.array([a.reservation is not None for a in specs])
    end = np.clip(start + periods * drift, 0.0, 1.0)  # a
    moved = periods * slope  # B
    base = np.array([section.reneging_cost.get(a, 0.0) for a in actors])
    war = np.maximum(
        np.array([a.war_cost for a in specs])
        + periods * np.array([section.war_cost_drift.get(a, 0.0) for a in actors]),
        0.0,
    )
    # Per actor: Q's diagonal and L (no term drift where the no-deal value is explicit).
    kept = np.where(explicit[:, None, None], 0.0, moved[None, :, :])  # (A, K, K)
    gap = end[None, :] - p  # (A, K)
    diagonal = np.einsum("akm,ak,akm->am", kept, sal, kept)
    q = sal - diagonal
    linear = 2 * sal * p + 2 * np.einsum("akm,ak->am", kept, sal * gap) + cost
    q = np.where((q < MIN_WEIGHT) & (linear != 0), MIN_WEIGHT, np.maximum(q, 0.0))
    ideal = np.where(q > 0, linear / (2 * np.where(q > 0, q, 1.0)), 0.0)
    value = np.where(
        explicit,
        np.array([np.nan if a.reservation is None else a.reservation for a in specs]),
        1.0 - (sal * gap**2).sum(axis=1) - war,
    )
    threshold = 1.0 - (q * ideal**2).sum(axis=1) + (sal * p**2).sum(axis=1) - (1.0 - value) - base
    sd = np.sqrt(periods) * np.sqrt(((2 * sal * np.abs(gap) * volatility) ** 2).sum(axis=1))
    spread = np.where(explicit, 0.0, sd * np.sqrt(3.0) / np.pi)
    return Keeping(q, ideal, threshold, spread, base, war, explicit)


def keeping_thresholds(
    scenario: Scenario,
    war_cost: FloatArray,
    reservation: FloatArray,
    reneging_cost: FloatArray,
) -> FloatArray:
    """Each world's thresholds of the anticipated-only bodies, (N, A): the scenario's, moved by
    the world's own war costs, explicit no-deal values (NaN: derived) and reneging costs (N, A)
    (a threshold is Vhat_j - c_j less a constant of the fold)."""
    section = scenario.implementation
    assert section is not None
    form = keeping_form(scenario)
    rate = np.array([section.war_cost_drift.get(a, 0.0) for a in scenario.actors])
    war = np.maximum(war_cost + section.periods * rate, 0.0)
    shared = np.array([a.reservation for a in scenario.actors.values()], dtype=np.float64)
    value_shift = np.where(form.explicit, reservation - shared, form.war_cost - war)
    result: FloatArray = form.threshold + value_shift - (reneging_cost - form.reneging_cost)
    return result
