"""``parley validate``: check scenario and experiment files, reporting every problem."""

from __future__ import annotations

from pathlib import Path

import click

from sim.cli.common import fail
from sim.cli.completion import complete_files
from sim.errors import InputError
from sim.scenario.discovery import find_scenario
from sim.scenario.loader import load_resolved
from sim.scenario.yaml_source import read_yaml

EXPERIMENT_KEYS = ("scenario", "uncertainty")


def check_file(name_or_path: str, *, strict: bool = False) -> str:
    """Validate one scenario or experiment file; return a one-line summary of what it holds.

    A file with a top-level ``scenario:`` or ``uncertainty:`` key is an experiment and is
    checked by :func:`sim.experiment.loader.load_experiment`.  Raises :class:`InputError` with every
    problem found.
    """
    path = Path(name_or_path)
    if path.is_file():
        data, _ = read_yaml(path)
        if any(key in data for key in EXPERIMENT_KEYS):
            return _check_experiment(path)
    elif find_scenario(name_or_path)[0] is None:
        from sim.experiment.loader import resolve_experiment_path

        try:
            return _check_experiment(resolve_experiment_path(name_or_path))
        except InputError:
            pass  # neither: report the missing scenario below
    resolved = load_resolved(name_or_path, strict=strict)
    scenario = resolved.scenario
    actors = len(scenario.actors)
    issues = len(scenario.issues)
    return (
        f"scenario '{scenario.name}': {actors} actor{'s' * (actors != 1)}, "
        f"{issues} issue{'s' * (issues != 1)}"
    )


def _check_experiment(path: Path) -> str:
    from sim.experiment.loader import load_experiment

    experiment = load_experiment(path)
    name = getattr(experiment, "name", None)
    return f"experiment '{name}'" if name else "experiment"


@click.command("validate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...", shell_complete=complete_files)
@click.option(
    "--strict",
    is_flag=True,
    default=False,
    help="Also fail on any number set in a scenario (actor, issue, protocol or dynamics "
    "parameter) that has no entry in its 'evidence' map.",
)
def command(files: tuple[str, ...], strict: bool) -> None:
    """Check scenario and experiment files and report every problem with file, line and field.

    FILE is a path or a scenario name (alaska-summit means scenarios/alaska-summit.yaml).
    Prints "OK  FILE  (summary)" for each valid file and the problems of the others on
    stderr.  Exit status 0 if every file is valid, 2 otherwise.
    """
    failed = 0
    for name in files:
        try:
            summary = check_file(name, strict=strict)
        except InputError as error:
            failed += 1
            click.echo(error.format(), err=True)
        else:
            click.echo(f"OK  {name}  ({summary})")
    if failed:
        fail(f"{failed} of {len(files)} file{'s' * (len(files) != 1)} invalid")
