"""The HTML report: every figure embedded, the summary numbers, the evidence and the manifest;
and, when Chromium is installed, that a browser renders it with every image decoded."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest_records import write_results

from sim.analysis.results import Results, load_results
from sim.analysis.summaries import format_p_agreement, format_term
from sim.cli import main
from sim.output.figures.registry import FIGURE_NAMES, figures
from sim.output.report import build_report, write_report

IMG = '<img src="data:image/png;base64,'
CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)

FIGURES_OF_RECORDS = len(FIGURE_NAMES) - 1
"""Written records without a sweep's rounds.parquet get every figure but the fan chart."""


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Results:
    folder = write_results(
        tmp_path_factory.mktemp("report"),
        [
            {"n": 240, "p_agree": 0.3, "factors": {"actors.russia.war_cost": 0.05}},
            {"n": 160, "p_agree": 0.8, "factors": {"actors.russia.war_cost": 0.35}},
        ],
    )
    return load_results(folder)


@pytest.fixture(scope="module")
def html(results: Results) -> str:
    return build_report(results, dpi=50)


def test_report_embeds_every_figure_as_a_png(results: Results, html: str) -> None:
    expected = len(figures(results))
    assert expected == 8
    assert html.count(IMG) == expected
    for encoded in re.findall(r'data:image/png;base64,([A-Za-z0-9+/=]+)"', html):
        assert base64.b64decode(encoded)[:8] == b"\x89PNG\r\n\x1a\n"
    for name in FIGURE_NAMES:  # written records without rounds.parquet: no fan chart
        assert (f'id="figure-{name}"' in html) == (name != "fan")


def test_report_states_the_question_and_the_summary_numbers(results: Results, html: str) -> None:
    assert "Does raising Russia&#x27;s war cost make a deal likelier?" in html
    for summary in results.summarize():
        assert summary["label"] in html
        assert format_p_agreement(summary) in html
        assert f"{summary['n']:,}" in html
        for term in summary["terms"].values():
            assert format_term(term, summary["agreed"] > 0) in html
        assert f"{summary['gains']['russia']['mean']:+.3f}" in html
    # and the rate really is the records' rate
    rate = results.runs.groupby("cell")["agreed"].mean().to_numpy()
    for value in rate:
        assert f"{100 * value:.1f}%" in html


def test_report_shows_scenarios_with_their_evidence(html: str) -> None:
    for words in ("Ukraine keeps all occupied land", "all sanctions lifted", "random-proposer"):
        assert words in html
    # evidence text is escaped, and each piece of evidence sits beside its value
    assert "russia demands &lt;stated&gt; &amp; more" in html
    assert "<stated>" not in html
    row = re.search(r"actor <code>us</code></td><td>position.territory</td><td[^>]*>([^<]*)<", html)
    assert row is not None and row.group(1) == "0.6"
    assert "Article says sanctions stands at the front line" in html


def test_report_shows_the_manifest(html: str) -> None:
    for fact in (
        "0123456789abcdef0123456789abcdef01234567",
        "42.5 s",
        "2025-08-15T10:00:00+00:00",
        "0.1.0",
        "actors.russia.war_cost",
        "uniform from 0 to 0.4",  # priors in words, not raw JSON
    ):
        assert fact in html
    manifest = html[html.index('id="manifest"') :]
    assert re.search(r"<td>seed</td><td>7</td>", manifest)
    assert re.search(r"<td>worlds \(N\)</td><td>400</td>", manifest)


def test_report_needs_no_network(html: str) -> None:
    assert "<link" not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html


def test_report_of_one_cell(results: Results) -> None:
    html = build_report(results, cells=[1], dpi=40)
    assert "160 simulated worlds in 1 cell(s)" in html
    assert html.count(IMG) == FIGURES_OF_RECORDS


def test_write_report_defaults_into_the_results_folder(results: Results, tmp_path: Path) -> None:
    copy = Results(tmp_path, results.runs, results.manifest, results.scenarios, results.cells)
    path = write_report(copy)
    assert path == tmp_path / "report.html"
    assert path.read_text(encoding="utf-8").count(IMG) == FIGURES_OF_RECORDS


def test_report_command(results: Results, tmp_path: Path) -> None:
    out = tmp_path / "deep" / "r.html"
    outcome = CliRunner().invoke(
        main, ["report", str(results.path), "--out", str(out), "--cell", "0"]
    )
    assert outcome.exit_code == 0, outcome.output
    assert outcome.output.strip() == str(out)
    assert out.read_text(encoding="utf-8").count(IMG) == FIGURES_OF_RECORDS


@pytest.mark.parametrize("command", ["report", "plot"])
def test_commands_reject_a_missing_results_folder(command: str, tmp_path: Path) -> None:
    outcome = CliRunner().invoke(main, [command, str(tmp_path / "missing")])
    assert outcome.exit_code == 2
    assert "no such directory" in outcome.output
    assert "Traceback" not in outcome.output


def test_commands_reject_an_unknown_cell(results: Results) -> None:
    outcome = CliRunner().invoke(main, ["plot", str(results.path), "--cell", "9"])
    assert outcome.exit_code == 2
    assert "no cell 9" in outcome.output


def test_plot_command_writes_the_figures(results: Results, tmp_path: Path) -> None:
    outcome = CliRunner().invoke(
        main, ["plot", str(results.path), "--out", str(tmp_path), "--format", "svg", "--cell", "1"]
    )
    assert outcome.exit_code == 0, outcome.output
    written = sorted(Path(p).name for p in outcome.output.split())
    assert written == sorted(f"{n}.svg" for n in FIGURE_NAMES if n != "fan")
    assert "N = 160 worlds" in (tmp_path / "agreement.svg").read_text()


# --------------------------------------------------------------------------------------------
# In a real browser

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_report_renders_in_chromium(results: Results, tmp_path: Path) -> None:
    from PIL import Image

    assert CHROMIUM is not None
    page = tmp_path / "report.html"
    page.write_text(build_report(results, dpi=50), encoding="utf-8")
    url = page.resolve().as_uri()

    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            CHROMIUM,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile-shot'}",
            f"--screenshot={shot}",
            "--window-size=1280,2000",
            url,
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape == (2000, 1280)
    assert pixels.std() > 10.0, "the screenshot is blank"

    dom = subprocess.run(
        [
            CHROMIUM,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile-dom'}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    body = re.search(r"<body[^>]*>", dom)
    assert body is not None
    assert 'data-images-loaded="true"' in body.group(0)
    assert f'data-image-count="{FIGURES_OF_RECORDS}"' in body.group(0)
