"""The names of the figures of a results folder (``parley plot --kind``), without importing
matplotlib: the command line lists them before any figure is drawn."""

from __future__ import annotations

FIGURE_NAMES = (
    "agreement",
    "convergence",
    "terms",
    "gains",
    "scatter",
    "timing",
    "joint",
    "drivers",
    "fan",
)
"""Every figure kind, in the order ``parley plot`` writes them."""
