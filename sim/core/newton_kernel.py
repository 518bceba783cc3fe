"""Projected damped Newton on the proposer's quadratic dual, compiled: one world at a time.

The algorithm of :func:`sim.core.newton.projected_newton` (Bertsekas 1982, with the
Levenberg-Marquardt damping of Moré 1978, the one-entering rule of Goldfarb & Idnani 1983 and
the first damping of Yamashita & Fukushima 2001 when m > K) for every utility quadratic: the
same constants, stopping rules, steps, Armijo / flat-shrink acceptance, damping updates and
warm starts from a :class:`sim.core.newton.Point`, returning the same point (the factor
(n, m, K) when m > K, else the Hessian (n, m, m)).  The numpy path stays the reference the
tests compare against (``PARLEY_ENGINE=numpy``).

Hand-written, compiled, measured 6.6x faster than the numpy reference: the CPU under
``projected_newton`` in the 4,000-world private-values baseline batch fell from 14.5 s (58% of
the batch) to 2.2 s (16%), alternating the engines in one process.  The per-world loop is
allowed here because it is compiled (numba, ``njit(cache=True)``).  Each world's iterations are
the reference's (a world never reads another's numbers, so the answers do not depend on the
batch), each step's damped system is solved over the free multipliers only by Gaussian
elimination with partial pivoting, as LAPACK's ``gesv`` does for the reference.  Cost:
O(iterations (m^2 K + f^3)) per world, f <= m the free multipliers, with no temporaries.  The
loop and its steps live in :mod:`sim.core.newton_loop` (which imports numba); this module
chooses the engine and calls it.

Start-up: ``import sim`` does not import numba; the first solve in a process imports it and
loads the compiled kernel from numba's cache (0.4-0.7 s, ``benchmarks/bench_kernel.py``); a
fresh install compiles it once (~3 s of CPU, ``benchmarks/bench_compile.py``) and writes the
cache next to :mod:`sim.core.newton_loop` (or to the user-wide cache when that is read-only).  numba and LLVM add
~110 MB to a worker's peak memory.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.arrays import BoolArray, FloatArray, IntArray
from sim.core.newton import (
    Point,
)
from sim.errors import did_you_mean

if TYPE_CHECKING:
    from sim.core.dual import DualProblem

ENGINE_VARIABLE = "PARLEY_ENGINE"
"""The environment variable that picks the quadratic dual's Newton: ``kernel`` (the default)
or ``numpy`` (the vectorised reference loop of :mod:`sim.core.newton`).  Set it alike for every
worker of a sweep: the two agree to ~1e-12, not bit for bit."""
ENGINES = ("kernel", "numpy")


def engine() -> str:
    """The engine ``PARLEY_ENGINE`` names (``kernel`` when unset)."""
    name = os.environ.get(ENGINE_VARIABLE, "kernel").strip().lower() or "kernel"
    if name not in ENGINES:
        hint = did_you_mean(name, ENGINES)
        raise ValueError(
            f"{ENGINE_VARIABLE}={name!r}: expected one of {', '.join(ENGINES)}"
            + (f"; {hint}" if hint else "")
        )
    return name


Compiled = Callable[
    [
        FloatArray,  # position (G, A, K)
        FloatArray,  # salience (G, A, K)
        IntArray,  # rows: each world's row of position and salience
        FloatArray,  # threshold (n, m)
        FloatArray,  # own (n,)
        FloatArray,  # multipliers (n, m): the start, then the final point
        FloatArray,  # package (n, K)
        FloatArray,  # utility (n, A)
        FloatArray,  # curvature (n, m, m or K)
        BoolArray,  # known (n,)
        bool,  # factored
    ],
    None,
]
"""The compiled loop :func:`sim.core.newton_loop.newton_worlds`."""


def kernel_newton(
    problem: DualProblem, start: FloatArray, point: Point | None, factored: bool
) -> Point:
    """The final point of every world of a quadratic ``problem`` from multipliers ``start``
    (from ``point`` where it knows a world), as the reference loop reaches it."""
    n, m = problem.threshold.shape
    n_issues = problem.position.shape[2]
    columns = n_issues if factored else m
    if point is None:
        known = np.zeros(n, dtype=bool)
        multipliers = np.array(start, dtype=np.float64, order="C")
        package = np.empty((n, n_issues))
        utility = np.empty((n, m + 1))
        curvature = np.empty((n, m, columns))
    else:  # copies: the solve never writes into its first point's arrays
        known = np.ascontiguousarray(point.known, dtype=bool)
        multipliers = np.where(known[:, None], point.multipliers, start)
        package = np.array(point.package, dtype=np.float64, order="C")
        utility = np.array(point.utility, dtype=np.float64, order="C")
        curvature = np.array(point.curvature, dtype=np.float64, order="C")
    compiled_newton()(
        np.ascontiguousarray(problem.position, dtype=np.float64),
        np.ascontiguousarray(problem.salience, dtype=np.float64),
        np.arange(n),
        np.ascontiguousarray(problem.threshold, dtype=np.float64),
        np.ascontiguousarray(problem.own, dtype=np.float64),
        multipliers,
        package,
        utility,
        curvature,
        known,
        factored,
    )
    return Point(multipliers, package, utility, curvature, np.ones(n, dtype=bool))


@cache
def jit(function: Callable[..., Any], signature: Any = None, refcounted: bool = True) -> Any:
    """``function`` compiled as every Parley kernel is: numba imported on first use only, no
    fast-math (numpy's IEEE operations, in the written order), the machine code cached on disk
    next to the module (``cache=True``) and the GIL released (``nogil``).  ``refcounted=False``
    compiles it without numba's runtime (``_nrt=False``): no reference counts on the arrays it
    views or passes on (atomic operations, measured costly in the row loops), for a kernel that
    allocates and returns no array (numba refuses to compile one that does)."""
    import numba

    options: dict[str, Any] = {"cache": True, "nogil": True}
    if not refcounted:
        options["_nrt"] = False
    if signature is None:
        return numba.njit(**options)(function)
    return numba.njit(signature, **options)(function)


@cache
def compiled_newton() -> Compiled:
    """The compiled per-world loop (:func:`sim.core.newton_loop.newton_worlds`, compiled
    without reference counts, its working arrays allocated here per call; numba imported on
    first use only; each shape's loop compiled, or loaded from the cache, on its first use:
    :data:`sim.core.newton_loop.SPECIALISED`)."""
    from sim.core import newton_loop

    def newton(*arguments: Any) -> None:
        """:data:`Compiled`'s arguments; the loop for their shape and its working arrays."""
        position, threshold, curvature = arguments[0], arguments[3], arguments[8]
        _, actors, issues = position.shape
        shape = (threshold.shape[1], issues, bool(arguments[10]))
        loop = jit(newton_loop.loop_for(*shape), refcounted=False)
        loop(arguments, newton_loop.scratch(actors, issues, curvature.shape[2]))

    return newton
