"""The proposer's problem under private information against monopoly pricing and its own family."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.beliefs import Belief
from sim.core.uncertain_offer import (
    UncertainResponder,
    highest_accepting_value,
    risky_offers,
    threshold_of,
)
from sim.distributions.inversion import Distribution

CLOSED_FORM = 1e-6

WIDE = Belief("reservation", Distribution("uniform", -1.0, 1.0, (-1.0, 1.0)))
"""Uniform on [-1, 1]: truncated to (a, b] by a world's bounds it is uniform on (a, b]."""


def pie(n: int, actors: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Actor 0 wants the whole linear pie (position 1); every other actor wants it all at 0.

    With one issue each responder's utility is 1 - x; with ``actors`` > 2 a package is a point
    on [0, 1], so responders are served together (the tests below use the two-actor pie).
    """
    position = np.zeros((n, actors, 1))
    position[:, 0, 0] = 1.0
    salience = np.ones((n, actors, 1))
    return position, salience, np.ones(actors, dtype=bool), np.ones(actors, dtype=bool)


def monopoly(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Take it or leave it: the responder's reservation r ~ U[a, b] accepts x iff x >= r.

    The proposer keeps 1 - x: max_x P(r <= x) (1 - x) + (1 - P) w with P = (x - a) / (b - a)
    on [a, b]; the first-order condition (1 - x - w) - (x - a) = 0 gives
    x* = clip((1 + a - w) / 2, a, b) and P* = (x* - a) / (b - a).
    """
    offer = np.clip((1.0 + a - w) / 2.0, a, b)
    return offer, (offer - a) / (b - a)


# (a, b, w): interior optima and one at the top of the support (P = 1).
CASES = np.array(
    [[0.2, 0.6, 0.1], [0.0, 1.0, 0.0], [0.1, 0.5, 0.3], [0.3, 0.45, 0.1], [-0.2, 0.7, 0.25]]
)


def take_it_or_leave_it(a: np.ndarray, b: np.ndarray, w: np.ndarray):  # type: ignore[no-untyped-def]
    n = a.size
    position, salience, linear, veto = pie(n)
    threshold = np.column_stack([w, np.full(n, np.nan)])  # the responder's is uncertain
    responder = UncertainResponder(
        actor=1, belief=WIDE, lo=a, hi=b, base=np.zeros(n), a=np.zeros(n), s=np.ones(n)
    )
    uncertain = np.zeros((n, 2), dtype=bool)
    uncertain[:, 1] = True
    return risky_offers(
        position,
        salience,
        linear,
        veto,
        np.zeros(n, dtype=np.int64),
        threshold,
        w,
        [responder],
        uncertain,
    )


def test_monopoly_pricing_offer_and_acceptance_probability() -> None:
    a, b, w = CASES.T
    offers = take_it_or_leave_it(a, b, w)
    expected_offer, expected_p = monopoly(a, b, w)
    np.testing.assert_allclose(expected_offer, [0.55, 0.5, 0.4, 0.45, 0.275], atol=1e-15)
    np.testing.assert_allclose(expected_p, [0.875, 0.5, 0.75, 1.0, 0.475 / 0.9], atol=1e-15)
    assert offers.feasible.all()
    responder_share = 1.0 - offers.package[:, 0]
    np.testing.assert_allclose(responder_share, expected_offer, rtol=0, atol=CLOSED_FORM)
    np.testing.assert_allclose(offers.probability, expected_p, rtol=0, atol=CLOSED_FORM)


def test_no_offer_when_no_type_is_worth_serving() -> None:
    """w = 0.95 > 1 - a: every acceptable offer leaves the proposer below its failed round."""
    offers = take_it_or_leave_it(np.array([0.1]), np.array([0.5]), np.array([0.95]))
    assert not offers.feasible[0]


def test_threshold_map_and_its_inverse() -> None:
    b = np.linspace(-0.5, 0.9, 29)
    for a, s in [(0.3, 0.5), (0.0, 1.0), (0.4, 0.0), (0.05, 0.2)]:
        av, sv = np.full_like(b, a), np.full_like(b, s)
        threshold = threshold_of(b, av, sv)
        assert np.all(threshold >= b)
        # b*(T(b)) is the toughest type accepting T(b): at least b, and T(b*) <= T(b).
        inverse = highest_accepting_value(threshold, av, sv)
        assert np.all(inverse >= b - 1e-12)
        assert np.all(threshold_of(inverse, av, sv) <= threshold + 1e-12)


@settings(max_examples=10, deadline=None)
@given(
    low=st.floats(0.0, 0.4),
    width=st.floats(0.1, 0.5),
    w=st.floats(0.0, 0.4),
)
def test_two_uncertain_responders_get_their_alpha_types_thresholds(
    low: float, width: float, w: float
) -> None:
    """Three parties on two issues, quadratic utilities: a wants both at 1, b cares only for
    issue 0 (ideal 0), c only for issue 1 (ideal 0.5).

    With both responders uncertain the proposer offers each the threshold of its alpha-type, so
    P = alpha**2; the chosen alpha beats every other alpha on a grid (the family's optimum).
    """
    n = 1
    position = np.array([[[1.0, 1.0], [0.0, 0.5], [0.5, 0.5]]])
    salience = np.array([[[0.5, 0.5], [1.0, 0.0], [0.0, 1.0]]])
    linear, veto = np.zeros(3, dtype=bool), np.ones(3, dtype=bool)
    lo, hi = np.array([low]), np.array([low + width])
    responders = [
        UncertainResponder(k, WIDE, lo, hi, np.zeros(n), np.zeros(n), np.ones(n)) for k in (1, 2)
    ]
    uncertain = np.array([[False, True, True]])
    threshold = np.array([[w, np.nan, np.nan]])
    offers = risky_offers(
        position,
        salience,
        linear,
        veto,
        np.zeros(n, dtype=np.int64),
        threshold,
        np.array([w]),
        responders,
        uncertain,
    )
    assert offers.feasible[0]
    # (each responder's acceptance tolerance adds up to 2e-7 / width to its probability)
    assert offers.probability[0] == pytest.approx(offers.alpha[0] ** 2, abs=1e-5)
    # a's best package serving both alpha-types (reservation cut r = low + alpha width):
    # b's 1 - x0**2 >= r  <=>  x0 <= sqrt(1 - r);  c's 1 - (x1 - 0.5)**2 >= r  <=>
    # x1 <= 0.5 + sqrt(1 - r); a takes each issue as high as allowed.
    alphas = np.linspace(0.0, 1.0, 401)
    cut = low + alphas * width
    x0 = np.minimum(np.sqrt(1.0 - cut), 1.0)
    x1 = np.minimum(0.5 + np.sqrt(1.0 - cut), 1.0)
    value_a = 1.0 - 0.5 * (1.0 - x0) ** 2 - 0.5 * (1.0 - x1) ** 2
    objective = np.where(value_a >= w, alphas**2 * (value_a - w), -np.inf)
    package = offers.package[0]
    utility_a = 1.0 - 0.5 * (1.0 - package[0]) ** 2 - 0.5 * (1.0 - package[1]) ** 2
    achieved = offers.probability[0] * (utility_a - w)
    assert achieved >= objective.max() - 1e-6
