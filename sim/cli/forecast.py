"""``parley forecast``: every forecasting model of a scenario side by side with the simulation."""

from __future__ import annotations

from pathlib import Path

import click

from sim.cli.common import FiniteFloatRange, fail, json_option, out_option, set_option
from sim.cli.compiling import announce_compiling
from sim.cli.completion import complete_scenarios
from sim.scenario.limits import MAX_ROUNDS, MAX_RUNS


@click.command(name="forecast")
@click.argument("scenario_file", metavar="SCENARIO", shell_complete=complete_scenarios)
@click.option(
    "--runs",
    type=click.IntRange(min=1, max=MAX_RUNS),
    default=1000,
    help="Worlds in the quick simulation.",
)
@click.option(
    "--model",
    "names",
    multiple=True,
    metavar="NAME",
    help="Only these models (repeatable).  [default: every registered model]",
)
@click.option(
    "--weights",
    default="capability",
    metavar="capability|uniform|ACTOR=W,...",
    help="Bargaining weights of the veto players for the Nash solution, e.g. russia=2,us=1,...",
)
@click.option(
    "--rounds",
    type=click.IntRange(min=0, max=MAX_ROUNDS),
    default=10,
    help="Rounds of the expected utility model.",
)
@click.option(
    "--persistence",
    type=FiniteFloatRange(0.0, 1.0),
    default=1.0,
    help="Q of the expected utility model: the chance the status quo holds unchallenged.",
)
@set_option
@json_option
@out_option("forecast.png")
def command(
    scenario_file: str,
    runs: int,
    names: tuple[str, ...],
    weights: str,
    rounds: int,
    persistence: float,
    settings: tuple[str, ...],
    as_json: bool,
    out: Path | None,
) -> None:
    """Forecast SCENARIO (a name or a path) with every model and the simulation, side by side.

    Per issue: the simulation's median agreed term with its 5-95% band over RUNS worlds, and the
    term of each model (compromise, weighted median, Nash, Kalai-Smorodinsky, expected utility,
    mediated); each actor's utility under each, and whether it beats every veto player's no-deal
    value.  Draws the forecasts on each issue's axis with the ideal points to OUT/forecast.png.
    """
    from sim.errors import InputError
    from sim.scenario.loader import load_scenario

    try:
        scenario = load_scenario(scenario_file, settings)
    except InputError as error:
        fail(error.format())

    from sim.forecast.axiomatic import bargaining_weights, parse_weights
    from sim.forecast.registry import Options, UnknownModelError
    from sim.forecast.table import forecast_table
    from sim.forecast.text import describe

    try:
        chosen_weights = parse_weights(weights)
        bargaining_weights(scenario, chosen_weights)
    except ValueError as error:
        fail(f"Error: --weights: {error}")
    options = Options(weights=chosen_weights, rounds=rounds, persistence=persistence)
    announce_compiling()
    try:
        table = forecast_table(scenario, runs, options, list(names) or None)
    except UnknownModelError as error:
        fail(f"Error: --model: {error}")
    except ValueError as error:
        fail(f"Error: {error}")

    from sim.cli.common import save_and_print
    from sim.output.figures.forecast import forecast_figure

    figure = forecast_figure(table, scenario)
    text = "" if as_json else describe(scenario, table)
    save_and_print(figure, out, scenario.name, "forecast.png", table.to_dict(), text, as_json)
