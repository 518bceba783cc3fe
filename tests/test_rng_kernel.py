"""The compiled counter-based uniforms give the numpy reference's bits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core import rng, rng_kernel


def _both(
    monkeypatch: pytest.MonkeyPatch, seed: int, worlds: np.ndarray, round_: int, lanes: object
) -> tuple[np.ndarray, np.ndarray]:
    monkeypatch.setenv("PARLEY_ENGINE", "numpy")
    reference = rng.uniforms(seed, worlds, round_, rng.Purpose.DYNAMICS, lanes)  # type: ignore[arg-type]
    monkeypatch.setenv("PARLEY_ENGINE", "kernel")
    compiled = rng.uniforms(seed, worlds, round_, rng.Purpose.DYNAMICS, lanes)  # type: ignore[arg-type]
    return reference, compiled


@pytest.mark.parametrize("lanes", [1, 3, 8, np.array([0, 5, 2]), np.array([40])])
@pytest.mark.parametrize("seed", [0, 1, 12345, 2**62 + 7])
def test_compiled_uniforms_match_the_numpy_reference_bit_for_bit(
    seed: int, lanes: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    worlds = np.arange(3_000_000_000, 3_000_000_000 + 5_000, dtype=np.int64)
    reference, compiled = _both(monkeypatch, seed, worlds, 31, lanes)
    assert compiled.shape == reference.shape
    assert np.array_equal(compiled.view(np.uint64), reference.view(np.uint64))
    assert (
        rng_kernel.compiled_uniforms(
            np.uint64(seed), worlds.astype(np.uint64), np.zeros(1, np.uint64)
        )
        is not None
    )


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**63 - 1),
    start=st.integers(0, 2**40),
    round_=st.integers(0, 500),
    lanes=st.integers(1, 12),
)
def test_compiled_uniforms_agree_on_random_coordinates(
    seed: int, start: int, round_: int, lanes: int
) -> None:
    worlds = start + np.arange(4_096, dtype=np.int64)
    counter = np.arange(lanes, dtype=np.uint64) + np.uint64((round_ << 32) | (2 << 24))
    key = rng.splitmix64(np.atleast_1d(np.uint64(seed)))[0]
    compiled = rng_kernel.compiled_uniforms(key, worlds.astype(np.uint64), counter)
    assert compiled is not None
    bits = rng.counter_bits(seed, worlds, round_, rng.Purpose.PROPOSER, lanes)
    reference = (bits >> np.uint64(11)).astype(np.float64) / float(2**53)
    assert np.array_equal(compiled, reference)


def test_a_world_draws_the_same_alone_and_in_a_big_batch() -> None:
    """Below the kernel's size the reference runs: the same numbers either way."""
    worlds = np.arange(10_000, dtype=np.int64)
    batch = rng.uniforms(99, worlds, 4, rng.Purpose.BREAKDOWN, 2)
    alone = rng.uniforms(99, worlds[7_777:7_778], 4, rng.Purpose.BREAKDOWN, 2)
    assert np.array_equal(batch[7_777:7_778], alone)
    assert np.all((batch >= 0.0) & (batch < 1.0))
