"""How fast the ``parley app`` page answers a control change, measured in a real browser.

    python benchmarks/bench_app.py              # 12 changes of the baseline's breakdown risk
    python benchmarks/bench_app.py --changes 30
    python benchmarks/bench_app.py --changes 2 --screenshot results/showcase/app/page.png
    python benchmarks/bench_app.py --first-slices 250,500,1000   # the library alone, no browser

Workload: ``parley app alaska-summit`` on a free loopback port, driven by headless Chromium
(Playwright, Debian's ``chromium``).  Each change types a new breakdown risk (a value not used
before, so no batch comes from the page's cache) into its box and presses Enter; the clock runs
from the key press until the page shows the provisional P(agreement) of the batch's first slice
(the first update), until it shows the P(agreement) the library computes for the whole batch of
the new settings (5,000 worlds), and until the odds figures (agreed terms, gains) have been
redrawn.  The same process also times the library alone (:func:`sim.app.odds.progressive_odds`
in one process), so the page's overhead reads as a ratio to it.  On a shared machine the wall
times grow with the load; the busiest of the page's worker processes' CPU time until each update
is printed too (about what the wall time would be on two idle cores).

``--first-slices`` times :func:`sim.app.odds.progressive_odds` on the page's pool of two worker
processes for each first-slice size instead (to its first step, and to the whole batch): how
:data:`sim.app.odds.FIRST_SLICE` was chosen.

``--provisional`` sets the page's first-slice policy (``parley app --provisional``): ``auto``,
the default and what users get, shows the first slice only while whole batches are slow
(:mod:`sim.app.provisional`); ``always`` shows it on every change.

Target (issue #14): a control change updates the page in under 1 s for a 5,000-world batch of
the baseline, on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BOX = ".parley-input-protocol-breakdown_probability input"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def until(page: Any, predicate: str, argument: object) -> None:
    """Wait (polling every 10 ms) until the JavaScript ``predicate(argument)`` holds."""
    page.wait_for_function(predicate, arg=argument, timeout=600_000, polling=10)


def screenshot(page: Any, path: Path) -> None:
    """Step the talks with SolaraViz's Step button until they end, then save the page as a PNG."""
    for round_ in range(1, 101):
        page.get_by_role("button", name="Step").click()
        until(
            page,
            "r => document.querySelector('.parley-round')?.innerText.includes(r)",
            f"Round {round_}:",
        )
        shown = page.locator(".parley-round").inner_text()
        if "a deal" in shown or "talks ended" in shown:
            break
    page.set_viewport_size({"width": 1500, "height": 2300})  # Solara scrolls inside the page
    page.evaluate("document.querySelectorAll('*').forEach(e => { e.scrollTop = 0; })")
    page.wait_for_timeout(2000)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))


def breakdown_values(changes: int) -> list[str]:
    """``changes`` breakdown risks, all different and different from the baseline's 0.02: the
    page keeps its last batches, so a value met before would be shown without running one."""
    return [f"{0.021 + 0.003 * i:.3f}" for i in range(1, changes + 1)]


def pool_workers(pid: int) -> list[int]:
    """Process ids of process ``pid``'s spawned pool workers (not multiprocessing's tracker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(child)
        for child in children
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def busiest(workers: list[int], before: list[float]) -> float:
    """The most CPU time any of ``workers`` used since ``before`` (their CPU times then)."""
    return max(cpu_seconds(pid) - cpu for pid, cpu in zip(workers, before, strict=True))


def first_slices(sizes: list[int], changes: int) -> None:
    """Time the library's progressive odds on a pool of two workers for each first slice: the
    wall time, and the busiest worker's CPU time (what the wall time is on two idle cores)."""
    from sim.app.odds import BATCH_WORLDS, progressive_odds
    from sim.app.pool import OddsPool
    from sim.app.settings import Settings

    baseline = Settings.load("alaska-summit")
    pool = OddsPool(2)
    pool.warm_up()
    list(progressive_odds(baseline.current, 200, first=100, pool=pool))  # compile, import
    workers = pool_workers(os.getpid())

    print(f"{changes} changes of protocol.breakdown_probability, {BATCH_WORLDS:,} worlds each,")
    print(f"the library's progressive odds on the page's pool of {len(workers)} worker processes")
    print(
        "(wall time; in brackets the busiest worker's CPU time, about the wall time on idle cores)"
    )
    for size in sizes:
        first, complete, first_cpu, complete_cpu = [], [], [], []
        for value in breakdown_values(changes):
            scenario = baseline.with_typed("protocol.breakdown_probability", value).current
            before = [cpu_seconds(pid) for pid in workers]
            start = time.perf_counter()
            steps = progressive_odds(scenario, first=size, pool=pool)
            next(steps)
            first.append(time.perf_counter() - start)
            first_cpu.append(busiest(workers, before))
            for _ in steps:
                pass
            complete.append(time.perf_counter() - start)
            complete_cpu.append(busiest(workers, before))
        print(
            f"first slice {size:>5,}: first update median {statistics.median(first):.2f} s "
            f"({statistics.median(first_cpu):.2f} s CPU), whole batch median "
            f"{statistics.median(complete):.2f} s ({statistics.median(complete_cpu):.2f} s CPU)",
            flush=True,
        )
    print(f"{os.cpu_count()} cores, load average {load_average()}")


def load_average() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=12)
    parser.add_argument(
        "--first-slices",
        type=lambda text: [int(size) for size in text.split(",")],
        default=None,
        help="time only the library's progressive odds for these first-slice sizes",
    )
    parser.add_argument(
        "--provisional",
        choices=["auto", "always", "never"],
        default="auto",
        help="the page's first-slice policy (parley app --provisional; auto is what users get)",
    )
    parser.add_argument(
        "--screenshot",
        type=Path,
        default=None,
        help="also save the page (after the changes and the talks played to the end) as this PNG",
    )
    args = parser.parse_args()
    if args.first_slices:
        first_slices(args.first_slices, args.changes)
        return

    from playwright.sync_api import sync_playwright

    from sim.app.odds import progressive_odds
    from sim.app.server import serve_command
    from sim.app.settings import Settings

    values = breakdown_values(args.changes)
    baseline = Settings.load("alaska-summit")
    provisional, expected, library_first, library = [], [], [], []
    for value in values:
        start = time.perf_counter()
        steps = progressive_odds(
            baseline.with_typed("protocol.breakdown_probability", value).current
        )
        provisional.append(next(steps).headline)
        library_first.append(time.perf_counter() - start)
        expected.append([*steps][-1].headline)
        library.append(time.perf_counter() - start)

    port = free_port()
    server_log = Path(os.environ.get("TMPDIR", "/tmp")) / f"parley-app-bench-{port}.log"
    print(f"server log: {server_log}", flush=True)
    server = subprocess.Popen(
        serve_command("alaska-summit", port, args.provisional),
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=server_log.open("wb"),
    )
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            for _ in range(600):
                try:
                    page.goto(f"http://127.0.0.1:{port}/")
                    break
                except Exception:
                    time.sleep(0.2)
            page.locator(".parley-p-agreement").wait_for(timeout=120_000)
            page.get_by_text("Protocol", exact=True).click()
            first_times, text_times, figure_times, server_cpu = [], [], [], []
            shown_first: list[str] = []  # the headline the first update showed
            workers = pool_workers(server.pid)
            first_cpu, complete_cpu = [], []
            for value, first, headline in zip(values, provisional, expected, strict=True):
                before = page.locator(".parley-gains").get_attribute("src")
                box = page.locator(BOX)
                box.fill(value)
                start, cpu = time.perf_counter(), cpu_seconds(server.pid)
                worker_cpu = [cpu_seconds(pid) for pid in workers]
                box.press("Enter")
                until(
                    page,
                    "ts => ts.includes(document.querySelector('.parley-p-agreement')?.innerText.trim())",
                    [first, headline],
                )
                first_times.append(time.perf_counter() - start)
                shown_first.append(page.locator(".parley-p-agreement").inner_text().strip())
                first_cpu.append(busiest(workers, worker_cpu))
                until(
                    page,
                    "t => document.querySelector('.parley-p-agreement')?.innerText.trim() === t",
                    headline,
                )
                text_times.append(time.perf_counter() - start)
                server_cpu.append(cpu_seconds(server.pid) - cpu)
                complete_cpu.append(busiest(workers, worker_cpu))
                until(
                    page,
                    "s => document.querySelector('.parley-gains')?.getAttribute('src') !== s",
                    before,
                )
                figure_times.append(time.perf_counter() - start)
            if args.screenshot is not None:
                screenshot(page, args.screenshot)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)

    def line(name: str, times: list[float], library_times: list[float]) -> str:
        ratio = statistics.median(times) / statistics.median(library_times)
        return (
            f"{name:<44} median {statistics.median(times):.3f} s   max {max(times):.3f} s   "
            f"({ratio:.1f}x the library in one process)"
        )

    print(f"{len(values)} changes of protocol.breakdown_probability, 5,000 worlds each")
    print(f"{os.cpu_count()} cores, load average {load_average()} (wall times grow with the load)")
    print(line("library, one process: first slice", library_first, library_first))
    print(line("library, one process: whole batch", library, library))
    early = sum(headline != whole for headline, whole in zip(shown_first, expected, strict=True))
    print(
        f"--provisional {args.provisional}: a provisional first slice came before the whole "
        f"batch in {early} of {len(first_times)} changes"
    )
    print(line("page: first update (provisional or whole) shown", first_times, library_first))
    print(line("page: whole batch's P(agreement) shown", text_times, library))
    print(line("page: odds figures redrawn", figure_times, library))
    print(line("server CPU until the whole batch shown", server_cpu, library))
    print(line("busiest worker's CPU until the first update", first_cpu, library_first))
    print(line("busiest worker's CPU until the whole batch", complete_cpu, library))


if __name__ == "__main__":
    main()
