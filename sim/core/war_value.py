"""The value of fighting on: the discounted average of the war's flow payoff along its expected path.

While there is no deal the war goes on, and every round yields each actor the flow payoff
U_i(q(t)) - c_i (Powell 2004, "Bargaining and learning while fighting"; Slantchev 2003, "The
principle of convergence in wartime negotiations").  In per-round units, the value of fighting
for ever from now, anticipating the status quo's expected drift mu (per round, clipped to
[0, 1]; shocks average out), is the annuity

    W_i = (1 - delta_i) * sum_{s >= 0} delta_i^s U_i(q(s)) - c_i,   q_k(s) = clip(q_k + s mu_k, 0, 1).

The sum has a closed form: on each stretch where the path is unclipped and |q_k(s) - p_ik| keeps
its sign, the loss is a polynomial of degree rho_i <= 2 in s, and

    sum_{s >= m} delta^s s^j,  j = 0, 1, 2,

are geometric series (``_tails``).  With delta = 1 the annuity is the Abel limit: the utility of the
path's end point.  With no drift W_i = U_i(q) - c_i, today's no-deal value.
"""

from __future__ import annotations

import numpy as np

from sim import elementary
from sim.arrays import BoolArray, FloatArray, reduce_short
from sim.core.war_value_kernel import compiled_war_values, quadratic_moving_losses


def war_values(
    status_quo: FloatArray,
    drift: FloatArray,
    position: FloatArray,
    salience: FloatArray,
    linear: BoolArray,
    discount: FloatArray,
    war_cost: FloatArray,
) -> FloatArray:
    """W (N, A): each actor's value of fighting on from the current status quo.

    status_quo, drift: (N, K) per round; position, salience: (N, A, K); linear: (N, A);
    discount, war_cost: (N, A) per round.
    """
    compiled = compiled_war_values(
        (status_quo, drift, position, salience, discount, war_cost), linear
    )
    if compiled is not None:  # sim.core.war_value_kernel: the same bits, one call
        return compiled
    loss = discounted_losses(
        status_quo[:, None, :],
        drift[:, None, :],
        position,
        linear[:, :, None],
        discount[:, :, None],
    )
    result: FloatArray = 1.0 - reduce_short(np.add, salience * loss, 2) - war_cost
    return result


def discounted_losses(
    start: FloatArray, drift: FloatArray, ideal: FloatArray, linear: BoolArray, delta: FloatArray
) -> FloatArray:
    """(1 - delta) sum_s delta^s |q(s) - ideal|^rho, elementwise over broadcast arrays.

    Where the status quo does not drift the sum is |q - ideal|^rho, today's loss; the series
    are summed only where it does (an issue without drift costs no series)."""
    given = (start, drift, ideal, delta)
    quadratic = not np.any(linear)  # before broadcasting: the same answer, fewer elements
    start, drift, ideal, linear, delta = np.broadcast_arrays(start, drift, ideal, linear, delta)
    power = np.full(start.shape, 2.0) if quadratic else np.where(linear, 1.0, 2.0)
    exponent = 2.0 if quadratic else power  # x^2 is x * x either way (sim.elementary)
    result: FloatArray = np.asarray(elementary.power(np.abs(start - ideal), exponent))
    moving = drift != 0.0
    if not moving.any() or (quadratic and quadratic_moving_losses(result, *given, moving)):
        return result  # no drift, or the compiled sums (sim.core.war_value_kernel), same bits
    result[moving] = _moving_losses(
        start[moving], drift[moving], ideal[moving], power[moving], delta[moving]
    )
    return result


def _moving_losses(
    start: FloatArray, drift: FloatArray, ideal: FloatArray, power: FloatArray, delta: FloatArray
) -> FloatArray:
    """:func:`discounted_losses` where the drift is not 0, over flat arrays (power 1: linear)."""
    linear = power == 1.0
    bound = np.where(drift > 0.0, 1.0, 0.0)
    z0 = start - ideal
    # Steps s = 0 .. steps-1 are unclipped; from s = steps on the path sits at the bound.
    with np.errstate(over="ignore"):  # a subnormal drift never reaches the bound
        room = (bound - start) / drift
        crossing = -z0 / drift
    steps = _horizon(np.floor(np.maximum(room, 0.0)) + 1.0)
    end = bound - ideal
    patient = delta >= 1.0
    d = np.where(patient, 0.5, delta)  # placeholder where the Abel limit applies

    def stretch(first: Tails, last: Tails, sign: FloatArray | None) -> FloatArray:
        """sum_{first <= s < last} delta^s * sign * (z0 + s mu)^power, power 1 or 2 (sign None:
        every loss quadratic, the sign 1)."""
        g0, g1, g2 = (first[j] - last[j] for j in range(3))
        square_sum: FloatArray = z0 * z0 * g0 + 2.0 * z0 * drift * g1 + drift * drift * g2
        if sign is None:
            return square_sum
        linear_sum = z0 * g0 + drift * g1
        result: FloatArray = sign * np.where(linear, linear_sum, square_sum)
        return result

    # The series from step 0 (delta^0 = 1, no power to take) and from the bound.
    from_zero, from_steps = _tails_from_now(d), _tails(d, steps)
    if linear.any():
        # Linear loss: the stretch before the path crosses the ideal point (moving towards it)
        # and the stretch after; quadratic loss: one stretch (towards is 0 there).
        towards = np.where(linear, _horizon(np.clip(np.ceil(crossing), 0.0, steps)), 0.0)
        direction = np.where(drift >= 0.0, 1.0, -1.0)
        from_towards = _tails(d, towards)
        before = np.where(linear, stretch(from_zero, from_towards, -direction), 0.0)
        after = stretch(from_towards, from_steps, np.where(linear, direction, 1.0))
    else:
        before, after = np.zeros_like(z0), stretch(from_zero, from_steps, None)
    tail_end = from_steps[0]  # 0 where the path never reaches the bound
    end_loss = elementary.power(np.abs(end), power)
    total = (1.0 - d) * (before + after + end_loss * tail_end)
    result: FloatArray = np.where(patient, end_loss, total)
    return result


HORIZON = 1e9
"""Rounds beyond which delta^s is 0 for any delta < 1 - 1e-6: a later step counts as never."""


def _horizon(steps: FloatArray) -> FloatArray:
    result: FloatArray = np.where(steps > HORIZON, np.inf, steps)
    return result


Tails = tuple[FloatArray, FloatArray, FloatArray]


def _tails_from_now(delta: FloatArray) -> Tails:
    """:func:`_tails` from m = 0: the same values, without taking delta^0 = 1."""
    q = 1.0 - delta
    return 1.0 / q, delta / (q * q), delta * (1.0 + delta) / elementary.power(q, 3.0)


def _tails(delta: FloatArray, m: FloatArray) -> Tails:
    """sum_{s >= m} delta^s s^j for j = 0, 1, 2 (0 where m is infinite)."""
    finite = np.isfinite(m)
    m = np.where(finite, m, 0.0)
    q = 1.0 - delta
    lead = np.where(finite, elementary.power(delta, m), 0.0)
    return (
        lead / q,
        lead * (m / q + delta / (q * q)),
        lead
        * (
            m * m / q + 2.0 * m * delta / (q * q) + delta * (1.0 + delta) / elementary.power(q, 3.0)
        ),
    )
