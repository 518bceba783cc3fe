"""The odds card's figures: drawn in the page's worker processes, the same PNGs as drawn here."""

from __future__ import annotations

import base64

import pytest

from sim.app.odds import batch_odds
from sim.app.odds_figures import _drawn_unless_superseded, figure_png, odds_pngs
from sim.app.pool import BatchCancelled, shared_pool
from sim.app.settings import Settings


def test_the_workers_draw_the_figures_the_server_would() -> None:
    odds = batch_odds(Settings.load("alaska-summit").current, 300)
    assert odds.summary["agreed"]  # so the terms figure is drawn too
    drawn = odds_pngs(odds, shared_pool(2))
    assert [cls for cls, _ in drawn] == ["parley-terms", "parley-gains"]
    assert drawn == odds_pngs(odds, None)
    for _, png in drawn:
        assert base64.b64decode(png).startswith(b"\x89PNG")


def test_an_unknown_figure_is_refused() -> None:
    odds = batch_odds(Settings.load("alaska-summit").current, 20)
    with pytest.raises(KeyError):
        figure_png("joint", odds.records, odds.scenario)


def test_a_newer_batch_of_the_page_cancels_figures_not_yet_drawn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    odds = batch_odds(Settings.load("alaska-summit").current, 60)
    pool = shared_pool(2)
    stale = pool.begin("figures page")
    pool.begin("figures page")  # the page's next change
    assert (
        pool.run(_drawn_unless_superseded, stale, "gains", odds.records, odds.scenario).result()
        is None
    )
    monkeypatch.setattr(pool, "ticket", lambda session: stale)
    with pytest.raises(BatchCancelled):
        odds_pngs(odds, pool, "figures page")
    monkeypatch.undo()
    assert pool.ticket("figures page") == (stale[0], stale[1] + 1)
    assert pool.ticket("a page that never ran a batch") is None
    assert [cls for cls, _ in odds_pngs(odds, pool, "figures page")][-1] == "parley-gains"
