"""Ctrl-C at any moment of ``parley sweep`` -- while Python imports numpy and pandas, while click
parses the arguments, while the worker processes start, while chunks run -- ends it with one
line, exit status 130 and no traceback from any process, and leaves no results folder that
claims to be complete and is not.

Before Parley's first line runs (Python's own start-up, ``site`` and ``runpy``: a few tens of
milliseconds) Ctrl-C is Python's; from then on it is Parley's.  The interrupt goes to the whole
process group, as a terminal sends it, so the worker processes
receive it too.  Both ways in are tried: ``python -m sim`` and the console script's own call of
``sim.__main__.main``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fuzzkit import ROOT, sweep_folder_problems
from hostile_cases import EXPERIMENT as BASE_EXPERIMENT
from hostile_cases import TINY

EXPERIMENT = BASE_EXPERIMENT.replace("runs: 20", "runs: 40000") + (
    "factors:\n  actors.b.war_cost: [0.02, 0.08]\n"
)
SWEEP = ("sweep", "e.yaml", "--workers", "2", "--chunk-size", "2000", "--out", "out")
CONSOLE_SCRIPT = "import sys; from sim.__main__ import main; sys.argv[0] = 'parley'; main()"


def start(project: Path, entry: str, start_method: str = "") -> subprocess.Popen[str]:
    """``parley sweep`` in its own process group, through ``entry`` (``-m`` or the script),
    reporting every import as it finishes (``-X importtime``, inherited by the workers); its
    workers started by ``start_method`` (fork or spawn; the default when empty)."""
    command = ["-m", "sim"] if entry == "-m" else ["-c", CONSOLE_SCRIPT]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PARLEY_START_METHOD", None)
    if start_method:
        env["PARLEY_START_METHOD"] = start_method
    return subprocess.Popen(
        [sys.executable, "-X", "importtime", *command, *SWEEP],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for(moment: str, project: Path, process: subprocess.Popen[str]) -> list[str]:
    """Read the child's stderr until ``moment``: ``import:MODULE`` once MODULE is imported (by
    the command or a worker), ``file:NAME`` once out/NAME exists.  Returns the lines read."""
    kind, _, name = moment.partition(":")
    assert process.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if kind == "file" and (project / "out" / name).exists():
            return lines
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if kind == "import" and line.rsplit("|", 1)[-1].strip() == name:
            return lines
    raise AssertionError(f"the sweep ended before {moment}:\n{''.join(lines[-20:])}")


MOMENTS = [
    ("-m", "import:numpy", ""),  # importing numpy, the first heavy module (Parley's handler is in)
    ("script", "import:sim.scenario.schema", ""),  # importing pydantic and the schema
    ("-m", "import:sim.cli", ""),  # click about to parse the arguments
    ("script", "import:multiprocessing.spawn", "spawn"),  # a spawned worker's interpreter starting
    ("-m", "import:sim.core.runner", "spawn"),  # a spawned worker importing the model
    ("-m", "import:sim.core.runner", "fork"),  # a forked worker importing the model
    ("script", "import:sim.core.runner", ""),  # the same, as the command starts its workers
    ("script", "file:parts", ""),  # chunks running
]


@pytest.mark.parametrize(
    ("entry", "moment", "start_method"),
    MOMENTS,
    ids=[f"{e}@{m}" + (f"@{s}" if s else "") for e, m, s in MOMENTS],
)
def test_ctrl_c_at_any_moment_exits_130_with_one_line(
    tmp_path: Path, entry: str, moment: str, start_method: str
) -> None:
    (tmp_path / "tiny.yaml").write_text(TINY)
    (tmp_path / "e.yaml").write_text(EXPERIMENT)
    process = start(tmp_path, entry, start_method)
    before = wait_for(moment, tmp_path, process)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal does: the whole process group
    _, rest = process.communicate(timeout=120)
    err = "".join(before) + rest
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert process.returncode == 130, err
    said = [line for line in err.splitlines() if not line.startswith("import time:")]
    assert len(said) == 1, err
    assert said[0].startswith(("parley: interrupted", "interrupted: finished chunks")), err
    assert sweep_folder_problems(tmp_path / "out") == []
