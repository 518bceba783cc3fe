"""``parley plot RESULTS``: write the figures of a sweep's results folder."""

from __future__ import annotations

from pathlib import Path

import click

from sim.cli.common import fail


@click.command("plot")
@click.argument("results", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the figures  [default: RESULTS/figures]",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["png", "svg", "pdf"]),
    default="png",
    help="Image format.",
)
@click.option(
    "--cell",
    "cells",
    type=int,
    multiple=True,
    help="Plot only this cell (repeat for several); default: all cells.",
)
def command(results: Path, out_dir: Path | None, fmt: str, cells: tuple[int, ...]) -> None:
    """Plot agreement, agreed terms, gains, timing, joint terms and drivers of a sweep."""
    from sim.analysis.results import load_results
    from sim.errors import ResultsError
    from sim.output.figures.registry import write_all_figures

    try:
        loaded = load_results(results)
        loaded.select(list(cells))
    except ResultsError as error:
        fail(f"parley plot: RESULTS: {error}")
    paths = write_all_figures(loaded, out_dir or loaded.path / "figures", fmt, cells=list(cells))
    for path in paths:
        click.echo(str(path))
