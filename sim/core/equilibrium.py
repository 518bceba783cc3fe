"""Stationary subgame-perfect acceptance thresholds, by value iteration over the protocol.

A responder accepts an offer iff it is worth at least what rejecting is worth:

    theta_i = (1 - p) * delta_i * V_i(next round) + p * b_i,

where p is the breakdown probability after a rejection, delta_i the actor's discount factor, b_i
its breakdown (reservation) value and V_i its expected value at the start of the next round, before
the proposer is known.  The model passes p = h + q - hq: the round's hazard h and the refusal
breakdown q that follows a refused offer (Binmore, Rubinstein & Wolinsky 1986; with h = 0 and no
discounting the two-party proposer gets 1/(2 - q)).  A round in which the proposer makes no offer
risks only h; the iteration values it as a refusal (theta), exact where q = 0 and never binding
where, as in every complete-information world with a zone of agreement, offers are made.

In a stationary equilibrium each proposer j offers x_j = argmax U_j subject to the other veto
players' thresholds, and that offer is accepted, so

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

from sim.arrays import FloatArray
from sim.core.anticipation import Starts, anticipate, offer_table, round_values
from sim.core.batch import Structure
from sim.core.decision import best_offers
from sim.core.ratification import Ratifiers, may_reject
from sim.core.records import UNSETTLED_RESIDUAL
from sim.core.solver import WarmStarts
from sim.core.tolerances import FEASIBILITY_TOLERANCE
from sim.core.utility import utilities

TOLERANCE = 1e-12
MAX_ITERATIONS = 20_000
STALL_ITERATIONS = 50
FALLBACK_RESIDUAL = UNSETTLED_RESIDUAL
"""An accelerated world that stalls with a larger change than this is far from any fixed point
(not at solver noise): it falls back to plain value iteration (see the loop); one that stops
with a larger change even so has thresholds that are no equilibrium (the records'
``equilibrium_residual``, :mod:`sim.core.records`)."""
ANDERSON_DEPTH = (3, 6)
"""The least and most past iterates Anderson acceleration combines: ``anderson_depth`` picks
within them by the number of thresholds (depth one needed twice the iterations)."""
ANTICIPATION_TOLERANCE = 1e-9
"""With domestic ratifiers a world also stops once its change is below this: the anticipating
proposer's cold-started solves and line search (:mod:`sim.core.anticipation`) are exact to
~1e-10, so the iteration cannot contract further (it would wait ``STALL_ITERATIONS`` instead)."""


def stationary_thresholds(
    structure: Structure,
    position: FloatArray,
    salience: FloatArray,
    recognition: FloatArray,
    discount: FloatArray,
    breakdown: FloatArray,
    breakdown_value: FloatArray,
    start: FloatArray | None = None,
    *,
    capability: FloatArray | None = None,
    warm: WarmStarts | None = None,
    flow: FloatArray | None = None,
    ratifier_threshold: FloatArray | None = None,
    final_change: FloatArray | None = None,
) -> FloatArray:
    """Equilibrium thresholds, shape (N, L, A): L = 1 phase (random proposer) or len(order).

    position, salience: (N, A, K); recognition, discount, breakdown_value: (N, A); breakdown: (N,).
    ``start`` warm-starts the iteration (e.g. last round's thresholds); ``capability`` (N, A) is
    needed only under a quota, where proposers buy winning coalitions (:mod:`sim.core.decision`);
    ``warm`` holds the proposers' solver states of these worlds, used and updated (e.g. kept
    from the last round).  ``flow`` (N, A): the payoff each round without a deal yields while
    the war goes on (Powell 2004); then theta_i = p b_i + (1 - p)((1 - delta_i) f_i + delta_i V_i).  With domestic ratifiers
    (``structure.ratifiers``; ``ratifier_threshold`` (N, R) each world's thresholds, else the
    scenario's) every proposer anticipates them (:func:`_outcome_of`).

    Each world iterates theta <- T(theta) on its own until its own change is below TOLERANCE (so
    a world's thresholds never depend on the batch around it), with Anderson acceleration of
    depth :func:`anderson_depth` (Walker & Ni 2011) -- plain value iteration contracts only by
    (1 - p) * delta per step, which is slow when the parties are patient and breakdown is unlikely.
    ``final_change`` (N,), if given, receives each world's last change max |T(theta) - theta| when
    it stopped: below its tolerance where it converged, larger where the iteration stalled or
    ran out of iterations (thresholds that are no equilibrium: above :data:`FALLBACK_RESIDUAL`).
    """
    n, n_actors, _ = position.shape
    weight = np.ones((n, n_actors)) if capability is None else capability
    phases = len(structure.order) if structure.alternating else 1
    patience = ((1.0 - breakdown)[:, None] * discount)[:, None, :]  # (N, 1, A)
    base = (breakdown[:, None] * breakdown_value)[:, None, :]
    if flow is not None:  # bargaining while fighting: a failed round yields the war's flow
        base = base + ((1.0 - breakdown)[:, None] * (1.0 - discount) * flow)[:, None, :]
    outside = breakdown_value[:, None, :]

    # Each proposer's solver state (simplex basis or multipliers) carries over from one
    # iteration to the next: only the thresholds change, so most solves take a step or two.
    current = WarmStarts(n) if warm is None else warm.take(np.arange(n))
    starts = Starts(n)  # the anticipating proposers' extra solves (ratification), this call only

    ratifiers = structure.ratifiers
    if ratifiers is not None and ratifier_threshold is not None:
        ratifiers = ratifiers.for_worlds(ratifier_threshold)

    def mapping(theta: FloatArray, rows: NDArray[np.int64]) -> FloatArray:
        values = _round_values(
            structure,
            position[rows],
            salience[rows],
            recognition[rows],
            weight[rows],
            theta,
            current,
            breakdown_value[rows],
            None if ratifiers is None else ratifiers.take(rows),
            starts,
        )
        following = np.roll(values, -1, axis=1) if structure.alternating else values
        # Outside-option principle: nobody accepts less than walking away (Binmore, Shaked &
        # Sutton 1989); it never binds in the textbook cases, where V_i >= b_i.
        result: FloatArray = np.maximum(patience[rows] * following + base[rows], outside[rows])
        return result

    # Per world: only where a ratifier may reject does the anticipation run (and its precision
    # bound the iteration's).
    at_risk = np.zeros(n, dtype=bool) if ratifiers is None else may_reject(ratifiers)
    tolerance = np.where(np.broadcast_to(at_risk, (n,)), ANTICIPATION_TOLERANCE, TOLERANCE)
    theta = np.repeat(outside, phases, axis=1) if start is None else start.copy()
    result = theta.copy()
    active = np.arange(n)
    best = np.full(n, np.inf)
    since_best = np.zeros(n, dtype=np.int64)
    plain = np.zeros(n, dtype=bool)  # worlds that fell back to plain value iteration
    history = _AndersonHistory(n, theta[0].size)
    for _ in range(MAX_ITERATIONS):
        mapped = mapping(theta, active)
        residual = mapped - theta
        size = np.abs(residual).max(axis=(1, 2))
        simple = plain[active]
        # Accelerated, progress means halving the best change; plain (a contraction where the
        # map is continuous), any decrease.
        improved = size < np.where(simple, 1.0, 0.5) * best[active]
        best[active] = np.where(improved, size, best[active])
        since_best[active] = np.where(improved, 0, since_best[active] + 1)
        stalled = since_best[active] >= STALL_ITERATIONS
        # Anderson's extrapolation can jump across a discontinuity of the map (a proposer that
        # stops offering once a threshold passes what it will give) and cycle there, far from
        # any fixed point: such a world starts again by plain value iteration, from where it is.
        fallback = stalled & ~simple & (size > FALLBACK_RESIDUAL)
        plain[active[fallback]] = True
        since_best[active[fallback]] = 0
        best[active[fallback]] = size[fallback]
        # The solver is exact only to ~1e-9 with linear utilities: a world also stops once its
        # iteration no longer contracts (what is left is solver noise).
        finished = (size <= tolerance[active]) | (stalled & ~fallback)
        result[active[finished]] = mapped[finished]
        if final_change is not None:
            final_change[active[finished]] = size[finished]
        if warm is not None:
            warm.put(active[finished], current.take(np.flatnonzero(finished)))
        keep = ~finished
        if not keep.any():
            break
        active, mapped, residual, size = active[keep], mapped[keep], residual[keep], size[keep]
        if not keep.all():
            current = current.take(np.flatnonzero(keep))
            starts = starts.take(np.flatnonzero(keep))
            history = history.take(keep)
        step = history.step(
            mapped.reshape(len(active), -1), residual.reshape(len(active), -1), size
        )
        step = np.where(plain[active][:, None], mapped.reshape(len(active), -1), step)
        theta = np.clip(step.reshape(mapped.shape), -1.0, 1.0)
    else:  # out of iterations: keep the last mapped thresholds of the worlds still iterating
        result[active] = mapped
        if final_change is not None:
            final_change[active] = size
        if warm is not None:
            warm.put(active, current)
    return result


def anderson_depth(width: int) -> int:
    """How many past iterates Anderson acceleration combines for ``width`` thresholds per world.

    Differences beyond the dimension are linearly dependent, so a depth above ``width - 1`` adds
    nothing; within that, deeper histories pay with many thresholds.  Measured (value-iteration
    maps per run of 400 jittered worlds of ``benchmarks/bench_shapes.py``, quadratic, random
    proposer): 4 actors, depth 3 / 5: 28 / 36; 8 actors, depth 3 / 4 / 5 / 6: 32 / 31 / 29 / 28;
    16 actors, depth 3 / 4 / 5 / 6: 36 / 28 / 27 / 26.  Hence width - 1, kept within
    ``ANDERSON_DEPTH``: unchanged (3) up to four thresholds, width - 1 up to six, then 6.
    """
    least, most = ANDERSON_DEPTH
    return int(min(most, max(least, width - 1)))


def _round_values(
    structure: Structure,
    position: FloatArray,
    salience: FloatArray,
    recognition: FloatArray,
    capability: FloatArray,
    theta: FloatArray,
    warm: WarmStarts | None,
    outside: FloatArray,
    ratifiers: Ratifiers | None,
    starts: Starts | None = None,
) -> FloatArray:
    """V^t_i: each actor's expected utility at the start of a round of phase t, shape (N, L, A)."""
    n, n_actors, _ = position.shape
    values = np.empty_like(theta)
    worlds = (position, salience, capability, outside, ratifiers)
    if structure.alternating:
        for phase, proposer in enumerate(structure.order):
            values[:, phase, :] = _outcome_of(
                structure, worlds, theta[:, phase, :], int(proposer), (warm, starts)
            )
        return values
    expected = np.zeros((n, n_actors))
    for proposer in range(n_actors):
        outcome = _outcome_of(structure, worlds, theta[:, 0, :], proposer, (warm, starts))
        expected += recognition[:, proposer : proposer + 1] * outcome
    values[:, 0, :] = expected
    return values


def _outcome_of(
    structure: Structure,
    worlds: tuple[FloatArray, FloatArray, FloatArray, FloatArray, Ratifiers | None],
    theta: FloatArray,
    proposer: int,
    states: tuple[WarmStarts | None, Starts | None] = (None, None),
) -> FloatArray:
    """Everyone's value (N, A) when ``proposer`` moves against thresholds ``theta`` (N, A);
    ``worlds``: position, salience (N, A, K), capability and no-deal values (N, A), and the
    domestic ratifiers of these worlds (or None); ``states``: the solver states of the
    proposer's solve and of the anticipation's (used and updated).

    With domestic ratifiers the proposer anticipates them as at the table
    (:mod:`sim.core.anticipation`) and a signed package is worth EV_i = P U_i + (1 - P) w_i,
    w_i the no-deal value when a rejection ends the talks, theta_i when they resume."""
    position, salience, capability, outside, ratifiers = worlds
    warm, starts = states
    n, n_actors, _ = position.shape
    linear = np.broadcast_to(structure.linear, (n, n_actors))
    proposers = np.full(n, proposer, dtype=np.int64)
    offers = best_offers(
        position,
        salience,
        structure.linear,
        structure.veto,
        capability,
        proposers,
        theta,
        structure.quota_share,
        warm=warm,
    )
    package, feasible = offers.package, offers.feasible
    if ratifiers is not None:
        fallback = theta if ratifiers.resume else outside
        table = offer_table(
            position,
            salience,
            structure.linear,
            structure.veto,
            capability,
            structure.quota_share,
            proposers,
            theta,
            fallback,
        )
        package, feasible = anticipate(ratifiers, package, feasible, table, starts)
    offered = utilities(package, position, salience, linear)
    if ratifiers is not None:
        offered = round_values(ratifiers, package, offered, fallback)
    willing = offered[:, proposer] >= theta[:, proposer] - FEASIBILITY_TOLERANCE
    deal = feasible & willing
    result: FloatArray = np.where(deal[:, None], offered, theta)
    return result


class _AndersonHistory:
    """The last ``anderson_depth(width)`` changes of each world's mapped thresholds and residuals.

    Anderson (type II) takes x+ = g - dG gamma with gamma = argmin |f - dF gamma| over the stored
    differences (Walker & Ni 2011); a world whose residual grew restarts from a plain step.
    """

    def __init__(self, n: int, width: int) -> None:
        self.depth = anderson_depth(width)
        self.changes = np.zeros((n, self.depth, width))  # residual differences, newest first
        self.moves = np.zeros((n, self.depth, width))  # mapped-value differences
        self.count = np.zeros(n, dtype=np.int64)
        self.last: tuple[FloatArray, FloatArray, FloatArray] | None = None  # mapped, residual, size

    def take(self, keep: NDArray[np.bool_]) -> _AndersonHistory:
        """The histories of the worlds kept."""
        taken = _AndersonHistory(0, self.changes.shape[2])
        taken.changes, taken.moves, taken.count = (
            self.changes[keep],
            self.moves[keep],
            self.count[keep],
        )
        if self.last is not None:
            taken.last = (self.last[0][keep], self.last[1][keep], self.last[2][keep])
        return taken

    def step(self, mapped: FloatArray, residual: FloatArray, size: FloatArray) -> FloatArray:
        """The next iterate of every world from its mapped thresholds and residual (n, P)."""
        if self.last is None:
            self.last = (mapped, residual, size)
            return mapped
        last_mapped, last_residual, last_size = self.last
        self.last = (mapped, residual, size)
        grew = size > last_size
        self.changes = np.roll(self.changes, 1, axis=1)
        self.moves = np.roll(self.moves, 1, axis=1)
        self.changes[:, 0] = residual - last_residual
        self.moves[:, 0] = mapped - last_mapped
        self.count = np.where(grew, 0, np.minimum(self.count + 1, self.depth))
        valid = np.arange(self.depth)[None, :] < self.count[:, None]
        changes = np.where(valid[:, :, None], self.changes, 0.0)
        gram = np.einsum("ndp,nep->nde", changes, changes)
        scale = np.maximum(np.einsum("ndd->n", gram), 1e-300)
        gram += np.eye(self.depth)[None] * np.where(valid, 1e-10 * scale[:, None], 1.0)[:, :, None]
        target = np.einsum("ndp,np->nd", changes, residual)
        gamma = np.linalg.solve(gram, target[:, :, None])[:, :, 0]
        result: FloatArray = mapped - np.einsum(
            "nd,ndp->np", gamma, np.where(valid[:, :, None], self.moves, 0.0)
        )
        return result
