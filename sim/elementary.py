"""exp, log, log1p, expm1, power and cos(2 pi u) of arrays, the same bits on every machine.

The model calls these instead of numpy's float64 ``exp``, ``log``, ``log1p``, ``expm1`` and
``power``, whose last bits depend on the CPU (AVX-512 paths; :mod:`sim.elementary_kernel`),
and of ``cos`` (the C library's).  Each runs a compiled loop (numba, on first use, then cached on
disk) over the scalar functions of :mod:`sim.elementary_kernel`, which the compiled kernels
may also inline: the numpy reference and the kernels agree bit for bit.  Hand-written: no
maintained Python library offers elementary functions reproducible across CPUs and fast on
arrays (CORE-MATH and CRlibm are C libraries without Python packages).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sim.arrays import FloatArray


@cache
def loops() -> dict[str, Any]:
    """The compiled loops by function (numba imported, the loops compiled or loaded from the
    cache, on first use)."""
    import numba

    from sim import elementary_kernel, elementary_loops

    elementary_kernel.refresh_caches()
    compile_loop = numba.njit(cache=True, nogil=True, error_model="numpy")
    return {name: compile_loop(loop) for name, loop in elementary_loops.LOOPS.items()}


def exp(x: ArrayLike, out: FloatArray | None = None) -> Any:
    """e^x elementwise (into ``out`` if given; a float64 scalar for a scalar)."""
    return _unary("exp", x, out)


def log(x: ArrayLike, out: FloatArray | None = None) -> Any:
    """The natural logarithm elementwise."""
    return _unary("log", x, out)


def log1p(x: ArrayLike, out: FloatArray | None = None) -> Any:
    """log(1 + x) elementwise, accurate near 0."""
    return _unary("log1p", x, out)


def expm1(x: ArrayLike, out: FloatArray | None = None) -> Any:
    """e^x - 1 elementwise, accurate near 0."""
    return _unary("expm1", x, out)


def cos_two_pi(u: ArrayLike, out: FloatArray | None = None) -> Any:
    """cos(2 pi u) elementwise, the turn reduced exactly."""
    return _unary("cos_two_pi", u, out)


def power(x: ArrayLike, y: ArrayLike, out: FloatArray | None = None) -> Any:
    """x^y elementwise, broadcast (:func:`sim.elementary_kernel.power`; x^2 is x * x)."""
    base = np.asarray(x, dtype=np.float64)
    exponent = np.asarray(y, dtype=np.float64)
    if exponent.ndim == 0 and float(exponent) == 2.0:  # the kernel's own answer, one numpy call
        return _finished(np.multiply(base, base, out=_room(base.shape, out)), out)
    shape = np.broadcast_shapes(base.shape, exponent.shape)
    # Each operand spread to the shape as a copy of its own: np.broadcast_arrays' views warn
    # (FutureWarning) when numba reads whether they are writeable.
    base, exponent = (
        a if a.shape == shape else np.broadcast_to(a, shape).copy() for a in (base, exponent)
    )
    result = _room(shape, out)
    loops()["power"](_flat(base), _flat(exponent), result.reshape(-1))
    return _finished(result, out)


def _unary(name: str, x: ArrayLike, out: FloatArray | None) -> Any:
    values = np.asarray(x, dtype=np.float64)
    # In place, the compiled loop would see its input and output overlap and run unvectorised
    # (measured 8.8 against 2.1 ns an exp): a fresh array, copied into ``out``, is faster.
    result = _room(values.shape, None if out is values else out)
    loops()[name](_flat(values), result.reshape(-1))
    return _finished(result, out)


def _flat(values: FloatArray) -> FloatArray:
    """A contiguous flat copy-if-needed of ``values``."""
    flat: FloatArray = np.ascontiguousarray(values).reshape(-1)
    return flat


def _room(shape: tuple[int, ...], out: FloatArray | None) -> FloatArray:
    """Where the loop writes: ``out`` where it is a contiguous float64 array of the result's
    shape, else a new array (:func:`_finished` copies it into ``out``)."""
    fits = out is not None and out.shape == shape and out.dtype == np.float64
    if fits and out is not None and out.flags.c_contiguous and out.flags.writeable:
        return out
    return np.empty(shape)


def _finished(result: FloatArray, out: FloatArray | None) -> Any:
    """``out`` holding the result if given, a float64 scalar for a 0-d result, else the array."""
    if out is not None:
        if result is not out:
            np.copyto(out, result)
        return out
    return result[()] if result.ndim == 0 else result
