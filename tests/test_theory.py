"""The model against closed-form bargaining results (the references of docs/model.md).

Every case is a two-party linear pie: issue ``share`` is a's share, a's ideal is 1 and b's is 0,
both with salience 1 and linear utility, so U_a(x) = x and U_b(x) = 1 - x.  Several numeric cases
run as one batch, one world per case, through per-world overrides.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pies import pie

from sim.core.runner import run_batch, run_single
from sim.core.status_quo import reservations_at, thresholds_at
from sim.scenario.schema import Scenario

CLOSED_FORM = 1e-6  # the equilibrium solver is exact to ~1e-9 with linear utilities

EQUILIBRIUM = {"kind": "equilibrium"}


def worlds(n: int) -> np.ndarray:
    return np.arange(n, dtype=np.int64)


# --- Rubinstein (1982) ------------------------------------------------------------------------------

# (d_a, d_b): a's share when a proposes first is (1 - d_b) / (1 - d_a d_b), e.g.
# (0.9, 0.8): 0.2 / 0.28 = 5/7; (0.5, 0.5): 0.5 / 0.75 = 2/3; (0.6, 0.9): 0.1 / 0.46 = 0.217391;
# (0.8, 0.3): 0.7 / 0.76 = 0.921053; (0.9, 0.9): 0.1 / 0.19 = 0.526316.
DISCOUNTS = np.array([[0.9, 0.8], [0.5, 0.5], [0.6, 0.9], [0.8, 0.3], [0.9, 0.9]])
# Value iteration contracts by max(d) per round; the mirror cases keep it at 0.8 for speed.
# b's share when b proposes first is (1 - d_a) / (1 - d_a d_b): (0.8, 0.6): 0.2 / 0.52 = 0.384615;
# (0.3, 0.8): 0.7 / 0.76 = 0.921053; (0.7, 0.7): 0.3 / 0.51 = 0.588235.
PATIENT = np.array([[0.8, 0.6], [0.3, 0.8], [0.7, 0.7]])


def rubinstein(order: list[str]) -> Scenario:
    actor = {"reservation": 0.0, "discount": 0.9, "strategy": EQUILIBRIUM}
    return pie(
        actor,
        actor,
        {"kind": "alternating", "order": order, "max_rounds": 100, "breakdown_probability": 0.0},
    )


def test_rubinstein_first_proposer_share() -> None:
    d_a, d_b = DISCOUNTS[:, 0], DISCOUNTS[:, 1]
    columns = run_batch(
        rubinstein(["a", "b"]),
        worlds(len(DISCOUNTS)),
        overrides={"actors.a.discount": d_a, "actors.b.discount": d_b},
    )
    expected = (1.0 - d_b) / (1.0 - d_a * d_b)
    assert columns["agreed"].all()
    np.testing.assert_array_equal(columns["round"], 1)
    assert list(columns["proposer"]) == ["a"] * len(DISCOUNTS)
    np.testing.assert_allclose(columns["term.share"], expected, rtol=0, atol=CLOSED_FORM)
    np.testing.assert_allclose(columns["utility.b"], 1.0 - expected, rtol=0, atol=CLOSED_FORM)
    assert expected[0] == pytest.approx(5 / 7)


def test_rubinstein_with_b_proposing_first_is_the_mirror_image() -> None:
    """b proposes first and gets (1 - d_a) / (1 - d_a d_b); a keeps the rest."""
    d_a, d_b = PATIENT[:, 0], PATIENT[:, 1]
    columns = run_batch(
        rubinstein(["b", "a"]),
        worlds(len(PATIENT)),
        overrides={"actors.a.discount": d_a, "actors.b.discount": d_b},
    )
    b_share = (1.0 - d_a) / (1.0 - d_a * d_b)
    assert columns["agreed"].all()
    np.testing.assert_array_equal(columns["round"], 1)
    assert list(columns["proposer"]) == ["b"] * len(PATIENT)
    np.testing.assert_allclose(columns["utility.b"], b_share, rtol=0, atol=CLOSED_FORM)
    np.testing.assert_allclose(columns["term.share"], 1.0 - b_share, rtol=0, atol=CLOSED_FORM)


# --- Binmore, Rubinstein & Wolinsky (1986) ------------------------------------------------------------


def breakdown_game(p: float = 0.1, b1: float = 0.2, b2: float = 0.1) -> Scenario:
    return pie(
        {"reservation": b1, "discount": 1.0, "strategy": EQUILIBRIUM},
        {"reservation": b2, "discount": 1.0, "strategy": EQUILIBRIUM},
        {"kind": "alternating", "order": ["a", "b"], "max_rounds": 100, "breakdown_probability": p},
    )


def brw_share(p: float | np.ndarray, b1: float | np.ndarray, b2: float | np.ndarray) -> Any:
    """x1 = [(1 - b2) + (1 - p) b1] / (2 - p)."""
    return ((1.0 - b2) + (1.0 - p) * b1) / (2.0 - p)


def test_breakdown_risk_first_proposer_share() -> None:
    # (p, b1, b2) = (0.2, 0.2, 0.1): (0.9 + 0.16) / 1.8 = 0.588889;
    # (0.25, 0.0, 0.3): 0.7 / 1.75 = 0.4;  (0.5, 0.35, 0.15): (0.85 + 0.175) / 1.5 = 0.683333
    p = np.array([0.2, 0.25, 0.5])
    b1 = np.array([0.2, 0.0, 0.35])
    b2 = np.array([0.1, 0.3, 0.15])
    columns = run_batch(
        breakdown_game(),
        worlds(3),
        overrides={
            "protocol.breakdown_probability": p,
            "actors.a.reservation": b1,
            "actors.b.reservation": b2,
        },
    )
    expected = brw_share(p, b1, b2)
    np.testing.assert_allclose(expected, [1.06 / 1.8, 0.4, 1.025 / 1.5], rtol=1e-12)
    assert columns["agreed"].all()
    np.testing.assert_array_equal(columns["round"], 1)
    np.testing.assert_allclose(columns["term.share"], expected, rtol=0, atol=CLOSED_FORM)
    np.testing.assert_allclose(columns["gain.a"], expected - b1, rtol=0, atol=CLOSED_FORM)
    np.testing.assert_allclose(columns["gain.b"], 1 - expected - b2, rtol=0, atol=CLOSED_FORM)


def test_breakdown_risk_small_p_tends_to_the_nash_split() -> None:
    """Patient parties and rare breakdowns: value iteration contracts only by 1 - p per step."""
    # b1 = 0.2, b2 = 0.1: Nash split 0.2 + 0.7 / 2 = 0.55;
    # p = 0.01: (0.9 + 0.198) / 1.99 = 0.551759; p = 0.001: (0.9 + 0.1998) / 1.999 = 0.550175
    for p in (0.01, 0.001):
        record = run_single(breakdown_game(p=p)).record
        assert record["agreed"] and record["round"] == 1
        assert record["terms"]["share"] == pytest.approx(brw_share(p, 0.2, 0.1), abs=CLOSED_FORM)
    assert record["terms"]["share"] == pytest.approx(0.55, abs=1e-3)  # p = 0.001


def test_a_slow_world_does_not_spoil_its_batch() -> None:
    """Each world iterates to its own convergence (a slow one once stopped the whole batch)."""
    p = np.array([0.1, 0.01])
    columns = run_batch(
        breakdown_game(), worlds(2), overrides={"protocol.breakdown_probability": p}
    )
    expected = brw_share(p, 0.2, 0.1)  # 0.568421 (the textbook file's case) and 0.551759
    np.testing.assert_allclose(columns["term.share"], expected, rtol=0, atol=CLOSED_FORM)


# --- random proposer (Baron & Ferejohn 1989, two players, unanimity) -----------------------------------

# (pi_a, b_a, b_b, p).  Ex-ante values v_i = b_i + pi_i (1 - b_a - b_b); thresholds
# theta_i = (1 - p) v_i + p b_i; a proposing offers b exactly theta_b and keeps 1 - theta_b.
# (0.7, 0.2, 0.1, 0.2): v_a = 0.69, theta_a = 0.592, theta_b = 0.268 (the textbook file);
# (0.4, 0.15, 0.25, 0.3): v_a = 0.39, v_b = 0.61, theta_a = 0.318, theta_b = 0.502;
# (0.5, 0.0, 0.0, 0.5): v = 0.5 each, theta = 0.25 each;
# (0.9, 0.3, 0.3, 0.1): v_a = 0.66, v_b = 0.34, theta_a = 0.624, theta_b = 0.336.
PROPOSER_CASES = np.array(
    [[0.7, 0.2, 0.1, 0.2], [0.4, 0.15, 0.25, 0.3], [0.5, 0.0, 0.0, 0.5], [0.9, 0.3, 0.3, 0.1]]
)


def random_proposer(
    pi_a: float = 0.7, b_a: float = 0.2, b_b: float = 0.1, p: float = 0.2
) -> Scenario:
    return pie(
        {"reservation": b_a, "discount": 1.0, "strategy": EQUILIBRIUM},
        {"reservation": b_b, "discount": 1.0, "strategy": EQUILIBRIUM},
        {
            "kind": "random-proposer",
            "recognition": {"a": pi_a, "b": 1.0 - pi_a},
            "max_rounds": 100,
            "breakdown_probability": p,
        },
    )


def ex_ante_values(pi_a: Any, b_a: Any, b_b: Any) -> tuple[Any, Any]:
    surplus = 1.0 - b_a - b_b
    return b_a + pi_a * surplus, b_b + (1.0 - pi_a) * surplus


@pytest.mark.parametrize("case", range(len(PROPOSER_CASES)))
def test_random_proposer_thresholds(case: int) -> None:
    pi_a, b_a, b_b, p = PROPOSER_CASES[case]
    v_a, v_b = ex_ante_values(pi_a, b_a, b_b)
    threshold = thresholds_at(random_proposer(pi_a, b_a, b_b, p), 1)
    assert threshold["a"] == pytest.approx((1 - p) * v_a + p * b_a, abs=CLOSED_FORM)
    assert threshold["b"] == pytest.approx((1 - p) * v_b + p * b_b, abs=CLOSED_FORM)


def test_random_proposer_offers_and_ex_ante_values() -> None:
    """Each world draws its proposer; the proposer's offer leaves the responder exactly its
    threshold, and the offers weighted by pi give the ex-ante values v_i."""
    per_case = 24
    cases = np.repeat(PROPOSER_CASES, per_case, axis=0)
    pi_a, b_a, b_b, p = cases.T
    columns = run_batch(
        random_proposer(),
        worlds(len(cases)),
        overrides={
            "protocol.recognition.a": pi_a,
            "protocol.recognition.b": 1.0 - pi_a,
            "actors.a.reservation": b_a,
            "actors.b.reservation": b_b,
            "protocol.breakdown_probability": p,
        },
    )
    assert columns["agreed"].all()
    np.testing.assert_array_equal(columns["round"], 1)
    v_a, v_b = ex_ante_values(pi_a, b_a, b_b)
    theta_a, theta_b = (1 - p) * v_a + p * b_a, (1 - p) * v_b + p * b_b
    by_a = columns["proposer"] == "a"
    assert set(columns["proposer"]) == {"a", "b"}
    expected = np.where(by_a, 1.0 - theta_b, theta_a)
    np.testing.assert_allclose(columns["term.share"], expected, rtol=0, atol=CLOSED_FORM)
    for c, (pi, reservation_a, reservation_b, _) in enumerate(PROPOSER_CASES):
        rows = slice(c * per_case, (c + 1) * per_case)
        share, proposer = columns["term.share"][rows], by_a[rows]
        assert proposer.any() and (~proposer).any()  # both proposers appear in every case
        ex_ante = pi * share[proposer].mean() + (1 - pi) * share[~proposer].mean()
        assert ex_ante == pytest.approx(
            ex_ante_values(pi, reservation_a, reservation_b)[0], abs=CLOSED_FORM
        )


def test_random_proposer_recognition_frequency() -> None:
    """a is recognised with probability 0.7: in 4,000 worlds, within 4 standard errors."""
    n = 4_000
    columns = run_batch(random_proposer(), worlds(n))
    share_a = float(np.mean(columns["proposer"] == "a"))
    assert share_a == pytest.approx(0.7, abs=4 * np.sqrt(0.7 * 0.3 / n))
    # the mean outcome is the ex-ante value v_a = 0.69
    assert float(columns["term.share"].mean()) == pytest.approx(
        0.69, abs=4 * 0.14 * 0.46 / np.sqrt(n)
    )


# --- Fearon (1995): the bargaining range ---------------------------------------------------------------

# a's war payoff is U_a(p) - c_a = p - c_a, b's is 1 - p - c_b; a split x beats war for both iff
# x in [p - c_a, p + c_b].
FEARON_CASES = [
    # status quo p, c_a, c_b, a's strategy, b's strategy
    (0.5, 0.05, 0.05, {"kind": "concession", "beta": 1.0}, {"kind": "concession", "beta": 1.0}),
    (0.7, 0.02, 0.15, {"kind": "concession", "beta": 0.3}, {"kind": "concession", "beta": 3.0}),
    (0.2, 0.1, 0.01, {"kind": "concession", "beta": 4.0}, {"kind": "concession", "beta": 0.5}),
    (0.6, 0.08, 0.04, EQUILIBRIUM, {"kind": "concession", "beta": 1.0}),
    (0.4, 0.03, 0.2, EQUILIBRIUM, EQUILIBRIUM),
]


@pytest.mark.parametrize("alternating", [True, False])
@pytest.mark.parametrize(("status_quo", "c_a", "c_b", "strategy_a", "strategy_b"), FEARON_CASES)
def test_fearon_deals_lie_in_the_bargaining_range(
    status_quo: float,
    c_a: float,
    c_b: float,
    strategy_a: dict[str, Any],
    strategy_b: dict[str, Any],
    alternating: bool,
) -> None:
    # equilibrium value iteration contracts by 1 - p per round: keep it quick
    equilibrium = "equilibrium" in (strategy_a["kind"], strategy_b["kind"])
    breakdown = 0.25 if equilibrium else 0.05
    protocol: dict[str, Any] = (
        {"kind": "alternating", "order": ["b", "a"]}
        if alternating
        else {"kind": "random-proposer", "recognition": "uniform"}
    )
    scenario = pie(
        {"war_cost": c_a, "discount": 1.0, "strategy": strategy_a},
        {"war_cost": c_b, "discount": 1.0, "strategy": strategy_b},
        {**protocol, "max_rounds": 12, "breakdown_probability": breakdown},
        status_quo=status_quo,
    )
    assert reservations_at(scenario, 1) == pytest.approx(
        {"a": status_quo - c_a, "b": 1 - status_quo - c_b}, abs=1e-12
    )
    columns = run_batch(scenario, worlds(40))
    agreed = columns["agreed"]
    assert agreed.any()
    share = columns["term.share"][agreed]
    assert np.all(share >= status_quo - c_a - 2e-7)
    assert np.all(share <= status_quo + c_b + 2e-7)
    assert np.all(columns["gain.a"][agreed] >= -2e-7) and np.all(columns["gain.b"][agreed] >= -2e-7)


def test_fearon_range_holds_for_impatient_equilibrium_players() -> None:
    """Discount 0.5, no breakdown: Rubinstein alone would give a 2/3 and b 1/3 < b's war payoff
    0.45.  Nobody accepts less than walking away (the outside-option principle of Binmore, Shaked
    & Sutton 1989), so b demands 0.45 and a, proposing first, keeps 0.55 = p + c_b."""
    impatient = {"war_cost": 0.05, "discount": 0.5, "strategy": EQUILIBRIUM}
    scenario = pie(
        impatient,
        impatient,
        {"kind": "alternating", "order": ["a", "b"], "max_rounds": 50},
        status_quo=0.5,
    )
    record = run_single(scenario).record
    assert record["agreed"] and record["round"] == 1 and record["proposer"] == "a"
    assert 0.45 - 2e-7 <= record["terms"]["share"] <= 0.55 + 2e-7
    assert record["terms"]["share"] == pytest.approx(0.55, abs=CLOSED_FORM)
    assert thresholds_at(scenario, 1)["b"] == pytest.approx(0.45, abs=CLOSED_FORM)
