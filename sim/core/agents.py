"""The parties to the talks as Mesa agents, each acting on all open worlds at once.

An :class:`Actor` is one party (Russia, the US, ...).  Its Mesa step is split into the protocol's
moves, each vectorised over the worlds still open: :meth:`Actor.reassess` its no-deal value,
:meth:`Actor.set_threshold` by its strategy (:mod:`sim.core.strategies`) and :meth:`Actor.respond`
to the proposer's offer.  The model calls them with ``self.agents.do(...)`` in protocol order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.arrays import FloatArray
from sim.core.mesa_compat import WeakModelIds
from sim.core.strategies import STRATEGIES
from sim.core.tolerances import FEASIBILITY_TOLERANCE

if TYPE_CHECKING:
    from sim.core.model import NegotiationModel


class Actor(mesa.Agent):  # type: ignore[misc]
    """One party to the talks; its attributes are arrays over the model's worlds."""

    model: NegotiationModel
    _ids = WeakModelIds()  # Mesa's own registry keeps models alive: see sim.core.mesa_compat

    def __init__(self, model: NegotiationModel, key: str, index: int) -> None:
        super().__init__(model)
        self.key = key
        self.index = index
        spec = model.scenario.actors[key]
        self.name = spec.name
        self.veto = spec.veto
        self.utility_kind = spec.utility
        self.strategy_kind = spec.strategy.kind
        self.strategy = STRATEGIES[spec.strategy.kind]

    # -- what the actor is, in every world ------------------------------------------------------
    @property
    def position(self) -> FloatArray:
        """Ideal points, (N, K)."""
        result: FloatArray = self.model.batch.position[:, self.index, :]
        return result

    @property
    def salience(self) -> FloatArray:
        """Saliences, (N, K), summing to 1 in every world."""
        result: FloatArray = self.model.batch.salience[:, self.index, :]
        return result

    @property
    def capability(self) -> FloatArray:
        """Capability (N,): the weight of its recognition as proposer by capability."""
        result: FloatArray = self.model.batch.capability[:, self.index]
        return result

    @property
    def reservation(self) -> FloatArray:
        """The current no-deal utility in every world, (N,)."""
        result: FloatArray = self.model.reservation[:, self.index]
        return result

    @property
    def threshold(self) -> FloatArray:
        """The current acceptance threshold in every world, (N,)."""
        result: FloatArray = self.model.threshold[:, self.index]
        return result

    # -- what the actor does each round, in every open world -----------------------------------
    def reassess(self) -> None:
        """Value no deal at this round's status quo: the explicit reservation, or U(sq) - war cost
        (while fighting: the war's discounted flow along its expected path); the model values
        every actor's at once (:meth:`~sim.core.model.NegotiationModel.no_deal_values`)."""
        now = self.model.open_round
        now.reservation[:, self.index] = self.model.no_deal_values()[:, self.index]

    def set_threshold(self) -> None:
        """Set the utility it demands from a deal this round, by its strategy."""
        now = self.model.open_round
        assert now.inputs is not None, "the model sets the round's threshold inputs first"
        now.threshold[:, self.index] = self.strategy(now.inputs, self.index)

    def respond(self) -> None:
        """Accept the proposer's offer where it is worth at least the threshold (solver precision);
        the model values the offer for every actor at once
        (:meth:`~sim.core.model.NegotiationModel.offer_utilities`)."""
        now, a = self.model.open_round, self.index
        offered = self.model.offer_utilities()[:, a]
        now.offered[:, a] = offered
        now.accepts[:, a] = offered >= now.threshold[:, a] - FEASIBILITY_TOLERANCE
