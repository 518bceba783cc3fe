"""The war's discounted losses on drifting issues, compiled around the powers, same bits.

:func:`sim.core.war_value.discounted_losses` sums, where an issue's status quo drifts, the
discounted series (1 - delta) sum_s delta^s (q(s) - p)^2 in closed form (Powell 2004): some forty
numpy operations over the drifting cells, after gathering them from broadcast (N, A, K) views.
Here two compiled loops (numba, ``njit(cache=True)``) walk the cells in C order instead:
``prepare`` gathers each drifting cell's horizon, discount and distances, :mod:`sim.elementary`
takes the powers (q^3, delta^m, |bound - p|^2, as the reference takes them), and ``finish``
sums the geometric tails and writes each cell's loss in place: the reference's IEEE operations
in its order (numba compiles without fast-math), so the values are the same bit for bit.
Quadratic losses only (a linear one also needs the stretch before the path crosses the ideal
point: the reference runs); ``PARLEY_ENGINE=numpy`` runs the reference.

:func:`compiled_war_values` does the whole of :func:`sim.core.war_value.war_values` the same way
(``spread``: |q - p|^2 on every cell and the drifting cells' terms; the powers of those;
``fold``: the series and the salience-weighted sum over the issues), one call a round for every
actor.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim import elementary
from sim.arrays import SHORT_AXIS, BoolArray, FloatArray, IntArray
from sim.core.kernel_jit import vector_jit, vector_jitable
from sim.core.newton_kernel import engine

Kernel = Callable[..., None]
Terms = tuple[NDArray[Any], ...]
"""The moving cells' z0 = q - p, drift, discount d, 1 - d, steps m, |bound - p|, finite, patient
and flat cell index (:func:`prepare`)."""
Series = tuple[NDArray[Any], ...]
""":func:`finish`'s arguments but the result: the terms with q^3, d^m and |bound - p|^2."""

HORIZON = 1e9
"""As :data:`sim.core.war_value.HORIZON` (a later step counts as never)."""


def quadratic_moving_losses(
    result: FloatArray,
    start: FloatArray,
    drift: FloatArray,
    ideal: FloatArray,
    delta: FloatArray,
    moving: BoolArray,
) -> bool:
    """Write the discounted quadratic losses of the ``moving`` cells of ``result`` (N, A, K) in
    place, from :func:`sim.core.war_value.discounted_losses`'s arguments (broadcast); False
    (nothing written) where the reference must run: ``PARLEY_ENGINE=numpy``, or arrays that
    are not (N, A, K) float64."""
    if moving.ndim != 3 or engine() != "kernel":
        return False
    # Read-only views (numpy warns when numba reads the flags of broadcast_arrays' views).
    arrays = [np.broadcast_to(a, moving.shape) for a in (start, drift, ideal, delta)]
    if any(a.dtype != np.float64 for a in (result, *arrays)) or not result.flags.c_contiguous:
        return False
    prepare, finish = compiled_kernels()
    terms = _empty_terms(int(np.count_nonzero(moving)))
    prepare(*arrays, moving, terms)
    finish(*_series(terms), result.reshape(-1))
    return True


def _empty_terms(count: int) -> Terms:
    """Room for ``count`` moving cells' terms."""
    z0, mu, d, q, m, absolute_end = (np.empty(count) for _ in range(6))
    finite, patient = np.empty(count, dtype=np.bool_), np.empty(count, dtype=np.bool_)
    return z0, mu, d, q, m, absolute_end, finite, patient, np.empty(count, dtype=np.int64)


def _series(terms: Terms) -> Series:
    """:func:`finish`'s arguments but the result: the terms and the powers of them (q^3,
    d^m, |bound - p|^2), taken as the reference takes them."""
    z0, mu, d, q, m, absolute_end, finite, patient, cells = terms
    cube = elementary.power(q, 3.0)
    lead = elementary.power(d, m)
    end_loss = elementary.power(absolute_end, 2.0)
    return z0, mu, d, q, cube, m, finite, lead, end_loss, patient, cells


def prepare(
    start: FloatArray,
    drift: FloatArray,
    ideal: FloatArray,
    delta: FloatArray,
    moving: BoolArray,
    terms: Terms,
) -> None:
    """Each moving cell's (C order) q - p, drift, discount (1/2 where patient: the Abel limit
    applies), 1 - discount, steps before the bound (0 where never), |bound - p|, flags and
    where it sits in the flat (N, A, K) array, into ``terms``."""
    n, actors, issues = moving.shape
    j = 0
    for i in range(n):
        for a in range(actors):
            for k in range(issues):
                if moving[i, a, k]:
                    cell = (i * actors + a) * issues + k
                    _gather(
                        start[i, a, k],
                        drift[i, a, k],
                        ideal[i, a, k],
                        delta[i, a, k],
                        j,
                        cell,
                        terms,
                    )
                    j += 1


def _gather(
    s: float, step: float, ideal: float, delta: float, j: int, cell: int, terms: Terms
) -> None:
    """One moving cell's terms (status quo s, drift, ideal point, discount) into slot j."""
    z0, mu, d, q, m, absolute_end, finite, patient, cells = terms
    bound = 1.0 if step > 0.0 else 0.0
    room = (bound - s) / step
    room = room if room >= 0.0 or np.isnan(room) else 0.0  # np.maximum(room, 0)
    steps = np.floor(room) + 1.0
    if steps > HORIZON:
        steps = np.inf
    is_patient = delta >= 1.0
    discount = 0.5 if is_patient else delta
    z0[j] = s - ideal
    mu[j] = step
    d[j] = discount
    q[j] = 1.0 - discount
    finite[j] = np.isfinite(steps)
    m[j] = steps if finite[j] else 0.0
    absolute_end[j] = abs(bound - ideal)
    patient[j] = is_patient
    cells[j] = cell


def finish(
    z0: FloatArray,
    mu: FloatArray,
    d: FloatArray,
    q: FloatArray,
    cube: FloatArray,
    m: FloatArray,
    finite: BoolArray,
    lead: FloatArray,
    end_loss: FloatArray,
    patient: BoolArray,
    cells: IntArray,
    result: FloatArray,
) -> None:
    """(1 - delta) (sum_{s < steps} delta^s (z0 + s mu)^2 + |end|^2 sum_{s >= steps} delta^s)
    into the moving cells of the flat ``result``, as the reference's tails and stretch compute
    it."""
    for j in range(cells.size):
        dj, qj, mj = d[j], q[j], m[j]
        square = qj * qj
        tail = lead[j] if finite[j] else 0.0
        g0 = 1.0 / qj - tail / qj
        g1 = dj / square - tail * (mj / qj + dj / square)
        g2 = dj * (1.0 + dj) / cube[j] - tail * (
            mj * mj / qj + 2.0 * mj * dj / square + dj * (1.0 + dj) / cube[j]
        )
        z, step = z0[j], mu[j]
        after = z * z * g0 + 2.0 * z * step * g1 + step * step * g2
        total = (1.0 - dj) * (0.0 + after + end_loss[j] * (tail / qj))
        result[cells[j]] = end_loss[j] if patient[j] else total


@cache
def compiled_kernels() -> tuple[Kernel, Kernel]:
    """``prepare`` and ``finish`` compiled (numba imported, the kernels compiled or loaded from
    the cache, on first use only)."""
    _register_helpers()
    return vector_jit(prepare), vector_jit(finish)


def compiled_war_values(arrays: tuple[FloatArray, ...], linear: BoolArray) -> FloatArray | None:
    """W (N, A) as :func:`sim.core.war_value.war_values` computes it from (status quo, drift,
    position, salience, discount, war cost), bit for bit: one compiled pass for |q - p|^2 on
    every cell and the drifting cells' terms, the powers of them, one compiled pass for the
    series and the salience-weighted fold over the issues (hand-written: some twenty numpy
    passes a call before, measured faster, docs/speed.md, issue 17).  None where the reference
    must run: ``PARLEY_ENGINE=numpy``, a linear loss, K >= 8 issues (numpy's sum is pairwise),
    or arrays not (N, K), (N, K), (N, A, K), (N, A, K), (N, A), (N, A) float64."""
    status_quo, drift, position, salience, discount, war_cost = arrays
    if position.ndim != 3 or engine() != "kernel" or linear.any():
        return None
    n, actors, issues = position.shape
    shapes = [(n, issues)] * 2 + [(n, actors, issues)] * 2 + [(n, actors)] * 2
    if not 1 <= issues < SHORT_AXIS or any(
        a.shape != shape or a.dtype != np.float64 for a, shape in zip(arrays, shapes, strict=True)
    ):
        return None
    spread, fold = compiled_war_kernels()
    terms = _empty_terms(int(np.count_nonzero(drift)) * actors)
    loss = np.empty(n * actors * issues)
    spread(status_quo, drift, position, discount, loss.reshape(n, actors, issues), terms)
    result = np.empty((n, actors))
    fold(_series(terms), loss, salience, war_cost, result)
    return result


def spread(
    status_quo: FloatArray,
    drift: FloatArray,
    position: FloatArray,
    discount: FloatArray,
    loss: FloatArray,
    terms: Terms,
) -> None:
    """|q - p|^2 on every (N, A, K) cell into ``loss`` (d * d, the bits of the reference's
    :func:`sim.elementary.power` for the exponent 2, in the same pass instead of a numpy call
    over a fresh array after it), and each drifting cell's terms as :func:`prepare` gathers
    them (status quo and drift (N, K), discount (N, A))."""
    n, actors, issues = position.shape
    j = 0
    for i in range(n):
        for a in range(actors):
            for k in range(issues):
                s, ideal = status_quo[i, k], position[i, a, k]
                distance = abs(s - ideal)
                loss[i, a, k] = distance * distance
                if drift[i, k] != 0.0:
                    cell = (i * actors + a) * issues + k
                    _gather(s, drift[i, k], ideal, discount[i, a], j, cell, terms)
                    j += 1


def fold(
    series: Series,
    loss: FloatArray,
    salience: FloatArray,
    war_cost: FloatArray,
    result: FloatArray,
) -> None:
    """The drifting cells' series (:func:`finish`'s arguments) into the flat ``loss``, then
    W = 1 - sum_k s_k loss_k - c into ``result`` (N, A), the issues added left to right as
    :func:`sim.arrays.reduce_short` adds them."""
    z0, mu, d, q, cube, m, finite, lead, end_loss, patient, cells = series
    finish(z0, mu, d, q, cube, m, finite, lead, end_loss, patient, cells, loss)
    n, actors, issues = salience.shape
    for i in range(n):
        for a in range(actors):
            first = (i * actors + a) * issues
            total = salience[i, a, 0] * loss[first]
            for k in range(1, issues):
                total = total + salience[i, a, k] * loss[first + k]
            result[i, a] = 1.0 - total - war_cost[i, a]


@cache
def compiled_war_kernels() -> tuple[Kernel, Kernel]:
    """``spread`` and ``fold`` compiled (numba imported, the kernels compiled or loaded from the
    cache, on first use only)."""
    _register_helpers()
    return vector_jit(spread), vector_jit(fold)


@cache
def _register_helpers() -> None:
    """Make ``_gather`` and ``finish`` callable from the compiled loops (once; unchanged in
    Python)."""
    vector_jitable(_gather)
    vector_jitable(finish)
