"""The zone of possible agreement against closed forms (Nash 1950; Kalai & Smorodinsky 1975)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from sim.analysis.zopa.text import describe
from sim.analysis.zopa.zone import ZopaResult, zone_of_agreement
from sim.cli.zopa import command
from sim.core.rng import Purpose, uniforms
from sim.core.strategies.concession import concession_threshold
from sim.output.figures.zopa import zopa_figure
from sim.scenario.schema import Scenario

SAMPLES = 20_000


def one_issue(
    a: dict[str, Any], b: dict[str, Any], *, status_quo: float = 0.5, **extra: Any
) -> Scenario:
    """Two parties on one issue 'share' (a's share of a unit pie)."""
    return Scenario.model_validate(
        {
            "name": "pie",
            "issues": {
                "share": {
                    "low": "b takes the whole pie",
                    "high": "a takes the whole pie",
                    "status_quo": status_quo,
                }
            },
            "actors": {
                "a": {"name": "A", "position": {"share": 1.0}, "salience": {"share": 1.0}, **a},
                "b": {"name": "B", "position": {"share": 0.0}, "salience": {"share": 1.0}, **b},
            },
            **extra,
        }
    )


def linear_split(d1: float, d2: float, w1: float = 1.0, w2: float = 1.0) -> Scenario:
    return one_issue(
        {"utility": "linear", "reservation": d1, "capability": w1},
        {"utility": "linear", "reservation": d2, "capability": w2},
    )


def issue_table(names: list[str], status_quo: list[float]) -> dict[str, Any]:
    return {
        name: {"low": f"{name} low end", "high": f"{name} high end", "status_quo": sq}
        for name, sq in zip(names, status_quo, strict=True)
    }


def nash_product(result: ZopaResult, terms: np.ndarray, scenario: Scenario) -> float:
    """sum_i w_i log(U_i - d_i) at a package, -inf outside the deal space."""
    from sim.analysis.zopa.zone import _point_utilities

    values = _point_utilities(scenario, dict(zip(result.issues, terms, strict=True)))
    total = 0.0
    for name, weight in result.bargaining_weight.items():
        gain = values[name] - result.reservation[name]
        if gain <= 0:
            return -math.inf
        total += weight * math.log(gain)
    return total


# --- the linear pie ----------------------------------------------------------------------------


@pytest.mark.parametrize(("d1", "d2"), [(0.2, 0.3), (0.0, 0.0), (0.45, 0.05), (-0.2, 0.1)])
def test_linear_split_zone_and_nash_point(d1: float, d2: float) -> None:
    result = zone_of_agreement(linear_split(d1, d2), samples=SAMPLES)
    assert result.exists
    width = 1 - max(d1, 0.0) - d2  # a's utility is its share: below 0 the reservation is slack
    assert abs(result.volume - width) <= 4 * result.volume_se + 1e-12
    assert result.nash is not None
    assert result.nash.terms["share"] == pytest.approx(d1 + (1 - d1 - d2) / 2, abs=1e-6)
    assert result.nash.utilities["a"] == pytest.approx(d1 + (1 - d1 - d2) / 2, abs=1e-6)
    assert result.nash.utilities["b"] == pytest.approx(d2 + (1 - d1 - d2) / 2, abs=1e-6)


def test_linear_split_zone_is_the_interval_between_reservations() -> None:
    d1, d2 = 0.2, 0.3
    result = zone_of_agreement(linear_split(d1, d2), samples=SAMPLES)
    # The most central package is the middle of [d1, 1 - d2], half the width inside each end.
    assert result.central.terms["share"] == pytest.approx((d1 + 1 - d2) / 2, abs=1e-6)
    assert result.margin == pytest.approx((1 - d1 - d2) / 2, abs=1e-9)
    # Each side's best deal is the other's reservation: the interval's far end.
    assert result.best_gain == pytest.approx({"a": 1 - d2, "b": 1 - d1}, abs=1e-6)
    # Kalai-Smorodinsky splits the surplus in proportion to the best gains: here the midpoint.
    assert result.kalai_smorodinsky is not None
    assert result.kalai_smorodinsky.terms["share"] == pytest.approx(0.45, abs=1e-6)
    # The sampled share matches the closed-form count on the very same draws.
    x = uniforms(result.seed, np.arange(SAMPLES), 0, Purpose.SAMPLE, 1)[:, 0]
    assert result.volume == np.count_nonzero((x >= d1) & (x <= 1 - d2)) / SAMPLES


@pytest.mark.parametrize(("w1", "w2"), [(3.0, 1.0), (0.2, 0.6), (1.0, 9.0)])
def test_capability_weighted_nash_point(w1: float, w2: float) -> None:
    d1, d2 = 0.1, 0.25
    scenario = linear_split(d1, d2, w1, w2)
    weighted = zone_of_agreement(scenario, samples=1000)
    assert weighted.nash is not None
    expected = d1 + w1 / (w1 + w2) * (1 - d1 - d2)
    assert weighted.nash.terms["share"] == pytest.approx(expected, abs=1e-6)
    assert weighted.bargaining_weight == pytest.approx({"a": w1 / (w1 + w2), "b": w2 / (w1 + w2)})
    uniform = zone_of_agreement(scenario, weights="uniform", samples=1000)
    assert uniform.nash is not None
    assert uniform.nash.terms["share"] == pytest.approx(d1 + (1 - d1 - d2) / 2, abs=1e-6)


def test_no_zone_when_reservations_exceed_the_pie() -> None:
    d1, d2 = 0.6, 0.5
    scenario = linear_split(d1, d2)
    result = zone_of_agreement(scenario, samples=SAMPLES)
    assert not result.exists
    assert not result.threshold_exists
    assert result.nash is None and result.kalai_smorodinsky is None
    assert result.volume == 0.0 and result.volume_se == 0.0
    assert result.margin == pytest.approx((1 - d1 - d2) / 2, abs=1e-9)
    text = describe(scenario, result)
    assert "NONE; the most nearly acceptable package falls short by 0.050" in text
    assert "Nash bargaining point" not in text


def test_touching_reservations_leave_a_single_package() -> None:
    result = zone_of_agreement(linear_split(0.4, 0.6), samples=SAMPLES)
    assert result.exists
    assert result.nash is not None
    assert result.nash.terms["share"] == pytest.approx(0.4, abs=1e-6)
    assert result.volume == 0.0


# --- quadratic and mixed utilities --------------------------------------------------------------


def test_symmetric_quadratic_positions_meet_in_the_middle() -> None:
    scenario = Scenario.model_validate(
        {
            "name": "symmetric",
            "issues": issue_table(["east", "west"], [0.5, 0.5]),
            "actors": {
                "a": {
                    "name": "A",
                    "position": {"east": 0.0, "west": 0.0},
                    "salience": {"east": 0.5, "west": 0.5},
                    "war_cost": 0.1,
                },
                "b": {
                    "name": "B",
                    "position": {"east": 1.0, "west": 1.0},
                    "salience": {"east": 0.5, "west": 0.5},
                    "war_cost": 0.1,
                },
            },
        }
    )
    result = zone_of_agreement(scenario, samples=SAMPLES)
    # U(status quo) = 1 - 0.25 = 0.75, minus the war cost.
    assert result.reservation == pytest.approx({"a": 0.65, "b": 0.65})
    assert result.nash is not None
    assert result.nash.terms == pytest.approx({"east": 0.5, "west": 0.5}, abs=1e-6)
    # Zone: both |x - p|^2 / 2 summed stay within 0.35 of each ideal; its area by quadrature.
    grid = (np.arange(2000) + 0.5) / 2000
    xs, ys = np.meshgrid(grid, grid)
    inside = ((xs**2 + ys**2) / 2 <= 0.35) & (((1 - xs) ** 2 + (1 - ys) ** 2) / 2 <= 0.35)
    assert abs(result.volume - inside.mean()) <= 4 * result.volume_se + 1e-3


def test_quadratic_weighted_nash_point_solves_the_first_order_condition() -> None:
    s1, d_a, d_b, w_a, w_b = 0.6, 0.5, 0.4, 2.0, 1.0
    scenario = Scenario.model_validate(
        {
            "name": "agreed-second-issue",
            "issues": issue_table(["money", "rules"], [0.5, 0.5]),
            "actors": {
                "a": {
                    "name": "A",
                    "capability": w_a,
                    "position": {"money": 0.0, "rules": 0.3},
                    "salience": {"money": s1, "rules": 1 - s1},
                    "reservation": d_a,
                },
                "b": {
                    "name": "B",
                    "capability": w_b,
                    "position": {"money": 1.0, "rules": 0.3},
                    "salience": {"money": s1, "rules": 1 - s1},
                    "reservation": d_b,
                },
            },
        }
    )

    # With the second issue at the shared ideal 0.3, d/dx [w_a log(U_a - d_a) + w_b log(U_b - d_b)]:
    def first_order(x: float) -> float:
        gain_a, gain_b = 1 - s1 * x**2 - d_a, 1 - s1 * (1 - x) ** 2 - d_b
        return -w_a * 2 * s1 * x / gain_a + w_b * 2 * s1 * (1 - x) / gain_b

    low, high = 1 - math.sqrt((1 - d_b) / s1), math.sqrt((1 - d_a) / s1)
    expected = brentq(first_order, max(low, 0.0) + 1e-9, min(high, 1.0) - 1e-9, xtol=1e-14)
    result = zone_of_agreement(scenario, samples=1000)
    assert result.nash is not None
    assert result.nash.terms["rules"] == pytest.approx(0.3, abs=1e-6)
    assert result.nash.terms["money"] == pytest.approx(expected, abs=1e-6)


def test_linear_against_quadratic_nash_and_kalai_smorodinsky_points() -> None:
    d1, d2 = 0.1, 0.2
    # a (linear) wants 1: U_a = x; b (quadratic) wants 0: U_b = 1 - x^2.
    scenario = one_issue(
        {"utility": "linear", "reservation": d1}, {"utility": "quadratic", "reservation": d2}
    )
    result = zone_of_agreement(scenario, weights="uniform", samples=SAMPLES)
    # Zone: d1 <= x <= sqrt(1 - d2).
    assert abs(result.volume - (math.sqrt(1 - d2) - d1)) <= 4 * result.volume_se
    # Nash: 1 / (x - d1) = 2x / (1 - x^2 - d2), i.e. 3x^2 - 2 d1 x - (1 - d2) = 0.
    nash = (2 * d1 + math.sqrt(4 * d1**2 + 12 * (1 - d2))) / 6
    assert result.nash is not None
    assert result.nash.terms["share"] == pytest.approx(nash, abs=1e-6)
    # Kalai-Smorodinsky: equal shares of the best gains, a's best at sqrt(1 - d2), b's at d1.
    best_a, best_b = math.sqrt(1 - d2), 1 - d1**2
    assert result.best_gain == pytest.approx({"a": best_a, "b": best_b}, abs=1e-6)
    ks = brentq(lambda x: (x - d1) / (best_a - d1) - (1 - x * x - d2) / (best_b - d2), d1, best_a)
    assert result.kalai_smorodinsky is not None
    assert result.kalai_smorodinsky.terms["share"] == pytest.approx(ks, abs=1e-6)


def test_non_veto_actors_are_reported_but_do_not_constrain() -> None:
    scenario = Scenario.model_validate(
        {
            "name": "with-observer",
            "issues": issue_table(["share"], [0.5]),
            "actors": {
                "a": {
                    "name": "A",
                    "utility": "linear",
                    "position": {"share": 1.0},
                    "salience": {"share": 1.0},
                    "reservation": 0.2,
                },
                "b": {
                    "name": "B",
                    "utility": "linear",
                    "position": {"share": 0.0},
                    "salience": {"share": 1.0},
                    "reservation": 0.2,
                },
                "c": {
                    "name": "C",
                    "veto": False,
                    "capability": 50.0,
                    "position": {"share": 1.0},
                    "salience": {"share": 1.0},
                    "reservation": 0.99,
                },
            },
        }
    )
    result = zone_of_agreement(scenario, samples=SAMPLES)
    assert result.veto_players == ("a", "b")
    assert set(result.bargaining_weight) == {"a", "b"}
    assert result.exists  # c's demand of 0.99 would make the zone tiny if it counted
    assert abs(result.volume - 0.6) <= 4 * result.volume_se
    assert result.nash is not None
    assert result.nash.utilities["c"] == pytest.approx(1 - (1 - 0.5) ** 2, abs=1e-6)


# --- reservations and thresholds ------------------------------------------------------------------


def concession_scenario(**protocol: Any) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "conceding",
            "issues": issue_table(["land", "money"], [0.6, 0.2]),
            "actors": {
                "a": {
                    "name": "A",
                    "position": {"land": 1.0, "money": 0.8},
                    "salience": {"land": 0.7, "money": 0.3},
                    "war_cost": 0.15,
                    "strategy": {"kind": "concession", "beta": 0.5},
                },
                "b": {
                    "name": "B",
                    "utility": "linear",
                    "position": {"land": 0.0, "money": 0.0},
                    "salience": {"land": 0.5, "money": 0.5},
                    "war_cost": 0.1,
                    "strategy": {"kind": "concession", "beta": 2.0},
                },
            },
            "protocol": {"max_rounds": 10, **protocol},
            "dynamics": {"land": {"drift": 0.02}},
        }
    )


def test_derived_reservation_uses_the_drifted_status_quo() -> None:
    scenario = concession_scenario()
    result = zone_of_agreement(scenario, round_=6, samples=1000)
    land = 0.6 + 0.02 * 5
    assert result.status_quo == pytest.approx({"land": land, "money": 0.2})
    expected_a = 1 - 0.7 * (1 - land) ** 2 - 0.3 * (0.8 - 0.2) ** 2 - 0.15
    expected_b = 1 - 0.5 * land - 0.5 * 0.2 - 0.1
    assert result.reservation == pytest.approx({"a": expected_a, "b": expected_b}, abs=1e-12)


@pytest.mark.parametrize("round_", [1, 4, 8, 10])
def test_threshold_set_lies_inside_the_reservation_set(round_: int) -> None:
    scenario = concession_scenario()
    result = zone_of_agreement(scenario, round_=round_, samples=SAMPLES)
    for name, actor in scenario.actors.items():
        expected = concession_threshold(
            np.array(result.reservation[name]), np.array(actor.strategy.beta), round_, 10
        )
        assert result.threshold[name] == pytest.approx(float(expected), abs=1e-12)
        assert result.threshold[name] >= result.reservation[name]
    assert result.exists
    assert result.threshold_volume <= result.volume
    assert result.threshold_margin <= result.margin + 1e-12
    assert result.threshold_exists == (round_ >= 8)
    if round_ == 10:  # at the deadline every actor demands just its reservation
        assert result.threshold_volume == result.volume


def test_equilibrium_thresholds_leave_the_breakdown_share_of_the_pie() -> None:
    # Random proposer, breakdown probability p, no discounting: an equilibrium player accepts
    # (1 - p) v_i + p b_i with v_i = b_i + pi_i (1 - sum b) (Baron & Ferejohn 1989; BRW 1986),
    # so the threshold set is an interval of width p (1 - sum b).
    b_a, b_b, p = 0.2, 0.1, 0.5
    equilibrium = {"kind": "equilibrium"}
    scenario = one_issue(
        {"utility": "linear", "reservation": b_a, "capability": 3.0, "strategy": equilibrium},
        {"utility": "linear", "reservation": b_b, "capability": 1.0, "strategy": equilibrium},
        protocol={"kind": "random-proposer", "breakdown_probability": p},
    )
    result = zone_of_agreement(scenario, samples=SAMPLES)
    surplus = 1 - b_a - b_b
    expected = {
        "a": (1 - p) * (b_a + 0.75 * surplus) + p * b_a,
        "b": (1 - p) * (b_b + 0.25 * surplus) + p * b_b,
    }
    assert result.threshold == pytest.approx(expected, abs=1e-6)
    assert result.threshold_exists
    assert result.threshold_margin == pytest.approx(p * surplus / 2, abs=1e-6)
    assert abs(result.threshold_volume - p * surplus) <= 4 * result.threshold_volume_se + 1e-6
    assert abs(result.volume - surplus) <= 4 * result.volume_se


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    positions=st.lists(
        st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1)), min_size=3, max_size=3
    ),
    saliences=st.lists(
        st.tuples(st.floats(0.05, 1), st.floats(0.05, 1), st.floats(0.05, 1)),
        min_size=3,
        max_size=3,
    ),
    war_costs=st.lists(st.floats(0.0, 0.3), min_size=3, max_size=3),
    linear=st.lists(st.booleans(), min_size=3, max_size=3),
)
def test_nash_point_beats_every_sampled_deal(
    positions: list[tuple[float, ...]],
    saliences: list[tuple[float, ...]],
    war_costs: list[float],
    linear: list[bool],
) -> None:
    names = ["p", "q", "r"]
    actors = {}
    for index, name in enumerate(names):
        total = sum(saliences[index])
        actors[name] = {
            "name": name,
            "capability": 1.0 + index,
            "utility": "linear" if linear[index] else "quadratic",
            "position": dict(zip(names, positions[index], strict=True)),
            "salience": {k: s / total for k, s in zip(names, saliences[index], strict=True)},
            "war_cost": war_costs[index],
        }
    scenario = Scenario.model_validate(
        {"name": "random", "issues": issue_table(names, [0.3, 0.5, 0.7]), "actors": actors}
    )
    result = zone_of_agreement(scenario, samples=3000)
    assert result.threshold_volume <= result.volume
    if result.threshold_exists:
        assert result.exists
    if result.margin <= 1e-6:
        return
    assert result.nash is not None
    for name in names:
        assert result.nash.utilities[name] >= result.reservation[name] - 1e-9
    assert all(0.0 <= v <= 1.0 for v in result.nash.terms.values())
    best = nash_product(result, np.array(list(result.nash.terms.values())), scenario)
    x = uniforms(scenario.seed, np.arange(3000), 0, Purpose.SAMPLE, 3)
    sampled = max(nash_product(result, row, scenario) for row in x)
    assert best >= sampled - 1e-9


def test_weights_and_round_are_checked() -> None:
    scenario = one_issue(
        {"utility": "linear", "reservation": 0.1, "capability": 0.0},
        {"utility": "linear", "reservation": 0.1, "capability": 0.0},
        protocol={"recognition": "uniform"},
    )
    with pytest.raises(ValueError, match="capabilities are all zero"):
        zone_of_agreement(scenario, samples=100)
    assert zone_of_agreement(scenario, weights="uniform", samples=100).nash is not None
    with pytest.raises(ValueError, match="round must be at least 1"):
        zone_of_agreement(scenario, round_=0, weights="uniform", samples=100)


def test_same_seed_same_estimate_other_seed_other_draws() -> None:
    scenario = concession_scenario()
    first = zone_of_agreement(scenario, samples=5000)
    again = zone_of_agreement(scenario, samples=5000)
    assert first.to_dict() == again.to_dict()
    reseeded = zone_of_agreement(scenario.model_copy(update={"seed": 7}), samples=5000)
    assert reseeded.volume != first.volume
    assert reseeded.volume == pytest.approx(first.volume, abs=6 * first.volume_se)


# --- text, dictionary and picture -----------------------------------------------------------------


def test_text_names_each_term_in_words_and_numbers() -> None:
    scenario = linear_split(0.4, 0.1)
    result = zone_of_agreement(scenario, samples=1000)
    text = describe(scenario, result)
    assert "share  0.65  (toward: a takes the whole pie)" in text
    assert "Deal space (every veto player at least its reservation): EXISTS" in text
    assert "a*" in text and "+0.250" in text


def test_result_dictionary_is_json_ready() -> None:
    result = zone_of_agreement(concession_scenario(), samples=1000)
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["issues"] == ["land", "money"]
    assert payload["exists"] is True
    assert set(payload["nash"]) == {"terms", "utilities"}
    assert set(payload["nash"]["utilities"]) == {"a", "b"}
    assert payload["volume"] == result.volume


@pytest.mark.parametrize(("issues", "panels"), [(1, 1), (2, 1), (3, 3), (4, 6)])
def test_figure_has_one_labelled_panel_per_issue_pair(issues: int, panels: int) -> None:
    names = [f"issue{k}" for k in range(issues)]
    scenario = Scenario.model_validate(
        {
            "name": "panels",
            "issues": issue_table(names, [0.5] * issues),
            "actors": {
                actor: {
                    "name": actor,
                    "position": {k: ideal for k in names},
                    "salience": {k: 1 / issues for k in names},
                    "war_cost": 0.2,
                }
                for actor, ideal in (("a", 0.0), ("b", 1.0))
            },
        }
    )
    result = zone_of_agreement(scenario, samples=500)
    figure = zopa_figure(scenario, result)
    visible = [ax for ax in figure.axes if ax.get_visible()]
    assert len(visible) == panels
    for ax in visible:
        assert ax.get_xlabel().startswith("issue")
        assert "low end" in ax.get_xlabel() and "high end" in ax.get_xlabel()
        if issues > 1:
            assert "low end" in ax.get_ylabel()
    labelled = {
        ax.get_xlabel().split("\n")[0] + "/" + ax.get_ylabel().split("\n")[0] for ax in visible
    }
    assert len(labelled) == panels  # every pair once
    # each slice names the issues it holds fixed, and where
    for ax in visible:
        shown = {ax.get_xlabel().split("\n")[0], ax.get_ylabel().split("\n")[0]}
        others = [k for k in names if k not in shown]
        caption = " ".join(ax.get_title().split())
        if others:
            assert caption.startswith("held fixed: ")
            for issue in others:
                assert f"{issue} {result.anchor[issue]:.2f}" in caption
        else:
            assert caption == "no other issue"


def test_zopa_figure_of_the_baseline_has_no_colliding_actor_names() -> None:
    from sim.scenario.loader import load_scenario

    scenario = load_scenario("alaska-summit")
    result = zone_of_agreement(scenario, samples=500)
    figure = zopa_figure(scenario, result)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    for ax in figure.axes:
        boxes = [t.get_window_extent(renderer) for t in ax.texts]
        for k, one in enumerate(boxes):
            for other in boxes[k + 1 :]:
                assert not one.overlaps(other), [t.get_text() for t in ax.texts]
        # names stay inside their panel: none runs into the held-fixed caption above it
        title = ax.title.get_window_extent(renderer)
        panel = ax.get_window_extent(renderer)
        for text, box in zip(ax.texts, boxes, strict=True):
            assert not box.overlaps(title), text.get_text()
            assert box.x1 <= panel.x1 + 2 and box.y1 <= panel.y1 + 2, text.get_text()
    # colour means the actor: the shaded zones and the Nash point take no actor's colour
    from matplotlib.colors import to_hex

    from sim.output.palette import actor_colors

    taken = {c.lower() for c in actor_colors(scenario.actor_names).values()}
    for ax in figure.axes:
        for collection in ax.collections:
            for face in collection.get_facecolors():
                assert to_hex(face) not in taken
        for line in ax.get_lines():
            if line.get_marker() == "*":
                assert to_hex(line.get_markerfacecolor()) not in taken


# --- command line ---------------------------------------------------------------------------------

SPLIT_YAML = """\
name: cli-split
issues:
  share: {low: b takes the whole pie, high: a takes the whole pie, status_quo: 0.5}
actors:
  a: {name: A, utility: linear, position: {share: 1.0}, salience: {share: 1.0}, reservation: 0.2}
  b: {name: B, utility: linear, position: {share: 0.0}, salience: {share: 1.0}, reservation: 0.3}
"""


@pytest.fixture
def split_file(tmp_path: Path) -> Path:
    path = tmp_path / "split.yaml"
    path.write_text(SPLIT_YAML, encoding="utf-8")
    return path


def test_cli_json(split_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(
        command, [str(split_file), "--json", "--samples", "2000", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    for key in (
        "exists",
        "nash",
        "kalai_smorodinsky",
        "volume",
        "volume_se",
        "threshold_exists",
        "reservation",
        "threshold",
        "figure",
    ):
        assert key in payload
    assert payload["nash"]["terms"]["share"] == pytest.approx(0.45, abs=1e-6)
    assert (out / "zopa.png").read_bytes()[:4] == b"\x89PNG"


def test_cli_text_and_settings(split_file: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    args = [str(split_file), "--samples", "1000", "--out", str(tmp_path)]
    result = runner.invoke(command, [*args, "--set", "actors.a.reservation=0.4"])
    assert result.exit_code == 0, result.output
    assert "Nash bargaining point" in result.stdout
    assert "share  0.55  (toward: a takes the whole pie)" in result.stdout
    empty = runner.invoke(command, [*args, "--set", "actors.b.reservation=0.9"])
    assert empty.exit_code == 0
    assert "NONE" in empty.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["MISSING"], "missing.yaml"),
        (["BROKEN"], "broken.yaml"),
        (["SPLIT", "--set", "actors.a.reservaton=0.4"], "did you mean 'reservation'?"),
        (["SPLIT", "--set", "actors.a.reservation=7"], "actors.a.reservation"),
        (["SPLIT", "--set", "no-equals-sign"], "PATH=VALUE"),
    ],
)
def test_cli_bad_input_is_a_clean_error(
    arguments: list[str], message: str, split_file: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n", encoding="utf-8")
    files = {"MISSING": tmp_path / "missing.yaml", "BROKEN": broken, "SPLIT": split_file}
    argv = [str(files[a]) if a in files else a for a in arguments]
    result = CliRunner().invoke(command, [*argv, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert not (tmp_path / "out").exists()
