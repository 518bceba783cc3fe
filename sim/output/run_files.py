"""The files of one run: its record (JSON), trajectory (CSV) and trajectory figure (PNG)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_run_outputs(run: Any, out: Path, *, title: str | None = None) -> list[Path]:
    """Write ``record.json``, ``trajectory.csv`` and ``trajectory.png`` into ``out`` atomically,
    and ``implementation.csv`` when a deal went through an implementation phase."""
    import pandas as pd

    from sim.io import atomic_path, write_text
    from sim.output.figures.trajectory import trajectory_figure

    out.mkdir(parents=True, exist_ok=True)
    record_path = write_text(out / "record.json", json.dumps(run.record, indent=2) + "\n")
    csv_path = out / "trajectory.csv"
    with atomic_path(csv_path) as temporary:
        pd.DataFrame(run.trajectory).to_csv(temporary, index=False)
    written = [record_path, csv_path]
    periods = getattr(run, "implementation", [])
    if periods:
        phase_path = out / "implementation.csv"
        with atomic_path(phase_path) as temporary:
            pd.DataFrame(periods).to_csv(temporary, index=False)
        written.append(phase_path)
    png_path = out / "trajectory.png"
    figure = trajectory_figure(
        run.trajectory, run.scenario, record=run.record, title=title, implementation=periods
    )
    with atomic_path(png_path) as temporary:
        figure.savefig(temporary, format="png", dpi=120)
    return [*written, png_path]
