"""What the model's Mesa DataCollector records each round, and the trajectory read back from it.

For one world (``record_trajectory``) the model and agent variables are that world's: the
proposer, the offer, the status quo, and each actor's threshold, utility of the offer and no-deal
value; :func:`trajectory_rows` reads them back as the round-by-round trajectory.  For a batch they
are aggregates over the open worlds, cheap enough for every round of a sweep: how many worlds were
open, agreed, broke down or ran out of time, and each actor's mean no-deal value and threshold and
how many worlds it accepted in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa

from sim.core.records import (
    OFFER,
    OFFER_UTILITY,
    PROPOSER,
    RESERVATION,
    ROUND,
    STATUS_QUO,
    THRESHOLD,
    WORLD,
)

if TYPE_CHECKING:
    from sim.core.agents import Actor
    from sim.core.model import NegotiationModel


def batch_collector() -> mesa.DataCollector:
    """Round-by-round aggregates over a batch's open worlds."""
    return mesa.DataCollector(
        model_reporters={
            ROUND: lambda m: m.open_round.number,
            "open": lambda m: m.open_round.size,
            "agreements": lambda m: int(m.open_round.deal.sum()),
            "breakdowns": lambda m: int(m.open_round.broke.sum()),
            "deadlines": lambda m: int(m.open_round.out_of_time.sum()),
            "not_ratified": lambda m: int(m.open_round.rejected.sum()),
        },
        agent_reporters={
            "reservation": lambda a: float(a.model.open_round.reservation[:, a.index].mean()),
            "threshold": lambda a: float(a.model.open_round.threshold[:, a.index].mean()),
            "accepting": lambda a: int(a.model.open_round.accepts[:, a.index].sum()),
        },
    )


def world_collector(issues: tuple[str, ...]) -> mesa.DataCollector:
    """One world's round-by-round trajectory (the model has a single world)."""
    model_reporters: dict[str, Any] = {
        WORLD: lambda m: int(m.batch.worlds[0]),
        ROUND: lambda m: m.open_round.number,
        PROPOSER: _proposer,
        "offered": lambda m: bool(m.open_round.feasible[0]),
        "accepted": lambda m: bool(m.open_round.deal[0]),
    }
    for k, issue in enumerate(issues):
        model_reporters[STATUS_QUO + issue] = _status_quo(k)
    for k, issue in enumerate(issues):
        model_reporters[OFFER + issue] = _offer(k)
    return mesa.DataCollector(
        model_reporters=model_reporters,
        agent_reporters={
            "threshold": lambda a: float(a.model.open_round.threshold[0, a.index]),
            "offer_utility": _offer_utility,
            "reservation": lambda a: float(a.model.open_round.reservation[0, a.index]),
        },
    )


def _proposer(model: NegotiationModel) -> str:
    proposer = int(model.open_round.proposer[0])
    return model.structure.actors[proposer] if proposer >= 0 else ""


def _status_quo(k: int) -> Any:
    return lambda m: float(m.open_round.status_quo[0, k])


def _offer(k: int) -> Any:
    return lambda m: float(m.open_round.package[0, k]) if m.open_round.feasible[0] else float("nan")


def _offer_utility(agent: Actor) -> float:
    now = agent.model.open_round
    return float(now.offered[0, agent.index]) if now.feasible[0] else float("nan")


AGENT_VARIABLES = tuple(prefix.rstrip(".") for prefix in (THRESHOLD, OFFER_UTILITY, RESERVATION))


def trajectory_rows(model: NegotiationModel) -> list[dict[str, Any]]:
    """The world's rounds as flat rows: model variables, then each actor's variables by name."""
    model_vars: dict[str, list[Any]] = model.datacollector.model_vars
    rounds = len(model_vars["round"])
    if rounds == 0:
        return []
    agents = model.datacollector.get_agent_vars_dataframe()
    key_of = {agent.unique_id: agent.key for agent in model.agents}
    rows: list[dict[str, Any]] = [
        {name: values[i] for name, values in model_vars.items()} for i in range(rounds)
    ]
    steps = sorted({step for step, _ in agents.index})
    for row, step in zip(rows, steps, strict=True):
        for agent_id, values in agents.loc[step].iterrows():
            actor = key_of[agent_id]
            for name in AGENT_VARIABLES:
                row[name + "." + actor] = float(values[name])
    return rows
