"""Read scenario files into validated :class:`~sim.scenario.Scenario` objects.

Every problem in a file is reported at once, each with the file, the line of the offending key
(or of its nearest existing parent when the key is missing), the dotted field path, a message a
person can act on and, for misspelt keys, a "did you mean" hint::

    scenarios/x.yaml:14: actors.russia.salince: unknown field; did you mean 'salience'?
    scenarios/x.yaml:20: actors.us.salience: saliences sum to 0.9, not 1

Scenarios may inherit from another with ``extends`` (see ``docs/inheritance.md``): the chain is
merged key by key, and a :class:`Locator` remembers which file and line set each value, so that
problems in the merged result still point at the right place.

The YAML reading and error mapping are reusable for any other pydantic model (an experiment
file, say)::

    data, locator = read_yaml(path)
    try:
        experiment = Experiment.model_validate(data)
    except ValidationError as error:
        raise ExperimentError(problems_from_validation_error(error, locator, model=Experiment))
"""

from __future__ import annotations

import difflib
import os
import re
import types
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.scalarbool import ScalarBoolean

import sim
from sim.scenario import Actor, Issue, IssueDynamics, Protocol, Scenario, cross_reference_problems

Loc = tuple[str | int, ...]

SCENARIO_SUFFIXES = (".yaml", ".yml")


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


class ScenarioError(InputError):
    """A scenario file (or its ``extends`` chain, or a ``--set``) is not a valid scenario."""


def did_you_mean(word: object, options: Iterable[object]) -> str | None:
    """``"did you mean 'X'?"`` for the option closest to ``word``, or None if none is close."""
    choices = sorted({str(option) for option in options} - {str(word)})
    matches = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    if not matches:
        lowered = {choice.lower(): choice for choice in choices}
        matches = [lowered[str(word).lower()]] if str(word).lower() in lowered else []
    return f"did you mean '{matches[0]}'?" if matches else None


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
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem(file, None, "", "no such file")]) from None
    except IsADirectoryError:
        raise InputError([Problem(file, None, "", "is a directory, not a file")]) from None
    except UnicodeDecodeError as error:
        message = f"not UTF-8 text ({error.reason} at byte {error.start})"
        raise InputError([Problem(file, None, "", message)]) from None
    except OSError as error:
        raise InputError([Problem(file, None, "", f"cannot read: {error.strerror}")]) from None

    try:
        node = YAML().compose(text)
        duplicates = list(_duplicate_keys(node, (), file, set()))
        if duplicates:
            raise InputError(duplicates)
        reader = YAML()
        reader.allow_duplicate_keys = True
        document = reader.load(text)
    except YAMLError as error:
        raise InputError([_yaml_problem(file, error)]) from None

    if document is None:
        raise InputError(
            [Problem(file, None, "", "the file is empty; expected a mapping of fields")]
        )
    if not isinstance(document, Mapping):
        found = _describe_type(_plain(document, (), {}, file))
        raise InputError(
            [Problem(file, 1, "", f"expected a mapping of fields at the top level, got {found}")]
        )
    origins: dict[Loc, Origin] = {(): Origin(file, None)}
    data = _plain(document, (), origins, file)
    return data, Locator(file, origins)


def _yaml_problem(file: str, error: YAMLError) -> Problem:
    if isinstance(error, MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        message = f"YAML syntax error: {error.problem or error.context or 'unreadable'}"
        if error.context and error.problem and error.context_mark is not None:
            message += f" ({error.context} started on line {error.context_mark.line + 1})"
        return Problem(file, line, "", message)
    return Problem(file, None, "", f"YAML error: {error}")


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


# --------------------------------------------------------------------------------------------
# The schema as a tree: which keys are allowed where
# --------------------------------------------------------------------------------------------


def _arms(annotation: Any) -> list[Any]:
    """The alternatives of a union annotation (``None`` dropped), or the annotation itself."""
    if get_origin(annotation) in (Union, types.UnionType):
        return [arm for arm in get_args(annotation) if arm is not type(None)]
    return [annotation]


def model_arm(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model in ``annotation`` (``Strategy`` in ``Strategy | None``), if any."""
    for arm in _arms(annotation):
        if isinstance(arm, type) and issubclass(arm, BaseModel):
            return arm
    return None


def _dict_arm(annotation: Any) -> Any | None:
    for arm in _arms(annotation):
        if get_origin(arm) in (dict, Mapping):
            args = get_args(arm)
            return args[1] if len(args) == 2 else Any
    return None


def _list_arm(annotation: Any) -> Any | None:
    for arm in _arms(annotation):
        if get_origin(arm) in (list, tuple, Sequence):
            args = get_args(arm)
            return args[0] if args else Any
    return None


def type_at(model: type[BaseModel], loc: Sequence[str | int]) -> Any | None:
    """The annotation of the field at ``loc`` under ``model`` (None if the schema has no such place)."""
    annotation: Any = model
    for part in loc:
        sub_model = model_arm(annotation)
        if sub_model is not None and isinstance(part, str) and part in sub_model.model_fields:
            annotation = sub_model.model_fields[part].annotation
            continue
        value_type = _dict_arm(annotation)
        if value_type is not None and not isinstance(part, int):
            annotation = value_type
            continue
        item_type = _list_arm(annotation)
        if item_type is not None and isinstance(part, int):
            annotation = item_type
            continue
        return None
    return annotation


def allowed_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str] | None:
    """Field names allowed in the mapping at ``loc`` (None when it is a free-form mapping)."""
    sub_model = model_arm(type_at(model, loc))
    return list(sub_model.model_fields) if sub_model is not None else None


# --------------------------------------------------------------------------------------------
# pydantic errors -> problems
# --------------------------------------------------------------------------------------------

_TAG = re.compile(r"^(?:[a-z][a-z-]*\[.*\]|\[key\])$")
_TYPE_WORDS = {
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "none_required": "null",
}


def problems_from_validation_error(
    error: ValidationError,
    locator: Locator,
    *,
    model: type[BaseModel] | None = None,
) -> list[Problem]:
    """Turn a pydantic ``ValidationError`` into located, human-worded problems.

    ``model`` (the model that was validated) lets unknown keys get a "did you mean" hint.  A
    model validator may point at a field by raising ``ValueError("dotted.path: message")``.
    Errors from the arms of a union (``Literal[...] | dict``) are merged into one problem.
    """
    problems: list[Problem] = []
    unions: dict[Loc, list[tuple[Loc, Any]]] = {}
    for item in error.errors():
        loc = tuple(item["loc"])
        tag_at = _tag_index(loc, locator)
        if tag_at is None:
            problems.append(_problem_from_error(item, loc, locator, model))
        else:
            clean = loc[:tag_at] + tuple(p for p in loc[tag_at + 1 :] if not _is_tag(p, locator))
            unions.setdefault(loc[:tag_at], []).append((clean, item))
    for parent, arm_errors in unions.items():
        deeper = [(loc, item) for loc, item in arm_errors if len(loc) > len(parent)]
        if deeper:  # the value has the shape of one arm; report what is wrong inside it
            problems.extend(_problem_from_error(item, loc, locator, model) for loc, item in deeper)
            continue
        problems.append(_union_problem(parent, [item for _, item in arm_errors], locator))
    return problems


def _is_tag(part: str | int, locator: Locator) -> bool:
    return isinstance(part, str) and bool(_TAG.match(part))


def _tag_index(loc: Loc, locator: Locator) -> int | None:
    for index, part in enumerate(loc):
        if _is_tag(part, locator) and loc[: index + 1] not in locator:
            return index
    return None


def _problem_from_error(
    item: Any, loc: Loc, locator: Locator, model: type[BaseModel] | None
) -> Problem:
    kind = item["type"]
    value = item.get("input")
    ctx = item.get("ctx") or {}
    hint: str | None = None
    if kind == "value_error" and not loc:
        text = str(ctx.get("error", item["msg"]))
        path, sep, rest = text.partition(": ")
        if sep and re.fullmatch(r"[\w.\[\]-]+", path):
            return locator.problem(parse_dotted(path), rest)
        return locator.problem(loc, text)
    if kind == "extra_forbidden":
        if model is not None:
            options = allowed_keys(model, loc[:-1])
            if options is not None:
                hint = did_you_mean(loc[-1], options) or f"expected one of: {', '.join(options)}"
        return locator.problem(loc, "unknown field", hint)
    if kind == "missing":
        return locator.problem(loc, "required field is missing")
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        hint = did_you_mean(value, options) if isinstance(value, str) else None
        choices = ", ".join(f"'{option}'" for option in options)
        return locator.problem(loc, f"must be one of {choices}, not {_shown(value)}", hint)
    bounds = {
        "greater_than_equal": ("ge", "at least"),
        "less_than_equal": ("le", "at most"),
        "greater_than": ("gt", "greater than"),
        "less_than": ("lt", "less than"),
    }
    if kind in bounds:
        key, words = bounds[kind]
        return locator.problem(loc, f"must be {words} {_number(ctx.get(key))}, not {_shown(value)}")
    if kind in ("too_short", "too_long"):
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        words = "at least" if kind == "too_short" else "at most"
        entries = "item" if isinstance(value, list) else "entry"
        plural = "" if limit == 1 else ("s" if entries == "item" else "ies")
        if plural == "ies":
            entries = "entr"
        count = len(value) if hasattr(value, "__len__") else "?"
        return locator.problem(loc, f"needs {words} {limit} {entries}{plural}, has {count}")
    if kind == "string_pattern_mismatch":
        if loc == ("name",):
            message = (
                "must be a plain name (letters, digits, '_', '.', '-'; starting with a letter "
                f"or digit), not {_shown(value)}"
            )
        else:
            message = f"{_shown(value)} does not match the pattern {ctx.get('pattern')}"
        return locator.problem(loc, message)
    if kind in _TYPE_WORDS:
        return locator.problem(loc, f"expected {_TYPE_WORDS[kind]}, got {_describe_type(value)}")
    message = str(item["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return locator.problem(loc, message[:1].lower() + message[1:])


def _union_problem(parent: Loc, items: list[Any], locator: Locator) -> Problem:
    choices: list[str] = []
    options: list[str] = []
    for item in items:
        if item["type"] == "literal_error":
            found = re.findall(r"'([^']*)'", str((item.get("ctx") or {}).get("expected", "")))
            options.extend(found)
            choices.extend(f"'{option}'" for option in found)
        else:
            choices.append(_TYPE_WORDS.get(item["type"], str(item["msg"])))
    value = items[0].get("input")
    hint = did_you_mean(value, options) if isinstance(value, str) and options else None
    unique = list(dict.fromkeys(choices))
    wanted = ", ".join(unique[:-1]) + f" or {unique[-1]}" if len(unique) > 1 else unique[0]
    return locator.problem(parent, f"must be {wanted}, not {_shown(value)}", hint)


def _shown(value: object) -> str:
    if isinstance(value, str):
        return f"'{_shorten(value, 40)}'"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return _number(value)
    return _describe_type(value)


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --------------------------------------------------------------------------------------------
# Scenario checks beyond pydantic: cross references, evidence keys, --strict
# --------------------------------------------------------------------------------------------

# Mappings inside an entry whose keys name issues or actors (for hints and evidence keys).
_NAMED_TABLES: dict[str, Literal["issues", "actors"]] = {
    "position": "issues",
    "salience": "issues",
    "recognition": "actors",
}

# Where entries carrying an ``evidence`` map live, and their models.
_EVIDENCE_OWNERS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("issues", Issue),
    ("actors", Actor),
    ("dynamics", IssueDynamics),
)

# The numbers --strict wants evidence for; ``*`` stands for every entry of a table.
_STRICT_NUMBERS: dict[str, tuple[str, ...]] = {
    "actors": (
        "capability",
        "veto",
        "reservation",
        "war_cost",
        "discount",
        "strategy.beta",
        "position.*",
        "salience.*",
    ),
    "issues": ("status_quo",),
    "dynamics": ("drift", "volatility"),
    "protocol": ("max_rounds", "breakdown_probability", "recognition.*"),
}


def _names(data: Mapping[str, Any], section: str) -> list[str]:
    entries = data.get(section)
    return [str(key) for key in entries] if isinstance(entries, Mapping) else []


def scenario_key_names(data: Mapping[str, Any], loc: Sequence[str | int]) -> list[str]:
    """Keys the scenario's free-form mapping at ``loc`` may hold: issue or actor names.

    ``actors.X.position``/``salience`` and ``dynamics`` take issue names; ``protocol.recognition``
    takes actor names; ``actors`` and ``issues`` take the names already defined.
    """
    loc = tuple(loc)
    if loc in (("actors",), ("issues",), ("dynamics",)):
        return _names(data, "issues" if loc == ("dynamics",) else str(loc[0]))
    if loc == ("protocol", "recognition"):
        return _names(data, "actors")
    if len(loc) == 3 and loc[0] == "actors" and loc[2] in ("position", "salience"):
        return _names(data, "issues")
    return []


def _cross_reference_hint(data: Mapping[str, Any], message: str) -> str | None:
    match = re.fullmatch(r"unknown (issue|actor) '(.*)'", message)
    if match is None:
        return None
    return did_you_mean(match.group(2), _names(data, f"{match.group(1)}s"))


def evidence_targets(
    model: type[BaseModel], entry: Mapping[str, Any], data: Mapping[str, Any]
) -> list[str]:
    """The keys an ``evidence`` map of a ``model`` entry may use.

    Every field but ``evidence`` itself (``position`` covers the whole table), plus the dotted
    sub-fields: ``strategy.beta``, ``position.<issue>``, ``salience.<issue>``,
    ``recognition.<actor>``.
    """
    targets: list[str] = []
    for name, info in model.model_fields.items():
        if name == "evidence":
            continue
        targets.append(name)
        sub_model = model_arm(info.annotation)
        if sub_model is not None:
            targets.extend(f"{name}.{sub}" for sub in sub_model.model_fields if sub != "evidence")
        elif name in _NAMED_TABLES:
            keys = dict.fromkeys(_names(data, _NAMED_TABLES[name]))
            table = entry.get(name)
            if isinstance(table, Mapping):
                keys.update(dict.fromkeys(str(key) for key in table))
            targets.extend(f"{name}.{key}" for key in keys)
    return targets


def _evidence_entries(
    data: Mapping[str, Any],
) -> Iterator[tuple[Loc, type[BaseModel], Mapping[str, Any]]]:
    for section, model in _EVIDENCE_OWNERS:
        entries = data.get(section)
        if isinstance(entries, Mapping):
            for key, entry in entries.items():
                if isinstance(entry, Mapping):
                    yield (section, key), model, entry
    protocol = data.get("protocol")
    if isinstance(protocol, Mapping):
        yield ("protocol",), Protocol, protocol


def evidence_problems(data: Mapping[str, Any], locator: Locator) -> Iterator[Problem]:
    """Evidence keys that name no field of their entry."""
    for loc, model, entry in _evidence_entries(data):
        evidence = entry.get("evidence")
        if not isinstance(evidence, Mapping):
            continue
        targets = evidence_targets(model, entry, data)
        for key in evidence:
            if key not in targets:
                yield locator.problem(
                    (*loc, "evidence", key),
                    f"evidence for '{key}', which is not a field here",
                    did_you_mean(key, targets),
                )


def unsupported_numbers(data: Mapping[str, Any], locator: Locator) -> Iterator[Problem]:
    """``--strict``: every number set in the scenario needs an evidence entry.

    A number is covered by an evidence key equal to its field path within its entry or to a
    parent of it (``position`` covers ``position.territory``).  Fields left at their defaults
    are not numbers the file sets and are not checked.
    """
    for loc, _model, entry in _evidence_entries(data):
        evidence = entry.get("evidence")
        keys = [str(key) for key in evidence] if isinstance(evidence, Mapping) else []
        for pattern in _STRICT_NUMBERS[str(loc[0])]:
            for path in _expand(entry, pattern):
                if not any(path == key or path.startswith(key + ".") for key in keys):
                    yield locator.problem(
                        (*loc, *path.split(".")),
                        "no evidence for this value (--strict)",
                        f'add evidence: {{{path}: "..."}}',
                    )


def _expand(entry: Mapping[str, Any], pattern: str) -> Iterator[str]:
    head, _, rest = pattern.partition(".")
    if head not in entry or entry[head] is None:
        return
    value = entry[head]
    if not rest:
        yield head
    elif rest == "*":
        if isinstance(value, Mapping):
            yield from (f"{head}.{key}" for key in value)
    elif isinstance(value, Mapping):
        yield from (f"{head}.{path}" for path in _expand(value, rest))


def validate_scenario_data(
    data: Mapping[str, Any], locator: Locator, *, strict: bool = False
) -> tuple[Scenario | None, list[Problem]]:
    """Validate raw scenario data; returns the Scenario (None if invalid) and every problem.

    Field validation (pydantic), cross references (run on the raw data, so they are reported
    even when fields are wrong), evidence keys and, if ``strict``, evidence for every number.
    """
    problems: list[Problem] = []
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        problems.extend(problems_from_validation_error(error, locator, model=Scenario))
    for loc, message in cross_reference_problems(data):
        problems.append(locator.problem(loc, message, _cross_reference_hint(data, message)))
    problems.extend(evidence_problems(data, locator))
    if strict:
        problems.extend(unsupported_numbers(data, locator))
    problems = sort_problems(problems)
    return (scenario if not problems else None), problems


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


# --------------------------------------------------------------------------------------------
# Inheritance
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResolvedScenario:
    """A scenario with the chain of files it came from and where each value was set."""

    scenario: Scenario
    locator: Locator
    files: tuple[Path, ...]
    raw: Mapping[str, Any] = field(repr=False)

    @property
    def provenance(self) -> dict[str, Origin]:
        """Dotted field path -> the file and line that set it (``--set`` for overrides)."""
        return {dotted(loc): origin for loc, origin in self.locator.origins.items() if loc}

    def origin(self, loc: Sequence[str | int]) -> Origin | None:
        """Where the value at ``loc`` was set; None if it was left at its default."""
        return self.locator.origins.get(tuple(loc))


def merge_layers(
    base: Mapping[str, Any],
    base_origins: Mapping[Loc, Origin],
    child: Mapping[str, Any],
    child_origins: Mapping[Loc, Origin],
) -> tuple[dict[str, Any], dict[Loc, Origin]]:
    """Merge a child scenario's data over its base's, with the origins of every value.

    Mappings merge recursively; anything else (numbers, text, lists) in the child replaces the
    base's value; a child ``null`` removes the key (the field falls back to its default, or the
    entry is dropped from its table).
    """
    origins = dict(base_origins)
    merged = _merge(base, child, (), origins, child_origins)
    if () in child_origins:
        origins[()] = child_origins[()]
    return merged, origins


def _merge(
    base: Mapping[str, Any],
    child: Mapping[str, Any],
    loc: Loc,
    origins: dict[Loc, Origin],
    child_origins: Mapping[Loc, Origin],
) -> dict[str, Any]:
    result = dict(base)
    for key, value in child.items():
        here = (*loc, key)
        previous = result.get(key)
        if value is None:
            result.pop(key, None)
            _drop_subtree(origins, here)
        elif isinstance(previous, Mapping) and isinstance(value, Mapping):
            result[key] = _merge(previous, value, here, origins, child_origins)
            if here in child_origins:
                origins[here] = child_origins[here]
        else:
            result[key] = value
            _drop_subtree(origins, here)
            origins.update(
                (path, origin)
                for path, origin in child_origins.items()
                if path[: len(here)] == here
            )
    return result


def _drop_subtree(origins: dict[Loc, Origin], loc: Loc) -> None:
    for path in [path for path in origins if path[: len(loc)] == loc]:
        del origins[path]


def read_scenario_layers(path: Path) -> tuple[dict[str, Any], Locator, tuple[Path, ...]]:
    """Read a scenario file and, through ``extends``, its bases; return the merged data.

    The locator of the result knows, for every key, which file of the chain set it.
    """
    data, origins, files = _read_layers(path, ())
    return data, Locator(display_path(path), origins), files


def _read_layers(
    path: Path, chain: tuple[Path, ...]
) -> tuple[dict[str, Any], dict[Loc, Origin], tuple[Path, ...]]:
    data, locator = read_yaml(path)
    base_name = data.get("extends")
    if base_name is None:
        return data, dict(locator.origins), (path,)
    here = locator.origin(("extends",))
    if not isinstance(base_name, str) or not base_name.strip():
        raise ScenarioError(
            [locator.problem(("extends",), "must be a scenario name or a path to a scenario file")]
        )
    problems: list[Problem] = []
    if "name" not in data:
        problems.append(
            Problem(
                here.file, here.line, "name", "a scenario that extends another needs its own name"
            )
        )
    base_path, looked = find_scenario(base_name, path.parent)
    if base_path is None:
        problems.append(
            Problem(
                here.file,
                here.line,
                "extends",
                f"base scenario '{base_name}' not found (looked in {', '.join(looked)})",
            )
        )
        raise ScenarioError(problems)
    resolved_chain = (*chain, path)
    if any(base_path.resolve() == link.resolve() for link in resolved_chain):
        start = next(
            i for i, link in enumerate(resolved_chain) if link.resolve() == base_path.resolve()
        )
        cycle = " -> ".join(display_path(link) for link in (*resolved_chain[start:], base_path))
        problems.append(Problem(here.file, here.line, "extends", f"'extends' cycle: {cycle}"))
        raise ScenarioError(problems)
    try:
        base_data, base_origins, base_files = _read_layers(base_path, resolved_chain)
    except InputError as error:
        raise ScenarioError([*problems, *error.problems]) from None
    if problems:
        raise ScenarioError(problems)
    merged, origins = merge_layers(base_data, base_origins, data, locator.origins)
    return merged, origins, (*base_files, path)


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------


def load_resolved(
    path: str | os.PathLike[str],
    overrides: Sequence[str] | Mapping[str, Any] = (),
    *,
    strict: bool = False,
) -> ResolvedScenario:
    """Load a scenario (name or path), resolve ``extends``, apply ``--set`` overrides, validate.

    Raises :class:`ScenarioError` listing every problem found.
    """
    from sim.overrides import apply_overrides_collecting

    try:
        scenario_path = resolve_scenario_path(path)
        data, locator, files = read_scenario_layers(scenario_path)
    except ScenarioError:
        raise
    except InputError as error:
        raise ScenarioError(error.problems) from None
    problems: list[Problem] = []
    changed: list[Loc] = []
    if overrides:
        data, changed, override_problems = apply_overrides_collecting(data, overrides)
        problems.extend(override_problems)
        for loc in changed:
            _drop_subtree(locator.origins, loc)
            for end in range(1, len(loc) + 1):
                locator.origins.setdefault(loc[:end], Origin("--set", None))
            locator.origins[loc] = Origin("--set", None)
    scenario, found = validate_scenario_data(data, locator, strict=strict)
    found = [_blame_overrides(problem, changed) for problem in found]
    problems = sort_problems([*problems, *found])
    if problems or scenario is None:
        raise ScenarioError(problems)
    return ResolvedScenario(scenario=scenario, locator=locator, files=files, raw=data)


def _blame_overrides(problem: Problem, changed: Sequence[Loc]) -> Problem:
    """Say which ``--set`` changed a table whose problem is reported where a file wrote it."""
    if problem.file == "--set" or problem.hint is not None or not problem.field:
        return problem
    inside = [
        dotted(loc)
        for loc in changed
        if dotted(loc).startswith((problem.field + ".", problem.field + "["))
    ]
    if not inside:
        return problem
    return replace(problem, hint=f"after --set {', '.join(inside)}")


def load_scenario(
    path: str | os.PathLike[str],
    overrides: Sequence[str] | Mapping[str, Any] = (),
    *,
    strict: bool = False,
) -> Scenario:
    """The validated :class:`Scenario` in ``path`` (a file or a scenario name).

    ``overrides`` are ``PATH=VALUE`` strings (as given to ``--set``) or a ``{path: value}``
    mapping.  ``strict`` also requires evidence for every number.  Raises
    :class:`ScenarioError` listing every problem found.
    """
    return load_resolved(path, overrides, strict=strict).scenario
