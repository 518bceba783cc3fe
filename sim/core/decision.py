"""Decision rules: who must accept a package for it to pass, and the proposer's best offer.

* unanimity of the veto players (the default): every veto player accepts;
* a quota, k of n weighted by capability, for multilateral settings: every veto player accepts
  *and* the accepting actors hold at least k/n of all capability (with equal capabilities: at
  least k of the n actors; Shapley & Shubik 1954 for weighted voting, the UN Security Council's
  "nine of fifteen including the five permanent members" for the combination with vetoes).

Under a quota a proposer needs a winning coalition, not everybody: it offers the best package
for itself that some winning coalition's members all accept, trying every coalition of the
veto players plus a subset of the other actors (Baron & Ferejohn 1989 for the proposer who buys
the cheapest majority).  Every protocol uses :func:`approved` to decide and :func:`best_offers`
to propose.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from sim.arrays import BoolArray, FloatArray, IntArray, reduce_short
from sim.core.solver import Offers, WarmStarts, solve_offers
from sim.core.utility import utilities

MAX_OPTIONAL_ACTORS = 12
"""Coalition search tries 2^m coalitions of the m actors without a veto; above this, refuse."""


def quota_share(quota: int | None, n_actors: int) -> float:
    """The share k/n of capability a quota of k out of n actors requires (0 for unanimity)."""
    if quota is None:
        return 0.0
    if not 1 <= quota <= n_actors:
        raise ValueError(f"quota {quota} is not between 1 and the number of actors ({n_actors})")
    return quota / n_actors


def approved(
    accepts: BoolArray, veto: BoolArray, capability: FloatArray, share: float
) -> BoolArray:
    """Whether each world's package passes: accepts (N, A), veto (A,), capability (N, A)."""
    passed: BoolArray = reduce_short(np.logical_and, accepts | ~veto, 1)
    if share > 0:
        total = reduce_short(np.add, capability, 1)
        backing = reduce_short(np.add, capability * accepts, 1)
        passed &= backing >= share * total * (1.0 - 1e-12)
    return passed


def best_offers(
    position: FloatArray,
    salience: FloatArray,
    linear: BoolArray,
    veto: BoolArray,
    capability: FloatArray,
    proposer: IntArray,
    threshold: FloatArray,
    share: float,
    *,
    warm: WarmStarts | None = None,
) -> Offers:
    """Each world's proposer's best package that a winning coalition accepts.

    With unanimity (share 0) this is :func:`sim.core.solver.solve_offers` over the veto players.
    Under a quota, every coalition of the veto players plus a subset S of the others is tried;
    a coalition counts where, with the proposer, it holds at least ``share`` of the capability.
    The proposer's own threshold is imposed throughout.  ``warm``: solver states kept between
    calls (unanimity only; see :class:`sim.core.solver.WarmStarts`).
    """
    if share <= 0:
        return solve_offers(
            position, salience, linear, veto, proposer, threshold, impose_own=True, warm=warm
        )
    n, n_actors, n_issues = position.shape
    optional = [a for a in range(n_actors) if not veto[a]]
    if len(optional) > MAX_OPTIONAL_ACTORS:
        raise ValueError(
            f"a quota with {len(optional)} actors without a veto needs 2^{len(optional)} "
            f"coalitions; at most {MAX_OPTIONAL_ACTORS} are supported"
        )
    rows = np.arange(n)
    all_linear = np.broadcast_to(linear, (n, n_actors))
    total = capability.sum(axis=1)
    package = position[rows, proposer].copy()
    feasible = np.zeros(n, dtype=bool)
    best = np.full(n, -np.inf)
    for size in range(len(optional) + 1):
        for subset in combinations(optional, size):
            members = veto.copy()
            members[list(subset)] = True
            with_proposer = np.broadcast_to(members, (n, n_actors)).copy()
            with_proposer[rows, proposer] = True
            winning = (capability * with_proposer).sum(axis=1) >= share * total * (1.0 - 1e-12)
            if not winning.any():
                continue
            offers = solve_offers(
                position, salience, linear, members, proposer, threshold, impose_own=True
            )
            own = utilities(offers.package, position, salience, all_linear)[rows, proposer]
            better = winning & offers.feasible & (own > best)
            package[better], best[better] = offers.package[better], own[better]
            feasible |= better
    return Offers(package=package, feasible=feasible)
