"""Find scenario and experiment files by name or path: the user's folders, then the library."""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Literal

import sim
from sim.errors import Problem, ScenarioError, closest, display_path

SCENARIO_SUFFIXES = (".yaml", ".yml")

LibraryKind = Literal["scenarios", "experiments"]
"""The two kinds of file Parley ships: scenarios and experiments."""

PACKAGED_LIBRARY = "library"
"""The folder inside the installed ``sim`` package that holds the shipped ``scenarios/`` and
``experiments/`` (the wheel force-includes the repository's top-level folders there)."""


# --------------------------------------------------------------------------------------------
# Finding scenario files
# --------------------------------------------------------------------------------------------


def library_dirs(kind: LibraryKind) -> list[Path]:
    """Where bare names of ``kind`` are looked up, first match wins: the user's ``./<kind>``,
    then the shipped library — package data found with :mod:`importlib.resources` in an
    installed wheel, else the source tree's top-level ``<kind>/`` (a clone, an editable install).
    """
    folders = [Path.cwd() / kind]
    packaged = resources.files(sim).joinpath(PACKAGED_LIBRARY, kind)
    if isinstance(packaged, Path):  # an ordinary installation; a zipped one has no folders
        folders.append(packaged)
    folders.append(Path(sim.__file__).resolve().parents[1] / kind)
    unique: list[Path] = []
    for folder in folders:
        if folder.is_dir() and all(not folder.samefile(seen) for seen in unique):
            unique.append(folder)
    return unique


def library_names(kind: LibraryKind) -> list[str]:
    """Every file of ``kind`` by the name commands accept (``textbook/rubinstein``), the user's
    folders first, each name once."""
    names: list[str] = []
    for folder in library_dirs(kind):
        for path in sorted(folder.rglob("*")):
            if path.suffix in SCENARIO_SUFFIXES and path.is_file():
                name = path.relative_to(folder).with_suffix("").as_posix()
                if name not in names:
                    names.append(name)
    return names


def scenario_dirs() -> list[Path]:
    """Where bare scenario names are looked up: ``./scenarios`` then the shipped library's."""
    return library_dirs("scenarios")


def _with_suffixes(path: Path) -> list[Path]:
    if path.suffix in SCENARIO_SUFFIXES or path.name in ("", ".", ".."):
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
        if _is_file(candidate):
            return candidate, looked
    looked.append(display_path(first[0].parent) if base_dir is not None else ".")
    if given.is_absolute():
        return None, looked
    for folder in scenario_dirs():
        looked.append(display_path(folder))
        for candidate in _with_suffixes(folder / given):
            if _is_file(candidate):
                return candidate, looked
        if len(given.parts) == 1:  # a bare name may live in a sub-folder (textbook/...)
            stem = given.stem if given.suffix in SCENARIO_SUFFIXES else given.name
            wanted = {f"{stem}{suffix}" for suffix in SCENARIO_SUFFIXES}
            matches = sorted(p for p in folder.rglob("*") if p.name in wanted and _is_file(p))
            if len(matches) == 1:
                return matches[0], looked
    return None, looked


def known_scenario_names() -> list[str]:
    """The names of every scenario in the scenario folders (for "did you mean" hints)."""
    names: list[str] = []
    for folder in scenario_dirs():
        for path in sorted(folder.rglob("*")):
            if path.suffix in SCENARIO_SUFFIXES and _is_file(path):
                names += [path.stem, path.relative_to(folder).with_suffix("").as_posix()]
    return list(dict.fromkeys(names))


def scenario_hint(name: str, near: Sequence[Path] = ()) -> str | None:
    """The "did you mean" hint for a scenario name that finds no file (see :func:`name_hint`)."""
    return name_hint(name, known_scenario_names(), near)


def name_hint(name: str, library: Sequence[str], near: Sequence[Path] = ()) -> str | None:
    """The "did you mean" hint for a name (of a scenario or an experiment) that finds no file:
    the closest of the ``library`` names and of the ``.yaml``/``.yml`` files directly inside
    the folders ``near`` (the current folder, the folder of the file that gave the name), the
    latter suggested by file name."""
    given = Path(name)
    wanted = given.with_suffix("") if given.suffix in SCENARIO_SUFFIXES else given
    files: dict[str, str] = {}
    for folder in near:
        try:
            entries = sorted(folder.iterdir())
        except OSError:  # not a folder, unreadable: nothing to suggest from it
            continue
        for entry in entries:
            if entry.suffix in SCENARIO_SUFFIXES:
                files.setdefault(entry.stem, entry.name)
    if files.get(wanted.as_posix(), name) != name:  # the file is there, under another suffix
        return f"did you mean '{files[wanted.as_posix()]}'?"
    match = closest(wanted.as_posix(), [*library, *files])
    if match is None:
        return None
    return f"did you mean '{match if match in library else files[match]}'?"


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, a null byte
        return False


def outside_search_path(found: Path, roots: Sequence[Path] = ()) -> str | None:
    """Why a file that another file refers to (``extends``, an experiment's ``scenario``) may
    not be read, or None if it may.

    A referenced file must be a ``.yaml``/``.yml`` file whose real path (symbolic links
    followed) lies inside the scenario search path: the current folder, the scenario folders
    (:func:`scenario_dirs`) or one of ``roots`` (the folder of the file the user named).  The
    message names the reference's folders, never the file's content.
    """
    if found.suffix not in SCENARIO_SUFFIXES:
        return "is not a .yaml or .yml file"
    real = found.resolve()
    allowed = [Path.cwd(), *scenario_dirs(), *roots]
    if any(real.is_relative_to(root.resolve()) for root in allowed):
        return None
    shown = ", ".join(dict.fromkeys(display_path(root) for root in allowed))
    return (
        f"is outside the scenario search path ({shown}); copy the base scenario into one of "
        "these folders"
    )


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
        hint = scenario_hint(text, [base_dir if base_dir is not None else Path.cwd()])
        raise ScenarioError([Problem(text, None, "", message, hint)])
    return found
