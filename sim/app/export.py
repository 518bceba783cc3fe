"""The page's settings as a scenario file: a child that ``extends`` the scenario it started from.

Only the changed fields are written (see ``docs/inheritance.md`` for how a child merges into its
base), each with an ``evidence`` entry saying it was set on the page and what it was before, and
a header comment listing every change, so an exploration on the page becomes a reproducible,
valid file (``parley validate --strict`` accepts it when the base does).
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from sim.app.settings import Settings, changed_fields
from sim.scenario.discovery import find_scenario
from sim.scenario.evidence import evidence_targets
from sim.scenario.messages import model_arm, type_at
from sim.scenario.overrides import value_at
from sim.scenario.schema import Scenario

EVIDENCE_OWNER_DEPTH = {"actors": 2, "issues": 2, "dynamics": 2, "ratification.ratifiers": 3}
"""How many path parts name the entry whose ``evidence`` map covers a field (a ratifier's is
``ratification.ratifiers.<key>``, an actor's ``actors.<key>``); one for the rest (``protocol``,
``ratification``, ``implementation``)."""

EVIDENCE_NOTE = "Set on the `parley app` page (was {before} in {base})."


def extends_reference(source: str) -> str:
    """How the exported file names its base: the library name, or the base file's absolute path.

    A name the library finds (``alaska-summit``) stays a name; a path becomes absolute so that
    the exported file works wherever it is saved.
    """
    found, _ = find_scenario(source)
    if found is None or _is_library_name(source):
        return source
    return str(found.resolve())


def _is_library_name(source: str) -> bool:
    path = Path(source)
    return len(path.parts) == 1 and path.suffix not in (".yaml", ".yml") and not path.exists()


def default_export_name(settings: Settings) -> str:
    """The exported scenario's name: the base's name with ``-what-if``."""
    return f"{settings.base.name}-what-if"


def export_data(settings: Settings, name: str | None = None) -> dict[str, Any]:
    """The child scenario as plain data: ``name``, ``extends``, ``description`` and the changes."""
    name = name or default_export_name(settings)
    changes = changed_fields(settings)
    summary = "; ".join(
        f"{path} {_show(before)} -> {_show(after)}" for path, before, after in changes
    )
    data: dict[str, Any] = {
        "name": name,
        "extends": extends_reference(settings.source),
        "description": f"What if, starting from {settings.base.name}: "
        + (summary if summary else "no changes")
        + ".",
    }
    current = settings.current.model_dump()
    for path, before, after in changes:
        parts = path.split(".")
        owner_length = EVIDENCE_OWNER_DEPTH.get(
            ".".join(parts[:2]), EVIDENCE_OWNER_DEPTH.get(parts[0], 1)
        )
        owner = parts[:owner_length]
        _put(data, parts, after)
        evidence_key = _evidence_key(owner, parts[owner_length:], current)
        note = EVIDENCE_NOTE.format(before=_show(before), base=settings.base.name)
        if evidence_key != ".".join(parts[owner_length:]):
            note = f"{'.'.join(parts[owner_length + evidence_key.count('.') + 1 :])}: {note}"
        evidence = data.setdefault(owner[0], {})
        for part in owner[1:]:
            evidence = evidence.setdefault(part, {})
        notes = evidence.setdefault("evidence", {})
        notes[evidence_key] = f"{notes[evidence_key]} {note}" if evidence_key in notes else note
    return data


def _evidence_key(owner: list[str], field: list[str], data: dict[str, Any]) -> str:
    """The ``evidence`` key covering ``field`` of entry ``owner``: the field one level deep
    (``salience.territory``, ``private.belief``) where the entry's evidence may name that,
    else the field itself (``reneging_cost`` for ``reneging_cost.russia``)."""
    model = model_arm(type_at(Scenario, tuple(owner)))
    entry = value_at(data, ".".join(owner))
    two = ".".join(field[:2])
    known = model is not None and isinstance(entry, Mapping)
    if known and two in evidence_targets(model, entry, data):  # type: ignore[arg-type]
        return two
    return field[0]


def export_yaml(settings: Settings, name: str | None = None) -> str:
    """The child scenario as YAML text, with a header comment listing the changed fields."""
    data = export_data(settings, name)
    changes = changed_fields(settings)
    lines = [
        f"# Exported from the `parley app` page, starting from {settings.base.name}.",
        f"# Changed fields ({len(changes)}):",
        *(f"#   {path}: {_show(before)} -> {_show(after)}" for path, before, after in changes),
    ]
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = None
    yaml.width = 100
    stream = io.StringIO()
    yaml.dump(data, stream)
    return "\n".join(lines) + "\n" + stream.getvalue()


def _put(data: dict[str, Any], parts: list[str], value: Any) -> None:
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _show(value: Any) -> str:
    """A value as it reads in YAML flow syntax (floats to 6 significant digits)."""
    if isinstance(value, float):
        return f"{value:.6g}"
    return value if isinstance(value, str) else json.dumps(value)
