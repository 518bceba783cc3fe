"""Beliefs about private values: distributions, truncation by responses, contradictions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.core.beliefs import Belief
from sim.distributions.inversion import Distribution, choice_distribution

EXACT = 1e-12

DISTRIBUTIONS = {
    "uniform": (Distribution("uniform", 0.1, 0.3, (0.1, 0.3)), stats.uniform(0.1, 0.2)),
    "normal": (
        Distribution("normal", 0.0, 1.0, (0.2, 0.1)),
        stats.truncnorm((0.0 - 0.2) / 0.1, (1.0 - 0.2) / 0.1, loc=0.2, scale=0.1),
    ),
    "beta": (Distribution("beta", 0.0, 1.0, (2.0, 6.0)), stats.beta(2.0, 6.0)),
    "triangular": (
        Distribution("triangular", 0.05, 0.4, (0.05, 0.1, 0.4)),
        stats.triang((0.1 - 0.05) / 0.35, loc=0.05, scale=0.35),
    ),
}


@pytest.mark.parametrize("kind", sorted(DISTRIBUTIONS))
def test_cdf_and_quantile_match_scipy(kind: str) -> None:
    ours, reference = DISTRIBUTIONS[kind]
    x = np.linspace(-0.1, 1.1, 241)
    np.testing.assert_allclose(ours.cdf(x), reference.cdf(x), rtol=0, atol=1e-10)
    p = np.linspace(0.001, 0.999, 199)
    np.testing.assert_allclose(ours.quantile(p), reference.ppf(p), rtol=0, atol=1e-9)
    assert ours.mean() == pytest.approx(reference.mean(), abs=1e-9)


def test_choice_cdf_is_right_continuous_and_strict_is_the_left_limit() -> None:
    dist = choice_distribution([0.3, 0.1, 0.3, 0.6], [1.0, 2.0, 1.0, 4.0])  # 0.3 merges
    assert dist.atoms == (0.1, 0.3, 0.6)
    np.testing.assert_allclose(dist.cumulative, [0.25, 0.5, 1.0])
    np.testing.assert_allclose(dist.cdf(np.array([0.1, 0.3, 0.59, 0.6])), [0.25, 0.5, 0.5, 1.0])
    np.testing.assert_allclose(dist.cdf(np.array([0.1, 0.3, 0.6]), strict=True), [0.0, 0.25, 0.5])
    np.testing.assert_allclose(
        dist.quantile(np.array([0.1, 0.25, 0.26, 1.0])), [0.1, 0.1, 0.3, 0.6]
    )
    assert dist.mean() == pytest.approx(0.25 * 0.1 + 0.25 * 0.3 + 0.5 * 0.6)


@pytest.mark.parametrize("kind", sorted(DISTRIBUTIONS))
@pytest.mark.parametrize("field", ["war_cost", "reservation"])
def test_acceptance_probability_is_the_truncated_prior(kind: str, field: str) -> None:
    """P(accept | lo < v <= hi) = F-mass of the accepting side over the mass of the bounds."""
    dist, reference = DISTRIBUTIONS[kind]
    belief = Belief(field, dist)  # type: ignore[arg-type]
    lo, hi = np.full(50, 0.12), np.full(50, 0.35)
    cut = np.linspace(0.0, 0.5, 50)
    mass = reference.cdf(0.35) - reference.cdf(0.12)
    inside = np.clip(cut, 0.12, 0.35)
    below = (reference.cdf(inside) - reference.cdf(0.12)) / mass
    expected = 1.0 - below if field == "war_cost" else below
    np.testing.assert_allclose(belief.acceptance_probability(lo, hi, cut), expected, atol=1e-10)


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(sorted(DISTRIBUTIONS)),
    field=st.sampled_from(["war_cost", "reservation"]),
    alpha=st.floats(0.001, 0.999),
    lo=st.floats(0.0, 0.2),
    width=st.floats(0.05, 0.8),
)
def test_the_cut_for_alpha_is_accepted_with_probability_alpha(
    kind: str, field: str, alpha: float, lo: float, width: float
) -> None:
    belief = Belief(field, DISTRIBUTIONS[kind][0])  # type: ignore[arg-type]
    low, high = np.array([lo]), np.array([min(lo + width, 1.0)])
    if belief.refuted(low, high)[0]:
        return
    cut = belief.cut_for(low, high, np.array([alpha]))
    assert belief.acceptance_probability(low, high, cut)[0] == pytest.approx(alpha, abs=1e-7)


def test_a_rejection_truncates_the_belief_towards_tough_types() -> None:
    """Rejecting shows a war cost below the cut (or a reservation above it): later offers that
    were acceptable to the excluded types now succeed with probability 0."""
    cost = Belief("war_cost", DISTRIBUTIONS["uniform"][0])
    lo, hi = np.array([0.0]), np.array([1.0])
    lo, hi = cost.update(lo, hi, np.array([0.2]), np.array([False]))
    assert (lo[0], hi[0]) == (0.0, 0.2)
    assert cost.acceptance_probability(lo, hi, np.array([0.15]))[0] == pytest.approx(0.5)
    assert cost.acceptance_probability(lo, hi, np.array([0.2]))[0] == 0.0
    reservation = Belief("reservation", DISTRIBUTIONS["uniform"][0])
    lo, hi = reservation.update(
        np.array([-1.0]), np.array([1.0]), np.array([0.2]), np.array([False])
    )
    assert (lo[0], hi[0]) == (0.2, 1.0)
    assert reservation.acceptance_probability(lo, hi, np.array([0.25]))[0] == pytest.approx(0.5)
    lo, hi = reservation.update(lo, hi, np.array([0.28]), np.array([True]))
    assert reservation.acceptance_probability(lo, hi, np.array([0.28]))[0] == 1.0


def test_a_contradicted_belief_falls_back_to_uniform_on_what_is_consistent() -> None:
    """The others believe the war cost is in [0.1, 0.3]; the truth is 0.05 (misperception).
    A rejection of an offer acceptable to every believed type leaves no mass: the belief becomes
    uniform on the consistent set [0, 0.1), which keeps the truth."""
    belief = Belief("war_cost", DISTRIBUTIONS["uniform"][0])
    lo, hi = belief.update(np.array([0.0]), np.array([1.0]), np.array([0.1]), np.array([False]))
    assert belief.refuted(lo, hi)[0]
    assert belief.acceptance_probability(lo, hi, np.array([0.025]))[0] == pytest.approx(0.75)
    assert belief.cut_for(lo, hi, np.array([0.5]))[0] == pytest.approx(0.05)
    assert np.isnan(belief.known_value(lo, hi)[0])


def test_a_discrete_belief_becomes_known_when_one_value_is_left() -> None:
    belief = Belief("reservation", choice_distribution([0.1, 0.2, 0.4], None))
    lo, hi = np.array([-1.0, -1.0]), np.array([1.0, 1.0])
    assert np.isnan(belief.known_value(lo, hi)).all()
    lo, hi = belief.update(lo, hi, np.array([0.2, 0.1]), np.array([False, True]))
    np.testing.assert_array_equal(belief.known_value(lo, hi), [0.4, 0.1])
    point = Belief("war_cost", choice_distribution([0.06], None))
    assert point.known_value(np.array([0.0]), np.array([1.0]))[0] == 0.06


def test_discrete_cuts_round_up_to_an_atom() -> None:
    belief = Belief("war_cost", choice_distribution([0.1, 0.2, 0.4], None))
    lo, hi = np.zeros(3), np.ones(3)
    cut = belief.cut_for(lo, hi, np.array([0.3, 0.5, 1.0]))
    np.testing.assert_allclose(cut, [0.4, 0.2, 0.1], atol=EXACT)
    np.testing.assert_allclose(
        belief.acceptance_probability(lo, hi, cut), [1 / 3, 2 / 3, 1.0], atol=EXACT
    )
