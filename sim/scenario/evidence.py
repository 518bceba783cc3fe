"""Checks beyond the schema: every number has evidence, named tables, strict numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel

from sim.errors import Loc, Problem, did_you_mean
from sim.scenario.commitment import Implementation, Ratification, Ratifier
from sim.scenario.messages import model_arm
from sim.scenario.schema import Actor, Issue, IssueDynamics, Protocol
from sim.scenario.yaml_source import Locator

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
        "strategy.endurance",
        "position.*",
        "salience.*",
        "private.belief",
        "private.truth",
    ),
    "issues": ("status_quo",),
    "dynamics": ("drift", "volatility"),
    "protocol": (
        "max_rounds",
        "breakdown_probability",
        "refusal_breakdown",
        "recognition.*",
        "round_weeks",
        "deadline_weeks",
        "fighting",
    ),
    "ratification": ("threshold", "spread", "position.*", "salience.*"),
    "implementation": (
        "periods",
        "drift.*",
        "volatility.*",
        "term_drift.*",
        "reneging_cost.*",
        "term_cost.*",
        "war_cost_drift.*",
        "term_war_cost.*",
    ),
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
    ratification = data.get("ratification")
    if isinstance(ratification, Mapping):
        yield (
            ("ratification",),
            Ratification,
            {key: value for key, value in ratification.items() if key != "ratifiers"},
        )
        ratifiers = ratification.get("ratifiers")
        if isinstance(ratifiers, Mapping):
            for key, entry in ratifiers.items():
                if isinstance(entry, Mapping):
                    yield ("ratification", "ratifiers", key), Ratifier, entry
    implementation = data.get("implementation")
    if isinstance(implementation, Mapping):
        yield ("implementation",), Implementation, implementation


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
                covering = [key for key in keys if path == key or path.startswith(key + ".")]
                if not covering:
                    yield locator.problem(
                        (*loc, *path.split(".")),
                        "no evidence for this value (--strict)",
                        f'add evidence: {{{path}: "..."}}',
                    )
                elif stale := _inherited_evidence(locator, loc, path, covering):
                    yield locator.problem(
                        (*loc, *path.split(".")),
                        f"this file changes the value but its evidence comes from {stale} "
                        "(--strict)",
                        f'add evidence for the new value: {{{path}: "..."}}',
                    )


def _inherited_evidence(
    locator: Locator, loc: Loc, path: str, covering: Sequence[str]
) -> str | None:
    """The base file the evidence for ``path`` comes from, if the variant itself set the value.

    A variant (``extends``) that sets a number anew must give its own evidence for it: the
    base's evidence describes the base's value.  None if the value was not set by the file
    being validated, or one of its evidence entries comes from that file too.
    """
    value_origin = locator.origins.get((*loc, *path.split(".")))
    top = locator.origins.get(())
    if value_origin is None or top is None or value_origin.file != top.file:
        return None  # set by a base (checked when the base is validated), or by --set
    files = []
    for key in covering:
        origin = locator.origins.get((*loc, "evidence", key))
        if origin is None or origin.file == value_origin.file:
            return None
        files.append(origin.file)
    return files[0]


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
