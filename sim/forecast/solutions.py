"""The Nash and Kalai-Smorodinsky points of a deal space, as smooth convex programs.

Over packages x in [0, 1]^K with concave spatial utilities U_i (:mod:`sim.core.utility`) and no-deal
values d_i, this module finds

* the asymmetric Nash (1950) bargaining point, argmax sum_i w_i log(U_i(x) - d_i) (Kalai 1977 for
  the weighted form; Binmore, Rubinstein & Wolinsky 1986 for why it predicts patient bargaining
  with a risk of breakdown);
* the Kalai & Smorodinsky (1975) point, where every party gets the same share of its best
  possible gain inside the deal space (max-min of (U_i - d_i) / (a_i - d_i));
* the deal space's most central package, argmax min_i (U_i(x) - d_i): it exists iff that is >= 0.

Utilities are concave, so the deal space is convex and each problem is a concave maximisation.
The kinks of linear utilities are smoothed away exactly by the epigraph reformulation
(|x_k - p_ik| <= t_ik), and each problem is solved by SLSQP from several starting points; the
best verified answer wins.  One implementation for the ``nash`` and ``kalai-smorodinsky``
forecasts and for ``parley zopa``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

from sim.core.tolerances import OPTIMUM_TOLERANCE
from sim.core.utility import utilities
from sim.scenario.schema import Scenario

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

"""A package meets a floor if every party's utility is at least floor - this."""


@dataclass(frozen=True)
class Parties:
    """The bargainers' utility parameters as arrays: position, salience (V, K), linear (V,)."""

    position: FloatArray
    salience: FloatArray
    linear: BoolArray

    @classmethod
    def of(cls, scenario: Scenario, names: Sequence[str]) -> Parties:
        """The named actors of a scenario."""
        issues = scenario.issue_names
        specs = [scenario.actors[name] for name in names]
        return cls(
            position=np.array([[a.position[k] for k in issues] for a in specs], dtype=np.float64),
            salience=np.array([[a.salience[k] for k in issues] for a in specs], dtype=np.float64),
            linear=np.array([a.utility == "linear" for a in specs], dtype=bool),
        )

    def utilities(self, x: FloatArray) -> FloatArray:
        """Utilities of packages x (n, K) for every party, shape (n, V)."""
        return utilities(x, self.position[None], self.salience[None], self.linear[None])


class Program:
    """The smooth (epigraph) form of the parties' utilities over z = (x, t, [lam]).

    x in [0, 1]^K is the package; t in [0, 1]^(L x K) bounds |x_k - p_lk| for the L linear-utility
    parties (two linear constraints each), so every utility is smooth in z:
    U_i = 1 - sum_k s_ik (x_k - p_ik)^2 (quadratic) or 1 - sum_k s_ik t_lk (linear).
    At an optimum the t constraints bind wherever the salience is positive.
    """

    def __init__(self, parties: Parties, extra: int = 0) -> None:
        self.parties = parties
        self.k = parties.position.shape[1]
        self.linear_rows = np.flatnonzero(parties.linear)
        self.n_t = len(self.linear_rows) * self.k
        self.extra = extra
        self.size = self.k + self.n_t + extra

    def lift(self, x: FloatArray, extra: Sequence[float] = ()) -> FloatArray:
        """The tight z for package x: t = |x - p|."""
        t = np.abs(x[None, :] - self.parties.position[self.linear_rows]).ravel()
        return np.concatenate([x, t, np.asarray(extra, dtype=np.float64)])

    def package(self, z: FloatArray) -> FloatArray:
        """The package part of the variables z, clipped to [0, 1]^K."""
        return np.clip(z[: self.k], 0.0, 1.0)

    def smooth_utilities(self, z: FloatArray) -> FloatArray:
        """Utilities with the linear kinks smoothed by their epigraph variables."""
        x = z[: self.k]
        t = z[self.k : self.k + self.n_t].reshape(len(self.linear_rows), self.k)
        p, s = self.parties.position, self.parties.salience
        values = 1.0 - (s * (x[None, :] - p) ** 2).sum(axis=1)
        values[self.linear_rows] = 1.0 - (s[self.linear_rows] * t).sum(axis=1)
        result: FloatArray = values
        return result

    def utility_jacobian(self, z: FloatArray) -> FloatArray:
        """The Jacobian of :meth:`smooth_utilities` with respect to z."""
        x = z[: self.k]
        p, s = self.parties.position, self.parties.salience
        jac = np.zeros((p.shape[0], self.size))
        jac[:, : self.k] = -2.0 * s * (x[None, :] - p)
        for row, party in enumerate(self.linear_rows):
            jac[party, : self.k] = 0.0
            start = self.k + row * self.k
            jac[party, start : start + self.k] = -s[party]
        return jac

    def epigraph_constraints(self) -> list[dict[str, Any]]:
        """t_lk >= x_k - p_lk and t_lk >= p_lk - x_k, as linear inequality constraints."""
        if self.n_t == 0:
            return []
        rows = 2 * self.n_t
        matrix = np.zeros((rows, self.size))
        offset = np.zeros(rows)
        p = self.parties.position[self.linear_rows].ravel()
        for j in range(self.n_t):
            issue = j % self.k
            matrix[2 * j, self.k + j], matrix[2 * j, issue] = 1.0, -1.0
            offset[2 * j] = p[j]
            matrix[2 * j + 1, self.k + j], matrix[2 * j + 1, issue] = 1.0, 1.0
            offset[2 * j + 1] = -p[j]
        return [
            {
                "type": "ineq",
                "fun": lambda z: matrix @ z + offset,
                "jac": lambda z: matrix,
            }
        ]

    def bounds(self, extra: Sequence[tuple[float, float]] = ()) -> list[tuple[float, float]]:
        """Bounds of the variables z (packages and epigraph variables), then ``extra``."""
        return [(0.0, 1.0)] * (self.k + self.n_t) + list(extra)


_SLSQP_OPTIONS = {"maxiter": 500, "ftol": 1e-13}


def _slsqp(
    objective: Any,
    start: FloatArray,
    program: Program,
    constraints: list[dict[str, Any]],
    jac: Any = True,
    extra_bounds: Sequence[tuple[float, float]] = (),
) -> FloatArray:
    """One SLSQP run from ``start`` (a lifted z); the package it ends at."""
    solution = minimize(
        objective,
        start,
        jac=jac,
        bounds=program.bounds(extra_bounds),
        constraints=constraints,
        method="SLSQP",
        options=_SLSQP_OPTIONS,
    )
    return program.package(solution.x)


def max_min_gain(
    parties: Parties, floor: FloatArray, scale: FloatArray, starts: Sequence[FloatArray]
) -> tuple[FloatArray, float]:
    """The package maximising min_i (U_i(x) - floor_i) / scale_i, and that value.

    A concave max-min problem, solved as: maximise lam subject to U_i - floor_i >= lam * scale_i.
    The starting packages are candidates too, so the answer is never worse than the best start.
    """
    program = Program(parties, extra=1)
    last = program.size - 1

    def score(x: FloatArray) -> float:
        return float(np.min((parties.utilities(x[None])[0] - floor) / scale))

    constraints = [
        {
            "type": "ineq",
            "fun": lambda z: program.smooth_utilities(z) - floor - z[last] * scale,
            "jac": lambda z: _with_column(program.utility_jacobian(z), last, -scale),
        },
        *program.epigraph_constraints(),
    ]
    gradient = np.zeros(program.size)
    gradient[last] = -1.0
    best_x, best = starts[0], score(starts[0])
    for start in starts:
        end = _slsqp(
            lambda z: -z[last],
            program.lift(start, [score(start)]),
            program,
            constraints,
            jac=lambda z: gradient,
            extra_bounds=[(-4.0, 4.0)],
        )
        for x in (start, end):
            value = score(x)
            if value > best + 1e-15:
                best_x, best = x, value
    return best_x, best


def _with_column(matrix: FloatArray, column: int, values: FloatArray) -> FloatArray:
    matrix[:, column] = values
    return matrix


def max_weighted_log_gain(
    parties: Parties, floor: FloatArray, weight: FloatArray, starts: Sequence[FloatArray]
) -> FloatArray:
    """The package maximising sum_i w_i log(U_i(x) - floor_i) subject to U_i >= floor_i for all i.

    ``starts`` must be strictly feasible packages.  Below a tiny gain epsilon the logarithm is
    continued by its second-order Taylor expansion, which keeps the objective concave and finite
    wherever SLSQP's line search wanders.
    """
    program = Program(parties)
    positive = weight > 0
    epsilon = 1e-9

    def objective(z: FloatArray) -> tuple[float, FloatArray]:
        gain = program.smooth_utilities(z) - floor
        safe = np.maximum(gain, epsilon)
        below = gain - epsilon
        value = np.where(
            gain >= epsilon,
            np.log(safe),
            math.log(epsilon) + below / epsilon - below**2 / (2 * epsilon**2),
        )
        slope = np.where(gain >= epsilon, 1.0 / safe, 1.0 / epsilon - below / epsilon**2)
        total = -float(np.sum(weight[positive] * value[positive]))
        grad = -(weight * np.where(positive, slope, 0.0)) @ program.utility_jacobian(z)
        return total, grad

    def true_objective(x: FloatArray) -> float:
        gain = parties.utilities(x[None])[0] - floor
        if np.any(gain < -OPTIMUM_TOLERANCE) or np.any(gain[positive] <= 0):
            return -math.inf
        return float(np.sum(weight[positive] * np.log(gain[positive])))

    constraints = [
        {
            "type": "ineq",
            "fun": lambda z: program.smooth_utilities(z) - floor,
            "jac": program.utility_jacobian,
        },
        *program.epigraph_constraints(),
    ]
    best_x, best = starts[0], true_objective(starts[0])
    for start in starts:
        x = _slsqp(objective, program.lift(start), program, constraints)
        value = true_objective(x)
        if value > best + 1e-15:
            best_x, best = x, value
    return best_x


def max_own_utility(
    parties: Parties, floor: FloatArray, party: int, starts: Sequence[FloatArray]
) -> float:
    """The best utility party i can get inside the deal space {U_j >= floor_j for all j}."""
    program = Program(parties)
    constraints = [
        {
            "type": "ineq",
            "fun": lambda z: program.smooth_utilities(z) - floor,
            "jac": program.utility_jacobian,
        },
        *program.epigraph_constraints(),
    ]

    def feasible_value(x: FloatArray) -> float:
        values = parties.utilities(x[None])[0]
        if np.any(values - floor < -OPTIMUM_TOLERANCE):
            return -math.inf
        return float(values[party])

    best = max(feasible_value(x) for x in starts)
    for start in starts:
        end = _slsqp(
            lambda z: (
                -float(program.smooth_utilities(z)[party]),
                -program.utility_jacobian(z)[party],
            ),
            program.lift(start),
            program,
            constraints,
        )
        best = max(best, feasible_value(end))
    return best


@dataclass(frozen=True)
class Solutions:
    """The deal space of some parties: its most central package and, if it has an interior,
    the Nash and Kalai-Smorodinsky packages and each party's best utility inside it."""

    central: FloatArray
    margin: float
    nash: FloatArray | None
    kalai_smorodinsky: FloatArray | None
    best_utility: FloatArray | None

    @property
    def exists(self) -> bool:
        """Whether some package gives every party at least its no-deal value."""
        return self.margin >= -OPTIMUM_TOLERANCE


def bargaining_solutions(
    parties: Parties, floor: FloatArray, weight: FloatArray, starts: Sequence[FloatArray]
) -> Solutions:
    """Central, Nash (weights ``weight``) and Kalai-Smorodinsky packages over {U_i >= floor_i}.

    ``starts`` are candidate packages to start the searches from (any, feasible or not).  With
    no deal space the Nash and KS packages are None; a deal space too thin to optimise over
    (a single package) gives that package for both.
    """
    central, margin = max_min_gain(parties, floor, np.ones(len(floor)), starts)
    if margin > OPTIMUM_TOLERANCE:
        feasible = [central] + [x for x in starts if np.all(parties.utilities(x[None])[0] > floor)]
        nash = max_weighted_log_gain(parties, floor, weight, feasible)
        best = np.array(
            [max_own_utility(parties, floor, i, [nash, central]) for i in range(len(floor))]
        )
        ks, _ = max_min_gain(parties, floor, best - floor, [nash, central])
        return Solutions(central, margin, nash, ks, best)
    if margin >= -OPTIMUM_TOLERANCE:
        return Solutions(central, margin, central, central, None)
    return Solutions(central, margin, None, None, None)
