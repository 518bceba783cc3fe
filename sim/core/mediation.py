"""The single negotiating text: a mediator drafts a package and revises it round by round.

Raiffa (1982, *The Art and Science of Negotiation*, ch. 14) after Fisher's account of the Camp
David talks (1978): instead of trading offers, the parties react to one text the mediator owns.
Each round the mediator puts the text to the parties whose consent counts; each party that does
not accept it names the change it most wants -- the direction in which its utility rises fastest,
grad U_i / |grad U_i| -- and the mediator moves the text one step along the mean of those
requests (and of its own wish, if the mediator is itself an actor with an ideal point):

    x <- clip(x + step * mean_{i objecting (+ mediator)} grad U_i(x) / |grad U_i(x)|, 0, 1).

A neutral mediator's first draft is the salience-weighted mean of the listened parties' ideal
points, each party counting equally; an actor as mediator counts itself as one more party there
too, so a biased mediator both drafts and steers toward its own ideal.

Where domestic ratifiers may reject the text (Putnam 1988; :mod:`sim.core.ratification`), the
parties judge it as they answer it, by its expected value EV_i(x) = P(x) U_i(x) + (1 - P(x)) w_i
(w_i the value of a rejected deal; :mod:`sim.core.anticipation`), so the change each asks for is
the direction in which EV_i rises fastest: with P > 0,

    grad EV_i / P = grad U_i + (U_i(x) - w_i) grad log P,
    grad log P = sum_r (1 - P_r(x)) / s_r grad U_r(x)

(P_r the logistic approval of ratifier r with spread s_r; a sharp ratifier, s_r = 0, counts with
``SHARP_SPREAD``).  A party that gains from the deal thus asks for a text its ratifiers, and the
others', can pass, more urgently the likelier they are to reject; the mediator drafts for the
ratifiers through its parties.  Where every ratifier surely approves the text (P_r >= ``SURE``)
the request is grad U_i as before, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.arrays import BoolArray, FloatArray, IntArray, reduce_short
from sim.core.batch import Structure
from sim.core.ratification import SURE, Ratifiers, approval_probabilities

SHARP_SPREAD = 1e-6
"""The spread a sharp ratifier (spread 0) counts with in grad log P: while it rejects, the
parties' requests point toward what it approves."""


def voices(listened: BoolArray, mediator: int | None) -> FloatArray:
    """How many times each actor counts in the mediator's draft and revisions, (A,).

    Every listened party once; an actor as mediator once more (on top of being a party).
    """
    weight = listened.astype(np.float64)
    if mediator is not None:
        weight[mediator] += 1.0
    return weight


def first_draft(position: FloatArray, salience: FloatArray, weight: FloatArray) -> FloatArray:
    """The mediator's opening text (N, K): sum_i w_i s_ik p_ik / sum_i w_i s_ik per issue.

    position, salience: (N, A, K); weight: (A,).  An issue no counted party cares about opens at
    the middle, 0.5.
    """
    pull = weight[None, :, None] * salience
    total = pull.sum(axis=1)
    safe = np.where(total > 0, total, 1.0)
    result: FloatArray = np.where(total > 0, (pull * position).sum(axis=1) / safe, 0.5)
    return result


def utility_gradients(
    text: FloatArray, position: FloatArray, salience: FloatArray, linear: BoolArray
) -> FloatArray:
    """grad U_i(x), (N, A, K): U_i = 1 - sum_k s_ik |x_k - p_ik|^rho_i, so dU_i/dx_k =
    s_ik rho_i |p_ik - x_k|^(rho_i - 1) sign(p_ik - x_k).  linear: (A,)."""
    toward = position - text[:, None, :]
    quadratic_slope = 2.0 * salience * toward
    linear_slope = salience * np.sign(toward)
    result: FloatArray = np.where(linear[None, :, None], linear_slope, quadratic_slope)
    return result


def unit(gradient: FloatArray) -> FloatArray:
    """Each row of (N, A, K) scaled to length 1; zero (no request) where it is zero."""
    length = np.sqrt((gradient * gradient).sum(axis=2, keepdims=True))
    result: FloatArray = np.where(length > 0, gradient / np.where(length > 0, length, 1.0), 0.0)
    return result


def requested_directions(
    text: FloatArray, position: FloatArray, salience: FloatArray, linear: BoolArray
) -> FloatArray:
    """Each actor's most wanted change of the text: its unit utility gradient, (N, A, K); zero
    (no request) for an actor already at its ideal.  linear: (A,)."""
    return unit(utility_gradients(text, position, salience, linear))


@dataclass(frozen=True)
class Stakes:
    """What the parties weigh a text by where ratifiers may reject it: the ratifiers (thresholds
    per world) and each party's gain from a ratified text over a rejected one, U_i(x) - w_i."""

    ratifiers: Ratifiers
    gain: FloatArray  # (N, A)


def weighed_directions(
    text: FloatArray,
    position: FloatArray,
    salience: FloatArray,
    linear: BoolArray,
    stakes: Stakes,
) -> FloatArray:
    """Each actor's unit gradient of its expected value EV_i of the text (the module docstring),
    (N, A, K); where every ratifier surely approves, :func:`requested_directions` bit for bit."""
    directions = requested_directions(text, position, salience, linear)
    approval = approval_probabilities(stakes.ratifiers, text)  # (N, R)
    risky = np.flatnonzero(reduce_short(np.logical_or, approval < SURE, 1))
    if risky.size == 0:
        return directions
    ratifiers = stakes.ratifiers
    x = text[risky]
    n = risky.size
    bodies = utility_gradients(
        x,
        np.broadcast_to(ratifiers.position, (n, *ratifiers.position.shape)),
        np.broadcast_to(ratifiers.salience, (n, *ratifiers.salience.shape)),
        ratifiers.linear,
    )  # (n, R, K)
    spread = np.where(ratifiers.spread > 0, ratifiers.spread, SHARP_SPREAD)
    log_p = ((1.0 - approval[risky]) / spread)[:, :, None] * bodies  # (n, R, K)
    own = utility_gradients(x, position[risky], salience[risky], linear)
    gradient = own + stakes.gain[risky][:, :, None] * log_p.sum(axis=1)[:, None, :]
    directions[risky] = unit(gradient)
    return directions


def revise(
    text: FloatArray,
    directions: FloatArray,
    objecting: BoolArray,
    mediator: int | None,
    step: float,
) -> FloatArray:
    """The next text (N, K): one step along the mean request of the objectors (and mediator).

    directions: (N, A, K) from :func:`requested_directions`; objecting: (N, A), the listened
    parties that did not accept.  A world where nobody asks for anything keeps its text.
    """
    counted = objecting.astype(np.float64)
    if mediator is not None:
        counted[:, mediator] += 1.0
    voices_ = counted.sum(axis=1, keepdims=True)
    pull = (counted[:, :, None] * directions).sum(axis=1)
    mean = np.where(voices_ > 0, pull / np.where(voices_ > 0, voices_, 1.0), 0.0)
    result: FloatArray = np.clip(text + step * mean, 0.0, 1.0)
    return result


class SingleText:
    """The mediator's text in every world of a batch, (N, K): drafted once, revised each round."""

    def __init__(self, structure: Structure, position: FloatArray, salience: FloatArray) -> None:
        self.structure = structure
        self.text = first_draft(position, salience, voices(structure.listened, structure.mediator))

    def revise(
        self,
        rows: IntArray,
        position: FloatArray,
        salience: FloatArray,
        objecting: BoolArray,
        stakes: Stakes | None = None,
    ) -> None:
        """Move the text of worlds ``rows`` (whose talks go on) toward the objectors' requests
        (on their expected values, where ``stakes`` gives ratifiers)."""
        structure = self.structure
        text = self.text[rows]
        if stakes is None:
            directions = requested_directions(text, position, salience, structure.linear)
        else:
            directions = weighed_directions(text, position, salience, structure.linear, stakes)
        self.text[rows] = revise(
            text, directions, objecting, structure.mediator, structure.mediation_step
        )
