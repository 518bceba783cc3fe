"""The table anticipates reneging: parties weigh whether a deal will be kept (Walter 1997).

Walter (1997) argues that settlements fail less because the parties cannot agree than because
they refuse to sign deals they expect to be broken; a third-party guarantee, by raising the price
of reneging, makes them sign.  With ``implementation.anticipated`` on, the table weighs, besides
the domestic ratifiers (:mod:`sim.core.ratification`), the probability that each actor j keeps
package x through the implementation phase (:mod:`sim.core.implementation`):

    S_j(x) = sigma((U_j(x) + c_j(x) - Vhat_j) / s_j),      c_j(x) = c_j + sum_k C_jk x_k,

Vhat_j = V_j(bhat) j's no-deal value at the end of the phase on the expected path (bhat = clip(
b_0 + T d, 0, 1), b_0 the status quo at the start of the talks, d the phase's drift, T its
periods; war cost max(0, w_j + T g_j)), and s_j = sqrt(T) sqrt(sum_k (s_jk sigma_k)^2), the scale
of the change in j's no-deal value that the phase's shocks (volatility sigma_k per period, j's
salience s_jk) bring by its end (0: a step).  Term-dependent drifts and war costs (``term_drift``,
``term_war_cost``) are left out: they make the margin a non-separable function of x.

With quadratic utilities (saliences summing to 1) the reneging cost's linear terms fold into a
shifted ideal, s(1 - (x - p)^2) + C x = s(1 - (x - p')^2) + s(p'^2 - p^2), p' = p + C / (2 s), so
S_j has exactly a ratifier's shape: an *anticipated-only* body with j's saliences, ideal p'_j and
threshold Vhat_j - c_j - sum_k s_jk (p'_jk^2 - p_jk^2).  These bodies join the ratifiers the table
anticipates (P(x) is then the product over both), never the verdicts: actual reneging stays what
the implementation phase simulates.  A deal that collapses is worth about the no-deal value, the
fallback w_i that EV_i already uses when a rejection ends the talks.  The bodies' ideals and
saliences are the scenario's (shared by all worlds); their thresholds are per world (war costs
and reneging costs may vary across a sweep's worlds).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sim.arrays import FloatArray
from sim.core.ratification import Ratifiers
from sim.core.utility import utilities
from sim.scenario.schema import Scenario

PREFIX = "keeps:"
"""The name of actor j's anticipated-only body is PREFIX + j."""


def table_ratifiers(scenario: Scenario) -> Ratifiers | None:
    """The bodies the table anticipates: the domestic ratifiers, followed by one
    anticipated-only body per actor when ``implementation.anticipated`` is on (else exactly
    :meth:`Ratifiers.of`)."""
    real = Ratifiers.of(scenario)
    section = scenario.implementation
    if section is None or not section.anticipated:
        return real
    position, salience, term_cost = _shared(scenario)
    shifted, _ = fold(position, salience, term_cost)
    volatility = np.array([section.volatility.get(k, 0.0) for k in scenario.issues])
    spread = np.sqrt(section.periods) * np.sqrt(((salience * volatility) ** 2).sum(axis=1))
    actors = list(scenario.actors)
    specs = list(scenario.actors.values())
    # The scenario's own numbers give each body a shared threshold (a batch sets per-world ones).
    threshold = keeping_thresholds(
        scenario,
        np.array([[scenario.issues[k].status_quo for k in scenario.issues]]),
        position[None],
        salience[None],
        np.array([[a.war_cost for a in specs]]),
        np.array([[np.nan if a.reservation is None else a.reservation for a in specs]]),
        np.array([[section.reneging_cost.get(a, 0.0) for a in actors]]),
    )[0]
    keepers = Ratifiers(
        names=tuple(PREFIX + a for a in actors),
        actor=np.arange(len(actors), dtype=np.int64),
        position=shifted,
        salience=salience,
        linear=np.zeros(len(actors), dtype=bool),
        threshold=threshold,
        spread=spread,
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


def fold(
    position: FloatArray, salience: FloatArray, term_cost: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """The shifted ideals p' = p + C / (2 s) (A, K) and the constants sum_k s_k (p'_k^2 - p_k^2)
    (A,) with which U_j(x) + C_j . x = U'_j(x) + constant_j for quadratic utilities (where C_jk
    is 0 the ideal stays; validation rejects C_jk != 0 on an issue j gives no weight)."""
    safe = np.where(salience > 0, salience, 1.0)
    shifted: FloatArray = np.where(term_cost != 0, position + term_cost / (2.0 * safe), position)
    constant: FloatArray = (salience * (shifted**2 - position**2)).sum(axis=1)
    return shifted, constant


def keeping_thresholds(
    scenario: Scenario,
    status_quo: FloatArray,
    position: FloatArray,
    salience: FloatArray,
    war_cost: FloatArray,
    reservation: FloatArray,
    reneging_cost: FloatArray,
) -> FloatArray:
    """Each world's thresholds of the anticipated-only bodies, (N, A): Vhat_j - c_j - constant_j
    (the module docstring), from the worlds' status quo (N, K), ideals and saliences (N, A, K),
    war costs, explicit no-deal values (NaN: derived) and base reneging costs (N, A)."""
    section = scenario.implementation
    assert section is not None
    periods = section.periods
    issues, actors = list(scenario.issues), list(scenario.actors)
    drift = np.array([section.drift.get(k, 0.0) for k in issues])
    rate = np.array([section.war_cost_drift.get(a, 0.0) for a in actors])
    end = np.clip(status_quo + periods * drift, 0.0, 1.0)
    n = status_quo.shape[0]
    linear = np.zeros((n, len(actors)), dtype=bool)
    war = np.maximum(war_cost + periods * rate, 0.0)
    derived = utilities(end, position, salience, linear) - war
    value = np.where(np.isnan(reservation), derived, reservation)
    shared_position, shared_salience, term_cost = _shared(scenario)
    _, constant = fold(shared_position, shared_salience, term_cost)
    result: FloatArray = value - reneging_cost - constant
    return result


def _shared(scenario: Scenario) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The scenario's ideals, saliences and term costs C (A, K) each."""
    section = scenario.implementation
    assert section is not None
    issues, specs = list(scenario.issues), list(scenario.actors.values())
    position = np.array([[a.position[k] for k in issues] for a in specs], dtype=np.float64)
    salience = np.array([[a.salience[k] for k in issues] for a in specs], dtype=np.float64)
    term_cost = np.array(
        [[section.term_cost.get(a, {}).get(k, 0.0) for k in issues] for a in scenario.actors],
        dtype=np.float64,
    )
    return position, salience, term_cost
