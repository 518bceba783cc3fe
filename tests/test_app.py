"""The page's library logic: controls, typed values, saliences, settings, export, odds, rounds."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sim.app.catalogue import controls_for, ratifier_controls
from sim.app.controls import (
    Bounds,
    ValueRefused,
    check_typed,
    field_bounds,
    rebalanced_salience,
)
from sim.app.export import export_data, export_yaml, extends_reference
from sim.app.odds import batch_odds
from sim.app.rounds import proposer_name, round_view
from sim.app.settings import Settings, changed_fields, library_names
from sim.cli import main
from sim.core.runner import run_batch, run_single
from sim.scenario.loader import load_resolved, load_scenario
from sim.scenario.schema import Actor, Protocol, Scenario


@pytest.fixture(scope="module")
def baseline() -> Settings:
    return Settings.load("alaska-summit")


# --------------------------------------------------------------------------------------------
# Controls and typed values


def test_bounds_come_from_the_schema() -> None:
    assert field_bounds(Actor, "war_cost") == Bounds(0.0, 1.0)
    assert field_bounds(Actor, "discount") == Bounds(0.0, 1.0, low_open=True)
    assert field_bounds(Protocol, "breakdown_probability") == Bounds(0.0, 1.0, high_open=True)


def test_every_judgement_call_has_a_control(baseline: Settings) -> None:
    paths = {control.path for control in controls_for(baseline.base)}
    for actor in baseline.base.actors:
        for field in ("war_cost", "strategy.beta", "discount", "capability", "veto"):
            assert f"actors.{actor}.{field}" in paths
        for issue in baseline.base.issues:
            assert f"actors.{actor}.salience.{issue}" in paths
    assert {
        "protocol.breakdown_probability",
        "protocol.refusal_breakdown",
        "protocol.kind",
        "protocol.max_rounds",
        "protocol.mediation_step",
    } <= paths


def test_typed_values_are_checked(baseline: Settings) -> None:
    war_cost = baseline.control("actors.russia.war_cost")
    assert check_typed(war_cost, " 0.12 ") == 0.12
    with pytest.raises(ValueRefused, match="-0.1 is negative"):
        check_typed(war_cost, "-0.1")
    with pytest.raises(ValueRefused, match="'abc' is not a number"):
        check_typed(war_cost, "abc")
    with pytest.raises(ValueRefused, match="not a finite number"):
        check_typed(war_cost, "nan")
    with pytest.raises(ValueRefused, match="too large"):
        check_typed(war_cost, "1.5")
    with pytest.raises(ValueRefused, match="> 0"):
        check_typed(baseline.control("actors.russia.strategy.beta"), "0")
    with pytest.raises(ValueRefused, match="< 1"):
        check_typed(baseline.control("protocol.breakdown_probability"), "1")
    refusal = baseline.control("protocol.refusal_breakdown")
    assert check_typed(refusal, "1") == 1.0  # a refusal may end the talks for certain
    with pytest.raises(ValueRefused, match="too large"):
        check_typed(refusal, "1.2")
    deadline = baseline.control("protocol.max_rounds")
    assert check_typed(deadline, "30") == 30
    with pytest.raises(ValueRefused, match="whole number"):
        check_typed(deadline, "30.5")
    assert check_typed(baseline.control("actors.us.veto"), "false") is False
    with pytest.raises(ValueRefused, match="did you mean 'alternating'"):
        check_typed(baseline.control("protocol.kind"), "alternatng")


def test_salience_rebalance_keeps_proportions_and_sums_to_one() -> None:
    table = {"a": 0.5, "b": 0.3, "c": 0.2}
    result = rebalanced_salience(table, "a", 0.2)
    assert sum(result.values()) == pytest.approx(1.0, abs=1e-12)
    assert result["a"] == 0.2
    assert result["b"] / result["c"] == pytest.approx(1.5, rel=1e-5)
    assert rebalanced_salience(table, "a", 1.0) == {"a": 1.0, "b": 0.0, "c": 0.0}


def test_a_salience_table_that_cannot_sum_to_one_is_refused() -> None:
    with pytest.raises(ValueRefused, match="cannot sum to 1"):
        rebalanced_salience({"a": 1.0, "b": 0.0}, "a", 0.4)
    with pytest.raises(ValueRefused, match="share of the actor's attention"):
        rebalanced_salience({"a": 0.5, "b": 0.5}, "a", 1.2)
    with pytest.raises(ValueRefused, match="negative"):
        rebalanced_salience({"a": 0.5, "b": 0.5}, "a", -0.1)


# --------------------------------------------------------------------------------------------
# Settings


def test_a_change_is_the_same_as_set(baseline: Settings) -> None:
    changed = baseline.with_typed("actors.russia.war_cost", "0.12")
    assert changed.current == load_scenario("alaska-summit", ["actors.russia.war_cost=0.12"])
    assert changed_fields(changed) == [("actors.russia.war_cost", 0.06, 0.12)]
    assert baseline.changes == {}
    assert changed.with_typed("actors.russia.war_cost", "0.06").changes == {}
    assert changed.reset().current == baseline.base


def test_a_salience_change_rebalances_the_table(baseline: Settings) -> None:
    changed = baseline.with_typed("actors.us.salience.territory", "0.5")
    table = changed.current.actors["us"].salience
    assert table["territory"] == 0.5
    assert sum(table.values()) == pytest.approx(1.0, abs=1e-9)
    assert {path.split(".")[-1] for path in changed.changes} == set(table)


def test_a_change_the_scenario_cannot_hold_is_refused(baseline: Settings) -> None:
    no_veto = baseline
    for actor in ("russia", "us", "ukraine"):
        no_veto = no_veto.with_value(f"actors.{actor}.veto", False)
    with pytest.raises(ValueRefused, match="at least one actor must hold a veto"):
        no_veto.with_value("actors.nato.veto", False)


def test_alternating_protocol_gets_an_order(baseline: Settings) -> None:
    changed = baseline.with_value("protocol.kind", "alternating")
    assert changed.current.protocol.kind == "alternating"
    assert changed.current.protocol.order == list(baseline.base.actors)


def test_the_library_is_listed() -> None:
    names = library_names()
    assert "alaska-summit" in names
    assert any(name.startswith("textbook/") for name in names)
    for name in names:
        Settings.load(name)


# --------------------------------------------------------------------------------------------
# Export


def without_evidence(scenario: Scenario) -> object:
    """Everything a scenario says but its name, description and evidence."""

    def strip(node: object) -> object:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "evidence"}
        return node

    return strip(scenario.model_dump(exclude={"name", "extends", "description"}))


def test_export_extends_the_start_and_lists_the_changes(baseline: Settings, tmp_path: Path) -> None:
    changed = (
        baseline.with_typed("actors.russia.war_cost", "0.12")
        .with_typed("actors.us.salience.territory", "0.5")
        .with_typed("protocol.breakdown_probability", "0.05")
        .with_value("actors.ukraine.veto", False)
    )
    text = export_yaml(changed)
    assert "#   actors.russia.war_cost: 0.06 -> 0.12" in text
    assert "#   actors.ukraine.veto: true -> false" in text
    path = tmp_path / "what-if.yaml"
    path.write_text(text, encoding="utf-8")
    resolved = load_resolved(path, strict=True)
    assert resolved.scenario.extends == "alaska-summit"
    assert without_evidence(resolved.scenario) == without_evidence(changed.current)
    assert resolved.scenario.actors["russia"].war_cost == 0.12
    assert resolved.scenario.actors["ukraine"].veto is False
    result = CliRunner().invoke(main, ["validate", str(path), "--strict"])
    assert result.exit_code == 0, result.output


def test_export_only_writes_what_changed(baseline: Settings) -> None:
    data = export_data(baseline.with_typed("actors.nato.war_cost", "0.2"))
    assert set(data) == {"name", "extends", "description", "actors"}
    assert data["name"] == "alaska-summit-what-if"
    assert data["actors"] == {
        "nato": {
            "war_cost": 0.2,
            "evidence": {"war_cost": "Set on the `parley app` page (was 0.08 in alaska-summit)."},
        }
    }


def test_a_file_base_is_named_by_its_absolute_path(tmp_path: Path) -> None:
    source = Path(__file__).resolve().parents[1] / "scenarios" / "bilateral-deal.yaml"
    assert extends_reference(str(source)) == str(source)
    assert extends_reference("alaska-summit") == "alaska-summit"


# --------------------------------------------------------------------------------------------
# Odds and rounds


def test_odds_are_the_batch_runners(baseline: Settings) -> None:
    scenario = baseline.with_typed("actors.russia.war_cost", "0.12").current
    odds = batch_odds(scenario, 400)
    columns = run_batch(scenario, np.arange(400))
    assert odds.p_agreement == pytest.approx(float(np.mean(columns["agreed"])), abs=0)
    assert odds.headline.startswith(f"P(agreement) = {100 * odds.p_agreement:.1f}%")
    assert len(odds.records) == 400
    with pytest.raises(ValueError, match="at least one world"):
        batch_odds(scenario, 0)


def test_round_view_applies_the_models_acceptance(baseline: Settings) -> None:
    run = run_single(baseline.current, world=0)
    last = round_view(run.trajectory[-1], baseline.current)
    assert last.agreed == run.record["agreed"]
    if last.agreed:
        vetoes = {a.actor for a in last.actors if a.veto}
        assert vetoes <= set(last.accepted_by)
        for term in last.terms:
            assert term.offer == pytest.approx(run.record["terms"][term.issue])
    first = round_view(run.trajectory[0], baseline.current)
    assert first.round == 1
    for actor in first.actors:
        assert actor.threshold >= actor.reservation - 1e-9
        if actor.accepts is None:
            assert math.isnan(actor.offer_utility)


def test_a_neutral_mediators_round_names_the_mediator(baseline: Settings) -> None:
    """A mediated protocol without a mediating actor records no proposer: the step view names
    the neutral mediator instead of failing on the empty name."""
    mediated = baseline.with_typed("protocol.kind", "mediated").current
    assert mediated.protocol.mediator is None
    run = run_single(mediated, world=0)
    view = round_view(run.trajectory[-1], mediated)
    assert proposer_name(view, mediated) == "the neutral mediator"
    stepped = round_view(run_single(baseline.current, world=0).trajectory[-1], baseline.current)
    assert proposer_name(stepped, baseline.current) in {
        actor.name for actor in baseline.current.actors.values()
    }


def test_parley_app_refuses_a_bad_scenario_and_a_busy_port() -> None:
    result = CliRunner().invoke(main, ["app", "no-such-scenario"])
    assert result.exit_code == 2
    assert "no scenario file 'no-such-scenario'" in result.output
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["app", "alaska-summit", "--port", str(port)])
    assert result.exit_code == 2
    assert f"port {port}" in result.output


def test_the_readme_shows_what_parley_app_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.app.server

    served: list[tuple[str, str, int, str]] = []
    monkeypatch.setattr(sim.app.server, "port_free", lambda host, port: True)
    monkeypatch.setattr(sim.app.server, "missing_offline_assets", lambda: [])
    monkeypatch.setattr(
        sim.app.server,
        "serve",
        lambda scenario, host, port, provisional: served.append(
            (scenario, host, port, provisional)
        ),
    )
    result = CliRunner().invoke(main, ["app", "alaska-summit"])
    assert result.exit_code == 0, result.output
    assert served == [("alaska-summit", "127.0.0.1", 8765, "auto")]
    CliRunner().invoke(main, ["app", "alaska-summit", "--provisional", "always"])
    assert served[-1][3] == "always"
    refused = CliRunner().invoke(main, ["app", "alaska-summit", "--provisional", "sometimes"])
    assert refused.exit_code == 2 and "sometimes" in refused.output
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"$ pip install -e '.[app]' && parley app alaska-summit\n{result.output}" in readme


def test_the_stepped_model_plays_the_world_parley_run_plays(baseline: Settings) -> None:
    pytest.importorskip("solara")
    from sim.app.state import OneNegotiation

    model = OneNegotiation(lambda: baseline.current, world=7)
    assert model.world == 7
    while model.running:
        model.step()
    last = round_view(model.trajectory[-1], baseline.current)
    record = run_single(baseline.current, world=7).record
    assert last.agreed == record["agreed"]
    assert last.round == record["round"]


def test_the_page_state_refuses_without_a_traceback(tmp_path: Path) -> None:
    pytest.importorskip("solara")
    from sim.app import state

    state.load("alaska-summit")
    state.apply_change(lambda s: s.with_typed("actors.us.war_cost", "-1"), "actors.us.war_cost")
    assert "negative" in state.refusals.value["actors.us.war_cost"]
    assert state.settings().changes == {}

    def broken(settings: Settings) -> Settings:
        raise RuntimeError("a bug")

    state.apply_change(broken, "actors.us.veto")
    assert state.refusals.value["actors.us.veto"] == "not applied (RuntimeError: a bug)"
    state.apply_change(lambda s: s.with_typed("actors.us.war_cost", "0.1"), "actors.us.war_cost")
    assert "actors.us.war_cost" not in state.refusals.value
    assert state.settings().changes == {"actors.us.war_cost": 0.1}

    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nissues: {}\n", encoding="utf-8")
    state.load(str(bad))
    assert "bad.yaml" in state.load_error.value
    assert state.settings().changes == {"actors.us.war_cost": 0.1}


PRIVATE_SCENARIO = """\
name: private-test
extends: alaska-summit
actors:
  nato:
    private:
      belief: {dist: triangular, low: 0.03, mode: 0.08, high: 0.2}
  russia:
    private:
      belief: {dist: normal, sd: 0.03}
      truth: 0.1
"""


def test_private_beliefs_have_controls_and_export(tmp_path: Path) -> None:
    path = tmp_path / "private-test.yaml"
    path.write_text(PRIVATE_SCENARIO, encoding="utf-8")
    settings = Settings.load(str(path))
    paths = {control.path for control in settings.controls}
    assert {
        "actors.russia.private.belief.sd",
        "actors.russia.private.truth",
        "actors.nato.private.belief.low",
        "actors.nato.private.belief.mode",
        "actors.nato.private.belief.high",
    } <= paths
    with pytest.raises(ValueRefused, match="> 0"):
        settings.with_typed("actors.russia.private.belief.sd", "0")
    with pytest.raises(ValueRefused, match="low <= mode <= high"):
        settings.with_typed("actors.nato.private.belief.low", "0.1")
    changed = settings.with_typed("actors.russia.private.belief.sd", "0.08").with_typed(
        "actors.nato.private.belief.high", "0.3"
    )
    assert changed.current.actors["russia"].private is not None
    assert changed.current.actors["russia"].private.belief.sd == 0.08  # type: ignore[union-attr]
    exported = tmp_path / "exported.yaml"
    exported.write_text(export_yaml(changed), encoding="utf-8")
    resolved = load_resolved(exported)
    assert without_evidence(resolved.scenario) == without_evidence(changed.current)
    assert resolved.scenario.extends == str(path.resolve())


def test_ratifiers_get_controls_in_their_actors_group() -> None:
    from pydantic import BaseModel, Field

    class Ratifier(BaseModel):
        actor: str
        name: str = ""
        threshold: float = Field(ge=-1.0, le=1.0)
        spread: float = 0.0

    class Ratification(BaseModel):
        ratifiers: dict[str, Ratifier] = {}

    class Root(BaseModel):
        ratification: Ratification | None = None

    data = {
        "ratification": {
            "ratifiers": {
                "rada": {
                    "actor": "ukraine",
                    "name": "Verkhovna Rada",
                    "threshold": 0.6,
                    "spread": 0.05,
                },
                "senate": {"actor": "us", "threshold": 0.5, "spread": 0.0},
            }
        }
    }
    names = {"ukraine": "Ukraine (Zelenskyy)", "us": "United States (Trump)"}
    controls = ratifier_controls(data, names, root=Root)
    assert [(c.path, c.group) for c in controls] == [
        ("ratification.ratifiers.rada.threshold", "Ukraine (Zelenskyy)"),
        ("ratification.ratifiers.rada.spread", "Ukraine (Zelenskyy)"),
        ("ratification.ratifiers.senate.threshold", "United States (Trump)"),
        ("ratification.ratifiers.senate.spread", "United States (Trump)"),
    ]
    assert controls[0].label.startswith("ratifier Verkhovna Rada")
    assert controls[0].bounds == Bounds(-1.0, 1.0)
    with pytest.raises(ValueRefused, match="too large"):
        check_typed(controls[0], "1.5")
    assert ratifier_controls({}, names, root=Root) == []


def test_offline_assets_are_installed_and_a_missing_one_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("solara")
    import solara.server.settings

    from sim.app.server import missing_offline_assets

    assert missing_offline_assets() == []
    monkeypatch.setattr(solara.server.settings.assets, "proxy_cache_dir", tmp_path)
    missing = missing_offline_assets()
    assert "requirejs@2.3.6" in missing
    assert any(name.startswith("@widgetti/solara-vuetify") for name in missing)
    assert any(name.startswith("font-awesome@") for name in missing)


def test_odds_in_worker_processes_are_the_same_records(baseline: Settings) -> None:
    alone = batch_odds(baseline.current, 300)
    split = batch_odds(baseline.current, 300, workers=2)
    pd.testing.assert_frame_equal(alone.records, split.records)
    assert split.headline == alone.headline
    with pytest.raises(ValueError, match="at least one worker"):
        batch_odds(baseline.current, 10, workers=0)
