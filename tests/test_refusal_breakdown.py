"""A refused offer can end the talks: ``protocol.refusal_breakdown`` (Binmore, Rubinstein &
Wolinsky 1986, where the exogenous breakdown follows a rejection).

After a round whose offer was refused the talks end with probability P = h + q - hq =
1 - (1 - h)(1 - q) (h the round's hazard, q the refusal breakdown); after a round with no offer
with h alone.  Equilibrium players anticipate it: a responder's value of rejecting prices P, so
with h = 0 and no discounting q plays exactly BRW's p.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from pies import pie

from sim.cli.validate import command as validate_command
from sim.core.batch import build_batch
from sim.core.fields import sampleable_fields
from sim.core.rng import Purpose, uniforms
from sim.core.runner import run_batch
from sim.core.screening import equilibrium_slopes
from sim.experiment.loader import load_experiment
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

REPO = Path(__file__).resolve().parents[1]
CLOSED_FORM = 1e-6  # the equilibrium solver is exact to ~1e-9 with linear utilities
EQUILIBRIUM = {"kind": "equilibrium"}


def brw_game(q: float = 0.2, h: float = 0.0) -> Scenario:
    """The BRW pie with no discounting: impatience comes only from the risk of breakdown."""
    return pie(
        {"reservation": 0.0, "discount": 1.0, "strategy": EQUILIBRIUM},
        {"reservation": 0.0, "discount": 1.0, "strategy": EQUILIBRIUM},
        {
            "kind": "alternating",
            "order": ["a", "b"],
            "max_rounds": 100,
            "breakdown_probability": h,
            "refusal_breakdown": q,
        },
    )


def brw_share(p: np.ndarray, b1: np.ndarray, b2: np.ndarray) -> np.ndarray:
    """x1 = [(1 - b2) + (1 - p) b1] / (2 - p): 1 / (2 - p) with b1 = b2 = 0."""
    share: np.ndarray = ((1.0 - b2) + (1.0 - p) * b1) / (2.0 - p)
    return share


def test_refusal_breakdown_plays_brw_p_with_no_hazard() -> None:
    # (q, b1, b2) = (0.2, 0, 0): 1 / 1.8 = 0.555556;  (0.5, 0, 0): 1 / 1.5 = 2/3;
    # (0.25, 0.2, 0.1): (0.9 + 0.15) / 1.75 = 0.6;  (0.9, 0.35, 0.15): (0.85 + 0.035) / 1.1
    q = np.array([0.2, 0.5, 0.25, 0.9])
    b1 = np.array([0.0, 0.0, 0.2, 0.35])
    b2 = np.array([0.0, 0.0, 0.1, 0.15])
    columns = run_batch(
        brw_game(),
        np.arange(4),
        overrides={
            "protocol.refusal_breakdown": q,
            "actors.a.reservation": b1,
            "actors.b.reservation": b2,
        },
    )
    expected = brw_share(q, b1, b2)
    np.testing.assert_allclose(expected, [1 / 1.8, 2 / 3, 0.6, 0.885 / 1.1], rtol=1e-12)
    assert columns["agreed"].all()
    np.testing.assert_array_equal(columns["round"], 1)
    np.testing.assert_allclose(columns["term.share"], expected, rtol=0, atol=CLOSED_FORM)
    np.testing.assert_allclose(columns["utility.b"], 1 - expected, rtol=0, atol=CLOSED_FORM)


def test_hazard_and_refusal_breakdown_combine_as_one_risk_after_a_rejection() -> None:
    """h = 0.1 and q = 0.2 price a rejection as p = 0.1 + 0.2 - 0.02 = 0.28: x1 = 1 / 1.72."""
    h, q = np.array([0.1, 0.3]), np.array([0.2, 0.5])
    columns = run_batch(
        brw_game(),
        np.arange(2),
        overrides={"protocol.breakdown_probability": h, "protocol.refusal_breakdown": q},
    )
    p = h + q - h * q
    np.testing.assert_allclose(p, [0.28, 0.65], rtol=1e-12)
    expected = brw_share(p, np.zeros(2), np.zeros(2))
    np.testing.assert_allclose(columns["term.share"], expected, rtol=0, atol=CLOSED_FORM)


def no_zone(kind: str, h: float, q: float) -> Scenario:
    """Concession players whose no-deal values leave no zone of agreement (0.6 + 0.6 > 1): the
    mediator's text is refused (mediated) or no offer is made (alternating)."""
    player = {"reservation": 0.6, "strategy": {"kind": "concession", "beta": 1.0}}
    return pie(
        player,
        player,
        {
            "kind": kind,
            "max_rounds": 1,
            "breakdown_probability": h,
            "refusal_breakdown": q,
            **({"order": ["a", "b"]} if kind == "alternating" else {}),
        },
    )


WORLDS = np.arange(4000, dtype=np.int64)
TRUTH = {"actors.b.reservation": 0.2 + 0.4 * (WORLDS + 0.5) / WORLDS.size}  # b's, spread evenly


@pytest.mark.parametrize("q", [0.0, 0.3])
def test_a_refused_offer_ends_the_talks_with_h_plus_q_minus_hq(q: float) -> None:
    """a offers 0.55 to b (the monopoly offer on the belief U[0.2, 0.6]); the eighth of the worlds
    whose b holds out for more refuse, and there exactly the worlds whose breakdown draw falls
    below 1 - (1 - h)(1 - q) break down (one draw: q only adds risk above h)."""
    h = 0.1
    scenario = screening_game(0.2, 0.6, q, h=h, rounds=1)
    columns = run_batch(scenario, WORLDS, overrides=TRUTH)
    refused = columns["rejections"] == 1
    assert refused.sum() == WORLDS.size // 8
    draw = uniforms(scenario.seed, WORLDS, 1, Purpose.BREAKDOWN)[:, 0]
    broke = np.asarray(columns["end_reason"]) == "breakdown"
    np.testing.assert_array_equal(broke[refused], (draw < h + q * (1.0 - h))[refused])
    assert columns["agreed"][~refused].all()
    assert broke[refused].mean() == pytest.approx(1 - (1 - h) * (1 - q), abs=0.07)


@pytest.mark.parametrize("kind", ["alternating", "mediated"])
def test_no_offer_and_a_refused_draft_risk_only_the_hazard(kind: str) -> None:
    """No package both proposer and responder accept: no offer, no refusal, hazard h only.  A
    mediator's single text is a draft the objections revise (Raiffa 1982), not an offer to walk
    out of: its refusal risks h only too."""
    h = 0.1
    scenario = no_zone(kind, h, 0.9)
    columns = run_batch(scenario, WORLDS)
    np.testing.assert_array_equal(columns["offers"], 0 if kind == "alternating" else 1)
    draw = uniforms(scenario.seed, WORLDS, 1, Purpose.BREAKDOWN)[:, 0]
    broke = np.asarray(columns["end_reason"]) == "breakdown"
    np.testing.assert_array_equal(broke, draw < h)


def test_zero_refusal_breakdown_is_bit_for_bit_the_hazard() -> None:
    """h + q (1 - h) with q = 0 is h exactly (1 - (1 - h)(1 - q) would not be: 1 - 0.9 != 0.1)."""
    scenario = load_scenario(REPO / "scenarios" / "alaska-summit.yaml")
    h = np.array([0.0, 0.01, 0.02, 0.1, 0.3, 0.7])
    batch = build_batch(
        scenario,
        np.arange(h.size),
        overrides={"protocol.breakdown_probability": h, "protocol.refusal_breakdown": 0 * h},
    )
    np.testing.assert_array_equal(batch.refused_breakdown, batch.breakdown)
    assert 1.0 - (1.0 - 0.1) * (1.0 - 0.0) != 0.1  # why the formula is written h + q (1 - h)


def test_zero_refusal_breakdown_replays_the_talks_without_it() -> None:
    """Alaska worlds with q overridden to 0 are the worlds of the scenario without the field,
    column for column, to the bit (settle step and every equilibrium anticipation)."""
    scenario = load_scenario(REPO / "scenarios" / "alaska-summit.yaml")
    assert scenario.protocol.refusal_breakdown > 0
    data = scenario.model_dump()
    del data["protocol"]["refusal_breakdown"]
    without = Scenario.model_validate(data)
    worlds = np.arange(24, dtype=np.int64)
    overrides = {"protocol.refusal_breakdown": np.zeros(worlds.size)}
    zeroed = run_batch(scenario, worlds, overrides=overrides)
    plain = run_batch(without, worlds)
    assert zeroed.keys() == plain.keys()
    for column in plain:
        left, right = np.asarray(zeroed[column]), np.asarray(plain[column])
        if left.dtype.kind == "f":
            np.testing.assert_array_equal(left, right, err_msg=column)
        else:
            assert (left == right).all(), column
    # q itself matters (in 5 of the first 100 worlds' end reasons; none of the first 24)
    more = np.arange(100, dtype=np.int64)
    with_q, plain = run_batch(scenario, more), run_batch(without, more)
    assert not np.array_equal(np.asarray(with_q["end_reason"]), np.asarray(plain["end_reason"]))


def test_private_equilibrium_slope_prices_the_risk_after_a_refusal() -> None:
    """d theta / d b = P + (1 - P)(1 - delta) with fighting, P = h + q - hq (per round)."""
    scenario = load_scenario(REPO / "scenarios" / "alaska-summit.yaml")
    batch = build_batch(scenario, np.arange(3))
    h, q = batch.breakdown[:, None], batch.refusal_breakdown[:, None]
    p = h + q - h * q
    expected = p + (1 - p) * (1 - batch.discount)
    np.testing.assert_allclose(equilibrium_slopes(batch, True), expected, rtol=1e-14)
    np.testing.assert_allclose(equilibrium_slopes(batch, False), np.broadcast_to(p, expected.shape))


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("refusal_breakdown: 1.5", "refusal_breakdown: must be at most 1, not 1.5"),
        ("refusal_breakdown: -0.1", "refusal_breakdown: must be at least 0, not -0.1"),
        ("refusal_breakdwn: 0.1", "refusal_breakdwn: "),
    ],
)
def test_refusal_breakdown_out_of_range_is_reported_and_exits_two(
    tmp_path: Path, entry: str, message: str
) -> None:
    text = (REPO / "tests" / "data" / "good" / "two-party.yaml").read_text()
    assert "protocol:\n" in text
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace("protocol:\n", f"protocol:\n  {entry}\n", 1))
    line = path.read_text().splitlines().index(f"  {entry}") + 1
    result = CliRunner().invoke(validate_command, [str(path)])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{path}:{line}: protocol.{message}" in result.stderr
    if "breakdwn" in entry:
        assert "did you mean 'refusal_breakdown'" in result.stderr


def test_refusal_breakdown_is_sampled_by_the_experiments_with_priors() -> None:
    scenario = load_scenario(REPO / "scenarios" / "alaska-summit.yaml")
    assert "protocol.refusal_breakdown" in sampleable_fields(scenario)
    experiment = load_experiment(REPO / "experiments" / "baseline-uncertainty.yaml")
    cell = experiment.cells[0]
    assert "protocol.refusal_breakdown" in [parameter.path for parameter in cell.parameters]


def screening_game(
    low: float, high: float, q: float, *, h: float = 0.0, rounds: int = 6
) -> Scenario:
    """a proposes every round to b, whose reservation the others believe is U[low, high]
    (each round the monopoly problem on the current belief; tests/test_private_information.py);
    a refused offer ends the talks with probability q on top of the hazard h."""
    private = {"field": "reservation", "belief": {"dist": "uniform", "low": low, "high": high}}
    return pie(
        {"reservation": 0.1},
        {"reservation": 0.5 * (low + high), "private": private},
        {
            "kind": "alternating",
            "order": ["a"],
            "max_rounds": rounds,
            "deadline_weeks": 0.0,
            "breakdown_probability": h,
            "refusal_breakdown": q,
        },
    )


def test_with_refusal_breakdown_misperception_costs_deals_not_only_time() -> None:
    """Fearon (1995): b's reservation is spread over U[0.2, 0.6] (400 paired worlds, the truth
    set per world); the common prior believes U[0.2, 0.6], the misperception U[0.1, 0.5] (b
    thought weaker).  The first offers are the monopoly offers clip((1 + low - 0.1)/2) = 0.55 and
    0.5, accepted by 87.5% and 75% of the worlds.  Without refusal breakdown the refused learn
    and settle later (delay only: P(agreed) equal): each refuses once (the misjudged find that no
    believed type is left and settle on the next offer, 0.7); with q = 1 the first refusal ends
    the talks (-12.5 points exactly); with q = 0.3 the misperception costs deals clearly (> 4 se)."""
    n = 400
    worlds = np.arange(n, dtype=np.int64)
    truth = {"actors.b.reservation": 0.2 + 0.4 * (np.arange(n) + 0.5) / n}

    def runs(q: float) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        common = run_batch(screening_game(0.2, 0.6, q), worlds, overrides=truth)
        misjudged = run_batch(screening_game(0.1, 0.5, q), worlds, overrides=truth)
        return dict(common), dict(misjudged)

    common, misjudged = runs(0.0)
    np.testing.assert_array_equal(misjudged["agreed"], common["agreed"])  # delay only
    assert common["rejections"].sum() == 50 and misjudged["rejections"].sum() == 100
    common, misjudged = runs(1.0)
    assert common["agreed"].mean() == 0.875 and misjudged["agreed"].mean() == 0.75
    common, misjudged = runs(0.3)
    change = misjudged["agreed"].astype(float) - common["agreed"].astype(float)
    assert change.mean() < -4 * change.std(ddof=1) / np.sqrt(n)
