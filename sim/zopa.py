"""The zone of possible agreement: the packages every veto player prefers to no deal.

For a scenario at round T this module finds

* whether any package x in [0, 1]^K gives every veto player i at least its reservation utility
  d_i at round T (the *deal space*, or ZOPA), and separately whether any package meets every veto
  player's current acceptance threshold;
* the asymmetric Nash (1950) bargaining point over the deal space, argmax sum_i w_i log(U_i - d_i)
  (Kalai 1977 for the weighted form; Binmore, Rubinstein & Wolinsky 1986 for why it predicts
  patient bargaining with a risk of breakdown), and the Kalai & Smorodinsky (1975) point, where
  every veto player gets the same share of its best possible gain;
* two-dimensional slices of the deal space through the Nash point, one per pair of issues;
* the deal space's volume as a share of the issue space, by Monte Carlo with its standard error.

Utilities are concave (linear or quadratic spatial losses, :mod:`sim.utility`), so the deal space
is convex and the Nash problem is a concave maximisation.  The kinks of linear utilities are
smoothed away exactly by the standard epigraph reformulation (|x_k - p_ik| <= t_ik), and each
problem is solved by SLSQP from several starting points; the best verified answer wins.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

from sim.rng import Purpose, uniforms
from sim.scenario import Scenario
from sim.utility import utilities

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

Weights = Literal["capability", "uniform"]

FEASIBILITY_TOLERANCE = 1e-9
"""A package meets a floor if every veto player's utility is at least floor - this."""

_SAMPLE_CHUNK = 50_000
_SLICE_RESOLUTION = 241
_ZONE_COLOR = "#9ecae1"
_THRESHOLD_COLOR = "#3182bd"


@dataclass(frozen=True)
class DealPoint:
    """A package (issue -> value) and every actor's utility there."""

    terms: dict[str, float]
    utilities: dict[str, float]


@dataclass(frozen=True)
class ZopaResult:
    """The zone of possible agreement of one scenario at one round.

    ``margin`` is the largest, over packages, of the smallest surplus U_i(x) - d_i over the veto
    players: >= 0 exactly when the deal space exists (how far inside it its most central package
    lies), < 0 when it does not (how far the most nearly acceptable package falls short).
    ``threshold_margin`` is the same against the round's acceptance thresholds.
    """

    scenario: str
    round: int
    weights: Weights
    issues: tuple[str, ...]
    actors: tuple[str, ...]
    veto_players: tuple[str, ...]
    status_quo: dict[str, float]
    reservation: dict[str, float]
    threshold: dict[str, float]
    bargaining_weight: dict[str, float]
    exists: bool
    margin: float
    central: DealPoint
    threshold_exists: bool
    threshold_margin: float
    nash: DealPoint | None
    kalai_smorodinsky: DealPoint | None
    best_gain: dict[str, float] | None
    volume: float
    volume_se: float
    threshold_volume: float
    threshold_volume_se: float
    samples: int
    seed: int

    @property
    def anchor(self) -> dict[str, float]:
        """Where the slices are taken: the Nash point, or the most nearly acceptable package."""
        return (self.nash or self.central).terms

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary of everything in the result."""
        result = asdict(self)
        result["issues"] = list(self.issues)
        result["actors"] = list(self.actors)
        result["veto_players"] = list(self.veto_players)
        return result


# --- reservations and thresholds -------------------------------------------------------------


def _expected_status_quo(scenario: Scenario, round_: int) -> dict[str, float]:
    """The status quo at the start of round T with the war moving by its expected drift.

    The same expectation :func:`sim.model.reservations_at` derives reservations from.
    """
    moved = {}
    for issue, spec in scenario.issues.items():
        drift = scenario.dynamics[issue].drift if issue in scenario.dynamics else 0.0
        moved[issue] = float(np.clip(spec.status_quo + drift * (round_ - 1), 0.0, 1.0))
    return moved


def _point_utilities(scenario: Scenario, terms: Mapping[str, float]) -> dict[str, float]:
    """Every actor's utility of one package."""
    issues = scenario.issue_names
    specs = list(scenario.actors.values())
    x = np.array([[terms[k] for k in issues]], dtype=np.float64)
    position = np.array([[[a.position[k] for k in issues] for a in specs]], dtype=np.float64)
    salience = np.array([[[a.salience[k] for k in issues] for a in specs]], dtype=np.float64)
    linear = np.array([[a.utility == "linear" for a in specs]], dtype=bool)
    values = utilities(x, position, salience, linear)[0]
    return {name: float(v) for name, v in zip(scenario.actors, values, strict=True)}


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


# --- Monte Carlo volume ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Volume:
    inside: int
    threshold_inside: int
    best_sample: FloatArray  # the sampled package with the largest smallest surplus


def _sample_volume(
    parties: _Parties,
    reservation: FloatArray,
    threshold: FloatArray,
    seed: int,
    samples: int,
) -> _Volume:
    """Count uniform packages inside the reservation and threshold sets.

    Draws come from the counter-based stream (seed, world = sample index, round 0,
    Purpose.SAMPLE), so the same seed gives the same estimate at every round.
    """
    k = parties.position.shape[1]
    inside = threshold_inside = 0
    best_sample, best = np.full(k, 0.5), -math.inf
    for start in range(0, samples, _SAMPLE_CHUNK):
        stop = min(start + _SAMPLE_CHUNK, samples)
        x = uniforms(seed, np.arange(start, stop), 0, Purpose.SAMPLE, lanes=k)
        values = parties.utilities(x)
        inside += int(np.count_nonzero(np.all(values >= reservation, axis=1)))
        threshold_inside += int(np.count_nonzero(np.all(values >= threshold, axis=1)))
        surplus = np.min(values - reservation, axis=1)
        row = int(np.argmax(surplus))
        if surplus[row] > best:
            best_sample, best = x[row].copy(), float(surplus[row])
    return _Volume(inside, threshold_inside, best_sample)


def _share(count: int, samples: int) -> tuple[float, float]:
    """A proportion and its binomial standard error."""
    share = count / samples
    return share, math.sqrt(share * (1.0 - share) / samples)


# --- the public entry points -----------------------------------------------------------------


def bargaining_weights(scenario: Scenario, weights: Weights) -> dict[str, float]:
    """The veto players' Nash bargaining weights, normalised to sum to 1."""
    veto = scenario.veto_players
    if weights == "uniform":
        raw = {name: 1.0 for name in veto}
    elif weights == "capability":
        raw = {name: scenario.actors[name].capability for name in veto}
    else:
        raise ValueError(f"unknown weights '{weights}': use 'capability' or 'uniform'")
    total = sum(raw.values())
    if total <= 0:
        raise ValueError("the veto players' capabilities are all zero; use uniform weights instead")
    return {name: value / total for name, value in raw.items()}


def zone_of_agreement(
    scenario: Scenario,
    round_: int = 1,
    weights: Weights = "capability",
    samples: int = 200_000,
) -> ZopaResult:
    """The zone of possible agreement of ``scenario`` at round ``round_`` (1-based)."""
    if round_ < 1:
        raise ValueError(f"round must be at least 1, got {round_}")
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    issues = scenario.issue_names
    veto = scenario.veto_players
    weight_of = bargaining_weights(scenario, weights)
    from sim.model import reservations_at, thresholds_at

    reservation = {name: float(v) for name, v in reservations_at(scenario, round_).items()}
    threshold = {name: float(v) for name, v in thresholds_at(scenario, round_).items()}
    status_quo = _expected_status_quo(scenario, round_)

    parties = _Parties.of(scenario, veto)
    floor = np.array([reservation[name] for name in veto])
    demand = np.array([threshold[name] for name in veto])
    weight = np.array([weight_of[name] for name in veto])
    ones = np.ones(len(veto))

    volume = _sample_volume(parties, floor, demand, scenario.seed, samples)
    starts = [
        volume.best_sample,
        np.full(len(issues), 0.5),
        np.array([status_quo[k] for k in issues]),
        *parties.position,
    ]
    central, margin = _max_min_gain(parties, floor, ones, starts)
    _, threshold_margin = _max_min_gain(parties, demand, ones, [central, *starts])
    exists = margin >= -FEASIBILITY_TOLERANCE

    def point(x: FloatArray) -> DealPoint:
        terms = {k: float(v) for k, v in zip(issues, x, strict=True)}
        return DealPoint(terms=terms, utilities=_point_utilities(scenario, terms))

    nash = kalai_smorodinsky = best_gain = None
    if margin > FEASIBILITY_TOLERANCE:
        feasible = [central] + [x for x in starts if np.all(parties.utilities(x[None])[0] > floor)]
        nash_x = _max_weighted_log_gain(parties, floor, weight, feasible)
        best = np.array(
            [_max_own_utility(parties, floor, i, [nash_x, central]) for i in range(len(veto))]
        )
        ks_x, _ = _max_min_gain(parties, floor, best - floor, [nash_x, central])
        nash, kalai_smorodinsky = point(nash_x), point(ks_x)
        best_gain = {name: float(b) for name, b in zip(veto, best, strict=True)}
    elif exists:
        # The deal space is a single package (or a sliver too thin to optimise over).
        nash = kalai_smorodinsky = point(central)

    share, share_se = _share(volume.inside, samples)
    threshold_share, threshold_se = _share(volume.threshold_inside, samples)
    return ZopaResult(
        scenario=scenario.name,
        round=round_,
        weights=weights,
        issues=tuple(issues),
        actors=tuple(scenario.actor_names),
        veto_players=tuple(veto),
        status_quo=status_quo,
        reservation=reservation,
        threshold=threshold,
        bargaining_weight=weight_of,
        exists=bool(exists),
        margin=float(margin),
        central=point(central),
        threshold_exists=bool(threshold_margin >= -FEASIBILITY_TOLERANCE),
        threshold_margin=float(threshold_margin),
        nash=nash,
        kalai_smorodinsky=kalai_smorodinsky,
        best_gain=best_gain,
        volume=share,
        volume_se=share_se,
        threshold_volume=threshold_share,
        threshold_volume_se=threshold_se,
        samples=samples,
        seed=scenario.seed,
    )


# --- text and picture ------------------------------------------------------------------------


def direction_words(scenario: Scenario, issue: str, value: float) -> str:
    """Which end of an issue a value leans toward, in the issue's own words."""
    spec = scenario.issues[issue]
    if abs(value - 0.5) < 0.005:
        return f"midway between: {spec.low} / {spec.high}"
    return f"toward: {spec.high if value > 0.5 else spec.low}"


def describe(scenario: Scenario, result: ZopaResult) -> str:
    """A readable account of the zone of possible agreement."""
    lines = [
        f"Zone of possible agreement: {result.scenario}, round {result.round} "
        f"(Nash weights: {result.weights})",
        f"Veto players: {', '.join(result.veto_players)}",
        "",
    ]

    def verdict(exists: bool, margin: float, share: float, se: float) -> str:
        if exists:
            return (
                f"EXISTS, {100 * share:.2f}% ± {100 * se:.2f}% of the issue space; "
                f"its most central package leaves every veto player ≥ {margin:+.3f} to spare"
            )
        return f"NONE; the most nearly acceptable package falls short by {-margin:.3f}"

    lines.append(
        "Deal space (every veto player at least its reservation): "
        + verdict(result.exists, result.margin, result.volume, result.volume_se)
    )
    lines.append(
        f"At the round-{result.round} acceptance thresholds: "
        + verdict(
            result.threshold_exists,
            result.threshold_margin,
            result.threshold_volume,
            result.threshold_volume_se,
        )
    )
    lines.append(f"({result.samples:,} uniform samples, seed {result.seed})")
    width = max(len(k) for k in result.issues)

    def terms_block(title: str, point: DealPoint) -> None:
        lines.extend(["", title])
        for issue, value in point.terms.items():
            words = direction_words(scenario, issue, value)
            lines.append(f"  {issue:<{width}}  {value:.2f}  ({words})")

    if result.nash is not None:
        terms_block("Nash bargaining point:", result.nash)
        shown = result.nash
    else:
        terms_block("Most nearly acceptable package (no deal space):", result.central)
        shown = result.central
    if result.kalai_smorodinsky is not None and result.kalai_smorodinsky is not result.nash:
        terms_block("Kalai–Smorodinsky point:", result.kalai_smorodinsky)

    names = max(len("actor"), *(len(a) + 1 for a in result.actors))
    lines.extend(["", f"  {'actor':<{names}}  weight  utility  reservation  surplus  threshold"])
    for actor in result.actors:
        utility = shown.utilities[actor]
        marker = "*" if actor in result.veto_players else " "
        weight = result.bargaining_weight.get(actor)
        weight_text = f"{weight:6.3f}" if weight is not None else "     -"
        lines.append(
            f"  {actor + marker:<{names}}  {weight_text}  {utility:7.3f}  "
            f"{result.reservation[actor]:11.3f}  {utility - result.reservation[actor]:+7.3f}  "
            f"{result.threshold[actor]:9.3f}"
        )
    lines.append("  (* holds a veto)")
    return "\n".join(lines)


def _axis_label(scenario: Scenario, issue: str) -> str:
    """The issue's name over what its two ends mean, wrapped to fit under a panel."""
    spec = scenario.issues[issue]
    ends = [
        textwrap.fill(f"{end}: {words}", 52) for end, words in (("0", spec.low), ("1", spec.high))
    ]
    return "\n".join([issue, *ends])


def zopa_figure(scenario: Scenario, result: ZopaResult) -> Figure:
    """One panel per pair of issues: the deal space sliced through the Nash point.

    Other issues are held at the Nash point (or, with no deal space, at the most nearly acceptable
    package).  Light shading: every veto player at least its reservation; dark shading: at least
    its acceptance threshold.  Marked: ideal points (filled for veto players), the status quo at
    the round, the Nash point.
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from sim.palette import STATUS_QUO_COLOR, actor_colors

    issues = list(result.issues)
    pairs = list(combinations(range(len(issues)), 2))
    panels = max(len(pairs), 1)
    columns = min(3, panels)
    rows = math.ceil(panels / columns)
    width = 4.6 * columns if pairs else 7.0
    height = 4.4 * rows + 0.9 if pairs else 3.2
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes[panels:]:
        ax.set_visible(False)

    parties = _Parties.of(scenario, result.veto_players)
    floor = np.array([result.reservation[a] for a in result.veto_players])
    demand = np.array([result.threshold[a] for a in result.veto_players])
    anchor = np.array([result.anchor[k] for k in issues])
    colors = actor_colors(list(result.actors))
    grid = np.linspace(0.0, 1.0, _SLICE_RESOLUTION)

    def slice_utilities(i: int, j: int | None) -> FloatArray:
        if j is None:
            x = np.tile(anchor, (grid.size, 1))
            x[:, i] = grid
            return parties.utilities(x)
        gi, gj = np.meshgrid(grid, grid)
        x = np.tile(anchor, (gi.size, 1))
        x[:, i], x[:, j] = gi.ravel(), gj.ravel()
        return parties.utilities(x).reshape(*gi.shape, -1)

    def mark(ax: Any, i: int, j: int | None) -> None:
        def at(values: Mapping[str, float]) -> tuple[float, float]:
            return values[issues[i]], (values[issues[j]] if j is not None else 0.5)

        for actor in result.actors:
            spec = scenario.actors[actor]
            px, py = at(spec.position)
            veto = actor in result.veto_players
            ax.plot(
                px,
                py,
                "o",
                ms=8,
                color=colors[actor],
                mfc=colors[actor] if veto else "white",
                mew=1.8,
                zorder=4,
                clip_on=False,
            )
            ax.annotate(
                actor,
                (px, py),
                textcoords="offset points",
                xytext=(5, 5),
                fontsize=8,
                annotation_clip=False,
            )
        sx, sy = at(result.status_quo)
        ax.plot(sx, sy, "X", ms=10, color=STATUS_QUO_COLOR, zorder=5, clip_on=False)
        if result.nash is not None:
            nx, ny = at(result.nash.terms)
            ax.plot(nx, ny, "*", ms=15, color="#FFD700", mec="black", zorder=6, clip_on=False)

    limits = (-0.03, 1.03)
    if pairs:
        for ax, (i, j) in zip(axes, pairs, strict=False):
            values = slice_utilities(i, j)
            for bound, color in ((floor, _ZONE_COLOR), (demand, _THRESHOLD_COLOR)):
                surplus = np.min(values - bound, axis=-1)
                if surplus.max() > 0:
                    ax.contourf(grid, grid, surplus, levels=[0.0, surplus.max()], colors=[color])
            mark(ax, i, j)
            ax.set_xlim(limits)
            ax.set_ylim(limits)
            ax.set_aspect("equal")
            ax.set_xlabel(_axis_label(scenario, issues[i]), fontsize=7)
            ax.set_ylabel(_axis_label(scenario, issues[j]), fontsize=7)
    else:
        ax = axes[0]
        values = slice_utilities(0, None)
        for bound, color, band in ((floor, _ZONE_COLOR, 0.5), (demand, _THRESHOLD_COLOR, 0.15)):
            where = np.all(values >= bound, axis=-1)
            ax.fill_between(grid, 0.5 - band, 0.5 + band, where=where, color=color)
        mark(ax, 0, None)
        ax.set_xlim(limits)
        ax.set_ylim(0.0, 1.0)
        ax.set_yticks([])
        ax.set_xlabel(_axis_label(scenario, issues[0]), fontsize=7)

    handles = [
        Patch(color=_ZONE_COLOR, label="every veto player ≥ reservation"),
        Patch(color=_THRESHOLD_COLOR, label=f"every veto player ≥ round-{result.round} threshold"),
        Line2D([], [], ls="", marker="*", ms=12, color="#FFD700", mec="black", label="Nash point"),
        Line2D([], [], ls="", marker="X", ms=9, color=STATUS_QUO_COLOR, label="status quo"),
        Line2D([], [], ls="", marker="o", ms=7, color="grey", label="ideal point (veto)"),
        Line2D([], [], ls="", marker="o", ms=7, color="grey", mfc="white", label="ideal point"),
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    state = "a deal space exists" if result.exists else "no deal space"
    figure.suptitle(
        f"{result.scenario}: zone of possible agreement at round {result.round} ({state})",
        fontsize=10,
    )
    return figure
