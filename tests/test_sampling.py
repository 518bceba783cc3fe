"""Priors and their counter-based sampling (sim.sampling): distributions, ranges, determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.core.fields import FieldRange, sampleable_fields, sampleable_paths
from sim.experiment import sampling
from sim.experiment.priors import (
    Beta,
    Choice,
    Dirichlet,
    Normal,
    Triangular,
    Uniform,
    prior_problems,
)
from sim.experiment.sampling import Parameter, draw, parameter_stream, sample
from sim.scenario.schema import Scenario

N = 40_000
WORLDS = np.arange(N, dtype=np.int64)
SEED = 20250815


def scenario(recognition: object = "capability") -> Scenario:
    return Scenario.model_validate(
        {
            "name": "sampling-test",
            "issues": {
                "territory": {"low": "none", "high": "all", "status_quo": 0.8},
                "sanctions": {"low": "kept", "high": "lifted", "status_quo": 0.0},
                "neutrality": {"low": "free", "high": "neutral", "status_quo": 0.3},
            },
            "actors": {
                "russia": {
                    "name": "Russia",
                    "capability": 0.6,
                    "position": {"territory": 1.0, "sanctions": 1.0, "neutrality": 1.0},
                    "salience": {"territory": 0.5, "sanctions": 0.2, "neutrality": 0.3},
                    "war_cost": 0.06,
                    "discount": 0.97,
                },
                "ukraine": {
                    "name": "Ukraine",
                    "capability": 0.4,
                    "position": {"territory": 0.0, "sanctions": 0.0, "neutrality": 0.0},
                    "salience": {"territory": 0.7, "sanctions": 0.0, "neutrality": 0.3},
                    "war_cost": 0.15,
                    "discount": 0.95,
                    "reservation": 0.2,
                },
            },
            "protocol": {"breakdown_probability": 0.04, "recognition": recognition},
            "dynamics": {"territory": {"drift": 0.002, "volatility": 0.004}},
        }
    )


FIELDS = sampleable_fields(scenario())


def draws(path: str, prior: object, worlds: np.ndarray = WORLDS, seed: int = SEED) -> np.ndarray:
    assert isinstance(prior, Uniform | Normal | Beta | Triangular | Dirichlet | Choice)
    assert prior_problems(prior, FIELDS[path]) == []
    return draw(Parameter.bind(path, prior, FIELDS[path]), seed, worlds)


def se_of_mean(variance: float, n: int = N) -> float:
    return math.sqrt(variance / n)


# --- distributions: moments, bounds, goodness of fit -------------------------------------------


def test_uniform_moments_and_bounds() -> None:
    values = draws("actors.russia.war_cost", Uniform(dist="uniform", low=0.005, high=0.03))
    assert values.shape == (N,)
    assert values.min() >= 0.005 and values.max() <= 0.03
    variance = 0.025**2 / 12
    assert abs(values.mean() - 0.0175) < 5 * se_of_mean(variance)
    assert values.var() == pytest.approx(variance, rel=0.03)
    assert stats.kstest(values, stats.uniform(0.005, 0.025).cdf).pvalue > 1e-3


def test_normal_is_centred_on_the_scenario_and_truncated_to_the_field_range() -> None:
    values = draws("actors.russia.discount", Normal(dist="normal", sd=0.05))
    # N(0.97, 0.05) truncated to (0, 1]: compare with scipy's truncated normal.
    truncated = stats.truncnorm((0.0 - 0.97) / 0.05, (1.0 - 0.97) / 0.05, loc=0.97, scale=0.05)
    assert values.max() <= 1.0 and values.min() > 0.0
    assert abs(values.mean() - truncated.mean()) < 5 * se_of_mean(truncated.var())
    assert values.std() == pytest.approx(truncated.std(), rel=0.03)
    assert stats.kstest(values, truncated.cdf).pvalue > 1e-3


def test_normal_far_in_the_upper_tail_keeps_precision() -> None:
    # Truncation interval [0.3, 1] lies 5 sd above the mean 0.05: the naive inverse CDF would
    # lose all precision here; the mirrored one samples the right shape.
    values = draws("protocol.breakdown_probability", Normal(dist="normal", mean=0.05, sd=0.05))
    assert np.all(values >= 0.0) and np.all(values < 1.0)
    low = draws("actors.russia.war_cost", Normal(dist="normal", mean=0.05, sd=0.05))
    assert np.isfinite(low).all()
    truncated = stats.truncnorm(-1.0, 19.0, loc=0.05, scale=0.05)
    assert stats.kstest(low, truncated.cdf).pvalue > 1e-3


def test_beta_mean_and_concentration() -> None:
    values = draws(
        "actors.ukraine.position.territory", Beta(dist="beta", mean=0.1, concentration=20)
    )
    a, b = 0.1 * 20, 0.9 * 20
    reference = stats.beta(a, b)
    assert values.min() >= 0.0 and values.max() <= 1.0
    assert abs(values.mean() - 0.1) < 5 * se_of_mean(reference.var())
    assert values.var() == pytest.approx(reference.var(), rel=0.04)
    assert stats.kstest(values, reference.cdf).pvalue > 1e-3


def test_beta_with_small_shapes_uses_the_boost_and_stays_exact() -> None:
    # Shapes 0.3 and 0.7 (< 1) take the G(a + 1) U^(1/a) boost.
    values = draws("issues.sanctions.status_quo", Beta(dist="beta", mean=0.3, concentration=1.0))
    assert stats.kstest(values, stats.beta(0.3, 0.7).cdf).pvalue > 1e-3


def test_beta_on_a_table_draws_each_issue_around_its_own_value() -> None:
    values = draws("actors.russia.position", Beta(dist="beta", mean=0.5, concentration=4))
    assert values.shape == (N, 3)
    assert np.allclose(values.mean(axis=0), 0.5, atol=0.01)
    # Independent lanes.
    assert abs(np.corrcoef(values[:, 0], values[:, 1])[0, 1]) < 0.03


def test_triangular_moments() -> None:
    prior = Triangular(dist="triangular", low=0.0, mode=0.02, high=0.1)
    values = draws("protocol.breakdown_probability", prior)
    reference = stats.triang(0.2, loc=0.0, scale=0.1)
    assert values.min() >= 0.0 and values.max() <= 0.1
    assert abs(values.mean() - reference.mean()) < 5 * se_of_mean(reference.var())
    assert stats.kstest(values, reference.cdf).pvalue > 1e-3


def test_dirichlet_is_centred_on_the_scenario_and_sums_to_one() -> None:
    values = draws("actors.russia.salience", Dirichlet(dist="dirichlet", concentration=50))
    centre = np.array([0.5, 0.2, 0.3])
    assert values.shape == (N, 3)
    np.testing.assert_allclose(values.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(values >= 0.0)
    variance = centre * (1 - centre) / 51
    assert np.all(np.abs(values.mean(axis=0) - centre) < 5 * np.sqrt(variance / N))
    np.testing.assert_allclose(values.var(axis=0), variance, rtol=0.05)
    # Marginals of a Dirichlet are beta(alpha_k, alpha_0 - alpha_k).
    assert stats.kstest(values[:, 1], stats.beta(10, 40).cdf).pvalue > 1e-3


def test_dirichlet_keeps_zero_saliences_at_zero() -> None:
    values = draws("actors.ukraine.salience", Dirichlet(dist="dirichlet", concentration=2))
    assert np.all(values[:, 1] == 0.0)
    np.testing.assert_allclose(values.sum(axis=1), 1.0, atol=1e-12)
    # alpha = (1.4, 0, 0.6): shape < 1 for the last component, via the boost.
    assert stats.kstest(values[:, 2], stats.beta(0.6, 1.4).cdf).pvalue > 1e-3


def test_choice_frequencies() -> None:
    prior = Choice(dist="choice", values=[0.5, 1.0, 2.0], weights=[1, 2, 1])
    values = draws("actors.russia.strategy.beta", prior)
    assert set(np.unique(values)) == {0.5, 1.0, 2.0}
    for value, share in ((0.5, 0.25), (1.0, 0.5), (2.0, 0.25)):
        assert abs(np.mean(values == value) - share) < 5 * math.sqrt(share * (1 - share) / N)


def test_gamma_fallback_is_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    # One Marsaglia-Tsang attempt only: about 5% of variates at shape 1 take the exact inverse CDF.
    monkeypatch.setattr(sampling, "GAMMA_ATTEMPTS", 1)
    values = draws("issues.territory.status_quo", Beta(dist="beta", mean=0.5, concentration=2))
    assert stats.kstest(values, stats.beta(1, 1).cdf).pvalue > 1e-3
    subset = draws(
        "issues.territory.status_quo", Beta(dist="beta", mean=0.5, concentration=2), WORLDS[7::13]
    )
    np.testing.assert_array_equal(subset, values[7::13])


# --- determinism: a world's draws depend only on (seed, world, path) ----------------------------


@pytest.mark.parametrize(
    ("path", "prior"),
    [
        ("actors.russia.salience", Dirichlet(dist="dirichlet", concentration=0.5)),
        ("actors.russia.war_cost", Beta(dist="beta", concentration=20)),
        ("actors.russia.discount", Normal(dist="normal", sd=0.1)),
        (
            "protocol.breakdown_probability",
            Triangular(dist="triangular", low=0, mode=0.02, high=0.1),
        ),
    ],
)
def test_draws_do_not_depend_on_the_batch(path: str, prior: object) -> None:
    values = draws(path, prior, WORLDS[:5000])
    for rows in (slice(0, 1), slice(4999, 5000), slice(123, 4567), slice(None, None, -3)):
        np.testing.assert_array_equal(draws(path, prior, WORLDS[:5000][rows]), values[rows])


def test_the_seed_and_the_path_select_independent_streams() -> None:
    prior = Uniform(dist="uniform", low=0.0, high=1.0)
    first = draws("actors.russia.war_cost", prior)
    assert not np.array_equal(first, draws("actors.russia.war_cost", prior, seed=SEED + 1))
    other = draws("actors.ukraine.war_cost", prior)
    assert abs(np.corrcoef(first, other)[0, 1]) < 0.03


def test_adding_a_parameter_leaves_the_others_unchanged() -> None:
    war_cost = Parameter.bind(
        "actors.russia.war_cost",
        Uniform(dist="uniform", low=0.0, high=0.1),
        FIELDS["actors.russia.war_cost"],
    )
    salience = Parameter.bind(
        "actors.ukraine.salience",
        Dirichlet(dist="dirichlet", concentration=9),
        FIELDS["actors.ukraine.salience"],
    )
    alone = sample([war_cost], SEED, WORLDS[:100])
    together = sample([salience, war_cost], SEED, WORLDS[:100])
    np.testing.assert_array_equal(
        alone["actors.russia.war_cost"], together["actors.russia.war_cost"]
    )


def test_parameter_streams_are_stable_hashes_of_the_path() -> None:
    # A changed hash would silently change every published sweep: pin one value.
    assert parameter_stream("actors.russia.war_cost") == parameter_stream("actors.russia.war_cost")
    assert parameter_stream("actors.russia.war_cost") != parameter_stream("actors.us.war_cost")
    assert 0 <= parameter_stream("actors.russia.war_cost") < 2**31
    assert parameter_stream("actors.russia.war_cost") == 1797238882


# --- fields and prior checks ---------------------------------------------------------------------


def test_sampleable_fields_are_the_model_s_per_world_fields() -> None:
    for recognition in ("capability", {"russia": 0.7, "ukraine": 0.3}):
        example = scenario(recognition)
        ours = set(sampleable_fields(example))
        assert ours <= set(sampleable_paths(example))
        assert "actors.russia.salience.territory" not in ours  # tables only: must sum to 1
        assert ("protocol.recognition.russia" in ours) == isinstance(recognition, dict)


def test_field_ranges() -> None:
    assert str(FIELDS["actors.russia.discount"].range) == "(0, 1]"
    assert str(FIELDS["actors.russia.capability"].range) == "[0, ∞)"
    assert str(FIELDS["protocol.breakdown_probability"].range) == "[0, 1)"
    assert FieldRange(0.0, 1.0, low_open=True).contains(1.0)
    assert not FieldRange(0.0, 1.0, low_open=True).contains(0.0)


@pytest.mark.parametrize(
    ("path", "prior", "expected"),
    [
        (
            "actors.russia.discount",
            Uniform(dist="uniform", low=0.5, high=1.2),
            "high 1.2 is outside",
        ),
        ("actors.russia.discount", Uniform(dist="uniform", low=0.0, high=0.9), "low 0 is outside"),
        (
            "actors.russia.capability",
            Beta(dist="beta", mean=0.5, concentration=5),
            "beta draws lie",
        ),
        (
            "actors.russia.position",
            Dirichlet(dist="dirichlet", concentration=5),
            "dirichlet is for",
        ),
        ("actors.russia.salience", Beta(dist="beta", concentration=5), "must sum to 1"),
        ("actors.russia.reservation", Normal(dist="normal", sd=0.1), "give a mean"),
        ("issues.sanctions.status_quo", Beta(dist="beta", concentration=5), "on the edge"),
        (
            "actors.russia.war_cost",
            Choice(dist="choice", values=[0.1, 2.0]),
            "values 2 are outside",
        ),
        ("actors.russia.war_cost", Normal(dist="normal", mean=1.5, sd=0.1), "mean 1.5 is outside"),
    ],
)
def test_prior_problems(path: str, prior: object, expected: str) -> None:
    assert isinstance(prior, Uniform | Normal | Beta | Triangular | Dirichlet | Choice)
    problems = prior_problems(prior, FIELDS[path])
    assert problems and expected in problems[0]


def test_prior_schemas_reject_inconsistent_parameters() -> None:
    with pytest.raises(ValueError, match="low"):
        Uniform(dist="uniform", low=0.3, high=0.1)
    with pytest.raises(ValueError, match="mode"):
        Triangular(dist="triangular", low=0.0, mode=0.5, high=0.2)
    with pytest.raises(ValueError, match="weights"):
        Choice(dist="choice", values=[1.0, 2.0], weights=[1.0])
    with pytest.raises(ValueError):
        Beta(dist="beta", mean=1.0, concentration=3)


# --- property: any prior the checks accept draws inside the field's range -------------------------

PATHS = [p for p, f in FIELDS.items() if f.kind != "salience"]


@settings(max_examples=60, deadline=None)
@given(
    path=st.sampled_from(PATHS),
    dist=st.sampled_from(["uniform", "normal", "beta", "triangular", "choice"]),
    a=st.floats(0.0, 1.0),
    b=st.floats(0.0, 1.0),
    spread=st.floats(0.001, 2.0),
    seed=st.integers(0, 2**63 - 1),
)
def test_accepted_priors_draw_inside_the_valid_range(
    path: str, dist: str, a: float, b: float, spread: float, seed: int
) -> None:
    field = FIELDS[path]
    low, high = sorted((a, b))
    prior: Uniform | Normal | Beta | Triangular | Dirichlet | Choice
    if dist == "uniform":
        assume(low < high)
        prior = Uniform(dist="uniform", low=low, high=high)
    elif dist == "triangular":
        assume(low < high)
        prior = Triangular(dist="triangular", low=low, mode=(low + high) / 2, high=high)
    elif dist == "normal":
        prior = Normal(dist="normal", mean=a, sd=spread)
    elif dist == "beta":
        assume(0.0 < a < 1.0)
        prior = Beta(dist="beta", mean=a, concentration=spread * 50)
    else:
        prior = Choice(dist="choice", values=[low, high])
    assume(not prior_problems(prior, field))
    worlds = np.arange(300, dtype=np.int64)
    values = draw(Parameter.bind(path, prior, field), seed, worlds)
    assert np.all(np.isfinite(values))
    assert all(field.range.contains(float(v)) for v in values.ravel())
    np.testing.assert_array_equal(
        draw(Parameter.bind(path, prior, field), seed, worlds[100:150]), values[100:150]
    )
