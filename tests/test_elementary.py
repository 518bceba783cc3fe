"""The elementary functions the model computes with: accurate, exact where they must be, and the
same bits whatever numpy's CPU dispatch (the model's records across simulated CPUs)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim import elementary

REPO = Path(__file__).resolve().parents[1]


def ulps(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """How many floats lie between got and want (0 where equal or both NaN)."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)

    def ordered(values: np.ndarray) -> np.ndarray:
        bits = values.view(np.int64)
        return np.where(bits < 0, np.int64(-(2**63)) - bits, bits)

    same = (got == want) | (np.isnan(got) & np.isnan(want))
    return np.where(same, 0, np.abs(ordered(got) - ordered(want)))


RNG = np.random.default_rng(20261202)
N = 60_000


def _libm(function: object, *columns: np.ndarray) -> np.ndarray:
    return np.array([function(*values) for values in zip(*columns, strict=True)])  # type: ignore[operator]


@pytest.mark.parametrize(
    ("name", "reference", "arguments", "bound"),
    [
        ("exp", math.exp, (RNG.uniform(-745.0, 709.7, N),), 1),
        ("exp", math.exp, (RNG.uniform(-1e-6, 1e-6, N),), 1),
        ("log", math.log, (np.exp(RNG.uniform(-700.0, 700.0, N)),), 1),
        ("log", math.log, (1.0 + RNG.uniform(-1e-6, 1e-6, N),), 1),
        ("log", math.log, (RNG.uniform(1e-320, 1e-308, 2_000),), 1),
        ("log1p", math.log1p, (RNG.uniform(-1.0, 1.0, N),), 2),
        ("log1p", math.log1p, (RNG.uniform(-1e-9, 1e-9, N),), 2),
        ("log1p", math.log1p, (np.exp(RNG.uniform(-1.0, 700.0, N)),), 2),
        ("expm1", math.expm1, (RNG.uniform(-40.0, 709.7, N),), 2),
        ("expm1", math.expm1, (RNG.uniform(-0.5, 0.5, N),), 2),
        ("expm1", math.expm1, (RNG.uniform(-1e-9, 1e-9, N),), 2),
        ("power", math.pow, (RNG.uniform(0.0, 1.0, N), RNG.uniform(0.05, 8.0, N)), 2),
        ("power", math.pow, (RNG.uniform(0.0, 3.0, N), RNG.uniform(-6.0, 6.0, N)), 2),
        ("power", math.pow, (np.exp(RNG.uniform(-300, 300, N)), RNG.uniform(-2.0, 2.0, N)), 2),
    ],
)
def test_within_a_few_units_in_the_last_place_of_the_c_library(
    name: str, reference: object, arguments: tuple[np.ndarray, ...], bound: int
) -> None:
    got = getattr(elementary, name)(*arguments)
    assert int(ulps(got, _libm(reference, *arguments)).max()) <= bound


def test_cos_two_pi_against_an_exactly_reduced_reference() -> None:
    u = np.concatenate([RNG.integers(0, 2**53, N) / 2.0**53, RNG.uniform(-3.0, 3.0, N)])
    pi = np.longdouble("3.14159265358979323846264338327950288")
    exact = np.cos(2 * pi * (u.astype(np.longdouble) - np.floor(u.astype(np.longdouble))))
    got = elementary.cos_two_pi(u)
    assert float(np.max(np.abs(got - exact.astype(np.float64)))) <= 2.0**-52
    away = np.abs(exact) > 1e-3  # relative accuracy away from the zeros
    assert int(ulps(got[away], exact[away].astype(np.float64)).max()) <= 2
    quarters = np.array([0.0, 0.25, 0.5, 0.75, 1.0, -0.5])
    assert elementary.cos_two_pi(quarters).tolist() == [1.0, 0.0, -1.0, 0.0, 1.0, -1.0]


INF, NAN = math.inf, math.nan


@pytest.mark.parametrize(
    ("name", "argument", "expected"),
    [
        ("exp", 0.0, 1.0),
        ("exp", 1.0, math.e),
        ("exp", 709.78, math.exp(709.78)),
        ("exp", 710.0, INF),
        ("exp", -745.0, 5e-324),
        ("exp", -746.0, 0.0),
        ("exp", INF, INF),
        ("exp", -INF, 0.0),
        ("exp", NAN, NAN),
        ("log", 1.0, 0.0),
        ("log", 0.0, -INF),
        ("log", -1.0, NAN),
        ("log", INF, INF),
        ("log", 5e-324, math.log(5e-324)),
        ("log", NAN, NAN),
        ("log1p", 0.0, 0.0),
        ("log1p", -1.0, -INF),
        ("log1p", -2.0, NAN),
        ("log1p", 1e-300, 1e-300),
        ("log1p", INF, INF),
        ("expm1", 0.0, 0.0),
        ("expm1", 1e-300, 1e-300),
        ("expm1", -50.0, -1.0),
        ("expm1", 710.0, INF),
        ("expm1", NAN, NAN),
    ],
)
def test_special_values(name: str, argument: float, expected: float) -> None:
    got = float(getattr(elementary, name)(argument))
    assert got == expected or (math.isnan(got) and math.isnan(expected))


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        (0.3, 0.0, 1.0),
        (NAN, 0.0, 1.0),
        (1.0, NAN, 1.0),
        (0.0, 2.5, 0.0),
        (0.0, -1.0, INF),
        (-0.0, -3.0, -INF),
        (-2.0, 3.0, -8.0),
        (-2.0, 2.0, 4.0),
        (-8.0, 1.0 / 3.0, NAN),
        (INF, -1.0, 0.0),
        (INF, 0.5, INF),
        (0.5, INF, 0.0),
        (2.0, INF, INF),
        (2.0, -INF, 0.0),
        (9.0, 0.5, 3.0),
        (0.1, 2.0, 0.1 * 0.1),
        (10.0, 400.0, INF),
        (10.0, -400.0, 0.0),
    ],
)
def test_power_special_values(x: float, y: float, expected: float) -> None:
    got = float(elementary.power(x, y))
    assert got == expected or (math.isnan(got) and math.isnan(expected))


def test_squares_are_exact_products() -> None:
    x = RNG.uniform(-3.0, 3.0, N)
    assert np.array_equal(elementary.power(x, 2.0), x * x)


def test_shapes_scalars_broadcasting_and_out() -> None:
    assert isinstance(elementary.exp(0.5), np.float64)
    grid = RNG.uniform(0.0, 1.0, (3, 4, 5))
    strided = grid[:, ::2, :]
    assert np.array_equal(elementary.log(strided), elementary.log(strided.copy()))
    exponents = np.array([0.5, 1.5, 2.5, 3.5, 4.5])
    assert elementary.power(grid, exponents).shape == grid.shape
    assert np.array_equal(
        elementary.power(grid, exponents)[1, 2], elementary.power(grid[1, 2], exponents)
    )
    z = grid.copy()
    assert elementary.exp(z, out=z) is z
    assert np.array_equal(z, elementary.exp(grid))
    columns = np.zeros((5, 4, 3)).transpose(2, 1, 0)  # a strided out
    assert elementary.exp(grid, out=columns) is columns
    assert np.array_equal(columns, elementary.exp(grid))


WORKLOAD = """
import hashlib, json, sys
import numpy as np
sys.path.insert(0, {repo!r})
from sim.core.runner import run_batch
from sim.experiment.loader import load_experiment
from sim.experiment.sampling import sample
from sim.scenario.loader import load_scenario

digest = hashlib.sha256()
def add(columns):
    for name in sorted(columns):
        values = np.asarray(columns[name])
        digest.update(name.encode())
        digest.update(repr(values.tolist()).encode() if values.dtype.kind in "OU" else values.tobytes())

experiment = load_experiment({experiment!r}).with_runs(300)
cell = experiment.cells[0]
worlds = np.arange(300, dtype=np.int64)
parameters = sample(cell.parameters, experiment.seed, worlds)
add(parameters)
add(run_batch(cell.scenario, worlds, seed=experiment.seed, overrides=parameters))
add(run_batch(load_scenario({scenario!r}), worlds, seed=7))
print(json.dumps(digest.hexdigest()))
"""


def _records_digest(environment: dict[str, str]) -> str:
    """The hash of a small batch's parameters and records, computed in a fresh process."""
    code = WORKLOAD.format(
        repo=str(REPO),
        experiment=str(REPO / "experiments" / "baseline-uncertainty.yaml"),
        scenario=str(REPO / "scenarios" / "alaska-summit.yaml"),
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    digest: str = json.loads(done.stdout.strip().splitlines()[-1])
    return digest


def _dispatched_features() -> list[str]:
    """numpy's optional CPU features that this machine has (numpy's own, private registry)."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:  # pragma: no cover - another numpy layout
        return []
    return [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]


def test_a_world_has_the_same_bits_whatever_simd_numpy_uses() -> None:
    """numpy picks its loops by CPU (AVX-512 paths of exp, log, power ... differ in the last bit):
    emulate machines without the newest features, and without any optional one, by switching
    them off (and OpenBLAS's kernels with them); the sampled parameters and every record of the
    baseline experiment and the shipped scenario must not move by a bit."""
    features = _dispatched_features()
    if not features:
        pytest.skip("this CPU has no optional SIMD features for numpy to dispatch to")
    newest = [name for name in features if name.startswith(("AVX512", "X86_V4"))]
    machines = [{"NPY_DISABLE_CPU_FEATURES": " ".join(features), "OPENBLAS_CORETYPE": "Prescott"}]
    if newest and len(newest) < len(features):
        machines.append(
            {"NPY_DISABLE_CPU_FEATURES": " ".join(newest), "OPENBLAS_CORETYPE": "Haswell"}
        )
    here = _records_digest({})
    for machine in machines:
        assert _records_digest(machine) == here, machine


def test_kernels_that_inline_the_functions_are_recompiled_after_an_edit(tmp_path: Path) -> None:
    """numba's cache of a kernel follows its own file only: a file inlining these functions that
    is older than them is given their time (numba then recompiles it); newer ones, missing
    ones and the rest are left alone."""
    from sim.elementary_kernel import refresh_dependents

    source, older, newer = (tmp_path / name for name in ("kernel.py", "older.py", "newer.py"))
    for path in (source, older, newer):
        path.write_text("")
    os.utime(older, ns=(1_000_000_000, 1_000_000_000))
    os.utime(source, ns=(2_000_000_000, 2_000_000_000))
    os.utime(newer, ns=(3_000_000_000, 3_000_000_000))
    assert refresh_dependents(source, [older, newer, tmp_path / "missing.py"]) == [older]
    assert older.stat().st_mtime_ns == 2_000_000_000
    assert newer.stat().st_mtime_ns == 3_000_000_000
    assert refresh_dependents(source, [older, newer]) == []


def test_every_module_that_inlines_the_functions_is_refreshed() -> None:
    from sim import elementary_kernel

    sim = REPO / "sim"
    inlining = {
        str(path.relative_to(sim))
        for path in sim.rglob("*.py")
        if "elementary_kernel" in path.read_text(encoding="utf-8")
        and path.name not in ("elementary_kernel.py", "elementary.py")
    }
    assert inlining == set(elementary_kernel.DEPENDENTS)


def test_the_functions_are_inlined_into_a_kernel_without_compiling_on_their_own() -> None:
    """Inlined before type inference, none of the functions is compiled by itself when a kernel
    that calls them compiles (inlined after typing, each was compiled whole first: 12.9 s of a
    fresh install's CPU for the six loops, against 2.1 s)."""
    import numba
    import numba.core.dispatcher as dispatcher

    from sim import elementary_kernel

    compiled: list[str] = []
    original = dispatcher.Dispatcher.compile

    def recording(self: Any, signature: Any) -> Any:
        compiled.append(self.py_func.__module__)
        return original(self, signature)

    def loop(x: np.ndarray, y: np.ndarray, out: np.ndarray) -> None:
        for i in range(x.size):
            out[i] = elementary_kernel.power(x[i], y[i]) + elementary_kernel.cos_two_pi(y[i])

    x, y = np.linspace(0.5, 2.0, 7), np.linspace(-1.0, 3.0, 7)
    out = np.empty(7)
    dispatcher.Dispatcher.compile = recording
    try:
        numba.njit(cache=False, error_model="numpy")(loop)(x, y, out)
    finally:
        dispatcher.Dispatcher.compile = original
    assert compiled and "sim.elementary_kernel" not in compiled
    np.testing.assert_array_equal(out, elementary.power(x, y) + elementary.cos_two_pi(y))


def test_power_of_broadcast_operands_warns_of_nothing() -> None:
    """In a fresh process (numba's type cache empty), power of operands of other shapes raises
    no warning: numba reads whether its arrays are writeable, and a view of
    ``np.broadcast_arrays`` warns when asked; a size-1 one is contiguous, so it reached numba as
    it was (``parley run`` of a one-world scenario under ``-W error`` failed on 0.5.0)."""
    code = (
        "import numpy as np\n"
        "from sim import elementary\n"
        "cases = [(np.array(0.5), np.full(1, 2.5)), (np.full(1, 0.5), np.array(2.5)),\n"
        "         (np.linspace(0.1, 1.0, 5), np.full(1, 0.5)), (np.full(5, 0.5), np.full(5, 3.0))]\n"
        "for base, exponent in cases:\n"
        "    got = elementary.power(base, exponent)\n"
        "    assert got.shape == np.broadcast_shapes(base.shape, exponent.shape)\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
