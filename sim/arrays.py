"""The numpy array types every batched module uses, and reductions over short axes.

numpy reduces over a short axis (an actor's 4 issues, a world's 3 constraints) at ~10x the cost of
an elementwise pass over the same array; the batched engine does many such reductions per round,
so :func:`reduce_short` folds a short axis slice by slice instead, with the same bits.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

SHORT_AXIS = 8
"""Below this length numpy adds along an axis strictly left to right, so slice-by-slice folding
reproduces its sums bit for bit (its pairwise summation starts at 8 elements)."""

Item = TypeVar("Item", bound=np.generic)


def reduce_short(operation: np.ufunc, values: NDArray[Item], axis: int) -> NDArray[Item]:
    """``operation.reduce(values, axis=axis)``, bit for bit, fast when the axis is short.

    For np.add, np.maximum, np.minimum, np.logical_and/or on arrays of their own dtype.
    """
    length = values.shape[axis]
    if length < 2 or length >= SHORT_AXIS:
        result: NDArray[Item] = operation.reduce(values, axis=axis)
        return result
    # Basic slicing, not np.moveaxis: the same views at a fraction of the call overhead.
    lead: tuple[slice, ...] = (slice(None),) * (axis % values.ndim)

    def part(index: int) -> NDArray[Item]:
        key: tuple[slice | int, ...] = (*lead, index)
        view: NDArray[Item] = values[key]
        return view

    folded: NDArray[Item] = operation(part(0), part(1))
    for index in range(2, length):
        operation(folded, part(index), out=folded)
    return folded


def take_rows(values: NDArray[Item], rows: NDArray[np.integer[Any]]) -> NDArray[Item]:
    """``values[rows]`` for integer ``rows``, the same copy: by ``take`` along the first axis
    where ``values`` has two or more (numpy's fancy indexing costs several times as much there)."""
    if values.ndim > 1 and rows.dtype.kind in "iu":
        taken: NDArray[Item] = values.take(rows, axis=0)
        return taken
    result: NDArray[Item] = values[rows]
    return result
