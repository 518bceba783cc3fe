"""Whether the page shows the odds of a first slice of its batch before those of the whole batch.

A provisional first slice (:func:`sim.app.odds.progressive_odds`) gives an answer early, but it
costs the whole batch a chunk more (its fixed cost, :data:`sim.app.split.FIXED_COST_WORLDS`)
and the server and the browser one more update, all on the cores the batch runs on.  Measured
with ``benchmarks/bench_app.py`` on two cores (the baseline, 5,000 worlds): the whole batch was
shown after 0.84 s without a first slice and after 1.06 s with one (its first slice after
0.46 s).  So ``auto``, the default, shows a first slice only where the whole batch is slow:

* it starts without one;
* a whole batch that took longer than :data:`SLOW_BATCH_SECONDS` (from the change to the odds,
  as the page waited for them) turns the first slice on;
* with it on, a whole batch that came within :data:`SLOW_BATCH_SECONDS` turns it off again.
  With the first slice the same batch takes about a quarter longer, so this leaves it on only
  where a batch without it would take more than about a second.

``always`` and ``never`` fix the choice (``parley app --provisional``).  Batches the page had
kept (:class:`sim.app.odds.OddsCache`) come at once and are not timed, nor is the server's first
batch (its workers were still starting: importing the model and loading its compiled kernels).
"""

from __future__ import annotations

import os
import threading

from sim.errors import did_you_mean

PROVISIONAL_VARIABLE = "PARLEY_APP_PROVISIONAL"
"""The environment variable ``parley app --provisional`` sets for the page."""

MODES = ("auto", "always", "never")

SLOW_BATCH_SECONDS = 1.25
"""A whole batch slower than this turns ``auto``'s first slice on; one faster turns it off."""


class Provisional:
    """The page's choice of a provisional first slice (one per server: every page runs its
    batches on the same workers)."""

    def __init__(self, mode: str = "auto") -> None:
        if mode not in MODES:
            hint = did_you_mean(mode, MODES)
            raise ValueError(
                f"provisional mode {mode!r}: expected one of {', '.join(MODES)}"
                + (f"; {hint}" if hint else "")
            )
        self.mode = mode
        self._on = mode == "always"
        self._first = True
        self._lock = threading.Lock()

    @classmethod
    def from_environment(cls) -> Provisional:
        """The mode ``parley app`` set (``auto`` when unset)."""
        return cls(os.environ.get(PROVISIONAL_VARIABLE, "auto").strip().lower() or "auto")

    @property
    def on(self) -> bool:
        """Whether the next batch shows a first slice."""
        return self._on

    def first(self, first_slice: int, worlds: int) -> int:
        """The next batch's first slice: ``first_slice`` worlds if on, else the whole batch."""
        return first_slice if self._on else worlds

    def record(self, seconds: float, provisional: bool) -> None:
        """A whole batch took ``seconds`` (with a first slice if ``provisional``)."""
        if self.mode != "auto":
            return
        with self._lock:
            if self._first:  # the workers' start-up, not the batch
                self._first = False
            elif provisional:
                self._on = seconds > SLOW_BATCH_SECONDS
            elif seconds > SLOW_BATCH_SECONDS:
                self._on = True
