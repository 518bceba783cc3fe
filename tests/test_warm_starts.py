"""Warm starts (sim.core.solver.WarmStarts): a solve that starts from the last one's state gives
the same answer as a cold one, and a world's fate still depends only on (seed, world)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from columns import assert_same_columns, rows

from sim.core.batch import Structure, build_batch
from sim.core.equilibrium import stationary_thresholds
from sim.core.runner import run_batch
from sim.core.simplex import Basis
from sim.core.solver import WarmStarts, solve_offers
from sim.core.tolerances import FEASIBILITY_TOLERANCE
from sim.core.utility import utilities
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]


def equilibrium_baseline(utility: str, actors: int, conceding: int = 0) -> Scenario:
    """The Anchorage baseline with its first ``actors`` actors playing equilibrium, except the
    first ``conceding`` ones, who keep their concession curves."""
    data = load_scenario(ROOT / "scenarios" / "alaska-summit.yaml").model_dump()
    kept = list(data["actors"])[:actors]
    data["actors"] = {
        key: {
            **data["actors"][key],
            "utility": utility,
            **({} if a < conceding else {"strategy": {"kind": "equilibrium"}}),
        }
        for a, key in enumerate(kept)
    }
    data["extends"] = None
    for layer in ("ratification", "implementation"):  # the bargaining alone
        data.pop(layer, None)
    return Scenario.model_validate(data)


def jittered(scenario: Scenario, worlds: int, seed: int) -> dict[str, np.ndarray]:
    """Per-world ideal points around the scenario's."""
    rng = np.random.default_rng(seed)
    issues = list(scenario.issues)
    return {
        f"actors.{key}.position": np.clip(
            np.array([actor.position[k] for k in issues])
            + rng.normal(0.0, 0.08, size=(worlds, len(issues))),
            0.0,
            1.0,
        )
        for key, actor in scenario.actors.items()
    }


@pytest.mark.parametrize(("utility", "low"), [("linear", 0.3), ("quadratic", 0.65)])
def test_warm_solves_match_cold_ones(utility: str, low: float) -> None:
    """Proposer 1 of 4 solved against thresholds, then against moved thresholds from the first
    solve's state: the same feasibility and (to solver precision) the same packages."""
    scenario = equilibrium_baseline(utility, 4)
    batch = build_batch(scenario, np.arange(300), overrides=jittered(scenario, 300, 1))
    structure = Structure.of(scenario)
    rng = np.random.default_rng(3)
    proposer = np.full(300, 1, dtype=np.int64)
    warm = WarmStarts(300)
    args = (batch.position, batch.salience, structure.linear, structure.veto, proposer)
    first = rng.uniform(low, low + 0.45 * (1.0 - low) / 0.7, size=(300, 4))
    solve_offers(*args, first, warm=warm)
    kept = warm.state[1]
    assert isinstance(kept, Basis) == (utility == "linear")
    moved = first + rng.uniform(-0.05, 0.05, size=first.shape)
    cold = solve_offers(*args, moved)
    again = solve_offers(*args, moved, warm=warm)
    np.testing.assert_array_equal(again.feasible, cold.feasible)
    assert 30 <= cold.feasible.sum() <= 270
    # the proposer's utility is the same (a linear programme's package need not be unique)
    linear = np.broadcast_to(structure.linear, (300, 4))
    ours = utilities(again.package, batch.position, batch.salience, linear)[cold.feasible]
    reference = utilities(cold.package, batch.position, batch.salience, linear)[cold.feasible]
    np.testing.assert_allclose(ours[:, 1], reference[:, 1], atol=1e-9)
    others = [0, 2, 3]
    assert np.all(ours[:, others] >= moved[cold.feasible][:, others] - FEASIBILITY_TOLERANCE)


def test_a_stored_state_is_kept_per_world() -> None:
    """put/take round-trip: worlds that never had a state start cold (basis -1, multipliers 0)."""
    store = WarmStarts(5)
    part = WarmStarts(2, {0: np.array([[1.0], [2.0]])})
    store.put(np.array([1, 3]), part)
    np.testing.assert_array_equal(store.state[0][:, 0], [0.0, 1.0, 0.0, 2.0, 0.0])
    basis = Basis(np.array([[4, 5]]), np.array([[True, False, True]]))
    store.put(np.array([2]), WarmStarts(1, {7: basis}))
    kept = store.state[7]
    assert isinstance(kept, Basis)
    np.testing.assert_array_equal(kept.basic[:, 0], [-1, -1, 4, -1, -1])
    np.testing.assert_array_equal(store.take(np.array([2])).state[7].at_upper, basis.at_upper)


@pytest.mark.parametrize("utility", ["linear", "quadratic"])
def test_equilibrium_thresholds_do_not_depend_on_warm_starts(utility: str) -> None:
    """Value iteration with solver states carried over equals the cold-started one (1e-9)."""
    scenario = equilibrium_baseline(utility, 3)
    batch = build_batch(scenario, np.arange(60), overrides=jittered(scenario, 60, 2))
    structure = Structure.of(scenario)
    world = (batch.position, batch.salience, batch.recognition, batch.discount, batch.breakdown)
    common = (structure, *world, np.full((60, 3), 0.2))
    warm = WarmStarts(60)
    with_states = stationary_thresholds(*common, warm=warm)
    assert set(warm.state) == {0, 1, 2}
    # a second solve from the kept states (as in the next round) lands on the same fixed point
    again = stationary_thresholds(*common, start=with_states, warm=warm)
    reference = stationary_thresholds(*common)
    np.testing.assert_allclose(with_states, reference, atol=1e-9)
    np.testing.assert_allclose(again, reference, atol=1e-9)


@pytest.mark.parametrize("utility", ["linear", "quadratic"])
def test_an_equilibrium_world_is_the_same_alone_and_in_a_batch(utility: str) -> None:
    """With the war moving the status quo, equilibrium thresholds are recomputed every round
    from the last round's solver states: still bit for bit the same alone as in a batch.  (A
    Boulware concession player makes the first rounds fail.)"""
    scenario = equilibrium_baseline(utility, 3, conceding=1)
    overrides = jittered(scenario, 40, 4)
    together = run_batch(scenario, np.arange(40), overrides=overrides)
    assert np.ptp(np.asarray(together["round"])) > 0  # several rounds: states carried over
    for world in (0, 17, 39):
        alone = run_batch(
            scenario,
            np.array([world]),
            overrides={path: values[world : world + 1] for path, values in overrides.items()},
        )
        assert_same_columns(alone, rows(together, [world]))
