"""Figures: what they show is read back from the artists and checked against the records."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest_records import ISSUES, make_records, scenario_dict, write_results
from figure_checks import all_text, assert_legible, by_gid, panels
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy import stats

from sim.analysis.drivers import driver_table
from sim.analysis.results import Results, load_results
from sim.analysis.statistics import wilson_interval
from sim.output.figures.agreement import agreement_plot
from sim.output.figures.drivers import drivers_plot
from sim.output.figures.gains import gains_plot
from sim.output.figures.registry import FIGURE_NAMES, figures, write_all_figures
from sim.output.figures.terms import default_joint_issues, joint_plot, terms_plot
from sim.output.figures.timing import timing_plot
from sim.output.figures.trajectory import trajectory_figure
from sim.output.palette import (
    FIXED_ACTOR_COLORS,
    OKABE_ITO,
    STATUS_QUO_COLOR,
    actor_colors,
    cell_colors,
)
from sim.scenario.schema import Scenario

SCENARIO = Scenario.model_validate(scenario_dict())
LABELS = {0: "0: war_cost=0.05", 1: "1: war_cost=0.2", 2: "2: war_cost=0.4"}


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    return pd.concat(
        [
            make_records(400, cell=0, p_agree=0.3, term_center=0.3, seed=1),
            make_records(300, cell=1, p_agree=0.6, seed=2),
            make_records(200, cell=2, p_agree=0.85, term_center=0.7, seed=3),
        ],
        ignore_index=True,
    )


@pytest.fixture(scope="module")
def one_cell() -> pd.DataFrame:
    return make_records(500, seed=5)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Results:
    folder = write_results(
        tmp_path_factory.mktemp("plots"),
        [
            {"n": 250, "p_agree": 0.35, "factors": {"actors.russia.war_cost": 0.05}},
            {"n": 250, "p_agree": 0.75, "factors": {"actors.russia.war_cost": 0.35}},
        ],
    )
    return load_results(folder)


# --------------------------------------------------------------------------------------------
# Palette


def test_summit_actors_keep_their_colour_whatever_the_company() -> None:
    full = actor_colors(["russia", "us", "ukraine", "nato"])
    reordered = actor_colors(["nato", "ukraine", "china", "us", "russia"])
    pair = actor_colors(["ukraine", "russia"])
    for actor in ("russia", "ukraine"):
        assert full[actor] == reordered[actor] == pair[actor] == FIXED_ACTOR_COLORS[actor]
    assert reordered["china"] not in FIXED_ACTOR_COLORS.values()


def test_other_actors_get_distinct_okabe_ito_colours_in_order() -> None:
    colors = actor_colors(["a", "b", "c", "russia"])
    assert len(set(colors.values())) == 4
    assert all(c in OKABE_ITO for c in colors.values())
    assert actor_colors(["a", "b", "c", "russia"]) == colors  # stable


def test_a_few_cells_never_take_an_actor_colour() -> None:
    for count in (1, 2, 3):
        assert not set(cell_colors(count)) & set(FIXED_ACTOR_COLORS.values())
    many = cell_colors(9)
    assert len(set(many)) == 9 and all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in many)


# --------------------------------------------------------------------------------------------
# Agreement


def test_agreement_plot_shows_each_cells_rate_and_interval(records: pd.DataFrame) -> None:
    figure = agreement_plot(records, labels=LABELS, name="war-cost")
    ax_p, ax_end = panels(figure)
    (points,) = by_gid(ax_p, "p_agreement")
    assert isinstance(points, Line2D)
    expected = records.groupby("cell")["agreed"].mean().to_numpy()
    # cells run top to bottom, so the y positions are descending
    order = np.argsort(-np.asarray(points.get_ydata(), dtype=float))
    np.testing.assert_allclose(np.asarray(points.get_xdata(), dtype=float)[order], expected)
    assert [t.get_text() for t in ax_p.get_yticklabels()] == [LABELS[c] for c in (0, 1, 2)]
    assert "Wilson" in ax_p.get_xlabel()
    # stacked end-reason bars: widths are the shares and add up to one per cell
    widths = np.zeros(3)
    for reason in ("agreement", "breakdown", "deadline"):
        bars = [b for b in ax_end.patches if b.get_gid() == f"end_reason:{reason}"]
        shares = [
            float((frame["end_reason"] == reason).mean()) for _, frame in records.groupby("cell")
        ]
        np.testing.assert_allclose([b.get_width() for b in bars], shares)
        widths += [b.get_width() for b in bars]
    np.testing.assert_allclose(widths, 1.0)
    title = figure.get_suptitle()
    assert "war-cost" in title and "N = 900 worlds in 3 cells" in title
    assert_legible(figure)


def funnel_records() -> pd.DataFrame:
    """Two cells of ten worlds with every way talks end, and the funnel columns."""
    ends = {
        0: ["durable"] * 4
        + ["collapsed"] * 2
        + ["not-ratified"]
        + ["breakdown"] * 2
        + ["deadline"],
        1: ["durable"] + ["not-ratified"] * 3 + ["breakdown"] * 6,
    }
    rows = []
    for cell, outcomes in ends.items():
        for world, how in enumerate(outcomes):
            deal = how in ("durable", "collapsed")
            rows.append(
                {
                    "world": world,
                    "cell": cell,
                    "round": 3,
                    "agreed": deal,
                    "end_reason": "agreement" if deal else how,
                    "failure": ""
                    if deal or how == "not-ratified"
                    else ("no-offer" if how == "deadline" or cell == 1 else "rejected"),
                    "signed": deal or how == "not-ratified",
                    "ratified": deal,
                    "durable": how == "durable",
                }
            )
    return pd.DataFrame(rows)


def test_agreement_plot_stacks_the_funnel_and_writes_each_interval() -> None:
    records = funnel_records()
    figure = agreement_plot(records, labels={0: "zero", 1: "one"}, name="funnel")
    ax_p, ax_end = panels(figure)

    def bar(reason: str, cell: int) -> tuple[float, float]:
        found = [b for b in ax_end.patches if b.get_gid() == f"end_reason:{reason}"]
        if not found:
            return 0.0, 0.0
        patch = found[cell] if len(found) == 2 else found[0]
        return patch.get_x(), patch.get_width()

    # from the left: durable, collapsed (= ratified), not ratified (= signed), then failures
    assert bar("agreement · durable", 0) == (0.0, pytest.approx(0.4))
    assert bar("agreement · collapsed", 0) == (pytest.approx(0.4), pytest.approx(0.2))
    assert bar("not-ratified", 0) == (pytest.approx(0.6), pytest.approx(0.1))
    assert bar("breakdown · rejected", 0) == (pytest.approx(0.7), pytest.approx(0.2))
    assert bar("deadline · no-offer", 0) == (pytest.approx(0.9), pytest.approx(0.1))
    assert bar("not-ratified", 1) == (pytest.approx(0.1), pytest.approx(0.3))
    hatches = {b.get_gid(): b.get_hatch() for b in ax_end.patches}
    assert (
        hatches["end_reason:agreement · collapsed"] and hatches["end_reason:breakdown · no-offer"]
    )
    assert not hatches["end_reason:agreement · durable"]
    # every estimate is written with its Wilson interval, in the funnel's order per cell
    texts = {(t.get_gid(), round(t.get_position()[1], 2)): t.get_text() for t in ax_p.texts}
    low, high = wilson_interval(7, 10)
    top = max(y for _, y in texts)
    assert texts[("p_signed_text", top)] == f"signed 70% [{100 * low:.0f}–{100 * high:.0f}]"
    written = sorted(t.get_text() for t in ax_p.texts)
    assert written == sorted(
        f"{stage} {100 * k / 10:.0f}% [{100 * wilson_interval(k, 10)[0]:.0f}–"
        f"{100 * wilson_interval(k, 10)[1]:.0f}]"
        for stage, counts in (("signed", (7, 4)), ("ratified", (6, 1)), ("durable", (4, 1)))
        for k in counts
    )
    assert_legible(figure)


def test_agreement_plot_draws_into_a_given_subfigure(one_cell: pd.DataFrame) -> None:
    parent = Figure(layout="constrained")
    left, _ = parent.subfigures(1, 2)
    returned = agreement_plot(one_cell, fig=left)
    assert returned is parent
    assert len(parent.axes) == 2


# --------------------------------------------------------------------------------------------
# Terms


def test_terms_plot_has_one_panel_per_issue_in_the_issues_words(records: pd.DataFrame) -> None:
    figure = terms_plot(records, SCENARIO, labels=LABELS, name="war-cost")
    axes = panels(figure)
    assert len(axes) == len(ISSUES)
    for ax, (issue, (low, high, status_quo)) in zip(axes, ISSUES.items(), strict=True):
        assert ax.get_title() == issue
        label = ax.get_xlabel().replace("\n", " ")
        assert low in label and high in label
        (line,) = by_gid(ax, f"status_quo:{issue}")
        assert isinstance(line, Line2D)
        assert line.get_xdata()[0] == pytest.approx(status_quo)
        assert to_hex(line.get_color()) == STATUS_QUO_COLOR.lower()
        for actor, spec in SCENARIO.actors.items():
            (ideal,) = by_gid(ax, f"ideal:{issue}:{actor}")
            assert isinstance(ideal, Line2D)
            assert ideal.get_xdata()[0] == pytest.approx(spec.position[issue])
            assert to_hex(ideal.get_color()) == FIXED_ACTOR_COLORS[actor].lower()
        for cell in (0, 1, 2):
            assert by_gid(ax, f"terms:{issue}:{cell}"), f"no histogram of {issue} in cell {cell}"
    legend_text = [t.get_text() for t in figure.legends[0].get_texts()]
    assert "ideal point: russia" in legend_text and "status quo" in legend_text
    assert_legible(figure)


def test_terms_histogram_is_a_density_of_the_agreed_terms(one_cell: pd.DataFrame) -> None:
    figure = terms_plot(one_cell, SCENARIO)
    ax = panels(figure)[0]
    (patch,) = by_gid(ax, "terms:territory:0")
    vertices = patch.get_path().vertices  # type: ignore[attr-defined]
    # the step outline: integrate height over x; a density integrates to one
    xs, ys = vertices[:, 0], vertices[:, 1]
    area = float(np.sum(np.diff(xs) * ys[:-1]))
    assert area == pytest.approx(1.0, abs=1e-6)


def test_terms_plot_with_three_issues_has_three_panels() -> None:
    issues = ["territory", "neutrality", "sanctions"]
    scenario = Scenario.model_validate(scenario_dict(issues=issues))
    records = make_records(200, issues=issues)
    figure = terms_plot(records, scenario)
    assert len(panels(figure)) == 3
    assert_legible(figure)


def test_terms_plot_marks_a_cell_without_deals() -> None:
    records = make_records(50, p_agree=-5.0)
    assert not records["agreed"].any()
    figure = terms_plot(records, SCENARIO)
    assert "no agreements" in all_text(figure)


# --------------------------------------------------------------------------------------------
# Gains


def test_gains_plot_one_cell_has_a_box_per_actor_in_its_colour(one_cell: pd.DataFrame) -> None:
    figure = gains_plot(one_cell, SCENARIO, name="base")
    (ax,) = panels(figure)
    assert [t.get_text() for t in ax.get_xticklabels()] == list(SCENARIO.actors)
    for actor in SCENARIO.actors:
        (box,) = [p for p in ax.patches if p.get_gid() == f"gain:{actor}"]
        assert to_hex(box.get_facecolor()) == FIXED_ACTOR_COLORS[actor].lower()
    medians = [line for line in ax.lines if line.get_gid() == "median"]
    means = [line for line in ax.lines if line.get_gid() == "mean"]
    # deals and no-deals separated: the boxes describe the worlds with a deal only (a no-deal
    # gains 0 by definition and would pile up at 0), and the share of deals is named
    deals = one_cell[one_cell["agreed"]]
    for index, actor in enumerate(SCENARIO.actors):
        assert medians[index].get_ydata()[0] == pytest.approx(deals[f"gain.{actor}"].median())
        assert means[index].get_ydata()[0] == pytest.approx(deals[f"gain.{actor}"].mean())
    assert "worlds with a deal" in ax.get_ylabel()
    assert f"{len(deals):,} deals of {len(one_cell):,} worlds" in ax.get_xlabel()
    assert_legible(figure)


def test_gains_plot_several_cells_has_a_panel_per_actor(records: pd.DataFrame) -> None:
    figure = gains_plot(records, SCENARIO, labels=LABELS)
    axes = panels(figure)
    assert [ax.get_title() for ax in axes] == list(SCENARIO.actors)
    for ax, actor in zip(axes, SCENARIO.actors, strict=True):
        assert len([p for p in ax.patches if str(p.get_gid()).startswith(f"gain:{actor}:")]) == 3
    assert_legible(figure)


# --------------------------------------------------------------------------------------------
# Timing


def test_timing_curves_end_at_each_cells_agreement_rate(records: pd.DataFrame) -> None:
    figure = timing_plot(records, SCENARIO, labels=LABELS)
    (ax,) = panels(figure)
    for cell, frame in records.groupby("cell"):
        (line,) = by_gid(ax, f"timing:{cell}")
        assert isinstance(line, Line2D)
        x = np.asarray(line.get_xdata(), dtype=float)
        y = np.asarray(line.get_ydata(), dtype=float)
        assert y[-1] == pytest.approx(frame["agreed"].mean())
        agreed_rounds = frame.loc[frame["agreed"], "round"]
        at_five = float((agreed_rounds <= 5).sum()) / len(frame)
        assert y[np.flatnonzero(x == 5)[0]] == pytest.approx(at_five)
        assert np.all(np.diff(y) >= 0)
    assert ax.get_xlabel() == "round"
    assert any("deadline (round 20)" in t.get_text() for t in ax.get_legend().get_texts())
    assert_legible(figure)


def test_timing_plot_draws_on_a_given_axes(one_cell: pd.DataFrame) -> None:
    figure = Figure()
    ax = figure.subplots()
    assert timing_plot(one_cell, SCENARIO, ax=ax) is figure
    assert by_gid(ax, "timing:0")


# --------------------------------------------------------------------------------------------
# Joint


def test_joint_plot_defaults_to_territory_against_sanctions() -> None:
    assert default_joint_issues(["neutrality", "sanctions", "territory"]) == (
        "territory",
        "sanctions",
    )
    assert default_joint_issues(["a", "b", "c"]) == ("a", "b")
    with pytest.raises(ValueError, match="two issues"):
        default_joint_issues(["a"])


def test_joint_plot_counts_every_agreed_world(records: pd.DataFrame) -> None:
    figure = joint_plot(records, SCENARIO, labels=LABELS)
    axes = panels(figure)
    assert len(axes) == 3
    for ax, (cell, frame) in zip(axes, records.groupby("cell"), strict=True):
        (hexes,) = by_gid(ax, f"joint:{cell}")
        assert hexes.get_array().sum() == frame["agreed"].sum()  # type: ignore[attr-defined]
        assert ax.get_title() == LABELS[int(cell)]
    text = all_text(figure)
    for word in (ISSUES["territory"][0], ISSUES["territory"][1], "all sanctions lifted"):
        assert word in text.replace("\n", " ")
    assert any(ax.get_label() == "<colorbar>" for ax in figure.axes)
    assert_legible(figure)


def test_joint_plot_of_one_cell_is_labelled_in_issue_words(one_cell: pd.DataFrame) -> None:
    figure = joint_plot(one_cell, SCENARIO, issues=("neutrality", "rearmament"))
    (ax,) = panels(figure)
    assert "permanent neutrality" in ax.get_xlabel().replace("\n", " ")
    assert "Ukraine may not rearm" in ax.get_ylabel().replace("\n", " ")
    assert_legible(figure)


# --------------------------------------------------------------------------------------------
# Drivers


def test_drivers_plot_shows_the_binned_agreement_rate(records: pd.DataFrame) -> None:
    params = ["param.actors.russia.war_cost", "param.protocol.breakdown_probability"]
    figure = drivers_plot(records, params, labels=LABELS, bins=5)
    axes = panels(figure)
    assert len(axes) == 2
    for ax, column in zip(axes, params, strict=True):
        assert column.removeprefix("param.") in ax.get_xlabel().replace("\n", "")
        for cell in (0, 1, 2):
            table = driver_table(records[records["cell"] == cell], [column], 5)
            lines = [
                line
                for line in ax.lines
                if line.get_gid() == f"driver:{column}:{cell}"
                or (
                    len(line.get_xdata()) == len(table)
                    and np.allclose(np.asarray(line.get_xdata(), dtype=float), table["center"])
                )
            ]
            assert lines, f"no driver line for {column} in cell {cell}"
            np.testing.assert_allclose(
                np.asarray(lines[0].get_ydata(), dtype=float), table["p_agreement"]
            )
        # signed effects per cell above the panel, each the cell's own Spearman correlation
        title = " ".join(ax.get_title().split())
        for cell in (0, 1, 2):
            frame = records[records["cell"] == cell]
            rho = stats.spearmanr(frame[column], frame["agreed"]).statistic
            assert f"{cell}: {rho:+.2f}" in title
    assert_legible(figure)


def test_drivers_plot_needs_parameters(one_cell: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="no sampled parameters"):
        drivers_plot(one_cell, [])


# --------------------------------------------------------------------------------------------
# Trajectory


def trajectory(rounds: int = 6, agree_at: int | None = 6) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for r in range(1, rounds + 1):
        offered = r % 3 != 0
        row: dict[str, object] = {
            "round": r,
            "proposer": "us" if offered else "",
            "offered": offered,
            "accepted": r == agree_at,
        }
        for i, (issue, spec) in enumerate(SCENARIO.issues.items()):
            row[f"status_quo.{issue}"] = spec.status_quo
            row[f"offer.{issue}"] = 0.2 + 0.1 * i + 0.02 * r if offered else math.nan
        for j, actor in enumerate(SCENARIO.actors):
            row[f"threshold.{actor}"] = 0.9 - 0.05 * r
            row[f"offer_utility.{actor}"] = 0.5 + 0.01 * r - 0.02 * j if offered else math.nan
            row[f"reservation.{actor}"] = 0.4
        rows.append(row)
    return rows


def test_trajectory_figure_shows_thresholds_offers_and_the_agreement_round() -> None:
    rows = trajectory()
    figure = trajectory_figure(rows, SCENARIO, record={"world": 4, "seed": 9})
    top, *issue_panels = panels(figure)
    assert len(issue_panels) == len(SCENARIO.issues)  # one panel per issue
    (threshold,) = by_gid(top, "threshold:russia")
    assert isinstance(threshold, Line2D)
    np.testing.assert_allclose(
        np.asarray(threshold.get_ydata(), dtype=float), [0.9 - 0.05 * r for r in range(1, 7)]
    )
    assert to_hex(threshold.get_color()) == FIXED_ACTOR_COLORS["russia"].lower()
    sanctions = next(ax for ax in issue_panels if by_gid(ax, "offer:sanctions"))
    (offer,) = by_gid(sanctions, "offer:sanctions")
    assert isinstance(offer, Line2D)
    offered = np.asarray(offer.get_ydata(), dtype=float)
    assert np.isnan(offered[2]) and offered[0] == pytest.approx(0.2 + 0.3 + 0.02)
    for ax in (top, *issue_panels):
        (mark,) = by_gid(ax, "agreement_round")
        assert isinstance(mark, Line2D)
        assert mark.get_xdata()[0] == 6
    titles = " ".join(ax.get_title(loc="left").replace("\n", " ") for ax in issue_panels)
    for low, high, _ in ISSUES.values():
        assert low in titles and high in titles
    assert "world 4, seed 9" in figure.get_suptitle()
    assert "agreement in round 6" in figure.get_suptitle()
    assert_legible(figure)
    # rounds are whole numbers: no tick at round 2.5
    for ax in (top, *issue_panels):
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks


def test_trajectory_colour_means_the_actor_everywhere() -> None:
    figure = trajectory_figure(trajectory(), SCENARIO)
    top, *issue_panels = panels(figure)
    colors = {name: color.lower() for name, color in actor_colors(SCENARIO.actor_names).items()}
    for line in top.get_lines():
        actor = str(line.get_gid()).split(":")[-1]
        if actor in colors:
            assert to_hex(line.get_color()) == colors[actor], line.get_gid()
    for ax in issue_panels:
        for line in ax.get_lines():  # offers joined in grey, the status quo in black: no actor
            assert to_hex(line.get_color()) not in colors.values(), line.get_gid()
        (dots,) = [c for c in ax.collections if str(c.get_gid()).startswith("offer_by:")]
        offered = [r for r in trajectory() if r["offered"]]
        faces = [to_hex(f) for f in dots.get_facecolors()]
        shown = [faces[i] for i, r in enumerate(trajectory()) if r["offered"]]
        assert shown == [colors[str(r["proposer"])] for r in offered]  # the proposer's colour


def test_trajectory_without_agreement_has_no_agreement_mark() -> None:
    figure = trajectory_figure(
        trajectory(agree_at=None), SCENARIO, record={"end_reason": "deadline"}
    )
    for ax in panels(figure):
        assert not by_gid(ax, "agreement_round")
    assert "deadline in round 6" in figure.get_suptitle()
    with pytest.raises(ValueError, match="empty"):
        trajectory_figure([], SCENARIO)


# --------------------------------------------------------------------------------------------
# All figures of a results folder


def test_figures_of_a_results_folder(results: Results) -> None:
    made = figures(results)
    # written records without a sweep's rounds.parquet: every figure but the fan chart
    assert list(made) == [name for name in FIGURE_NAMES if name != "fan"]
    for name, figure in made.items():
        title = " ".join(figure.get_suptitle().split())
        assert title.startswith("test-sweep [alaska-test]: "), name
        assert "N = 500 worlds in 2 cells" in title, name
    only = figures(results, cells=[1])
    assert "N = 250 worlds)" in only["agreement"].get_suptitle()
    # the terms panel marks the cell's own factor-adjusted scenario (war_cost is not drawn,
    # but the scenario used must be the one of cell 1)
    assert len(panels(only["terms"])) == 4


def test_write_all_figures_writes_real_images(results: Results, tmp_path: Path) -> None:
    paths = write_all_figures(results, tmp_path / "png", "png", dpi=60)
    assert [p.name for p in paths] == [
        "agreement.png",
        "convergence.png",
        "terms.png",
        "gains.png",
        "scatter.png",
        "timing.png",
        "joint.png",
        "drivers.png",
    ]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (svg,) = [p for p in write_all_figures(results, tmp_path / "svg", "svg") if "timing" in p.name]
    assert "<svg" in svg.read_text()
    with pytest.raises(ValueError, match="unsupported format"):
        write_all_figures(results, tmp_path, "gif")


def test_figures_skip_what_does_not_apply(tmp_path: Path) -> None:
    issues = ["territory"]
    folder = write_results(
        tmp_path / "single-issue",
        [{"n": 80, "issues": issues, "with_params": False}],
        scenarios={"solo": scenario_dict("solo", issues=issues)},
    )
    made = figures(load_results(folder))
    assert list(made) == ["agreement", "convergence", "terms", "gains", "scatter", "timing"]


def test_plots_never_touch_pyplot(tmp_path: Path) -> None:
    make_records(30).to_pickle(tmp_path / "records.pkl")
    (tmp_path / "scenario.json").write_text(json.dumps(scenario_dict()), encoding="utf-8")
    code = (
        "import json, sys, pandas as pd\n"
        "from sim.scenario.schema import Scenario\n"
        "from sim.output.figures.terms import terms_plot\n"
        f"folder = {str(tmp_path)!r}\n"
        "records = pd.read_pickle(folder + '/records.pkl')\n"
        "scenario = Scenario.model_validate_json(open(folder + '/scenario.json').read())\n"
        "terms_plot(records, scenario)\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    ).stdout
    assert out.strip() == "False"


def test_the_legibility_check_catches_overlapping_labels() -> None:
    figure = Figure(figsize=(3, 2))
    left, _ = figure.subplots(1, 2)
    left.set_xticks([0.0, 1.0], ["a very long tick label", "and another long one"])
    with pytest.raises(AssertionError, match="overlaps|cut off"):
        assert_legible(figure)


def test_drivers_plot_shows_only_the_strongest_of_many_parameters(one_cell: pd.DataFrame) -> None:
    records = one_cell.copy()
    rng = np.random.default_rng(0)
    noise = [f"param.noise.{i}" for i in range(11)]
    for column in noise:
        records[column] = rng.uniform(size=len(records))
    figure = drivers_plot(records, [*noise, "param.actors.russia.war_cost"], max_panels=6)
    axes = panels(figure)
    assert len(axes) == 6
    assert "actors.russia.war_cost" in axes[0].get_xlabel()
    assert "top 6 of 12 sampled parameters" in figure.get_suptitle()
    # the signed effect: agreement rises with Russia's war cost in the synthetic records
    assert axes[0].get_title().startswith("Spearman ρ = +")
    assert_legible(figure)


# --------------------------------------------------------------------------------------------
# Figures that answer (issue 15): every scenario in every title, convergence, utility scatter


def test_every_title_of_a_two_scenario_sweep_names_both_scenarios(tmp_path: Path) -> None:
    folder = write_results(
        tmp_path / "two",
        [
            {"n": 200, "p_agree": 0.4, "scenario": "alaska-test"},
            {"n": 200, "p_agree": 0.7, "scenario": "costly-war"},
        ],
        scenarios={
            "alaska-test": scenario_dict("alaska-test"),
            "costly-war": scenario_dict("costly-war"),
        },
    )
    made = figures(load_results(folder))
    for name, figure in made.items():
        title = " ".join(figure.get_suptitle().split())
        assert "alaska-test" in title and "costly-war" in title, (name, title)


def test_convergence_plot_ends_at_each_cells_rate_with_its_interval(records: pd.DataFrame) -> None:
    from sim.analysis.statistics import wilson_interval
    from sim.output.figures.convergence import convergence_plot

    figure = convergence_plot(records, labels=LABELS, name="base")
    (ax,) = panels(figure)
    for cell in sorted(records["cell"].unique()):
        frame = records[records["cell"] == cell]
        (line,) = [x for x in ax.lines if x.get_gid() == f"p:{cell}"]
        assert line.get_xdata()[-1] == len(frame)
        assert line.get_ydata()[-1] == pytest.approx(frame["agreed"].mean())
        # the running estimate over the first n worlds, in world order
        n = int(line.get_xdata()[len(line.get_xdata()) // 2])
        first = frame.sort_values("world")["agreed"].to_numpy()[:n]
        assert line.get_ydata()[len(line.get_xdata()) // 2] == pytest.approx(first.mean())
        (band,) = [c for c in ax.collections if c.get_gid() == f"band:{cell}"]
        low, high = wilson_interval(int(frame["agreed"].sum()), len(frame))
        ys = band.get_paths()[0].vertices[:, 1]
        assert ys.min() <= low + 1e-12 and ys.max() >= high - 1e-12
    assert ax.get_xscale() == "log"
    assert_legible(figure)


def test_utility_scatter_draws_each_deal_and_both_no_deal_lines(records: pd.DataFrame) -> None:
    from sim.output.figures.scatter import default_scatter_actors, utility_scatter_plot

    assert default_scatter_actors(list(SCENARIO.actors)) == ("russia", "ukraine")
    assert default_scatter_actors(["a", "b", "c"]) == ("a", "b")
    figure = utility_scatter_plot(records, ("russia", "ukraine"), labels=LABELS, name="base")
    (ax,) = panels(figure)
    for cell in sorted(records["cell"].unique()):
        deals = records[(records["cell"] == cell) & records["agreed"]]
        (points,) = [c for c in ax.collections if c.get_gid() == f"deals:{cell}"]
        offsets = np.asarray(points.get_offsets())
        assert len(offsets) == len(deals)
        np.testing.assert_allclose(np.sort(offsets[:, 0]), np.sort(deals["gain.russia"]))
    (x_line,) = [x for x in ax.lines if x.get_gid() == "no-deal:russia"]
    (y_line,) = [x for x in ax.lines if x.get_gid() == "no-deal:ukraine"]
    assert list(x_line.get_xdata()) == [0.0, 0.0] and list(y_line.get_ydata()) == [0.0, 0.0]
    assert "russia against ukraine" in figure.get_suptitle()
    assert_legible(figure)


@pytest.mark.parametrize(
    "name",
    [
        "ratification.ratifiers.ukraine_referendum.threshold",
        "implementation.reneging_cost.nato",
        "chance (the model's own draws)",
        "protocol.breakdown_probability",
    ],
)
def test_an_input_name_wraps_after_its_dots_and_loses_nothing(name: str) -> None:
    from sim.output.figures.base import wrap_path

    lines = wrap_path(name, 30).split("\n")
    joiner = " " if " " in name else ""
    assert joiner.join(lines) == name
    # A dotted path breaks only after a dot, and a line runs long only if one segment does.
    if " " not in name:
        assert all(line.endswith(".") for line in lines[:-1])
    assert all(len(line) <= 30 or "." not in line.rstrip(".") for line in lines)
    if len(name) > 30:
        assert len(lines) > 1
