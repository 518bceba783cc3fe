"""The war's discounted losses on drifting issues, compiled around numpy's powers, same bits.

:func:`sim.core.war_value.discounted_losses` sums, where an issue's status quo drifts, the
discounted series (1 - delta) sum_s delta^s (q(s) - p)^2 in closed form (Powell 2004): some forty
numpy operations over the drifting cells, after gathering them from broadcast (N, A, K) views.
Here two compiled loops (numba, ``njit(cache=True)``) walk the cells in C order instead:
``prepare`` gathers each drifting cell's horizon, discount and distances, numpy takes the powers
(q^3, delta^m, |bound - p|^2: numpy's ``power`` differs from numba's, and from x * x, in the
last bit, so it stays numpy's, on the same contiguous arrays as the reference), and ``finish``
sums the geometric tails and writes each cell's loss in place: the reference's IEEE operations
in its order (numba compiles without fast-math), so the values are the same bit for bit.
Quadratic losses only (a linear one also needs the stretch before the path crosses the ideal
point: the reference runs); ``PARLEY_ENGINE=numpy`` runs the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from sim.arrays import BoolArray, FloatArray, IntArray
from sim.core.newton_kernel import engine, jit

Kernel = Callable[..., None]

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
    count = int(np.count_nonzero(moving))
    z0, mu, d, q, m, absolute_end = (np.empty(count) for _ in range(6))
    finite, patient = np.empty(count, dtype=np.bool_), np.empty(count, dtype=np.bool_)
    cells = np.empty(count, dtype=np.int64)
    prepare(*arrays, moving, z0, mu, d, q, m, absolute_end, finite, patient, cells)
    cube = q**3  # numpy's powers, as the reference takes them
    lead = d**m
    end_loss = absolute_end ** np.full(count, 2.0)
    finish(z0, mu, d, q, cube, m, finite, lead, end_loss, patient, cells, result.reshape(-1))
    return True


def prepare(
    start: FloatArray,
    drift: FloatArray,
    ideal: FloatArray,
    delta: FloatArray,
    moving: BoolArray,
    z0: FloatArray,
    mu: FloatArray,
    d: FloatArray,
    q: FloatArray,
    m: FloatArray,
    absolute_end: FloatArray,
    finite: BoolArray,
    patient: BoolArray,
    cells: IntArray,
) -> None:
    """Each moving cell's (C order) q - p, drift, discount (1/2 where patient: the Abel limit
    applies), 1 - discount, steps before the bound (0 where never), |bound - p|, flags and
    where it sits in the flat (N, A, K) array."""
    n, actors, issues = moving.shape
    j = 0
    for i in range(n):
        for a in range(actors):
            for k in range(issues):
                if not moving[i, a, k]:
                    continue
                s, step = start[i, a, k], drift[i, a, k]
                bound = 1.0 if step > 0.0 else 0.0
                room = (bound - s) / step
                room = room if room >= 0.0 or np.isnan(room) else 0.0  # np.maximum(room, 0)
                steps = np.floor(room) + 1.0
                if steps > HORIZON:
                    steps = np.inf
                is_patient = delta[i, a, k] >= 1.0
                discount = 0.5 if is_patient else delta[i, a, k]
                z0[j] = s - ideal[i, a, k]
                mu[j] = step
                d[j] = discount
                q[j] = 1.0 - discount
                finite[j] = np.isfinite(steps)
                m[j] = steps if finite[j] else 0.0
                absolute_end[j] = abs(bound - ideal[i, a, k])
                patient[j] = is_patient
                cells[j] = (i * actors + a) * issues + k
                j += 1


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
    return jit(prepare), jit(finish)
