"""``parley zopa``: the zone of possible agreement of a scenario at one round."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

if TYPE_CHECKING:
    from sim.analysis.zopa.zone import Weights


@click.command(name="zopa")
@click.argument("scenario_file", metavar="SCENARIO")
@click.option("--round", "round_", type=click.IntRange(min=1), default=1, help="Round T (1-based).")
@click.option(
    "--weights",
    type=click.Choice(["capability", "uniform"]),
    default="capability",
    help="Nash bargaining weights of the veto players.",
)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a field, e.g. --set actors.russia.war_cost=0.1; repeatable.  [default: none]",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory for zopa.png  [default: results/<scenario>]",
)
@click.option(
    "--samples",
    type=click.IntRange(min=1),
    default=200_000,
    help="Monte Carlo samples for the volume estimates.",
)
def command(
    scenario_file: str,
    round_: int,
    weights: str,
    settings: tuple[str, ...],
    as_json: bool,
    out: Path | None,
    samples: int,
) -> None:
    """Find the packages every veto player of SCENARIO (a name or a path) prefers to no deal.

    Reports whether such a deal space exists (against reservations, and against the round's
    acceptance thresholds), the Nash bargaining and Kalai-Smorodinsky points, each actor's
    utility there, the deal space's share of the issue space, and draws its two-issue slices
    through the Nash point to OUT/zopa.png.
    """
    from sim.errors import InputError
    from sim.scenario.loader import load_scenario

    try:
        scenario = load_scenario(scenario_file, settings)
    except InputError as error:
        click.echo(error.format(), err=True)
        raise SystemExit(2) from None

    from sim.analysis.zopa.text import describe
    from sim.analysis.zopa.zone import zone_of_agreement
    from sim.output.figures.zopa import zopa_figure

    try:
        result = zone_of_agreement(scenario, round_, cast("Weights", weights), samples)
    except ValueError as error:
        click.echo(f"Error: {error}", err=True)
        raise SystemExit(2) from None

    from sim.io import save_figure

    directory = out if out is not None else Path("results") / scenario.name
    directory.mkdir(parents=True, exist_ok=True)
    figure_path = directory / "zopa.png"
    save_figure(zopa_figure(scenario, result), figure_path, dpi=120)

    if as_json:
        payload = result.to_dict()
        payload["figure"] = str(figure_path)
        click.echo(json.dumps(payload, indent=2))
    else:
        click.echo(describe(scenario, result))
        click.echo(f"\nFigure: {figure_path}")
