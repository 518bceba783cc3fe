"""The what-if of ``benchmarks/bench_search_budget.py`` (docs/speed.md, "What the 60 s would
cost"): a capped several-responder search is the shipped search's first probes."""

from __future__ import annotations

import importlib.util
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.core import uncertain_offer
from sim.core.runner import run_batch

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
WORLDS = 400


@pytest.fixture(scope="module")
def bench() -> Any:
    """The benchmark module (it imports ``bench_private`` from its own folder)."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location(
            "bench_search_budget", BENCHMARKS / "bench_search_budget.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope="module")
def task(bench: Any) -> tuple[Any, ...]:
    """The baseline's first worlds with private war costs, and their sampled parameters."""
    scenario, _, index, overrides, seed = bench.workload(WORLDS)
    return scenario, index, overrides, seed


def records(bench: Any, task: tuple[Any, ...], wrap: Any = None) -> dict[str, np.ndarray]:
    """The batch's outcome records, with ``brent_steps`` wrapped by ``wrap`` if given (by the
    benchmark's own ``patched``)."""
    scenario, index, overrides, seed = task
    wrapped = nullcontext() if wrap is None else bench.patched(uncertain_offer, "brent_steps", wrap)
    with wrapped:
        return dict(run_batch(scenario, index, seed=seed, overrides=overrides))


def same(left: dict[str, np.ndarray], right: dict[str, np.ndarray]) -> bool:
    """Every column equal (NaN where NaN)."""
    return left.keys() == right.keys() and all(
        np.array_equal(
            np.asarray(left[key]),
            np.asarray(right[key]),
            equal_nan=np.asarray(left[key]).dtype.kind == "f",
        )
        for key in left
    )


def answers_of(capped: Any) -> list[np.ndarray]:
    """What ``capped``'s searches answer (their best trials' F), one array a search, as they end."""
    answers: list[np.ndarray] = []
    search = capped._search

    def keep(steps: Any, rows: np.ndarray) -> Any:
        answer = yield from search(steps, rows)
        answers.append(answer.value.copy())
        return answer

    capped._search = keep
    return answers


def test_an_uncapped_wrapper_and_a_cap_beyond_every_search_change_nothing(
    bench: Any, task: Any
) -> None:
    shipped = records(bench, task)
    recorder = bench.Capped(None, (4, 8), record=True)
    brents = answers_of(recorder)
    assert same(records(bench, task, recorder), shipped)
    # the wrapper's own best of the probes is Brent's answer, search by search
    assert len(brents) == len(recorder.answers) > 10
    for brent, mine in zip(brents, recorder.answers, strict=True):
        np.testing.assert_array_equal(brent, mine)
    assert same(records(bench, task, bench.Capped(1000)), shipped)
    shortfall = recorder.shortfalls()
    assert shortfall["searches"]["all"] > 100  # the baseline has two-responder searches
    # fewer probes never find more: the shortfalls fall as the budget rises
    assert shortfall["4"]["over_0.01"] >= shortfall["8"]["over_0.01"] > 0.0
    assert shortfall["4"]["over_0.1"] >= shortfall["8"]["over_0.1"]


def test_a_cap_answers_with_the_best_of_the_shipped_searchs_first_probes(
    bench: Any, task: Any
) -> None:
    recorder = bench.Capped(None, (3,), record=True)
    records(bench, task, recorder)
    capped = bench.Capped(3)
    answers = answers_of(capped)
    changed = records(bench, task, capped)
    assert not same(changed, records(bench, task))  # three probes make other offers
    # The first risky round's searches see the same problems either way: the capped search's
    # answers there are the recorded best of the shipped search's first three probes.
    first = answers[0]
    np.testing.assert_array_equal(first, recorder.best_after[3][0])
