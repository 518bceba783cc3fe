"""The base of every typed configuration object (scenario, experiment, prior): immutable, strict
about unknown keys and non-finite numbers, and strict about booleans both ways -- ``true`` where a
number is meant is a mistake, not 1, and ``'yes'`` or ``1`` where a flag is meant is a mistake,
not true (pydantic's lax mode would accept both) -- and about text where a number is meant:
``'0.1'`` in quotes is text, as ``x`` is (lax mode would read the first as 0.1)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic.fields import FieldInfo

_NUMBER = re.compile(r"\b(float|int)\b")
_FLAG = re.compile(r"\bbool\b")
_TEXT = re.compile(r"\bLiteral\b|\bstr\b(?!,)")


def wants_number(field: FieldInfo) -> bool:
    """Whether a field holds a number, or a table or list of numbers (not a flag)."""
    text = str(field.annotation)
    return bool(_NUMBER.search(text)) and not _FLAG.search(text)


def admits_text(field: FieldInfo) -> bool:
    """Whether a field takes text as a value (a name or a choice; a table's keys do not count)."""
    return bool(_TEXT.search(str(field.annotation)))


def wants_flag(field: FieldInfo) -> bool:
    """Whether a field holds a flag (true or false) and nothing else."""
    text = str(field.annotation)
    return bool(_FLAG.search(text)) and not _NUMBER.search(text)


def _leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """The scalars of ``value`` with their paths inside it (``.key``, ``[index]``): itself
    (path ``""``), or the values of its (nested) mappings and lists."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}[{index}]")
    else:
        yield path, value


_SIMPLE_PATH = re.compile(r"(?:\.[\w-]+|\[\d+\])+")


def _at(path: str, message: str) -> ValueError:
    """The error of the scalar at ``path`` inside the field (``.key: message``: the messages
    point at the entry, :func:`sim.scenario.messages.problems_from_validation_error`); a key
    that is not a plain name is named in the message instead."""
    if not path:
        return ValueError(message)
    if _SIMPLE_PATH.fullmatch(path):
        return ValueError(f"{path}: {message}")
    return ValueError(f"in {path.lstrip('.')!r}: {message}")


def strict_flags_and_numbers(model: type[BaseModel], value: Any, info: ValidationInfo) -> Any:
    """The check of :class:`Frozen`, for a ``mode="before"`` field validator of any model:
    ``true``/``false`` is a flag, never 1 or 0; a flag is ``true`` or ``false`` only; where only
    numbers are meant, text is text, even text that reads as a number."""
    if info.field_name is None:
        return value
    field = model.model_fields[info.field_name]
    if wants_number(field):
        texts = not admits_text(field)
        for path, item in _leaves(value):
            if isinstance(item, bool):
                raise _at(path, "a number is needed here, not true/false")
            if texts and isinstance(item, str):
                raise _at(path, f"expected a number, got the text '{item[:40]}'{_unquote(item)}")
    if wants_flag(field) and not isinstance(value, bool):
        # Only what lax validation would turn into a flag; anything else keeps its own message.
        if isinstance(value, str):
            raise ValueError(f"expected true or false, got the text '{value[:40]}'")
        if isinstance(value, int | float):
            raise ValueError(f"expected true or false, got the number {value}")
    return value


class Frozen(BaseModel):
    """Base for every configuration object: immutable, no unknown keys, finite numbers only,
    and no booleans standing in for numbers or numbers and text standing in for booleans."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _strict_flags_and_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        """See :func:`strict_flags_and_numbers`."""
        return strict_flags_and_numbers(cls, value, info)


def _unquote(text: str) -> str:
    """The hint for a number written in quotes: without them it is one."""
    try:
        float(text)
    except ValueError:
        return ""
    return " (a number in quotes: write it without them)"
