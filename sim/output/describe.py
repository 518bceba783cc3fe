"""Plain-language descriptions of outcome records (used by ``parley run`` and ``parley replay``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.core.records import EQUILIBRIUM_RESIDUAL, UNSETTLED_RESIDUAL
from sim.scenario.schema import Scenario


def term_in_words(scenario: Scenario, issue: str, value: float) -> str:
    """The agreed value of an issue and, in words, which labelled end it lies at or leans to."""
    spec = scenario.issues[issue]
    if value <= 0.05:
        words = f"at: {spec.low}"
    elif value >= 0.95:
        words = f"at: {spec.high}"
    elif value < 0.45:
        words = f"leans to: {spec.low}"
    elif value > 0.55:
        words = f"leans to: {spec.high}"
    else:
        words = f"midway between: {spec.low} / {spec.high}"
    return f"{value:.2f}  ({words})"


def _author(scenario: Scenario, record: Mapping[str, Any]) -> str:
    """Who put the agreed package: a proposer, or a mediator's single text (a neutral one: None)."""
    proposer = record["proposer"]
    if scenario.protocol.kind != "mediated":
        return f"proposed by {scenario.actors[proposer].name}"
    if proposer is None:
        return "on the neutral mediator's single text"
    return f"on the single text of {scenario.actors[proposer].name} as mediator"


def describe_record(scenario: Scenario, record: Mapping[str, Any]) -> str:
    """A readable summary: deal or not, when, the terms, each party's utility vs no deal."""
    max_rounds = scenario.protocol.max_rounds
    lines = [f"Scenario '{scenario.name}' (seed {record['seed']}, world {record['world']})"]
    if record["agreed"]:
        lines.append(
            f"DEAL in round {record['round']} of {max_rounds}, {_author(scenario, record)}."
        )
        lines.append("Terms:")
        width = max(len(issue) for issue in scenario.issues)
        for issue, value in record["terms"].items():
            lines.append(f"  {issue.ljust(width)}  {term_in_words(scenario, issue, value)}")
    elif record["end_reason"] == "not-ratified":
        rejected = ", ".join(_ratifier_names(scenario, record.get("rejected_by") or ""))
        lines.append(
            f"NO DEAL: the package signed in round {record['round']} was rejected at home "
            f"by {rejected}; the war goes on."
        )
    elif record["end_reason"] == "breakdown":
        lines.append(
            f"NO DEAL: the talks broke down after round {record['round']} of {max_rounds}; "
            "the war goes on."
        )
    else:
        lines.append(f"NO DEAL by the deadline (round {max_rounds}); the war goes on.")
    lines.extend(_after_signing(scenario, record))
    lines.append("Utilities (1 = the party's ideal package):")
    width = max(len(actor.name) for actor in scenario.actors.values())
    for key, actor in scenario.actors.items():
        utility = record["utilities"][key]
        reservation = record["reservation"][key]
        gain = record["gains"][key]
        veto = "veto" if actor.veto else "no veto"
        if record["agreed"]:
            verdict = "better than no deal" if gain > 0 else "no better than no deal"
            lines.append(
                f"  {actor.name.ljust(width)}  {utility:.3f} vs no deal {reservation:.3f}"
                f"  (gain {gain:+.3f}, {verdict}; {veto})"
            )
        else:
            lines.append(f"  {actor.name.ljust(width)}  no-deal value {reservation:.3f}  ({veto})")
    change = record.get(EQUILIBRIUM_RESIDUAL)
    if change is not None and change > UNSETTLED_RESIDUAL:
        lines.append(
            f"Warning: the equilibrium thresholds did not converge (final change {change:.2g}): "
            "this world was played on thresholds that are no equilibrium."
        )
    return "\n".join(lines)


def _ratifier_names(scenario: Scenario, joined: str) -> list[str]:
    section = scenario.ratification
    bodies = {} if section is None else section.ratifiers
    return [bodies[key].name or key if key in bodies else key for key in joined.split("+") if key]


def _after_signing(scenario: Scenario, record: Mapping[str, Any]) -> list[str]:
    """Ratification and implementation of a deal, in words (nothing for older records)."""
    if not record.get("agreed") or "durable" not in record:
        return []
    lines: list[str] = []
    if scenario.ratification is not None and scenario.ratification.ratifiers:
        lines.append("Ratified at home by every domestic ratifier.")
    implementation = scenario.implementation
    if implementation is None:
        return lines
    if record["durable"]:
        lines.append(f"DURABLE: nobody reneged in {implementation.periods} implementation periods.")
    else:
        who = ", ".join(
            scenario.actors[key].name for key in (record.get("reneged_by") or "").split("+") if key
        )
        lines.append(
            f"COLLAPSED in implementation period {record['collapse_period']} of "
            f"{implementation.periods}: {who} reneged and the war resumed (utilities below are "
            "the no-deal values at the collapse)."
        )
    return lines
