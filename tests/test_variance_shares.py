"""Variance shares and paired effects (sim.analysis.drivers) and the script that tabulates them.

The estimators are checked against known answers: an additive model with independent inputs,
Y = a·X1 + b·X2 + noise, has first-order shares a²Var(X1)/Var(Y) and b²Var(X2)/Var(Y) and an R²
equal to their sum; paired differences of two arms that differ by a known shift recover it.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from sim.analysis.drivers import (
    first_order_share,
    paired_conditional_difference,
    paired_difference,
    regression_r2,
)

ROOT = Path(__file__).resolve().parents[1]
N = 40_000


def _draws(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 1, N), rng.normal(0, 1, N), rng.normal(0, 1, N)


def test_first_order_shares_match_an_additive_model() -> None:
    x1, x2, noise = _draws(1)
    y = 2.0 * x1 + 0.5 * x2 + 0.3 * noise
    var = 4.0 / 12 + 0.25 + 0.09
    # Binning a smooth effect into 40 quantile bins loses about 1/40² of it: tolerance 0.01.
    assert first_order_share(y, x1, bins=40) == pytest.approx((4.0 / 12) / var, abs=0.01)
    assert first_order_share(y, x2, bins=40) == pytest.approx(0.25 / var, abs=0.01)
    assert regression_r2(y, [x1, x2]) == pytest.approx((4.0 / 12 + 0.25) / var, abs=0.005)


def test_an_irrelevant_parameter_has_a_share_of_about_zero() -> None:
    x1, x2, noise = _draws(2)
    y = (noise > 0).astype(float)  # an outcome that x1 does not move
    shares = [first_order_share(y, np.roll(x1, k), bins=20) for k in range(20)]
    # Without the chance correction each share would be about 19/N = 5e-4 on average.
    assert np.mean(shares) < 2e-4
    assert max(shares) < 2e-3


def test_a_discrete_parameter_gets_one_bin_per_value() -> None:
    cell = np.repeat([0.0, 1.0, 2.0], N // 3)
    y = cell + _draws(3)[2][: cell.size]
    # Var(E[Y|cell]) = 2/3, Var(Y) = 2/3 + 1.
    assert first_order_share(y, cell, bins=20) == pytest.approx((2 / 3) / (5 / 3), abs=0.01)


def test_a_constant_outcome_has_nothing_to_explain() -> None:
    x1, _, _ = _draws(4)
    assert first_order_share(np.ones(N), x1) == 0.0
    assert regression_r2(np.ones(N), [x1]) == 0.0


def test_paired_difference_recovers_a_shift_with_a_paired_interval() -> None:
    x1, _, noise = _draws(5)
    base = x1 + noise
    mean, low, high = paired_difference(base, base + 0.01)
    assert (
        mean == pytest.approx(0.01) and low == pytest.approx(0.01) and high == pytest.approx(0.01)
    )
    agreed_base = noise > 0.0
    agreed_variant = noise > -0.05  # the same worlds and a few more: a paired rise
    mean, low, high = paired_difference(agreed_base, agreed_variant)
    assert 0.0 < low < mean < high
    assert mean == pytest.approx(np.mean(agreed_variant) - np.mean(agreed_base))
    # Far narrower than an unpaired interval for two proportions near 0.5 (about ±0.007).
    assert high - low < 0.004


def test_paired_conditional_difference_covers_the_truth() -> None:
    x1, _, noise = _draws(6)
    mask = noise > 0
    point, low, high = paired_conditional_difference(x1, mask, x1 + 0.02, mask, n_boot=200)
    assert point == pytest.approx(0.02)
    assert low == pytest.approx(0.02) and high == pytest.approx(0.02)
    point, low, high = paired_conditional_difference(x1, mask, x1, noise > 1.0, n_boot=200)
    assert low < point < high
    assert low < 0.0 < high  # a subset of independent worlds: no real difference
    nothing = paired_conditional_difference(x1, mask, x1, np.zeros(N, bool), n_boot=10)
    assert all(np.isnan(nothing))


# ---------------------------------------------------------------------------------------------
# The script that writes the tables of docs/model.md


def _script(name: str = "drivers") -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"{name}_script", ROOT / "experiments" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[f"{name}_script"] = module
    spec.loader.exec_module(module)
    return module


def test_the_script_rewrites_only_its_block(tmp_path: Path) -> None:
    script = _script()
    page = tmp_path / "model.md"
    page.write_text(f"before\n{script.BEGIN}\nold\n{script.END}\nafter\n", encoding="utf-8")
    script.update(page, f"{script.BEGIN}\nnew\n{script.END}")
    assert page.read_text(encoding="utf-8") == f"before\n{script.BEGIN}\nnew\n{script.END}\nafter\n"
    plain = tmp_path / "plain.md"
    plain.write_text("no block here\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        script.update(plain, "x")


def test_wider_beliefs_keep_the_believed_mean() -> None:
    """The comparative static 'beliefs twice as wide' is a mean-preserving spread: each private
    normal belief's sd doubles and the mean of the truncated normal stays put (to 1e-9), which
    a plain doubling of the sd would break by 0.016 for Moscow's cost (truncated at 0)."""
    from sim.distributions.inversion import Distribution
    from sim.scenario.loader import load_scenario

    script = _script()
    scenario = load_scenario("alaska-summit")
    wide = script.edited(script._widen_beliefs(2.0))(scenario)
    checked = 0
    for key, actor in scenario.actors.items():
        if actor.private is None:
            continue
        before, after = actor.private.belief, wide.actors[key].private.belief
        assert after.sd == pytest.approx(2.0 * before.sd, abs=1e-15)
        centre = actor.war_cost if before.mean is None else before.mean
        old = Distribution("normal", 0.0, 1.0, (centre, before.sd)).mean()
        new = Distribution("normal", 0.0, 1.0, (after.mean, after.sd)).mean()
        plain = Distribution("normal", 0.0, 1.0, (centre, after.sd)).mean()
        assert new == pytest.approx(old, abs=1e-9)
        checked += 1
        if key == "russia":
            assert plain - old > 0.01
    assert checked == 2


def test_docs_model_holds_the_tables_the_script_writes() -> None:
    script = _script()
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    block = text[text.index(script.BEGIN) : text.index(script.END)]
    assert "python experiments/drivers.py --update docs/model.md" in block
    for change in script.changes():
        assert f"| {change.label} |" in block, change.label
    for name in script.EXPERIMENTS:
        assert f"| {name} | agreed |" in block


def test_docs_model_holds_the_durability_tables_the_script_writes() -> None:
    script = _script("durability_drivers")
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    block = text[text.index(script.BEGIN) : text.index(script.END)]
    assert "python experiments/durability_drivers.py --update docs/model.md" in block
    for label, _ in script.CASES:
        assert f"| {label} |" in block, label
    for name in script.EXPECTED:
        assert f"| {name} |" in block, name


def test_the_script_tabulates_a_small_sweep() -> None:
    script = _script()
    inputs, outcomes = script.experiment_frame("baseline-uncertainty", 300)
    assert outcomes["agreed"].size == 300
    rows, grouped = script.shares_table("baseline-uncertainty", inputs, outcomes, bins=5)
    assert rows[0].startswith("| baseline-uncertainty | agreed | 300 |")
    assert set(grouped) == {"agreed", "durable"}
    for shares in grouped.values():
        assert set(shares) == {group for group, _ in script.GROUPS}
        assert all(0.0 <= share <= 5.0 for share in shares.values())


def test_who_reneged_names_a_share_below_half_a_percent() -> None:
    script = _script("durability_drivers")
    names = np.array(["russia"] * 80 + ["nato"] + [""] * 219 + ["ukraine"] * 5, dtype=object)
    ratified = np.array([True] * 300 + [False] * 5)
    assert script.reneged({"ratified": ratified, "reneged_by": names}) == "russia 27%, nato <1%"
    assert script.reneged({"ratified": ratified[:0], "reneged_by": names[:0]}) == "nobody"
