"""The elementary functions of :mod:`sim.elementary_kernel` over flat arrays, for numba to compile
(:func:`sim.elementary.loops`); importing this module imports numba."""

from __future__ import annotations

from collections.abc import Callable

from sim.arrays import FloatArray
from sim.elementary_kernel import cos_two_pi, exp, expm1, log, log1p, power


def exp_loop(x: FloatArray, out: FloatArray) -> None:
    """out[i] = exp(x[i]) over flat arrays."""
    for i in range(x.size):
        out[i] = exp(x[i])


def log_loop(x: FloatArray, out: FloatArray) -> None:
    """out[i] = log(x[i]) over flat arrays."""
    for i in range(x.size):
        out[i] = log(x[i])


def log1p_loop(x: FloatArray, out: FloatArray) -> None:
    """out[i] = log1p(x[i]) over flat arrays."""
    for i in range(x.size):
        out[i] = log1p(x[i])


def expm1_loop(x: FloatArray, out: FloatArray) -> None:
    """out[i] = expm1(x[i]) over flat arrays."""
    for i in range(x.size):
        out[i] = expm1(x[i])


def cos_two_pi_loop(x: FloatArray, out: FloatArray) -> None:
    """out[i] = cos_two_pi(x[i]) over flat arrays."""
    for i in range(x.size):
        out[i] = cos_two_pi(x[i])


def power_loop(x: FloatArray, y: FloatArray, out: FloatArray) -> None:
    """out[i] = power(x[i], y[i]) over flat arrays."""
    for i in range(x.size):
        out[i] = power(x[i], y[i])


LOOPS: dict[str, Callable[..., None]] = {
    "exp": exp_loop,
    "log": log_loop,
    "log1p": log1p_loop,
    "expm1": expm1_loop,
    "cos_two_pi": cos_two_pi_loop,
    "power": power_loop,
}
"""The loops :mod:`sim.elementary` compiles, by function."""
