"""The report leads with the finding; evidence is collapsed, a variant's changes highlighted
against its base, priors in words (issue 15)."""

from __future__ import annotations

import re

import pytest
from conftest_records import scenario_dict, write_results

from sim.analysis.results import load_results
from sim.output.report import build_report
from sim.output.report_headline import prior_in_words


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> str:
    base = scenario_dict("alaska-test")
    variant = scenario_dict("costly-war")
    variant["extends"] = "alaska-test"
    variant["actors"]["russia"]["war_cost"] = 0.3
    folder = write_results(
        tmp_path_factory.mktemp("headline"),
        [
            {"n": 400, "p_agree": 0.3, "scenario": "alaska-test"},
            {"n": 400, "p_agree": 0.8, "scenario": "costly-war"},
        ],
        scenarios={"alaska-test": base, "costly-war": variant},
    )
    results = load_results(folder)
    return build_report(results, dpi=30)


def test_the_report_leads_with_each_cells_agreement_and_interval(html: str) -> None:
    finding = html.index('id="finding"')
    assert finding < html.index('id="summary"') < html.index('id="figures"')
    assert html.index('id="figures"') < html.index('id="scenarios"')
    results_text = html[finding : html.index('id="summary"')]
    assert re.search(r"alaska-test</b>: P\(agreement\) \d+\.\d% \[\d+\.\d, \d+\.\d\]", results_text)
    assert re.search(r"costly-war</b>: P\(agreement\) \d+\.\d% \[\d+\.\d, \d+\.\d\]", results_text)
    # the largest difference in a sentence, with its interval, over the shared worlds
    assert re.search(
        r"1: costly-war</b> against <b>0: alaska-test</b>: P\(agreement\) \+\d+\.\d points "
        r"\[\+\d+\.\d, \+\d+\.\d\] over the same 400 worlds",
        results_text,
    )


def test_evidence_is_collapsed_once_per_scenario_and_the_variants_changes_highlighted(
    html: str,
) -> None:
    assert html.count('<details class="evidence"><summary>Evidence for alaska-test') == 1
    assert html.count('<details class="evidence"><summary>Evidence for costly-war') == 1
    changes = html[html.index("What costly-war changes against alaska-test") :]
    row = re.search(r"<code>actors\.russia\.war_cost</code></td>(.*?)</tr>", changes)
    assert row is not None
    assert '<td class="num">0.1</td>' in row.group(1)
    assert "<mark>0.3</mark>" in row.group(1)


def test_priors_are_in_words() -> None:
    assert (
        prior_in_words({"dist": "normal", "mean": None, "sd": 0.02})
        == "normal, centred on the scenario's value, sd 0.02 (truncated to the valid range)"
    )
    assert prior_in_words({"dist": "beta", "mean": None, "concentration": 100.0}) == (
        "beta, centred on the scenario's value, concentration 100"
    )
    assert prior_in_words({"dist": "triangular", "low": 0.2, "mode": 0.4, "high": 1.2}) == (
        "triangular from 0.2 to 1.2, most likely 0.4"
    )
    assert prior_in_words({"dist": "choice", "values": [1, 2], "weights": None}) == "one of 1, 2"


def test_the_experiment_section_has_no_raw_json(html: str) -> None:
    section = html[html.index('id="experiment"') : html.index('id="manifest"')]
    assert "null" not in section and "&quot;dist&quot;" not in section
    assert "uniform from 0 to 0.4" in section
