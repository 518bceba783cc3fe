"""Sweep parts on disk: one Arrow IPC file per chunk, merged in order into ``runs.parquet``."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim.core.records import PARAM
from sim.errors import SweepError
from sim.io import atomic_path, commit, temporary_beside, write_bytes

PARTS_DIR = "parts"
ROW_GROUP_SIZE = 65_536
FIRST_COLUMNS = ("cell", "scenario", "world")
_PART_NAME = re.compile(r"^cell(\d{5})-chunk(\d{7})\.arrows$")


def write_part(rows: bytes, path: Path) -> None:
    """Write one chunk's part file atomically from its Arrow IPC stream's bytes, as a dask worker
    sends them (a local worker streams its table into the file: :class:`BackgroundParts`).

    Parts are Arrow IPC streams (uncompressed): cheap to write, and read back by memory map
    without copies when they are merged.
    """
    write_bytes(path, rows)


def _write_stream(rows: pa.Table, path: Path) -> None:
    """The table as an Arrow IPC stream, straight into the file (no copy of the whole stream in
    memory): the bytes :func:`sim.sweep.chunks.run_chunk_to_bytes` sends."""
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, rows.schema) as writer:
        writer.write_table(rows)


class BackgroundParts:
    """Writes a process's part files, each streamed into a temporary file and made durable (its
    fsync, the rename, the folder's fsync) in a thread while the process computes its next chunk.

    The fsync waits on the disk (~10 ms for a 25,000-world part on the project's machine) with
    the core idle; in a thread it overlaps the next chunk.  A part is still never in its place
    before it is durable, so a part file that exists is always whole.  :meth:`write` first waits
    for the previous part (re-raising its error), :meth:`wait` for the last one.  A pool's worker
    need not call :meth:`wait`: the thread is not a daemon, so the worker's exit (the pool's
    shutdown) waits for it; an error of its last part leaves that part missing, which the sweep
    reports before it merges (:func:`missing_parts`).
    """

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def write(self, rows: pa.Table, path: Path) -> None:
        """Write ``rows`` to a temporary file beside ``path``; make it durable and move it to
        ``path`` in the background."""
        self.wait()
        temporary = temporary_beside(path)
        try:
            _write_stream(rows, temporary)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        self._thread = threading.Thread(
            target=self._seal, args=(temporary, path), name="parley-part", daemon=False
        )
        self._thread.start()

    def _seal(self, temporary: Path, path: Path) -> None:
        try:
            commit(temporary, path)
        except BaseException as error:  # re-raised by the next write or wait
            self._error = error
            temporary.unlink(missing_ok=True)

    def wait(self) -> None:
        """Return once the last part written is in its place; raise its error if it failed."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error


def missing_parts(part_paths: Iterable[Path]) -> list[Path]:
    """The part files not on disk (a worker failed to finish them)."""
    return [path for path in part_paths if not path.exists()]


def read_part(path: Path) -> pa.Table:
    """A part file's rows (memory-mapped)."""
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_stream(source).read_all()


def read_part_schema(path: Path) -> pa.Schema:
    """The Arrow schema of a part file, without reading its rows."""
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_stream(source).schema


# ---------------------------------------------------------------------------------------------
# Merging the parts


def merge_parts(
    part_paths: Sequence[Path], destination: Path, metadata: Mapping[str, str] | None = None
) -> int:
    """Concatenate part files (Arrow IPC streams), in order, into one Parquet file with
    ``metadata`` as its key-value metadata; returns the number of rows.

    Streams: holds one part and at most one row group at a time.  Columns missing from a part
    (cells whose scenarios have other actors or issues) are filled with nulls.  The row groups
    have a fixed size, so the file's bytes do not depend on how the rows were chunked.
    """
    schemas = [read_part_schema(path) for path in part_paths]
    schema = _union_schema(schemas)
    if metadata:
        schema = schema.with_metadata({**(schema.metadata or {}), **metadata})
    rows = 0
    # Dictionary-encode only the text columns: on float columns it costs three times the
    # writing time and makes the file bigger.  Min/max statistics only for the columns the rows
    # are sorted by: on any other column the 65,536 independent worlds of a row group span its
    # whole range, so a reader could never skip a group by them (a million worlds: 0.62 -> 0.51 s
    # of encoding).
    text_columns = [f.name for f in schema if pa.types.is_string(f.type)]
    sorted_columns = [name for name in FIRST_COLUMNS if name in schema.names]
    with (
        atomic_path(destination) as temporary,
        pq.ParquetWriter(
            temporary, schema, use_dictionary=text_columns, write_statistics=sorted_columns
        ) as writer,
    ):

        def write_group(group: pa.Table) -> None:
            # One contiguous row group: page layout (and so the bytes) independent of chunking.
            writer.write_table(group.combine_chunks(), row_group_size=ROW_GROUP_SIZE)

        pending: list[pa.Table] = []
        pending_rows = 0
        for path in part_paths:
            table = _conform(read_part(path), schema)
            pending.append(table)
            pending_rows += table.num_rows
            rows += table.num_rows
            if pending_rows >= ROW_GROUP_SIZE:
                buffered = pa.concat_tables(pending)  # zero-copy
                full = (buffered.num_rows // ROW_GROUP_SIZE) * ROW_GROUP_SIZE
                for offset in range(0, full, ROW_GROUP_SIZE):
                    write_group(buffered.slice(offset, ROW_GROUP_SIZE))
                rest = buffered.slice(full)
                pending, pending_rows = ([rest], rest.num_rows) if rest.num_rows else ([], 0)
        if pending_rows:
            write_group(pa.concat_tables(pending))
    return rows


def _union_schema(schemas: Iterable[pa.Schema]) -> pa.Schema:
    fields: dict[str, pa.Field] = {}
    for schema in schemas:
        for schema_field in schema:
            known = fields.get(schema_field.name)
            if known is None:
                fields[schema_field.name] = schema_field.with_nullable(True)
            elif known.type != schema_field.type:
                raise SweepError(
                    f"column {schema_field.name} has type {known.type} in one part and "
                    f"{schema_field.type} in another"
                )
    names = list(fields)
    ordered = (
        [n for n in FIRST_COLUMNS if n in fields]
        + [n for n in names if n.startswith(PARAM)]
        + [n for n in names if n not in FIRST_COLUMNS and not n.startswith(PARAM)]
    )
    return pa.schema([fields[n] for n in ordered])


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    present = set(table.column_names)  # a new list at every call of the property: taken once
    columns = [
        table.column(f.name) if f.name in present else pa.nulls(table.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)
