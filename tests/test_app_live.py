"""The page's batch started by the change handler, before the page re-renders (issue 14).

A change queues the new settings' batch on the workers at once (cancelling the stale one); the
odds card's task, started after the re-render, takes that batch instead of starting another.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import solara

import sim.app.provisional
from sim.app import live, state
from sim.app.odds import Odds, batch_odds, progressive_odds
from sim.app.pool import BatchCancelled, shared_pool
from sim.app.provisional import Provisional
from sim.app.settings import Settings
from sim.scenario.schema import Scenario

pytest.importorskip("solara")


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return Settings.load("alaska-summit").current


def moved(scenario: Scenario, risk: float) -> Scenario:
    protocol = scenario.protocol.model_copy(update={"breakdown_probability": risk})
    return scenario.model_copy(update={"protocol": protocol})


def test_a_batch_is_queued_when_started_not_at_its_first_step(baseline: Scenario) -> None:
    pool = shared_pool(2)
    stale = progressive_odds(baseline, 300, first=100, pool=pool, session="starting")
    newer = progressive_odds(moved(baseline, 0.05), 300, first=100, pool=pool, session="starting")
    # The stale batch was never stepped: the newer one, started meanwhile, still cancels it.
    with pytest.raises(BatchCancelled):
        next(stale)
    steps = list(newer)
    assert [step.worlds for step in steps] == [100, 300]
    whole = batch_odds(moved(baseline, 0.05), 300)
    assert json.dumps(steps[-1].summary, sort_keys=True) == json.dumps(
        whole.summary, sort_keys=True
    )


def test_the_card_takes_the_started_batch_of_its_settings(
    baseline: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "PROVISIONAL", Provisional("always"))
    scenario = moved(baseline, 0.031)
    started = live.start_batch(scenario, "taking", 200, first_slice=50)
    assert live.take_batch(scenario, "taking") is started
    assert [step.worlds for step in started] == [50, 200]
    assert live.take_batch(scenario, "taking") is None  # taken once only
    live.start_batch(moved(baseline, 0.032), "taking", 200, first_slice=50)
    assert live.take_batch(scenario, "taking") is None  # other settings': the card starts its own


def test_the_page_times_its_batches_for_the_first_slice(
    baseline: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    provisional = Provisional()
    monkeypatch.setattr(live, "PROVISIONAL", provisional)
    monkeypatch.setattr(sim.app.provisional, "SLOW_BATCH_SECONDS", 0.0)  # every batch is slow
    assert [step.worlds for step in live.page_batch(baseline, "timing", 120, 40)] == [120]
    assert not provisional.on  # the first batch is the workers' start-up: not timed
    scenario = moved(baseline, 0.033)
    assert [step.worlds for step in live.page_batch(scenario, "timing", 120, 40)] == [120]
    assert provisional.on  # that batch was slow: the next shows a first slice
    steps = live.page_batch(moved(baseline, 0.034), "timing", 120, 40)
    assert [step.worlds for step in steps] == [40, 120]
    # A batch the page had kept comes at once and is not timed.
    monkeypatch.setattr(sim.app.provisional, "SLOW_BATCH_SECONDS", 1e9)
    assert [step.worlds for step in live.page_batch(scenario, "timing", 120, 40)] == [120]
    assert provisional.on


def test_a_change_starts_its_batch_before_the_page_re_renders(
    baseline: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    state.load("alaska-summit")
    seen: list[tuple[Scenario, Scenario | None]] = []

    def start(scenario: Scenario, session: str) -> Iterator[Odds]:
        shown = state.settings_state.value
        seen.append((scenario, None if shown is None else shown.current))
        assert session == "a page"
        return iter([])

    monkeypatch.setattr(live.solara, "get_kernel_id", lambda: "a page")
    monkeypatch.setattr(live, "start_batch", start)
    state.apply_change(
        lambda s: s.with_typed("protocol.breakdown_probability", "0.04"),
        "protocol.breakdown_probability",
    )
    # Started with the new settings while the page's state (what renders) was still the old.
    assert seen == [(moved(baseline, 0.04), baseline)]
    assert state.settings().current == moved(baseline, 0.04)
    # The same settings again, or a refused value: no batch (the running one is the page's).
    state.apply_change(
        lambda s: s.with_typed("protocol.breakdown_probability", "0.04"),
        "protocol.breakdown_probability",
    )
    state.apply_change(
        lambda s: s.with_typed("protocol.breakdown_probability", "-1"),
        "protocol.breakdown_probability",
    )
    assert len(seen) == 1


def test_a_failed_early_start_is_logged_and_the_change_applied(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    state.load("alaska-summit")

    def broken(scenario: Scenario, session: str) -> Iterator[Odds]:
        raise RuntimeError("no workers")

    monkeypatch.setattr(live.solara, "get_kernel_id", lambda: "a page")
    monkeypatch.setattr(live, "start_batch", broken)
    state.apply_change(
        lambda s: s.with_typed("protocol.breakdown_probability", "0.04"),
        "protocol.breakdown_probability",
    )
    assert "starting the batch early failed" in caplog.text
    assert state.settings().changes == {"protocol.breakdown_probability": 0.04}
    assert state.refusals.value == {}


def test_outside_a_page_a_change_starts_no_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    state.load("alaska-summit")
    monkeypatch.setattr(live, "start_batch", lambda *args: pytest.fail("started"))
    state.apply_change(
        lambda s: s.with_typed("protocol.breakdown_probability", "0.04"),
        "protocol.breakdown_probability",
    )
    assert state.settings().changes == {"protocol.breakdown_probability": 0.04}


def test_a_closed_page_drops_and_cancels_its_started_batch(
    baseline: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch a change handler started for a page that then closed is neither kept (it was
    kept forever before) nor run on: Solara's kernel shutdown ends the session."""
    monkeypatch.setattr(solara, "get_kernel_id", lambda: "closing")
    cleanup = live.page_opened()
    scenario = moved(baseline, 0.033)
    started = live.start_batch(scenario, "closing", 300, first_slice=100)
    assert "closing" in live._started
    cleanup()  # the tab disconnected
    assert "closing" not in live._started
    assert live.take_batch(scenario, "closing") is None
    with pytest.raises(BatchCancelled):  # its queued slices stop between rounds
        next(started)


def test_a_closed_pages_slot_is_reused_without_colliding() -> None:
    """Slots (the workers' cancellation counters) of closed pages go to new pages first; a
    new page never shares the slot of an open one."""
    pool = shared_pool(2)
    first, second = pool.begin("slot-a"), pool.begin("slot-b")
    pool.end("slot-a")
    third = pool.begin("slot-c")
    assert third[0] == first[0] != second[0]
    assert pool.begin("slot-b")[0] == second[0]  # the open page keeps its own
    pool.end("slot-never-opened")  # ending an unknown session does nothing
