"""Implementation: does a ratified deal last?  The commitment problem (Fearon 1995; Powell 2006).

After a deal x is ratified the balance of power -- each issue's status quo, what fighting would
bring -- keeps moving for ``periods`` periods:

    b_{p,k} = clip(b_{p-1,k} + d_k + sum_j D_kj x_j + sigma_k eps_{p,k}, 0, 1),   b_0 = the
    status quo when the deal was struck, eps from the counter-based RNG (purpose IMPLEMENTATION,
    round p, lane k),

so agreed terms can steer it (a rearmament limit slows Ukraine's recovery: D_{territory,
rearmament} > 0; sanctions relief speeds Russia's).  The cost of going back to war moves too, as
each side rebuilds its strength: w_{i,p} = max(0, w_i + p (g_i + sum_k G_ik x_k)).  Every period
each actor re-evaluates: its value of war is the no-deal value at the new balance,
V_i(b_p) = U_i(b_p) - w_{i,p} (or its explicit reservation,
:func:`sim.core.status_quo.no_deal_values`), and it reneges when

    V_i(b_p) > U_i(x) + c_i(x),      c_i(x) = c_i + sum_k C_ik x_k >= 0

(reputation, the guarantors' response: security guarantees raise the aggressor's cost).  The first
period in which someone reneges is the collapse; the world returns to war and its final utilities
are the no-deal values at the collapse.  A deal nobody reneges on through the last period is
durable.  Vectorised over worlds; the only loop is over the periods.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.arrays import BoolArray, FloatArray, IntArray, reduce_short
from sim.core.batch import WorldBatch
from sim.core.rng import Purpose, normals
from sim.core.status_quo import no_deal_values, reservation_utilities
from sim.core.utility import utilities
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Commitment:
    """A scenario's implementation phase as arrays over K issues and A actors."""

    periods: int
    drift: FloatArray  # (K,)
    volatility: FloatArray  # (K,)
    term_drift: FloatArray  # (K, K): issue k's extra drift per unit of term j
    war_cost_drift: FloatArray  # (A,) change of the war cost per period
    term_war_cost: FloatArray  # (A, K): extra war-cost change per period per unit of term k
    term_cost: FloatArray  # (A, K): extra reneging cost per unit of term k

    @classmethod
    def of(cls, scenario: Scenario) -> Commitment | None:
        """The scenario's implementation phase, or None when it has none."""
        section = scenario.implementation
        if section is None:
            return None
        issues, actors = list(scenario.issues), list(scenario.actors)
        term_drift = np.zeros((len(issues), len(issues)))
        for issue, slopes in section.term_drift.items():
            for term, slope in slopes.items():
                term_drift[issues.index(issue), issues.index(term)] = slope
        term_cost = np.zeros((len(actors), len(issues)))
        for actor, slopes in section.term_cost.items():
            for term, slope in slopes.items():
                term_cost[actors.index(actor), issues.index(term)] = slope
        term_war_cost = np.zeros((len(actors), len(issues)))
        for actor, slopes in section.term_war_cost.items():
            for term, slope in slopes.items():
                term_war_cost[actors.index(actor), issues.index(term)] = slope
        return cls(
            periods=section.periods,
            drift=np.array([section.drift.get(k, 0.0) for k in issues]),
            volatility=np.array([section.volatility.get(k, 0.0) for k in issues]),
            term_drift=term_drift,
            war_cost_drift=np.array([section.war_cost_drift.get(a, 0.0) for a in actors]),
            term_war_cost=term_war_cost,
            term_cost=term_cost,
        )

    def reneging_costs(self, terms: FloatArray, base: FloatArray) -> FloatArray:
        """c_i(x) = c_i + sum_k C_ik x_k for each world's terms (N, K) and base costs (N, A)."""
        result: FloatArray = base + terms @ self.term_cost.T
        return result

    def war_cost_rates(self, terms: FloatArray) -> FloatArray:
        """g_i + sum_k G_ik x_k: each actor's war-cost change per period, (N, A)."""
        result: FloatArray = self.war_cost_drift + terms @ self.term_war_cost.T
        return result

    def drifts(self, terms: FloatArray) -> FloatArray:
        """The balance's drift per period under each world's terms, (N, K)."""
        result: FloatArray = self.drift + terms @ self.term_drift.T
        return result


@dataclass
class Durability:
    """What happened to each implemented deal: ``collapse`` is the period it collapsed in (0 if
    it lasted), ``reneged`` who reneged then, ``utility``/``reservation`` the final values;
    ``path`` (only when asked for) the balance and no-deal values period by period."""

    collapse: IntArray  # (N,)
    reneged: BoolArray  # (N, A)
    utility: FloatArray  # (N, A)
    reservation: FloatArray  # (N, A)
    path: list[tuple[FloatArray, FloatArray]] = field(default_factory=list)


def implement(
    commitment: Commitment,
    batch: WorldBatch,
    terms: FloatArray,
    balance: FloatArray,
    *,
    keep_path: bool = False,
) -> Durability:
    """Run the implementation phase of the deals ``terms`` (N, K) struck in ``batch``'s worlds
    at the balance ``balance`` (N, K); see the module docstring."""
    n, n_actors = batch.capability.shape
    linear = np.broadcast_to(batch.structure.linear, (n, n_actors))
    deal = utilities(terms, batch.position, batch.salience, linear)
    limit = deal + commitment.reneging_costs(terms, batch.reneging_cost)
    drift = commitment.drifts(terms)
    cost_rate = commitment.war_cost_rates(terms)
    moving = bool(np.any(drift != 0) or np.any(commitment.volatility != 0))
    shocked = bool(np.any(commitment.volatility != 0))
    collapse = np.zeros(n, dtype=np.int64)
    reneged = np.zeros((n, n_actors), dtype=bool)
    utility = deal.copy()
    reservation = reservation_utilities(batch, balance)
    state = balance.copy()
    path: list[tuple[FloatArray, FloatArray]] = []
    alive = np.arange(n)
    for period in range(1, commitment.periods + 1):
        if alive.size == 0:
            break
        if moving:
            step = drift[alive]
            if shocked:
                eps = normals(
                    batch.seed, batch.worlds[alive], period, Purpose.IMPLEMENTATION, terms.shape[1]
                )
                step = step + commitment.volatility * eps
            state[alive] = np.clip(state[alive] + step, 0.0, 1.0)
        sub = batch if alive.size == n else batch.take(alive)
        war_cost = np.maximum(sub.war_cost + period * cost_rate[alive], 0.0)
        value = no_deal_values(
            state[alive], sub.position, sub.salience, linear[alive], war_cost, sub.reservation
        )
        reservation[alive] = value
        if keep_path:
            path.append((state.copy(), reservation.copy()))
        quits = value > limit[alive]
        ends = reduce_short(np.logical_or, quits, 1)
        gone = alive[ends]
        collapse[gone] = period
        reneged[gone] = quits[ends]
        utility[gone] = value[ends]
        alive = alive[~ends]
    return Durability(collapse, reneged, utility, reservation, path)
