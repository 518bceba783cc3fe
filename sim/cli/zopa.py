"""``parley zopa``: the zone of possible agreement of a scenario at one round."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from sim.cli.common import Choice, fail, json_option, out_option, set_option
from sim.cli.compiling import announce_compiling
from sim.cli.completion import complete_scenarios
from sim.scenario.limits import MAX_ROUNDS, MAX_ZOPA_SAMPLES

if TYPE_CHECKING:
    from sim.analysis.zopa.zone import Weights


@click.command(name="zopa")
@click.argument("scenario_file", metavar="SCENARIO", shell_complete=complete_scenarios)
@click.option(
    "--round",
    "round_",
    type=click.IntRange(min=1, max=MAX_ROUNDS),
    default=1,
    help="Round T (1-based; at most the scenario's protocol.max_rounds).",
)
@click.option(
    "--weights",
    type=Choice(["capability", "uniform"]),
    default="capability",
    help="Nash bargaining weights of the veto players.",
)
@set_option
@json_option
@out_option("zopa.png")
@click.option(
    "--samples",
    type=click.IntRange(min=1, max=MAX_ZOPA_SAMPLES),
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
        fail(error.format())
    last = scenario.protocol.max_rounds
    if round_ > last:
        fail(
            f"--round: {round_} is after the last round of '{scenario.name}' (protocol.max_rounds = {last})"
        )

    from sim.analysis.zopa.text import describe
    from sim.analysis.zopa.zone import zone_of_agreement
    from sim.output.figures.zopa import zopa_figure

    announce_compiling()
    try:
        result = zone_of_agreement(scenario, round_, cast("Weights", weights), samples)
    except ValueError as error:
        fail(f"Error: {error}")

    from sim.cli.common import save_and_print

    figure = zopa_figure(scenario, result)
    text = "" if as_json else describe(scenario, result)
    save_and_print(figure, out, scenario.name, "zopa.png", result.to_dict(), text, as_json)
