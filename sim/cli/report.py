"""``parley report RESULTS``: one self-contained HTML report of a sweep."""

from __future__ import annotations

from pathlib import Path

import click

from sim.cli.analysis_io import cells_option, load_or_fail, results_argument
from sim.cli.common import fail


@click.command("report")
@results_argument
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="HTML file to write  [default: RESULTS/report.html]",
)
@cells_option("Report")
def command(results: Path, out_file: Path | None, cells: tuple[int, ...]) -> None:
    """Write an HTML report: question, scenarios and evidence, summary, figures, manifest."""
    from sim.errors import ResultsError
    from sim.output.report import write_report

    loaded = load_or_fail("report", results, cells)
    try:
        path = write_report(loaded, out_file, cells=list(cells))
    except ResultsError as error:  # a damaged rounds.parquet, or a saved analysis beside it
        fail(f"parley report: RESULTS: {error}")
    click.echo(str(path))
