"""Read YAML keeping the file and line of every value (:class:`Locator`), rejecting duplicate keys."""

from __future__ import annotations

import os
import stat
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.scalarbool import ScalarBoolean

from sim.errors import InputError, Loc, Problem, display_path, dotted
from sim.scenario.limits import MAX_FILE_BYTES, number_problems, yaml_text_problems

# --------------------------------------------------------------------------------------------
# Where things are: origins and locators
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    """The file (or ``--set``) and line that set a value; line is None when unknown."""

    file: str
    line: int | None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


class Locator:
    """Maps field locations (tuples of keys and list indexes) to the file and line that set them.

    A location that is not present (a missing key) is reported at its nearest existing parent.
    """

    def __init__(self, file: str, origins: Mapping[Loc, Origin] | None = None) -> None:
        self.file = file
        self.origins: dict[Loc, Origin] = dict(origins or {})

    def __contains__(self, loc: object) -> bool:
        return loc in self.origins

    def origin(self, loc: Sequence[str | int]) -> Origin:
        """Where ``loc`` (or its nearest existing parent) was set."""
        loc = tuple(loc)
        for end in range(len(loc), -1, -1):
            found = self.origins.get(loc[:end])
            if found is not None:
                return found
        return Origin(self.file, None)

    def line(self, loc: Sequence[str | int]) -> int | None:
        """The line that set ``loc`` (or its nearest existing parent)."""
        return self.origin(loc).line

    def problem(self, loc: Sequence[str | int], message: str, hint: str | None = None) -> Problem:
        """A :class:`Problem` about the field at ``loc``."""
        origin = self.origin(loc)
        return Problem(origin.file, origin.line, dotted(loc), message, hint)


# --------------------------------------------------------------------------------------------
# Reading YAML
# --------------------------------------------------------------------------------------------


def read_yaml(path: str | os.PathLike[str]) -> tuple[dict[str, Any], Locator]:
    """Read a YAML mapping as plain Python data, with a :class:`Locator` for every key.

    Raises :class:`InputError` for an unreadable file, a YAML syntax error, duplicate keys
    (all of them are reported) or a document that is not a mapping.
    """
    file = display_path(path)
    text = _read_text(path, file)
    problems = yaml_text_problems(text, file)
    if problems:
        raise InputError(problems)
    try:
        node = YAML().compose(text)
        duplicates = list(_duplicate_keys(node, (), file, set()))
        if duplicates:
            raise InputError(duplicates)
        reader = YAML()
        reader.allow_duplicate_keys = True
        document = reader.load(text)
    except YAMLError as error:
        raise InputError([_yaml_problem(file, error, text)]) from None
    except (ValueError, OverflowError) as error:  # a scalar the constructor cannot convert
        raise InputError([Problem(file, None, "", f"unreadable value: {error}")]) from None

    if document is None:
        raise InputError(
            [Problem(file, None, "", "the file is empty; expected a mapping of fields")]
        )
    if not isinstance(document, Mapping):
        # Only what it is, never its text: the file may be any file the user named.
        plain = _plain(document, (), {}, file)
        found = "a line of text" if isinstance(plain, str) else _describe_type(plain)
        raise InputError(
            [Problem(file, 1, "", f"expected a mapping of fields at the top level, got {found}")]
        )
    origins: dict[Loc, Origin] = {(): Origin(file, None)}
    data = _plain(document, (), origins, file)
    locator = Locator(file, origins)
    bad_numbers = [locator.problem(loc, message) for loc, message in number_problems(data)]
    if bad_numbers:
        raise InputError(sorted(bad_numbers, key=lambda problem: problem.line or 0))
    return data, locator


def _read_text(path: str | os.PathLike[str], file: str) -> str:
    """The file's text, refusing what is not a regular file, too large, or not UTF-8."""
    try:
        with open(path, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise InputError([Problem(file, None, "", "not a regular file")])
            payload = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InputError([Problem(file, None, "", "no such file")]) from None
    except IsADirectoryError:
        raise InputError([Problem(file, None, "", "is a directory, not a file")]) from None
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InputError([Problem(file, None, "", f"cannot read: {reason}")]) from None
    if len(payload) > MAX_FILE_BYTES:
        message = f"larger than {MAX_FILE_BYTES:,} bytes; a scenario or experiment is far smaller"
        raise InputError([Problem(file, None, "", message)])
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError as error:
        message = f"not UTF-8 text ({error.reason} at byte {error.start})"
        utf16 = payload.startswith((b"\xff\xfe", b"\xfe\xff"))
        hint = "it starts like UTF-16 text: save it as UTF-8" if utf16 else None
        raise InputError([Problem(file, None, "", message, hint)]) from None


def _yaml_problem(file: str, error: YAMLError, text: str) -> Problem:
    if isinstance(error, MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        message = f"YAML syntax error: {error.problem or error.context or 'unreadable'}"
        if error.context and error.problem and error.context_mark is not None:
            message += f" ({error.context} started on line {error.context_mark.line + 1})"
        return Problem(file, line, "", message, _indent_hint(text))
    return Problem(file, None, "", f"YAML error: {error}", _indent_hint(text))


def _indent_hint(text: str) -> str | None:
    """Where the first line indented with something other than spaces is (a tab, a no-break
    space: YAML reads neither as indentation, and both look like spaces), or None."""
    for number, line in enumerate(text.splitlines(), 1):
        indent = line[: len(line) - len(line.lstrip())]
        unusual = [character for character in indent if character != " "]
        if unusual:
            character = unusual[0]
            name = unicodedata.name(character, "") or "a control character"
            what = "a tab" if character == "\t" else f"U+{ord(character):04X}, {name}"
            return f"line {number} is indented with {what}; indent with plain spaces"
    return None


def _duplicate_keys(
    node: Node | None, loc: Loc, file: str, seen_nodes: set[int]
) -> Iterator[Problem]:
    if node is None or id(node) in seen_nodes:
        return
    seen_nodes.add(id(node))
    if isinstance(node, MappingNode):
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in first_line:
                yield Problem(
                    file,
                    line,
                    dotted((*loc, key)),
                    f"duplicate key (first set on line {first_line[key]})",
                )
            else:
                first_line[key] = line
            yield from _duplicate_keys(value_node, (*loc, key), file, seen_nodes)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(item, (*loc, index), file, seen_nodes)


def _plain(node: Any, loc: Loc, origins: dict[Loc, Origin], file: str) -> Any:
    """ruamel's round-trip objects as plain dicts, lists and scalars, recording key lines."""
    parent_line = origins[loc].line if loc in origins else None
    if isinstance(node, CommentedMap):
        mapping: dict[Any, Any] = {}
        for key, value in node.items():
            name = _plain_key(key)
            try:
                line = node.lc.key(key)[0] + 1
            except (KeyError, AttributeError, TypeError, IndexError):
                line = parent_line  # a key brought in by a YAML merge (<<)
            origins[(*loc, name)] = Origin(file, line)
            mapping[name] = _plain(value, (*loc, name), origins, file)
        return mapping
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            try:
                line = node.lc.item(index)[0] + 1
            except (KeyError, AttributeError, TypeError, IndexError):
                line = parent_line
            origins[(*loc, index)] = Origin(file, line)
            items.append(_plain(value, (*loc, index), origins, file))
        return items
    if isinstance(node, ScalarBoolean | bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, TaggedScalar):
        return str(node.value)
    return node


def _plain_key(key: Any) -> Any:
    if isinstance(key, str):
        return str(key)
    if isinstance(key, int) and not isinstance(key, bool):
        return str(int(key))  # issue "2014" and issue 2014 are the same name
    return key


def _describe_type(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{_shorten(value, 40)}'"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
