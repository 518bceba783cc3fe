"""The ``parley`` command line: a thin layer over the library.

Each command lives in its own module under :mod:`sim.cli`; heavy modules (mesa, matplotlib,
dask) are imported inside the commands so that ``parley validate`` starts instantly.
"""

from __future__ import annotations

import click

from sim import __version__
from sim.cli.failures import ParleyGroup


@click.group(
    cls=ParleyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "show_default": True},
)
@click.version_option(__version__, prog_name="parley")
def main() -> None:
    """Parley: simulate negotiations between parties over several issues.

    Run a scenario, validate scenario and experiment files, sweep uncertain parameters by Monte
    Carlo, and plot and report the outcome distributions.
    """


def _register() -> None:
    from importlib import import_module

    for module_name in (
        "run",
        "validate",
        "schema",
        "show",
        "diff",
        "list",
        "zopa",
        "forecast",
        "sweep",
        "replay",
        "plot",
        "report",
        "compare",
        "app",
        "sensitivity",
        "discover",
    ):
        module = import_module(f"sim.cli.{module_name}")
        main.add_command(module.command)


_register()
