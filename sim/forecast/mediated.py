"""The mediated single negotiating text as a forecast: the scenario's talks run by a mediator.

Raiffa (1982, ch. 14; the Camp David method): the scenario's worlds run on the Mesa model with
``protocol.kind: mediated`` (the scenario's own mediator if it names one, else a neutral one), so
the war, the concession strategies, breakdown and the deadline are the scenario's; the forecast is
each world's agreed text (NaN where the talks fail).  See :mod:`sim.core.mediation`.
"""

from __future__ import annotations

import numpy as np
from pydantic import ValidationError

from sim.arrays import FloatArray
from sim.core.batch import WorldBatch
from sim.core.records import AGREEMENT
from sim.core.runner import simulate
from sim.forecast.registry import Model, Options, register
from sim.scenario.schema import Scenario


def mediated_scenario(scenario: Scenario) -> Scenario:
    """The scenario with its protocol switched to the mediated one (validated again)."""
    data = scenario.model_dump()
    data["protocol"]["kind"] = "mediated"
    data["protocol"]["order"] = None
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        message = str(error.errors()[0]["msg"]).removeprefix("Value error, ")
        raise ValueError(f"cannot mediate this scenario: {message}") from None


def predict(scenario: Scenario, batch: WorldBatch, options: Options) -> FloatArray:
    """Each world's agreed text under mediation, (N, K); NaN where no deal was reached.

    Runs the batch's worlds (``batch.worlds``, ``batch.seed``) of the scenario's own numbers.
    """
    model = simulate(mediated_scenario(scenario), batch.worlds, seed=batch.seed)
    result: FloatArray = np.where((model.end == AGREEMENT)[:, None], model.terms, np.nan)
    return result


register(
    Model(
        "mediated",
        "single negotiating text revised by a mediator (Raiffa 1982; Camp David)",
        predict,
        per_world=True,
        stochastic=True,
    )
)
