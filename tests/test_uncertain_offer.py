"""The proposer's problem under private information against monopoly pricing and its own family."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.alpha_search import COMMON_ALPHA_TOLERANCE
from sim.core.beliefs import Belief
from sim.core.tolerances import FEASIBILITY_TOLERANCE
from sim.core.uncertain_offer import (
    UncertainResponder,
    highest_accepting_value,
    risky_offers,
    threshold_of,
)
from sim.distributions.inversion import Distribution

CLOSED_FORM = 1e-6

WIDE = Belief("reservation", Distribution("uniform", -1.0, 1.0, (-1.0, 1.0)))
"""Uniform on [-1, 1]: truncated to (a, b] by a world's bounds it is uniform on (a, b]."""


def pie(n: int, actors: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Actor 0 wants the whole linear pie (position 1); every other actor wants it all at 0.

    With one issue each responder's utility is 1 - x; with ``actors`` > 2 a package is a point
    on [0, 1], so responders are served together (the tests below use the two-actor pie).
    """
    position = np.zeros((n, actors, 1))
    position[:, 0, 0] = 1.0
    salience = np.ones((n, actors, 1))
    return position, salience, np.ones(actors, dtype=bool), np.ones(actors, dtype=bool)


def monopoly(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Take it or leave it: the responder's reservation r ~ U[a, b] accepts x iff x >= r.

    The proposer keeps 1 - x: max_x P(r <= x) (1 - x) + (1 - P) w with P = (x - a) / (b - a)
    on [a, b]; the first-order condition (1 - x - w) - (x - a) = 0 gives
    x* = clip((1 + a - w) / 2, a, b) and P* = (x* - a) / (b - a).
    """
    offer = np.clip((1.0 + a - w) / 2.0, a, b)
    return offer, (offer - a) / (b - a)


# (a, b, w): interior optima and one at the top of the support (P = 1).
CASES = np.array(
    [[0.2, 0.6, 0.1], [0.0, 1.0, 0.0], [0.1, 0.5, 0.3], [0.3, 0.45, 0.1], [-0.2, 0.7, 0.25]]
)


def take_it_or_leave_it(a: np.ndarray, b: np.ndarray, w: np.ndarray, linear: bool = True):  # type: ignore[no-untyped-def]
    """The one-issue take-it-or-leave-it offer: the proposer (ideal 1) and a responder (ideal
    0) whose reservation is uniform on (a, b]; linear utilities, or quadratic ones."""
    n = a.size
    position, salience, _, veto = pie(n)
    threshold = np.column_stack([w, np.full(n, np.nan)])  # the responder's is uncertain
    responder = UncertainResponder(
        actor=1, belief=WIDE, lo=a, hi=b, base=np.zeros(n), a=np.zeros(n), s=np.ones(n)
    )
    uncertain = np.zeros((n, 2), dtype=bool)
    uncertain[:, 1] = True
    return risky_offers(
        position,
        salience,
        np.full(2, linear),
        veto,
        np.zeros(n, dtype=np.int64),
        threshold,
        w,
        [responder],
        uncertain,
    )


def two_uncertain_responders(  # type: ignore[no-untyped-def]
    position: np.ndarray,
    salience: np.ndarray,
    linear: np.ndarray,
    lo: float,
    hi: float,
    w: float,
):
    """One world: proposer 0 (own threshold and failed round w), responders 1 and 2 veto
    players whose reservations are uniform on (lo, hi] (every actor a veto player)."""
    n = 1
    low, high = np.array([lo]), np.array([hi])
    responders = [
        UncertainResponder(k, WIDE, low, high, np.zeros(n), np.zeros(n), np.ones(n)) for k in (1, 2)
    ]
    return risky_offers(
        position,
        salience,
        linear,
        np.ones(3, dtype=bool),
        np.zeros(n, dtype=np.int64),
        np.array([[w, np.nan, np.nan]]),
        np.array([w]),
        responders,
        np.array([[False, True, True]]),
    )


def test_monopoly_pricing_offer_and_acceptance_probability() -> None:
    a, b, w = CASES.T
    offers = take_it_or_leave_it(a, b, w)
    expected_offer, expected_p = monopoly(a, b, w)
    np.testing.assert_allclose(expected_offer, [0.55, 0.5, 0.4, 0.45, 0.275], atol=1e-15)
    np.testing.assert_allclose(expected_p, [0.875, 0.5, 0.75, 1.0, 0.475 / 0.9], atol=1e-15)
    assert offers.feasible.all()
    responder_share = 1.0 - offers.package[:, 0]
    np.testing.assert_allclose(responder_share, expected_offer, rtol=0, atol=CLOSED_FORM)
    np.testing.assert_allclose(offers.probability, expected_p, rtol=0, atol=CLOSED_FORM)


def test_an_interior_optimum_above_what_the_proposers_ideal_already_buys() -> None:
    """a = -0.5, b = 0.3, w = 0: the proposer's ideal (nothing for the responder) is accepted
    with P = 0.625 already, so F is flat for alpha up to 0.625; the optimum lies above it
    (share 0.25, P = 0.9375).  A search that reads the flat stretch as a tie and moves towards
    alpha = 0 misses it, as golden section over [0, 1] did (linear utilities): both searches
    start at the stretch's end."""
    a, b, w = np.array([-0.5]), np.array([0.3]), np.array([0.0])
    offers = take_it_or_leave_it(a, b, w)
    offer, p = monopoly(a, b, w)
    np.testing.assert_allclose([offer[0], p[0]], [0.25, 0.9375], atol=1e-15)
    assert offers.feasible[0]
    assert 1.0 - offers.package[0, 0] == pytest.approx(offer[0], abs=CLOSED_FORM)
    assert offers.probability[0] == pytest.approx(p[0], abs=CLOSED_FORM)


def test_an_interior_optimum_above_the_flat_stretch_of_two_uncertain_responders() -> None:
    """Two responders on a linear one-issue pie (ideal 0 each), each reservation uniform on
    (-0.7, 0.3], w = 0.3.  The proposer's ideal already buys each with P = 0.7 (F flat up to
    alpha = 0.7, 0.49 * 0.7 = 0.343); along the common alpha both get r = alpha - 0.7, P = alpha**2
    and F = alpha**2 (1.7 - w - alpha), whose optimum alpha* = 2 (1.7 - w) / 3 = 0.9333 beats
    certain acceptance (0.4 against 0.4065).  Golden section over [0, 1] read the flat stretch as
    a tie and settled on certain acceptance; started at the stretch's end, it finds alpha*."""
    w = 0.3
    position, salience, linear, _ = pie(1, actors=3)
    offers = two_uncertain_responders(position, salience, linear, -0.7, 0.3, w)
    best = 2.0 * (1.7 - w) / 3.0
    assert offers.feasible[0]
    # the common alpha is searched to COMMON_ALPHA_TOLERANCE of itself (0.93 here; r moves one
    # for one with alpha, P = alpha**2 by 2 alpha as much); each acceptance tolerance adds 2e-7
    assert 1.0 - offers.package[0, 0] == pytest.approx(best - 0.7, abs=COMMON_ALPHA_TOLERANCE)
    assert offers.probability[0] == pytest.approx(best**2, abs=2.0 * COMMON_ALPHA_TOLERANCE)


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    low=st.floats(-0.9, 0.2),
    width=st.floats(0.2, 1.0),
    linear=st.booleans(),
)
def test_f_is_flat_below_the_least_free_package_probability(
    seed: int, low: float, width: float, linear: bool
) -> None:
    """Why Brent's search may start at min_k P_k(free package) with several uncertain
    responders: below it the package, P and F are the floor's (four actors on two issues, two
    uncertain responders, random ideals, saliences and known thresholds) -- to the acceptance
    tolerance: P_k counts an offer within FEASIBILITY_TOLERANCE of a type's threshold as
    accepted, while the solver meets the thresholds themselves, so where a responder's floor
    threshold binds F moves by up to that much below start."""
    from sim.core.proposer_groups import ProposerGroups
    from sim.core.uncertain_offer import ALPHA_FLOOR, _Problem

    rng = np.random.default_rng(seed)
    n, actors = 6, 4
    position = rng.uniform(size=(n, actors, 2))
    salience = rng.dirichlet(np.ones(2), size=(n, actors))
    flags, veto = np.full(actors, linear), np.ones(actors, dtype=bool)
    threshold = rng.uniform(0.2, 0.6, size=(n, actors))
    threshold[:, 1:3] = np.nan
    lo, hi = np.full(n, low), np.full(n, low + width)
    responders = [
        UncertainResponder(k, WIDE, lo, hi, np.zeros(n), np.zeros(n), np.ones(n)) for k in (1, 2)
    ]
    uncertain = np.zeros((n, actors), dtype=bool)
    uncertain[:, 1:3] = True
    proposer = np.zeros(n, dtype=np.int64)
    groups = ProposerGroups(position, salience, flags, veto, proposer)
    problem = _Problem(
        position, salience, flags, proposer, threshold, threshold[:, 0] - 0.1, responders,
        uncertain, groups,
    )  # fmt: skip
    rows = np.arange(n)
    floor = problem.evaluate(np.full(n, ALPHA_FLOOR), rows, False)
    start = np.maximum(ALPHA_FLOOR, problem.weakest(floor.package, rows) * (1.0 - 1e-9))
    assert np.all(start >= floor.probability * (1.0 - 1e-9))  # min_k P_k >= prod_k P_k
    # Up to just below start: at start itself a type's demand may exceed the free package's
    # utility by the acceptance tolerance, and the solver then moves the package by that much,
    # so F moves by the multiplier times the tolerance (hypothesis found seed 251: 1.9e-6).
    for share in (0.25, 0.5, 0.75, 0.999):
        alpha = ALPHA_FLOOR + share * (start - ALPHA_FLOOR)
        trial = problem.evaluate(alpha, rows, False)
        np.testing.assert_array_equal(trial.feasible, floor.feasible)
        live = floor.feasible
        # each responder's tolerance moves its P by up to FEASIBILITY_TOLERANCE / width
        slack = 4.0 * FEASIBILITY_TOLERANCE * (1.0 + 1.0 / width)
        gap = np.abs(trial.value - floor.value)[live]
        assert gap.max(initial=0.0) <= slack, (share, gap, start)
        moved = np.abs(trial.probability - floor.probability)[live]
        assert moved.max(initial=0.0) <= slack, (share, moved, start)


def test_no_offer_when_no_type_is_worth_serving() -> None:
    """w = 0.95 > 1 - a: every acceptable offer leaves the proposer below its failed round."""
    offers = take_it_or_leave_it(np.array([0.1]), np.array([0.5]), np.array([0.95]))
    assert not offers.feasible[0]


def test_threshold_map_and_its_inverse() -> None:
    b = np.linspace(-0.5, 0.9, 29)
    for a, s in [(0.3, 0.5), (0.0, 1.0), (0.4, 0.0), (0.05, 0.2)]:
        av, sv = np.full_like(b, a), np.full_like(b, s)
        threshold = threshold_of(b, av, sv)
        assert np.all(threshold >= b)
        # b*(T(b)) is the toughest type accepting T(b): at least b, and T(b*) <= T(b).
        inverse = highest_accepting_value(threshold, av, sv)
        assert np.all(inverse >= b - 1e-12)
        assert np.all(threshold_of(inverse, av, sv) <= threshold + 1e-12)


@settings(max_examples=10, deadline=None)
@given(
    low=st.floats(0.0, 0.4),
    width=st.floats(0.1, 0.5),
    w=st.floats(0.0, 0.4),
)
def test_two_uncertain_responders_get_their_alpha_types_thresholds(
    low: float, width: float, w: float
) -> None:
    """Three parties on two issues, quadratic utilities: a wants both at 1, b cares only for
    issue 0 (ideal 0), c only for issue 1 (ideal 0.5).

    With both responders uncertain the proposer offers each the threshold of its alpha-type, so
    P = alpha**2; the chosen alpha beats every other alpha on a grid (the family's optimum).
    """
    position = np.array([[[1.0, 1.0], [0.0, 0.5], [0.5, 0.5]]])
    salience = np.array([[[0.5, 0.5], [1.0, 0.0], [0.0, 1.0]]])
    offers = two_uncertain_responders(
        position, salience, np.zeros(3, dtype=bool), low, low + width, w
    )
    assert offers.feasible[0]
    # (each responder's acceptance tolerance adds up to 2e-7 / width to its probability)
    assert offers.probability[0] == pytest.approx(offers.alpha[0] ** 2, abs=1e-5)
    # a's best package serving both alpha-types (reservation cut r = low + alpha width):
    # b's 1 - x0**2 >= r  <=>  x0 <= sqrt(1 - r);  c's 1 - (x1 - 0.5)**2 >= r  <=>
    # x1 <= 0.5 + sqrt(1 - r); a takes each issue as high as allowed.
    alphas = np.linspace(0.0, 1.0, 401)
    cut = low + alphas * width
    x0 = np.minimum(np.sqrt(1.0 - cut), 1.0)
    x1 = np.minimum(0.5 + np.sqrt(1.0 - cut), 1.0)
    value_a = 1.0 - 0.5 * (1.0 - x0) ** 2 - 0.5 * (1.0 - x1) ** 2
    objective = np.where(value_a >= w, alphas**2 * (value_a - w), -np.inf)
    package = offers.package[0]
    utility_a = 1.0 - 0.5 * (1.0 - package[0]) ** 2 - 0.5 * (1.0 - package[1]) ** 2
    achieved = offers.probability[0] * (utility_a - w)
    assert achieved >= objective.max() - 1e-6


def quadratic_pricing(a: float, b: float, w: float) -> float:
    """The responder's utility u in the optimum of max_u P(u) (U_0(u) - w), P = (u - a)/(b - a)
    on [a, b], U_0(u) = 1 - (1 - sqrt(1 - u))**2 (the responder's 1 - x**2 = u), by a bounded
    scalar search to 1e-12 (scipy; Brent 1973) and the end b (certain acceptance)."""
    from scipy.optimize import minimize_scalar

    def minus_value(u: float) -> float:
        return -(u - a) / (b - a) * (1.0 - (1.0 - np.sqrt(1.0 - u)) ** 2 - w)

    found = minimize_scalar(minus_value, bounds=(a, b), method="bounded", options={"xatol": 1e-12})
    return float(found.x) if minus_value(found.x) < minus_value(b) else b


@pytest.mark.parametrize(
    "a, b, w", [(0.2, 0.6, 0.1), (0.0, 1.0, 0.0), (0.1, 0.5, 0.3), (0.6, 0.8, 0.2)]
)
def test_quadratic_pricing_by_the_first_order_condition(
    a: float, b: float, w: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With quadratic utilities the solver's multipliers drive the search over alpha (the root
    of the first-order condition, :mod:`sim.core.alpha_search`; Brent's search is not needed):
    the responder's utility and P(acceptance) match an independent scalar optimisation to 1e-6."""
    import sim.core.uncertain_offer as module

    def no_brent(rows, start, relative, ends):  # type: ignore[no-untyped-def]
        raise AssertionError(f"Brent's search ran in {rows.size} worlds")

    monkeypatch.setattr(module, "brent_steps", no_brent)
    offers = take_it_or_leave_it(np.array([a]), np.array([b]), np.array([w]), linear=False)
    expected = quadratic_pricing(a, b, w)
    assert offers.feasible[0]
    given = 1.0 - offers.package[0, 0] ** 2
    assert given == pytest.approx(expected, abs=CLOSED_FORM)
    expected_p = min(1.0, (expected - a) / (b - a))
    assert offers.probability[0] == pytest.approx(expected_p, abs=CLOSED_FORM)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("width", [0.1, 0.2, 0.35])
def test_the_first_order_root_matches_brents_search(
    seed: int, width: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four quadratic actors on three issues, one uncertain responder (its reservation reaching
    the top of the range, so that many optima are interior): the first-order search does at least as
    well as Brent's search over the same problem (to 1e-7), world by world."""
    import sim.core.uncertain_offer as module

    rng = np.random.default_rng(seed)
    n = 40
    position = rng.uniform(size=(n, 4, 3))
    salience = rng.dirichlet(np.ones(3), size=(n, 4))
    linear, veto = np.zeros(4, dtype=bool), np.ones(4, dtype=bool)
    threshold = rng.uniform(0.4, 0.8, size=(n, 4))
    threshold[:, 0] = rng.uniform(0.1, 0.4, size=n)
    lo, hi = np.full(n, 1.0 - width), np.ones(n)
    responder = UncertainResponder(2, WIDE, lo, hi, np.zeros(n), np.zeros(n), np.ones(n))
    uncertain = np.zeros((n, 4), dtype=bool)
    uncertain[:, 2] = True
    args = (position, salience, linear, veto, np.zeros(n, dtype=np.int64), threshold)
    w = threshold[:, 0] - 0.1
    fast = risky_offers(*args, w, [responder], uncertain)
    searched = []

    def brent_only(rows, low, high):  # type: ignore[no-untyped-def]
        searched.append(rows.size)
        return low, np.zeros(rows.size, dtype=bool)  # hand every world to Brent's search
        yield  # a search that needs no alpha

    monkeypatch.setattr(module, "root_steps", brent_only)
    slow = risky_offers(*args, w, [responder], uncertain)
    utility = 1.0 - (salience[:, 0] * (fast.package - position[:, 0]) ** 2).sum(axis=1)
    value_fast = np.where(fast.feasible, fast.probability * (utility - w), -np.inf)
    utility = 1.0 - (salience[:, 0] * (slow.package - position[:, 0]) ** 2).sum(axis=1)
    value_slow = np.where(slow.feasible, slow.probability * (utility - w), -np.inf)
    assert searched  # the first-order search had worlds to solve
    assert np.all((value_fast >= value_slow - 1e-7) | ~slow.feasible)
    assert np.array_equal(fast.feasible, slow.feasible)


def test_the_floors_offer_is_kept_when_the_search_finds_nothing_better(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Brent's probes can all miss a sliver of feasible alphas above the floor; the
    floor's package, feasible, is then still offered (not "no offer").

    Two uncertain responders (the path of Brent's search) whose top types cannot both be served
    above the proposer's own threshold w = 0.7 (alpha = 1 infeasible), while the floor's types
    can; the search is replaced by one whose every probe came back infeasible."""
    import sim.core.uncertain_offer as module
    from sim.core.alpha_search import Trial

    def missed_everything(rows, start, relative, ends):  # type: ignore[no-untyped-def]
        r = rows.size
        return Trial(
            start.copy(),
            np.full(r, -np.inf),
            np.zeros(r),
            np.zeros(r, dtype=bool),
            np.zeros((r, 2)),
            np.full(r, np.nan),
        )
        yield  # a generator that asks for no alpha

    monkeypatch.setattr(module, "brent_steps", missed_everything)
    position = np.array([[[1.0, 1.0], [0.0, 0.5], [0.5, 0.5]]])
    salience = np.array([[[0.5, 0.5], [1.0, 0.0], [0.0, 1.0]]])
    low, width, w = 0.6, 0.35, 0.7
    offers = two_uncertain_responders(
        position, salience, np.zeros(3, dtype=bool), low, low + width, w
    )
    assert offers.feasible[0]
    # The floor's types (cut ~ low): b's 1 - x0**2 >= low, c's bound on x1 is above 1.
    assert offers.package[0] == pytest.approx([np.sqrt(1.0 - low), 1.0], abs=1e-6)
    assert 0.0 < offers.probability[0] < 1e-5


TAIL = Belief("reservation", Distribution("normal", -1.0, 1.0, (0.9, 0.05)))
"""A reservation believed normal around 0.9 (sd 0.05): the one-issue pie's quadratic offers
reach its lower tail only."""


@pytest.mark.parametrize("engine", ["numpy", "kernel"])
def test_an_optimum_deep_in_a_normal_beliefs_tail(
    engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Take it or leave it against the TAIL belief, with the proposer's failed round worth
    nearly what the pie gives it: its best offer is accepted with a chance of 1e-7 to 1e-5.

    The first-order signal there needs d'(alpha) on a step below alpha itself (RATE_SHARE): a
    fixed 1e-6 step differenced the demand across [0, alpha + 1e-6] and left the proposer at
    the floor, 12-94% of F below the optimum.  Checked against a dense grid of packages.
    """
    monkeypatch.setenv("PARLEY_ENGINE", engine)
    w = np.linspace(0.80, 0.83, 7)
    n = w.size
    position, salience, _, veto = pie(n)
    responder = UncertainResponder(
        1, TAIL, np.full(n, -1.0), np.ones(n), *np.zeros((2, n)), np.ones(n)
    )
    uncertain = np.zeros((n, 2), dtype=bool)
    uncertain[:, 1] = True
    offers = risky_offers(
        position,
        salience,
        np.zeros(2, dtype=bool),
        veto,
        np.zeros(n, dtype=np.int64),
        np.column_stack([w, np.full(n, np.nan)]),
        w,
        [responder],
        uncertain,
    )
    x = np.linspace(0.0, 1.0, 200_001)
    grid = UncertainResponder(
        1, TAIL, np.full(x.size, -1.0), np.ones(x.size), *np.zeros((2, x.size)), np.ones(x.size)
    )
    accepted = grid.probability(1.0 - x**2, slice(None))
    proposer = 1.0 - (1.0 - x) ** 2
    achieved = offers.probability * (1.0 - (1.0 - offers.package[:, 0]) ** 2 - w)
    for k in range(n):
        best = np.max(
            np.where(
                proposer >= w[k] - FEASIBILITY_TOLERANCE, accepted * (proposer - w[k]), -np.inf
            )
        )
        assert 1e-7 < offers.alpha[k] < 1e-4
        assert achieved[k] == pytest.approx(best, rel=1e-5)
