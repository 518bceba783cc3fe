"""What the common-alpha search costs when several veto players' values are private.

With two or more uncertain veto responders the proposer's search runs over one number, a common
alpha, each responder offered the threshold of its own alpha-type (docs/model.md, "The proposer
under uncertainty"): an approximation, since the proposer could ask each responder for a
different chance of acceptance.  This experiment measures what the approximation costs, on the
first ``--worlds`` worlds of ``experiments/baseline-uncertainty.yaml`` (its sampled parameters,
its seed):

1. **The proposer's objective.**  In every world-round where the shipped search made an offer
   with several uncertain responders, the package is optimised again over the whole package
   space: F(x) = P(every uncertain responder accepts x) (U_j(x) - w_j), under the same
   constraints (every known veto player's threshold, the proposer's own), by scipy's SLSQP
   (sequential least squares programming, Kraft 1988) started from the shipped package, and
   kept where it does better.  Reported: the relative gain in F, and the acceptance
   probabilities the proposer believes in, both ways.
2. **The outcomes.**  The same worlds run again with the re-optimised offers in place of the
   shipped ones (everything else as shipped: learning, the breakdown draws), paired differences
   with 95% intervals (world w is the same world in every run), twice: each re-optimised
   responder's threshold set to what it is offered (the package was built on that type, as
   the common alpha's binding responders are), and the shipped thresholds kept.  The table's
   anticipation of ratification (:mod:`sim.core.anticipation`) re-solves within those
   thresholds, so the two runs separate the offer's effect from the room it leaves the
   anticipation.

Slow by design, a reference and not a model option: one SLSQP optimisation per world-round,
about 35 ms, in a per-world Python loop.  SLSQP is a local method and F has kinks (a concession
clock's cap, a belief's bounds), so the gains are lower bounds on what the approximation
leaves.  With one uncertain responder the shipped search is exact (the first-order root): the
same optimisation finds nothing better there (``tests/test_joint_offers.py``).

    python experiments/joint_offers.py --worlds 200                  # print the block
    python experiments/joint_offers.py --update docs/model.md        # rewrite it (2,000 worlds)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parent))
from drivers import REPO, parallel, update  # noqa: E402

from sim.analysis.drivers import paired_difference  # noqa: E402
from sim.core import model as negotiation  # noqa: E402
from sim.core.runner import run_batch  # noqa: E402
from sim.core.tolerances import FEASIBILITY_TOLERANCE  # noqa: E402
from sim.core.uncertain_offer import RiskyOffers, UncertainResponder  # noqa: E402
from sim.core.utility import utilities  # noqa: E402
from sim.experiment.loader import load_experiment  # noqa: E402
from sim.experiment.sampling import sample  # noqa: E402

EXPERIMENT = REPO / "experiments" / "baseline-uncertainty.yaml"
BEGIN, END = "<!-- joint-offers:begin -->", "<!-- joint-offers:end -->"
BETTER = 1e-9
"""A re-optimised package replaces the shipped one only where its F is higher by more than this
share (below it the two are the same offer to the optimiser's precision)."""

Columns = dict[str, np.ndarray]


@dataclass
class Round:
    """One world's proposer problem in one round: what SLSQP needs."""

    position: np.ndarray  # (A, K)
    salience: np.ndarray  # (A, K)
    linear: np.ndarray  # (A,) every actor's utility shape (all quadratic here)
    proposer: int
    threshold: np.ndarray  # (A,)
    failed: float
    responders: list[tuple[UncertainResponder, int]]  # each uncertain responder and its row
    known: list[int]  # the veto players whose thresholds are known

    def utilities(self, x: np.ndarray) -> np.ndarray:
        """Every actor's utility of package x, as the model computes it."""
        result: np.ndarray = utilities(
            x[None], self.position[None], self.salience[None], self.linear
        )
        return result[0]

    def probability(self, utility: np.ndarray) -> float:
        """P(every uncertain responder accepts) an offer giving them ``utility`` (A,)."""
        p = 1.0
        for responder, row in self.responders:
            at = np.array([row])
            p *= float(responder.probability(utility[[responder.actor]], at)[0])
        return p

    def objective(self, x: np.ndarray) -> float:
        """F(x) = P(x) (U_j(x) - w)."""
        utility = self.utilities(x)
        return self.probability(utility) * (utility[self.proposer] - self.failed)

    def constraints(self) -> list[dict[str, Any]]:
        """Every known veto player's threshold and the proposer's own (within the tolerance
        the shipped search allows it), as SLSQP's inequalities."""
        found: list[dict[str, Any]] = [
            {"type": "ineq", "fun": lambda x, a=a: self.utilities(x)[a] - self.threshold[a]}
            for a in self.known
        ]
        j = self.proposer
        own = self.threshold[j] - FEASIBILITY_TOLERANCE
        found.append({"type": "ineq", "fun": lambda x: self.utilities(x)[j] - own})
        return found


def best_package(problem: Round, start: np.ndarray) -> tuple[np.ndarray, float]:
    """The better of ``start`` and SLSQP's optimum of F from it (kept only if it meets every
    constraint), and its F."""
    value = problem.objective(start)
    scale = max(abs(value), 1e-300)
    constraints = problem.constraints()
    found = minimize(
        lambda x: -problem.objective(x) / scale,
        start,
        method="SLSQP",
        constraints=constraints,
        bounds=[(0.0, 1.0)] * start.size,
        options={"ftol": 1e-12, "maxiter": 200},
    )
    if all(c["fun"](found.x) >= -1e-12 for c in constraints):
        candidate = problem.objective(found.x)
        if candidate > value:
            return found.x, candidate
    return start, value


@dataclass
class Tally:
    """What the re-optimisation found, round by round."""

    gains: list[float] = field(default_factory=list)
    shipped_p: list[float] = field(default_factory=list)
    joint_p: list[float] = field(default_factory=list)


def rounds_of(
    arguments: tuple[Any, ...], offers: RiskyOffers, single: bool = False
) -> list[tuple[int, Round]]:
    """The world-rounds of one call of ``risky_offers`` with an offer made to several
    uncertain responders (``single``: to exactly one), as :class:`Round` problems."""
    position, salience, linear, veto, proposer, threshold, failed, responders, uncertain = arguments
    if np.any(linear):
        raise SystemExit("joint_offers.py: quadratic utilities only (SLSQP needs a smooth F)")
    asked_of = uncertain.sum(axis=1)
    chosen = np.flatnonzero(offers.feasible & ((asked_of == 1) if single else (asked_of >= 2)))
    found = []
    for n in chosen:
        j = int(proposer[n])
        mine = [(r, int(n)) for r in responders if uncertain[n, r.actor]]
        asked = {r.actor for r, _ in mine}
        known = [a for a in range(position.shape[1]) if veto[a] and a != j and a not in asked]
        problem = Round(
            position[n], salience[n], linear, j, threshold[n], float(failed[n]), mine, known
        )
        found.append((int(n), problem))
    return found


def checked(original: Callable[..., RiskyOffers], tally: Tally) -> Callable[..., RiskyOffers]:
    """``risky_offers`` unchanged, with SLSQP's gain over each offer to exactly one uncertain
    responder recorded (the shipped first-order root is exact there: ~0)."""

    def search(*arguments: Any) -> RiskyOffers:
        offers = original(*arguments)
        for n, problem in rounds_of(arguments, offers, single=True):
            shipped = problem.objective(offers.package[n])
            _, value = best_package(problem, offers.package[n])
            tally.gains.append((value - shipped) / max(abs(value), 1e-300))
            tally.shipped_p.append(float(offers.probability[n]))
        return offers

    return search


def reoptimised(
    original: Callable[..., RiskyOffers], tally: Tally, tight: bool = True
) -> Callable[..., RiskyOffers]:
    """``risky_offers`` with each offer to several uncertain responders replaced by SLSQP's
    where that does better; ``tight``: each replaced responder's threshold is then what it is
    offered (else the shipped search's)."""

    def search(*arguments: Any) -> RiskyOffers:
        offers = original(*arguments)
        package, probability = offers.package.copy(), offers.probability.copy()
        demanded = offers.demanded.copy()
        for n, problem in rounds_of(arguments, offers):
            shipped = problem.objective(package[n])
            x, value = best_package(problem, package[n])
            tally.gains.append((value - shipped) / max(abs(value), 1e-300))
            tally.shipped_p.append(float(probability[n]))
            utility = problem.utilities(x)
            if value > shipped + BETTER * abs(value):
                package[n] = x
                probability[n] = problem.probability(utility)
                for responder, _ in problem.responders:
                    if tight:
                        demanded[n, responder.actor] = utility[responder.actor]
            tally.joint_p.append(float(probability[n]))
        return RiskyOffers(package, offers.feasible, probability, offers.alpha, demanded)

    return search


Runs = tuple[Columns, Columns, Columns, Tally, Tally]
"""As shipped, re-optimised with thresholds as offered, re-optimised with the shipped
thresholds, the first re-optimised run's tally and the shipped run's check of its offers to
one uncertain responder."""


def _worlds_task(item: tuple[int, int]) -> Runs:
    """Worlds ``begin`` to ``end`` of the baseline, as shipped and with the re-optimised
    offers both ways (a world's record depends only on the seed and its index)."""
    begin, end = item
    experiment = load_experiment(EXPERIMENT)
    cell = experiment.cells[0]
    index = np.arange(begin, end, dtype=np.int64)
    overrides = sample(cell.parameters, experiment.seed, index)
    single, tallies = Tally(), (Tally(), Tally())
    runs = []
    original = negotiation.risky_offers
    searches = (
        checked(original, single),
        reoptimised(original, tallies[0], tight=True),
        reoptimised(original, tallies[1], tight=False),
    )
    for search in searches:
        negotiation.risky_offers = search  # type: ignore[assignment]
        try:
            runs.append(run_batch(cell.scenario, index, seed=experiment.seed, overrides=overrides))
        finally:
            negotiation.risky_offers = original  # type: ignore[assignment]
    return runs[0], runs[1], runs[2], tallies[0], single


def measure(worlds: int, workers: int) -> Runs:
    """The three runs of the first ``worlds`` worlds, split over ``workers`` processes."""
    edges = np.linspace(0, worlds, max(workers, 1) + 1).astype(int)
    parts = parallel(_worlds_task, list(zip(edges[:-1], edges[1:], strict=True)), workers)
    shipped, tight, kept = (
        {k: np.concatenate([p[i][k] for p in parts]) for k in parts[0][i]} for i in range(3)
    )
    several, single = Tally(), Tally()
    for *_, one, other in parts:
        several.gains += one.gains
        several.shipped_p += one.shipped_p
        several.joint_p += one.joint_p
        single.gains += other.gains
        single.shipped_p += other.shipped_p
    return shipped, tight, kept, several, single


def _cell(base: np.ndarray, variant: np.ndarray, scale: float) -> str:
    """A run's mean and its paired difference from ``base`` with the 95% interval."""
    mean, low, high = paired_difference(base, variant)
    return (
        f"{scale * np.mean(variant):.2f} ({scale * mean:+.2f} "
        f"[{scale * low:+.2f}, {scale * high:+.2f}])"
    )


def _row(label: str, base: np.ndarray, tight: np.ndarray, kept: np.ndarray, scale: float) -> str:
    """One table row: the shipped mean, then each re-optimised run against it."""
    cells = (_cell(base, run, scale) for run in (tight, kept))
    return f"| {label} | {scale * np.mean(base):.2f} | " + " | ".join(cells) + " |"


def block(worlds: int, runs: Runs, minutes: float) -> str:
    """The Markdown block for docs/model.md."""
    shipped, tight, kept, tally, single = runs
    gains, checks = np.array(tally.gains), np.array(single.gains)
    clear = checks > 1e-5
    clear_p = np.array(single.shipped_p)[clear].max(initial=0.0)
    quantiles = np.quantile(gains, [0.25, 0.5, 0.75, 0.9]) if gains.size else np.zeros(4)
    lines = [
        BEGIN,
        f"Generated by `python experiments/joint_offers.py --update docs/model.md --worlds "
        f"{worlds}` ({minutes:.0f} minutes with 2 workers on the shared two-core machine).",
        "",
        f"World-rounds with an offer to both uncertain responders: {gains.size:,}.  The joint "
        f"optimum beats the common alpha by more than 0.1% of F in {np.mean(gains > 1e-3):.0%} "
        f"of them, by more than 10% in {np.mean(gains > 0.1):.0%}; relative gain in F: "
        f"quartiles {quantiles[0]:.3f}, {quantiles[1]:.3f}, {quantiles[2]:.3f}, 90th "
        f"percentile {quantiles[3]:.3f}.  Believed P(both accept): mean "
        f"{np.mean(tally.shipped_p):.3f} as shipped, {np.mean(tally.joint_p):.3f} at the "
        f"joint optimum.  With one uncertain responder ({checks.size:,} world-rounds) the same "
        f"optimisation beats the shipped offer by more than 10⁻⁶ of F in "
        f"{int(np.sum(checks > 1e-6))} and by more than 10⁻⁵ in {int(clear.sum())}, by at most "
        f"{checks.max(initial=0.0):.1e}; each of the latter is an offer believed accepted with "
        f"a chance of at most {clear_p:.1e}, where the root's absolute tolerance of 10⁻⁹ on "
        "alpha is coarse.",
        "",
        "| per world | as shipped | joint optimum, thresholds as offered (difference [95%]) "
        "| joint optimum, shipped thresholds (difference [95%]) |",
        "|---|---|---|---|",
    ]
    percent = (("agreed", "P(agreed), %"), ("signed", "P(signed), %"), ("durable", "P(durable), %"))
    for column, label in percent:
        lines.append(_row(label, shipped[column], tight[column], kept[column], 100.0))
    for column, label in (("offers", "offers made"), ("rejections", "offers refused")):
        lines.append(_row(label, shipped[column], tight[column], kept[column], 1.0))
    for reason in sorted(set(shipped["end_reason"]) | set(tight["end_reason"])):
        ended = (run["end_reason"] == reason for run in (shipped, tight, kept))
        lines.append(_row(f"ended by {reason}, %", *ended, 100.0))
    lines.append(END)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the block, and write it into ``--update``'s file if given."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--worlds", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--update", type=Path, help="rewrite the block in this Markdown file")
    args = parser.parse_args(argv)
    started = time.monotonic()
    runs = measure(args.worlds, args.workers)
    text = block(args.worlds, runs, (time.monotonic() - started) / 60.0)
    print(text)
    if args.update is not None:
        update(args.update, text, BEGIN, END)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
