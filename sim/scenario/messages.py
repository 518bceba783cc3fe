"""Translate pydantic validation errors into :class:`~sim.errors.Problem` lines a person can act on."""

from __future__ import annotations

import re
import types
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from sim.distributions.priors import DISTRIBUTIONS
from sim.errors import Loc, Problem, did_you_mean, parse_dotted
from sim.scenario.yaml_source import Locator, _describe_type, _shorten

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
        loc = _without_discriminator(tuple(item["loc"]), locator)
        if item["type"] in ("union_tag_invalid", "union_tag_not_found"):
            problems.append(_tag_problem(item["type"], loc, item.get("ctx") or {}, locator))
            continue
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


def _without_discriminator(loc: Loc, locator: Locator) -> Loc:
    """``loc`` without the tag pydantic puts after a discriminated union (``belief.uniform.low``)."""
    for index, part in enumerate(loc):
        if part in DISTRIBUTIONS and loc[: index + 1] not in locator:
            return loc[:index] + loc[index + 1 :]
    return loc


def _is_tag(part: str | int, locator: Locator) -> bool:
    return isinstance(part, str) and bool(_TAG.match(part))


def _tag_index(loc: Loc, locator: Locator) -> int | None:
    for index, part in enumerate(loc):
        if _is_tag(part, locator) and loc[: index + 1] not in locator:
            return index
    return None


def _pointed(text: str, loc: Loc, locator: Locator) -> Problem | None:
    """A validator's own message where it says where: a model validator names the field
    (``dotted.path: ...``), a field validator the entry inside its field (``.key: ...``,
    ``[index]: ...``; :mod:`sim.frozen`); a model validator's other messages stand at the top.
    None: a field validator's message, worded where it stands."""
    path, sep, rest = text.partition(": ")
    if sep and re.fullmatch(r"[\w.\[\]-]+", path) and (not loc or path[0] in ".["):
        return locator.problem((*loc, *parse_dotted(path.lstrip("."))), rest)
    return None if loc else locator.problem(loc, text)


def _problem_from_error(
    item: Any, loc: Loc, locator: Locator, model: type[BaseModel] | None
) -> Problem:
    kind = item["type"]
    value = item.get("input")
    ctx = item.get("ctx") or {}
    hint: str | None = None
    if kind == "value_error":
        pointed = _pointed(str(ctx.get("error", item["msg"])), loc, locator)
        if pointed is not None:
            return pointed
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


def _tag_problem(kind: str, loc: Loc, ctx: Mapping[str, Any], locator: Locator) -> Problem:
    """A distribution (a discriminated union on ``dist``) with an unknown or missing kind."""
    field = str(ctx.get("discriminator", "")).strip("'")
    if kind == "union_tag_not_found":
        return locator.problem(
            loc, f"needs '{field}:'", f"{field} is one of: {', '.join(DISTRIBUTIONS)}"
        )
    options = [str(tag).strip("' ") for tag in str(ctx.get("expected_tags", "")).split(",")]
    tag = ctx.get("tag")
    hint = did_you_mean(tag, options) or f"use one of: {', '.join(options)}"
    return locator.problem((*loc, field), f"unknown distribution '{tag}'", hint)


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
# A file of the other kind
# --------------------------------------------------------------------------------------------

_KEYS_OF = {
    "scenario": ("issues", "actors", "protocol"),
    "experiment": ("scenario", "uncertainty", "runs", "factors"),
}


def wrong_kind_problem(
    data: Mapping[str, Any], locator: Locator, wanted: Literal["scenario", "experiment"]
) -> Problem | None:
    """One problem for a file of the other kind (an experiment given where a scenario is
    wanted, or the reverse) instead of one per field of it; None for any other file."""
    other: Literal["scenario", "experiment"] = "experiment" if wanted == "scenario" else "scenario"
    if any(key in data for key in _KEYS_OF[wanted]):
        return None
    key = next((key for key in _KEYS_OF[other] if key in data), None)
    if key is None:
        return None
    command = "parley sweep" if other == "experiment" else "parley run"
    article = {"scenario": "a scenario", "experiment": "an experiment"}
    message = (
        f"this is {article[other]} file (it has '{key}:'), not {article[wanted]}; "
        f"use {command} {locator.file}"
    )
    return locator.problem((key,), message)
