"""The odds card's figures: the agreed terms and the gains of a whole batch, as PNGs.

Drawn in the page's worker processes, each figure in its own, at the same time: the workers are
idle once the batch is done, and the server then only passes the PNGs on.  Drawn in the server
one after the other they took 0.47 s of its CPU (the terms 0.38 s, most of it matplotlib's
text and its constrained layout), under its lock on Python, while it also served the page.
A figure not yet begun when a newer batch of its page starts is not drawn (the workers take
the newer batch's chunks instead), and the page keeps the figures it shows.
"""

from __future__ import annotations

from concurrent.futures import Future

import pandas as pd

from sim.app.odds import Odds
from sim.app.pool import BatchCancelled, OddsPool, superseded
from sim.output.figures.gains import gains_plot
from sim.output.figures.terms import terms_plot
from sim.output.report import figure_png_base64
from sim.scenario.schema import Scenario

FIGURE_DPI = 72
"""The page's figures' resolution (they are scaled to the card's width)."""


def figure_png(kind: str, records: pd.DataFrame, scenario: Scenario) -> str:
    """The ``terms`` or ``gains`` figure of ``parley plot`` of a live batch, as a base64 PNG."""
    plot = {"terms": terms_plot, "gains": gains_plot}[kind]
    return figure_png_base64(plot(records, scenario, name="live batch"), dpi=FIGURE_DPI)


def _drawn_unless_superseded(
    ticket: tuple[int, int] | None, kind: str, records: pd.DataFrame, scenario: Scenario
) -> str | None:
    """In a worker: :func:`figure_png`, or None if a newer batch than ``ticket`` has begun."""
    if ticket is not None and superseded(*ticket):
        return None
    return figure_png(kind, records, scenario)


def odds_pngs(odds: Odds, pool: OddsPool | None, session: str = "") -> list[tuple[str, str]]:
    """``(CSS class, base64 PNG)`` of the batch's figures: the agreed terms (where any world
    agreed) and the gains, drawn on ``pool``'s workers at once (here without one).  Raises
    :class:`~sim.app.pool.BatchCancelled` if page ``session`` started a newer batch before the
    workers began them."""
    kinds = (["terms"] if odds.summary["agreed"] else []) + ["gains"]
    if pool is None:
        return [(f"parley-{kind}", figure_png(kind, odds.records, odds.scenario)) for kind in kinds]
    ticket = pool.ticket(session)
    drawing: list[Future[str | None]] = [
        pool.run(_drawn_unless_superseded, ticket, kind, odds.records, odds.scenario)
        for kind in kinds
    ]
    pngs = [future.result() for future in drawing]
    if any(png is None for png in pngs):
        raise BatchCancelled("a newer batch of the page began before its figures were drawn")
    return [(f"parley-{kind}", png) for kind, png in zip(kinds, pngs, strict=True) if png]
