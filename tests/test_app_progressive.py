"""The page's progressive odds: a first slice of worlds, marked provisional, then the whole batch.

The slices together must be the batch :func:`sim.app.odds.batch_odds` runs at once (a world's
fate depends only on (seed, world)), the first a prefix of its worlds with its own interval,
and a newer batch of the same page must stop the later slices of a stale one.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.analysis.statistics import wilson_interval
from sim.app.odds import Odds, OddsCache, batch_odds, progressive_odds
from sim.app.pool import BatchCancelled, shared_pool
from sim.app.provisional import PROVISIONAL_VARIABLE, SLOW_BATCH_SECONDS, Provisional
from sim.app.settings import Settings
from sim.app.split import FIXED_COST_WORLDS, worker_chunks
from sim.scenario.schema import Scenario


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return Settings.load("alaska-summit").current


def same_summary(a: Odds, b: Odds) -> None:
    assert json.dumps(a.summary, sort_keys=True) == json.dumps(b.summary, sort_keys=True)


def test_the_slices_are_the_batch(baseline: Scenario) -> None:
    steps = list(progressive_odds(baseline, 400, first=120))
    assert [step.worlds for step in steps] == [120, 400]
    first, complete = steps
    whole = batch_odds(baseline, 400)
    pd.testing.assert_frame_equal(complete.records, whole.records)
    same_summary(complete, whole)
    assert complete.headline == whole.headline
    assert not complete.provisional and complete.coverage == ""

    # The first slice is worlds 0..119 of the batch, marked provisional, with its own interval.
    pd.testing.assert_frame_equal(first.records, whole.records.iloc[:120])
    same_summary(first, batch_odds(baseline, 120))
    assert first.provisional and first.batch_worlds == 400
    agreed = int(first.records["agreed"].sum())
    low, high = wilson_interval(agreed, 120)
    assert first.summary["ci95"] == pytest.approx([low, high])
    assert first.headline.endswith(" (provisional: 120 of 400 worlds)")
    assert first.headline.startswith(f"P(agreement) = {100 * agreed / 120:.1f}% [{100 * low:.1f}, ")
    first_width = np.subtract(*reversed(first.summary["ci95"]))
    assert first_width > np.subtract(*reversed(complete.summary["ci95"]))


def test_a_first_slice_as_large_as_the_batch_is_the_batch(baseline: Scenario) -> None:
    (only,) = progressive_odds(baseline, 50, first=80)
    assert not only.provisional
    pd.testing.assert_frame_equal(only.records, batch_odds(baseline, 50).records)
    with pytest.raises(ValueError, match="first slice"):
        next(progressive_odds(baseline, 50, first=0))


def test_the_slices_in_worker_processes_are_the_batch(baseline: Scenario) -> None:
    pool = shared_pool(2)
    steps = list(progressive_odds(baseline, 300, first=90, pool=pool, session="same"))
    alone = batch_odds(baseline, 300)
    pd.testing.assert_frame_equal(steps[-1].records, alone.records)
    same_summary(steps[-1], alone)
    pd.testing.assert_frame_equal(steps[0].records, alone.records.iloc[:90])


def test_a_newer_batch_stops_the_later_slices(baseline: Scenario) -> None:
    pool = shared_pool(2)
    steps = progressive_odds(baseline, 3_000, first=60, pool=pool, session="page")
    assert next(steps).provisional
    pool.begin("page")  # the page's next change
    with pytest.raises(BatchCancelled):
        next(steps)
    # A chunk of a superseded batch stops before its first round; other pages are untouched.
    stale = pool.begin("page")
    pool.begin("page")
    assert [f.result() for f in pool.submit(baseline, np.arange(40), None, stale)] == [None] * 2
    other = list(progressive_odds(baseline, 40, first=20, pool=pool, session="other page"))
    assert other[-1].worlds == 40


def test_a_kept_batch_comes_complete_and_cancels_the_stale_one(baseline: Scenario) -> None:
    pool = shared_pool(2)
    cache = OddsCache()
    moved = baseline.model_copy(
        update={"protocol": baseline.protocol.model_copy(update={"breakdown_probability": 0.05})}
    )
    (kept,) = cache.progressive(moved, 200, first=200, pool=pool, session="page")
    steps = cache.progressive(baseline, 3_000, first=60, pool=pool, session="page")
    assert next(steps).provisional
    assert list(cache.progressive(moved, 200, pool=pool, session="page")) == [kept]
    with pytest.raises(BatchCancelled):
        next(steps)
    # A completed progressive batch is kept whole, and cache.odds is the same batch.
    done = list(cache.progressive(baseline, 200, first=50))
    assert cache.odds(baseline, 200) is done[-1]
    assert list(cache.progressive(baseline, 200, first=50)) == [done[-1]]


@pytest.mark.parametrize(
    ("first", "worlds", "workers"),
    [(500, 5_000, 2), (500, 5_000, 4), (90, 300, 2), (60, 3_000, 3), (20, 40, 2), (500, 5_000, 1)],
)
def test_the_workers_chunks_are_the_batch_in_order_and_end_together(
    first: int, worlds: int, workers: int
) -> None:
    slices = worker_chunks(first, worlds, workers, fixed=FIXED_COST_WORLDS)
    assert [len(chunks) for chunks in slices][0] == 1  # the first slice whole, on one worker
    np.testing.assert_array_equal(slices[0][0], np.arange(first))
    everything = np.concatenate([chunk for chunks in slices for chunk in chunks])
    np.testing.assert_array_equal(everything, np.arange(worlds))
    rest = slices[1]
    if workers == 1 or len(rest) < workers:
        return  # one worker, or too few worlds to give the first slice's worker more
    # Costs in worlds, a chunk costing FIXED_COST_WORLDS more than its size: the first slice's
    # worker runs it and the last chunk, every other worker one of the others.
    first_worker = 2 * FIXED_COST_WORLDS + first + rest[-1].size
    others = [FIXED_COST_WORLDS + chunk.size for chunk in rest[:-1]]
    assert max(others) - min(others) <= 1
    assert abs(first_worker - others[0]) <= workers


def test_a_batch_without_a_first_slice_is_cut_evenly() -> None:
    (chunks,) = worker_chunks(5_000, 5_000, 2)
    assert [chunk.size for chunk in chunks] == [2_500, 2_500]


def test_auto_shows_a_first_slice_only_while_whole_batches_are_slow() -> None:
    auto = Provisional()
    assert auto.first(500, 5_000) == 5_000  # no first slice to begin with
    auto.record(SLOW_BATCH_SECONDS * 10, provisional=False)  # the first: the workers' start-up
    assert not auto.on
    auto.record(SLOW_BATCH_SECONDS / 2, provisional=False)
    assert not auto.on
    auto.record(SLOW_BATCH_SECONDS * 2, provisional=False)  # slow: a first slice next time
    assert auto.on and auto.first(500, 5_000) == 500
    auto.record(SLOW_BATCH_SECONDS * 1.1, provisional=True)  # still slow with it: kept
    assert auto.on
    auto.record(SLOW_BATCH_SECONDS * 0.9, provisional=True)  # fast even with it: off again
    assert not auto.on


@pytest.mark.parametrize(("mode", "on"), [("always", True), ("never", False)])
def test_a_fixed_choice_ignores_the_times(mode: str, on: bool) -> None:
    fixed = Provisional(mode)
    for seconds, provisional in [(9.0, False), (0.1, True), (0.1, False), (9.0, True)]:
        fixed.record(seconds, provisional)
        assert fixed.on is on


def test_an_unknown_mode_is_named() -> None:
    with pytest.raises(ValueError, match="did you mean 'always'"):
        Provisional("alway")


def test_the_page_reads_its_mode_from_parley_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROVISIONAL_VARIABLE, "never")
    assert Provisional.from_environment().mode == "never"
    monkeypatch.delenv(PROVISIONAL_VARIABLE)
    assert Provisional.from_environment().mode == "auto"
