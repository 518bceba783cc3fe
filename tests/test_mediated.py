"""The single negotiating text (mediated protocol) and the quota decision rule: closed forms,
scripted cases, and bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from pies import pie
from test_ratification import always

from sim.cli.validate import command as validate_command
from sim.core.batch import build_batch
from sim.core.decision import approved, best_offers, quota_share
from sim.core.mediation import (
    Stakes,
    first_draft,
    requested_directions,
    revise,
    voices,
    weighed_directions,
)
from sim.core.ratification import Ratifiers, approval_probabilities
from sim.core.runner import run_batch, run_single
from sim.output.describe import describe_record
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

EXACT = 1e-12
CONCEDE = {"reservation": 0.0, "strategy": {"kind": "concession", "beta": 1.0}}


# --- the text procedure, function by function -----------------------------------------------


def test_first_draft_is_the_equal_weight_salience_mean_of_the_counted_parties() -> None:
    position = np.array([[[0.0, 1.0], [1.0, 0.0], [0.8, 0.8]]])
    salience = np.array([[[0.5, 0.5], [0.25, 0.75], [1.0, 0.0]]])
    neutral = voices(np.array([True, True, False]), None)
    assert neutral.tolist() == [1.0, 1.0, 0.0]
    # x: (0 * .5 + 1 * .25) / .75; y: (1 * .5 + 0) / 1.25
    assert first_draft(position, salience, neutral)[0] == pytest.approx([1 / 3, 0.4], abs=EXACT)
    biased = voices(np.array([True, True, False]), 2)  # c mediates and counts as a party
    # x: (.25 + .8) / 1.75; y: .5 / 1.25 (c does not care about y)
    assert first_draft(position, salience, biased)[0] == pytest.approx([0.6, 0.4], abs=EXACT)


def test_requests_are_unit_utility_gradients() -> None:
    text = np.array([[0.5, 0.5]])
    position = np.array([[[1.0, 0.5], [0.0, 1.0], [0.5, 0.5]]])
    salience = np.array([[[0.5, 0.5], [0.2, 0.8], [0.5, 0.5]]])
    linear = np.array([False, True, False])
    directions = requested_directions(text, position, salience, linear)
    assert directions[0, 0] == pytest.approx([1.0, 0.0], abs=EXACT)  # already ideal on y
    assert directions[0, 1] == pytest.approx(np.array([-0.2, 0.8]) / np.hypot(0.2, 0.8))
    assert directions[0, 2] == pytest.approx([0.0, 0.0], abs=EXACT)  # at its ideal: no request


def test_revision_steps_along_the_mean_request_of_objectors_and_mediator() -> None:
    text = np.array([[0.5], [0.5], [0.99]])
    directions = np.array([[[1.0], [-1.0], [1.0]]] * 3)
    objecting = np.array([[True, True, False], [True, False, False], [True, True, False]])
    moved = revise(text, directions, objecting, mediator=2, step=0.1)
    # world 0: (1 - 1 + 1) / 3; world 1: (1 + 1) / 2; world 2 clips at 1
    assert moved[:, 0] == pytest.approx([0.5 + 0.1 / 3, 0.6, 1.0], abs=EXACT)
    assert revise(text, directions, objecting & False, None, 0.1) == pytest.approx(text)


# --- the protocol in the Mesa model ---------------------------------------------------------


def mediated_pie(mediator: str | None, utility: str = "linear", **extra: Any) -> Scenario:
    a = {**CONCEDE, "utility": utility}
    b = {**CONCEDE, "utility": utility}
    protocol = {"kind": "mediated", "max_rounds": 20, "mediator": mediator}
    if extra:
        data = pie(a, b, {**protocol, "mediator": None}).model_dump()
        data["actors"]["m"] = extra
        data["protocol"]["mediator"] = mediator
        return Scenario.model_validate(data)
    return pie(a, b, protocol)


@pytest.mark.parametrize("utility", ["linear", "quadratic"])
def test_symmetric_pie_lands_on_the_split_point(utility: str) -> None:
    record = run_single(mediated_pie(None, utility)).record
    assert record["agreed"]
    assert record["terms"]["share"] == pytest.approx(0.5, abs=EXACT)
    # linear, beta = 1: thresholds 1 - (t - 1) / 19 reach 1/2 in round 10.5, so round 11
    if utility == "linear":
        assert record["round"] == 11


@pytest.mark.parametrize(("ideal", "sign"), [(0.8, 1.0), (0.2, -1.0)])
def test_a_biased_mediator_moves_the_text_toward_its_ideal(ideal: float, sign: float) -> None:
    third = {
        "name": "M",
        "veto": False,
        "utility": "quadratic",
        "position": {"share": ideal},
        "salience": {"share": 1.0},
    }
    neutral = run_single(mediated_pie(None, **third)).record
    biased = run_single(mediated_pie("m", **third)).record
    assert neutral["agreed"] and biased["agreed"]
    assert neutral["terms"]["share"] == pytest.approx(0.5, abs=EXACT)
    shift = biased["terms"]["share"] - 0.5
    assert sign * shift > 0.05
    assert abs(biased["terms"]["share"] - 0.5) < abs(ideal - 0.5)
    assert biased["proposer"] == "m"


def test_a_party_as_mediator_pulls_toward_itself() -> None:
    record = run_single(mediated_pie("a")).record
    assert record["agreed"] and record["terms"]["share"] > 0.55


@pytest.mark.parametrize(("mediator", "words"), [(None, "neutral mediator's"), ("a", "A as")])
def test_a_deal_on_the_mediators_text_is_described(mediator: str | None, words: str) -> None:
    scenario = mediated_pie(mediator)
    record = run_single(scenario).record
    assert record["agreed"]
    assert f"DEAL in round {record['round']} of 20, on the " in describe_record(scenario, record)
    assert words in describe_record(scenario, record)


def test_mediated_worlds_are_independent_of_their_batch() -> None:
    scenario = mediated_pie("a")
    data = scenario.model_dump()
    data["protocol"]["breakdown_probability"] = 0.1
    scenario = Scenario.model_validate(data)
    together = run_batch(scenario, np.arange(40))
    alone = run_batch(scenario, np.array([17]))
    assert together["round"][17] == alone["round"][0]
    assert together["agreed"][17] == alone["agreed"][0]


# --- the text drafted for the ratifiers ----------------------------------------------------


def parliament(threshold: float, spread: float, ideal: float = 0.0) -> dict[str, Any]:
    """b's parliament on ``share`` (ideal 0 by default): approves U_r = 1 - |x - ideal| >= threshold."""
    body = {
        "actor": "b",
        "utility": "linear",
        "position": {"share": ideal},
        "salience": {"share": 1.0},
        "threshold": threshold,
        "spread": spread,
    }
    return {"on_rejection": "end", "ratifiers": {"parliament": body}}


def ratified_pie(ratification: dict[str, Any] | None, **protocol: Any) -> Scenario:
    data = mediated_pie(None).model_dump()
    data["ratification"] = ratification
    data["protocol"].update(protocol)
    return Scenario.model_validate(data)


def test_requests_weigh_the_ratifiers_as_the_expected_value_gradient() -> None:
    """grad EV_i / P = grad U_i + (U_i - w_i) sum_r (1 - P_r) / s_r grad U_r, made unit."""
    scenario = ratified_pie(parliament(0.65, 0.05))
    ratifiers = Ratifiers.of(scenario)
    assert ratifiers is not None
    text = np.array([[0.5], [0.2]])
    position = np.array([[[1.0], [0.0]]] * 2)
    salience = np.ones((2, 2, 1))
    linear = np.array([True, True])
    gain = np.array([[0.5, 0.5], [0.005, 0.8]])
    directions = weighed_directions(text, position, salience, linear, Stakes(ratifiers, gain))
    p = approval_probabilities(ratifiers, text)[:, 0]
    # a: +1 from its utility, -gain_a (1 - P) / s from the parliament (ideal 0)
    slope_a = 1.0 - gain[:, 0] * (1.0 - p) / 0.05
    assert slope_a[0] < 0 < slope_a[1]  # a asks for less where the parliament is likely to balk
    np.testing.assert_allclose(directions[:, 0, 0], np.sign(slope_a), atol=EXACT)
    np.testing.assert_allclose(directions[:, 1, 0], [-1.0, -1.0], atol=EXACT)
    # a party that loses from a ratified text asks for a less ratifiable one
    losing = Stakes(ratifiers, np.array([[-0.5, 0.5], [-0.5, 0.5]]))
    assert weighed_directions(text, position, salience, linear, losing)[0, 0, 0] == 1.0
    # where the parliament surely approves, the plain utility gradients, bit for bit
    sure = Stakes(Ratifiers.of(ratified_pie(parliament(-1.0, 0.0))), gain)  # type: ignore[arg-type]
    plain = requested_directions(text, position, salience, linear)
    assert np.array_equal(weighed_directions(text, position, salience, linear, sure), plain)


@pytest.mark.parametrize("spread", [0.0, 0.01])
def test_the_text_moves_to_what_the_parliament_passes(spread: float) -> None:
    """b's parliament passes only share <= 0.35; a and b both gain from any ratified split, so
    a text both sign with ratification anticipated exists (share 0.3, EV_a ~ 0.3 once a's
    threshold has fallen there).  Requests on utility alone cancel at 0.5 (a asks for more, b for
    less), which the parliament rejects, so nobody signs; on expected values a asks for less too
    while the parliament would balk, and the text reaches what it passes."""
    scenario = ratified_pie(parliament(0.65, spread))
    columns = run_batch(scenario, np.arange(20))
    assert columns["agreed"].all()
    assert (columns["term.share"] <= 0.35 + 1e-9).all()
    assert (columns["term.share"] >= 0.25).all()  # a still gets what the parliament allows


def test_a_parliament_that_always_approves_changes_mediation_nothing_bit_for_bit() -> None:
    data = load_scenario("alaska-summit").model_dump()
    data.update(ratification=None, implementation=None)
    data["protocol"].update(kind="mediated", order=None)
    plain = Scenario.model_validate(data)
    stamped = Scenario.model_validate({**plain.model_dump(), "ratification": always(0.01)})
    worlds = np.arange(300)
    before, after = run_batch(plain, worlds), run_batch(stamped, worlds)
    for name, values in before.items():
        np.testing.assert_array_equal(after[name], values, err_msg=name)
    assert after["ratified"].sum() == after["signed"].sum() > 0


def test_the_ratified_baseline_reaches_mediated_deals() -> None:
    """The baseline's parliaments and Congress reject the utility-only text almost surely (0% of
    worlds agreed); drafted through the parties' expected values, about as many agree as under
    the scenario's own protocol."""
    data = load_scenario("alaska-summit").model_dump()
    data["protocol"].update(kind="mediated", order=None)
    columns = run_batch(Scenario.model_validate(data), np.arange(200))
    assert columns["agreed"].mean() > 0.15


# --- the quota decision rule ----------------------------------------------------------------


def test_quota_share_and_approval() -> None:
    assert quota_share(None, 4) == 0.0 and quota_share(3, 4) == 0.75
    with pytest.raises(ValueError, match="quota 5"):
        quota_share(5, 4)
    accepts = np.array([[True, True, False, False], [True, False, True, True]])
    veto = np.array([True, False, False, False])
    capability = np.array([[1.0, 1.0, 1.0, 1.0], [3.0, 1.0, 1.0, 1.0]])
    # 2 of 4 equal actors pass; 3 of 4 do not; by capability 5 of 6 >= 3/4 passes
    assert approved(accepts, veto, capability, 0.5).tolist() == [True, True]
    assert approved(accepts, veto, capability, 0.75).tolist() == [False, True]
    assert approved(accepts, ~veto, capability, 0.0).tolist() == [False, False]


def three_party_pie(quota: int | None, veto_b: bool) -> Scenario:
    """a and c want share 1, b wants 0; none but perhaps b holds a veto."""
    data = pie({"veto": False}, {"veto": veto_b}, {"quota": 1}).model_dump()
    data["protocol"]["quota"] = quota
    data["actors"]["c"] = {
        "name": "C", "veto": False, "utility": "linear",
        "position": {"share": 1.0}, "salience": {"share": 1.0},
    }  # fmt: skip
    return Scenario.model_validate(data)


def test_a_proposer_buys_the_cheapest_winning_coalition() -> None:
    threshold = np.array([[0.9, 0.6, 0.9]])  # b demands at most 0.4 for a
    proposer = np.array([0])

    def offer(scenario: Scenario) -> tuple[float, bool]:
        batch = build_batch(scenario, [0])
        s = batch.structure
        offers = best_offers(
            batch.position, batch.salience, s.linear, s.veto, batch.capability,
            proposer, threshold, s.quota_share,
        )  # fmt: skip
        return float(offers.package[0, 0]), bool(offers.feasible[0])

    # 2 of 3: a and c agree on a's ideal without b
    assert offer(three_party_pie(2, False)) == pytest.approx((1.0, True))
    # b's veto binds: U_b = 1 - x >= 0.6 leaves at most 0.4, and a demands 0.9: no offer
    assert offer(three_party_pie(2, True))[1] is False
    # 3 of 3: b needed anyway, same as unanimity
    assert offer(three_party_pie(3, False))[1] is False


def test_quota_in_the_model_passes_without_the_outvoted() -> None:
    record = run_single(three_party_pie(2, False)).record
    assert record["agreed"] and record["round"] == 1
    assert record["terms"]["share"] == pytest.approx(1.0, abs=1e-6)
    assert record["utilities"]["b"] == pytest.approx(0.0, abs=1e-6)


# --- bad input ------------------------------------------------------------------------------

BASE = """\
name: bad-protocol
issues:
  share: {{low: b, high: a, status_quo: 0.5}}
actors:
  a: {{name: A, position: {{share: 1.0}}, salience: {{share: 1.0}}, {a_extra}}}
  b: {{name: B, position: {{share: 0.0}}, salience: {{share: 1.0}}}}
protocol:
{protocol}
"""


@pytest.mark.parametrize(
    ("protocol", "a_extra", "expected"),
    [
        ("  quota: 3", "veto: true", "bad.yaml:8: protocol.quota: quota 3 is larger than the number of actors (2)"),
        ("  kind: mediated\n  mediator: aa", "veto: true", "bad.yaml:9: protocol.mediator: unknown actor 'aa'; did you mean 'a'?"),
        ("  kind: alternating\n  order: [a, b]\n  mediator: a", "veto: true", "protocol.mediator: only the mediated protocol has a mediator (protocol.kind is 'alternating')"),
        ("  kind: mediated", "discount: 0.9, strategy: {kind: equilibrium}", "actors.a.strategy.kind: the equilibrium strategy needs a proposer protocol"),
        ("  kind: mediatd", "veto: true", "bad.yaml:8: protocol.kind:"),
    ],
)  # fmt: skip
def test_bad_protocols_are_reported_with_file_line_and_field(
    tmp_path: Path, protocol: str, a_extra: str, expected: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BASE.format(protocol=protocol, a_extra=a_extra))
    result = CliRunner().invoke(validate_command, [str(path)])
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "Traceback" not in result.output


def test_a_quota_lets_a_scenario_do_without_vetoes(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BASE.format(protocol="  quota: 2", a_extra="veto: false").replace(
        "salience: {share: 1.0}}\nprotocol", "salience: {share: 1.0}, veto: false}\nprotocol"
    ))  # fmt: skip
    assert CliRunner().invoke(validate_command, [str(path)]).exit_code == 0
    path.write_text(path.read_text().replace("  quota: 2", "  max_rounds: 5"))
    result = CliRunner().invoke(validate_command, [str(path)])
    assert result.exit_code == 2 and "at least one actor must hold a veto" in result.stderr


def test_a_quota_of_everybody_is_unanimity() -> None:
    """No vetoes and a quota of n of n by capability: the same worlds as unanimity of all."""
    from sim.scenario.loader import load_scenario

    # Complete information and no ratifiers: beliefs are kept about veto players only.
    plain = [
        "actors.russia.private=null",
        "actors.ukraine.private=null",
        "ratification=null",
        "implementation=null",
    ]
    unanimity = load_scenario("alaska-summit", plain)
    quota = load_scenario(
        "alaska-summit",
        [*plain, *(f"actors.{a}.veto=false" for a in unanimity.actors), "protocol.quota=4"],
    )
    worlds = np.arange(150)
    a, b = run_batch(unanimity, worlds), run_batch(quota, worlds)
    assert np.array_equal(a["agreed"], b["agreed"]) and np.array_equal(a["round"], b["round"])
    assert np.allclose(a["term.territory"], b["term.territory"], equal_nan=True, atol=1e-9)
