"""Fault injection for sweeps: a second command into a folder in use, a kill during the merge or
before the cleanup, a full disk (an injected ENOSPC) at every stage, a resume across a code
change, and the permissions of what Parley writes (Ctrl-C: tests/test_interrupts.py).

The promise checked after every fault: the results folder never claims to be complete when it is
not (:func:`fuzzkit.sweep_folder_problems`), and ``--resume`` then finishes the sweep into the
same file as an uninterrupted run.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner
from fuzzkit import ROOT, sweep_folder_problems
from hostile_cases import TINY

import sim.io
import sim.sweep.chunks
import sim.sweep.manifest
import sim.sweep.parts
import sim.sweep.run
from sim.analysis.discovery_results import load_discovery
from sim.analysis.results import load_results
from sim.analysis.sensitivity_results import load_sensitivity, sweep_stamp
from sim.cli import main
from sim.io import write_text

EXPERIMENT = """\
name: faults
scenario: tiny.yaml
runs: 3000
seed: 5
uncertainty:
  actors.a.war_cost: {dist: uniform, low: 0.01, high: 0.1}
factors:
  actors.b.war_cost: [0.02, 0.08]
"""
SWEEP = ["sweep", "e.yaml", "--workers", "1", "--chunk-size", "1000", "--out", "out", "--json"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "tiny.yaml").write_text(TINY)
    (tmp_path / "e.yaml").write_text(EXPERIMENT)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> str:
    """SHA-256 of runs.parquet from an uninterrupted sweep."""
    folder = tmp_path_factory.mktemp("reference")
    (folder / "tiny.yaml").write_text(TINY)
    (folder / "e.yaml").write_text(EXPERIMENT)
    cwd = Path.cwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(main, SWEEP)
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return sha256(folder / "out" / "runs.parquet")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def parley(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def assert_resumes_to(reference: str, out: Path) -> None:
    """The folder does not claim a completeness it lacks; --resume finishes it, byte-identical."""
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] != "complete" or sweep_folder_problems(out) == []
    code, output = parley(*SWEEP, "--resume")
    assert code == 0, output
    assert sweep_folder_problems(out) == []
    assert sha256(out / "runs.parquet") == reference
    assert not (out / "parts").exists()
    assert not list(out.glob(".*.tmp"))


def child(script: str, cwd: Path) -> subprocess.Popen[str]:
    """A Python child process running ``script`` with this checkout's ``sim``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


# --- a second command into a folder in use -------------------------------------------------


def test_a_second_command_into_a_folder_in_use_is_refused_with_the_holders_pid(
    project: Path, reference: str
) -> None:
    # The first sweep holds the folder's lock, then waits (as a long sweep would) inside the
    # merge until the test lets it go on.
    gate = project / "gate"
    script = f"""
import pathlib, time
import sim.sweep.run as run
merge = run.merge_parts
def slow_merge(*args, **kwargs):
    pathlib.Path("started").write_text("x")
    while not pathlib.Path({str(gate)!r}).exists():
        time.sleep(0.02)
    return merge(*args, **kwargs)
run.merge_parts = slow_merge
from sim.cli import main
main({SWEEP!r})
"""
    first = child(script, project)
    try:
        deadline = time.monotonic() + 60
        while not (project / "started").exists():
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        for extra in ([], ["--force"], ["--resume"]):
            code, output = parley(*SWEEP, *extra)
            assert code == 2
            assert f"in use by another parley command (PID {first.pid})" in output
        gate.write_text("go")
        out, err = first.communicate(timeout=60)
    finally:
        first.kill()
    assert first.returncode == 0, err
    assert sweep_folder_problems(project / "out") == []
    assert sha256(project / "out" / "runs.parquet") == reference


# --- kill -9 at the end of a sweep ---------------------------------------------------------


def _kill_inside(module: str, name: str, project: Path, args: list[str] = SWEEP) -> None:
    """Run ``parley ARGS`` (the sweep) in a child that SIGKILLs itself when ``module.name`` is
    called."""
    script = f"""
import os, signal
import {module} as where
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
owner, _, attribute = "{name}".rpartition(".")
setattr(eval("where." + owner) if owner else where, attribute, die)
from sim.cli import main
main({args!r})
"""
    process = child(script, project)
    process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL


def test_a_kill_during_the_merge_leaves_no_complete_claim_and_no_leftovers(
    project: Path, reference: str
) -> None:
    _kill_inside("pyarrow.parquet", "ParquetWriter.write_table", project)
    out = project / "out"
    # rounds.parquet is merged in a thread beside runs.parquet: the kill lands in whichever
    # writes a row group first, so either temporary file shows that the merge had started.
    started = [*out.glob(".runs.parquet.*.tmp"), *out.glob(".rounds.parquet.*.tmp")]
    assert started, "the merge had started"
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    assert_resumes_to(reference, out)


def test_a_kill_between_the_manifest_and_the_cleanup(project: Path, reference: str) -> None:
    _kill_inside("shutil", "rmtree", project)
    out = project / "out"
    assert (out / "parts").is_dir()
    assert sweep_folder_problems(out) == []  # complete, and truly so
    assert_resumes_to(reference, out)  # "already complete", and parts/ is gone


# --- the saved analyses: sensitivity.json, discovery.json -----------------------------------

ANALYSES = {
    "sensitivity": ["sensitivity", "out", "--outcome", "round"],
    "discover": ["discover", "out", "--target", "round > 9", "--cell", "0", "--max-worlds", "100"],
}
SAVED = {"sensitivity": "sensitivity.json", "discover": "discovery.json"}


@pytest.mark.parametrize("command", sorted(ANALYSES))
def test_a_kill_or_a_full_disk_while_an_analysis_is_saved_keeps_the_last_one_whole(
    project: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    small = [*SWEEP, "--runs", "300"]
    assert parley(*small)[0] == 0
    assert parley(*ANALYSES[command])[0] == 0
    saved = project / "out" / SAVED[command]
    before = saved.read_bytes()
    _kill_inside("sim.io", "fsync_path", project, ANALYSES[command])  # the new file is written
    assert saved.read_bytes() == before  # the last analysis, whole, and still the sweep's own
    assert sweep_folder_problems(project / "out") == []

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(sim.io, "fsync_path", full)
        code, output = parley(*ANALYSES[command])
    assert code == 2 and "disk is full" in output
    assert saved.read_bytes() == before
    load = load_discovery if command == "discover" else load_sensitivity
    report = load(project / "out")
    assert report is not None and report.sweep == sweep_stamp(load_results(project / "out"))
    assert parley(*small, "--resume")[0] == 0  # the next sweep command tidies the folder
    assert not list((project / "out").glob(".*.tmp"))


# --- a full disk ---------------------------------------------------------------------------


def _enospc(after: int) -> Callable[..., object]:
    calls = {"n": 0}

    def fail(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] > after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(args[-1]))
        return original(*args, **kwargs)

    return fail


@pytest.mark.parametrize(
    ("where", "after"),
    [
        ("chunks", 3),  # the fourth of six chunks finds the disk full
        ("merge", 0),  # the merge finds the disk full
        ("manifest", 1),  # the final manifest finds the disk full
    ],
)
def test_a_full_disk_keeps_finished_chunks_and_resume_completes(
    project: Path, reference: str, monkeypatch: pytest.MonkeyPatch, where: str, after: int
) -> None:
    global original
    module = sim.sweep.chunks.PARTS if where == "chunks" else sim.sweep.run
    name = {"chunks": "write", "merge": "merge_parts", "manifest": "write_json_atomic"}[where]
    original = getattr(module, name)
    with monkeypatch.context() as patch:
        patch.setattr(module, name, _enospc(after))
        code, output = parley(*SWEEP)
    assert code == 2
    assert "disk is full" in output and "--resume" in output
    assert len(output.strip().splitlines()) == 1
    out = project / "out"
    if where == "chunks":
        assert len(list((out / "parts").glob("cell*.arrows"))) == after
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    assert_resumes_to(reference, out)


original: Callable[..., object]


def test_an_enospc_inside_the_real_merge_removes_its_temporary_file(
    project: Path, reference: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.parquet as pq

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(pq.ParquetWriter, "write_table", full)
        code, output = parley(*SWEEP)
    assert code == 2 and "disk is full" in output
    assert not list((project / "out").glob(".*.tmp"))
    assert_resumes_to(reference, project / "out")


def test_a_part_that_fails_to_become_durable_is_reported_and_resumed(
    project: Path, reference: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts are made durable (fsync, rename) in a thread while the next chunk runs: an error
    there (the disk full at the fsync) reaches the sweep at the next part or at the end, the
    part is not left in place half-written, and --resume completes the sweep."""
    global original
    original = sim.sweep.parts.commit
    with monkeypatch.context() as patch:
        patch.setattr(sim.sweep.parts, "commit", _enospc(2))
        code, output = parley(*SWEEP)
    assert code == 2
    assert "disk is full" in output and "--resume" in output
    out = project / "out"
    assert len(list((out / "parts").glob("cell*.arrows"))) == 2
    assert not list((out / "parts").glob(".*.tmp"))
    assert_resumes_to(reference, out)


def test_a_part_missing_at_the_merge_is_reported_and_resumed(
    project: Path, reference: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pool worker that cannot make its last part durable leaves the part missing (nobody is
    left to re-raise the error): the sweep says so before it merges, and --resume computes it."""
    run_here = sim.sweep.run._run_here

    def lose_one(tasks: list[object], *args: object) -> None:
        run_here(tasks, *args)  # type: ignore[arg-type]
        next((project / "out" / "parts").glob("cell*.arrows")).unlink()

    with monkeypatch.context() as patch:
        patch.setattr(sim.sweep.run, "_run_here", lose_one)
        code, output = parley(*SWEEP)
    assert code == 2
    assert "did not reach the disk" in output and "--resume" in output
    assert len(output.strip().splitlines()) == 1
    assert_resumes_to(reference, project / "out")


def test_a_pool_worker_finishes_its_last_part_as_it_exits(tmp_path: Path) -> None:
    """The thread that makes a part durable is not a daemon: a worker that returns at once and
    is then shut down still leaves every part whole and in place."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    paths = [tmp_path / f"cell00000-chunk{i:07d}.arrows" for i in range(4)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        assert list(pool.map(_write_in_background, paths)) == [None] * 4
    for index, path in enumerate(paths):
        assert pa.ipc.open_stream(path.read_bytes()).read_all().equals(_rows(index))
    assert not list(tmp_path.glob(".*.tmp"))


def _rows(index: int) -> pa.Table:
    return pa.table({"world": pa.array(range(index, index + 1000), type=pa.int64())})


def _write_in_background(path: Path) -> None:
    from sim.sweep.parts import BackgroundParts

    BackgroundParts().write(_rows(int(path.stem[-7:])), path)  # no wait(): the exit waits


# --- resume across a code change -----------------------------------------------------------


def test_resume_refuses_a_sweep_started_by_other_code(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    global original
    original = sim.sweep.run.merge_parts
    with monkeypatch.context() as patch:
        patch.setattr(sim.sweep.run, "merge_parts", _enospc(-1))
        assert parley(*SWEEP)[0] == 2
    monkeypatch.setattr(sim.sweep.manifest, "code_hash", lambda: "0" * 64)
    code, output = parley(*SWEEP, "--resume")
    assert code == 2
    assert "the model's code changed" in output


# --- what Parley writes --------------------------------------------------------------------


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_atomic_writes_follow_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    previous = os.umask(umask)
    try:
        path = write_text(tmp_path / "file.txt", "text")
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == mode
    assert path.read_text() == "text"
    assert [p.name for p in tmp_path.iterdir()] == ["file.txt"]
