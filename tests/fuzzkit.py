"""The harness of the fuzz suite: run one hostile input through ``parley`` and judge the outcome.

A :class:`Case` is a command line plus the files it needs, written into a fresh project folder;
a file *outside* that folder (:data:`SECRET_NAME`) holds canary lines that must never come back
in any output.  :func:`run_in_process` calls the CLI entry in this process with click's
``CliRunner`` (fast: no interpreter start-up), under a wall-time and a memory budget enforced by
a watchdog thread; :func:`run_in_subprocess` runs ``python -m sim`` in a child process with a
hard address-space limit (for what needs a real process: signals, worker pools, the campaign).
:func:`judge` turns an :class:`Outcome` into the list of broken promises (empty when the case
passed): a traceback, an exit status other than 0 or 2, a hang, a memory overrun, a canary
leaked, nonsense accepted (a case that must be refused exited 0), or an accepted case whose
outputs are not finite.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import resource
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[1]
SECRET_NAME = "outside/secret.yaml"
CANARY = "CANARY-d41d8cd98f00b204"
SECRET_TEXT = (
    f"name: {CANARY}-name\n"
    f"description: {CANARY}-description\n"
    f"actors: {CANARY}-actors\n"
    f"{CANARY}-key: 1\n"
    f"- {CANARY}-not-yaml: [\n"
)
TIME_LIMIT = 20.0
"""Seconds any one case may take (the campaign's hang threshold)."""
TEST_TIME_LIMIT = 60.0
"""The same limit in the test suite, which shares its machine with other jobs: a hang is still
a hang, a busy machine is not."""
MEMORY_LIMIT_MB = 1500
"""Megabytes of memory any one case may add to the process."""

Expect = Literal["reject", "either"]


@dataclass(frozen=True)
class Case:
    """One hostile input: ``parley ARGS`` run in a project folder holding ``files``.

    ``{project}`` and ``{secret}`` in the arguments and file texts stand for the project folder
    and the path of the secret file outside it.  ``expect`` is ``reject`` when the input is
    nonsense that must exit 2, ``either`` when refusing (exit 2) and accepting (exit 0 with
    finite outputs) are both right.
    """

    name: str
    args: tuple[str, ...]
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    expect: Expect = "reject"
    setup: str = ""
    """Name of an extra preparation step (see :func:`prepare`)."""


@dataclass
class Outcome:
    """What one run of a case did."""

    case: Case
    exit_code: int | None
    output: str
    seconds: float
    project: Path
    traceback: str = ""
    overrun: str = ""  # "time" or "memory" when the watchdog stopped the case


def write_project(case: Case, root: Path) -> Path:
    """Create the project folder (and the secret beside it) for ``case`` under ``root``."""
    project = root / "project"
    project.mkdir(parents=True, exist_ok=True)
    secret = root / SECRET_NAME
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text(SECRET_TEXT, encoding="utf-8")
    for name, content in case.files.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(_fill(content, project, secret), encoding="utf-8")
    prepare(case.setup, project)
    return project


def prepare(step: str, project: Path) -> None:
    """Extra damage some cases need beyond writing files."""
    if not step:
        return
    if step == "readonly-out":
        (project / "ro").mkdir(exist_ok=True)
        (project / "ro").chmod(0o500)
    elif step == "symlink-secret":
        (project / "scenarios").mkdir(exist_ok=True)
        target = project.parent / SECRET_NAME
        (project / "scenarios" / "linked.yaml").symlink_to(target)
    else:
        raise ValueError(f"unknown setup step {step!r}")


def _fill(text: str, project: Path, secret: Path) -> str:
    return text.replace("{project}", str(project)).replace("{secret}", str(secret))


def arguments(case: Case, project: Path) -> list[str]:
    """The command line of ``case`` with its placeholders filled in."""
    return [_fill(arg, project, project.parent / SECRET_NAME) for arg in case.args]


# ---------------------------------------------------------------------------------------------
# Running


class BudgetExceeded(BaseException):
    """Raised in the main thread by the watchdog; a BaseException so no handler swallows it."""


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@contextlib.contextmanager
def budget(seconds: float, megabytes: float) -> Iterator[dict[str, str]]:
    """Interrupt the main thread when it runs longer than ``seconds`` or grows by ``megabytes``.

    Yields a dict whose ``"overrun"`` entry names the limit that was hit.
    """
    state = {"overrun": ""}
    main = threading.main_thread().ident
    assert main is not None
    baseline = _rss_mb()
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        raise BudgetExceeded(state["overrun"])

    def watch() -> None:
        deadline = time.monotonic() + seconds
        while not stop.wait(0.02):
            if time.monotonic() > deadline:
                state["overrun"] = "time"
            elif _rss_mb() - baseline > megabytes:
                state["overrun"] = "memory"
            if state["overrun"]:
                signal.pthread_kill(main, signal.SIGUSR1)
                return

    previous = signal.signal(signal.SIGUSR1, on_signal)
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield state
    finally:
        stop.set()
        watcher.join()
        signal.signal(signal.SIGUSR1, previous)


def run_in_process(
    case: Case, root: Path, *, seconds: float = TEST_TIME_LIMIT, megabytes: float = MEMORY_LIMIT_MB
) -> Outcome:
    """Run ``case`` through the CLI entry point in this process (click's ``CliRunner``)."""
    import warnings

    from click.testing import CliRunner

    from sim.cli import main

    project = write_project(case, root)
    args = arguments(case, project)
    runner = CliRunner()
    started = time.monotonic()
    exit_code: int | None = None
    output, trace, overrun = "", "", ""
    with contextlib.chdir(project), budget(seconds, megabytes) as state, warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            result = runner.invoke(main, args, catch_exceptions=True)
        except BudgetExceeded:
            overrun = state["overrun"] or "time"
        else:
            exit_code = result.exit_code
            output = result.output  # stdout and stderr, as a terminal shows them
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                assert result.exc_info is not None
                trace = "".join(traceback.format_exception(*result.exc_info))
    return Outcome(case, exit_code, output, time.monotonic() - started, project, trace, overrun)


def run_in_subprocess(
    case: Case,
    root: Path,
    *,
    seconds: float = TIME_LIMIT,
    megabytes: float = 4000,
    env: Mapping[str, str] | None = None,
    wall_factor: float = 6.0,
) -> Outcome:
    """Run ``case`` as ``python -m sim`` in a child process with hard limits: ``seconds`` of
    CPU time (what the input costs, whatever else the machine is doing), ``wall_factor`` times
    that in wall time (a hang that sleeps), and ``megabytes`` of address space."""
    project = write_project(case, root)
    args = arguments(case, project)

    def limit() -> None:  # pragma: no cover - runs in the child
        size = int(megabytes * 2**20)
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
        cpu = int(seconds)  # SIGXCPU, then SIGKILL a second later
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))

    child_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "sim", *args],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=seconds * wall_factor,
            env=child_env,
            preexec_fn=limit,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as expired:
        output = _text(expired.stdout) + _text(expired.stderr)
        return Outcome(case, None, output, time.monotonic() - started, project, "", "time")
    except (OSError, ValueError) as error:  # arguments no process can receive (NUL, > 128 kB)
        raise ValueError(f"case {case.name!r} cannot be run as a process: {error}") from None
    output = done.stdout + done.stderr
    trace = output if "Traceback (most recent call last)" in output else ""
    elapsed = time.monotonic() - started
    if done.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return Outcome(case, None, output, elapsed, project, trace, "time")
    return Outcome(case, done.returncode, output, elapsed, project, trace)


def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


# ---------------------------------------------------------------------------------------------
# Judging


def judge(outcome: Outcome) -> list[str]:
    """Every promise ``outcome`` broke (an empty list when the case passed)."""
    case = outcome.case
    broken: list[str] = []
    if outcome.overrun:
        broken.append(f"{outcome.overrun} limit exceeded after {outcome.seconds:.1f} s")
        return broken
    if outcome.traceback or "Traceback (most recent call last)" in outcome.output:
        last = (outcome.traceback or outcome.output).strip().splitlines()[-1:]
        broken.append(f"traceback: {' '.join(last)}")
    if CANARY in outcome.output or "root:x:0:0" in outcome.output:
        broken.append("leak: the content of a file outside the project was printed")
    if outcome.exit_code not in (0, 2):
        broken.append(f"exit status {outcome.exit_code} (expected 0 or 2)")
    elif outcome.exit_code == 0 and case.expect == "reject":
        broken.append("nonsense accepted: exit 0 for an input that must be refused")
    elif outcome.exit_code == 0:
        broken.extend(_unfinite_outputs(outcome))
    elif outcome.exit_code == 2 and not outcome.output.strip():
        broken.append("refused without saying why")
    if "Warning:" in outcome.output:
        broken.append("a warning was printed")
    return broken


def _unfinite_outputs(outcome: Outcome) -> list[str]:
    """Problems with what an accepted case printed or wrote: NaN utilities, broken sweeps."""
    problems: list[str] = []
    text = outcome.output.strip()
    if "--json" in outcome.case.args and text.startswith("{"):
        with contextlib.suppress(ValueError):
            problems.extend(_record_problems(json.loads(text)))
    for record_path in outcome.project.rglob("record.json"):
        with contextlib.suppress(ValueError, OSError):
            problems.extend(_record_problems(json.loads(record_path.read_text())))
    for manifest_path in outcome.project.rglob("manifest.json"):
        problems.extend(sweep_folder_problems(manifest_path.parent))
    return problems


def _record_problems(record: object) -> list[str]:
    if not isinstance(record, Mapping) or "utilities" not in record:
        return []
    problems = []
    for section in ("utilities", "reservation", "gains"):
        for actor, value in dict(record.get(section) or {}).items():
            if not isinstance(value, int | float) or not math.isfinite(value):
                problems.append(f"not finite: {section}.{actor} = {value!r}")
    if record.get("agreed"):
        for issue, value in dict(record.get("terms") or {}).items():
            if not isinstance(value, int | float) or not math.isfinite(value):
                problems.append(f"agreed but term {issue} = {value!r}")
    return problems


def sweep_folder_problems(folder: Path) -> list[str]:
    """What is wrong with a results folder whose manifest says it is complete."""
    if not (folder / "manifest.json").exists():
        return []  # no manifest: the folder claims nothing
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError) as error:
        return [f"{folder}: unreadable manifest ({error})"]
    if not isinstance(manifest, dict) or manifest.get("status") != "complete":
        return []
    import numpy as np
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(folder / "runs.parquet")
    except (OSError, ValueError) as error:
        return [f"{folder}: complete manifest but unreadable runs.parquet ({error})"]
    problems = []
    if table.num_rows != manifest.get("n_worlds"):
        problems.append(
            f"{folder}: manifest says {manifest.get('n_worlds')} worlds, "
            f"runs.parquet has {table.num_rows}"
        )
    for name in table.column_names:
        if name.startswith(("utility.", "reservation.", "gain.", "param.")):
            values = table.column(name).to_numpy(zero_copy_only=False)
            values = np.asarray(values, dtype=float)
            if values.size and not np.isfinite(values).all():
                problems.append(f"{folder}: column {name} has values that are not finite")
    return problems


def fill_all(values: Sequence[str], project: Path) -> list[str]:
    """Placeholders filled in ``values`` (for tests that build command lines by hand)."""
    return [_fill(value, project, project.parent / SECRET_NAME) for value in values]
