"""A chunk's columns become Arrow arrays without pandas, the same as ``pyarrow.array`` makes."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

from sim.sweep.arrow_columns import arrow_array


def _stream(array: pa.Array) -> bytes:
    table = pa.table({"column": array})
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _reference(values: np.ndarray) -> pa.Array:
    """What the chunks used before (pyarrow's own conversion)."""
    if values.dtype.kind in "OU":
        return pa.array(values.tolist(), type=pa.string())
    return pa.array(values)


@pytest.mark.parametrize(
    "values",
    [
        np.array([1.5, np.nan, -0.0, np.inf]),
        np.arange(7, dtype=np.int64),
        np.arange(3, dtype=np.int32),
        np.array([1.0, 2.0], dtype=np.float32),
        np.array([True, False, True] * 7),
        np.array([], dtype=np.float64),
        np.array([], dtype=bool),
        np.array(["russia", "", "ß-ü"], dtype=object),
        np.array(["a", None, "bc", None], dtype=object),
        np.array(["x", "yy"]),
        np.array([3, 4], dtype=np.uint8),  # not built from buffers: pyarrow's own
        np.arange(10.0)[::2],  # not contiguous
    ],
)
def test_the_same_bytes_as_pyarrow_makes(values: np.ndarray) -> None:
    built = arrow_array(values)
    built.validate(full=True)
    assert built.type == _reference(values).type
    assert _stream(built) == _stream(_reference(values))


def test_text_columns_keep_their_nulls() -> None:
    built = arrow_array(np.array([None, "a", None], dtype=object))
    assert built.null_count == 2
    assert built.to_pylist() == [None, "a", None]


def test_a_chunk_is_tabulated_without_importing_pandas() -> None:
    """A sweep worker never needs pandas (its import is 0.13 s and 38 MB a worker)."""
    code = (
        "import sys\n"
        "from sim.scenario.discovery import library_dirs\n"
        "from sim.experiment.loader import load_experiment\n"
        "from sim.sweep.chunks import Chunk, ChunkTask, compute_chunk\n"
        "path = library_dirs('experiments')[0] / 'baseline-uncertainty.yaml'\n"
        "experiment = load_experiment(path).with_runs(50)\n"
        "cell = experiment.cells[0]\n"
        "task = ChunkTask(Chunk(0, 0, 0, 50), cell.scenario, cell.parameters, experiment.seed,\n"
        "                 None, cell.scenario_name, experiment.design, experiment.runs)\n"
        "table = compute_chunk(task)\n"
        "assert table.num_rows == 50\n"
        "assert 'pandas' not in sys.modules, 'pandas imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_text_over_two_gibibytes_is_left_to_pyarrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """A string array's offsets are 32-bit: past them pyarrow's own conversion splits the
    column (here the limit is lowered to 10 bytes to see it taken)."""
    import sim.sweep.arrow_columns as columns

    seen: list[object] = []
    monkeypatch.setattr(columns, "_MAX_OFFSET", 10)
    monkeypatch.setattr(columns.pa, "array", lambda items, **kw: seen.append(items) or "split")
    assert arrow_array(np.array(["abcd"] * 2, dtype=object)) != "split"
    assert arrow_array(np.array(["abcd"] * 3, dtype=object)) == "split"
    assert seen == [["abcd"] * 3]
