"""Outcome records: one flat row per world (the interface between the model and everything else).

This module is the one schema of Parley's columns: every writer (the runner, the sweep, the
DataCollector's trajectory) and every reader (analysis, figures, report, app) names columns
with the constants below.

Record columns: ``world``, ``seed``, ``agreed`` (a deal signed and ratified), ``end_reason``
(agreement | breakdown | deadline | not-ratified), ``round`` (the round the talks ended),
``proposer`` ("" without a deal), ``term.<issue>`` (NaN without a deal, a deal rejected at
home included), ``utility.<actor>`` (the no-deal value without a deal, or at the
collapse of a deal), ``reservation.<actor>`` (the no-deal value when the talks ended, or at the
collapse), ``gain.<actor>`` = utility - reservation, ``weeks``, ``offers``, ``rejections``,
``failure`` ("" | rejected | no-offer), ``private.<actor>``, and the funnel of a deal (issue 9):
``signed``, ``ratified``, ``rejected_by``, ``durable``, ``collapse_period``, ``reneged_by``;
where some actor plays equilibrium thresholds, ``equilibrium_residual`` (the largest change the
threshold iteration stopped at in any round: above ``UNSETTLED_RESIDUAL`` the world played on
thresholds that are no equilibrium).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

RUNS_FILE = "runs.parquet"
ROUNDS_FILE = "rounds.parquet"  # a sweep's per-cell, per-round distributions (fan charts)
MANIFEST_FILE = "manifest.json"

# One value per world.
WORLD, SEED, AGREED, END_REASON, ROUND, PROPOSER = (
    "world",
    "seed",
    "agreed",
    "end_reason",
    "round",
    "proposer",
)
CELL, SCENARIO = "cell", "scenario"  # added by a sweep
# One column per issue or actor: prefix + name.
TERM = "term."
GAIN = "gain."
UTILITY = "utility."
RESERVATION = "reservation."
PARAM = "param."  # a sampled parameter (sweeps): param.<field path>[.<lane>]
# The trajectory (one row per round of one world): prefix + issue or actor.
STATUS_QUO = "status_quo."
OFFER = "offer."
THRESHOLD = "threshold."
OFFER_UTILITY = "offer_utility."

# How talks end: the model's codes and the names records carry.
OPEN, AGREEMENT, BREAKDOWN, DEADLINE, NOT_RATIFIED = 0, 1, 2, 3, 4
END_REASON_NAMES = ("open", "agreement", "breakdown", "deadline", "not-ratified")  # by code
END_REASONS = END_REASON_NAMES[AGREEMENT:]
REQUIRED_COLUMNS = (AGREED, END_REASON, ROUND)
# What explains a world's course (issue 8): weeks of talks, offers, refusals, why talks failed,
# and each private no-deal value's truth (private.<actor>).
PRIVATE = "private."
OFFERS = "offers"
REJECTIONS = "rejections"
FAILURE = "failure"
WEEKS = "weeks"
EQUILIBRIUM_RESIDUAL = "equilibrium_residual"
UNSETTLED_RESIDUAL = 1e-6
"""Above this final change a world's equilibrium thresholds did not converge
(:data:`sim.core.equilibrium.UNSETTLED_RESIDUAL` is this value)."""
FAILURES = ("rejected", "no-offer")
"""Why talks without a deal failed: offers were made and refused, or none was ever made."""


def outcomes(end_reason: NDArray[Any], failure: NDArray[Any] | None) -> NDArray[Any]:
    """How and why each world's talks ended: ``agreement``, or ``breakdown``/``deadline`` joined
    with ``rejected``/``no-offer`` (``breakdown · rejected``, ...); just the end reason for
    records without a ``failure`` column."""
    how = np.asarray(end_reason).astype(str)
    if failure is None:
        return how.astype(object)
    why = np.asarray(failure).astype(str)
    joined = np.char.add(np.char.add(how, " · "), why)
    plain = (how == END_REASON_NAMES[AGREEMENT]) | (how == END_REASON_NAMES[NOT_RATIFIED])
    result: NDArray[Any] = np.where(plain | (why == ""), how, joined).astype(object)
    return result


OUTCOMES = (
    END_REASON_NAMES[AGREEMENT],
    *(f"{how} · {why}" for how in END_REASON_NAMES[BREAKDOWN:NOT_RATIFIED] for why in FAILURES),
    END_REASON_NAMES[NOT_RATIFIED],
)
"""Every value :func:`outcomes` gives for a record with a ``failure`` column, in display order."""

Columns = dict[str, NDArray[Any]]

# What happened after the signature (issue 9): the funnel signed -> ratified -> durable.
SIGNED = "signed"  # a package passed at the table
RATIFIED = "ratified"  # ... and every domestic ratifier approved it (= agreed)
REJECTED_BY = "rejected_by"  # the ratifiers that rejected the last signed deal, joined by "+"
DURABLE = "durable"  # ... and nobody reneged through the implementation phase
COLLAPSE_PERIOD = "collapse_period"  # the implementation period of the collapse, 0 if none
RENEGED_BY = "reneged_by"  # who reneged then, joined by "+"
FUNNEL = (SIGNED, RATIFIED, DURABLE)
"""The stages of a deal, each a boolean column implying the one before."""


def issues_of(columns: Mapping[str, Any]) -> list[str]:
    """The issues named by a record's ``term.<issue>`` columns, in order."""
    return [name.removeprefix(TERM) for name in columns if name.startswith(TERM)]


def actors_of(columns: Mapping[str, Any]) -> list[str]:
    """The actors named by a record's ``utility.<actor>`` columns, in order."""
    return [name.removeprefix(UTILITY) for name in columns if name.startswith(UTILITY)]


def build_columns(
    *,
    worlds: NDArray[np.int64],
    seed: int,
    end: NDArray[np.int8],
    end_round: NDArray[np.int64],
    deal_proposer: NDArray[np.int64],
    terms: NDArray[np.float64],
    utility: NDArray[np.float64],
    reservation: NDArray[np.float64],
    issues: Sequence[str],
    actors: Sequence[str],
) -> Columns:
    """Assemble the record columns from the model's final arrays."""
    names = np.array(END_REASON_NAMES, dtype=object)
    actor_names = np.array([*actors, ""], dtype=object)
    columns: Columns = {
        WORLD: worlds.astype(np.int64),
        SEED: np.full(worlds.shape, seed, dtype=np.int64),
        AGREED: end == AGREEMENT,
        END_REASON: names[end],
        ROUND: end_round.astype(np.int64),
        PROPOSER: actor_names[deal_proposer],  # -1 picks the trailing ""
    }
    for k, issue in enumerate(issues):
        columns[TERM + issue] = terms[:, k].copy()
    gain = utility - reservation
    for a, actor in enumerate(actors):
        columns[UTILITY + actor] = utility[:, a].copy()
        columns[RESERVATION + actor] = reservation[:, a].copy()
        columns[GAIN + actor] = gain[:, a].copy()
    return columns


def bargaining_columns(
    *,
    agreed: NDArray[np.bool_],
    end_round: NDArray[np.int64],
    round_weeks: float,
    offers: NDArray[np.int64],
    rejections: NDArray[np.int64],
    private: Mapping[str, NDArray[np.float64]],
) -> Columns:
    """The columns that explain a world's course: weeks of talks, offers made, offers refused,
    why talks failed (``failure``: "" with a deal, "rejected" if some offer was refused, else
    "no-offer") and each private no-deal value's truth (``private.<actor>``)."""
    failure = np.where(agreed, "", np.where(rejections > 0, FAILURES[0], FAILURES[1]))
    columns: Columns = {
        WEEKS: end_round * round_weeks,
        OFFERS: offers.copy(),
        REJECTIONS: rejections.copy(),
        FAILURE: failure.astype(object),
    }
    for actor, truth in private.items():
        columns[f"{PRIVATE}{actor}"] = truth.copy()
    return columns


def _joined(mask: NDArray[np.bool_], names: Sequence[str]) -> NDArray[Any]:
    """Row by row, the names whose column in ``mask`` (N, M) is True, joined by "+"."""
    out = np.full(mask.shape[0], "", dtype=object)
    for m, name in enumerate(names):
        hit = mask[:, m]
        if hit.any():
            out[hit] = np.where(out[hit] == "", name, out[hit] + "+" + name)
    return out


def durability_columns(
    signed: NDArray[np.bool_],
    agreed: NDArray[np.bool_],
    collapse: NDArray[np.int64],
    rejected: tuple[NDArray[np.bool_], Sequence[str]],
    reneged: tuple[NDArray[np.bool_], Sequence[str]],
) -> Columns:
    """The funnel's columns from the model's final arrays (``rejected``: which ratifiers rejected
    and their names; ``reneged``: who reneged and the actors' names).  Without ratifiers every signed deal
    is ratified; without an implementation phase every ratified deal is durable."""
    return {
        SIGNED: signed.copy(),
        RATIFIED: agreed.copy(),
        REJECTED_BY: _joined(rejected[0] & (signed & ~agreed)[:, None], rejected[1]),
        DURABLE: agreed & (collapse == 0),
        COLLAPSE_PERIOD: collapse.astype(np.int64),
        RENEGED_BY: _joined(*reneged),
    }


def record_from_columns(
    columns: Mapping[str, Any], i: int, scenario: str | None = None
) -> dict[str, Any]:
    """The JSON outcome record of row ``i`` (the same shape as ``parley run --json``)."""
    issues, actors = issues_of(columns), actors_of(columns)

    def number(value: Any) -> float | None:
        value = float(value)
        return None if math.isnan(value) else value

    record: dict[str, Any] = {}
    if scenario is not None:
        record[SCENARIO] = scenario
    elif SCENARIO in columns:
        record[SCENARIO] = str(columns[SCENARIO][i])
    record.update(
        {
            SEED: int(columns[SEED][i]),
            WORLD: int(columns[WORLD][i]),
            AGREED: bool(columns[AGREED][i]),
            END_REASON: str(columns[END_REASON][i]),
            ROUND: int(columns[ROUND][i]),
            PROPOSER: str(columns[PROPOSER][i]) or None,
            "terms": {issue: number(columns[TERM + issue][i]) for issue in issues},
            "utilities": {actor: number(columns[UTILITY + actor][i]) for actor in actors},
            "reservation": {actor: number(columns[RESERVATION + actor][i]) for actor in actors},
            "gains": {actor: number(columns[GAIN + actor][i]) for actor in actors},
        }
    )
    if FAILURE in columns:
        record[FAILURE] = str(columns[FAILURE][i]) or None
        record[OFFERS] = int(columns[OFFERS][i])
        record[REJECTIONS] = int(columns[REJECTIONS][i])
        record[WEEKS] = float(columns[WEEKS][i])
    if DURABLE in columns:
        record[SIGNED] = bool(columns[SIGNED][i])
        record[RATIFIED] = bool(columns[RATIFIED][i])
        record[REJECTED_BY] = str(columns[REJECTED_BY][i]) or None
        record[DURABLE] = bool(columns[DURABLE][i])
        record[COLLAPSE_PERIOD] = int(columns[COLLAPSE_PERIOD][i]) or None
        record[RENEGED_BY] = str(columns[RENEGED_BY][i]) or None
    if EQUILIBRIUM_RESIDUAL in columns:
        record[EQUILIBRIUM_RESIDUAL] = number(columns[EQUILIBRIUM_RESIDUAL][i])
    private = [name for name in columns if name.startswith(PRIVATE)]
    if private:
        record["private"] = {
            name.removeprefix(PRIVATE): number(columns[name][i]) for name in private
        }
    return record
