"""``parley show``: the fully resolved scenario as YAML, each value annotated with its source."""

from __future__ import annotations

import click

from sim.cli.common import fail
from sim.cli.completion import complete_scenarios
from sim.errors import InputError
from sim.output.annotated_yaml import annotated_yaml
from sim.scenario.loader import load_resolved


@click.command("show")
@click.argument("scenario", metavar="SCENARIO", shell_complete=complete_scenarios)
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a field, e.g. --set actors.russia.salience.territory=0.5 or "
    "--set protocol.order=[russia,us]; repeatable.  [default: none]",
)
def command(scenario: str, assignments: tuple[str, ...]) -> None:
    """Print the fully resolved SCENARIO (a name or a path) as YAML.

    Inheritance (extends) is resolved, --set overrides applied and defaults filled in; each
    value is annotated with the file and line that set it and the evidence cited for it.
    """
    try:
        resolved = load_resolved(scenario, assignments)
    except InputError as error:
        fail(error.format())
    click.echo(annotated_yaml(resolved), nl=False)
