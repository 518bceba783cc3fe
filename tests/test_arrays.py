"""sim.arrays.reduce_short: the same bits as numpy's reductions, for every axis length."""

from __future__ import annotations

import numpy as np
import pytest

from sim.arrays import reduce_short


@pytest.mark.parametrize("length", [1, 2, 3, 4, 7, 8, 13])
@pytest.mark.parametrize("axis", [1, 2])
def test_sums_and_extremes_match_numpy_bit_for_bit(length: int, axis: int) -> None:
    rng = np.random.default_rng(length * 10 + axis)
    shape = [500, 3, 5]
    shape[axis] = length
    values = rng.normal(size=shape) * rng.uniform(0.0, 1e6, size=shape)
    values[0, 0, 0] = -0.0
    for operation in (np.add, np.maximum, np.minimum):
        expected = operation.reduce(values, axis=axis)
        ours = reduce_short(operation, values, axis)
        np.testing.assert_array_equal(ours.view(np.int64), expected.view(np.int64))
    flags = values > 0
    for operation in (np.logical_and, np.logical_or):
        np.testing.assert_array_equal(
            reduce_short(operation, flags, axis), operation.reduce(flags, axis=axis)
        )


def test_nan_propagates_like_numpy() -> None:
    values = np.array([[1.0, np.nan, 3.0], [1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(reduce_short(np.maximum, values, 1), [np.nan, 3.0])
    np.testing.assert_array_equal(reduce_short(np.add, values, 1), [np.nan, 6.0])
