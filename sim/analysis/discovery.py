"""Scenario discovery: the regions of the uncertain inputs where the cases of interest happen.

- :func:`prim_box`: the Patient Rule Induction Method (Friedman & Fisher 1999) as used for
  scenario discovery (Bryant & Lempert 2010), by the ``prim`` package (the standalone PRIM of
  the EMA Workbench, Kwakkel 2017): the peeling trajectory (coverage against density), the
  chosen box's limits per input with their quasi-p-values (a one-sided binomial test of each
  restriction), and the box's coverage, density and mass.
- :func:`cart_tree`: a classification tree (Breiman et al. 1984; scikit-learn) as a second view
  of the same question, its leaves as rules.

The chosen box, unless one is asked for, has the highest weighted relative accuracy
``mass * (density - base rate)`` (the subgroup-discovery quality measure of Lavrač, Kavšek,
Flach & Todorovski 2004: how many more cases of interest the box holds than a random set of its
size) among the boxes on the trajectory that restrict at most ``MAX_RESTRICTED`` inputs -- a
box an analyst can read (Bryant & Lempert's interpretability criterion).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

BoolArray = NDArray[np.bool_]
PEEL_ALPHA = 0.05
MASS_MIN = 0.05
CART_DEPTH = 3
CART_MIN_LEAF = 0.02
"""Smallest leaf of the tree, as a share of the worlds."""
MAX_RESTRICTED = 3
SIGNIFICANT_QP = 0.05
"""A restriction with a quasi-p-value above this is not significant (Bryant & Lempert 2010)."""


class DiscoveryInputError(ValueError):
    """The data cannot give a box (no case of interest, or every world is one)."""


@dataclass(frozen=True)
class PrimResult:
    """PRIM's peeling trajectory and the chosen box."""

    trajectory: pd.DataFrame
    """One row per box on the trajectory: coverage, density, mass, restricted (dimensions)."""
    chosen: int
    limits: pd.DataFrame
    """The chosen box's restricted inputs (index): low, high, qp, data_low, data_high."""
    base_rate: float
    """The share of all worlds that are cases of interest."""
    n_worlds: int

    @property
    def coverage(self) -> float:
        """Share of the cases of interest inside the chosen box."""
        return float(self.trajectory["coverage"].iloc[self.chosen])

    @property
    def density(self) -> float:
        """Share of the worlds inside the chosen box that are cases of interest."""
        return float(self.trajectory["density"].iloc[self.chosen])

    @property
    def mass(self) -> float:
        """Share of all worlds inside the chosen box."""
        return float(self.trajectory["mass"].iloc[self.chosen])


def _check_cases(y: BoolArray) -> None:
    cases = int(np.count_nonzero(y))
    if cases == 0:
        raise DiscoveryInputError("no world meets the target: there is nothing to find a box for")
    if cases == y.size:
        raise DiscoveryInputError("every world meets the target: there is no region to single out")


def prim_box(
    x: pd.DataFrame,
    y: BoolArray,
    *,
    peel_alpha: float = PEEL_ALPHA,
    mass_min: float = MASS_MIN,
    box: int | None = None,
) -> PrimResult:
    """The first PRIM box for the cases of interest ``y`` over the inputs ``x`` (float columns).

    ``box`` picks a point of the peeling trajectory (default: the best F-score).
    """
    import prim

    cases = np.asarray(y, dtype=bool)
    _check_cases(cases)
    inputs = x.astype(np.float64).reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the package's pandas idioms warn on new pandas
        finder = prim.Prim(
            inputs, cases, peel_alpha=peel_alpha, paste_alpha=peel_alpha, mass_min=mass_min
        )
        found = finder.find_box()
        peeling = found.peeling_trajectory
        trajectory = pd.DataFrame(
            {
                "coverage": peeling["coverage"].astype(float).to_numpy(),
                "density": peeling["density"].astype(float).to_numpy(),
                "mass": peeling["mass"].astype(float).to_numpy(),
                "restricted": peeling["res dim"].astype(int).to_numpy(),
            }
        )
        if box is None:
            box = choose_box(trajectory, float(cases.mean()))
        if not 0 <= box < len(trajectory):
            raise DiscoveryInputError(
                f"no box {box} on the peeling trajectory; boxes are 0..{len(trajectory) - 1}"
            )
        found.select(box)
        limits = found.limits
    low = inputs.min()
    high = inputs.max()
    table = pd.DataFrame(
        {
            "low": limits["min"].astype(float),
            "high": limits["max"].astype(float),
            "qp": limits["qp values"].astype(float),
        }
    )
    table["data_low"] = [float(low[name]) for name in table.index]
    table["data_high"] = [float(high[name]) for name in table.index]
    return PrimResult(trajectory, box, table, float(cases.mean()), int(cases.size))


def choose_box(
    trajectory: pd.DataFrame, base_rate: float, *, max_restricted: int = MAX_RESTRICTED
) -> int:
    """The readable box with the highest weighted relative accuracy (module docstring)."""
    quality = (trajectory["mass"] * (trajectory["density"] - base_rate)).to_numpy()
    readable = (trajectory["restricted"] <= max_restricted).to_numpy()
    return int(np.where(readable, quality, -np.inf).argmax())


@dataclass(frozen=True)
class CartResult:
    """A classification tree of the cases of interest: its rules and its leaves."""

    text: str
    leaves: pd.DataFrame
    """One row per leaf: rule, worlds (share), density (share of cases of interest in it)."""
    accuracy: float


def cart_tree(
    x: pd.DataFrame,
    y: BoolArray,
    *,
    max_depth: int = CART_DEPTH,
    min_leaf: float = CART_MIN_LEAF,
) -> CartResult:
    """A depth-limited CART tree predicting ``y`` from ``x``; deterministic (random_state=0)."""
    from sklearn.tree import DecisionTreeClassifier, export_text

    cases = np.asarray(y, dtype=bool)
    _check_cases(cases)
    tree = DecisionTreeClassifier(
        max_depth=max_depth, min_samples_leaf=max(1, int(min_leaf * cases.size)), random_state=0
    )
    tree.fit(x.to_numpy(dtype=np.float64), cases)
    names = [str(c) for c in x.columns]
    text = export_text(tree, feature_names=names, show_weights=False, decimals=3)
    leaves = _leaves(tree, names, cases.size)
    return CartResult(text, leaves, float(tree.score(x.to_numpy(dtype=np.float64), cases)))


def _leaves(tree: object, names: list[str], n: int) -> pd.DataFrame:
    structure = tree.tree_  # type: ignore[attr-defined]
    rows: list[dict[str, object]] = []

    def walk(node: int, bounds: dict[str, tuple[float, float]]) -> None:
        left, right = structure.children_left[node], structure.children_right[node]
        if left == right:  # a leaf
            counts = structure.value[node][0]
            # Classes are (False, True); scikit-learn stores counts or fractions per node.
            share_true = float(counts[-1] / counts.sum()) if counts.sum() else 0.0
            rows.append(
                {
                    "rule": _rule(bounds),
                    "worlds": float(structure.n_node_samples[node] / n),
                    "density": share_true,
                }
            )
            return
        name, threshold = names[structure.feature[node]], float(structure.threshold[node])
        low, high = bounds.get(name, (-np.inf, np.inf))
        walk(left, {**bounds, name: (low, min(high, threshold))})
        walk(right, {**bounds, name: (max(low, threshold), high)})

    walk(0, {})
    return pd.DataFrame(rows).sort_values("density", ascending=False).reset_index(drop=True)


def _rule(bounds: dict[str, tuple[float, float]]) -> str:
    """A leaf's conditions, one per input: ``a > 0.3``, ``b <= 0.4``, ``0.3 < a <= 0.7``."""
    parts = []
    for name, (low, high) in bounds.items():
        if np.isfinite(low) and np.isfinite(high):
            parts.append(f"{low:.3g} < {name} <= {high:.3g}")
        elif np.isfinite(low):
            parts.append(f"{name} > {low:.3g}")
        else:
            parts.append(f"{name} <= {high:.3g}")
    return " and ".join(parts) or "all worlds"


def describe_box(result: PrimResult, target: str, labels: dict[str, str] | None = None) -> str:
    """The chosen box in words: "<target> in 83% of worlds where ..., which hold 31% of all"."""
    labels = labels or {}
    parts = []
    for name, row in result.limits.iterrows():
        label = labels.get(str(name), str(name))
        at_low = row["low"] <= row["data_low"]
        at_high = row["high"] >= row["data_high"]
        if at_low and not at_high:
            parts.append(f"{label} <= {row['high']:.3g}")
        elif at_high and not at_low:
            parts.append(f"{label} >= {row['low']:.3g}")
        else:
            parts.append(f"{row['low']:.3g} <= {label} <= {row['high']:.3g}")
    where = " and ".join(parts) if parts else "anywhere (no input restricted)"
    return (
        f"'{target}' holds in {result.density:.0%} of worlds where {where}, which hold "
        f"{result.mass:.0%} of all worlds and {result.coverage:.0%} of the worlds where it "
        f"holds (in {result.base_rate:.0%} of all worlds)"
    )


__all__ = [
    "CartResult",
    "DiscoveryInputError",
    "PrimResult",
    "cart_tree",
    "choose_box",
    "describe_box",
    "prim_box",
]
