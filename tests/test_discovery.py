"""Scenario discovery: PRIM and CART recover a planted box; target expressions parse or explain."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.discovery import DiscoveryInputError, cart_tree, describe_box, prim_box
from sim.analysis.targets import TargetError, parse_target

LIMIT_TOLERANCE = 0.03
"""How far a recovered box limit may lie from the planted one (inputs on [0, 1])."""


def planted(n: int = 20_000, noise: float = 0.02, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Uniform inputs a, b, c, d; cases of interest in 0.3 < a < 0.7 and b < 0.4, plus noise."""
    generator = np.random.default_rng(seed)
    x = pd.DataFrame(generator.random((n, 4)), columns=["a", "b", "c", "d"])
    inside = (x["a"] > 0.3) & (x["a"] < 0.7) & (x["b"] < 0.4)
    y = (inside | (generator.random(n) < noise)).to_numpy()
    return x, y


def test_prim_recovers_the_planted_box() -> None:
    x, y = planted()
    result = prim_box(x, y)
    assert set(result.limits.index) == {"a", "b"}  # c and d are left unrestricted
    a, b = result.limits.loc["a"], result.limits.loc["b"]
    assert a["low"] == pytest.approx(0.3, abs=LIMIT_TOLERANCE)
    assert a["high"] == pytest.approx(0.7, abs=LIMIT_TOLERANCE)
    assert b["high"] == pytest.approx(0.4, abs=LIMIT_TOLERANCE)
    assert b["low"] <= b["data_low"] + 1e-12  # b is bounded above only
    assert (result.limits["qp"] < 1e-6).all()
    # The planted box holds 16% of the worlds and 0.16 / (0.16 + 0.02 * 0.84) of the cases.
    assert result.mass == pytest.approx(0.16, abs=0.015)
    assert result.density > 0.95 and result.coverage > 0.85
    # The trajectory trades coverage for density, starting from all worlds.
    first = result.trajectory.iloc[0]
    assert first["coverage"] == 1.0 and first["density"] == pytest.approx(y.mean())
    assert result.trajectory["density"].iloc[-1] >= result.trajectory["density"].iloc[0]


def test_box_in_words() -> None:
    x, y = planted()
    text = describe_box(prim_box(x, y), "agreed", {"a": "Russia's war cost"})
    assert text.startswith("'agreed' holds in ")
    assert "<= Russia's war cost <=" in text and "b <= 0.4" in text
    assert "of all worlds" in text


def test_cart_splits_at_the_planted_limits() -> None:
    x, y = planted()
    result = cart_tree(x, y)
    best = result.leaves.iloc[0]
    assert best["density"] > 0.95
    assert best["worlds"] == pytest.approx(0.16, abs=0.015)
    assert "0.3 < a <= 0.7" in best["rule"] and "b <= 0.4" in best["rule"]
    assert result.accuracy > 0.97


def test_no_case_of_interest_is_explained() -> None:
    x, y = planted()
    with pytest.raises(DiscoveryInputError, match="no world meets the target"):
        prim_box(x, np.zeros_like(y))
    with pytest.raises(DiscoveryInputError, match="every world meets the target"):
        cart_tree(x, np.ones_like(y))


COLUMNS = [
    "agreed",
    "round",
    "end_reason",
    "term.territory",
    "gain.ukraine",
    "param.actors.russia.war_cost",
]
TABLE = {
    "agreed": np.array([True, True, False, True]),
    "round": np.array([3, 12, 24, 7]),
    "end_reason": np.array(["agreement", "agreement", "breakdown", "agreement"], dtype=object),
    "term.territory": np.array([0.2, 0.5, np.nan, 0.8]),
    "gain.ukraine": np.array([0.1, -0.2, 0.0, 0.3]),
    "param.actors.russia.war_cost": np.array([0.01, 0.05, 0.02, 0.09]),
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("agreed", [True, True, False, True]),
        ("agreed and gain.ukraine > 0", [True, False, False, True]),
        ("not agreed or round > 10", [False, True, True, False]),
        ("0.3 < term.territory <= 0.8", [False, True, False, True]),
        ("end_reason == 'breakdown'", [False, False, True, False]),
        ("actors.russia.war_cost >= 0.05", [False, True, False, True]),
        ("(agreed) and -gain.ukraine < 0", [True, False, False, True]),
    ],
)
def test_targets_evaluate(text: str, expected: list[bool]) -> None:
    np.testing.assert_array_equal(parse_target(text, COLUMNS).evaluate(TABLE), expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("agreed and", "cannot parse the target 'agreed and'"),
        (
            "agreed and gain.ukrain > 0",
            "'gain.ukrain', which is not a column.*did you mean 'gain.ukraine'",
        ),
        ("__import__('os')", "cannot use call"),
        ("gain.ukraine", "not a condition"),
        ("agreed and round", "and/or/not need conditions"),
        ("", "empty"),
    ],
)
def test_bad_targets_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(TargetError, match=message):
        parse_target(text, COLUMNS).evaluate(TABLE)


def test_the_chosen_box_is_readable() -> None:
    from sim.analysis.discovery import choose_box

    trajectory = pd.DataFrame(
        {
            "coverage": [1.0, 0.9, 0.8, 0.7],
            "density": [0.2, 0.4, 0.5, 0.9],
            "mass": [1.0, 0.45, 0.32, 0.16],
            "restricted": [0, 1, 2, 4],
        }
    )
    # Weighted relative accuracy mass * (density - 0.2): 0, 0.09, 0.096, 0.112 -- but the last
    # box restricts four inputs, more than an analyst can read.
    assert choose_box(trajectory, 0.2) == 2
    assert choose_box(trajectory, 0.2, max_restricted=4) == 3
