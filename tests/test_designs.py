"""Designs (Latin, Saltelli/Sobol', Morris) and the sensitivity indices computed from them.

The pipeline -- design points, the priors' quantile functions, SALib's estimators -- is checked
with a known function plugged in where the model would be: the Ishigami function's analytic
Sobol' indices (Ishigami & Homma 1990; Sobol' & Levitan 1999), a factor the function does not
read, and a function of one factor alone.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.analysis.sensitivity import (
    CHANCE,
    SensitivityInputError,
    morris_indices,
    pawn_indices,
    pawn_threshold,
    sobol_indices,
)
from sim.core.fields import FieldRange, SampleableField
from sim.experiment.designs import (
    MORRIS_LEVELS,
    keyed_permutation,
    morris_grid,
    rows_per_block,
    unit_points,
)
from sim.experiment.priors import (
    Beta,
    Dirichlet,
    Normal,
    Triangular,
    Uniform,
)
from sim.experiment.quantiles import factors_of, sample_design
from sim.experiment.sampling import Parameter

PI = math.pi
# Ishigami with a = 7, b = 0.1 on U(-pi, pi)^3: V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2.
_A, _B = 7.0, 0.1
_V1 = 0.5 * (1 + _B * PI**4 / 5) ** 2
_V2 = _A**2 / 8
_V13 = _B**2 * PI**8 * (1 / 18 - 1 / 50)
_V = _V1 + _V2 + _V13
ISHIGAMI_S1 = {"x1": _V1 / _V, "x2": _V2 / _V, "x3": 0.0, "x4": 0.0}
ISHIGAMI_ST = {"x1": (_V1 + _V13) / _V, "x2": _V2 / _V, "x3": _V13 / _V, "x4": 0.0}


def scalar(path: str, prior: object, valid: FieldRange | None = None) -> Parameter:
    field = SampleableField(path, valid or FieldRange(-math.inf, math.inf), (0.5,))
    return Parameter.bind(path, prior, field)  # type: ignore[arg-type]


def uniform(path: str, low: float, high: float) -> Parameter:
    return scalar(path, Uniform(dist="uniform", low=low, high=high))


def ishigami(values: dict[str, np.ndarray]) -> np.ndarray:
    x1, x2, x3 = values["x1"], values["x2"], values["x3"]
    result: np.ndarray = np.sin(x1) + _A * np.sin(x2) ** 2 + _B * x3**4 * np.sin(x1)
    return result


ISHIGAMI = [uniform(f"x{i}", -PI, PI) for i in (1, 2, 3, 4)]  # x4 is never read


def test_ishigami_sobol_indices_within_their_intervals() -> None:
    factors = factors_of(ISHIGAMI)
    runs = rows_per_block("sobol", len(factors)) * 4096
    values = sample_design("sobol", ISHIGAMI, 11, runs, np.arange(runs))
    table = sobol_indices(ishigami(values), factors, seed=3).set_index("factor")
    for name in ("x1", "x2", "x3", "x4"):
        row = table.loc[name]
        # Each known value inside the 95% bootstrap interval (and the interval reasonably tight).
        assert abs(row["S1"] - ISHIGAMI_S1[name]) <= row["S1_conf"], (name, row.to_dict())
        assert abs(row["ST"] - ISHIGAMI_ST[name]) <= row["ST_conf"], (name, row.to_dict())
        assert row["S1_conf"] < 0.06 and row["ST_conf"] < 0.06
    # The factor the function does not read: total index ~ 0 within its interval, ranked last.
    assert abs(table.loc["x4", "ST"]) <= table.loc["x4", "ST_conf"] < 0.01
    assert list(table.index)[:2] == ["x1", "x2"]
    # The function has no randomness of its own: chance's indices are exactly zero.
    assert table.loc[CHANCE, "S1"] == 0.0 and table.loc[CHANCE, "ST"] == 0.0


def test_sobol_design_rows_follow_saltelli() -> None:
    factors = factors_of(ISHIGAMI[:3])
    u = unit_points("sobol", factors, 5, 60, np.arange(12))  # two blocks of G + 3 = 6
    a, b = u[0], u[5]
    assert np.all(a != b)
    for g in range(3):
        expected = a.copy()
        expected[g] = b[g]
        np.testing.assert_array_equal(u[1 + g], expected)
    np.testing.assert_array_equal(u[4], a)  # the chance row: A's inputs, B's draws of the model
    assert not np.array_equal(u[6], u[0])  # the next block starts from a new base point


def test_one_factor_function_ranks_it_first_in_every_method() -> None:
    params = [uniform("noise.a", 0, 1), uniform("decides", 0, 1), uniform("noise.b", 0, 1)]
    factors = factors_of(params)

    def outcome(values: dict[str, np.ndarray]) -> np.ndarray:
        return (values["decides"] > 0.4).astype(float)  # a deal iff one judgement call is high

    runs = rows_per_block("sobol", 3) * 2048
    sobol = sobol_indices(
        outcome(sample_design("sobol", params, 1, runs, np.arange(runs))), factors
    )
    assert sobol["factor"].iloc[0] == "decides"
    assert sobol.set_index("factor").loc["decides", "ST"] == pytest.approx(1.0, abs=0.05)
    noise = sobol.set_index("factor").loc[["noise.a", "noise.b"]]
    assert (noise["ST"].abs() <= noise["ST_conf"] + 1e-12).all()

    runs = rows_per_block("morris", 3) * 200
    worlds = np.arange(runs)
    y = outcome(sample_design("morris", params, 1, runs, worlds))
    grid = morris_grid((1, 1, 1), 1, runs)
    morris = morris_indices(grid, y, factors, levels=MORRIS_LEVELS)
    assert morris["factor"].iloc[0] == "decides"
    assert morris.set_index("factor").loc[["noise.a", "noise.b"], "mu_star"].max() == 0.0

    runs = 20_000
    values = sample_design("monte-carlo", params, 1, runs, np.arange(runs))
    x = np.stack([values[p.path] for p in params], axis=1)
    pawn = pawn_indices(x, outcome(values), factors)
    assert pawn["factor"].iloc[0] == "decides"
    table = pawn.set_index("factor")
    assert table.loc["decides", "median"] > 5 * table.loc["decides", "threshold"]
    assert (table.loc[["noise.a", "noise.b"], "maximum"] < pawn_threshold(runs)).all()


def test_dirichlet_table_is_one_group() -> None:
    field = SampleableField(
        "actors.a.salience", FieldRange(0, 1), (0.5, 0.3, 0.2), "salience", ("x", "y", "z")
    )
    table = Parameter.bind(
        "actors.a.salience", Dirichlet(dist="dirichlet", concentration=20), field
    )
    other = uniform("actors.a.war_cost", 0, 1)
    factors = factors_of([table, other])
    assert [(f.name, f.width) for f in factors] == [
        ("actors.a.salience", 3),
        ("actors.a.war_cost", 1),
    ]
    runs = rows_per_block("sobol", 2) * 1024
    values = sample_design("sobol", [table, other], 2, runs, np.arange(runs))
    np.testing.assert_allclose(values["actors.a.salience"].sum(axis=1), 1.0, atol=1e-12)
    # The table's lanes change together, in the rows where its group comes from B.
    u = unit_points("sobol", factors, 2, runs, np.arange(5))
    assert np.all(u[1, :3] == u[4, :3]) and np.all(u[1, 3] == u[0, 3])
    result = sobol_indices(values["actors.a.salience"][:, 0], factors)
    assert list(result["factor"]) == ["actors.a.salience", "actors.a.war_cost", CHANCE]


@pytest.mark.parametrize("design", ["latin", "sobol", "morris"])
def test_points_depend_only_on_seed_design_and_world(design: str) -> None:
    params = ISHIGAMI[:3]
    runs = 3000
    whole = sample_design(design, params, 9, runs, np.arange(runs))  # type: ignore[arg-type]
    for start, stop in [(0, 1), (17, 1234), (2999, 3000), (1500, 3000)]:
        part = sample_design(design, params, 9, runs, np.arange(start, stop))  # type: ignore[arg-type]
        for p in params:
            np.testing.assert_array_equal(part[p.path], whole[p.path][start:stop])
    other_seed = sample_design(design, params, 10, runs, np.arange(runs))  # type: ignore[arg-type]
    assert not np.array_equal(other_seed["x1"], whole["x1"])


def test_latin_hypercube_has_one_point_per_stratum() -> None:
    params = ISHIGAMI[:3]
    runs = 1000
    u = unit_points("latin", factors_of(params), 4, runs, np.arange(runs))
    assert np.all((u > 0) & (u < 1))
    for lane in range(3):
        np.testing.assert_array_equal(np.sort(np.floor(u[:, lane] * runs)), np.arange(runs))
    assert abs(np.corrcoef(u[:, 0], u[:, 1])[0, 1]) < 0.1  # lanes permuted independently


@pytest.mark.parametrize("n", [1, 2, 3, 7, 64, 1000, 4097])
def test_keyed_permutation_is_a_permutation(n: int) -> None:
    image = keyed_permutation(np.arange(n), n, key=12345)
    np.testing.assert_array_equal(np.sort(image), np.arange(n))
    if n > 16:
        assert not np.array_equal(image, np.arange(n))
        assert not np.array_equal(image, keyed_permutation(np.arange(n), n, key=54321))


@pytest.mark.parametrize(
    ("prior", "valid", "reference"),
    [
        (Uniform(dist="uniform", low=0.2, high=0.7), None, stats.uniform(0.2, 0.5)),
        (Triangular(dist="triangular", low=0, mode=0.2, high=1), None, stats.triang(0.2)),
        (Beta(dist="beta", mean=0.3, concentration=8), FieldRange(0, 1), stats.beta(2.4, 5.6)),
        (
            Normal(dist="normal", mean=0.1, sd=0.2),
            FieldRange(0, 1),
            stats.truncnorm(-0.5, 4.5, loc=0.1, scale=0.2),
        ),
    ],
)
def test_designed_draws_follow_the_prior(
    prior: object, valid: FieldRange | None, reference: object
) -> None:
    parameter = scalar("p", prior, valid)
    runs = 4000
    for design in ("latin", "sobol"):
        drawn = sample_design(design, [parameter], 3, runs, np.arange(runs))["p"]  # type: ignore[arg-type]
        # Stratified samples fit their distribution far better than the iid KS bound (0.021).
        assert stats.kstest(drawn, reference.cdf).statistic < 0.01  # type: ignore[attr-defined]


def test_dirichlet_quantiles_have_beta_marginals() -> None:
    field = SampleableField(
        "actors.a.salience", FieldRange(0, 1), (0.5, 0.3, 0.2), "salience", ("x", "y", "z")
    )
    table = Parameter.bind(
        "actors.a.salience", Dirichlet(dist="dirichlet", concentration=10), field
    )
    drawn = sample_design("latin", [table], 3, 4000, np.arange(4000))["actors.a.salience"]
    # Dirichlet(5, 3, 2): the first entry is Beta(5, 5).
    assert stats.kstest(drawn[:, 0], stats.beta(5, 5).cdf).statistic < 0.03


def test_variance_based_indices_refuse_missing_outcomes() -> None:
    factors = factors_of(ISHIGAMI[:2])
    y = np.ones(40)
    y[3] = np.nan
    with pytest.raises(SensitivityInputError, match="no value in 1 of 40 worlds"):
        sobol_indices(y, factors)
    with pytest.raises(SensitivityInputError, match="same in every world"):
        sobol_indices(np.ones(40), factors)
    with pytest.raises(SensitivityInputError, match="at least 10 worlds"):
        sobol_indices(np.arange(5.0), factors)


def test_a_block_shares_the_models_own_draws() -> None:
    from sim.experiment.designs import noise_worlds

    worlds = np.arange(12)
    # Saltelli blocks of G + 3 = 5: A and AB_g with key 2i, AB_chance and B with key 2i + 1.
    np.testing.assert_array_equal(
        noise_worlds("sobol", 2, worlds), [0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4]
    )
    np.testing.assert_array_equal(noise_worlds("morris", 2, worlds), np.repeat([0, 1, 2, 3], 3))
    np.testing.assert_array_equal(noise_worlds("latin", 2, worlds), worlds)
    np.testing.assert_array_equal(noise_worlds("monte-carlo", 2, worlds), worlds)
