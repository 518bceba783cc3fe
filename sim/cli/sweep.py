"""``parley sweep``: run an experiment's Monte Carlo sweep and summarise every cell."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import click

from sim import interrupts
from sim.cli.common import Choice, fail, out_option, whole_number_option
from sim.cli.compiling import announce_cold_workers
from sim.cli.completion import complete_experiments
from sim.scenario.limits import MAX_CHUNK_SIZE, MAX_RUNS, MAX_WORKERS


@click.command("sweep")
@click.argument("experiment", metavar="EXPERIMENT", shell_complete=complete_experiments)
@whole_number_option("--runs", 1, MAX_RUNS, "Worlds per cell, instead of the file's 'runs'.")
@click.option(
    "--design",
    type=Choice(["monte-carlo", "latin", "sobol", "morris"]),
    default=None,
    help="How the worlds cover the priors, instead of the file's 'design' (sobol and morris "
    "are the designs of `parley sensitivity --method sobol|morris`).",
)
@whole_number_option(
    "--workers",
    1,
    MAX_WORKERS,
    "Worker processes.  [default: all cores; for dask, the local cluster's size]",
)
@click.option(
    "--backend",
    type=Choice(["local", "dask"]),
    default="local",
    help="local: a process pool on this machine; dask: dask.distributed (a LocalCluster, or "
    "the cluster at --scheduler).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="A dask scheduler address, e.g. tcp://10.0.0.5:8786 (implies --backend dask).",
)
@whole_number_option(
    "--chunk-size",
    1,
    MAX_CHUNK_SIZE,
    "Worlds per chunk (one vectorised batch).  Results do not depend on it.  "
    "[default: up to 25,000, so that every worker gets several chunks]",
)
@out_option("the results folder", "results/<experiment name>")
@click.option(
    "--resume",
    is_flag=True,
    default=False,
    help="Finish an interrupted sweep in --out: run only the chunks that are missing.",
)
@click.option(
    "--force",
    is_flag=True,
    default=False,
    help="Start again even if --out holds an unfinished sweep (its parts are deleted).",
)
@click.option("--json", "as_json", is_flag=True, default=False, help="Print the summary as JSON.")
def command(
    experiment: str,
    runs: int | None,
    design: str | None,
    workers: int | None,
    backend: str,
    scheduler: str | None,
    chunk_size: int | None,
    out: Path | None,
    resume: bool,
    force: bool,
    as_json: bool,
) -> None:
    """Run the Monte Carlo sweep of EXPERIMENT (an experiment YAML file, or the name of one in
    ./experiments or the shipped library, as `parley list` shows).

    Every cell (scenario x factor values) runs the same worlds 0..runs-1; each world samples the
    experiment's uncertain parameters from its own counter-based random streams, so results are
    identical whatever the workers, chunk size or backend, and equal across cells for the same
    world (common random numbers).  Writes <out>/runs.parquet (one row per world: cell, world,
    param.* columns and the outcome record), <out>/rounds.parquet (each round's distributions,
    for `parley plot --kind fan`) and <out>/manifest.json, then prints each cell's
    P(agreement) with its 95% interval, agreed terms and gains.  Interrupted?  Run the same
    command again with --resume.  Exit status 2 for bad input.
    """
    from sim.analysis.summaries import format_summary
    from sim.analysis.sweep_summary import summarize_sweep
    from sim.core.records import ROUNDS_FILE
    from sim.errors import InputError, OverrideError, SweepError, SweepInterrupted
    from sim.experiment.loader import load_experiment
    from sim.sweep.run import run_sweep

    try:
        loaded = load_experiment(experiment)
    except InputError as error:
        fail(error.format())
    if runs is not None:
        loaded = loaded.with_runs(runs)
    if design is not None:
        loaded = loaded.with_design(design)  # type: ignore[arg-type]
    out_dir = out if out is not None else Path("results") / loaded.name
    chosen_backend = "dask" if scheduler else backend
    progress = not as_json and sys.stderr.isatty()
    if progress and chosen_backend == "local":
        announce_cold_workers()
    try:
        result = run_sweep(
            loaded,
            out_dir,
            workers=workers,
            backend=chosen_backend,  # type: ignore[arg-type]
            scheduler=scheduler,
            chunk_size=chunk_size,
            resume=resume,
            force=force,
            progress=progress,
            on_dashboard=lambda link: click.echo(f"Dask dashboard: {link}", err=True),
        )
    except (SweepInterrupted, KeyboardInterrupt):
        interrupts.tell(
            f"interrupted: finished chunks are kept in {out_dir}; run the same command with "
            "--resume to finish"
        )
        sys.exit(interrupts.EXIT_STATUS)
    except (SweepError, OverrideError) as error:  # OverrideError: a sampled world out of bounds
        fail(f"parley sweep: {error}")

    summaries = summarize_sweep(result.out)
    if as_json:
        payload: dict[str, Any] = {
            "experiment": loaded.name,
            "out": str(result.out),
            "runs": str(result.runs_path),
            "manifest": str(result.manifest_path),
            "rounds": str(result.out / ROUNDS_FILE),
            "n_worlds": result.n_worlds,
            "chunks_run": result.chunks_run,
            "chunks_total": result.chunks_total,
            "seconds": round(result.seconds, 3),
            "summary": summaries,
        }
        click.echo(json.dumps(payload, indent=2))
        return
    if loaded.description:
        click.echo(textwrap.fill(f"{loaded.name}: {loaded.description}", width=100) + "\n")
    click.echo(format_summary(summaries))
    click.echo(f"\n{_what_ran(result)}; results in {result.runs_path} and {result.manifest_path}")


def _what_ran(result: Any) -> str:
    if result.chunks_run == 0:
        return "already complete"
    if result.chunks_run < result.chunks_total:
        return (
            f"resumed: ran the {result.chunks_run} missing of {result.chunks_total} chunks "
            f"in {result.seconds:.1f} s"
        )
    rate = result.n_worlds / result.seconds if result.seconds > 0 else float("nan")
    return f"{result.n_worlds:,} worlds in {result.seconds:.1f} s ({rate:,.0f}/s)"
