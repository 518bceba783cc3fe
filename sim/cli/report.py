"""``parley report RESULTS``: one self-contained HTML report of a sweep."""

from __future__ import annotations

from pathlib import Path

import click

from sim.cli.common import fail


@click.command("report")
@click.argument("results", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="HTML file to write  [default: RESULTS/report.html]",
)
@click.option(
    "--cell",
    "cells",
    type=int,
    multiple=True,
    help="Report only this cell (repeat for several); default: all cells.",
)
def command(results: Path, out_file: Path | None, cells: tuple[int, ...]) -> None:
    """Write an HTML report: question, scenarios and evidence, summary, figures, manifest."""
    from sim.analysis.results import load_results
    from sim.errors import ResultsError
    from sim.output.report import write_report

    try:
        loaded = load_results(results)
        loaded.select(list(cells))
    except ResultsError as error:
        fail(f"parley report: RESULTS: {error}")
    path = write_report(loaded, out_file, cells=list(cells))
    click.echo(str(path))
