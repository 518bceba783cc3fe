"""The compromise, Nash and Kalai-Smorodinsky forecasts against their closed forms, a direct
numerical optimum, and Rubinstein's continuous-time limit run on Parley's own equilibrium engine."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from pies import pie
from scipy.optimize import brentq, minimize, minimize_scalar

from sim.core.batch import build_batch
from sim.core.runner import run_single
from sim.forecast.axiomatic import bargaining_weights, scenario_solutions
from sim.forecast.registry import Options, UnknownModelError, forecast, model_named, models
from sim.scenario.schema import Scenario

SOLVER = 1e-6  # SLSQP with ftol 1e-13 on smooth concave programs


def scenario_of(actors: dict[str, dict[str, Any]], issues: list[str]) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "frontier",
            "issues": {k: {"low": "0", "high": "1", "status_quo": 0.5} for k in issues},
            "actors": {key: {"name": key, **spec} for key, spec in actors.items()},
        }
    )


# --- compromise -----------------------------------------------------------------------------


def three_parties(salience_c: float) -> Scenario:
    def actor(cap: float, pos: tuple[float, float], s: tuple[float, float]) -> dict[str, Any]:
        return {
            "capability": cap,
            "position": {"x": pos[0], "y": pos[1]},
            "salience": {"x": s[0], "y": s[1]},
        }

    return scenario_of(
        {
            "a": actor(2.0, (0.0, 1.0), (0.75, 0.25)),
            "b": actor(1.0, (1.0, 0.0), (0.5, 0.5)),
            "c": actor(4.0, (0.9, 0.2), (salience_c, 1.0 - salience_c)),
        },
        ["x", "y"],
    )


def test_compromise_is_the_capability_salience_weighted_mean() -> None:
    # x: weights 2*.75 = 1.5, 1*.5 = .5, 4*.2 = .8 -> (0 + .5 + .72) / 2.8
    # y: weights 2*.25 = .5, 1*.5 = .5, 4*.8 = 3.2 -> (.5 + 0 + .64) / 4.2
    scenario = three_parties(0.2)
    terms = forecast(scenario, build_batch(scenario, [0]), "compromise").terms[0]
    assert terms == pytest.approx([1.22 / 2.8, 1.14 / 4.2], abs=1e-12)
    # weighted median: x sorted 0 (1.5), .9 (.8), 1 (.5): half of 2.8 is reached at 0
    median = forecast(scenario, build_batch(scenario, [0]), "weighted-median").terms[0]
    assert median == pytest.approx([0.0, 0.2], abs=1e-12)


def test_a_zero_salience_actor_carries_no_weight() -> None:
    scenario = three_parties(0.0)  # c does not care about x at all
    terms = forecast(scenario, build_batch(scenario, [0]), "compromise").terms[0]
    assert terms[0] == pytest.approx(0.5 / 2.0, abs=1e-12)  # only a and b
    assert terms[1] == pytest.approx((0.5 + 4.0 * 0.2) / 5.0, abs=1e-12)


def test_an_issue_nobody_cares_about_stays_at_the_status_quo() -> None:
    def actor(pos: float) -> dict[str, Any]:
        return {"position": {"x": pos, "y": pos}, "salience": {"x": 1.0, "y": 0.0}}

    scenario = scenario_of({"a": actor(0.0), "b": actor(1.0)}, ["x", "y"])
    for name in ("compromise", "weighted-median", "expected-utility"):
        assert forecast(scenario, build_batch(scenario, [0]), name).terms[0, 1] == 0.5


def test_compromise_follows_each_world_of_a_batch() -> None:
    scenario = three_parties(0.2)
    batch = build_batch(scenario, [0, 1], overrides={"actors.c.position.x": np.array([0.9, 0.0])})
    terms = forecast(scenario, batch, "compromise").terms
    assert terms[:, 0] == pytest.approx([1.22 / 2.8, 0.5 / 2.8], abs=1e-12)


# --- Nash on the linear pie -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("d_a", "d_b", "w_a", "w_b"),
    [(0.0, 0.0, 1.0, 1.0), (0.2, 0.1, 1.0, 3.0), (0.3, 0.4, 2.0, 1.0), (0.05, 0.6, 0.5, 0.5)],
)
def test_nash_on_the_linear_pie(d_a: float, d_b: float, w_a: float, w_b: float) -> None:
    scenario = pie({"reservation": d_a}, {"reservation": d_b}, {})
    expected = d_a + w_a / (w_a + w_b) * (1.0 - d_a - d_b)
    options = Options(weights={"a": w_a, "b": w_b})
    prediction = forecast(scenario, build_batch(scenario, [0]), "nash", options)
    assert prediction.terms[0, 0] == pytest.approx(expected, abs=SOLVER)
    assert prediction.utilities[0] == pytest.approx([expected, 1.0 - expected], abs=SOLVER)


def test_capability_and_uniform_weights() -> None:
    scenario = pie({"reservation": 0.0, "capability": 3.0}, {"reservation": 0.0}, {})
    assert bargaining_weights(scenario, "capability") == {"a": 0.75, "b": 0.25}
    assert bargaining_weights(scenario, "uniform") == {"a": 0.5, "b": 0.5}
    batch = build_batch(scenario, [0])
    assert forecast(scenario, batch, "nash").terms[0, 0] == pytest.approx(0.75, abs=SOLVER)
    uniform = forecast(scenario, batch, "nash", Options(weights="uniform"))
    assert uniform.terms[0, 0] == pytest.approx(0.5, abs=SOLVER)


def test_given_weights_must_name_the_veto_players() -> None:
    scenario = pie({"reservation": 0.0}, {"reservation": 0.0}, {})
    with pytest.raises(ValueError, match="not a veto player"):
        bargaining_weights(scenario, {"a": 1.0, "b": 1.0, "zz": 1.0})
    with pytest.raises(ValueError, match="no bargaining weight given for veto player 'b'"):
        bargaining_weights(scenario, {"a": 1.0})


# --- a concave frontier: one linear party, one quadratic ------------------------------------


D_A, D_B, W_A, W_B = 0.1, 0.2, 0.3, 0.7


def concave_pie() -> Scenario:
    """U_a = x (linear, ideal 1), U_b = 1 - x^2 (quadratic, ideal 0): a concave frontier."""
    return scenario_of(
        {
            "a": {
                "utility": "linear",
                "position": {"x": 1.0},
                "salience": {"x": 1.0},
                "reservation": D_A,
            },
            "b": {
                "utility": "quadratic",
                "position": {"x": 0.0},
                "salience": {"x": 1.0},
                "reservation": D_B,
            },
        },
        ["x"],
    )


def test_nash_on_a_concave_frontier_matches_a_direct_optimum() -> None:
    top = math.sqrt(1.0 - D_B)

    def negative_nash_product(x: float) -> float:
        return -(W_A * math.log(x - D_A) + W_B * math.log(1.0 - x * x - D_B))

    direct = minimize_scalar(
        negative_nash_product,
        bounds=(D_A + 1e-12, top - 1e-12),
        method="bounded",
        options={"xatol": 1e-12},
    )
    scenario = concave_pie()
    options = Options(weights={"a": W_A, "b": W_B})
    nash = forecast(scenario, build_batch(scenario, [0]), "nash", options).terms[0, 0]
    assert nash == pytest.approx(direct.x, abs=SOLVER)


def test_kalai_smorodinsky_on_a_concave_frontier() -> None:
    best_a = math.sqrt(1.0 - D_B)  # a's best inside the deal space: b at exactly its floor
    best_b = 1.0 - D_A**2  # b's best: x = D_A, a at exactly its floor

    def unequal_shares(x: float) -> float:
        return (x - D_A) / (best_a - D_A) - (1.0 - x * x - D_B) / (best_b - D_B)

    expected = brentq(unequal_shares, D_A, best_a, xtol=1e-14)
    scenario = concave_pie()
    solutions = scenario_solutions(scenario, "uniform")
    assert solutions.best_utility == pytest.approx([best_a, best_b], abs=SOLVER)
    ks = forecast(scenario, build_batch(scenario, [0]), "kalai-smorodinsky").terms[0, 0]
    assert ks == pytest.approx(expected, abs=SOLVER)


def test_nash_on_a_two_issue_concave_frontier_matches_a_direct_optimum() -> None:
    a = {
        "utility": "linear",
        "position": {"x": 1.0, "y": 1.0},
        "salience": {"x": 0.5, "y": 0.5},
        "reservation": 0.1,
    }
    b = {
        "utility": "quadratic",
        "position": {"x": 0.0, "y": 0.2},
        "salience": {"x": 0.7, "y": 0.3},
        "reservation": 0.3,
    }
    scenario = scenario_of({"a": a, "b": b}, ["x", "y"])

    def negative_nash_product(z: np.ndarray) -> float:
        u_a = 1.0 - 0.5 * abs(z[0] - 1.0) - 0.5 * abs(z[1] - 1.0)
        u_b = 1.0 - 0.7 * z[0] ** 2 - 0.3 * (z[1] - 0.2) ** 2
        if u_a <= 0.1 or u_b <= 0.3 or np.any(z < 0) or np.any(z > 1):
            return math.inf
        return -(0.5 * math.log(u_a - 0.1) + 0.5 * math.log(u_b - 0.3))

    grid = [np.array([x, y]) for x in np.linspace(0, 1, 41) for y in np.linspace(0, 1, 41)]
    start = min(grid, key=negative_nash_product)
    direct = minimize(
        negative_nash_product,
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20_000},
    )
    options = Options(weights="uniform")
    nash = forecast(scenario, build_batch(scenario, [0]), "nash", options).terms[0]
    assert nash == pytest.approx(direct.x, abs=1e-5)
    assert -negative_nash_product(nash) >= -direct.fun - 1e-10


def test_no_deal_space_means_no_axiomatic_prediction() -> None:
    scenario = pie({"reservation": 0.7}, {"reservation": 0.6}, {})
    batch = build_batch(scenario, [0])
    for name in ("nash", "kalai-smorodinsky"):
        prediction = forecast(scenario, batch, name)
        assert np.isnan(prediction.terms).all() and np.isnan(prediction.utilities).all()


# --- Rubinstein's continuous-time limit -----------------------------------------------------


def test_rubinstein_tends_to_nash_with_weights_inverse_to_discount_rates() -> None:
    """Discount factors e^(-r_i dt): as dt -> 0 a's share tends to the Nash split with w_i ~ 1/r_i.

    (1 - e^(-r_b dt)) / (1 - e^(-(r_a + r_b) dt)) = r_b / (r_a + r_b) + O(dt); the engine's
    agreed share must be within dt of the Nash forecast and close in on it as dt shrinks.
    """
    r_a, r_b = 1.0, 2.0
    nash_scenario = pie({"reservation": 0.0}, {"reservation": 0.0}, {})
    options = Options(weights={"a": 1.0 / r_a, "b": 1.0 / r_b})
    nash = forecast(nash_scenario, build_batch(nash_scenario, [0]), "nash", options).terms[0, 0]
    assert nash == pytest.approx(r_b / (r_a + r_b), abs=SOLVER)
    errors = []
    for dt in (0.2, 0.05, 0.0125):

        def party(rate: float, dt: float = dt) -> dict[str, Any]:
            return {
                "reservation": 0.0,
                "discount": math.exp(-rate * dt),
                "strategy": {"kind": "equilibrium"},
            }

        scenario = pie(
            party(r_a), party(r_b), {"kind": "alternating", "order": ["a", "b"], "max_rounds": 10}
        )
        record = run_single(scenario).record
        assert record["agreed"] and record["round"] == 1
        errors.append(abs(record["terms"]["share"] - nash))
        assert errors[-1] <= dt
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] / errors[1] == pytest.approx(0.25, abs=0.02)  # first order in dt


# --- the registry ---------------------------------------------------------------------------


def test_every_builtin_model_is_registered() -> None:
    assert {
        "compromise",
        "weighted-median",
        "nash",
        "kalai-smorodinsky",
        "expected-utility",
    } <= set(models())


def test_an_unknown_model_gets_a_suggestion() -> None:
    with pytest.raises(UnknownModelError, match="did you mean 'nash'"):
        model_named("nsh")
