"""The input boundary: the limits every YAML file and ``--set`` value is held to before it is used.

A YAML text is first scanned as a stream of parser events (the parser is iterative, so no
nesting can exhaust the stack): it is refused if it is larger than :data:`MAX_FILE_BYTES`, nests
deeper than :data:`MAX_DEPTH`, would expand through aliases to more than :data:`MAX_NODES` values
(the "billion laughs"), carries a tag other than YAML's core ones, or spells an integer of more
than :data:`MAX_INTEGER_DIGITS` digits.  Only then is it composed into objects.  The plain data
that comes out is then checked for numbers that are not numbers: NaN and infinities, and
magnitudes beyond :data:`MAX_MAGNITUDE`, are refused wherever they appear.  The limits are stated
for users in ``docs/scenario.md`` ("Limits").
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from sim.errors import Loc, Problem

MAX_FILE_BYTES = 128_000
"""Largest scenario or experiment file read (the baseline scenario is 26 kB)."""
MAX_SET_CHARS = 10_000
"""Longest ``--set`` value."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists (a scenario needs 5 levels)."""
MAX_NODES = 5_000
"""Most values (keys, scalars, lists, mappings) a document may expand to, aliases included
(the baseline scenario has 425)."""
MAX_INTEGER_DIGITS = 30
"""Longest integer literal, in digits (2^63 has 19)."""
MAX_MAGNITUDE = 1e12
"""Largest absolute value of a number (every field's valid range lies far inside it)."""
MIN_MAGNITUDE = 1e-12
"""Smallest absolute value of a non-zero number (below it, products underflow to zero)."""

MAX_ACTORS = 50
"""Most actors in a scenario."""
MAX_ISSUES = 50
"""Most issues in a scenario."""
MAX_ROUNDS = 10_000
"""Latest deadline (``protocol.max_rounds``)."""

MAX_SEED = 2**63 - 1
"""Largest seed or world index (the counter-based streams key on 64-bit integers)."""
MAX_RUNS = 100_000_000
"""Most worlds per cell of a sweep."""
MAX_WORLDS = 1_000_000_000
"""Most worlds in a sweep (runs times cells)."""
MAX_CHUNK_SIZE = 200_000
"""Most worlds per chunk (a worker needs about 10 kB per world of its chunk)."""
MAX_WORKERS = 256
"""Most worker processes."""
MAX_ZOPA_SAMPLES = 10_000_000
"""Most Monte Carlo samples of ``parley zopa`` (50 times the default; beyond it the volume's
standard error shrinks by under a seventh while the run takes minutes)."""
MAX_RESAMPLES = 100_000
"""Most bootstrap resamples of ``parley compare`` (50 times the default; its time grows with
them, so a count beyond any use would run for days)."""
MAX_SHOWN = 10_000
"""Most rows a table may be asked for (``parley sensitivity --top``)."""
MAX_EXPERIMENT_SCENARIOS = 50
"""Most scenarios one experiment compares."""
MAX_PRIORS = 200
"""Most entries under an experiment's ``uncertainty``."""
MAX_FACTORS = 20
"""Most fields an experiment's ``factors`` vary."""

CORE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")
)
_INTEGER = re.compile(r"[-+]?(0x[0-9a-fA-F_]+|0o[0-7_]+|[0-9_]+)")


def yaml_text_problems(text: str, file: str) -> list[Problem]:
    """Why ``text`` must not be composed (too deep, too big once expanded, odd tags); [] if fine.

    Scans the parser's event stream with a bounded amount of work; a YAML syntax error is left
    for the composer to report with its line.
    """
    try:
        return _scan(_fast_events(text), file)
    except Exception:  # libyaml refuses what ruamel may accept: scan with ruamel itself
        pass
    try:
        return _scan(YAML(typ="rt").parse(text), file)
    except YAMLError:
        return []  # the composer reports the syntax error with its line


def _fast_events(text: str) -> Iterator[Any]:
    """Parser events from libyaml (through PyYAML), some fifty times faster than pure Python."""
    import yaml

    parser_class = getattr(yaml, "CParser", None)
    if parser_class is None:
        raise ImportError("libyaml is not available")
    parser = parser_class(text)
    try:
        while parser.check_event():
            yield parser.get_event()
    finally:
        parser.dispose()


def _scan(events: Iterable[Any], file: str) -> list[Problem]:
    depth = 0
    nodes = 0
    anchors: dict[str, int] = {}
    open_anchors: list[tuple[str | None, int]] = []
    for event in events:
        kind = type(event).__name__
        line = _line(event)
        tag = getattr(event, "tag", None)
        if kind != "AliasEvent" and tag is not None and not _core_tag(tag):
            return [Problem(file, line, "", f"unsupported YAML tag '{_short(tag)}'")]
        if kind == "ScalarEvent":
            nodes += 1
            if event.anchor:
                anchors[str(event.anchor)] = 1
            problem = _scalar_problem(event.value, event.style, file, line)
            if problem is not None:
                return [problem]
        elif kind in ("MappingStartEvent", "SequenceStartEvent"):
            depth += 1
            if depth > MAX_DEPTH:
                return [Problem(file, line, "", f"nested more than {MAX_DEPTH} levels deep")]
            open_anchors.append((event.anchor, nodes))
            nodes += 1
        elif kind in ("MappingEndEvent", "SequenceEndEvent"):
            depth -= 1
            anchor, start = open_anchors.pop()
            if anchor:
                anchors[str(anchor)] = nodes - start
        elif kind == "AliasEvent":
            nodes += anchors.get(str(event.anchor), 1)
        if nodes > MAX_NODES:
            message = (
                f"expands to more than {MAX_NODES:,} values (through aliases, or simply too large)"
            )
            return [Problem(file, line, "", message)]
    return []


def _line(event: Any) -> int | None:
    mark = getattr(event, "start_mark", None)
    return mark.line + 1 if mark is not None else None


def _core_tag(tag: object) -> bool:
    text = str(getattr(tag, "value", tag))
    return text in CORE_TAGS or text in ("!", "?")


def _short(text: object, limit: int = 40) -> str:
    shown = str(getattr(text, "value", text))
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _scalar_problem(value: str, style: object, file: str, line: int | None) -> Problem | None:
    if style is None and len(value) > MAX_INTEGER_DIGITS and _INTEGER.fullmatch(value):
        digits = sum(ch.isalnum() for ch in value)
        return Problem(
            file, line, "", f"an integer of {digits} digits (at most {MAX_INTEGER_DIGITS})"
        )
    return None


def number_problems(data: Any) -> Iterator[tuple[Loc, str]]:
    """Numbers in plain data that are not usable numbers: NaN, infinities, absurd magnitudes.

    Yields ``(location, message)`` for every one, locations relative to ``data``.
    """
    stack: list[tuple[Loc, Any]] = [((), data)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, Mapping):
            stack.extend(((*loc, key), item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend(((*loc, index), item) for index, item in enumerate(value))
        elif isinstance(value, float | int) and not isinstance(value, bool):
            message = number_message(value)
            if message is not None:
                yield loc, message


def number_message(value: float | int) -> str | None:
    """Why ``value`` is not a usable number, or None when it is."""
    if isinstance(value, int):
        return None if abs(value) < 2**63 else f"{value:.3g} is too large (at most 2^63 - 1)"
    if math.isnan(value):
        return "not a number (NaN); give a finite number"
    if math.isinf(value):
        return "infinite; give a finite number"
    if abs(value) > MAX_MAGNITUDE:
        return f"{value:g} is too large (at most {MAX_MAGNITUDE:g} in magnitude)"
    if value != 0.0 and abs(value) < MIN_MAGNITUDE:
        return f"{value:g} is too small (0, or at least {MIN_MAGNITUDE:g} in magnitude)"
    return None
