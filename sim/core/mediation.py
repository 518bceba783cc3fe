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
"""

from __future__ import annotations

import numpy as np

from sim.arrays import BoolArray, FloatArray, IntArray
from sim.core.batch import Structure


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


def requested_directions(
    text: FloatArray, position: FloatArray, salience: FloatArray, linear: BoolArray
) -> FloatArray:
    """Each actor's most wanted change of the text: its unit utility gradient, (N, A, K).

    U_i = 1 - sum_k s_ik |x_k - p_ik|^rho_i, so dU_i/dx_k = s_ik rho_i |p_ik - x_k|^(rho_i - 1)
    sign(p_ik - x_k); zero (no request) for an actor already at its ideal.  linear: (A,).
    """
    toward = position - text[:, None, :]
    quadratic_slope = 2.0 * salience * toward
    linear_slope = salience * np.sign(toward)
    gradient = np.where(linear[None, :, None], linear_slope, quadratic_slope)
    length = np.sqrt((gradient * gradient).sum(axis=2, keepdims=True))
    result: FloatArray = np.where(length > 0, gradient / np.where(length > 0, length, 1.0), 0.0)
    return result


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
        self, rows: IntArray, position: FloatArray, salience: FloatArray, objecting: BoolArray
    ) -> None:
        """Move the text of worlds ``rows`` (whose talks go on) toward the objectors' requests."""
        structure = self.structure
        text = self.text[rows]
        directions = requested_directions(text, position, salience, structure.linear)
        self.text[rows] = revise(
            text, directions, objecting, structure.mediator, structure.mediation_step
        )
