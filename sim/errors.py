"""Input problems reported as ``file:line: field: message; did you mean ...`` and the errors every stage raises."""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

Loc = tuple[str | int, ...]


# --------------------------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is, which field, what is wrong, and a hint."""

    file: str
    line: int | None
    field: str
    message: str
    hint: str | None = None

    def format(self) -> str:
        """``file:line: field: message; hint`` (line and field left out when unknown)."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        text = (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )
        return f"{text}; {self.hint}" if self.hint else text

    def __str__(self) -> str:
        return self.format()


class InputError(Exception):
    """Bad user input (a file, a ``--set``): carries every problem found, never a traceback."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(self.format())

    def format(self) -> str:
        """One line per problem."""
        return "\n".join(problem.format() for problem in self.problems)

    def __reduce__(self) -> tuple[type[InputError], tuple[list[Problem]]]:
        """Pickle by the problems (an error raised in a sweep worker crosses processes)."""
        return (type(self), (self.problems,))


class OverrideError(InputError):
    """A value for a field (a ``--set`` or a per-world override) names no such field or does not fit."""


class ScenarioError(InputError):
    """A scenario file (or its ``extends`` chain, or a ``--set``) is not a valid scenario."""


def closest(word: object, options: Iterable[object]) -> str | None:
    """The option closest to ``word`` (difflib's ratio of at least 0.6, else the same letters
    in another case), or None if none is close."""
    choices = sorted({str(option) for option in options} - {str(word)})
    matches = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    if not matches:
        lowered = {choice.lower(): choice for choice in choices}
        matches = [lowered[str(word).lower()]] if str(word).lower() in lowered else []
    return matches[0] if matches else None


def did_you_mean(word: object, options: Iterable[object]) -> str | None:
    """``"did you mean 'X'?"`` for the option closest to ``word``, or None if none is close.

    When ``X`` is plain ASCII and ``word`` is not, the hint also names ``word``'s first unusual
    character (a look-alike letter, a zero-width space), which the two would otherwise hide.
    """
    match = closest(word, options)
    if match is None:
        return None
    hint = f"did you mean '{match}'?"
    unusual = [(i, c) for i, c in enumerate(str(word)) if not (c.isascii() and c.isprintable())]
    if unusual and match.isascii() and match.isprintable():
        index, character = unusual[0]
        name = unicodedata.name(character, "") or "a control character"
        hint += f" (yours has U+{ord(character):04X}, {name}, as character {index + 1})"
    return hint


def dotted(loc: Sequence[str | int]) -> str:
    """``("protocol", "order", 1)`` -> ``"protocol.order[1]"``."""
    text = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def parse_dotted(text: str) -> Loc:
    """The inverse of :func:`dotted`; ``order.1`` and ``order[1]`` both give an index."""
    loc: list[str | int] = []
    for part in text.split("."):
        match = re.fullmatch(r"(.*?)((?:\[\d+\])*)", part)
        name, indexes = (match.group(1), match.group(2)) if match else (part, "")
        if name:
            loc.append(int(name) if name.isdigit() else name)
        loc.extend(int(index) for index in re.findall(r"\[(\d+)\]", indexes))
    return tuple(loc)


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as the user would write it: relative to the current directory when inside it."""
    candidate = Path(path)
    if not candidate.is_absolute():
        return str(candidate)
    try:
        return str(candidate.relative_to(Path.cwd()))
    except ValueError:
        return str(candidate)


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Drop duplicates (keeping a hint if either has one); order by file, then line."""
    best: dict[tuple[str, int | None, str, str], Problem] = {}
    for problem in problems:
        key = (problem.file, problem.line, problem.field, problem.message)
        if key not in best or (best[key].hint is None and problem.hint is not None):
            best[key] = problem
    unique = list(best.values())
    files = list(dict.fromkeys(problem.file for problem in unique))
    return sorted(unique, key=lambda p: (files.index(p.file), p.line or 0))


class ResultsError(Exception):
    """A results directory is missing, incomplete or unreadable."""


class SweepError(Exception):
    """A sweep cannot start or continue (bad output folder, mismatched resume, failed worker)."""


class SweepInterrupted(SweepError):
    """The sweep was interrupted; finished chunks are on disk and ``resume`` will continue."""
