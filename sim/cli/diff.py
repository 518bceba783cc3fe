"""``parley diff VARIANT [BASE]``: what a variant changes, with both values and both evidence texts."""

from __future__ import annotations

import click

from sim.cli.common import fail
from sim.cli.completion import complete_scenarios
from sim.errors import InputError
from sim.scenario.diff import format_changes, scenario_changes
from sim.scenario.loader import load_resolved


@click.command("diff")
@click.argument("variant", metavar="VARIANT", shell_complete=complete_scenarios)
@click.argument("base", metavar="[BASE]", required=False, shell_complete=complete_scenarios)
def command(variant: str, base: str | None) -> None:
    """Print every field VARIANT sets differently from BASE (default: the scenario it extends).

    Each change shows the base's value and the variant's, then the evidence each cites; a
    variant that still cites its base's evidence for a changed value is marked.
    """
    try:
        resolved = load_resolved(variant)
        base_name = base or resolved.scenario.extends
        if base_name is None:
            fail(f"parley diff: {variant} extends no scenario; name the BASE to compare with")
        base_scenario = load_resolved(base_name).scenario
    except InputError as error:
        fail(error.format())
    changes = scenario_changes(resolved.scenario, base_scenario)
    click.echo(format_changes(resolved.scenario.name, base_scenario.name, changes))
