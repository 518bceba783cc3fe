"""``parley list``: the scenarios and experiments available, with their descriptions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import click

from sim.cli.common import fail
from sim.errors import InputError, display_path
from sim.scenario.discovery import SCENARIO_SUFFIXES, LibraryKind, library_dirs
from sim.scenario.yaml_source import read_yaml

SUMMARY_WIDTH = 140


@dataclass(frozen=True)
class CatalogueEntry:
    """One scenario or experiment file: its name (path under the folder, no suffix) and summary."""

    name: str
    description: str
    path: Path


def default_folders(name: LibraryKind) -> list[Path]:
    """``./<name>`` and the shipped library's ``<name>/``, those that exist, each once (see
    :func:`sim.scenario.discovery.library_dirs`)."""
    return library_dirs(name)


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
    help="Folder of scenario files.  [default: ./scenarios and the shipped library's scenarios/]",
)
@click.option(
    "--experiments",
    "experiments_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder of experiment files.  [default: ./experiments and the shipped library's "
    "experiments/; skipped if neither exists]",
)
def command(scenarios_dir: Path | None, experiments_dir: Path | None) -> None:
    """List the scenarios (including sub-folders such as textbook/) and experiments.

    Each line gives the name to pass to other commands and the first line of its description.
    """
    sections = [
        *(
            ("Scenarios", f)
            for f in ([scenarios_dir] if scenarios_dir else default_folders("scenarios"))
        ),
        *(
            ("Experiments", f)
            for f in ([experiments_dir] if experiments_dir else default_folders("experiments"))
        ),
    ]
    if not any(title == "Scenarios" for title, _ in sections):
        fail("no scenarios folder found (looked for ./scenarios)")
    found = [(title, folder, catalogue(folder)) for title, folder in sections]
    width = max((len(entry.name) for _, _, entries in found for entry in entries), default=0)
    for title, folder, entries in found:
        click.echo(f"{title} in {display_path(folder)}/:")
        for entry in entries:
            click.echo(f"  {entry.name.ljust(width)}  {entry.description}")
        if not entries:
            click.echo("  (none)")
