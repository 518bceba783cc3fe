"""The scenario library: every file loads, the baseline is fully evidenced, variants change what they say.

Static checks read the files through :func:`sim.scenario.loader.load_scenario`; outcome checks run small
batches of worlds through :func:`sim.core.runner.run_batch` and compare variants with the baseline on
the same worlds (same seed, so the same proposer, breakdown and battlefield draws).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.analysis.drivers import paired_difference
from sim.core.records import record_from_columns
from sim.core.runner import run_batch, run_single
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
ARTICLE_FILES = sorted(SCENARIOS.glob("*.yaml"))
TEXTBOOK_FILES = sorted((SCENARIOS / "textbook").glob("*.yaml"))
BASELINE = "alaska-summit"
LIBRARY = (
    "severe-consequences",
    "security-guarantees",
    "guarantees-on-the-table",
    "battlefield-momentum",
    "battlefield-stall",
    "bilateral-deal",
    "europe-holds-firm",
    "truce-no-rearm",
    "fragile-truce",
    "referendum",
    "misperception",
)
ARTICLE_SECTIONS = (
    "Intro paragraphs",
    "Diplomatic Return from the Cold",
    "Voices from Moscow",
    "Why Anchorage Matters",
    "Agenda",
    "Putin's Negotiation Strategy",
    "Global Implications",
    "Public Expectations",
    "Conclusion",
)
ACTOR_NUMBERS = ("capability", "veto", "war_cost", "discount", "strategy.beta")


@cache
def load(name: str) -> Scenario:
    path = SCENARIOS / f"{name}.yaml"
    if not path.exists():
        path = SCENARIOS / "textbook" / f"{name}.yaml"
    return load_scenario(path)


# ---------------------------------------------------------------------------------------------
# Every file loads
# ---------------------------------------------------------------------------------------------


def test_the_library_is_complete() -> None:
    names = {path.stem for path in ARTICLE_FILES}
    assert names == {BASELINE, *LIBRARY}
    assert {path.stem for path in TEXTBOOK_FILES} == {
        "rubinstein",
        "breakdown-risk",
        "random-proposer",
        "nash-split",
    }


@pytest.mark.parametrize("path", ARTICLE_FILES + TEXTBOOK_FILES, ids=lambda p: p.stem)
def test_every_scenario_file_validates(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    first_line = scenario.description.strip().split("\n")[0]
    assert "?" in first_line, "a description opens with the question the scenario answers"


@pytest.mark.parametrize("path", ARTICLE_FILES, ids=lambda p: p.stem)
def test_article_scenarios_pass_the_strict_evidence_check(path: Path) -> None:
    load_scenario(path, strict=True)


@pytest.mark.parametrize("name", LIBRARY)
def test_variants_extend_the_baseline_and_change_something(name: str) -> None:
    text = (SCENARIOS / f"{name}.yaml").read_text(encoding="utf-8")
    assert f"extends: {BASELINE}" in text
    assert load(name).model_dump(exclude={"name", "description", "extends"}) != load(
        BASELINE
    ).model_dump(exclude={"name", "description", "extends"})


# ---------------------------------------------------------------------------------------------
# The baseline's evidence
# ---------------------------------------------------------------------------------------------


def _covered(evidence: dict[str, str], path: str) -> bool:
    return any(path == key or path.startswith(key + ".") for key in evidence)


def test_every_baseline_actor_number_has_evidence() -> None:
    scenario = load(BASELINE)
    for key, actor in scenario.actors.items():
        wanted = [*ACTOR_NUMBERS, "utility"]
        wanted += [f"position.{issue}" for issue in scenario.issues]
        wanted += [f"salience.{issue}" for issue in scenario.issues]
        missing = [path for path in wanted if not _covered(actor.evidence, path)]
        assert not missing, f"{key}: no evidence for {missing}"


def test_baseline_evidence_names_article_sections() -> None:
    scenario = load(BASELINE)
    texts = [text for actor in scenario.actors.values() for text in actor.evidence.values()]
    texts += [text for issue in scenario.issues.values() for text in issue.evidence.values()]
    texts += list(scenario.protocol.evidence.values())
    texts += [text for dyn in scenario.dynamics.values() for text in dyn.evidence.values()]
    for section in ARTICLE_SECTIONS:
        assert any(section in text for text in texts), f"no evidence cites '{section}'"
    for issue in scenario.issues.values():
        assert "status_quo" in issue.evidence
    for text in texts:
        assert (
            "silent" in text
            or any(section in text for section in ARTICLE_SECTIONS)
            or ("house default" in text)
        ), f"evidence names no section and does not say the article is silent: {text[:80]}"


def test_baseline_reflects_the_article() -> None:
    scenario = load(BASELINE)
    russia, ukraine = scenario.actors["russia"], scenario.actors["ukraine"]
    # Putin's consistent demands: five regions (held and recognised), permanent neutrality, no
    # rearmament in a truce.
    assert russia.position == {
        "territory": 1.0,
        "recognition": 1.0,
        "neutrality": 1.0,
        "rearmament": 1.0,
        "sanctions": 1.0,
    }
    # Zelenskyy: full territorial integrity, and no recognition of the annexations.
    assert ukraine.position["territory"] == 0.0
    assert ukraine.position["recognition"] == 0.0
    # Both leaders hold out (Boulware); Trump concedes.
    assert russia.strategy.beta < 1.0 and ukraine.strategy.beta < 1.0
    assert scenario.actors["us"].strategy.beta > 1.0
    # Russia's advances move the territorial status quo its way.
    assert scenario.dynamics["territory"].drift > 0.0
    assert set(scenario.veto_players) == {"russia", "us", "ukraine", "nato"}
    assert all(actor.reservation is None for actor in scenario.actors.values())
    assert scenario.protocol.kind == "random-proposer"
    assert scenario.protocol.recognition == "capability"
    # The war goes on while they talk, on a clock in weeks with a dated deadline.
    protocol = scenario.protocol
    assert protocol.fighting and protocol.round_weeks == 2.0
    assert protocol.deadline_weeks is not None
    assert protocol.deadline_weeks <= protocol.max_rounds * protocol.round_weeks
    # The two fighting parties' costs of war are private: the article doubts both sides' resolve.
    private = {key for key, actor in scenario.actors.items() if actor.private is not None}
    assert private == {"russia", "ukraine"}
    for key in private:
        actor = scenario.actors[key]
        assert actor.private is not None and actor.private.field == "war_cost"
        assert actor.private.truth is None  # a common prior: each world draws its truth
        assert "private" in actor.evidence


def test_territory_is_the_line_of_control_and_recognition_is_its_own_issue() -> None:
    scenario = load(BASELINE)
    territory, recognition = scenario.issues["territory"], scenario.issues["recognition"]
    # The axis the battlefield moves is the one whose status quo is the ground Russia holds: the
    # line of control (about four-fifths of the five regions), not a legal cession.
    assert "control" in territory.description and "control" in territory.high
    assert territory.status_quo == pytest.approx(0.8)
    assert set(scenario.dynamics) == {"territory"}
    # Nobody recognises the annexations today, and only a deal can change that.
    assert recognition.status_quo == 0.0
    assert "recognis" in recognition.high
    assert scenario.actors["nato"].position["recognition"] == 0.0
    assert 0.0 < scenario.actors["us"].position["recognition"] < 1.0
    # Washington's ideal line is today's line; Europe's is short of it.
    us, nato = scenario.actors["us"], scenario.actors["nato"]
    assert us.position["territory"] == territory.status_quo > nato.position["territory"]


def test_evidence_cites_the_side_it_is_about() -> None:
    scenario = load(BASELINE)
    us, ukraine = scenario.actors["us"].evidence, scenario.actors["ukraine"].evidence
    # The US sanctions position rests on Washington's words, not on the Kremlin's pitch.
    assert us["position.sanctions"].startswith('"Diplomatic Return from the Cold": Trump')
    # "Won't be messed around with" is resolve, not impatience: the discount rests on other facts.
    assert us["discount"].startswith("Article silent") and "resolve" in us["discount"]
    # "The political cost of compromise ... for both leaders" is about Putin and Trump.
    assert "political cost of compromise" not in ukraine["strategy.beta"]
    assert "both leaders" not in ukraine["strategy.beta"]
    assert "political cost of compromise" in scenario.actors["russia"].evidence["strategy.beta"]


# ---------------------------------------------------------------------------------------------
# Provenance: the article is cited by section, its quoted phrases are listed in docs/sources.md
# ---------------------------------------------------------------------------------------------

SOURCES = SCENARIOS.parent / "docs" / "sources.md"
EXPERIMENT_FILES = sorted((SCENARIOS.parent / "experiments").glob("*.yaml"))
QUOTED = re.compile(r'"([^"]+)"')


def _texts(node: object) -> list[str]:
    if isinstance(node, dict):
        return [text for value in node.values() for text in _texts(value)]
    if isinstance(node, list):
        return [text for value in node for text in _texts(value)]
    return [node] if isinstance(node, str) else []


def _article_texts() -> list[str]:
    """Every evidence entry and description of the article-based scenarios and experiments."""
    texts: list[str] = []
    for path in ARTICLE_FILES + EXPERIMENT_FILES:
        texts += _texts(yaml.safe_load(path.read_text(encoding="utf-8")))
    return texts


def test_every_quoted_phrase_is_listed_in_the_sources_page() -> None:
    listed = " ".join(QUOTED.findall(SOURCES.read_text(encoding="utf-8")))
    quoted = {phrase for text in _article_texts() for phrase in QUOTED.findall(text)}
    assert len(quoted) > 20
    missing = sorted(phrase for phrase in quoted if phrase not in listed)
    assert not missing, f"quoted in the evidence but not listed in docs/sources.md: {missing}"


def test_sources_page_names_every_section_the_evidence_cites() -> None:
    text = SOURCES.read_text(encoding="utf-8")
    assert "15 August 2025" in text
    for section in ARTICLE_SECTIONS:
        assert section.lower() in text.lower()


def test_no_shipped_file_holds_a_machine_path() -> None:
    # (spelled in pieces so that this file does not match itself)
    machine = re.compile(
        "|".join(["/" + "work/", "/" + "home/", "/" + "Users/", "-article" + ".txt"])
    )
    shipped = [
        path
        for folder in ("scenarios", "experiments", "docs", "results", "tests", "sim", "benchmarks")
        for path in (SCENARIOS.parent / folder).rglob("*")
        if path.is_file() and path.suffix in {".yaml", ".md", ".json", ".py", ".html", ".csv"}
    ]
    shipped.append(SCENARIOS.parent / "README.md")
    offenders = [
        str(path.relative_to(SCENARIOS.parent))
        for path in shipped
        if machine.search(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert not offenders, f"machine paths (or a path to the article) in {offenders}"


# ---------------------------------------------------------------------------------------------
# What each variant changes
# ---------------------------------------------------------------------------------------------


def _belief_centre(scenario: Scenario, actor: str) -> float:
    private = scenario.actors[actor].private
    assert private is not None
    mean = getattr(private.belief, "mean", None)
    return float(mean) if mean is not None else scenario.actors[actor].war_cost


def test_severe_consequences_raise_russias_war_cost_and_what_the_others_believe() -> None:
    base, variant = load(BASELINE), load("severe-consequences")
    assert variant.actors["russia"].war_cost > base.actors["russia"].war_cost
    # A threat carried out in public moves the belief with the truth, not the truth alone.
    assert _belief_centre(variant, "russia") == pytest.approx(variant.actors["russia"].war_cost)
    assert _belief_centre(variant, "russia") > _belief_centre(base, "russia")
    assert "private.belief" in variant.actors["russia"].evidence
    assert variant.actors["us"] == base.actors["us"]


def test_misperception_fixes_kyivs_truth_apart_from_the_belief() -> None:
    base, variant = load(BASELINE), load("misperception")
    private = variant.actors["ukraine"].private
    assert private is not None and private.truth == base.actors["ukraine"].war_cost
    assert _belief_centre(variant, "ukraine") > private.truth  # Kyiv seen as weaker than it is
    assert {"private.belief", "private.truth"} <= set(variant.actors["ukraine"].evidence)
    others = {key: a for key, a in variant.actors.items() if key != "ukraine"}
    assert others == {key: a for key, a in base.actors.items() if key != "ukraine"}


def test_guarantees_on_the_table_are_an_extra_issue_every_actor_weighs() -> None:
    scenario = load("guarantees-on-the-table")
    assert scenario.issue_names == [*load(BASELINE).issue_names, "security_guarantees"]
    for actor in scenario.actors.values():
        assert actor.salience["security_guarantees"] > 0.0
        assert sum(actor.salience.values()) == pytest.approx(1.0)
    assert scenario.actors["ukraine"].position["security_guarantees"] == 1.0
    assert scenario.actors["russia"].position["security_guarantees"] < 0.5


def test_guarantees_on_the_table_keep_the_baseline_relative_weights() -> None:
    base, variant = load(BASELINE), load("guarantees-on-the-table")
    for key, actor in variant.actors.items():
        scale = 1.0 - actor.salience["security_guarantees"]
        for issue, weight in base.actors[key].salience.items():
            assert actor.salience[issue] == pytest.approx(scale * weight)


def test_battlefield_drift_orders_momentum_baseline_stall() -> None:
    drift = {
        name: load(name).dynamics["territory"].drift
        for name in ("battlefield-momentum", BASELINE, "battlefield-stall")
    }
    assert drift["battlefield-momentum"] > drift[BASELINE] > drift["battlefield-stall"]
    assert drift["battlefield-stall"] < 0.0


def test_bilateral_deal_needs_only_washington_and_moscow() -> None:
    scenario = load("bilateral-deal")
    assert not scenario.actors["ukraine"].veto and not scenario.actors["nato"].veto
    assert set(scenario.veto_players) == {"russia", "us"}


def test_europe_holds_firm_on_sanctions_and_the_open_door() -> None:
    base, variant = load(BASELINE).actors["nato"], load("europe-holds-firm").actors["nato"]
    assert variant.position["sanctions"] == 0.0 and variant.position["neutrality"] == 0.0
    assert variant.salience["neutrality"] > base.salience["neutrality"]
    assert variant.salience["sanctions"] > base.salience["sanctions"]
    assert variant.strategy.beta < base.strategy.beta < 1.0


def test_truce_track_freezes_the_front_and_weighs_rearmament() -> None:
    base, variant = load(BASELINE), load("truce-no-rearm")
    assert variant.dynamics["territory"].drift == 0.0
    assert variant.dynamics["territory"].volatility == 0.0
    russia = variant.actors["russia"].salience
    assert russia["rearmament"] == max(russia.values())
    assert russia["rearmament"] > base.actors["russia"].salience["rearmament"]


# ---------------------------------------------------------------------------------------------
# Textbook cases: the closed forms in their descriptions match their numbers
# ---------------------------------------------------------------------------------------------


def test_textbook_rubinstein_numbers() -> None:
    scenario = load("rubinstein")
    d_a, d_b = scenario.actors["a"].discount, scenario.actors["b"].discount
    assert scenario.protocol.order == ["a", "b"]
    assert scenario.protocol.breakdown_probability == 0.0
    assert f"{(1 - d_b) / (1 - d_a * d_b):.6f}" in scenario.description


def test_textbook_breakdown_risk_numbers() -> None:
    scenario = load("breakdown-risk")
    p = scenario.protocol.breakdown_probability
    b1, b2 = scenario.actors["a"].reservation, scenario.actors["b"].reservation
    assert b1 is not None and b2 is not None
    assert all(actor.discount == 1.0 for actor in scenario.actors.values())
    assert f"{((1 - b2) + (1 - p) * b1) / (2 - p):.6f}" in scenario.description


def test_textbook_random_proposer_numbers() -> None:
    scenario = load("random-proposer")
    recognition = scenario.protocol.recognition
    assert isinstance(recognition, dict)
    b = {key: actor.reservation for key, actor in scenario.actors.items()}
    assert None not in b.values()
    surplus = 1.0 - sum(v for v in b.values() if v is not None)
    v_a = (b["a"] or 0.0) + recognition["a"] / sum(recognition.values()) * surplus
    assert f"{v_a:.2f}" in scenario.description
    assert scenario.protocol.breakdown_probability > 0.0


def test_textbook_nash_split_numbers() -> None:
    scenario = load("nash-split")
    d1, d2 = scenario.actors["a"].reservation, scenario.actors["b"].reservation
    assert d1 is not None and d2 is not None
    assert f"[{d1}, {1 - d2:.1f}]" in scenario.description
    assert f"{d1 + (1 - d1 - d2) / 2:.2f}" in scenario.description


# ---------------------------------------------------------------------------------------------
# Outcomes: each variant moves the negotiation the way its description says
# ---------------------------------------------------------------------------------------------

WORLDS = 400
TOLERANCE = 1e-6


@cache
def outcomes(name: str) -> dict[str, np.ndarray]:
    columns: dict[str, np.ndarray] = run_batch(load(name), np.arange(WORLDS, dtype=np.int64))
    return columns


@cache
def table_outcomes(name: str) -> dict[str, np.ndarray]:
    """The talks alone: no ratification at home, no implementation phase (the claims about
    which packages the table accepts are about the table)."""
    scenario = load(name).model_copy(update={"ratification": None, "implementation": None})
    columns: dict[str, np.ndarray] = run_batch(scenario, np.arange(WORLDS, dtype=np.int64))
    return columns


def deals(name: str, column: str) -> np.ndarray:
    columns = table_outcomes(name)
    values: np.ndarray = columns[column][columns["agreed"]]
    return values


def test_baseline_outcome_is_genuinely_uncertain() -> None:
    columns = outcomes(BASELINE)
    share = columns["agreed"].mean()
    assert 0.1 < share < 0.9
    assert set(columns["end_reason"]) >= {"agreement", "breakdown"}
    assert np.all(columns["round"] <= load(BASELINE).protocol.max_rounds)


def test_baseline_deals_leave_every_veto_player_at_least_its_no_deal_value() -> None:
    for actor in load(BASELINE).veto_players:
        assert np.all(deals(BASELINE, f"gain.{actor}") >= -TOLERANCE)


def test_severe_consequences_make_a_deal_at_least_as_likely_in_the_same_worlds() -> None:
    base = table_outcomes(BASELINE)["agreed"]
    severe = table_outcomes("severe-consequences")["agreed"]
    # A lower Russian no-deal value only widens every round's set of acceptable packages, so
    # a world that reaches a deal in the baseline reaches one under the harsher sanctions too.
    assert severe.mean() >= base.mean()
    assert np.mean(base & ~severe) <= 0.01
    assert (
        deals("severe-consequences", "utility.russia").mean()
        < deals(BASELINE, "utility.russia").mean()
    )


def test_guarantees_on_the_table_records_carry_one_more_term() -> None:
    name = "guarantees-on-the-table"
    columns = outcomes(name)
    agreed = int(np.flatnonzero(columns["agreed"])[0])
    record = record_from_columns(columns, agreed)
    assert list(record["terms"]) == load(name).issue_names
    assert len(record["terms"]) == len(load(BASELINE).issue_names) + 1
    # Kyiv and Europe want guarantees and Washington half-way: deals grant more than today's.
    status_quo = load(name).issues["security_guarantees"].status_quo
    assert deals(name, "term.security_guarantees").mean() > status_quo


def test_battlefield_momentum_cedes_more_territory_than_a_stalled_front() -> None:
    momentum = deals("battlefield-momentum", "term.territory").mean()
    stall = deals("battlefield-stall", "term.territory").mean()
    assert momentum > stall


def test_bilateral_deal_can_land_where_kyiv_would_refuse() -> None:
    base, bilateral = table_outcomes(BASELINE)["agreed"], table_outcomes("bilateral-deal")["agreed"]
    # Fewer vetoes, never fewer acceptable packages: at least as many deals in the same worlds.
    assert bilateral.mean() >= base.mean()
    # A deal the baseline reaches and the bilateral talks miss is lost only to the risk a
    # refused offer carries (protocol.refusal_breakdown): the two paths see different refusals,
    # so the same breakdown draw can end one and not the other -- never to a missing package.
    lost = base & ~bilateral
    assert np.mean(lost) <= 0.02
    bilateral_run = table_outcomes("bilateral-deal")
    assert set(bilateral_run["end_reason"][lost]) <= {"breakdown"}
    assert set(bilateral_run["failure"][lost]) <= {"rejected"}
    # Some deals leave Ukraine (or Europe) worse off than no deal at all, which its veto forbids
    # in the baseline.
    assert np.any(deals("bilateral-deal", "gain.ukraine") < -TOLERANCE)
    assert np.all(deals(BASELINE, "gain.ukraine") >= -TOLERANCE)


def kyiv_as_it_is() -> Scenario:
    """The baseline with Kyiv's true cost the misperception variant's (0.15 in every world) and
    the others' belief right about it: the comparison that isolates the misjudgement."""
    data = load(BASELINE).model_dump()
    data["actors"]["ukraine"]["private"]["truth"] = 0.15
    return Scenario.model_validate(data)


def test_misperception_brings_refused_offers_and_fewer_deals() -> None:
    def table(scenario: Scenario) -> dict[str, np.ndarray]:
        bare = scenario.model_copy(update={"ratification": None, "implementation": None})
        columns: dict[str, np.ndarray] = run_batch(bare, np.arange(WORLDS, dtype=np.int64))
        return columns

    right, wrong = table(kyiv_as_it_is()), table(load("misperception"))
    # At the table, offers pitched at a Kyiv weaker (and, on its cost clock, quicker to concede)
    # than it is get refused: more rejections in the same worlds, at least as many failures
    # that are refused offers, no more deals, and no earlier ones.
    assert wrong["rejections"].mean() > right["rejections"].mean()
    assert np.mean(wrong["failure"] == "rejected") >= np.mean(right["failure"] == "rejected")
    assert wrong["agreed"].mean() <= right["agreed"].mean()
    weeks = [c["weeks"][c["agreed"]].mean() for c in (right, wrong)]
    assert weeks[1] >= weeks[0]


def test_europe_holding_firm_keeps_sanctions_relief_down() -> None:
    firm = deals("europe-holds-firm", "term.sanctions").mean()
    assert firm < deals(BASELINE, "term.sanctions").mean()

    # Fewer acceptable packages: no more deals at the table, refusals aside (q = 0) ...
    def without_refusal_risk(name: str) -> np.ndarray:
        scenario = load(name).model_copy(update={"ratification": None, "implementation": None})
        quiet = {"protocol.refusal_breakdown": np.zeros(WORLDS)}
        agreed: np.ndarray = run_batch(scenario, np.arange(WORLDS), overrides=quiet)["agreed"]
        return agreed

    assert without_refusal_risk("europe-holds-firm").mean() <= without_refusal_risk(BASELINE).mean()
    # ... but with the refusal breakdown the baseline's proposers gamble on offers that are
    # refused and end the talks: every deal the firm Europe adds is one the baseline lost so.
    firm, base = table_outcomes("europe-holds-firm"), table_outcomes(BASELINE)
    added = firm["agreed"] & ~base["agreed"]
    assert set(base["end_reason"][added]) <= {"breakdown"}
    assert set(base["failure"][added]) <= {"rejected"}


def test_truce_track_trades_rearmament_limits_on_a_frozen_front() -> None:
    assert (
        deals("truce-no-rearm", "term.rearmament").mean()
        > deals(BASELINE, "term.rearmament").mean()
    )
    # A world where the talks last several rounds in both scenarios (same draws, same worlds).
    long_talks = (outcomes("truce-no-rearm")["round"] > 5) & (outcomes(BASELINE)["round"] > 5)
    world = int(outcomes(BASELINE)["world"][np.flatnonzero(long_talks)[0]])
    scenario = load("truce-no-rearm")
    frozen = [row["status_quo.territory"] for row in run_single(scenario, world=world).trajectory]
    assert len(frozen) > 5
    assert set(frozen) == {scenario.issues["territory"].status_quo}
    moving = run_single(load(BASELINE), world=world).trajectory
    assert len({row["status_quo.territory"] for row in moving}) > 5


# ---------------------------------------------------------------------------------------------
# Ratification and durability (issue 9): the variants move P(durable deal) as their evidence says
# ---------------------------------------------------------------------------------------------

DURABILITY_WORLDS = 1_500


@cache
def funnel(name: str) -> dict[str, np.ndarray]:
    columns: dict[str, np.ndarray] = run_batch(
        load(name), np.arange(DURABILITY_WORLDS, dtype=np.int64)
    )
    return columns


def durable_share(name: str) -> float:
    return float(funnel(name)["durable"].mean())


def lasting_share(name: str) -> float:
    """P(durable | ratified): the share of the ratified deals that survive implementation."""
    columns = funnel(name)
    return float(columns["durable"][columns["ratified"]].mean())


def test_baseline_has_ratifiers_and_an_implementation_phase() -> None:
    scenario = load(BASELINE)
    assert scenario.ratification is not None and scenario.implementation is not None
    owners = {body.actor for body in scenario.ratification.ratifiers.values()}
    assert owners == {"ukraine", "us", "nato"}
    eu = [body for body in scenario.ratification.ratifiers.values() if body.actor == "nato"]
    assert len(eu) >= 2  # unanimity: several bodies for one actor
    assert scenario.ratification.ratifiers["ukraine_referendum"].salience["recognition"] > 0
    assert scenario.ratification.ratifiers["us_congress"].salience["sanctions"] > 0.5
    assert scenario.implementation.periods == 12


def test_fragile_truce_is_cheaper_to_break_and_unverified() -> None:
    base, truce = load(BASELINE).implementation, load("fragile-truce").implementation
    assert base is not None and truce is not None
    for actor, cost in truce.reneging_cost.items():
        assert cost < base.reneging_cost[actor]
    assert truce.term_drift["territory"]["rearmament"] == 0.0
    # At least a tenth fewer durable deals (13% with the refusal breakdown, 15% without: a
    # relative bar, since the refusal breakdown leaves fewer ratified deals to break).
    assert durable_share("fragile-truce") < 0.9 * durable_share(BASELINE)
    assert lasting_share("fragile-truce") < lasting_share(BASELINE) - 0.05


def test_referendum_puts_the_line_itself_to_the_vote() -> None:
    ballot = load("referendum").ratification
    assert ballot is not None
    assert ballot.ratifiers["ukraine_referendum"].salience["territory"] > 0
    # The vote pushes the line toward Kyiv and the deals that pass pay Moscow elsewhere (more
    # relief, which it keeps and rebuilds with) and leave Europe less: they last less often
    # (67.5% against 70% of worlds 0..1,499; Europe reneges on 14 of them against 5).  Since
    # the refusal breakdown more of them are signed (a vote-shaped offer is refused less often),
    # so P(durable) itself does not fall (+0.8 points [-0.5, +2.1]; docs/model.md).
    assert lasting_share("referendum") < lasting_share(BASELINE) - 0.01
    europe = funnel("referendum")["reneged_by"] == "nato"
    assert europe.sum() > 2 * (funnel(BASELINE)["reneged_by"] == "nato").sum()


def test_a_guarantee_given_raises_the_cost_of_reneging_and_leaves_the_talks_alone() -> None:
    base, given = load(BASELINE), load("security-guarantees")
    assert base.implementation is not None and given.implementation is not None
    raised = given.implementation.reneging_cost
    assert raised["russia"] > base.implementation.reneging_cost["russia"] + 0.1
    assert raised["nato"] > base.implementation.reneging_cost["nato"]
    assert raised["us"] > base.implementation.reneging_cost["us"]
    assert given.issue_names == base.issue_names and given.actors == base.actors
    # Given outside the talks (and the table not looking ahead), it changes no signature and
    # no verdict at home, only which ratified deals hold: here every one of them.
    ours, theirs = funnel("security-guarantees"), funnel(BASELINE)
    for column in ("signed", "ratified", "round", "term.territory"):
        np.testing.assert_array_equal(ours[column], theirs[column])
    np.testing.assert_array_equal(ours["durable"], ours["ratified"])
    assert np.all(ours["durable"] >= theirs["durable"])
    assert theirs["durable"].sum() < theirs["ratified"].sum()  # there was something to fix


def test_guarantees_on_the_table_trade_signatures_for_durability() -> None:
    name = "guarantees-on-the-table"
    implementation = load(name).implementation
    assert implementation is not None
    assert implementation.term_cost["russia"]["security_guarantees"] > 0
    # Negotiated, the guarantee makes every ratified deal last, but Moscow, which opposes it,
    # signs fewer: harder to sign, sturdier once signed (Walter 1997).
    assert lasting_share(name) > lasting_share(BASELINE)
    assert funnel(name)["signed"].mean() < funnel(BASELINE)["signed"].mean()
    columns = funnel(name)
    np.testing.assert_array_equal(columns["durable"], columns["ratified"])


@pytest.mark.parametrize(
    ("name", "direction"), [("fragile-truce", -1), ("security-guarantees", +1)]
)
def test_each_variant_moves_p_durable_the_way_its_evidence_argues(
    name: str, direction: int
) -> None:
    """The paired change in P(durable) against the baseline on the same worlds (issue 9).

    On worlds 0..1,499 (no priors): fragile-truce -2.2 points [-2.9, -1.5], security-guarantees
    (given) +3.5 [+2.5, +4.4].  The referendum's P(durable) does not move since the refusal
    breakdown (+0.8 [-0.5, +2.1]); its deals last less often (test above).  Guarantees on the
    table argue no direction (+2.0 [+0.6, +3.4] here; about 0 under the durability experiment's
    priors: docs/model.md).
    """
    change, low, high = paired_difference(funnel(BASELINE)["durable"], funnel(name)["durable"])
    assert direction * change > 0.01
    assert (high if direction < 0 else -low) < -0.005
