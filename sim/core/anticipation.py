"""The table anticipates ratification: the proposer's problem and what a round is worth.

Signing x is worth EV_i(x) = P(x) U_i(x) + (1 - P(x)) w_i to actor i (:mod:`sim.core.ratification`),
w_i its value of a rejected deal: its no-deal value when a rejection ends the talks, its threshold
-- the value of a failed round, going on -- when they resume.  Every actor signs iff EV_i(x)
reaches its threshold, and the proposer j maximises EV_j(x) (Putnam 1988's win-sets; Schelling
1960's paradox of weakness).  Its package ``x0`` without ratification meets every veto player's
threshold in utility; the feasible set is convex (concave utilities), so every package on the
segment from ``x0`` to ``x1``, the best package for the ratifiers at risk within the same
thresholds (a second solve, with the ratifiers' composite utility as the objective), meets them
too; so does the line through ``x1`` and the package that compensates every signer for the risk
at ``x0`` (theta'_i = (theta_i - (1 - P) w_i) / P, a third solve).  The proposer takes the best
point of the two lines that everybody signs (:mod:`sim.core.line_search`); where no point is
signed there is no offer that round.  On one issue the segment from ``x0`` to ``x1`` holds every
package all signers can accept, so the search is exact there; with more issues it is exact along
its lines, an approximation over the whole feasible set.

:func:`round_values` is what the round is then worth to everybody (EV where ratification is
uncertain), which the stationary equilibrium (:mod:`sim.core.equilibrium`) uses as the value of
a proposer's move, so that equilibrium thresholds anticipate ratification as offers do.  Where
every ratifier surely approves ``x0`` nothing changes, so a ratifier that always approves leaves
the model as it was, bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.arrays import BoolArray, FloatArray, IntArray, reduce_short, take_rows
from sim.core.decision import best_offers
from sim.core.line_search import Segment, lowest_t
from sim.core.ratification import (
    SURE,
    Ratifiers,
    approval_probabilities,
    expected_values,
    ratification_probability,
)
from sim.core.solver import WarmStarts, solve_offers

Solve = Callable[[IntArray, FloatArray, WarmStarts | None], tuple[FloatArray, BoolArray]]
"""The table's own solver: (rows, thresholds (n, A), solver states of those rows or None) -> the
proposers' packages and feasibility."""


@dataclass
class Starts:
    """The solver states of the anticipation's two extra solves (the compensating package and
    the ratifiers' best), per kind and proposer, for a fixed list of ``size`` worlds: the
    equilibrium's value iteration calls :func:`anticipate` with the same worlds and proposers
    over and over, and each solve starts where the last one ended."""

    size: int
    states: dict[tuple[str, int], WarmStarts] = field(default_factory=dict)

    def of(self, kind: str, proposer: int) -> WarmStarts:
        """The states of one kind of solve for one proposer (empty at first)."""
        return self.states.setdefault((kind, proposer), WarmStarts(self.size))

    def take(self, rows: IntArray) -> Starts:
        """The states of the given worlds."""
        return Starts(rows.size, {key: value.take(rows) for key, value in self.states.items()})


def _warm_solve(
    starts: Starts | None, kind: str, proposer: IntArray, rows: IntArray
) -> tuple[WarmStarts | None, Callable[[WarmStarts | None], None]]:
    """The states of ``rows`` for a solve of ``kind`` where every world has the same proposer
    (else none), and how to keep them afterwards."""
    if starts is None or rows.size == 0 or np.any(proposer[rows] != proposer[rows[0]]):
        return None, lambda _: None
    kept = starts.of(kind, int(proposer[rows[0]]))
    part = kept.take(rows)

    def keep(state: WarmStarts | None) -> None:
        if state is not None:
            kept.put(rows, state)

    return part, keep


ADJUSTMENTS = 1
"""Fixed-point steps that raise the thresholds to compensate for the risk of rejection."""


@dataclass(frozen=True)
class Table:
    """The negotiators of N worlds as the anticipating proposer sees them."""

    position: FloatArray  # (N, A, K)
    salience: FloatArray  # (N, A, K)
    linear: BoolArray  # (A,)
    veto: BoolArray  # (A,)
    proposer: IntArray  # (N,)
    threshold: FloatArray  # (N, A)
    fallback: FloatArray  # (N, A) each actor's value of a rejected deal
    solve: Solve


def compensating_thresholds(
    threshold: FloatArray, fallback: FloatArray, p: FloatArray
) -> FloatArray:
    """The utility U_i that makes EV_i = p U_i + (1 - p) w_i reach theta_i: (theta - (1 - p) w) / p
    (2, beyond any utility, where p is 0)."""
    safe = np.maximum(p, 1e-12)[:, None]
    raised = (threshold - (1.0 - safe) * fallback) / safe
    result: FloatArray = np.where(p[:, None] > 1e-12, np.maximum(raised, threshold), 2.0)
    return result


def anticipate(
    ratifiers: Ratifiers,
    package: FloatArray,
    feasible: BoolArray,
    table: Table,
    starts: Starts | None = None,
    approvals: FloatArray | None = None,
) -> tuple[FloatArray, BoolArray]:
    """The proposer's package once everybody anticipates ratification (the module docstring).

    package (N, K) and feasible (N,): its offers without anticipation.  Returns the new packages
    (N, K) and whether each world's proposer has one that every veto player signs (N,).
    ``starts``: the extra solves' states of these N worlds, used and updated; ``approvals``:
    :func:`~sim.core.ratification.approval_probabilities` of ``package`` if known (read only).
    """
    result, possible = package.copy(), feasible.copy()
    probs = approval_probabilities(ratifiers, package) if approvals is None else approvals
    at_risk = feasible & reduce_short(np.logical_or, probs < SURE, 1)
    rows = np.flatnonzero(at_risk & (table.proposer >= 0))
    if rows.size == 0:
        return result, possible
    x0 = package[rows]
    ratifiers = ratifiers.take(rows)
    threshold, fallback = table.threshold[rows], table.fallback[rows]
    # Compensate the signers for the risk at the current package, and re-solve (a few times).
    start = x0
    p = np.prod(probs[rows], axis=1)  # P(x0), from the approvals already known
    for adjustment in range(ADJUSTMENTS):
        if adjustment:
            p = ratification_probability(ratifiers, start)
        warm, keep = _warm_solve(starts, "compensating", table.proposer, rows)
        raised, ok = table.solve(rows, compensating_thresholds(threshold, fallback, p), warm)
        keep(warm)
        start = np.where(ok[:, None], raised, start)
    weight = 1.0 - approval_probabilities(ratifiers, start)  # (n, R): how much each is at risk
    target_position, target_salience = _composite(ratifiers, weight)
    n_actors = table.position.shape[1]
    # The ratifiers' composite as an extra actor A that proposes, with every veto player
    # (the real proposer included) held to its threshold.
    position, salience = take_rows(table.position, rows), take_rows(table.salience, rows)
    pos = np.concatenate([position, target_position[:, None, :]], axis=1)
    sal = np.concatenate([salience, target_salience[:, None, :]], axis=1)
    lin = np.append(table.linear, bool(ratifiers.linear.all()))
    theta = np.concatenate([threshold, np.ones((rows.size, 1))], axis=1)
    proposer = table.proposer[rows]
    warm, keep = _warm_solve(starts, "ratifiers", table.proposer, rows)
    x1 = _ratifiers_best(
        pos, sal, lin, np.append(table.veto, False), proposer, theta, n_actors, warm
    )
    keep(warm)
    x1 = np.where(np.isfinite(x1[:, :1]), x1, start)
    # Both lines searched at once: rows 0..m-1 the line through the compensating package,
    # rows m..2m-1 the segment from x0 (the same per-row arithmetic as one after the other).
    m = rows.size
    twice = np.concatenate([np.arange(m), np.arange(m)])
    segment = Segment(
        np.concatenate([start, x0]),
        x1[twice],
        np.concatenate([lowest_t(start, x1), np.zeros(m)]),
        take_rows(position, twice),
        take_rows(salience, twice),
        np.broadcast_to(table.linear, (2 * m, n_actors)),
        table.veto,
        proposer[twice],
        threshold[twice],
        fallback[twice],
    )
    chosen, found, value = segment.best(ratifiers.take(twice))
    best_value = np.full(m, -np.inf)
    for line in (slice(0, m), slice(m, 2 * m)):
        better = found[line] & (value[line] > best_value)
        best_value = np.where(better, value[line], best_value)
        result[rows[better]] = chosen[line][better]
    possible[rows] = np.isfinite(best_value)
    return result, possible


def round_values(
    ratifiers: Ratifiers,
    package: FloatArray,
    utility: FloatArray,
    fallback: FloatArray,
    approvals: FloatArray | None = None,
) -> FloatArray:
    """What signing each world's package is worth to each actor, (N, A): EV_i = P U_i + (1 - P)
    w_i where ratification is uncertain (P < ``SURE``), U_i itself (bit for bit) where it is sure.
    ``approvals``: the ratifiers' approval probabilities of the packages (N, R) if known."""
    p = (
        ratification_probability(ratifiers, package)
        if approvals is None
        else np.prod(approvals, axis=1)  # as ratification_probability multiplies them
    )
    risky = p < SURE
    if not risky.any():
        return utility
    if risky.all():  # the usual case with ratifiers: the same values without the masks
        return expected_values(p, utility, fallback)
    result = utility.copy()
    result[risky] = expected_values(p[risky], utility[risky], fallback[risky])
    return result


def offer_table(
    position: FloatArray,
    salience: FloatArray,
    linear: BoolArray,
    veto: BoolArray,
    capability: FloatArray,
    share: float,
    proposer: IntArray,
    threshold: FloatArray,
    fallback: FloatArray,
) -> Table:
    """The table of N worlds whose proposers re-solve with :func:`sim.core.decision.best_offers`
    (a winning coalition's thresholds; the arguments as there, ``fallback`` (N, A) the values of
    a rejected deal)."""

    def solve(
        rows: IntArray, theta: FloatArray, warm: WarmStarts | None
    ) -> tuple[FloatArray, BoolArray]:
        offers = best_offers(
            position[rows],
            salience[rows],
            linear,
            veto,
            capability[rows],
            proposer[rows],
            theta,
            share,
            warm=warm,
        )
        return offers.package, offers.feasible

    return Table(position, salience, linear, veto, proposer, threshold, fallback, solve)


def _composite(ratifiers: Ratifiers, weight: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The at-risk ratifiers' weighted composite: saliences (n, K) summing to 1, ideal points."""
    per_issue = weight[:, :, None] * ratifiers.salience[None, :, :]  # (n, R, K)
    total = per_issue.sum(axis=1)  # (n, K)
    mass = total.sum(axis=1, keepdims=True)
    salience = total / np.where(mass > 0, mass, 1.0)
    weighted = (per_issue * ratifiers.position[None, :, :]).sum(axis=1)
    position = np.where(total > 0, weighted / np.where(total > 0, total, 1.0), 0.5)
    return position, salience


def _ratifiers_best(
    position: FloatArray,
    salience: FloatArray,
    linear: BoolArray,
    holders: BoolArray,
    proposer: IntArray,
    threshold: FloatArray,
    n_actors: int,
    warm: WarmStarts | None = None,
) -> FloatArray:
    """The composite's best package within every veto player's and the proposer's threshold;
    NaN rows where the solver finds none.  Worlds are grouped by who must accept: the veto
    players and the actor that proposed (proposers that hold a veto share one group, solved in
    one call: each world's solve is its own, whatever the others in the call; ``warm``: the
    solver states of the worlds, when they all have the same proposer)."""
    n, _, n_issues = position.shape
    out = np.full((n, n_issues), np.nan)
    groups: dict[bytes, tuple[BoolArray, list[int]]] = {}
    for j in np.unique(proposer):
        veto = holders.copy()
        veto[j] = True
        groups.setdefault(veto.tobytes(), (veto, []))[1].append(int(j))
    for veto, members in groups.values():
        rows = np.flatnonzero(np.isin(proposer, members))
        every = rows.size == n  # (then no copies)
        offers = solve_offers(
            position if every else position[rows],
            salience if every else salience[rows],
            linear,
            veto,
            np.full(rows.size, n_actors, dtype=np.int64),
            threshold if every else threshold[rows],
            warm=warm,
        )
        ok = rows[offers.feasible]
        out[ok] = offers.package[offers.feasible]
    return out
