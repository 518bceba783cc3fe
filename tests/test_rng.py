"""Counter-based draws (sim.rng): range, moments, independence, determinism, batch independence."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from scipy import stats

from sim.core.rng import Purpose, counter_bits, normals, uniforms

Draw = Callable[[int, np.ndarray, int, Purpose, int], np.ndarray]

N = 200_000
WORLDS = np.arange(N, dtype=np.int64)
SEED = 20250815


def correlation(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.corrcoef(x.ravel(), y.ravel())[0, 1])


# With n independent pairs the sample correlation has standard error 1 / sqrt(n).
CORRELATION_BOUND = 5.0 / np.sqrt(N)


def test_uniforms_shape_range_and_resolution() -> None:
    u = uniforms(SEED, WORLDS, 1, Purpose.DYNAMICS, lanes=3)
    assert u.shape == (N, 3) and u.dtype == np.float64
    assert u.min() >= 0.0 and u.max() < 1.0
    # 53-bit uniforms: every value is an integer multiple of 2**-53
    scaled = u * 2.0**53
    np.testing.assert_array_equal(scaled, np.floor(scaled))
    assert len(np.unique(u)) == u.size  # no repeats among 600k draws


def test_uniform_moments_and_distribution() -> None:
    u = uniforms(SEED, WORLDS, 3, Purpose.BREAKDOWN)[:, 0]
    se_mean = np.sqrt(1 / 12 / N)
    assert abs(u.mean() - 0.5) < 5 * se_mean
    # var of U(0,1) is 1/12; the sample variance has sd sqrt((1/80 - 1/144) / N)
    assert abs(u.var() - 1 / 12) < 5 * np.sqrt((1 / 80 - 1 / 144) / N)
    assert stats.kstest(u, "uniform").pvalue > 1e-4
    # every tenth of [0, 1) gets its share (chi-square, 9 degrees of freedom)
    counts = np.bincount((u * 10).astype(int), minlength=10)
    assert stats.chisquare(counts).pvalue > 1e-4


def test_normal_moments_and_distribution() -> None:
    z = normals(SEED, WORLDS, 2, Purpose.DYNAMICS, lanes=2)
    assert z.shape == (N, 2) and np.isfinite(z).all()
    flat = z.ravel()
    n = flat.size
    assert abs(flat.mean()) < 5 / np.sqrt(n)
    assert abs(flat.var() - 1.0) < 5 * np.sqrt(2 / n)
    assert abs(stats.skew(flat)) < 5 * np.sqrt(6 / n)
    assert abs(stats.kurtosis(flat)) < 5 * np.sqrt(24 / n)  # excess kurtosis 0
    assert stats.kstest(flat, "norm").pvalue > 1e-4
    assert abs(correlation(z[:, 0], z[:, 1])) < CORRELATION_BOUND


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((1, Purpose.DYNAMICS), (1, Purpose.PROPOSER)),
        ((1, Purpose.PROPOSER), (1, Purpose.BREAKDOWN)),
        ((1, Purpose.BREAKDOWN), (1, Purpose.SAMPLE)),
        ((1, Purpose.PROPOSER), (2, Purpose.PROPOSER)),
        ((7, Purpose.BREAKDOWN), (8, Purpose.BREAKDOWN)),
        ((0, Purpose.SAMPLE), (1, Purpose.SAMPLE)),
    ],
)
def test_purposes_and_rounds_are_independent(
    first: tuple[int, Purpose], second: tuple[int, Purpose]
) -> None:
    a = uniforms(SEED, WORLDS, first[0], first[1])
    b = uniforms(SEED, WORLDS, second[0], second[1])
    assert abs(correlation(a, b)) < CORRELATION_BOUND
    assert not np.any(a == b)


def test_neighbouring_worlds_lanes_and_seeds_are_independent() -> None:
    u = uniforms(SEED, WORLDS, 1, Purpose.DYNAMICS, lanes=2)
    assert abs(correlation(u[:-1, 0], u[1:, 0])) < CORRELATION_BOUND  # world w vs w + 1
    assert abs(correlation(u[:, 0], u[:, 1])) < CORRELATION_BOUND  # lane 0 vs lane 1
    other = uniforms(SEED + 1, WORLDS, 1, Purpose.DYNAMICS, lanes=2)
    assert abs(correlation(u, other)) < CORRELATION_BOUND
    # the joint distribution of consecutive pairs fills the unit square evenly (4 x 4 cells)
    cells = (u[:, 0] * 4).astype(int) * 4 + (u[:, 1] * 4).astype(int)
    assert stats.chisquare(np.bincount(cells, minlength=16)).pvalue > 1e-4


def test_draws_are_a_pure_function_of_their_coordinates() -> None:
    for draw in (uniforms, normals):
        first = draw(SEED, WORLDS[:1000], 5, Purpose.DYNAMICS, 3)
        again = draw(SEED, WORLDS[:1000], 5, Purpose.DYNAMICS, 3)
        np.testing.assert_array_equal(first, again)


@pytest.mark.parametrize("draw", [uniforms, normals])
def test_a_worlds_draws_do_not_depend_on_the_batch(draw: Draw) -> None:
    """World w gets the same numbers alone, in any subset, in any order and in any batch size."""
    full = draw(SEED, WORLDS[:5000], 4, Purpose.DYNAMICS, 4)
    for rows in (
        np.array([137]),
        np.arange(100, 117),
        np.array([4999, 0, 2500]),
        np.arange(1, 5000, 3),
    ):
        part = draw(SEED, WORLDS[rows], 4, Purpose.DYNAMICS, 4)
        np.testing.assert_array_equal(part, full[rows])


def test_seed_zero_is_a_seed_distinct_from_seed_one() -> None:
    zero = uniforms(0, WORLDS[:1000], 1, Purpose.BREAKDOWN)
    one = uniforms(1, WORLDS[:1000], 1, Purpose.BREAKDOWN)
    assert not np.any(zero == one)
    assert zero.min() >= 0.0 and zero.max() < 1.0
    assert abs(zero.mean() - 0.5) < 5 * np.sqrt(1 / 12 / 1000)
    # large seeds work too (the scenario allows seeds up to 2**63 - 1)
    big = uniforms(2**63 - 1, WORLDS[:1000], 1, Purpose.BREAKDOWN)
    assert not np.any(big == zero)


def test_negative_seeds_are_refused() -> None:
    with pytest.raises(ValueError, match="seed"):
        counter_bits(-1, WORLDS[:3], 1, Purpose.DYNAMICS)


def test_the_global_numpy_rng_is_untouched() -> None:
    before = np.random.get_state(legacy=False)  # noqa: NPY002 (reading it is the point)
    uniforms(SEED, WORLDS[:100], 1, Purpose.PROPOSER)
    normals(SEED, WORLDS[:100], 1, Purpose.DYNAMICS, 2)
    np.testing.assert_equal(np.random.get_state(legacy=False), before)  # noqa: NPY002


def test_some_lanes_of_a_draw_are_those_columns_of_the_whole_draw_bit_for_bit() -> None:
    # The model draws shocks only for the issues that move (sim.core.model.war_goes_on).
    worlds = WORLDS[:5000]
    whole = normals(SEED, worlds, 3, Purpose.DYNAMICS, 5)
    for only in (np.array([0]), np.array([4]), np.array([1, 3]), np.arange(5)):
        part = normals(SEED, worlds, 3, Purpose.DYNAMICS, 5, only)
        assert part.shape == (worlds.size, only.size)
        assert part.tobytes() == np.ascontiguousarray(whole[:, only]).tobytes()
    bits = counter_bits(SEED, worlds, 3, Purpose.DYNAMICS, np.array([2, 7]))
    assert np.array_equal(bits, counter_bits(SEED, worlds, 3, Purpose.DYNAMICS, 8)[:, [2, 7]])
