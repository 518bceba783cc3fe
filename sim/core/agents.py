"""The parties to the talks as Mesa agents, each acting on all open worlds at once.

An :class:`Actor` is one party (Russia, the US, ...).  Its Mesa step is split into the protocol's
moves, each vectorised over the worlds still open: :meth:`Actor.reassess` its no-deal value,
:meth:`Actor.set_threshold` by its strategy (:mod:`sim.core.strategies`) and :meth:`Actor.respond`
to the proposer's offer.  The model calls them with ``self.agents.do(...)`` in protocol order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.arrays import BoolArray, FloatArray
from sim.core.mesa_compat import WeakModelIds
from sim.core.strategies import STRATEGIES
from sim.core.tolerances import FEASIBILITY_TOLERANCE
from sim.core.utility import utilities

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
        """Accept the proposer's offer where it is worth at least the threshold (solver precision)."""
        now = self.model.open_round
        batch, a = now.batch, self.index
        offered = utilities(
            now.package,
            batch.position[:, a : a + 1],
            batch.salience[:, a : a + 1],
            self._linear(now.size),
        )[:, 0]
        now.offered[:, a] = offered
        now.accepts[:, a] = offered >= now.threshold[:, a] - FEASIBILITY_TOLERANCE

    def _linear(self, n: int) -> BoolArray:
        """Whether its utility is linear, as an (n, 1) column for the utility functions."""
        linear = self.model.structure.linear[self.index : self.index + 1]
        result: BoolArray = np.broadcast_to(linear, (n, 1))
        return result
