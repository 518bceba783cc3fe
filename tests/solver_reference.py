"""Reference answers to the proposer's problem from scipy (SLSQP, linprog) on random instances,
shared by the solver and simplex tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog, minimize

FloatArray = NDArray[np.float64]


OBJECTIVE_TOLERANCE = 1e-6


BORDERLINE = 1e-5


SCIPY_FEASIBLE = 1e-9


@dataclass(frozen=True)
class Instances:
    """n proposer problems sharing K issues, m constrained actors and the utility shapes."""

    position: FloatArray  # (n, 1 + m, K)
    salience: FloatArray  # (n, 1 + m, K)
    linear: NDArray[np.bool_]  # (1 + m,)
    threshold: FloatArray  # (n, m)


def exact_utilities(
    x: FloatArray, position: FloatArray, salience: FloatArray, linear: NDArray[np.bool_]
) -> FloatArray:
    """U_a(x) for one instance: x (K,), position/salience (1 + m, K) -> (1 + m,)."""
    distance = np.abs(x[None, :] - position)
    shaped = np.where(linear[:, None], distance, distance**2)
    result: FloatArray = 1.0 - (salience * shaped).sum(axis=1)
    return result


def random_instances(seed: int, n: int, m: int, k: int, linear: list[bool]) -> Instances:
    """Thresholds around the utilities of a random package: a mix of feasible and infeasible."""
    rng = np.random.default_rng(seed)
    position = rng.uniform(0.0, 1.0, size=(n, 1 + m, k))
    salience = rng.dirichlet(np.ones(k), size=(n, 1 + m))
    flags = np.array(linear, dtype=bool)
    anchor = rng.uniform(0.0, 1.0, size=(n, k))
    threshold = np.empty((n, m))
    for w in range(n):
        threshold[w] = exact_utilities(anchor[w], position[w], salience[w], flags)[1:]
    threshold += rng.uniform(-0.1, 0.1, size=(n, m))
    return Instances(position, salience, flags, threshold)


class Smooth:
    """The smooth reformulation in z = (x, d): d_ak >= |x_k - p_ak| for every linear actor a."""

    def __init__(
        self,
        position: FloatArray,
        salience: FloatArray,
        linear: NDArray[np.bool_],
        threshold: FloatArray,
    ) -> None:
        self.position, self.salience, self.linear, self.threshold = (
            position,
            salience,
            linear,
            threshold,
        )
        self.n_actors, self.k = position.shape
        self.lin = [a for a in range(self.n_actors) if linear[a]]
        self.size = self.k + len(self.lin) * self.k

    def split(self, z: FloatArray) -> tuple[FloatArray, FloatArray]:
        return z[: self.k], z[self.k :].reshape(len(self.lin), self.k)

    def lift(self, x: FloatArray) -> FloatArray:
        """A z for x with d at its tightest value (|x - p|)."""
        d = np.abs(x[None, :] - self.position[self.lin])
        return np.concatenate([x, d.ravel()])

    def utility(self, a: int, z: FloatArray) -> tuple[float, FloatArray]:
        x, d = self.split(z)
        grad = np.zeros(self.size)
        if self.linear[a]:
            row = self.lin.index(a)
            start = self.k + row * self.k
            grad[start : start + self.k] = -self.salience[a]
            return 1.0 - float(self.salience[a] @ d[row]), grad
        diff = x - self.position[a]
        grad[: self.k] = -2.0 * self.salience[a] * diff
        return 1.0 - float(self.salience[a] @ diff**2), grad

    def kinks(self, extra_columns: int = 0) -> list[dict[str, Any]]:
        """d_ak - (x_k - p_ak) >= 0 and d_ak + (x_k - p_ak) >= 0 as one linear inequality
        constraint A z + b >= 0 (``extra_columns`` zero columns appended for extra variables)."""
        rows, offsets = [], []
        for row, a in enumerate(self.lin):
            for kk in range(self.k):
                for sign in (1.0, -1.0):
                    coefficient = np.zeros(self.size + extra_columns)
                    coefficient[self.k + row * self.k + kk] = 1.0
                    coefficient[kk] = -sign
                    rows.append(coefficient)
                    offsets.append(sign * self.position[a, kk])
        if not rows:
            return []
        matrix, offset = np.array(rows), np.array(offsets)
        return [{"type": "ineq", "fun": lambda z: matrix @ z + offset, "jac": lambda z: matrix}]

    def bounds(self) -> list[tuple[float, float]]:
        return [(0.0, 1.0)] * self.k + [(0.0, 1.0)] * (self.size - self.k)

    def slacks(self, x: FloatArray) -> FloatArray:
        return exact_utilities(x, self.position, self.salience, self.linear)[1:] - self.threshold


def best_worst_slack(smooth: Smooth, starts: list[FloatArray]) -> tuple[float, FloatArray]:
    """s* = max_x min_i (U_i(x) - theta_i) and a maximiser (SLSQP over (z, t), several starts)."""
    m = smooth.n_actors - 1

    def objective(w: FloatArray) -> tuple[float, FloatArray]:
        grad = np.zeros_like(w)
        grad[-1] = -1.0
        return -float(w[-1]), grad

    def constraint(w: FloatArray) -> FloatArray:
        z, t = w[:-1], w[-1]
        return np.array(
            [smooth.utility(i, z)[0] - smooth.threshold[i - 1] - t for i in range(1, m + 1)]
        )

    def constraint_jac(w: FloatArray) -> FloatArray:
        z = w[:-1]
        return np.array([np.append(smooth.utility(i, z)[1], -1.0) for i in range(1, m + 1)])

    best, best_x = -np.inf, starts[0]
    for x0 in starts:
        w0 = np.append(smooth.lift(x0), float(smooth.slacks(x0).min()))
        result = minimize(
            objective,
            w0,
            jac=True,
            method="SLSQP",
            bounds=[*smooth.bounds(), (-2.0, 2.0)],
            constraints=[
                {"type": "ineq", "fun": constraint, "jac": constraint_jac},
                *smooth.kinks(extra_columns=1),
            ],
            options={"ftol": 1e-12, "maxiter": 200},
        )
        x = smooth.split(result.x[:-1])[0]
        value = float(smooth.slacks(np.clip(x, 0.0, 1.0)).min())  # exact, whatever SLSQP claims
        if value > best:
            best, best_x = value, np.clip(x, 0.0, 1.0)
    return best, best_x


def slsqp_optimum(smooth: Smooth, starts: list[FloatArray]) -> float | None:
    """max U_0 subject to the thresholds by SLSQP on the smooth reformulation; None if no start
    reaches a feasible point."""
    m = smooth.n_actors - 1

    def objective(z: FloatArray) -> tuple[float, FloatArray]:
        value, grad = smooth.utility(0, z)
        return -value, -grad

    constraints = [
        {
            "type": "ineq",
            "fun": lambda z: np.array(
                [smooth.utility(i, z)[0] - smooth.threshold[i - 1] for i in range(1, m + 1)]
            ),
            "jac": lambda z: np.array([smooth.utility(i, z)[1] for i in range(1, m + 1)]),
        },
        *smooth.kinks(),
    ]
    best: float | None = None
    for x0 in starts:
        result = minimize(
            objective,
            smooth.lift(x0),
            jac=True,
            method="SLSQP",
            bounds=smooth.bounds(),
            constraints=constraints,
            options={"ftol": 1e-12, "maxiter": 200},
        )
        x = np.clip(smooth.split(result.x)[0], 0.0, 1.0)
        if smooth.slacks(x).min() < -SCIPY_FEASIBLE:
            continue
        value = float(exact_utilities(x, smooth.position, smooth.salience, smooth.linear)[0])
        best = value if best is None else max(best, value)
    return best


def lp_optimum(
    position: FloatArray, salience: FloatArray, threshold: FloatArray
) -> tuple[float | None, float]:
    """All-linear case exactly: (max U_0 or None if infeasible, s* the best worst slack)."""
    n_actors, k = position.shape
    m = n_actors - 1
    # variables: x (k), d (n_actors * k), t (1)
    size = k + n_actors * k + 1

    def d_index(a: int, kk: int) -> int:
        return k + a * k + kk

    upper_rows, upper_rhs = [], []
    for a in range(n_actors):
        for kk in range(k):
            for sign in (1.0, -1.0):  # sign * (x - p) - d <= 0
                row = np.zeros(size)
                row[kk] = sign
                row[d_index(a, kk)] = -1.0
                upper_rows.append(row)
                upper_rhs.append(sign * position[a, kk])
    base = np.array(upper_rows), np.array(upper_rhs)

    def utility_rows(with_t: bool) -> tuple[FloatArray, FloatArray]:
        rows, rhs = [], []
        for i in range(1, m + 1):  # sum_k s_ik d_ik + t <= 1 - theta_i
            row = np.zeros(size)
            row[[d_index(i, kk) for kk in range(k)]] = salience[i]
            if with_t:
                row[-1] = 1.0
            rows.append(row)
            rhs.append(1.0 - threshold[i - 1])
        return np.array(rows), np.array(rhs)

    bounds = [(0.0, 1.0)] * (k + n_actors * k)
    rows, rhs = utility_rows(with_t=True)
    cost = np.zeros(size)
    cost[-1] = -1.0
    slack_lp = linprog(
        cost,
        A_ub=np.vstack([base[0], rows]),
        b_ub=np.concatenate([base[1], rhs]),
        bounds=[*bounds, (-2.0, 2.0)],
        method="highs",
    )
    assert slack_lp.status == 0
    worst_slack = -float(slack_lp.fun)
    rows, rhs = utility_rows(with_t=False)
    cost = np.zeros(size)
    cost[[d_index(0, kk) for kk in range(k)]] = salience[0]
    value_lp = linprog(
        cost,
        A_ub=np.vstack([base[0], rows]),
        b_ub=np.concatenate([base[1], rhs]),
        bounds=[*bounds, (0.0, 0.0)],
        method="highs",
    )
    if value_lp.status == 2:
        return None, worst_slack
    assert value_lp.status == 0
    return 1.0 - float(value_lp.fun), worst_slack
