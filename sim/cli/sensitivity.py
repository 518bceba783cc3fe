"""``parley sensitivity RESULTS``: which uncertain inputs decide an outcome, per cell."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from sim.cli.analysis_io import (
    cells_option,
    load_or_fail,
    refuse_targets,
    results_argument,
    write_outputs,
)
from sim.cli.common import Choice, fail, out_option
from sim.scenario.limits import MAX_SHOWN


@click.command("sensitivity")
@results_argument
@click.option(
    "--outcome",
    "outcomes",
    multiple=True,
    default=("agreed",),
    help="Outcome column to explain (repeat for several): agreed, round, term.ISSUE, "
    "gain.ACTOR, ... any number column of runs.parquet.",
)
@click.option(
    "--method",
    type=Choice(["sobol", "morris", "pawn"]),
    default=None,
    help="Sobol' indices (design: sobol), Morris screening (design: morris) or the "
    "distribution-free PAWN index (any sweep)  [default: follows the sweep's design]",
)
@cells_option("Analyse")
@click.option(
    "--top", type=click.IntRange(min=1, max=MAX_SHOWN), default=10, help="Inputs shown per table."
)
@out_option("sensitivity.json and sensitivity.png", "RESULTS", "out_dir")
def command(
    results: Path,
    outcomes: tuple[str, ...],
    method: str | None,
    cells: tuple[int, ...],
    top: int,
    out_dir: Path | None,
) -> None:
    """Rank the uncertain inputs of a sweep by how much they decide each outcome.

    Writes a table per cell and outcome, sensitivity.json (read by `parley report`) and
    sensitivity.png (ranked bars with their intervals).  A salience table sampled from a
    Dirichlet is one input.  Reads runs.parquet and manifest.json only.
    """
    from sim.analysis.sensitivity import SensitivityInputError
    from sim.analysis.sensitivity_results import (
        SENSITIVITY_FILE,
        analyse,
        format_sensitivity,
        save_sensitivity,
    )
    from sim.output.figures.sensitivity import sensitivity_plot

    loaded = load_or_fail("sensitivity", results, cells)
    refuse_targets(out_dir or loaded.path, SENSITIVITY_FILE, "sensitivity.png")
    try:
        report = analyse(loaded, outcomes, method=method, cells=list(cells))  # type: ignore[arg-type]
    except SensitivityInputError as error:
        named = any(str(error).startswith(f"{outcome} ") for outcome in outcomes)
        hint = "--outcome" if named or "outcome column" in str(error) else "--method/RESULTS"
        fail(f"parley sensitivity: {hint}: {error}")
    click.echo(format_sensitivity(report, top=top))
    write_outputs(
        out_dir or loaded.path,
        lambda folder: save_sensitivity(report, folder),
        sensitivity_plot(replace(report, name=loaded.title), top=top),
        "sensitivity.png",
    )
