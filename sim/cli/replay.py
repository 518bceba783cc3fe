"""``parley replay``: rerun one world of a finished sweep on its own, round by round."""

from __future__ import annotations

import json
import textwrap
from dataclasses import replace
from pathlib import Path

import click

from sim.cli.common import fail
from sim.cli.compiling import announce_compiling
from sim.scenario.limits import MAX_SEED


@click.command("replay")
@click.argument("results", metavar="RESULTS", type=click.Path(path_type=Path))
@click.option(
    "--world", type=click.IntRange(min=0, max=MAX_SEED), required=True, help="The world to rerun."
)
@click.option(
    "--cell",
    type=click.IntRange(min=0),
    default=None,
    help="The cell (needed when the sweep has more than one).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    default=False,
    help="Print the world's outcome record as JSON (the same as its row in runs.parquet).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write record.json, trajectory.csv and trajectory.png into this folder.",
)
def command(results: Path, world: int, cell: int | None, as_json: bool, out: Path | None) -> None:
    """Rerun world WORLD of the sweep whose results folder is RESULTS.

    The experiment, the scenarios and the seed come from RESULTS/manifest.json; the world's
    uncertain parameters are sampled again from their counter-based streams, so the replay ends
    exactly as the world's row in runs.parquet, and shows how it got there.  Exit status 2 for
    bad input.
    """
    from sim.errors import SweepError
    from sim.sweep.replay import replay_world

    try:
        replay = replay_world(results, world, cell)
    except SweepError as error:
        fail(f"parley replay: {error}")

    from sim.core.runner import run_single
    from sim.output.describe import describe_record
    from sim.output.run_files import write_run_outputs

    if replay.code_changed:
        click.echo(
            "note: the model's code changed since this sweep ran; the replay may not match its "
            "row in runs.parquet",
            err=True,
        )
    announce_compiling()
    run = run_single(
        replay.scenario, seed=replay.seed, world=replay.model_world, overrides=replay.overrides()
    )
    run = replace(run, record={**run.record, "world": replay.world})
    written: list[Path] = []
    if out is not None:
        title = f"{replay.experiment.name}: cell {replay.cell.index}, world {replay.world}"
        written = write_run_outputs(run, out, title=title)
    if as_json:
        click.echo(json.dumps(run.record, indent=2))
        return
    click.echo(
        f"{replay.experiment.name}, cell {replay.cell.index} ({replay.cell.label}), "
        f"world {replay.world}, seed {replay.seed}"
    )
    sampled = replay.parameters()
    if sampled:
        shown = ", ".join(
            f"{name.removeprefix('param.')}={value:.4g}" for name, value in sampled.items()
        )
        click.echo(textwrap.fill(f"sampled: {shown}", width=100, subsequent_indent="  ") + "\n")
    click.echo(describe_record(replay.scenario, run.record))
    if written:
        click.echo("Wrote " + ", ".join(str(path) for path in written))
