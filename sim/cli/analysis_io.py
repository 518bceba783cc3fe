"""What the commands reading a results folder (``plot``, ``report``, ``sensitivity``,
``discover``) share: the RESULTS argument, the ``--cell`` option, reading the folder (exit 2 with
the reason), and writing the saved analysis with its figure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sim.cli.common import fail

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.analysis.results import Results


results_argument = click.argument("results", type=click.Path(path_type=Path))
"""RESULTS: a results folder written by ``parley sweep``."""


def cells_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--cell C`` (repeatable): which cells to analyse (default all)."""
    return click.option(
        "--cell",
        "cells",
        type=int,
        multiple=True,
        help=f"{what} only this cell (repeat for several); default: all cells.",
    )


def load_or_fail(command: str, results: Path, cells: Sequence[int]) -> Results:
    """The results folder with the chosen cells checked; exit 2 with the reason if unusable."""
    from sim.analysis.results import load_results
    from sim.errors import ResultsError

    try:
        loaded = load_results(results)
        loaded.select(list(cells))
    except ResultsError as error:
        fail(f"parley {command}: RESULTS: {error}")
    return loaded


def refuse_targets(folder: Path, *names: str) -> None:
    """Stop (exit 2 through the CLI's file-error handling) before a long analysis if one of its
    output files in ``folder`` is a folder, so that nothing is computed or written for nothing."""
    from sim.io import refuse_folders

    refuse_folders(*(folder / name for name in names))


def write_outputs(
    folder: Path, save: Callable[[Path], Path], figure: Figure, figure_name: str
) -> None:
    """Save the analysis (``save(folder)``) and its figure, and say where they went."""
    from sim.io import refuse_folders, save_figure

    folder.mkdir(parents=True, exist_ok=True)
    refuse_folders(folder / figure_name)  # before the analysis is written beside it
    written = [save(folder), save_figure(figure, folder / figure_name)]
    click.echo("\nWrote " + ", ".join(str(p) for p in written))
