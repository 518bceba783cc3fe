"""Spatial utilities over packages of issues, vectorised over worlds and actors.

U_i(x) = 1 - sum_k s_ik * |x_k - p_ik| ** rho_i, with saliences s_i summing to 1, ideal points p_i
in [0, 1]^K and rho_i = 1 (linear) or 2 (quadratic).  This is the weighted-Euclidean spatial
utility of the expected-utility and KTAB traditions (Bueno de Mesquita 1994; Wise et al. 2015).

Shapes: x is (N, K) packages, position and salience are (N, A, K), linear is (N, A) booleans.
"""

from __future__ import annotations

import numpy as np

from sim.arrays import BoolArray, FloatArray, reduce_short
from sim.core.utility_kernel import compiled_utilities


def loss_terms(
    x: FloatArray, position: FloatArray, salience: FloatArray, linear: BoolArray
) -> FloatArray:
    """Per-issue salience-weighted losses s_ik * |x_k - p_ik|^rho_i, shape (N, A, K)."""
    distance = np.abs(x[:, None, :] - position)
    if linear.any():
        shaped = np.where(linear[:, :, None], distance, distance * distance)
    else:
        shaped = distance * distance
    result: FloatArray = salience * shaped
    return result


def utilities(
    x: FloatArray, position: FloatArray, salience: FloatArray, linear: BoolArray
) -> FloatArray:
    """Every actor's utility of package x in every world, shape (N, A) (compiled where it can
    be, :mod:`sim.core.utility_kernel`, with the same bits)."""
    compiled = compiled_utilities(x, position, salience, linear)
    if compiled is not None:
        return compiled
    result: FloatArray = 1.0 - reduce_short(np.add, loss_terms(x, position, salience, linear), 2)
    return result
