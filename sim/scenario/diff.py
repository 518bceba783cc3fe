"""What a variant changes: every field whose value differs from its base, with both evidence texts.

``parley diff VARIANT [BASE]`` prints this; the report highlights the same changes against the
base.  The evidence for a field is the entry's ``evidence`` text whose key is the field's path
within its entry or the nearest parent of it (``position`` covers ``position.territory``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sim.scenario.schema import Scenario

# Text fields that name or describe a scenario rather than set what it computes.
_LABELS = frozenset({"name", "description", "extends"})
# Sections whose entries carry an ``evidence`` map (the protocol is one entry itself).
_ENTRY_SECTIONS = ("actors", "issues", "dynamics")


@dataclass(frozen=True)
class Change:
    """One field a variant sets differently from its base (None: absent on that side)."""

    path: str
    base: Any
    variant: Any
    base_evidence: str | None
    variant_evidence: str | None

    @property
    def evidence_stale(self) -> bool:
        """Whether the variant cites the base's own evidence for its changed value."""
        return self.variant_evidence is not None and self.variant_evidence == self.base_evidence


_MISSING = object()


def _leaves(node: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "evidence" or (len(prefix) <= 2 and key in _LABELS):
                continue
            yield from _leaves(value, (*prefix, str(key)))
    else:
        yield prefix, node


def evidence_for(data: Mapping[str, Any], path: Sequence[str]) -> str | None:
    """The evidence text covering the field at ``path`` of a dumped scenario, if any."""
    if not path:
        return None
    depth = 2 if path[0] in _ENTRY_SECTIONS else 1
    entry: Any = data
    for part in path[:depth]:
        entry = entry.get(part) if isinstance(entry, Mapping) else None
    evidence = entry.get("evidence") if isinstance(entry, Mapping) else None
    if not isinstance(evidence, Mapping):
        return None
    inner = list(path[depth:])
    for end in range(len(inner), 0, -1):
        text = evidence.get(".".join(inner[:end]))
        if text is not None:
            return str(text)
    return None


def scenario_changes(variant: Scenario, base: Scenario) -> list[Change]:
    """Every field the variant sets differently from ``base``, in the variant's order."""
    data_v, data_b = variant.model_dump(), base.model_dump()
    values_b = dict(_leaves(data_b))
    values_v = dict(_leaves(data_v))
    changes = []
    for path in [*values_v, *(p for p in values_b if p not in values_v)]:
        old, new = values_b.get(path, _MISSING), values_v.get(path, _MISSING)
        if old == new or (_absent(old) and _absent(new)):
            continue
        changes.append(
            Change(
                ".".join(path),
                None if old is _MISSING else old,
                None if new is _MISSING else new,
                evidence_for(data_b, path) if old is not _MISSING else None,
                evidence_for(data_v, path) if new is not _MISSING else None,
            )
        )
    return changes


def _absent(value: Any) -> bool:
    """Missing, or None (a field left unset, as it is when its whole entry is missing)."""
    return value is None or value is _MISSING


def format_changes(variant: str, base: str, changes: Sequence[Change]) -> str:
    """The changes as text: the field, base → variant value, then both evidence texts."""
    if not changes:
        return f"{variant} sets nothing differently from {base}"
    lines = [f"{variant} against {base}: {len(changes)} change{'s' * (len(changes) != 1)}"]
    for change in changes:
        lines += [
            "",
            f"{change.path}: {_shown(change.base)} -> {_shown(change.variant)}",
            f"  {base}: {change.base_evidence or '(no evidence)'}",
        ]
        if change.evidence_stale:
            lines.append(f"  {variant}: (the base's evidence, not updated for the new value)")
        else:
            lines.append(f"  {variant}: {change.variant_evidence or '(no evidence)'}")
    return "\n".join(lines)


def _shown(value: Any) -> str:
    if value is None:
        return "(absent)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, float) else str(value)
