"""The damped Newton step of the proposer's dual, over the free multipliers only.

Projected Newton (Bertsekas 1982) moves the multipliers that are not held at zero by a positive
gradient, solving (H_ff + mu I) d_f = -g_f with a Levenberg-Marquardt damping mu; the held ones
stay put.  Used by :meth:`sim.core.dual.DualProblem.solve`.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from sim.arrays import BoolArray, FloatArray, reduce_short


def full_step(
    hessian: FloatArray, projected: FloatArray, free: BoolArray, damping: FloatArray
) -> FloatArray:
    """The step from the full (n, m, m) system: the Hessian on the free pairs, the damping on
    their diagonal and identity rows for the held multipliers."""
    m = hessian.shape[1]
    on_diagonal = np.arange(m)
    pair = free[:, :, None] & free[:, None, :]
    system = np.where(pair, hessian, 0.0)  # then the damping (or 1) on the diagonal
    system[:, on_diagonal, on_diagonal] += np.where(free, damping[:, None], 1.0)
    solved = np.linalg.solve(system, projected[:, :, None])
    return cast(FloatArray, -solved[:, :, 0])


def compact_step(
    factor: FloatArray, projected: FloatArray, free: BoolArray, damping: FloatArray
) -> FloatArray:
    """The damped Newton step over each world's free multipliers only (the others stay put),
    for a Hessian F F^T given by its factor F (n, m, K).

    With more constraints than issues most multipliers sit at zero, so the free ones are moved
    to the front and only the leading (n, f, f) block is built and solved, f the most free in
    any world: the same system as the full one with identity rows for the fixed multipliers.
    """
    count = reduce_short(np.add, free.astype(np.int64), 1)
    width = max(int(count.max()), 1)
    order = np.argsort(~free, axis=1, kind="stable")[:, :width]  # free first, in order
    valid = np.arange(width)[None, :] < count[:, None]
    world = np.arange(free.shape[0])[:, None]
    rows = factor[world, order] * valid[:, :, None]
    block = np.matmul(rows, rows.transpose(0, 2, 1))
    on_diagonal = np.arange(width)
    block[:, on_diagonal, on_diagonal] += np.where(valid, damping[:, None], 1.0)
    rhs = np.where(valid, projected[world, order], 0.0)
    solved = np.linalg.solve(block, rhs[:, :, None])[:, :, 0]
    step = np.zeros_like(projected)
    step[world, order] = np.where(valid, -solved, 0.0)
    return step
