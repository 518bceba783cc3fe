"""A resolved scenario as YAML, each value annotated with the file and line that set it and its
evidence (what ``parley show`` prints)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.errors import Loc, display_path
from sim.scenario.inheritance import ResolvedScenario

EVIDENCE_WIDTH = 80
COMMENT_COLUMN = 44


def annotated_yaml(resolved: ResolvedScenario) -> str:
    """The resolved scenario (defaults filled in) as YAML that loads back to the same scenario.

    ``extends`` is shown as a comment: the output is self-contained.

    Each value carries a comment naming the file and line that set it (``--set`` for an
    override, ``default`` when no file sets it) and the evidence given for it, shortened.
    """
    data = resolved.scenario.model_dump(mode="json")
    base = data.pop("extends", None)
    chain = " <- ".join(display_path(path) for path in reversed(resolved.files))
    lines: list[tuple[str, str]] = [
        (f"# scenario '{resolved.scenario.name}' resolved from {chain}", ""),
        ("# comments: file:line that set each value ('default' if none) and its evidence", ""),
    ]
    if base is not None:
        lines.append((f"# extends: {base}  (already merged into the values below)", ""))
    _emit(data, (), 0, resolved, data, lines)
    column = min(COMMENT_COLUMN, max((len(text) for text, note in lines if note), default=0))
    return "".join(
        f"{text.ljust(column)}  # {note}\n" if note else f"{text}\n" for text, note in lines
    )


def _emit(
    mapping: Mapping[str, Any],
    loc: Loc,
    indent: int,
    resolved: ResolvedScenario,
    data: Mapping[str, Any],
    lines: list[tuple[str, str]],
) -> None:
    pad = "  " * indent
    for key, value in mapping.items():
        here = (*loc, key)
        label = f"{pad}{_scalar(key)}:"
        if key == "evidence" and isinstance(value, Mapping):
            if not value:
                continue  # no evidence cited: leave the empty default out
            lines.append((label, ""))
            for cited, text in value.items():
                lines.append((f"{pad}  {_scalar(cited)}: {_scalar(text)}", ""))
        elif isinstance(value, Mapping) and value:
            evidence = _evidence(here, data)
            lines.append((label, f"evidence: {evidence}" if evidence else ""))
            _emit(value, here, indent + 1, resolved, data, lines)
        else:
            lines.append((f"{label} {_scalar(value)}", _note(here, resolved, data)))


def _note(loc: Loc, resolved: ResolvedScenario, data: Mapping[str, Any]) -> str:
    origin = resolved.origin(loc)
    if origin is None:
        source = "default"
    elif origin.line is None:
        source = Path(origin.file).name if origin.file != "--set" else "--set"
    else:
        source = f"{Path(origin.file).name}:{origin.line}"
    evidence = _evidence(loc, data)
    return f"{source} — evidence: {evidence}" if evidence else source


def _evidence(loc: Loc, data: Mapping[str, Any]) -> str | None:
    """The evidence text cited for exactly this field, shortened for a comment."""
    if loc[:1] in (("actors",), ("issues",), ("dynamics",)) and len(loc) > 2:
        owner, rest = loc[:2], loc[2:]
    elif loc[:1] == ("protocol",) and len(loc) > 1:
        owner, rest = loc[:1], loc[1:]
    else:
        return None
    entry: Any = data
    for part in owner:
        entry = entry.get(part) if isinstance(entry, Mapping) else None
    evidence = entry.get("evidence") if isinstance(entry, Mapping) else None
    if not isinstance(evidence, Mapping) or any(isinstance(part, int) for part in rest):
        return None
    text = evidence.get(".".join(str(part) for part in rest))
    if not isinstance(text, str):
        return None
    text = " ".join(text.split())
    return text if len(text) <= EVIDENCE_WIDTH else text[: EVIDENCE_WIDTH - 1].rstrip() + "…"


def _scalar(value: Any) -> str:
    """A value in YAML flow syntax, quoted only when needed."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        return text if "." in text or "e" not in text else text.replace("e", ".0e", 1)
    if isinstance(value, str):
        return value if _plain_safe(value) else json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_scalar(k)}: {_scalar(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(_scalar(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _plain_safe(text: str) -> bool:
    """Can ``text`` be written unquoted and still read back as the same string?"""
    if not text or text != text.strip() or any(c in text for c in ":#,[]{}\n\t\"'\\"):
        return False
    if text[0] in "-?&*!|>%@`":
        return False
    from ruamel.yaml import YAML

    try:
        return bool(YAML(typ="safe", pure=True).load(text) == text)
    except Exception:
        return False
