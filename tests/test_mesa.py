"""The model is a Mesa model as Mesa users know it: agents acting in protocol order, a
DataCollector, Mesa 3's seed/rng, and no finished model kept alive."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import mesa
import numpy as np
import pytest
from pies import pie

from sim.core.agents import Actor
from sim.core.model import NegotiationModel
from sim.core.runner import run_batch, run_single, simulate
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]


def two_party(
    max_rounds: int = 11, reservation_a: float = 0.0, reservation_b: float = 0.0
) -> Scenario:
    """The linear pie between vetoes a and b over an alternating protocol, plus c without a veto."""
    return pie(
        {"reservation": reservation_a},
        {"reservation": reservation_b},
        {
            "kind": "alternating",
            "order": ["a", "b"],
            "max_rounds": max_rounds,
            "breakdown_probability": 0.0,
        },
        name="mesa-check",
        others={
            "c": {
                "name": "C (no veto)",
                "veto": False,
                "position": {"share": 0.3},
                "salience": {"share": 1.0},
            }
        },
    )


def test_the_model_is_a_mesa_model_with_one_agent_per_actor() -> None:
    model = simulate(two_party(), [0, 1, 2])
    assert isinstance(model, mesa.Model)
    agents = list(model.agents)
    assert len(agents) == 3
    assert all(isinstance(agent, mesa.Agent) and isinstance(agent, Actor) for agent in agents)
    assert [agent.key for agent in agents] == ["a", "b", "c"]
    assert [agent.veto for agent in agents] == [True, True, False]
    assert [agent.unique_id for agent in agents] == [1, 2, 3]
    # the agents carry their actor's arrays over the model's worlds
    np.testing.assert_array_equal(agents[0].position, np.ones((3, 1)))
    assert agents[1].reservation.shape == (3,)


def test_mesa_steps_count_the_rounds_played() -> None:
    # symmetric linear concession over 11 rounds: deal in round 6 (see test_strategies)
    model = simulate(two_party(), [0])
    assert model.end_round.tolist() == [6]
    assert model.steps == 6
    assert not model.running
    # reservations 0.6 and 0.5 leave no zone of agreement: all 9 rounds are played
    model = simulate(two_party(max_rounds=9, reservation_a=0.6, reservation_b=0.5), [0, 1])
    assert model.end_round.tolist() == [9, 9]
    assert model.steps == 9


def test_a_step_is_the_protocol_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []
    for method in ("reassess", "set_threshold", "respond"):
        original = getattr(Actor, method)

        def spy(self: Actor, original=original, method=method) -> None:  # type: ignore[no-untyped-def]
            calls.append((method, self.key))
            original(self)

        monkeypatch.setattr(Actor, method, spy)
    model = NegotiationModel(two_party(), [0, 1])
    model.step()
    assert calls == [
        (method, key)
        for method in ("reassess", "set_threshold", "respond")
        for key in ("a", "b", "c")
    ]


def test_the_datacollector_aggregates_a_batch_round_by_round() -> None:
    scenario = load_scenario("alaska-summit")
    worlds = np.arange(400)
    model = simulate(scenario, worlds)
    rounds = model.datacollector.get_model_vars_dataframe()
    assert rounds["round"].tolist() == list(range(1, model.steps + 1))
    ended = (
        rounds["agreements"] + rounds["breakdowns"] + rounds["deadlines"] + rounds["not_ratified"]
    )
    assert int(ended.sum()) == worlds.size
    np.testing.assert_array_equal(
        rounds["open"].to_numpy()[1:], (rounds["open"] - ended).to_numpy()[:-1]
    )
    columns = run_batch(scenario, worlds)
    assert int(rounds["agreements"].sum()) == int(columns["agreed"].sum())
    per_actor = model.datacollector.get_agent_vars_dataframe()
    assert len(per_actor) == len(rounds) * len(scenario.actors)
    open_at = rounds.set_index("round")["open"]
    steps = per_actor.index.get_level_values("Step")
    assert (per_actor["accepting"].to_numpy() <= open_at.loc[steps].to_numpy()).all()
    assert per_actor["threshold"].between(-1.0, 1.0).all()


def test_one_world_s_datacollector_is_its_trajectory() -> None:
    scenario = load_scenario("alaska-summit")
    run = run_single(scenario, world=3)
    assert len(run.trajectory) == run.record["round"]
    model = NegotiationModel(scenario, [3], record_trajectory=True)
    while model.running:
        model.step()
    agents = model.datacollector.get_agent_vars_dataframe()
    last = run.trajectory[-1]
    for agent in model.agents:
        assert (
            agents.loc[(model.steps, agent.unique_id), "threshold"]
            == last[f"threshold.{agent.key}"]
        )
    assert model.datacollector.model_vars["proposer"][-1] == last["proposer"]


def test_a_trajectory_is_for_one_world() -> None:
    with pytest.raises(ValueError, match="one world"):
        NegotiationModel(two_party(), [0, 1], record_trajectory=True)


def test_the_model_takes_seed_or_rng_as_mesa_does() -> None:
    scenario = load_scenario("alaska-summit")
    by_seed = simulate(scenario, np.arange(50), seed=11)
    by_rng = NegotiationModel(scenario, np.arange(50), rng=11)
    while by_rng.running:
        by_rng.step()
    np.testing.assert_array_equal(by_seed.end_round, by_rng.end_round)
    assert by_rng.seed == 11
    generator = NegotiationModel(scenario, [0], rng=np.random.default_rng(5))
    assert generator.seed == NegotiationModel(scenario, [0], rng=np.random.default_rng(5)).seed
    assert NegotiationModel(scenario, [0]).seed == scenario.seed
    with pytest.raises(ValueError, match="either rng or seed"):
        NegotiationModel(scenario, [0], seed=1, rng=1)


def test_a_model_is_not_kept_alive_by_mesa() -> None:
    model = NegotiationModel(two_party(), [0])  # built and stepped the Mesa way, never released
    model.step()
    reference = weakref.ref(model)
    del model
    gc.collect()
    assert reference() is None


class _PlainAgent(mesa.Agent):  # type: ignore[misc]
    """An agent with Mesa's own id registry."""


def test_plain_mesa_agents_still_keep_their_model_alive() -> None:
    """Upstream mesa/mesa#3179: when this fails, Mesa has the fix and sim/core/mesa_compat.py goes."""
    model = mesa.Model(seed=0)
    _PlainAgent(model)
    reference = weakref.ref(model)
    del model
    gc.collect()
    assert reference() is not None


EQUILIBRIUM = {
    f"actors.{a}.strategy": {"kind": "equilibrium"} for a in ("russia", "us", "ukraine", "nato")
}


@pytest.mark.parametrize(
    ("name", "overrides"),
    [("alaska-summit", {}), ("misperception", {}), ("alaska-summit", EQUILIBRIUM)],
    ids=["concession", "misperceived", "equilibrium"],
)
def test_a_finished_round_is_freed_without_the_cyclic_collector(
    name: str, overrides: dict[str, object]
) -> None:
    """A round's arrays (its open worlds' copy, thresholds, offers) go as soon as the next round
    replaces it: nothing the round holds refers back to it or to the model.  A closure over the
    round in its threshold inputs once made every round a reference cycle, which kept a
    25,000-world chunk's rounds alive until a full collection (a worker's peak 563-650 MB
    instead of 333, and ~9% of a complete-information chunk's time)."""
    model = NegotiationModel(load_scenario(name, overrides), np.arange(200))
    finished: list[weakref.ref[object]] = []
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(4):
            finished.append(weakref.ref(model.open_round))
            model.step()
        assert model.open_round.number == 4  # four rounds played (the last may close them all)
        assert all(reference() is None for reference in finished), "a round outlived its turn"
    finally:
        if enabled:
            gc.enable()
