"""A chunk's columns, numpy arrays, as Arrow arrays, built from their buffers.

``pyarrow.array`` asks pandas whether its argument is a Series on its first call, and that
imports pandas, which a sweep worker otherwise never needs: 0.13 s of CPU and 38 MB of memory a
worker (measured in one process; a million-world sweep's process tree peaked 8-69 MB lower
without it over several runs).
Built from the buffers, the arrays are the same (numbers and booleans without nulls, text with
a null wherever the value is None) and nothing is imported.  Hand-written for that reason only;
any other kind of column goes to ``pyarrow.array``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

_NUMBERS = {
    np.dtype(np.float64): pa.float64(),
    np.dtype(np.int64): pa.int64(),
    np.dtype(np.int32): pa.int32(),
    np.dtype(np.float32): pa.float32(),
}


_MAX_OFFSET = int(np.iinfo(np.int32).max)
"""The most bytes of text one ``string`` array holds (its offsets are 32-bit)."""


def arrow_array(values: Any) -> pa.Array:
    """One column (a 1-d array or sequence) as an Arrow array: text as ``string``."""
    array = np.asarray(values)
    if array.ndim != 1:
        return pa.array(array)
    if array.dtype.kind in "OU":
        return _text(array.tolist())
    size = array.size
    if array.dtype == np.bool_:
        bits = np.packbits(array, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), size, [None, pa.py_buffer(bits)])
    kind = _NUMBERS.get(array.dtype)
    if kind is None:
        return pa.array(array)
    data = pa.py_buffer(np.ascontiguousarray(array))
    return pa.Array.from_buffers(kind, size, [None, data])


def _text(items: list[Any]) -> pa.Array:
    """Strings (None: null) as an Arrow ``string`` array; anything else goes to pyarrow.

    A chunk's text columns hold a few distinct values (names, end reasons), so each value is
    encoded once and the column is Arrow's dictionary decoding of their codes: 1.2 ms for
    25,000 rows where encoding every row took 3.6 (``pyarrow.array``: 0.66 ms, with pandas)."""
    distinct = list(dict.fromkeys(items))  # in order of appearance
    if not all(item is None or isinstance(item, str) for item in distinct):
        return pa.array(items, type=pa.string())
    code = {item: number for number, item in enumerate(distinct)}
    codes = np.fromiter(map(code.__getitem__, items), dtype=np.int32, count=len(items))
    encoded = [b"" if item is None else item.encode("utf-8") for item in distinct]
    sizes = np.array([len(item) for item in encoded], dtype=np.int64)
    if int(np.bincount(codes, minlength=len(distinct)) @ sizes) > _MAX_OFFSET:
        return pa.array(items, type=pa.string())  # over 2 GiB of text: pyarrow splits it
    offsets = np.zeros(len(distinct) + 1, dtype=np.int32)
    np.cumsum(sizes, out=offsets[1:])
    present = np.array([item is not None for item in distinct], dtype=bool)
    dictionary = pa.StringArray.from_buffers(
        len(distinct),
        pa.py_buffer(offsets),
        pa.py_buffer(b"".join(encoded)),
        None if present.all() else pa.py_buffer(np.packbits(present, bitorder="little")),
        null_count=len(distinct) - int(present.sum()),
    )
    indices = pa.Array.from_buffers(pa.int32(), len(items), [None, pa.py_buffer(codes)])
    return pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.string())
