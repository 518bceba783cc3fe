"""The value of fighting on (annuity of the war's expected path) against brute-force sums."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.war_value import discounted_losses, war_values

SERIES = 1e-9  # the geometric-series closed forms lose a few digits when delta is near 1


def brute_force(start: float, drift: float, ideal: float, linear: bool, delta: float) -> float:
    steps = np.arange(40_000)
    path = np.clip(start + steps * drift, 0.0, 1.0)
    loss = np.abs(path - ideal) ** (1 if linear else 2)
    return float((1.0 - delta) * np.sum(delta**steps * loss))


@settings(max_examples=300, deadline=None)
@given(
    start=st.floats(0.0, 1.0),
    drift=st.one_of(st.just(0.0), st.floats(-0.3, 0.3)),
    ideal=st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0)),
    linear=st.booleans(),
    delta=st.floats(0.3, 0.999),
)
def test_closed_form_equals_the_discounted_sum(
    start: float, drift: float, ideal: float, linear: bool, delta: float
) -> None:
    got = discounted_losses(
        np.array(start), np.array(drift), np.array(ideal), np.array(linear), np.array(delta)
    )
    assert abs(float(got) - brute_force(start, drift, ideal, linear, delta)) <= SERIES


def test_without_drift_the_war_value_is_the_status_quo_flow() -> None:
    """No drift: W_i = U_i(q) - c_i, the no-deal value of a complete-information round."""
    status_quo = np.array([[0.3, 0.8]])
    position = np.array([[[1.0, 0.0], [0.2, 0.9]]])
    salience = np.array([[[0.6, 0.4], [0.5, 0.5]]])
    linear = np.array([True, False])
    cost = np.array([[0.05, 0.1]])
    values = war_values(
        status_quo,
        np.zeros((1, 2)),
        position,
        salience,
        linear[None],
        np.array([[0.9, 0.95]]),
        cost,
    )
    flow = np.array([1 - 0.6 * 0.7 - 0.4 * 0.8 - 0.05, 1 - 0.5 * 0.01 - 0.5 * 0.01 - 0.1])
    np.testing.assert_allclose(values[0], flow, rtol=0, atol=1e-12)


def test_an_actor_gaining_ground_values_the_war_above_its_current_flow() -> None:
    """Russia-like a (ideal 1) gains when the front drifts up; b (ideal 0) loses; both by the
    discounted drift: for a linear loss far from the bound W - flow = mu delta / (1 - delta)."""
    status_quo, drift = np.array([[0.5]]), np.array([[0.001]])
    position = np.array([[[1.0], [0.0]]])
    salience = np.ones((1, 2, 1))
    delta = np.array([[0.9, 0.9]])
    values = war_values(
        status_quo, drift, position, salience, np.array([[True, True]]), delta, np.zeros((1, 2))
    )
    anticipated = 0.001 * 0.9 / 0.1
    np.testing.assert_allclose(values[0], [0.5 + anticipated, 0.5 - anticipated], atol=1e-12)


def test_without_discounting_the_war_is_worth_where_it_ends() -> None:
    """delta = 1: the Abel limit of the annuity is the utility at the path's bound."""
    got = discounted_losses(
        np.array([0.4, 0.4, 0.4]),
        np.array([0.01, -0.01, 0.0]),
        np.array([0.2, 0.2, 0.2]),
        np.array([True, False, True]),
        np.array([1.0, 1.0, 1.0]),
    )
    np.testing.assert_allclose(got, [0.8, 0.04, 0.2], atol=1e-15)
