"""Acceptance strategies: how much utility an actor demands from a deal in a given round.

One module per strategy, each a pure function of one round's :class:`ThresholdInputs` over all
open worlds; :data:`STRATEGIES` registers them by the ``strategy.kind`` a scenario names.  A new
strategy is a new module here plus its entry in :data:`STRATEGIES` (and in the schema's kinds).
"""

from __future__ import annotations

from sim.core.strategies.base import Strategy, ThresholdInputs
from sim.core.strategies.concession import concession
from sim.core.strategies.equilibrium import equilibrium

STRATEGIES: dict[str, Strategy] = {"concession": concession, "equilibrium": equilibrium}

__all__ = ["STRATEGIES", "Strategy", "ThresholdInputs"]
