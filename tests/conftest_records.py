"""Synthetic result records and results folders for the analysis, plot, report and compare tests.

The numbers are made up (no model runs): a known share of worlds agree, agreed terms follow a
known distribution, and agreement depends on a sampled parameter so the drivers have a signal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ISSUES = {
    "territory": ("Ukraine keeps all occupied land", "Russia keeps all claimed land", 0.6),
    "neutrality": ("Ukraine free to join NATO", "permanent neutrality", 0.3),
    "rearmament": ("no limits on Ukraine's forces", "Ukraine may not rearm", 0.1),
    "sanctions": ("all sanctions stay", "all sanctions lifted", 0.0),
}
ACTORS = {
    "russia": {"territory": 1.0, "neutrality": 1.0, "rearmament": 0.9, "sanctions": 1.0},
    "us": {"territory": 0.6, "neutrality": 0.7, "rearmament": 0.4, "sanctions": 0.5},
    "ukraine": {"territory": 0.0, "neutrality": 0.0, "rearmament": 0.0, "sanctions": 0.0},
    "nato": {"territory": 0.2, "neutrality": 0.2, "rearmament": 0.1, "sanctions": 0.1},
}


def scenario_dict(name: str = "alaska-test", issues: list[str] | None = None) -> dict[str, Any]:
    """A valid resolved scenario (as ``Scenario.model_dump()`` would give) with evidence."""
    chosen = issues or list(ISSUES)
    salience = {issue: 1.0 / len(chosen) for issue in chosen}
    return {
        "name": name,
        "description": "Synthetic four-party test scenario",
        "issues": {
            issue: {
                "description": f"the {issue} question",
                "low": ISSUES[issue][0],
                "high": ISSUES[issue][1],
                "status_quo": ISSUES[issue][2],
                "evidence": {"status_quo": f"Article says {issue} stands at the front line"},
            }
            for issue in chosen
        },
        "actors": {
            actor: {
                "name": actor.upper(),
                "capability": 1.0,
                "position": {issue: position[issue] for issue in chosen},
                "salience": dict(salience),
                "war_cost": 0.1,
                "evidence": {"position.territory": f"{actor} demands <stated> & more"},
            }
            for actor, position in ACTORS.items()
        },
        "protocol": {"kind": "random-proposer", "max_rounds": 20, "breakdown_probability": 0.02},
        "seed": 7,
    }


def make_records(
    n: int,
    *,
    cell: int = 0,
    p_agree: float = 0.6,
    term_center: float = 0.5,
    seed: int = 0,
    issues: list[str] | None = None,
    with_params: bool = True,
    max_rounds: int = 20,
) -> pd.DataFrame:
    """``n`` synthetic records of one cell; agreement is likelier when ``war_cost`` is high."""
    rng = np.random.default_rng(seed)
    chosen = issues or list(ISSUES)
    war_cost = rng.uniform(0.0, 0.4, n)
    # P(agree | war_cost) rises linearly with war_cost; mean over the uniform draw is p_agree.
    p_world = np.clip(p_agree + (war_cost - 0.2) * 1.5, 0.0, 1.0)
    agreed = rng.uniform(size=n) < p_world
    rounds = np.where(agreed, rng.integers(1, max_rounds + 1, n), max_rounds)
    breakdown = ~agreed & (rng.uniform(size=n) < 0.5)
    rounds = np.where(breakdown, rng.integers(1, max_rounds + 1, n), rounds)
    end_reason = np.where(agreed, "agreement", np.where(breakdown, "breakdown", "deadline"))
    columns: dict[str, Any] = {
        "world": np.arange(n, dtype=np.int64),
        "seed": np.full(n, 7, dtype=np.int64),
        "agreed": agreed,
        "end_reason": end_reason.astype(object),
        "round": rounds.astype(np.int64),
        "proposer": np.where(agreed, "us", "").astype(object),
    }
    for index, issue in enumerate(chosen):
        a = 2.0 + 8.0 * term_center + index
        b = 2.0 + 8.0 * (1.0 - term_center) + index
        terms = rng.beta(a, b, n)
        columns[f"term.{issue}"] = np.where(agreed, terms, np.nan)
    for index, actor in enumerate(ACTORS):
        reservation = np.full(n, 0.4 + 0.05 * index)
        utility = np.where(
            agreed, reservation + rng.normal(0.1 - 0.05 * index, 0.05, n), reservation
        )
        columns[f"utility.{actor}"] = utility
        columns[f"reservation.{actor}"] = reservation
        columns[f"gain.{actor}"] = utility - reservation
    if with_params:
        columns["param.actors.russia.war_cost"] = war_cost
        columns["param.protocol.breakdown_probability"] = rng.uniform(0.0, 0.05, n)
    columns["cell"] = np.full(n, cell, dtype=np.int64)
    columns["extra_column_from_the_future"] = np.zeros(n)
    return pd.DataFrame(columns)


def write_results(
    directory: Path,
    cells: list[dict[str, Any]],
    *,
    name: str = "test-sweep",
    description: str = "Does raising Russia's war cost make a deal likelier?",
    scenarios: dict[str, dict[str, Any]] | None = None,
) -> Path:
    """Write ``runs.parquet`` + ``manifest.json`` for cells given as ``make_records`` kwargs.

    Each cell dict may carry ``scenario`` (name) and ``factors``; the rest goes to
    :func:`make_records`.
    """
    directory.mkdir(parents=True, exist_ok=True)
    scenarios = scenarios or {"alaska-test": scenario_dict()}
    frames = []
    manifest_cells = []
    for index, spec in enumerate(cells):
        spec = dict(spec)
        scenario = spec.pop("scenario", next(iter(scenarios)))
        factors = spec.pop("factors", {})
        frames.append(make_records(cell=index, seed=100 + index, **spec))
        manifest_cells.append({"cell": index, "scenario": scenario, "factors": factors})
    runs = pd.concat(frames, ignore_index=True)
    runs.to_parquet(directory / "runs.parquet", index=False)
    manifest = {
        "parley_version": "0.1.0",
        "git_commit": "0123456789abcdef0123456789abcdef01234567",
        "experiment": {
            "name": name,
            "description": description,
            "runs": int(len(runs) // max(1, len(cells))),
            "seed": 7,
            "uncertainty": {"actors.russia.war_cost": {"dist": "uniform", "low": 0.0, "high": 0.4}},
            "factors": {},
        },
        "scenarios": scenarios,
        "cells": manifest_cells,
        "seed": 7,
        "n_worlds": int(len(runs)),
        "timings": {
            "started": "2025-08-15T10:00:00+00:00",
            "finished": "2025-08-15T10:00:42+00:00",
            "seconds": 42.5,
        },
        "platform": {"python": "3.11.2", "machine": "x86_64"},
        "something_new": [1, 2, 3],
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return directory
