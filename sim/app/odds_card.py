"""The page's odds card (Solara component): a live batch of worlds of the current settings.

When a control moves, the card first shows the odds of the batch's first slice of worlds,
marked provisional with its own (wider) 95% interval, then those of the whole batch
(:func:`sim.app.odds.progressive_odds`); the figures follow for the whole batch only, drawn in
their own task so they never delay the numbers.  CSS classes named ``parley-*`` are what the
browser test looks for.
"""

from __future__ import annotations

from collections.abc import Iterator

import solara
import solara.lab

from sim.app.cards import ERROR_STYLE, image, table, text
from sim.app.live import ODDS_CACHE, ODDS_WORKERS, odds_pool, page_batch, take_batch
from sim.app.odds import BATCH_WORLDS, Odds
from sim.app.odds_figures import odds_pngs
from sim.app.pool import BatchCancelled
from sim.scenario.schema import Scenario

__all__ = ["ODDS_CACHE", "ODDS_WORKERS", "OddsCard", "OddsFigures", "OddsNumbers", "odds_pool"]

RESTARTS = 3
"""Times a task whose batch was cancelled by a racing start (not by newer settings) restarts it."""


PROVISIONAL_STYLE = "color: #6d6d6d"


@solara.component
def OddsCard(scenario: Scenario) -> None:
    """P(agreement), the agreed terms and each actor's gain over a live batch of worlds.

    The batch runs in a threaded task (``solara.lab.use_task``): its first slice is put in a
    reactive value the moment it is summarised, and the whole batch is the task's result.  A
    newer change starts a newer task, whose batch cancels this one's remaining slices; while it
    runs, the last numbers stay shown.
    """
    page = solara.get_kernel_id()  # each open page cancels only its own stale batches
    first_slice: solara.Reactive[Odds | None] = solara.use_reactive(None)

    def run() -> Odds:
        steps = take_batch(scenario, page)  # started by the change handler, before this render
        if steps is None:
            steps = page_batch(scenario, page)
        for _ in range(RESTARTS):
            try:
                return shown_steps(steps)
            except BatchCancelled:
                if not task.is_current():
                    raise  # newer settings' task supersedes this one (its error is not shown)
            # a stale task's start cancelled this batch: this page still wants it
            steps = page_batch(scenario, page)
        return shown_steps(steps)

    def shown_steps(steps: Iterator[Odds]) -> Odds:
        odds = next(steps)
        while odds.provisional:
            if task.is_current():  # a stale task's slice must not replace a newer one
                first_slice.value = odds
            odds = next(steps)
        return odds

    task = solara.lab.use_task(run, dependencies=[scenario], prefer_threaded=True)
    with solara.Card(f"The odds: {BATCH_WORLDS:,} worlds of these settings", margin=0):
        if task.error:
            text(f"The batch could not run: {task.exception}", style=ERROR_STYLE)
            return
        # A still line, not an animated bar: the animation kept the browser busy (about 0.2 s
        # of CPU a change, measured with benchmarks/bench_app.py) on the cores the batch needs.
        text(
            f"Running {BATCH_WORLDS:,} worlds of these settings…" if task.pending else "",
            cls="parley-running",
            style="font-size: 0.85em; min-height: 1.3em; " + PROVISIONAL_STYLE,
        )
        complete: Odds | None = task.latest
        early = first_slice.value
        shown = complete
        if task.pending and early is not None and early.scenario == scenario:
            shown = early
        if shown is None:
            return
        OddsNumbers(shown)  # a component of its own: the figures keep their place (and task)
        if complete is not None:
            OddsFigures(complete, stale=shown is not complete or task.pending)


@solara.component
def OddsNumbers(odds: Odds) -> None:
    """The headline, the funnel, how talks ended, the agreed terms and the gains of ``odds``."""
    summary = odds.summary
    headline_style = "font-size: 1.5em; font-weight: bold"
    if odds.provisional:
        headline_style += "; " + PROVISIONAL_STYLE
    text(odds.headline, cls="parley-p-agreement", style=headline_style)
    if odds.provisional:
        text(
            f"Provisional: the first {odds.worlds:,} of the {odds.batch_worlds:,} worlds, "
            "with their own (wider) 95% interval; the whole batch follows.",
            cls="parley-provisional",
            style="font-size: 0.9em; font-style: italic; " + PROVISIONAL_STYLE,
        )
    reasons = ", ".join(
        f"{reason} {100 * share:.1f}%" for reason, share in summary["end_reasons"].items()
    )
    text(f"95% interval in brackets. How talks ended: {reasons}.", style="font-size: 0.9em")
    if odds.funnel:
        with solara.Row(classes=["parley-funnel"], style={"gap": "18px", "flex-wrap": "wrap"}):
            for stage, shown in odds.funnel:
                text(shown, cls=f"parley-p-{stage}", style="font-weight: bold")
        text(
            "A deal is signed at the table, ratified at home by every ratifier, and durable "
            "if no one reneges through the implementation phase.",
            style="font-size: 0.85em",
        )
    table(
        ["issue", "agreed: median", "5–95%"],
        [
            [issue, _optional(t["median"]), f"{_optional(t['p05'])}–{_optional(t['p95'])}"]
            for issue, t in summary["terms"].items()
        ],
        "parley-odds-terms",
    )
    table(
        ["actor", "mean gain", "mean gain if agreed"],
        [
            [actor, _optional(g["mean"], "+.3f"), _optional(g["mean_if_agreed"], "+.3f")]
            for actor, g in summary["gains"].items()
        ],
        "parley-odds-gains",
    )


def _optional(value: float | None, spec: str = ".2f") -> str:
    return "–" if value is None else format(value, spec)


@solara.component
def OddsFigures(odds: Odds, stale: bool = False) -> None:
    """The agreed-terms and gains figures of ``parley plot``, drawn for a whole batch (faded
    while ``stale``: the numbers above are of newer settings or of a first slice)."""
    page = solara.get_kernel_id()
    # A newer batch of the page that began first cancels the drawing (the task's error), and
    # the figures shown stay (its latest value), faded.
    task = solara.lab.use_task(
        lambda: odds_pngs(odds, odds_pool(), page), dependencies=[odds], prefer_threaded=True
    )
    images = task.latest
    if images is None:
        return
    style = "opacity: 0.5" if task.pending or stale else ""
    with solara.Column(style=style):
        for cls, png in images:
            image(png, cls)
