"""The table anticipates reneging (Walter 1997): anticipated-only bodies, their formula, and
that they change nothing where they are off or where nobody is tempted."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import yaml
from click.testing import CliRunner
from test_implementation import two_issues

from sim.cli.validate import command as validate_command
from sim.core.anticipated_reneging import PREFIX, table_ratifiers
from sim.core.batch import build_batch
from sim.core.ratification import Ratifiers, approval_probabilities, verdicts
from sim.core.runner import run_batch
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario


def truce(anticipated: bool = True, war_cost: float = 0.1, cost: float = 0.02) -> Scenario:
    """a and b over two issues, with a four-period phase; a's reneging cost rises with land, and
    the arms balance moves toward the agreed arms."""
    return two_issues(
        {
            "periods": 4,
            "drift": {"land": -0.01},
            "volatility": {"land": 0.03},
            "war_cost_drift": {"a": -0.01},
            "reneging_cost": {"a": cost, "b": cost},
            "term_cost": {"a": {"land": 0.1}},
            "term_drift": {"arms": {"arms": 0.05}},
            "anticipated": anticipated,
        },
        war_cost,
    )


def truce_bodies() -> Ratifiers:
    """The truce's table bodies (its keepers) with world 0's thresholds."""
    scenario = truce()
    batch = build_batch(scenario, np.arange(1))
    table = table_ratifiers(scenario)
    assert table is not None
    return table.for_worlds(batch.ratifier_threshold)


def test_off_the_table_weighs_exactly_the_ratifiers() -> None:
    scenario = load_scenario("alaska-summit")
    section = scenario.implementation
    assert section is not None
    off = scenario.model_copy(
        update={"implementation": section.model_copy(update={"anticipated": False})}
    )
    real, table = Ratifiers.of(off), table_ratifiers(off)
    assert real is not None and table is not None and table.anticipated == 0
    for name in ("position", "salience", "linear", "threshold", "spread", "actor"):
        assert np.array_equal(getattr(real, name), getattr(table, name)), name
    batch = build_batch(off, np.arange(5))
    assert batch.ratifier_threshold.shape == (5, real.size)


def test_keepers_nobody_is_tempted_by_change_nothing_bit_for_bit() -> None:
    # Reneging costs of 1 and no shocks: every anticipated-only body approves every package
    # with probability exactly 1, so the records are those of the option off, bit for bit.
    data = load_scenario("alaska-summit").model_dump()
    data["implementation"]["reneging_cost"] = dict.fromkeys(data["actors"], 1.0)
    data["implementation"]["volatility"] = {}
    data["implementation"]["anticipated"] = False
    off = Scenario.model_validate(data)
    data["implementation"]["anticipated"] = True
    on = Scenario.model_validate(data)
    table = table_ratifiers(on)
    assert table is not None and table.anticipated == len(data["actors"])
    worlds = np.arange(300)
    before, after = run_batch(off, worlds), run_batch(on, worlds)
    assert before.keys() == after.keys()
    for column in before:
        left, right = np.asarray(before[column]), np.asarray(after[column])
        if left.dtype.kind == "f":
            assert np.array_equal(left, right, equal_nan=True), column
        else:
            assert np.array_equal(left, right), column
    assert np.asarray(before["signed"]).any()


def test_anticipated_only_bodies_never_vote() -> None:
    table = table_ratifiers(truce())
    assert table is not None and table.names == (PREFIX + "a", PREFIX + "b")
    hopeless = table.for_worlds(np.full((50, 2), 2.0))  # nobody would keep any deal
    package = np.full((50, 2), 0.5)
    assert (approval_probabilities(hopeless, package) < 1e-15).all()
    ratified, rejected = verdicts(hopeless, package, 7, np.arange(50), 1)
    assert ratified.all() and rejected.shape == (50, 0)


def test_keeping_probability_matches_the_hand_computed_formula() -> None:
    bodies = truce_bodies()
    keep = approval_probabilities(bodies, np.array([[0.7, 0.6]]))[0]
    # The expected end balance: land 0.5 - 4 x 0.01, arms 0.5 + 4 x 0.05 x 0.6 (the terms').
    # a: war cost max(0, 0.1 - 4 x 0.01); reneging cost 0.02 + 0.1 x land.
    v_a = 1 - 0.6 * 0.54**2 - 0.4 * 0.38**2 - 0.06
    u_a = 1 - 0.6 * 0.3**2 - 0.4 * 0.4**2
    c_a = 0.02 + 0.1 * 0.7
    # Scale: sqrt(3) / pi x sqrt(T) x 2 s_land |a_land - p| sigma_land (arms has no shocks).
    s_a = math.sqrt(3) / math.pi * math.sqrt(4) * 2 * 0.6 * 0.54 * 0.03
    assert abs(keep[0] - 1 / (1 + math.exp(-(u_a + c_a - v_a) / s_a))) < 1e-12
    # b: no war-cost drift, no term cost.
    v_b = 1 - 0.6 * 0.46**2 - 0.4 * 0.62**2 - 0.1
    u_b = 1 - 0.6 * 0.7**2 - 0.4 * 0.6**2
    s_b = math.sqrt(3) / math.pi * math.sqrt(4) * 2 * 0.6 * 0.46 * 0.03
    assert abs(keep[1] - 1 / (1 + math.exp(-(u_b + 0.02 - v_b) / s_b))) < 1e-12


def test_the_bodies_reproduce_the_keeping_margin_exactly() -> None:
    # With a term drift on the issue's own balance the fold is exact: U_body(x) - threshold is
    # U_j(x) + c_j(x) - Vhat_j(x) for every package.
    bodies = truce_bodies()
    rng = np.random.default_rng(3)
    x = rng.uniform(size=(50, 2))
    end = np.column_stack([np.full(50, 0.46), 0.5 + 0.2 * x[:, 1]])
    ideal, weight = np.array([[1.0, 1.0], [0.0, 0.0]]), np.array([0.6, 0.4])
    for j, (war, cost) in enumerate(((0.06, 0.02 + 0.1 * x[:, 0]), (0.1, 0.02))):
        deal = 1 - ((x - ideal[j]) ** 2 * weight).sum(axis=1)
        value = 1 - ((end - ideal[j]) ** 2 * weight).sum(axis=1) - war
        body = 1 - ((x - bodies.position[j]) ** 2 * bodies.salience[j]).sum(axis=1)
        margin = body - bodies.threshold[0, j]
        assert np.allclose(margin, deal + cost - value, atol=1e-12, rtol=0)


def test_a_deal_nobody_is_tempted_to_break_is_kept_for_sure() -> None:
    scenario = truce(war_cost=0.5, cost=0.3)  # war is worth little, reneging costs much
    batch = build_batch(scenario, np.arange(3))
    table = table_ratifiers(scenario)
    assert table is not None
    keep = approval_probabilities(table.for_worlds(batch.ratifier_threshold), np.full((3, 2), 0.5))
    assert np.abs(keep - 1.0).max() < 1e-9


def test_anticipation_needs_quadratic_utilities(tmp_path: Path) -> None:
    data = truce().model_dump(mode="json", exclude_none=True)
    data["actors"]["b"]["utility"] = "linear"
    path = tmp_path / "truce.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = CliRunner().invoke(validate_command, [str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "implementation.anticipated: needs quadratic utilities, but actor 'b' is linear" in (
        result.stderr
    )
