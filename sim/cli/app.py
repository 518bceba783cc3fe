"""``parley app``: the interactive page, served on this machine."""

from __future__ import annotations

import click

from sim.cli.common import fail
from sim.cli.compiling import announce_cold_workers
from sim.cli.completion import complete_scenarios

APP_EXTRA_HINT = "the page needs the 'app' extra: pip install -e '.[app]'"
APP_PACKAGES = ("solara", "altair", "networkx")  # what mesa.visualization and the page import


@click.command("app")
@click.argument("scenario", default="alaska-summit", shell_complete=complete_scenarios)
@click.option(
    "--port",
    type=click.IntRange(min=1, max=65535),
    default=8765,
    show_default=True,
    help="Port to serve the page on.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on; the default lets only this machine connect.",
)
@click.option(
    "--provisional",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Show the odds of the batch's first 500 worlds before the whole batch's: always, "
    "never, or (auto) only while whole batches take longer than 1.25 s.",
)
def command(scenario: str, port: int, host: str, provisional: str) -> None:
    """Open an interactive page for SCENARIO (a YAML file or a name in scenarios/).

    Move a judgement call (war costs, concession speed, patience, capability, vetoes,
    saliences, breakdown risk, protocol), step one negotiation round by round, watch the odds of
    5,000 worlds change, and export the settings as a scenario that extends SCENARIO.
    """
    from sim.errors import InputError
    from sim.scenario.loader import load_scenario

    try:
        load_scenario(scenario)
    except InputError as error:
        fail(error.format())
    from importlib.util import find_spec

    missing_packages = [name for name in APP_PACKAGES if find_spec(name) is None]
    if missing_packages:
        fail(f"parley app: {APP_EXTRA_HINT} (missing: {', '.join(missing_packages)})")
    from sim.app.server import missing_offline_assets, port_free, serve

    if not port_free(host, port):
        fail(f"parley app: port {port} on {host} is in use; pick another with --port")
    missing = missing_offline_assets()
    if missing:
        click.echo(
            "parley app: warning: not installed locally, fetched from the internet on first use: "
            + ", ".join(missing)
            + " (pip install solara-assets)",
            err=True,
        )
    click.echo(f"Parley app for '{scenario}': http://{host}:{port}/  (Ctrl+C to stop)")
    announce_cold_workers()
    serve(scenario, host=host, port=port, provisional=provisional)
