"""The page's controls for the late judgement calls: beliefs, ratifiers, the implementation phase,
the protocol's rules (quota, mediator, what a rejection does), fighting and the breakdown hazard.

Each control is refused next to itself for a bad value, and the exported child scenario
round-trips: ``parley validate`` accepts it and running it gives the page's records.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sim.app.catalogue import AFTER_SIGNING_GROUP, NEUTRAL_MEDIATOR, NO_QUOTA
from sim.app.controls import ValueRefused
from sim.app.export import export_yaml
from sim.app.odds import batch_odds
from sim.app.settings import Settings
from sim.cli import main
from sim.core.records import DURABLE, SIGNED
from sim.core.runner import run_batch
from sim.scenario.loader import load_resolved

WORLDS = 300


@pytest.fixture(scope="module")
def baseline() -> Settings:
    return Settings.load("alaska-summit")


def test_the_late_judgement_calls_have_controls(baseline: Settings) -> None:
    paths = {control.path for control in baseline.controls}
    assert {
        "actors.russia.private.belief.sd",
        "ratification.ratifiers.ukraine_referendum.threshold",
        "ratification.ratifiers.us_congress.spread",
        "ratification.on_rejection",
        "implementation.periods",
        *(f"implementation.reneging_cost.{actor}" for actor in baseline.base.actors),
        "protocol.breakdown_probability",
        "protocol.fighting",
        "protocol.quota",
        "protocol.mediator",
        "protocol.kind",
    } <= paths
    groups = {c.group for c in baseline.controls if c.path.startswith("implementation.")}
    assert groups == {AFTER_SIGNING_GROUP}
    assert baseline.value("protocol.quota") is None
    assert baseline.control("protocol.quota").choice_of(None) == NO_QUOTA
    assert baseline.value("implementation.periods") == 12


def test_a_scenario_without_a_deal_phase_has_no_such_controls() -> None:
    settings = Settings.load("textbook/rubinstein")
    paths = {control.path for control in settings.controls}
    assert not any(p.startswith(("ratification.", "implementation.")) for p in paths)
    assert "protocol.fighting" in paths


@pytest.mark.parametrize(
    ("path", "text", "message"),
    [
        ("implementation.periods", "0", "too small"),
        ("implementation.periods", "2.5", "not a whole number"),
        ("implementation.reneging_cost.russia", "-0.1", "negative"),
        ("ratification.ratifiers.us_congress.spread", "-1", "negative"),
        ("ratification.ratifiers.us_congress.threshold", "2", "too large"),
        ("ratification.on_rejection", "retry", "not one of end, resume"),
        ("protocol.quota", "5 of 4", "not one of"),
        ("protocol.breakdown_probability", "1", "too large"),
        ("protocol.fighting", "maybe", "not true or false"),
        ("actors.russia.private.belief.sd", "0", "> 0"),
        # A mediator needs the mediated protocol: the scenario check refuses it, by name.
        ("protocol.mediator", "Russia (Putin)", "only the mediated protocol has a mediator"),
    ],
)
def test_bad_values_are_refused(baseline: Settings, path: str, text: str, message: str) -> None:
    with pytest.raises(ValueRefused, match=message.replace("(", r"\(")):
        baseline.with_typed(path, text)


def test_choices_stand_for_their_values(baseline: Settings) -> None:
    three = baseline.with_typed("protocol.quota", "3 of 4")
    assert three.current.protocol.quota == 3
    assert three.with_typed("protocol.quota", NO_QUOTA).changes == {}
    mediated = baseline.with_typed("protocol.kind", "mediated").with_typed(
        "protocol.mediator", "Russia (Putin)"
    )
    assert mediated.current.protocol.mediator == "russia"
    assert mediated.control("protocol.mediator").choice_of("russia") == "Russia (Putin)"
    # Leaving the mediated protocol lets its mediator go (it would not be valid otherwise).
    back = mediated.with_typed("protocol.kind", "random-proposer")
    assert back.current.protocol.mediator is None
    assert back.changes == {}
    neutral = mediated.with_typed("protocol.mediator", NEUTRAL_MEDIATOR)
    assert neutral.current.protocol.mediator is None


def test_changes_move_the_deals_fate(baseline: Settings) -> None:
    """Each late judgement call changes what the library computes, in the expected direction."""

    def funnel(settings: Settings) -> dict[str, float]:
        columns = run_batch(settings.current, np.arange(WORLDS))
        return {stage: float(np.mean(columns[stage])) for stage in (SIGNED, DURABLE)}

    start = funnel(baseline)
    honest = baseline
    for actor in baseline.base.actors:
        honest = honest.with_typed(f"implementation.reneging_cost.{actor}", "1")
    assert funnel(honest)[DURABLE] >= start[DURABLE]
    shorter = baseline.with_typed("implementation.periods", "1")
    assert funnel(shorter)[DURABLE] >= start[DURABLE]
    no_war = baseline.with_value("protocol.fighting", False)
    assert no_war.current.protocol.fighting is False
    # Fighting changes every actor's value of the war (the flow payoff), so the worlds' no-deal
    # values differ even where the funnel's two shares happen to coincide on these worlds.
    fought = run_batch(baseline.current, np.arange(WORLDS))
    unfought = run_batch(no_war.current, np.arange(WORLDS))
    assert not np.array_equal(fought["reservation.russia"], unfought["reservation.russia"])


def test_export_of_every_late_call_round_trips(baseline: Settings, tmp_path: Path) -> None:
    changed = (
        baseline.with_typed("actors.russia.private.belief.sd", "0.05")
        .with_typed("ratification.ratifiers.us_congress.threshold", "0.9")
        .with_typed("ratification.ratifiers.eu_core.spread", "0.05")
        .with_typed("ratification.on_rejection", "resume")
        .with_typed("implementation.periods", "6")
        .with_typed("implementation.reneging_cost.russia", "0.1")
        .with_typed("protocol.breakdown_probability", "0.03")
        .with_typed("protocol.quota", "3 of 4")
        .with_value("protocol.fighting", False)
    )
    text = export_yaml(changed)
    assert "#   protocol.quota: null -> 3" in text
    assert "#   ratification.on_rejection: end -> resume" in text
    path = tmp_path / "what-if.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path), "--strict"])
    assert result.exit_code == 0, result.output
    exported = load_resolved(path, strict=True).scenario
    assert exported.extends == "alaska-summit"
    page = batch_odds(changed.current, WORLDS)
    again = batch_odds(exported, WORLDS)
    pd.testing.assert_frame_equal(page.records, again.records)
    assert page.summary["funnel"] == again.summary["funnel"]


def test_the_mediator_exports_and_a_reset_protocol_drops_it(
    baseline: Settings, tmp_path: Path
) -> None:
    mediated = (
        baseline.with_typed("protocol.kind", "mediated")
        .with_typed("protocol.mediator", "United States (Trump)")
        .with_typed("protocol.mediation_step", "0.1")
    )
    path = tmp_path / "mediated.yaml"
    path.write_text(export_yaml(mediated), encoding="utf-8")
    exported = load_resolved(path, strict=True).scenario
    assert exported.protocol.kind == "mediated"
    assert exported.protocol.mediator == "us"
    assert exported.protocol.mediation_step == pytest.approx(0.1)
