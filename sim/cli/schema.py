"""``parley schema``: print the JSON Schema of a scenario, variant or experiment file."""

from __future__ import annotations

import json

import click

from sim.cli.common import Choice

KINDS = ("scenario", "variant", "experiment")


@click.command("schema")
@click.argument("kind", type=Choice(KINDS), default="scenario")
def command(kind: str) -> None:
    """Print the JSON Schema of a KIND file: scenario (a whole scenario), variant (a partial
    scenario with `extends`) or experiment, with a description for every field.

    Save it and point your editor at it, e.g. with VS Code's YAML extension, as the first line of
    the file:  # yaml-language-server: $schema=parley-scenario.schema.json
    """
    from sim.experiment.json_schema import experiment_schema
    from sim.scenario.json_schema import scenario_schema, variant_schema

    build = {
        "scenario": scenario_schema,
        "variant": variant_schema,
        "experiment": experiment_schema,
    }
    click.echo(json.dumps(build[kind](), indent=2))
