"""Checks on an actor's private no-deal value: which fields may be private, and the belief's range.

A scenario may declare an actor's war cost, or its explicit reservation, private (``private:``
in the actor; :class:`sim.scenario.schema.Private`).  The belief is one of the distribution kinds
experiments use for priors (:mod:`sim.distributions`) and must describe values the field may take;
a fixed ``truth`` (misperception) must be one too.  Checks run on raw data, tolerant of anything
field validation reports itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError

from sim.distributions.priors import Dirichlet, FieldRange, Prior, prior_problems
from sim.errors import Loc

PRIVATE_RANGES: dict[str, FieldRange] = {
    "war_cost": FieldRange(0.0, 1.0),
    "reservation": FieldRange(-1.0, 1.0),
}
"""The fields an actor may keep private, with the values each may take (the schema's ranges)."""

NULLABLE = frozenset({"reservation"})
"""The private fields the schema lets be null (then the belief has nothing to centre on)."""

_PRIOR = TypeAdapter(Prior)


def private_problems(key: str, actor: Mapping[str, Any]) -> Iterator[tuple[Loc, str]]:
    """Problems with ``actors.<key>.private`` that field validation does not see."""
    private = actor.get("private")
    if not isinstance(private, Mapping):
        return
    loc: Loc = ("actors", key, "private")
    field = private.get("field", "war_cost")
    valid = PRIVATE_RANGES.get(str(field))
    if valid is None:
        return  # not a field that can be private: field validation says so
    if field == "war_cost" and actor.get("reservation") is not None:
        yield (
            (*loc, "field"),
            "the reservation is explicit, so the war cost is never used; "
            "make the reservation private (field: reservation)",
        )
    truth = private.get("truth")
    number = isinstance(truth, int | float) and not isinstance(truth, bool)
    if number and not valid.contains(float(truth)):  # type: ignore[arg-type]
        yield (*loc, "truth"), f"{truth:g} is outside {field}'s valid range {valid}"
    try:
        prior = _PRIOR.validate_python(private.get("belief"))
    except ValidationError:
        return  # field validation reports a malformed belief
    if isinstance(prior, Dirichlet):
        yield (
            (*loc, "belief", "dist"),
            "dirichlet is for a whole salience table; a belief is about one number",
        )
        return
    base = actor.get(field, 0.0 if field == "war_cost" else None)
    if field in actor and not _is_finite(base) and (base is not None or field not in NULLABLE):
        return  # field validation refuses the value itself: no problem that follows from it
    centre = float(base) if _is_number(base) else None
    for message in prior_problems(prior, f"actors.{key}.{field}", valid, (centre,)):
        yield (*loc, "belief"), message


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_finite(value: object) -> bool:
    return _is_number(value) and math.isfinite(value)  # type: ignore[arg-type]
