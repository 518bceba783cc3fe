"""``parley compare RESULTS_A [RESULTS_B]``: how outcomes differ between two results or cells."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from sim.cli.common import fail, out_option
from sim.scenario.limits import MAX_RESAMPLES


@click.command("compare")
@click.argument("results_a", type=click.Path(path_type=Path))
@click.argument("results_b", type=click.Path(path_type=Path), required=False)
@click.option("--cell-a", type=int, default=None, help="Cell of A (needed if A has several).")
@click.option("--cell-b", type=int, default=None, help="Cell of B (needed if B has several).")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@out_option("comparison.json and the overlay figure compare-terms.png", "none", "out_dir")
@click.option("--seed", type=int, default=0, help="Seed of the bootstrap resampling.")
@click.option(
    "--resamples",
    type=click.IntRange(min=100, max=MAX_RESAMPLES),
    default=2000,
    help="Bootstrap resamples.",
)
def command(
    results_a: Path,
    results_b: Path | None,
    cell_a: int | None,
    cell_b: int | None,
    as_json: bool,
    out_dir: Path | None,
    seed: int,
    resamples: int,
) -> None:
    """Compare B against A: P(agreement), each issue's terms, each actor's gains, the round.

    Give one RESULTS folder and both --cell-a and --cell-b to compare two cells of one sweep.
    Every difference is B − A.  Sides that share their worlds (same seed and priors: cells of
    one sweep) are compared world by world (paired: McNemar, paired differences, a paired
    bootstrap); others as independent samples, with a warning when seeds or priors differ.
    """
    from sim.analysis.compare import compare, format_comparison, pick_side
    from sim.analysis.paired import compare_paired, format_paired, sharing
    from sim.analysis.results import load_results
    from sim.errors import ResultsError
    from sim.output.figures.compare import comparison_figure

    try:
        loaded_a = load_results(results_a)
    except ResultsError as error:
        fail(f"parley compare: RESULTS_A: {error}")
    if results_b is None:
        if cell_a is None or cell_b is None:
            raise click.UsageError(
                "give RESULTS_B, or --cell-a and --cell-b to compare two cells of RESULTS_A"
            )
        loaded_b = loaded_a
    else:
        try:
            loaded_b = load_results(results_b)
        except ResultsError as error:
            fail(f"parley compare: RESULTS_B: {error}")
    try:
        side_a = pick_side(loaded_a, cell_a, "A")
    except ResultsError as error:
        fail(f"parley compare: --cell-a: {error}")
    try:
        side_b = pick_side(loaded_b, cell_b, "B")
    except ResultsError as error:
        fail(f"parley compare: --cell-b: {error}")

    from sim.io import refuse_folders, save_figure, write_text

    paired, warnings = sharing(side_a, side_b)
    if paired:
        comparison: Any = compare_paired(
            side_a, side_b, n_boot=resamples, seed=seed, warnings=warnings
        )
        shown = format_paired(comparison)
    else:
        comparison = {
            **compare(side_a, side_b, n_boot=resamples, seed=seed),
            "paired": False,
            "warnings": warnings,
        }
        shown = "\n".join([*(f"warning: {w}" for w in warnings), format_comparison(comparison)])
    text = json.dumps(comparison, indent=2)
    click.echo(text if as_json else shown)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        figure_path = out_dir / "compare-terms.png"
        refuse_folders(out_dir / "comparison.json", figure_path)
        write_text(out_dir / "comparison.json", text + "\n")
        save_figure(comparison_figure(side_a, side_b), figure_path, dpi=150)
        if not as_json:
            click.echo(f"\nwrote {out_dir / 'comparison.json'} and {figure_path}")
