"""Shell completion of scenario and experiment names (click's ``shell_complete``).

Commands and options complete through click itself; see README.md, "Shell completion".
"""

from __future__ import annotations

import click
from click.shell_completion import CompletionItem

from sim.scenario.discovery import LibraryKind, library_names


def _names(kind: LibraryKind, incomplete: str) -> list[CompletionItem]:
    """The library's names of ``kind`` that start with ``incomplete``; else a file path."""
    matches = [CompletionItem(name) for name in library_names(kind) if name.startswith(incomplete)]
    return matches or [CompletionItem(incomplete, type="file")]


def complete_scenarios(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Scenario names (``./scenarios`` and the shipped library), else file paths."""
    return _names("scenarios", incomplete)


def complete_experiments(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Experiment names (``./experiments`` and the shipped library), else file paths."""
    return _names("experiments", incomplete)


def complete_files(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Scenario and experiment names (for ``parley validate``), else file paths."""
    kinds: tuple[LibraryKind, ...] = ("scenarios", "experiments")
    matches = [
        CompletionItem(name)
        for kind in kinds
        for name in library_names(kind)
        if name.startswith(incomplete)
    ]
    return matches or [CompletionItem(incomplete, type="file")]
