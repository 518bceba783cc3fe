"""What the commands share: exiting with status 2 on bad input, the --set, --json and --out
options, and the analysis commands' ending (write the figure, then print JSON or text)."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

BAD_INPUT = 2
"""The exit status of every command given bad input (a file, an option, a results folder)."""


class FiniteFloatRange(click.FloatRange):
    """A float option within a range that also refuses ``nan`` (which passes every comparison
    of :class:`click.FloatRange`)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The number, or a usage error (exit 2) if it is out of range or not a number."""
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


class Choice(click.Choice):  # type: ignore[type-arg]
    """One of a fixed list of words; a misspelt one is refused (exit 2) with "did you mean"."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The chosen word, or a usage error naming the closest choice."""
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as error:
            from sim.errors import did_you_mean

            hint = did_you_mean(value, self.choices)
            if hint is None:
                raise
            self.fail(f"{error.message.rstrip('.')}; {hint}", param, ctx)


def fail(message: str) -> NoReturn:
    """Print ``message`` on stderr and exit with status 2: bad input, never a traceback."""
    click.echo(message, err=True)
    sys.exit(BAD_INPUT)


set_option = click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a field, e.g. --set actors.russia.war_cost=0.1; repeatable.  [default: none]",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")

Command = TypeVar("Command", bound=Callable[..., Any])


def out_option(
    filename: str, default: str = "results/<scenario>", name: str = "out"
) -> Callable[[Command], Command]:
    """The --out option of a command that writes ``filename`` (into ``default`` without it)."""
    return click.option(
        "--out",
        name,
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=f"Directory for {filename}  [default: {default}]",
    )


def whole_number_option(
    flag: str, low: int, high: int, help: str, default: int | None = None
) -> Callable[[Command], Command]:
    """An option taking a whole number in [low, high] (shown with its default if it has one)."""
    return click.option(
        flag,
        type=click.IntRange(min=low, max=high),
        default=default,
        show_default=default is not None,
        help=help,
    )


def save_and_print(
    figure: Any,
    out: Path | None,
    scenario_name: str,
    filename: str,
    payload: dict[str, Any],
    text: str,
    as_json: bool,
) -> None:
    """Save ``figure`` as OUT/filename (default results/<scenario>/), then print the JSON
    ``payload`` (with the figure's path) or the ``text`` and where the figure went."""
    from sim.io import save_figure

    directory = out if out is not None else Path("results") / scenario_name
    directory.mkdir(parents=True, exist_ok=True)
    figure_path = directory / filename
    save_figure(figure, figure_path, dpi=120)
    if as_json:
        click.echo(json.dumps({**payload, "figure": str(figure_path)}, indent=2))
    else:
        click.echo(text)
        click.echo(f"\nFigure: {figure_path}")
