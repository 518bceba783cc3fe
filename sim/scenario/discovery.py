"""Find scenario files by name or path in the scenario folders."""

from __future__ import annotations

import os
from pathlib import Path

import sim
from sim.errors import Problem, ScenarioError, display_path

SCENARIO_SUFFIXES = (".yaml", ".yml")


# --------------------------------------------------------------------------------------------
# Finding scenario files
# --------------------------------------------------------------------------------------------


def scenario_dirs() -> list[Path]:
    """Where bare scenario names are looked up: ``./scenarios`` then the repository's."""
    folders = [Path.cwd() / "scenarios", Path(sim.__file__).resolve().parents[1] / "scenarios"]
    unique: list[Path] = []
    for folder in folders:
        if folder.is_dir() and all(not folder.samefile(seen) for seen in unique):
            unique.append(folder)
    return unique


def _with_suffixes(path: Path) -> list[Path]:
    if path.suffix in SCENARIO_SUFFIXES:
        return [path]
    return [path, *(path.with_name(path.name + suffix) for suffix in SCENARIO_SUFFIXES)]


def find_scenario(
    name_or_path: str | os.PathLike[str], base_dir: Path | None = None
) -> tuple[Path | None, list[str]]:
    """The scenario file meant by ``name_or_path``, and the places looked at (for errors)."""
    text = os.fspath(name_or_path)
    given = Path(text)
    first = [base_dir / given] if base_dir is not None else [given]
    looked: list[str] = []
    for candidate in (c for base in first for c in _with_suffixes(base)):
        if candidate.is_file():
            return candidate, looked
    looked.append(display_path(first[0].parent) if base_dir is not None else ".")
    if given.is_absolute():
        return None, looked
    for folder in scenario_dirs():
        looked.append(display_path(folder))
        for candidate in _with_suffixes(folder / given):
            if candidate.is_file():
                return candidate, looked
        if len(given.parts) == 1:  # a bare name may live in a sub-folder (textbook/...)
            stem = given.stem if given.suffix in SCENARIO_SUFFIXES else given.name
            matches = sorted(
                p for suffix in SCENARIO_SUFFIXES for p in folder.rglob(f"{stem}{suffix}")
            )
            if len(matches) == 1:
                return matches[0], looked
    return None, looked


def resolve_scenario_path(
    name_or_path: str | os.PathLike[str], base_dir: Path | None = None
) -> Path:
    """A scenario name (``alaska-summit``) or path as an existing file.

    A path is taken relative to ``base_dir`` if given (else the current directory); a name is
    looked up as ``<name>.yaml`` in ``./scenarios`` and the repository's ``scenarios/`` (also in
    their sub-folders).  Raises :class:`ScenarioError` if there is no such file.
    """
    found, looked = find_scenario(name_or_path, base_dir)
    if found is None:
        text = os.fspath(name_or_path)
        message = f"no scenario file '{text}' (looked in {', '.join(looked)})"
        raise ScenarioError([Problem(text, None, "", message)])
    return found
