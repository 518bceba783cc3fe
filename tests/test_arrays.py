"""sim.arrays: reduce_short gives the same bits as numpy's reductions, for every axis length;
take_rows the same rows as fancy indexing."""

from __future__ import annotations

import numpy as np
import pytest

from sim.arrays import reduce_short, take_rows


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


@pytest.mark.parametrize("shape", [(40,), (40, 3), (40, 2, 5)])
def test_take_rows_is_fancy_indexing(shape: tuple[int, ...]) -> None:
    values = np.random.default_rng(len(shape)).normal(size=shape)
    for rows in (np.array([3, 0, 39, 3, -1]), np.arange(0), values.reshape(40, -1)[:, 0] > 0):
        taken = take_rows(values, rows)
        np.testing.assert_array_equal(taken, values[rows])
        assert taken.shape == values[rows].shape and not np.shares_memory(taken, values)
    column = np.broadcast_to(np.array([True, False, True]), (40, 3))  # a broadcast view
    np.testing.assert_array_equal(take_rows(column, np.array([5, 2])), column[[5, 2]])
