"""``parley plot RESULTS``: write the figures of a sweep's results folder."""

from __future__ import annotations

from pathlib import Path

import click

from sim.cli.analysis_io import cells_option, load_or_fail, results_argument
from sim.cli.common import Choice, fail, out_option
from sim.output.figure_kinds import FIGURE_NAMES


@click.command("plot")
@results_argument
@out_option("the figures", "RESULTS/figures", "out_dir")
@click.option(
    "--format",
    "fmt",
    type=Choice(["png", "svg", "pdf"]),
    default="png",
    help="Image format.",
)
@cells_option("Plot")
@click.option(
    "--kind",
    "kinds",
    type=Choice(FIGURE_NAMES),
    multiple=True,
    help="Draw only this figure (repeat for several); default: every figure that applies.",
)
def command(
    results: Path, out_dir: Path | None, fmt: str, cells: tuple[int, ...], kinds: tuple[str, ...]
) -> None:
    """Plot agreement, convergence, agreed terms, gains, the utility scatter, timing, joint
    terms, drivers and the fan chart over rounds of a sweep."""
    from sim.errors import ResultsError
    from sim.output.figures.registry import write_all_figures

    loaded = load_or_fail("plot", results, cells)
    folder = out_dir or loaded.path / "figures"
    try:
        paths = write_all_figures(loaded, folder, fmt, cells=list(cells), kinds=list(kinds))
    except ResultsError as error:
        fail(f"parley plot: RESULTS: {error}")
    for path in paths:
        click.echo(str(path))
