"""experiments/joint_offers.py: the proposer's problem re-optimised over the whole package space."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from sim.core.beliefs import Belief
from sim.core.uncertain_offer import UncertainResponder, risky_offers
from sim.distributions.inversion import Distribution

ROOT = Path(__file__).resolve().parents[1]
WIDE = Belief("reservation", Distribution("uniform", -1.0, 1.0, (-1.0, 1.0)))


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "joint_offers_script", ROOT / "experiments" / "joint_offers.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["joint_offers_script"] = module
    spec.loader.exec_module(module)
    return module


def _problems(n: int, uncertain_actors: tuple[int, ...], seed: int) -> tuple[object, ...]:
    """n random four-actor worlds on three issues, quadratic utilities, every actor a veto
    player, proposer 0; the given responders' reservations uniform on a random (lo, hi]."""
    rng = np.random.default_rng(seed)
    position = rng.uniform(0.0, 1.0, (n, 4, 3))
    salience = rng.dirichlet(np.ones(3), (n, 4))
    threshold = rng.uniform(0.4, 0.7, (n, 4))
    threshold[:, 0] = rng.uniform(0.2, 0.5, n)
    zeros, ones = np.zeros(n), np.ones(n)
    responders = []
    for k in uncertain_actors:  # demanding: most offers are risky
        lo = rng.uniform(0.7, 0.9, n)
        responders.append(
            UncertainResponder(k, WIDE, lo, lo + rng.uniform(0.05, 0.3, n), zeros, zeros, ones)
        )
    uncertain = np.zeros((n, 4), dtype=bool)
    uncertain[:, list(uncertain_actors)] = True
    return (
        position,
        salience,
        np.zeros(4, dtype=bool),
        np.ones(4, dtype=bool),
        np.zeros(n, dtype=np.int64),
        threshold,
        threshold[:, 0] - 0.1,
        responders,
        uncertain,
    )


def test_with_one_uncertain_responder_the_shipped_search_is_already_optimal() -> None:
    """The first-order root is exact with one uncertain responder: SLSQP over the whole
    package space, started from its package, finds nothing better (to 1e-6 of F)."""
    script = _script()
    arguments = _problems(60, (2,), seed=3)
    offers = risky_offers(*arguments)
    rounds = script.rounds_of(arguments, offers, single=True)
    assert len(rounds) >= 20
    assert np.mean((offers.probability > 0.01) & (offers.probability < 0.99)) > 0.25
    for n, problem in rounds:
        shipped = problem.objective(offers.package[n])
        assert shipped == pytest.approx(offers.probability[n] * (
            problem.utilities(offers.package[n])[0] - problem.failed
        ), rel=1e-9)  # fmt: skip
        _, value = script.best_package(problem, offers.package[n])
        assert value <= shipped + 1e-6 * abs(shipped), n
    tally = script.Tally()
    unchanged = script.checked(risky_offers, tally)(*arguments)
    assert np.array_equal(unchanged.package, offers.package)
    assert len(tally.gains) == len(rounds) and max(tally.gains) <= 1e-6


def test_with_two_uncertain_responders_the_joint_optimum_does_better() -> None:
    """Asking both responders for one common chance of acceptance is an approximation: the
    joint optimum is never worse, meets every constraint, and is better in most worlds."""
    script = _script()
    arguments = _problems(60, (1, 2), seed=5)
    offers = risky_offers(*arguments)
    rounds = script.rounds_of(arguments, offers)
    assert len(rounds) >= 20
    assert np.mean((offers.probability > 0.01) & (offers.probability < 0.99)) > 0.25
    gains = []
    for n, problem in rounds:
        shipped = problem.objective(offers.package[n])
        x, value = script.best_package(problem, offers.package[n])
        assert value >= shipped
        assert all(c["fun"](x) >= -1e-9 for c in problem.constraints())
        gains.append((value - shipped) / value)
    assert np.mean(np.array(gains) > 1e-3) > 0.3


def test_the_reoptimised_search_replaces_offers_and_their_thresholds() -> None:
    """The wrapper keeps the shipped offers' feasibility, gives the re-optimised package's
    believed probability, and sets each uncertain responder's threshold to its utility (or
    keeps the shipped thresholds)."""
    script = _script()
    arguments = _problems(40, (1, 2), seed=11)
    shipped = risky_offers(*arguments)
    tally = script.Tally()
    tight = script.reoptimised(risky_offers, tally)(*arguments)
    kept = script.reoptimised(risky_offers, script.Tally(), tight=False)(*arguments)
    assert np.array_equal(tight.feasible, shipped.feasible)
    assert np.array_equal(kept.package, tight.package)
    assert np.array_equal(kept.demanded, shipped.demanded)
    changed = np.flatnonzero(np.any(tight.package != shipped.package, axis=1))
    assert changed.size >= 10 and len(tally.gains) >= changed.size
    for n, problem in script.rounds_of(arguments, shipped):
        if n in changed:
            utility = problem.utilities(tight.package[n])
            assert tight.probability[n] == pytest.approx(problem.probability(utility))
            assert np.allclose(tight.demanded[n, [1, 2]], utility[[1, 2]])


def test_the_block_reports_both_runs_against_the_shipped_one() -> None:
    """A few baseline worlds end to end: the block names its command and every row."""
    script = _script()
    runs = script._worlds_task((0, 8))
    text = script.block(8, runs, 0.0)
    assert text.startswith(script.BEGIN) and text.endswith(script.END)
    assert "python experiments/joint_offers.py --update docs/model.md --worlds 8" in text
    assert "With one uncertain responder (" in text
    for label in ("P(agreed), %", "offers made", "offers refused", "ended by breakdown, %"):
        assert f"| {label} |" in text


def test_docs_model_holds_the_block_the_script_writes() -> None:
    script = _script()
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    block = text[text.index(script.BEGIN) : text.index(script.END)]
    assert "python experiments/joint_offers.py --update docs/model.md" in block
    assert "| P(agreed), % |" in block
