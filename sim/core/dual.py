"""The dual of the proposer's problem for many worlds: smoothing continuation, projected Newton, bisection.

See :mod:`sim.core.solver` for the method and its sources (Boyd & Vandenberghe 2004, ch. 5;
Bertsekas 1982; Nesterov 2005).  An issue the proposer ignores is regularised in the quadratic
solve (:meth:`DualProblem.regularised`; Tikhonov & Arsenin 1977, Friedlander & Tseng 2007).
"""

from __future__ import annotations

import numpy as np

from sim.arrays import BoolArray, FloatArray, IntArray, reduce_short, take_rows
from sim.core.attainable_kernel import compiled_attainable
from sim.core.newton import Kernel, Point, projected_newton
from sim.core.newton_kernel import engine, kernel_newton
from sim.core.tolerances import CURVATURE_FLOOR, FEASIBILITY_TOLERANCE
from sim.core.utility import utilities

HUBER_WIDTH = 1e-8
CONTINUATION_WIDTHS = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, HUBER_WIDTH)
EXACT_MARGIN_FROM = 1e-4  # from this width on, the smoothed thresholds carry the margin
BISECTIONS = 100
BISECTION_WIDTH = 1e-9
IGNORED_ISSUE_WEIGHT = HUBER_WIDTH
"""The proposer's least salience on an issue in the quadratic solve (as the linear smoothing's)."""


class DualProblem:
    """One group of worlds that share the proposer and the set of constrained actors."""

    def __init__(
        self,
        position: FloatArray,
        salience: FloatArray,
        linear: BoolArray,
        threshold: FloatArray,
        width: float = HUBER_WIDTH,
        own: FloatArray | None = None,
    ) -> None:
        self.position = position
        self.salience = salience
        self.linear = linear
        self.threshold = threshold
        self.width = width
        self.any_linear = bool(linear.any())
        self.own = np.full(position.shape[0], -np.inf) if own is None else own
        self.pulls: FloatArray | None = None  # [s, s p] (n, 1 + m, 2K), once Newton needs it

    def take(self, rows: IntArray) -> DualProblem:
        """The sub-problem of the given worlds."""
        taken = DualProblem(
            take_rows(self.position, rows),
            take_rows(self.salience, rows),
            self.linear,
            take_rows(self.threshold, rows),
            self.width,
            self.own[rows],
        )
        if self.pulls is not None:
            taken.pulls = take_rows(self.pulls, rows)
        return taken

    def smoothed(self, width: float, margin: float = 0.0) -> DualProblem:
        """The problem with |z| smoothed at ``width``, every salience raised by ``width`` (so an
        issue the proposer ignores still has a unique compromise) and thresholds raised by
        ``margin``.  Smoothing underestimates a linear loss by at most width / 2, so with
        margin >= width / 2 a package meeting the smoothed thresholds meets the exact ones."""
        return DualProblem(
            self.position,
            self.salience + width,
            self.linear,
            self.threshold + margin,
            width,
            self.own,
        )

    def regularised(self) -> DualProblem:
        """The problem with the proposer's salience raised to ``IGNORED_ISSUE_WEIGHT`` where lower.

        On an issue the proposer ignores the inner problem's curvature is sum_i lam_i s_ik
        alone: x_k depends only on the multipliers' ratios, the dual is not differentiable as
        they approach 0 and Newton stalls there with subnormal multipliers, reporting no package
        where one exists.  Raising s_0k to eps adds a proximal term R(x) = sum_k (eps - s_0k)+
        (x_k - p_0k)**2 in [0, eps K] to the proposer's loss (Tikhonov regularisation, Tikhonov &
        Arsenin 1977; of a convex programme, Friedlander & Tseng 2007): curvature 2 eps at
        lam = 0, and of the packages that serve the others the one nearest the proposer's ideal
        on that issue.  Its true utility loses at most eps K: the regularised optimum x_e and
        any true optimum x* satisfy U_0(x_e) >= U_0(x_e) - R(x_e) >= U_0(x*) - R(x*).
        Where none is raised, the problem itself (those worlds unchanged bit for bit)."""
        if not (self.salience[:, 0, :] < IGNORED_ISSUE_WEIGHT).any():
            return self
        salience = self.salience.copy()
        np.maximum(salience[:, 0, :], IGNORED_ISSUE_WEIGHT, out=salience[:, 0, :])
        return DualProblem(
            self.position, salience, self.linear, self.threshold, self.width, self.own
        )

    # -- the smoothed utility and the inner (per-issue) problem ------------------------------
    def loss(self, x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """psi, psi' and psi'' of every actor on every issue at x, each (n, 1 + m, K)."""
        z = x[:, None, :] - self.position
        if not self.any_linear:
            return z * z, 2.0 * z, np.full_like(z, 2.0)
        lin = self.linear[None, :, None]
        eps = self.width
        inside = np.abs(z) <= eps
        huber = np.where(inside, z * z / (2.0 * eps), np.abs(z) - eps / 2.0) + eps * z * z
        slope = np.clip(z / eps, -1.0, 1.0) + 2.0 * eps * z
        curve = np.where(inside, 1.0 / eps, 0.0) + 2.0 * eps
        return (
            np.where(lin, huber, z * z),
            np.where(lin, slope, 2.0 * z),
            np.where(lin, curve, 2.0),
        )

    def utilities(self, x: FloatArray) -> FloatArray:
        """Smoothed utilities of packages x (N, K) for every actor, (N, A)."""
        if not self.any_linear:
            z = x[:, None, :] - self.position
            quadratic: FloatArray = 1.0 - reduce_short(np.add, self.salience * (z * z), 2)
            return quadratic
        psi, _, _ = self.loss(x)
        result: FloatArray = 1.0 - reduce_short(np.add, self.salience * psi, 2)
        return result

    def inner(self, weights: FloatArray) -> FloatArray:
        """argmax_x sum_a w_a U_a(x): each issue's weighted compromise, shape (n, K)."""
        c = weights[:, :, None] * self.salience
        if not self.any_linear:
            total = reduce_short(np.add, c, 1)
            weighted = reduce_short(np.add, c * self.position, 1)
            safe = np.where(total > 0, total, 1.0)
            x: FloatArray = np.where(total > 0, weighted / safe, self.position[:, 0, :])
            return x
        return self._inner_piecewise(c)

    def _inner_piecewise(self, c: FloatArray) -> FloatArray:
        """Exact root of the piecewise-linear first-order condition on [0, 1]."""
        lin = self.linear
        kinks = self.position[:, lin, :]
        points = np.concatenate(
            [
                np.zeros_like(kinks[:, :1, :]),
                np.ones_like(kinks[:, :1, :]),
                np.clip(kinks - self.width, 0.0, 1.0),
                np.clip(kinks + self.width, 0.0, 1.0),
            ],
            axis=1,
        )
        points = np.sort(points, axis=1)  # (n, B, K)
        z = points[:, None, :, :] - self.position[:, :, None, :]  # (n, 1+m, B, K)
        slope = np.where(
            lin[None, :, None, None],
            np.clip(z / self.width, -1.0, 1.0) + 2.0 * self.width * z,
            2.0 * z,
        )
        derivative = (c[:, :, None, :] * slope).sum(axis=1)  # (n, B, K), nondecreasing in B
        nonneg = derivative >= 0.0
        first = np.argmax(nonneg, axis=1)  # first breakpoint where f' >= 0
        never = ~reduce_short(np.logical_or, nonneg, 1)
        hi = np.take_along_axis(points, first[:, None, :], axis=1)[:, 0, :]
        lo_index = np.maximum(first - 1, 0)
        lo = np.take_along_axis(points, lo_index[:, None, :], axis=1)[:, 0, :]
        d_hi = np.take_along_axis(derivative, first[:, None, :], axis=1)[:, 0, :]
        d_lo = np.take_along_axis(derivative, lo_index[:, None, :], axis=1)[:, 0, :]
        step = d_hi - d_lo
        safe = np.where(step > 0, step, 1.0)
        x = np.where(step > 0, lo - d_lo * (hi - lo) / safe, hi)
        x = np.where(first == 0, points[:, 0, :], x)
        result: FloatArray = np.where(never, 1.0, x)
        return result

    # -- the dual -----------------------------------------------------------------------------
    def at(
        self, lam: FloatArray, factored: bool = False
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """x(lam) (n, K), every involved actor's utility there (n, 1 + m) and the dual's Hessian
        (n, m, m); with ``factored`` a factor F (n, m, K) of the Hessian F F^T instead (cheaper
        when m > K).  None of them depends on the thresholds."""
        n = lam.shape[0]
        weights = np.concatenate([np.ones((n, 1)), lam], axis=1)
        if factored and not self.any_linear:
            return self._at_quadratic_factored(weights)
        if self.any_linear:
            x = self.inner(weights)
            psi, dpsi, ddpsi = self.loss(x)
            curvature = np.einsum("na,nak,nak->nk", weights, self.salience, ddpsi)
        else:  # quadratic: closed-form compromise, constant curvature
            c = weights[:, :, None] * self.salience
            curvature = np.einsum("nak->nk", c)
            safe = np.where(curvature > 0, curvature, 1.0)
            x = np.where(
                curvature > 0,
                np.einsum("nak,nak->nk", c, self.position) / safe,
                self.position[:, 0],
            )
            z = x[:, None, :] - self.position
            psi, dpsi = z * z, 2.0 * z
            curvature = 2.0 * curvature
        utility = 1.0 - np.einsum("nak,nak->na", self.salience, psi)
        # The maximiser never sits on a bound of [0, 1] by force (every term is minimised inside), so
        # x moves with lam wherever the inner problem has curvature.
        # An issue the proposer ignores has curvature sum_i lam_i s_ik only, which Newton drives to
        # subnormal sizes as the multipliers shrink toward 0 (slack constraints): 1/curvature would
        # overflow and fill the Hessian with inf and NaN.  Capped at 1/CURVATURE_FLOOR (entries stay
        # below 5K/CURVATURE_FLOOR), the Hessian stays huge there and Newton's step negligible.
        positive = curvature > 0
        inverse = np.where(positive, 1.0 / np.maximum(curvature, CURVATURE_FLOOR), 0.0)
        marginal = self.salience[:, 1:, :] * dpsi[:, 1:, :]  # (n, m, K)
        if factored:
            return x, utility, marginal * np.sqrt(inverse)[:, None, :]
        hessian = np.matmul(marginal * inverse[:, None, :], marginal.transpose(0, 2, 1))
        return x, utility, hessian

    def _at_quadratic_factored(
        self, weights: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``at`` with quadratic utilities and the factor F: the weighted sums of s and s p in one
        product, and s (x - p) formed once for both the utilities and
        F = 2 s (x - p) / sqrt(2 sum_a w_a s_a) (fewer passes over memory)."""
        if self.pulls is None:  # what does not change from one Newton step to the next
            self.pulls = np.concatenate([self.salience, self.salience * self.position], axis=2)
        n_issues = self.position.shape[2]
        sums = np.matmul(weights[:, None, :], self.pulls)[:, 0, :]  # sum_a w_a [s_a, s_a p_a]
        total = sums[:, :n_issues]
        positive = total > 0
        safe = np.where(positive, total, 1.0)
        x = np.where(positive, sums[:, n_issues:] / safe, self.position[:, 0])
        z = x[:, None, :] - self.position
        pulled = self.salience * z
        utility = 1.0 - np.einsum("nak,nak->na", pulled, z)
        # 2 / sqrt(2 total), capped as in ``at`` (2 total at least CURVATURE_FLOOR)
        scale = np.where(positive, np.sqrt(2.0 / np.maximum(safe, CURVATURE_FLOOR / 2.0)), 0.0)
        return x, utility, pulled[:, 1:, :] * scale[:, None, :]

    def judge(self, lam: FloatArray, utility: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The dual value g (n,) and gradient U_i(x) - theta_i (n, m) at lam from ``at``'s
        utilities."""
        gradient = utility[:, 1:] - self.threshold
        value = utility[:, 0] + np.einsum("na,na->n", lam, gradient)
        return value, gradient

    def certainly_infeasible(self, attainable: FloatArray | None = None) -> BoolArray:
        """A cheap certificate: max_x sum_a (U_a(x) - theta_a) < 0 means no x meets every theta.

        ``attainable``: :meth:`attainable` if already known (it does not depend on the
        thresholds, only on which worlds impose the proposer's own)."""
        imposed = np.isfinite(self.own)
        demanded = reduce_short(np.add, self.threshold, 1) + np.where(imposed, self.own, 0.0)
        best = self.attainable() if attainable is None else attainable
        result: BoolArray = best - demanded < -1e-9
        return result

    def attainable(self) -> FloatArray:
        """max_x sum_a U_a(x) over the involved actors (the proposer's only where its own
        threshold is imposed): what the thresholds' sum must not exceed."""
        n, n_involved, _ = self.position.shape
        weights = np.ones((n, n_involved))
        weights[:, 0] = np.isfinite(self.own)
        best: FloatArray
        if self.any_linear:
            best = reduce_short(np.add, weights * self.utilities(self.inner(weights)), 1)
        elif (compiled := compiled_attainable(self.position, self.salience, self.own)) is not None:
            best = compiled  # the closed form below, compiled (sim.core.attainable_kernel)
        else:  # in closed form: sum_a w_a - sum_k min_x sum_a w_a s_ak (x - p_ak)^2
            pull = weights[:, :, None] * self.salience
            total = reduce_short(np.add, pull, 1)
            weighted = pull * self.position
            first = reduce_short(np.add, weighted, 1)
            second = reduce_short(np.add, weighted * self.position, 1)
            spread = second - first * first / np.where(total > 0.0, total, 1.0)
            best = reduce_short(np.add, weights, 1) - reduce_short(np.add, spread, 1)
        return best

    def solve_with_continuation(self) -> tuple[FloatArray, BoolArray]:
        """Solve; with linear utilities, by a sequence of ever sharper smoothings (warm-started).

        A world keeps the solution of the sharpest smoothing at which Newton converged.
        Returns packages and feasibility.
        """
        n, m = self.threshold.shape
        if not self.any_linear:
            package, feasible, _ = self.solve_quadratic(np.zeros((n, m)))
            return package, feasible
        if m == 1:
            package = self.smoothed(BISECTION_WIDTH, BISECTION_WIDTH / 2.0).bisect()
        else:
            package = np.empty((n, self.position.shape[2]))
            # Continuation starts from the smoothest problem, slightly inside lam > 0: at lam = 0 an
            # issue the proposer ignores has no well-defined compromise and Newton cannot leave.
            lam = np.full((n, m), 1e-6)
            for width in CONTINUATION_WIDTHS:
                margin = width / 2.0 if width <= EXACT_MARGIN_FROM else 0.0
                x, trial, converged = self.smoothed(width, margin).solve(lam)
                if width != CONTINUATION_WIDTHS[0]:
                    # An unconverged package still wins if it meets every exact threshold and
                    # gives the proposer more.
                    exact, current = self.exact_utilities(x), self.exact_utilities(package)
                    tolerance = self.threshold - FEASIBILITY_TOLERANCE
                    meets = reduce_short(np.logical_and, exact[:, 1:] >= tolerance, 1)
                    current_meets = reduce_short(np.logical_and, current[:, 1:] >= tolerance, 1)
                    converged |= meets & ((exact[:, 0] > current[:, 0]) | ~current_meets)
                package[converged] = x[converged]
                lam[converged] = trial[converged]
                if width == CONTINUATION_WIDTHS[0]:
                    package[~converged] = x[~converged]
        return package, self.feasible(package)

    def solve_quadratic(
        self, start: FloatArray, point: Point | None = None
    ) -> tuple[FloatArray, BoolArray, Point]:
        """Every utility quadratic: Newton from multipliers ``start``, or from ``point`` (the
        last solve's) where it knows a world, on the :meth:`regularised` problem (the points it
        reaches are that problem's, as are the warm starts they become); returns packages,
        feasibility against the exact utilities and the points reached."""
        regular = self.regularised()
        package, _, _, reached = projected_newton(regular, start, False, point, regular.kernel())
        return package, self.feasible(package), reached

    def kernel(self) -> Kernel | None:
        """The compiled Newton when every utility is quadratic and ``PARLEY_ENGINE`` does not
        ask for the numpy reference (:mod:`sim.core.newton_kernel`), else None."""
        return kernel_newton if not self.any_linear and engine() == "kernel" else None

    def feasible(self, package: FloatArray) -> BoolArray:
        """Whether each package meets every threshold and the proposer's own, exactly."""
        exact = self.exact_utilities(package)
        meets = exact[:, 1:] >= self.threshold - FEASIBILITY_TOLERANCE
        willing = exact[:, 0] >= self.own - FEASIBILITY_TOLERANCE
        result: BoolArray = reduce_short(np.logical_and, meets, 1) & willing
        return result

    def bisect(self) -> FloatArray:
        """One constraint: U_1(x(lam)) rises with lam, so bisect on lam (robust at any smoothing)."""
        n = self.threshold.shape[0]
        ones = np.ones((n, 1))

        def shortfall(lam: FloatArray) -> tuple[FloatArray, FloatArray]:
            x = self.inner(np.concatenate([ones, lam[:, None]], axis=1))
            return x, self.utilities(x)[:, 1] - self.threshold[:, 0]

        x, gap = shortfall(np.zeros(n))
        done = gap >= 0.0  # the proposer's ideal already satisfies the responder
        low, high = np.zeros(n), np.ones(n)
        for _ in range(45):  # grow the bracket to 2**45: beyond it the constraint cannot bind
            _, gap_high = shortfall(high)
            short = (gap_high < 0.0) & ~done
            if not short.any():
                break
            low = np.where(short, high, low)
            high = np.where(short, 2.0 * high, high)
        # Safeguarded regula falsi (Illinois variant) on the bracket [low, high]; a world stops
        # when its bracket or its shortfall is at rounding level.
        gap_low, gap_high = shortfall(low)[1], shortfall(high)[1]
        active = ~done
        for _ in range(BISECTIONS):
            if not active.any():
                break
            span = high - low
            secant = high - gap_high * span / np.where(gap_high != gap_low, gap_high - gap_low, 1.0)
            inside = (secant > low + 1e-3 * span) & (secant < high - 1e-3 * span)
            middle = np.where(inside, secant, 0.5 * (low + high))
            _, gap_middle = shortfall(middle)
            below = gap_middle < 0.0
            upd = active
            gap_high = np.where(
                upd & ~below, gap_middle, np.where(upd & below, 0.5 * gap_high, gap_high)
            )
            gap_low = np.where(
                upd & below, gap_middle, np.where(upd & ~below, 0.5 * gap_low, gap_low)
            )
            low = np.where(upd & below, middle, low)
            high = np.where(upd & ~below, middle, high)
            active = active & (high - low > 1e-15 * high) & (np.abs(gap_middle) > 1e-15)
        x_high, _ = shortfall(high)
        result: FloatArray = np.where(done[:, None], x, x_high)
        return result

    def solve(
        self, start: FloatArray, check: bool = True, point: Point | None = None
    ) -> tuple[FloatArray, FloatArray, BoolArray]:
        """Projected damped Newton on the dual from multipliers ``start``
        (:func:`sim.core.newton.projected_newton`).

        Returns packages, multipliers and (with ``check``, else all True) whether the projected
        gradient fell below CONVERGED.
        """
        package, multipliers, converged, _ = projected_newton(
            self, start, check, point, self.kernel()
        )
        return package, multipliers, converged

    def exact_utilities(self, x: FloatArray) -> FloatArray:
        """Exact (unsmoothed) utilities of packages x (N, K) for every actor, (N, A)
        (:func:`sim.core.utility.utilities`: one compiled pass where it runs)."""
        linear = np.broadcast_to(self.linear, self.position.shape[:2])
        return utilities(x, self.position, self.salience, linear)
