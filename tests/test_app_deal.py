"""The page's batch in worker processes (same records, a stale batch cancelled), the odds'
deal funnel, and the stepped world's signing, verdicts and implementation phase."""

from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd
import pytest

from sim.app.odds import OddsCache, batch_odds
from sim.app.pool import BatchCancelled, OddsPool
from sim.app.settings import Settings
from sim.app.state import OneNegotiation
from sim.core.records import DURABLE, RATIFIED, RENEGED_BY, SIGNED
from sim.core.runner import run_batch, run_single

WORLDS = 200


@pytest.fixture(scope="module")
def baseline() -> Settings:
    return Settings.load("alaska-summit")


@pytest.fixture(scope="module")
def pool() -> OddsPool:
    return OddsPool(2)


def test_the_pool_gives_the_single_process_records(baseline: Settings, pool: OddsPool) -> None:
    alone = batch_odds(baseline.current, WORLDS)
    split = batch_odds(baseline.current, WORLDS, pool=pool, session="a")
    pd.testing.assert_frame_equal(alone.records, split.records)
    assert split.summary == alone.summary


def test_a_newer_batch_cancels_the_stale_one(baseline: Settings, pool: OddsPool) -> None:
    stale: list[BaseException] = []

    def first() -> None:
        try:
            batch_odds(baseline.current, 4_000, pool=pool, session="b")
        except BatchCancelled as error:
            stale.append(error)

    thread = threading.Thread(target=first)
    thread.start()
    slot = None
    while slot is None:  # wait until the first batch is in the workers
        slot = pool._slots.get("b")  # noqa: SLF001
        time.sleep(0.01)
    changed = baseline.with_typed("protocol.breakdown_probability", "0.05").current
    newer = batch_odds(changed, WORLDS, pool=pool, session="b")
    thread.join()
    assert len(stale) == 1, "the stale batch ran to the end"
    pd.testing.assert_frame_equal(newer.records, batch_odds(changed, WORLDS).records)
    # Another session's batch is not cancelled by this one's.
    other = batch_odds(changed, 50, pool=pool, session="c")
    assert len(other.records) == 50


def test_the_odds_show_the_deal_funnel(baseline: Settings) -> None:
    odds = batch_odds(baseline.current, WORLDS)
    columns = run_batch(baseline.current, np.arange(WORLDS))
    shown = dict(odds.funnel)
    assert list(shown) == [SIGNED, RATIFIED, DURABLE]
    for stage in shown:
        share = 100 * float(np.mean(columns[stage]))
        assert shown[stage].startswith(f"P({stage}) = {share:.1f}% [")
    assert batch_odds(Settings.load("textbook/rubinstein").current, 20).funnel != []


def play(settings: Settings, world: int) -> OneNegotiation:
    model = OneNegotiation(lambda: settings.current, world)
    while model.running:
        model.step()
    return model


def test_the_stepped_world_shows_who_ratified_and_who_reneged(baseline: Settings) -> None:
    """The step view's signing and implementation are the ones ``parley run --world`` records."""
    found = {"rejected": False, "durable": False, "collapsed": False}
    fragile = baseline
    for actor in baseline.base.actors:  # no cost of reneging: some deals collapse
        fragile = fragile.with_typed(f"implementation.reneging_cost.{actor}", "0")
    for settings in (baseline, fragile):
        # On 0.4.3 and 0.4.4 world 31 signs a deal rejected at home and world 20 one that collapses.
        for world in range(40):
            if found["rejected"] and found["durable" if settings is baseline else "collapsed"]:
                break
            model = play(settings, world)
            record = run_single(settings.current, world=world).record
            assert bool(model.signings) == bool(record[SIGNED])
            if not model.signings:
                assert model.implementation is None
                continue
            signing = model.signings[-1]
            assert signing.ratified == bool(record[RATIFIED])
            assert "+".join(v.ratifier for v in signing.verdicts if not v.approved) == (
                record["rejected_by"] or ""
            )
            assert all(0.0 <= v.p_approve <= 1.0 for v in signing.verdicts)
            phase = model.implementation
            if not signing.ratified:
                found["rejected"] = True
                assert phase is None
                continue
            assert phase is not None
            assert phase.durable == bool(record[DURABLE])
            names = {k: a.name for k, a in settings.current.actors.items()}
            assert phase.reneged_by == tuple(
                names[k] for k in str(record[RENEGED_BY] or "").split("+") if k
            )
            found["durable" if phase.durable else "collapsed"] = True
    assert all(found.values()), found


def test_the_page_keeps_its_last_batches(baseline: Settings) -> None:
    cache = OddsCache(size=2)
    first = cache.odds(baseline.current, 50)
    assert cache.odds(Settings.load("alaska-summit").current, 50) is first  # equal settings
    moved = baseline.with_typed("protocol.breakdown_probability", "0.05")
    second = cache.odds(moved.current, 50)
    assert second is not first
    assert second.p_agreement == batch_odds(moved.current, 50).p_agreement
    cache.odds(baseline.with_typed("protocol.breakdown_probability", "0.06").current, 50)
    assert cache.odds(baseline.current, 50) is not first  # the oldest was dropped
