"""The odds card's figures: the agreed terms and the gains of a whole batch, as PNGs.

Drawn in the page's worker processes, each figure in its own, at the same time: the workers are
idle once the batch is done, and the server then only passes the PNGs on.  Drawn in the server
one after the other they took 0.47 s of its CPU (the terms 0.38 s, most of it matplotlib's
text and its constrained layout), under its lock on Python, while it also served the page.
"""

from __future__ import annotations

from concurrent.futures import Future

import pandas as pd

from sim.app.odds import Odds, OddsPool
from sim.scenario.schema import Scenario

FIGURE_DPI = 72
"""The page's figures' resolution (they are scaled to the card's width)."""


def figure_png(kind: str, records: pd.DataFrame, scenario: Scenario) -> str:
    """The ``terms`` or ``gains`` figure of ``parley plot`` of a live batch, as a base64 PNG."""
    from sim.output.figures.gains import gains_plot
    from sim.output.figures.terms import terms_plot
    from sim.output.report import figure_png_base64

    plot = {"terms": terms_plot, "gains": gains_plot}[kind]
    return figure_png_base64(plot(records, scenario, name="live batch"), dpi=FIGURE_DPI)


def odds_pngs(odds: Odds, pool: OddsPool | None) -> list[tuple[str, str]]:
    """``(CSS class, base64 PNG)`` of the batch's figures: the agreed terms (where any world
    agreed) and the gains, drawn on ``pool``'s workers at once (here without one)."""
    kinds = (["terms"] if odds.summary["agreed"] else []) + ["gains"]
    if pool is None:
        return [(f"parley-{kind}", figure_png(kind, odds.records, odds.scenario)) for kind in kinds]
    drawing: list[Future[str]] = [
        pool.run(figure_png, kind, odds.records, odds.scenario) for kind in kinds
    ]
    return [
        (f"parley-{kind}", future.result()) for kind, future in zip(kinds, drawing, strict=True)
    ]
