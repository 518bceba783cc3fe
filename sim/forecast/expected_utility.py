"""Bueno de Mesquita's expected utility model, per issue, vectorised over runs and actor pairs.

The formulation of Scholz, Calbert & Smith (2011, "Unravelling Bueno De Mesquita's group decision
model", Journal of Theoretical Politics 23(4)), after Bueno de Mesquita (1994, 2002).  One *run*
is one issue of one world: actors i with capability c_i, salience s_i in [0, 1] and position x_i
on a scale of width d.  Each round:

1. votes: actor k's vote for i's position over j's is v_k(i, j) = c_k s_k (|x_k - x_j| -
   |x_k - x_i|) / d; the *median voter position* mu is the position that wins most pairwise votes
   (with these linear votes: the capability x salience weighted median);
2. the probability that i beats j is P_ij = sum_k max(v_k(i, j), 0) / sum_k |v_k(i, j)|;
3. utilities of a challenge of j by i, from the point of view of an actor with risk exponent r:
   U_s = 2 - 4 (1/2 - |x_i - x_j| / 2d)^r, U_f = 2 - 4 (1/2 + |x_i - x_j| / 2d)^r,
   U_b/w = 2 - 4 (1/2 -/+ (|x_i - mu| + |x_i - x_j|) / 4d)^r, U_sq = 2 - 4 (1/2)^r, and
   EU(i challenges j) = s_j (P_ij U_s + (1 - P_ij) U_f) + (1 - s_j) U_s
                        - Q U_sq - (1 - Q) (T U_b + (1 - T) U_w);
4. risk: with every r = 1, actor i's danger is D_i = sum_j EU(j challenges i);
   R_i = (2 D_i - max D - min D) / (max D - min D) and r_i = (1 - R_i / 3) / (1 + R_i / 3);
5. offers: i judges every other actor j with its own r_i -- a = EU(i challenges j), b = EU(j
   challenges i).  b > a > 0: i loses a confrontation and moves to x_j; b > 0 > a and b > |a|: i
   compromises to x_i + (x_j - x_i) |a| / b; b > 0 > a and b <= |a|: i capitulates to x_j;
   otherwise j makes i no credible offer.  i takes the credible offer that moves it least, and
   all actors move at once.

Every place where the published descriptions (and the two public ports) leave a choice open is
listed, with the choice made and why, in docs/forecast.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim import elementary
from sim.core.batch import WorldBatch
from sim.forecast.registry import Model, Options, register
from sim.scenario.schema import Scenario

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

DEFAULT_ROUNDS = 10
TIE = 1e-12
"""Relative tolerance within which two vote totals count as a tie (broken toward the lower position)."""


@dataclass(frozen=True)
class Dynamics:
    """The rounds of a batch of runs: positions (R + 1, M, A), medians and means (R + 1, M)."""

    positions: FloatArray
    median: FloatArray
    mean: FloatArray
    risk: FloatArray  # (R, M, A): each round's risk exponents r_i


def weighted_mean(position: FloatArray, weight: FloatArray) -> FloatArray:
    """sum_i w_i x_i / sum_i w_i over the last axis (NaN where every weight is zero)."""
    total = weight.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        result: FloatArray = (weight * position).sum(axis=-1) / total
    return np.where(total > 0, result, np.nan)


def median_voter(position: FloatArray, weight: FloatArray) -> FloatArray:
    """The position that wins most pairwise votes sum_k w_k (|x_k - x_b| - |x_k - x_a|), (M,).

    Summed over every rival b this is -n sum_k w_k |x_k - x_a| + const, so the winner is the
    actors' position with the least weighted distance to all -- the weighted median; ties go to the
    lower position, and a run where every weight is zero has none (NaN).  position, weight: (M, A).
    """
    distance = np.abs(position[:, :, None] - position[:, None, :])  # (M, a, k)
    loss = (distance * weight[:, None, :]).sum(axis=2)  # (M, a)
    best = loss.min(axis=1, keepdims=True)
    spread = position.max(axis=1, keepdims=True) - position.min(axis=1, keepdims=True)
    tied = loss <= best + TIE * weight.sum(axis=1, keepdims=True) * spread
    lowest = np.where(tied, position, np.inf).min(axis=1)
    result: FloatArray = np.where(weight.sum(axis=1) > 0, lowest, np.nan)
    return result


def win_probability(position: FloatArray, weight: FloatArray) -> FloatArray:
    """P_ij, the chance that i's position beats j's in the vote, shape (M, A, A).

    P_ij + P_ji = 1 whenever the votes are not all zero; P_ij = 0 when nobody's vote separates
    the two positions (e.g. x_i = x_j).  Computed as (1 + sum_k v_k / sum_k |v_k|) / 2, since
    sum_k max(v_k, 0) = (sum_k v_k + sum_k |v_k|) / 2 and sum_k v_k(i, j) = L_j - L_i with
    L_i = sum_k w_k |x_k - x_i|; only sum_k |v_k| needs the (M, A, A, A) tensor.
    """
    m, a = position.shape
    distance = np.abs(position[:, :, None] - position[:, None, :])  # (M, i, k), symmetric
    pull = np.einsum("mik,mk->mi", distance, weight)  # L_i
    gaps = distance[:, None, :, :] - distance[:, :, None, :]  # (M, i, j, k): D_jk - D_ik
    np.abs(gaps, out=gaps)
    total = np.matmul(gaps.reshape(m, a * a, a), weight[:, :, None]).reshape(m, a, a)
    net = pull[:, None, :] - pull[:, :, None]  # L_j - L_i
    safe = np.where(total > 0, total, 1.0)
    result: FloatArray = np.where(total > 0, np.clip(0.5 * (1.0 + net / safe), 0.0, 1.0), 0.0)
    return result


def _shaped(base: FloatArray, risk: FloatArray | float) -> FloatArray:
    """2 - 4 * base ** r, with base in [0, 1] (no power for the risk-neutral r = 1)."""
    clipped = np.clip(base, 0.0, 1.0)
    shaped = clipped if isinstance(risk, float) and risk == 1.0 else elementary.power(clipped, risk)
    result: FloatArray = 2.0 - 4.0 * shaped
    return result


def outcome_utilities(
    distance: FloatArray, risk: FloatArray | float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """U_s, U_f and U_sq of a challenge across distance |x_i - x_j| / d for exponent r.

    U_s and U_f depend only on the distance, so the challenger's and the target's challenge of
    each other share them (seen by the same actor, with the same r).
    """
    success = _shaped(0.5 - 0.5 * distance, risk)
    failure = _shaped(0.5 + 0.5 * distance, risk)
    status_quo = 2.0 - 4.0 * elementary.power(0.5, risk)
    return success, failure, np.asarray(status_quo, dtype=np.float64)


def challenge_utility(
    probability: FloatArray,
    resolve: FloatArray,
    outcomes: tuple[FloatArray, FloatArray, FloatArray],
    persistence: float,
    drift: FloatArray | None = None,
) -> FloatArray:
    """EU of a challenge: win with ``probability`` against a target resisting with ``resolve``.

    ``outcomes`` = (U_s, U_f, U_sq) from :func:`outcome_utilities`; ``persistence`` is Q, the
    chance the status quo holds if nobody challenges; ``drift`` (needed when Q < 1) the expected
    utility T U_b + (1 - T) U_w of the status quo moving (:func:`drift_utility`).
    Elementwise, broadcastable.
    """
    success, failure, status_quo = outcomes
    challenge = resolve * (probability * success + (1.0 - probability) * failure)
    result: FloatArray = challenge + (1.0 - resolve) * success - persistence * status_quo
    if persistence < 1.0 and drift is not None:
        result = result - (1.0 - persistence) * drift
    return result


def drift_utility(
    distance: FloatArray,
    challenger_to_median: FloatArray,
    target_to_median: FloatArray,
    risk: FloatArray | float,
) -> FloatArray:
    """T U_b + (1 - T) U_w: the challenger's utility if the status quo moves unchallenged.

    U_b/w = 2 - 4 (1/2 -/+ (|x_i - mu| + |x_i - x_j|) / 4d)^r.  The target drifts toward the
    median, which helps the challenger (T = 1) when the challenger is the closer of the two to the
    median (docs/forecast.md).
    """
    spread = 0.25 * (challenger_to_median + distance)
    improves = challenger_to_median < target_to_median
    result: FloatArray = np.where(
        improves, _shaped(0.5 - spread, risk), _shaped(0.5 + spread, risk)
    )
    return result


@dataclass(frozen=True)
class Assessment:
    """One round's judgements: P (M, A, A), risk r (M, A), and each actor's view of every pair.

    ``own[m, i, j]`` is i's expected utility of challenging j and ``rival[m, i, j]`` j's expected
    utility of challenging i, both as actor i sees them (with i's risk exponent).
    """

    median: FloatArray
    probability: FloatArray
    risk: FloatArray
    own: FloatArray
    rival: FloatArray


def assess(
    position: FloatArray,
    capability: FloatArray,
    salience: FloatArray,
    scale: FloatArray,
    persistence: float = 1.0,
) -> Assessment:
    """The votes, probabilities, risk exponents and expected utilities of one round (M runs)."""
    weight = capability * salience
    median = median_voter(position, weight)
    probability = win_probability(position, weight)
    gap = np.abs(position[:, :, None] - position[:, None, :]) / scale[:, None, None]
    to_median = (np.abs(position - median[:, None]) / scale[:, None])[:, :, None]  # (M, i, 1)
    rival_to_median = np.swapaxes(to_median, 1, 2)  # (M, 1, j): |x_j - mu| / d
    resolve_of_j = salience[:, None, :]
    drifting = persistence < 1.0

    def drift(challenger: FloatArray, target: FloatArray, r: FloatArray | float) -> Any:
        return drift_utility(gap, challenger, target, r) if drifting else None

    # Risk-neutral expected utility of i challenging j, for everyone's danger levels.
    neutral = challenge_utility(
        probability,
        resolve_of_j,
        outcome_utilities(gap, 1.0),
        persistence,
        drift(to_median, rival_to_median, 1.0),
    )
    danger = neutral.sum(axis=1) - np.diagonal(neutral, axis1=1, axis2=2)  # D_j = sum_i EU_ij
    high, low = danger.max(axis=1, keepdims=True), danger.min(axis=1, keepdims=True)
    spread = high - low
    with np.errstate(invalid="ignore", divide="ignore"):
        acceptance = np.where(
            spread > 0, (2.0 * danger - high - low) / np.where(spread > 0, spread, 1.0), 0.0
        )
    risk = (1.0 - acceptance / 3.0) / (1.0 + acceptance / 3.0)
    r_i = risk[:, :, None]
    outcomes = outcome_utilities(gap, r_i)  # shared: U_s, U_f depend on |x_i - x_j| and r_i
    own = challenge_utility(
        probability, resolve_of_j, outcomes, persistence, drift(to_median, rival_to_median, r_i)
    )
    rival = challenge_utility(
        np.swapaxes(probability, 1, 2),
        salience[:, :, None],
        outcomes,
        persistence,
        drift(rival_to_median, to_median, r_i),
    )
    return Assessment(median, probability, risk, own, rival)


def moves(position: FloatArray, assessment: Assessment) -> FloatArray:
    """Every actor's position after it takes the credible offer that moves it least, (M, A)."""
    own, rival = assessment.own, assessment.rival
    x_i = position[:, :, None]
    x_j = position[:, None, :]
    differs = x_i != x_j
    confrontation = (rival > own) & (own > 0)
    losing = (rival > 0) & (own < 0)
    compromise = losing & (rival > -own)
    capitulation = losing & ~compromise
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(compromise, -own / np.where(rival > 0, rival, 1.0), 1.0)
    target = np.where(compromise, x_i + (x_j - x_i) * share, x_j)
    credible = differs & (confrontation | compromise | capitulation)
    shift = np.where(credible, np.abs(target - x_i), np.inf)
    chosen = np.argmin(shift, axis=2)
    best = np.take_along_axis(target, chosen[:, :, None], axis=2)[:, :, 0]
    any_offer = credible.any(axis=2)
    result: FloatArray = np.where(any_offer, best, position)
    return result


def run_rounds(
    position: FloatArray,
    capability: FloatArray,
    salience: FloatArray,
    rounds: int = DEFAULT_ROUNDS,
    *,
    scale: FloatArray | None = None,
    persistence: float = 1.0,
) -> Dynamics:
    """Run ``rounds`` rounds of the model for M runs at once; position, capability, salience (M, A).

    ``scale`` d (M,) defaults to the range of each run's initial positions (floored at 1e-12).
    """
    if rounds < 0:
        raise ValueError(f"rounds must be at least 0, got {rounds}")
    x = np.asarray(position, dtype=np.float64).copy()
    capability = np.asarray(capability, dtype=np.float64)
    salience = np.asarray(salience, dtype=np.float64)
    if scale is None:
        scale = np.maximum(x.max(axis=1) - x.min(axis=1), 1e-12)
    weight = capability * salience
    positions = [x]
    medians = [median_voter(x, weight)]
    means = [weighted_mean(x, weight)]
    risks = []
    for _ in range(rounds):
        assessment = assess(x, capability, salience, scale, persistence)
        x = moves(x, assessment)
        positions.append(x)
        medians.append(median_voter(x, weight))
        means.append(weighted_mean(x, weight))
        risks.append(assessment.risk)
    m, a = x.shape
    return Dynamics(
        positions=np.stack(positions),
        median=np.stack(medians),
        mean=np.stack(means),
        risk=np.stack(risks) if risks else np.zeros((0, m, a)),
    )


def issue_runs(batch: WorldBatch) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The batch as M = N x K one-issue runs: position, capability, salience, each (M, A).

    Parley's saliences are shares of each actor's attention (summing to 1 over issues); the
    model's salience is the chance an actor resists a challenge on this issue, so each actor's
    saliences are scaled by its largest (its top issue gets 1; docs/forecast.md).
    """
    n, a, k = batch.position.shape
    top = batch.salience.max(axis=2, keepdims=True)
    resolve = np.where(top > 0, batch.salience / np.where(top > 0, top, 1.0), 0.0)

    def runs(values: FloatArray) -> FloatArray:
        result: FloatArray = np.moveaxis(values, 2, 1).reshape(n * k, a)
        return result

    capability = np.repeat(batch.capability[:, None, :], k, axis=1).reshape(n * k, a)
    return runs(batch.position), capability, runs(resolve)


def predict(scenario: Scenario, batch: WorldBatch, options: Options) -> FloatArray:
    """The median voter position of every issue after ``options.rounds`` rounds, (N, K)."""
    position, capability, salience = issue_runs(batch)
    dynamics = run_rounds(
        position, capability, salience, options.rounds, persistence=options.persistence
    )
    n, k = batch.size, len(batch.structure.issues)
    median = dynamics.median[-1].reshape(n, k)
    result: FloatArray = np.where(np.isnan(median), batch.status_quo, median)  # nobody cares
    return result


register(
    Model(
        "expected-utility",
        "Bueno de Mesquita's expected utility model (Scholz, Calbert & Smith 2011)",
        predict,
        per_world=True,
    )
)
