"""The files of one run: its record (JSON), trajectory (CSV) and trajectory figure (PNG)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any


def write_run_outputs(run: Any, out: Path, *, title: str | None = None) -> list[Path]:
    """Write ``record.json``, ``trajectory.csv`` and ``trajectory.png`` into ``out`` atomically,
    and ``implementation.csv`` when a deal went through an implementation phase (else remove a
    previous run's).  Every file is rendered before any replaces its old copy, so a failure
    leaves the previous run's files as they were, not a mix of two runs."""
    import pandas as pd

    from sim.io import atomic_path
    from sim.output.figures.trajectory import trajectory_figure

    out.mkdir(parents=True, exist_ok=True)
    periods = getattr(run, "implementation", [])
    names = ["record.json", "trajectory.csv", *(["implementation.csv"] if periods else [])]
    written = [out / name for name in [*names, "trajectory.png"]]
    with contextlib.ExitStack() as stack:
        record, trajectory, *phase, png = (stack.enter_context(atomic_path(p)) for p in written)
        record.write_text(json.dumps(run.record, indent=2) + "\n", encoding="utf-8")
        pd.DataFrame(run.trajectory).to_csv(trajectory, index=False)
        for temporary in phase:
            pd.DataFrame(periods).to_csv(temporary, index=False)
        figure = trajectory_figure(
            run.trajectory, run.scenario, record=run.record, title=title, implementation=periods
        )
        figure.savefig(png, format="png", dpi=120)
    if not periods:
        (out / "implementation.csv").unlink(missing_ok=True)
    return written
