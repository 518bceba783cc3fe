"""Stationary subgame-perfect acceptance thresholds, by value iteration over the protocol.

A responder accepts an offer iff it is worth at least what rejecting is worth:

    theta_i = (1 - p) * delta_i * V_i(next round) + p * b_i,

where p is the breakdown probability, delta_i the actor's discount factor, b_i its breakdown
(reservation) value and V_i its expected value at the start of the next round, before the proposer
is known.  In a stationary equilibrium each proposer j offers x_j = argmax U_j subject to the other
veto players' thresholds, and that offer is accepted, so

* random proposer (Baron & Ferejohn 1989, unanimity):  V_i = sum_j pi_j U_i(x_j);
* alternating offers in a fixed order of L proposers (Rubinstein 1982; Binmore, Rubinstein &
  Wolinsky 1986):  thresholds and values depend on the phase t mod L, V_i^t = U_i(x_t).

If a proposer cannot (or will not) satisfy the thresholds, its round fails and everybody gets the
value of rejecting.  The fixed point is a contraction with modulus max_i (1 - p) delta_i < 1, so
plain value iteration converges; it is run for every world at once.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.batch import Structure
from sim.solver import FEASIBILITY_TOLERANCE, solve_offers
from sim.utility import utilities

FloatArray = NDArray[np.float64]

TOLERANCE = 1e-12
MAX_ITERATIONS = 20_000
STALL_ITERATIONS = 50


def stationary_thresholds(
    structure: Structure,
    position: FloatArray,
    salience: FloatArray,
    recognition: FloatArray,
    discount: FloatArray,
    breakdown: FloatArray,
    breakdown_value: FloatArray,
    start: FloatArray | None = None,
) -> FloatArray:
    """Equilibrium thresholds, shape (N, L, A): L = 1 phase (random proposer) or len(order).

    position, salience: (N, A, K); recognition, discount, breakdown_value: (N, A); breakdown: (N,).
    ``start`` warm-starts the iteration (e.g. last round's thresholds).
    """
    n, n_actors, _ = position.shape
    phases = len(structure.order) if structure.alternating else 1
    patience = ((1.0 - breakdown)[:, None] * discount)[:, None, :]  # (N, 1, A)
    floor = (breakdown[:, None] * breakdown_value)[:, None, :]
    theta = (
        np.repeat(breakdown_value[:, None, :], phases, axis=1) if start is None else start.copy()
    )
    best, since_best = np.inf, 0
    for _ in range(MAX_ITERATIONS):
        values = _round_values(structure, position, salience, recognition, theta)
        following = np.roll(values, -1, axis=1) if structure.alternating else values
        updated = patience * following + floor
        change = float(np.abs(updated - theta).max())
        theta = updated
        if change <= TOLERANCE:
            break
        # The solver is exact only to ~1e-9 with linear utilities: stop once the iteration no
        # longer contracts (the remaining change is solver noise).
        best, since_best = (change, 0) if change < 0.5 * best else (best, since_best + 1)
        if since_best >= STALL_ITERATIONS:
            break
    return theta


def _round_values(
    structure: Structure,
    position: FloatArray,
    salience: FloatArray,
    recognition: FloatArray,
    theta: FloatArray,
) -> FloatArray:
    """V^t_i: each actor's expected utility at the start of a round of phase t, shape (N, L, A)."""
    n, n_actors, _ = position.shape
    linear = np.broadcast_to(structure.linear, (n, n_actors))
    values = np.empty_like(theta)
    if structure.alternating:
        for phase, proposer in enumerate(structure.order):
            values[:, phase, :] = _outcome_of(
                structure, position, salience, linear, theta[:, phase, :], int(proposer)
            )
        return values
    expected = np.zeros((n, n_actors))
    for proposer in range(n_actors):
        outcome = _outcome_of(structure, position, salience, linear, theta[:, 0, :], proposer)
        expected += recognition[:, proposer : proposer + 1] * outcome
    values[:, 0, :] = expected
    return values


def _outcome_of(
    structure: Structure,
    position: FloatArray,
    salience: FloatArray,
    linear: NDArray[np.bool_],
    theta: FloatArray,
    proposer: int,
) -> FloatArray:
    """Everyone's utility when ``proposer`` moves against thresholds ``theta`` (N, A)."""
    n = position.shape[0]
    proposers = np.full(n, proposer, dtype=np.int64)
    offers = solve_offers(position, salience, structure.linear, structure.veto, proposers, theta)
    offered = utilities(offers.package, position, salience, linear)
    willing = offered[:, proposer] >= theta[:, proposer] - FEASIBILITY_TOLERANCE
    deal = offers.feasible & willing
    result: FloatArray = np.where(deal[:, None], offered, theta)
    return result
