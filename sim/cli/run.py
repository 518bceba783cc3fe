"""``parley run``: one negotiation (one world) of a scenario, with its trajectory."""

from __future__ import annotations

import json
from pathlib import Path

import click

from sim.cli.common import fail, out_option, whole_number_option
from sim.cli.compiling import announce_compiling
from sim.cli.completion import complete_scenarios
from sim.scenario.limits import MAX_SEED


@click.command("run")
@click.argument("scenario", shell_complete=complete_scenarios)
@whole_number_option(
    "--seed", 0, MAX_SEED, "Seed for the run's randomness [default: the scenario's seed]."
)
@whole_number_option(
    "--world",
    0,
    MAX_SEED,
    "Which world to run: world W of a sweep with the same seed has the same fate.",
    default=0,
)
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a scenario field, e.g. actors.russia.salience.territory=0.5 "
    "(repeatable; the result is validated again).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcome record as JSON on stdout.")
@out_option("record.json, trajectory.csv and trajectory.png", "results/<scenario-name>/")
def command(
    scenario: str,
    seed: int | None,
    world: int,
    assignments: tuple[str, ...],
    as_json: bool,
    out: Path | None,
) -> None:
    """Run one negotiation of SCENARIO (a YAML file or a name in scenarios/).

    Prints who agreed to what and when (or why the talks failed), each party's utility against
    its no-deal value, and writes the round-by-round trajectory as CSV and PNG.
    """
    from sim.errors import InputError
    from sim.scenario.loader import load_scenario

    try:
        loaded = load_scenario(scenario, assignments)
    except InputError as error:
        fail(error.format())

    from sim.core.runner import run_single
    from sim.output.describe import describe_record

    announce_compiling()
    run = run_single(loaded, seed=seed, world=world)
    folder = out if out is not None else Path("results") / loaded.name
    from sim.output.run_files import write_run_outputs

    written = write_run_outputs(run, folder)
    if as_json:
        click.echo(json.dumps(run.record, indent=2))
        return
    click.echo(describe_record(loaded, run.record))
    click.echo("Wrote " + ", ".join(str(path) for path in written))
