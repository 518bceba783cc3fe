"""``parley list``: the scenarios and experiments available, with their descriptions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import click

import sim
from sim.cli.common import fail
from sim.errors import InputError, display_path
from sim.scenario.discovery import SCENARIO_SUFFIXES
from sim.scenario.yaml_source import read_yaml

SUMMARY_WIDTH = 140


@dataclass(frozen=True)
class CatalogueEntry:
    """One scenario or experiment file: its name (path under the folder, no suffix) and summary."""

    name: str
    description: str
    path: Path


def default_folder(name: str) -> Path | None:
    """``./<name>`` if it exists, else the repository's ``<name>/`` if that exists."""
    for folder in (Path.cwd() / name, Path(sim.__file__).resolve().parents[1] / name):
        if folder.is_dir():
            return folder
    return None


def catalogue(folder: Path) -> list[CatalogueEntry]:
    """Every YAML file under ``folder`` (recursively) with the first line of its description."""
    entries = []
    for path in sorted(p for p in folder.rglob("*") if p.suffix in SCENARIO_SUFFIXES):
        if not path.is_file():
            continue
        name = path.relative_to(folder).with_suffix("").as_posix()
        entries.append(CatalogueEntry(name, _summary(path), path))
    return entries


def one_line(description: str, limit: int = SUMMARY_WIDTH) -> str:
    """The first line of a description; a long one (folded YAML) cut at its first sentence."""
    line = description.strip().splitlines()[0].strip()
    if len(line) > limit:
        line = re.split(r"(?<=[.?!])\s+(?=[A-Z\"'(])", line, maxsplit=1)[0]
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _summary(path: Path) -> str:
    try:
        data, _ = read_yaml(path)
    except InputError as error:
        return f"(unreadable: {error.problems[0].message})"
    description = data.get("description")
    if isinstance(description, str) and description.strip():
        return one_line(description)
    if isinstance(data.get("extends"), str):
        return f"(extends {data['extends']})"
    return "(no description)"


@click.command("list")
@click.option(
    "--scenarios",
    "scenarios_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder of scenario files.  [default: ./scenarios, else the repository's scenarios/]",
)
@click.option(
    "--experiments",
    "experiments_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder of experiment files.  [default: ./experiments, else the repository's "
    "experiments/; skipped if neither exists]",
)
def command(scenarios_dir: Path | None, experiments_dir: Path | None) -> None:
    """List the scenarios (including sub-folders such as textbook/) and experiments.

    Each line gives the name to pass to other commands and the first line of its description.
    """
    sections = [
        ("Scenarios", scenarios_dir or default_folder("scenarios")),
        ("Experiments", experiments_dir or default_folder("experiments")),
    ]
    if sections[0][1] is None:
        fail("no scenarios folder found (looked for ./scenarios)")
    found = [(title, folder, catalogue(folder)) for title, folder in sections if folder is not None]
    width = max((len(entry.name) for _, _, entries in found for entry in entries), default=0)
    for title, folder, entries in found:
        click.echo(f"{title} in {display_path(folder)}/:")
        for entry in entries:
            click.echo(f"  {entry.name.ljust(width)}  {entry.description}")
        if not entries:
            click.echo("  (none)")
