"""Comparing record columns bit for bit, shared by the reproducibility and warm-start tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.core.records import Columns


def assert_same_columns(left: Columns, right: Columns) -> None:
    """Every column equal bit for bit (NaN equal to NaN), same names, same dtypes."""
    assert list(left) == list(right)
    for name in left:
        a, b = np.asarray(left[name]), np.asarray(right[name])
        assert a.dtype == b.dtype, name
        if a.dtype.kind == "f":
            np.testing.assert_array_equal(a.view(np.int64), b.view(np.int64), err_msg=name)
        else:
            np.testing.assert_array_equal(a, b, err_msg=name)


def rows(columns: Columns, index: Any) -> Columns:
    return {name: np.asarray(values)[index] for name, values in columns.items()}
