"""Optimisation over the deal space: max-min gain, weighted Nash product, own utility (SLSQP)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.optimize import minimize

from sim.arrays import BoolArray, FloatArray
from sim.core.utility import utilities
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    pass


# --- the convex programs ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Parties:
    """The veto players' utility parameters as arrays: position, salience (V, K), linear (V,)."""

    position: FloatArray
    salience: FloatArray
    linear: BoolArray

    @classmethod
    def of(cls, scenario: Scenario, names: Sequence[str]) -> _Parties:
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


class _Program:
    """The smooth (epigraph) form of the parties' utilities over z = (x, t, [lam]).

    x in [0, 1]^K is the package; t in [0, 1]^(L x K) bounds |x_k - p_lk| for the L linear-utility
    parties (two linear constraints each), so every utility is smooth in z:
    U_i = 1 - sum_k s_ik (x_k - p_ik)^2 (quadratic) or 1 - sum_k s_ik t_lk (linear).
    At an optimum the t constraints bind wherever the salience is positive.
    """

    def __init__(self, parties: _Parties, extra: int = 0) -> None:
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
        return np.clip(z[: self.k], 0.0, 1.0)

    def smooth_utilities(self, z: FloatArray) -> FloatArray:
        x = z[: self.k]
        t = z[self.k : self.k + self.n_t].reshape(len(self.linear_rows), self.k)
        p, s = self.parties.position, self.parties.salience
        values = 1.0 - (s * (x[None, :] - p) ** 2).sum(axis=1)
        values[self.linear_rows] = 1.0 - (s[self.linear_rows] * t).sum(axis=1)
        result: FloatArray = values
        return result

    def utility_jacobian(self, z: FloatArray) -> FloatArray:
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
        return [(0.0, 1.0)] * (self.k + self.n_t) + list(extra)


FEASIBILITY_TOLERANCE = 1e-9

_SLSQP_OPTIONS = {"maxiter": 500, "ftol": 1e-13}


def _max_min_gain(
    parties: _Parties, floor: FloatArray, scale: FloatArray, starts: Sequence[FloatArray]
) -> tuple[FloatArray, float]:
    """The package maximising min_i (U_i(x) - floor_i) / scale_i, and that value.

    A concave max-min problem, solved as: maximise lam subject to U_i - floor_i >= lam * scale_i.
    The starting packages are candidates too, so the answer is never worse than the best start.
    """
    program = _Program(parties, extra=1)
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
        candidates = [start]
        solution = minimize(
            lambda z: -z[last],
            program.lift(start, [score(start)]),
            jac=lambda z: gradient,
            bounds=program.bounds([(-4.0, 4.0)]),
            constraints=constraints,
            method="SLSQP",
            options=_SLSQP_OPTIONS,
        )
        candidates.append(program.package(solution.x))
        for x in candidates:
            value = score(x)
            if value > best + 1e-15:
                best_x, best = x, value
    return best_x, best


def _with_column(matrix: FloatArray, column: int, values: FloatArray) -> FloatArray:
    matrix[:, column] = values
    return matrix


def _max_weighted_log_gain(
    parties: _Parties, floor: FloatArray, weight: FloatArray, starts: Sequence[FloatArray]
) -> FloatArray:
    """The package maximising sum_i w_i log(U_i(x) - floor_i) subject to U_i >= floor_i for all i.

    ``starts`` must be strictly feasible packages.  Below a tiny gain epsilon the logarithm is
    continued by its second-order Taylor expansion, which keeps the objective concave and finite
    wherever SLSQP's line search wanders.
    """
    program = _Program(parties)
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
        if np.any(gain < -FEASIBILITY_TOLERANCE) or np.any(gain[positive] <= 0):
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
        solution = minimize(
            objective,
            program.lift(start),
            jac=True,
            bounds=program.bounds(),
            constraints=constraints,
            method="SLSQP",
            options=_SLSQP_OPTIONS,
        )
        x = program.package(solution.x)
        value = true_objective(x)
        if value > best + 1e-15:
            best_x, best = x, value
    return best_x


def _max_own_utility(
    parties: _Parties, floor: FloatArray, party: int, starts: Sequence[FloatArray]
) -> float:
    """The best utility party i can get inside the deal space {U_j >= floor_j for all j}."""
    program = _Program(parties)
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
        if np.any(values - floor < -FEASIBILITY_TOLERANCE):
            return -math.inf
        return float(values[party])

    best = max(feasible_value(x) for x in starts)
    for start in starts:
        solution = minimize(
            lambda z: (
                -float(program.smooth_utilities(z)[party]),
                -program.utility_jacobian(z)[party],
            ),
            program.lift(start),
            jac=True,
            bounds=program.bounds(),
            constraints=constraints,
            method="SLSQP",
            options=_SLSQP_OPTIONS,
        )
        best = max(best, feasible_value(program.package(solution.x)))
    return best
