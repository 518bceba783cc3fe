"""The zone of possible agreement described in words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.analysis.zopa.zone import DealPoint, ZopaResult
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    pass


# --- text and picture ------------------------------------------------------------------------


def direction_words(scenario: Scenario, issue: str, value: float) -> str:
    """Which end of an issue a value leans toward, in the issue's own words."""
    spec = scenario.issues[issue]
    if abs(value - 0.5) < 0.005:
        return f"midway between: {spec.low} / {spec.high}"
    return f"toward: {spec.high if value > 0.5 else spec.low}"


def describe(scenario: Scenario, result: ZopaResult) -> str:
    """A readable account of the zone of possible agreement."""
    lines = [
        f"Zone of possible agreement: {result.scenario}, round {result.round} "
        f"(Nash weights: {result.weights})",
        f"Veto players: {', '.join(result.veto_players)}",
        "",
    ]

    def verdict(exists: bool, margin: float, share: float, se: float) -> str:
        if exists:
            return (
                f"EXISTS, {100 * share:.2f}% ± {100 * se:.2f}% of the issue space; "
                f"its most central package leaves every veto player ≥ {margin:+.3f} to spare"
            )
        return f"NONE; the most nearly acceptable package falls short by {-margin:.3f}"

    lines.append(
        "Deal space (every veto player at least its reservation): "
        + verdict(result.exists, result.margin, result.volume, result.volume_se)
    )
    lines.append(
        f"At the round-{result.round} acceptance thresholds: "
        + verdict(
            result.threshold_exists,
            result.threshold_margin,
            result.threshold_volume,
            result.threshold_volume_se,
        )
    )
    lines.append(f"({result.samples:,} uniform samples, seed {result.seed})")
    width = max(len(k) for k in result.issues)

    def terms_block(title: str, point: DealPoint) -> None:
        lines.extend(["", title])
        for issue, value in point.terms.items():
            words = direction_words(scenario, issue, value)
            lines.append(f"  {issue:<{width}}  {value:.2f}  ({words})")

    if result.nash is not None:
        terms_block("Nash bargaining point:", result.nash)
        shown = result.nash
    else:
        terms_block("Most nearly acceptable package (no deal space):", result.central)
        shown = result.central
    if result.kalai_smorodinsky is not None and result.kalai_smorodinsky is not result.nash:
        terms_block("Kalai–Smorodinsky point:", result.kalai_smorodinsky)

    names = max(len("actor"), *(len(a) + 1 for a in result.actors))
    lines.extend(["", f"  {'actor':<{names}}  weight  utility  reservation  surplus  threshold"])
    for actor in result.actors:
        utility = shown.utilities[actor]
        marker = "*" if actor in result.veto_players else " "
        weight = result.bargaining_weight.get(actor)
        weight_text = f"{weight:6.3f}" if weight is not None else "     -"
        lines.append(
            f"  {actor + marker:<{names}}  {weight_text}  {utility:7.3f}  "
            f"{result.reservation[actor]:11.3f}  {utility - result.reservation[actor]:+7.3f}  "
            f"{result.threshold[actor]:9.3f}"
        )
    lines.append("  (* holds a veto)")
    return "\n".join(lines)
