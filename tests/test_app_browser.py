"""``parley app`` in a real browser: headless Chromium, driven by Playwright, on a loopback port.

The server runs as ``python -m sim app`` in a subprocess; the test moves a control and checks the
page shows first the provisional P(agreement) of the batch's first slice, then the one the library
computes for the whole batch of the same settings, refuses bad values next
to the control and keeps serving, exports a scenario the loader accepts, steps the talks, loads
nothing from outside this machine, and renders a screenshot that is not blank.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest

if find_spec("solara") is None or find_spec("altair") is None:  # the server runs in a subprocess
    pytest.skip("the 'app' extra is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

from sim.app.catalogue import AFTER_SIGNING_GROUP  # noqa: E402
from sim.app.odds import BATCH_WORLDS, FIRST_SLICE, batch_odds, progressive_odds  # noqa: E402
from sim.app.server import serve_command  # noqa: E402
from sim.app.settings import Settings  # noqa: E402
from sim.app.state import OneNegotiation  # noqa: E402
from sim.scenario.loader import load_resolved  # noqa: E402
from sim.scenario.schema import Scenario  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REPOSITORY = Path(__file__).resolve().parents[1]
START_TIMEOUT = 120.0
UPDATE_TIMEOUT_MS = 60_000
WAR_COST = "actors-russia-war_cost"
BREAKDOWN = "protocol-breakdown_probability"

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


def free_port() -> int:
    """A loopback port no one listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"parley app exited with {server.returncode}:\n{log.read_text()}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    pytest.fail(f"parley app did not listen on port {port}:\n{log.read_text()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``parley app alaska-summit`` on a free loopback port; yields its URL and its log file."""
    port = free_port()
    log = tmp_path_factory.mktemp("app") / "server.log"
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            # Always a provisional first slice: the test checks the page shows it, then the
            # whole batch (``auto`` shows one only where batches are slow).
            serve_command("alaska-summit", port, provisional="always"),
            cwd=REPOSITORY,
            env=environment,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process, log)
        yield f"http://127.0.0.1:{port}", log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield chromium
        finally:
            chromium.close()


def p_agreement_text(page: object) -> str:
    return str(page.locator(".parley-p-agreement").inner_text()).strip()  # type: ignore[attr-defined]


def type_into(page: object, key: str, value: str) -> None:
    box = page.locator(f".parley-input-{key} input")  # type: ignore[attr-defined]
    box.fill(value)
    box.press("Enter")


def wait_for_text(page: object, selector: str, expected: str) -> None:
    page.wait_for_function(  # type: ignore[attr-defined]
        "([selector, expected]) => { const e = document.querySelector(selector);"
        " return e !== null && e.innerText.trim() === expected; }",
        arg=[selector, expected],
        timeout=UPDATE_TIMEOUT_MS,
    )


def watch_headlines(page: object) -> None:
    """Record every text ``.parley-p-agreement`` shows from now on (in ``window.parleySeen``),
    and the provisional note's last text (in ``window.parleyNote``)."""
    page.evaluate(  # type: ignore[attr-defined]
        """() => {
        window.parleySeen = [];
        window.parleyNote = '';
        const note = () => {
            const provisional = document.querySelector('.parley-provisional');
            if (provisional) { window.parleyNote = provisional.innerText.trim(); }
            const shown = document.querySelector('.parley-p-agreement')?.innerText.trim();
            if (shown && shown !== window.parleySeen[window.parleySeen.length - 1]) {
                window.parleySeen.push(shown);
            }
        };
        new MutationObserver(note).observe(
            document.body, {subtree: true, childList: true, characterData: true});
    }"""
    )


def seen_headlines(page: object) -> list[str]:
    return list(page.evaluate("() => window.parleySeen"))  # type: ignore[attr-defined]


def test_the_page_in_chromium(server: tuple[str, Path], browser: object, tmp_path: Path) -> None:
    from PIL import Image

    url, log = server
    page = browser.new_page(viewport={"width": 1500, "height": 1100})  # type: ignore[attr-defined]
    requests: list[str] = []
    failures: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on(
        "response",
        lambda response: (
            failures.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    page.on("requestfailed", lambda request: failures.append(f"failed {request.url}"))
    page.goto(url)

    baseline = Settings.load("alaska-summit")
    wait_for_text(page, ".parley-p-agreement", batch_odds(baseline.current).headline)

    # A control moves: the page shows what the library computes for the same settings, first
    # for the batch's first slice of worlds (marked provisional), then for the whole batch.
    changed = baseline.with_typed(BREAKDOWN.replace("-", "."), "0.05")
    expected = batch_odds(changed.current).headline
    provisional = next(progressive_odds(changed.current))
    assert provisional.provisional
    assert expected != p_agreement_text(page)
    page.locator(".parley-gains").wait_for(timeout=UPDATE_TIMEOUT_MS)
    gains_before = page.locator(".parley-gains").get_attribute("src")
    page.get_by_text("Protocol", exact=True).click()
    watch_headlines(page)
    type_into(page, BREAKDOWN, "0.05")
    wait_for_text(page, ".parley-p-agreement", expected)
    seen = seen_headlines(page)
    assert seen[-2:] == [provisional.headline, expected], seen
    assert f"(provisional: {FIRST_SLICE:,} of {BATCH_WORLDS:,} worlds)" in provisional.headline
    assert page.evaluate("() => window.parleyNote").startswith(
        f"Provisional: the first {FIRST_SLICE:,} of the {BATCH_WORLDS:,} worlds"
    )
    assert page.locator(".parley-provisional").count() == 0  # the whole batch is not provisional
    # ... and the odds figures are redrawn for the new batch.
    page.wait_for_function(
        "before => document.querySelector('.parley-gains')?.getAttribute('src') !== before",
        arg=gains_before,
        timeout=UPDATE_TIMEOUT_MS,
    )

    # Bad values are refused next to their control; the settings stay as they were.
    type_into(page, WAR_COST, "-0.1")
    refusal = page.locator(f".parley-refusal-{WAR_COST}")
    refusal.wait_for(timeout=UPDATE_TIMEOUT_MS)
    assert "negative" in refusal.inner_text()
    type_into(page, "actors-russia-salience-territory", "1.5")
    salience_refusal = page.locator(".parley-refusal-actors-russia-salience-territory")
    salience_refusal.wait_for(timeout=UPDATE_TIMEOUT_MS)
    assert "salience" in salience_refusal.inner_text()
    type_into(page, "actors-russia-strategy-beta", "fast")
    beta_refusal = page.locator(".parley-refusal-actors-russia-strategy-beta")
    beta_refusal.wait_for(timeout=UPDATE_TIMEOUT_MS)
    assert "not a number" in beta_refusal.inner_text()
    assert p_agreement_text(page) == expected

    # The server keeps serving: a valid value clears the refusal and updates the odds.
    # (0.012 lies between the slider's steps: the page keeps the typed value, not the slider's.)
    type_into(page, WAR_COST, "0.012")
    latest = changed.with_typed("actors.russia.war_cost", "0.012")
    again = batch_odds(latest.current).headline
    assert again != expected
    wait_for_text(page, ".parley-p-agreement", again)
    assert page.locator(f".parley-refusal-{WAR_COST}").count() == 0

    # The export is a valid scenario that extends the baseline with the change.
    export = tmp_path / "exported.yaml"
    export.write_text(page.locator(".parley-export").inner_text(), encoding="utf-8")
    exported = load_resolved(export).scenario
    assert exported.extends == "alaska-summit"
    assert exported.actors["russia"].war_cost == pytest.approx(0.012)
    assert exported.protocol.breakdown_probability == pytest.approx(0.05)
    assert numbers(exported) == numbers(latest.current)

    # The deal's fate: a change to the implementation phase moves P(durable) on the page to
    # the library's; a negative reneging cost is refused next to its control.
    page.get_by_text(AFTER_SIGNING_GROUP, exact=True).click()
    type_into(page, "implementation-periods", "4")
    latest = latest.with_typed("implementation.periods", "4")
    durable = dict(batch_odds(latest.current).funnel)["durable"]
    wait_for_text(page, ".parley-p-durable", durable)
    type_into(page, "implementation-reneging_cost-russia", "-1")
    reneging = page.locator(".parley-refusal-implementation-reneging_cost-russia")
    reneging.wait_for(timeout=UPDATE_TIMEOUT_MS)
    assert "negative" in reneging.inner_text()
    assert page.locator(".parley-p-durable").inner_text().strip() == durable

    # Mesa's controller steps the negotiation round by round.
    page.get_by_role("button", name="Step").click()
    page.locator(".parley-round-actors").wait_for(timeout=UPDATE_TIMEOUT_MS)
    assert "Round 1:" in page.locator(".parley-round").inner_text()
    # ... or plays it: ▶ runs rounds until paused (or the talks end).
    page.get_by_role("button", name="▶").click()
    page.wait_for_function(
        "() => /Round ([3-9]|[1-9][0-9]):/.test("
        "document.querySelector('.parley-round')?.innerText ?? '')",
        timeout=UPDATE_TIMEOUT_MS,
    )
    # ... to the end, where the step view says who ratified the deal and who reneged.
    page.wait_for_function(
        "() => /a deal|talks ended/.test(document.querySelector('.parley-round')?.innerText ?? '')",
        timeout=UPDATE_TIMEOUT_MS,
    )
    played = OneNegotiation(lambda: latest.current, 0)
    while played.running:
        played.step()
    first = page.locator(".parley-signing").first.inner_text().strip()
    if played.signings:
        signing = played.signings[0]
        assert first.startswith(f"Round {signing.round}: signed; ")
        assert ("ratified at home" in first) == signing.ratified
    else:
        assert first == "No package signed yet."
    if played.implementation is not None:
        page.locator(".parley-implementation").wait_for(timeout=UPDATE_TIMEOUT_MS)

    # Any scenario file can be opened; one that does not exist is refused with a message.
    file_box = page.locator(".parley-scenario-file input")
    file_box.fill("scenarios/no-such-file.yaml")
    file_box.press("Enter")
    page.locator(".parley-load-error").wait_for(timeout=UPDATE_TIMEOUT_MS)
    assert "no scenario file" in page.locator(".parley-load-error").inner_text()
    file_box.fill("scenarios/bilateral-deal.yaml")
    file_box.press("Enter")
    wait_for_text(page, ".parley-scenario-name", "bilateral-deal")
    bilateral = Settings.load("scenarios/bilateral-deal.yaml")
    wait_for_text(page, ".parley-p-agreement", batch_odds(bilateral.current).headline)

    # Nothing came from outside this machine, nothing failed, no traceback anywhere.
    outside = [r for r in requests if not r.startswith((url, "data:", "blob:", "about:"))]
    assert not outside, outside
    assert not failures, failures
    assert "Traceback" not in page.locator("body").inner_text()
    server_log = log.read_text(errors="replace")
    assert "Traceback" not in server_log
    assert "Could not load URL" not in server_log

    shot = page.screenshot(full_page=True)
    pixels = np.asarray(Image.open(io.BytesIO(shot)).convert("L"), dtype=float)
    assert pixels.shape[1] == 1500
    assert pixels.std() > 10.0, "the screenshot is blank"
    assert len(np.unique(pixels)) > 50, "the screenshot has almost no content"
    page.close()


def numbers(scenario: Scenario) -> dict[str, object]:
    """Everything a scenario says but its name, description and evidence."""
    data = scenario.model_dump(exclude={"name", "extends", "description"})

    def strip(node: object) -> object:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "evidence"}
        return node

    stripped = strip(data)
    assert isinstance(stripped, dict)
    return stripped
