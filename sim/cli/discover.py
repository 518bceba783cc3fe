"""``parley discover RESULTS --target EXPRESSION``: where in the inputs does the target hold?"""

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
from sim.cli.common import fail, out_option
from sim.scenario.limits import MAX_RUNS


@click.command("discover")
@results_argument
@click.option(
    "--target",
    required=True,
    help="Which worlds are of interest, e.g. 'agreed' or 'agreed and gain.ukraine > 0' "
    "(columns of runs.parquet; and, or, not, comparisons).",
)
@cells_option("Analyse")
@click.option(
    "--max-worlds",
    type=click.IntRange(min=100, max=MAX_RUNS),
    default=20_000,
    help="Worlds per cell PRIM and CART read (the first ones).",
)
@click.option(
    "--levers",
    is_flag=True,
    default=False,
    help="Pool the cells and add their factor values (the levers a negotiator can pull) to "
    "the inputs, so that a box can name a choice as well as assumptions.",
)
@click.option(
    "--box",
    type=click.IntRange(min=0),
    default=None,
    help="Choose this box of the peeling trajectory  [default: the best F-score]",
)
@out_option("discovery.json and discovery.png", "RESULTS", "out_dir")
def command(
    results: Path,
    target: str,
    cells: tuple[int, ...],
    max_worlds: int,
    levers: bool,
    box: int | None,
    out_dir: Path | None,
) -> None:
    """Find the region of the uncertain inputs where TARGET holds: a PRIM box and a CART tree.

    Prints each cell's box in words with its limits and quasi-p-values, and the tree's densest
    leaves; writes discovery.json (read by `parley report`) and discovery.png (the
    coverage/density trade-off and the box's limits).  Reads runs.parquet and manifest.json only.
    """
    from sim.analysis.discovery import DiscoveryInputError
    from sim.analysis.discovery_results import (
        DISCOVERY_FILE,
        discover,
        format_discovery,
        save_discovery,
    )
    from sim.analysis.targets import TargetError
    from sim.output.figures.discovery import discovery_plot

    loaded = load_or_fail("discover", results, cells)
    refuse_targets(out_dir or loaded.path, DISCOVERY_FILE, "discovery.png")
    try:
        report = discover(
            loaded, target, cells=list(cells), max_worlds=max_worlds, box=box, levers=levers
        )
    except TargetError as error:
        fail(f"parley discover: --target: {error}")
    except DiscoveryInputError as error:
        fail(f"parley discover: {error}")
    click.echo(format_discovery(report))
    write_outputs(
        out_dir or loaded.path,
        lambda folder: save_discovery(report, folder),
        discovery_plot(replace(report, name=loaded.title)),
        "discovery.png",
    )
