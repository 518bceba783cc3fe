"""Generators of hostile inputs aimed at the model's newer parts: private no-deal values and
misperception, domestic ratifiers, the implementation phase, the clock (round and deadline
weeks, fighting), ``--set`` on those fields, experiments that sample them, and the newer
commands (``sensitivity``, ``discover``, ``diff``, ``forecast``) with their results files.

Like :mod:`fuzzgen`, every generator takes a :class:`random.Random` and returns a
:class:`fuzzkit.Case` that says whether the input must be refused (``reject``) or may also be
accepted with finite outputs (``either``).  Scenarios are small: the tiny two-actor scenario
with every newer section (:data:`TINY_FULL`), or a file that extends the baseline and changes
one section, so that each case runs in a second or two.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

from fuzzkit import Case
from hostile_cases import TINY

NOT_FINITE = (".nan", ".inf", "-.inf", "1e999", "-1e999", ".NaN")
"""YAML spellings of numbers that are not numbers: refused wherever they stand."""
NOT_A_NUMBER = ("x", "'0.1'", "[]", "{}", "true", "null", "[0.1]", "{a: 1}", "~", "''")
"""Values of the wrong type where a number is meant: refused."""
TOO_BIG = ("1e11", "-1e11", "99999999999", "1e300", "123456789012")
"""Finite numbers far outside any field's range."""

TINY_FULL = TINY.replace(
    "    war_cost: 0.05\n  b:",
    "    war_cost: 0.05\n    private: {field: war_cost, belief: {dist: normal, sd: 0.02}}\n  b:",
).replace(
    "protocol:\n  max_rounds: 10\n",
    "protocol:\n  max_rounds: 10\n  round_weeks: 2\n  deadline_weeks: 18\n"
    "  fighting: true\n  breakdown_probability: 0.02\n"
    "ratification:\n  on_rejection: end\n  ratifiers:\n"
    "    senate: {actor: b, position: {land: 0.2}, salience: {land: 1.0},"
    " threshold: 0.8, spread: 0.05}\n"
    "implementation:\n  periods: 4\n  drift: {land: 0.01}\n  volatility: {land: 0.02}\n"
    "  reneging_cost: {a: 0.02, b: 0.02}\n  war_cost_drift: {a: -0.005}\n"
    "  term_drift: {land: {land: 0.01}}\n  term_war_cost: {b: {land: 0.01}}\n",
)
"""The tiny scenario with a private war cost, a ratifier, an implementation phase and a clock."""
assert "private:" in TINY_FULL and "implementation:" in TINY_FULL


def _pick(rng: random.Random, options: tuple[str, ...] | list[str]) -> str:
    return options[rng.randrange(len(options))]


def _bad_number(rng: random.Random) -> str:
    return _pick(rng, (*NOT_FINITE, *NOT_A_NUMBER, *TOO_BIG))


def _bad_scale(rng: random.Random) -> str:
    """A hostile value for a spread (sd, concentration): not a number, zero or negative.  (A
    huge one is a flat belief, which is allowed: see ``BELIEFS_ODD``.)"""
    return _pick(rng, (*NOT_FINITE, *NOT_A_NUMBER, "0", "-0.5", "-1e11"))


def _run_or_validate(rng: random.Random, name: str) -> tuple[str, ...]:
    roll = rng.random()
    if roll < 0.4:
        return ("validate", name)
    if roll < 0.8:
        return ("run", name, "--json", "--out", "o")
    return ("forecast", name, "--runs", "20", "--json", "--out", "o")


def _tiny_case(rng: random.Random, label: str, text: str, expect: str) -> Case:
    return Case(label, _run_or_validate(rng, "t.yaml"), {"t.yaml": text}, expect)  # type: ignore[arg-type]


def _baseline_child(rng: random.Random, label: str, body: str, expect: str) -> Case:
    """A scenario that extends the baseline and changes one section (``body``, YAML)."""
    text = "name: child\nextends: alaska-summit\n" + body
    command = ("validate", "child.yaml") if rng.random() < 0.6 else ("run", "child.yaml", "--json")
    return Case(label, command, {"child.yaml": text}, expect)  # type: ignore[arg-type]


# --- private no-deal values and misperception ------------------------------------------------

BELIEFS_BAD = (
    "{dist: gamma, shape: 2}",
    "{dist: lognormal, sd: 0.1}",
    "{dist: ''}",
    "{dist: normal}",
    "{dist: normal, sd: 0}",
    "{dist: normal, sd: -0.02}",
    "{dist: normal, sd: SD}",
    "{dist: normal, mean: MEAN, sd: 0.02}",
    "{dist: normal, sd: 0.02, mean: 0.05, skew: 1}",
    "{dist: uniform, low: 0.2, high: 0.1}",
    "{dist: uniform, low: -0.5, high: -0.1}",
    "{dist: uniform, low: 0.1, high: 7}",
    "{dist: uniform, low: LOW, high: 0.2}",
    "{dist: beta, concentration: 0}",
    "{dist: beta, concentration: -3}",
    "{dist: beta, mean: 1.5, concentration: 10}",
    "{dist: beta, concentration: SD}",
    "{dist: triangular, low: 0.1, mode: 0.5, high: 0.2}",
    "{dist: triangular, low: 0.3, mode: 0.2, high: 0.1}",
    "{dist: dirichlet, concentration: 5}",
    "{dist: choice, values: []}",
    "{dist: choice, values: [0.1, 0.2], weights: [1]}",
    "{dist: choice, values: [0.1, 0.2], weights: [-1, 2]}",
    "{dist: choice, values: [0.1, 0.2], weights: [0, 0]}",
    "{dist: choice, values: [0.1, 5.0]}",
    "{dist: choice, values: [VALUE]}",
    "[normal, 0.02]",
    "normal",
    "null",
    "0.05",
    "{}",
)
"""Beliefs that must be refused (SD, MEAN, LOW, VALUE stand for a hostile number)."""
BELIEFS_ODD = (
    "{dist: normal, sd: 1e-9}",
    "{dist: normal, sd: 0.5}",
    "{dist: normal, mean: 0.0, sd: 0.01}",
    "{dist: uniform, low: 0.0, high: 1.0}",
    "{dist: uniform, low: 0.05, high: 0.05}",
    "{dist: beta, concentration: 1e6}",
    "{dist: normal, sd: 1e11}",
    "{dist: beta, concentration: 1e11}",
    "{dist: beta, concentration: 1e-6}",
    "{dist: triangular, low: 0.0, mode: 0.0, high: 0.1}",
    "{dist: choice, values: [0.0, 1.0]}",
    "{dist: choice, values: [0.05], weights: [1]}",
)
"""Beliefs that are legal but extreme: refused, or run with finite outputs."""
PRIVATE_FIELDS_BAD = (
    "capability",
    "discount",
    "position",
    "salience",
    "beta",
    "strategy",
    "veto",
    "war cost",
    "War_Cost",
    "''",
    "null",
    "[war_cost]",
    "1",
)
"""Fields that cannot be private (or are not field names at all)."""


def _belief(rng: random.Random) -> tuple[str, bool]:
    """A belief's YAML and whether it must be refused."""
    if rng.random() < 0.65:
        text = _pick(rng, BELIEFS_BAD)
        text = text.replace("SD", _bad_scale(rng))
        for hole in ("MEAN", "LOW", "VALUE"):
            text = text.replace(hole, _bad_number(rng))
        return text, True
    return _pick(rng, BELIEFS_ODD), False


def private_values(rng: random.Random) -> Case:
    """An actor's ``private`` block made hostile: a field that cannot be private, a belief of
    an unknown kind or with bad parameters, a truth out of range, a misspelt key."""
    kind = _pick(rng, ("field", "belief", "truth", "key", "shape", "reservation"))
    field, belief, truth, extra = "war_cost", "{dist: normal, sd: 0.02}", None, ""
    reject = True
    if kind == "field":
        field = _pick(rng, PRIVATE_FIELDS_BAD)
    elif kind == "belief":
        belief, reject = _belief(rng)
    elif kind == "truth":
        # (not null: a null truth is no truth, the default, drawn from the belief; a null key
        # removes it, docs/inheritance.md)
        truth = _pick(rng, (*NOT_FINITE, *NOT_A_NUMBER[:5], "-0.1", "1.5", "2", "-1e11"))
    elif kind == "key":
        extra = _pick(rng, (", beleif: 1", ", truths: 0.1", ", Field: war_cost", ", sd: 0.1"))
    elif kind == "reservation":  # a private reservation, or a war cost hidden behind one
        field = _pick(rng, ("reservation", "war_cost"))
        truth = _pick(rng, ("0.2", "-0.5", "-1.5", "1.2", None))  # type: ignore[arg-type]
        belief = _pick(rng, ("{dist: uniform, low: -0.2, high: 0.3}", "{dist: normal, sd: 0.1}"))
        reject = field == "war_cost" or truth in ("-1.5", "1.2")
    block = f"{{field: {field}, belief: {belief}" + (f", truth: {truth}" if truth else "") + extra
    block += "}"
    if kind == "shape":
        block = _pick(rng, ("null", "[]", "war_cost", "1", "{}", "{field: war_cost}", "true"))
        reject = block != "null"  # null removes the block: the value is public (the default)
    label = f"private {kind}: {block[:70]}"
    if rng.random() < 0.5 and kind != "reservation":
        # (Moscow's and Kyiv's own private blocks fill in what a partial block leaves out.)
        actor = _pick(rng, ("us", "nato") if kind == "shape" else ("us", "nato", "russia"))
        body = f"actors:\n  {actor}:\n    private: {block}\n"
        return _baseline_child(rng, label, body, "reject" if reject else "either")
    text = TINY_FULL.replace("{field: war_cost, belief: {dist: normal, sd: 0.02}}", block, 1)
    if kind == "reservation":
        text = text.replace(
            "    war_cost: 0.05\n    private:", "    reservation: 0.1\n    private:"
        )
    return _tiny_case(rng, label, text, "reject" if reject else "either")


# --- ratifiers -----------------------------------------------------------------------------


def ratifiers(rng: random.Random) -> Case:
    """A ratifier made hostile: an unknown actor or issue, saliences that do not sum to one,
    a position out of range, a threshold or spread out of range, a bad rejection rule."""
    fields = {
        "actor": "b",
        "position": "{land: 0.2}",
        "salience": "{land: 1.0}",
        "threshold": "0.8",
        "spread": "0.05",
    }
    kind = _pick(
        rng,
        ("actor", "issue", "salience", "position", "threshold", "spread", "rule", "shape", "key"),
    )
    reject = True
    rule = "end"
    if kind == "actor":
        fields["actor"] = _pick(rng, ("c", "B", "a b", "''", "null", "1", "[b]", "{b: 1}"))
    elif kind == "issue":
        issue = _pick(rng, ("lnad", "money", "Land", "''"))
        fields["position"] = f"{{{issue}: 0.2}}"
        fields["salience"] = _pick(rng, (f"{{{issue}: 1.0}}", "{land: 1.0}"))
    elif kind == "salience":
        fields["salience"] = _pick(
            rng,
            (
                "{land: 0.5}",
                "{land: -1.0}",
                "{land: 2.0}",
                "{}",
                "{land: 0}",
                f"{{land: {_bad_number(rng)}}}",
                "[1.0]",
            ),
        )
    elif kind == "position":
        fields["position"] = _pick(
            rng, ("{land: -0.1}", "{land: 1.5}", "{}", f"{{land: {_bad_number(rng)}}}", "0.2")
        )
    elif kind == "threshold":
        fields["threshold"] = _pick(rng, ("-1.5", "1.01", "2", *NOT_FINITE, *NOT_A_NUMBER[:5]))
    elif kind == "spread":
        fields["spread"] = _pick(rng, ("-0.01", "-1", "1.5", *NOT_FINITE, "x", "true"))
    elif kind == "rule":
        rule = _pick(rng, ("retry", "End", "''", "null", "1", "[end]"))
    elif kind == "key":
        fields[_pick(rng, ("treshold", "actors", "weight", "utility"))] = _pick(
            rng, ("0.5", "cubic", "x")
        )
    body = "{" + ", ".join(f"{k}: {v}" for k, v in fields.items()) + "}"
    if kind == "shape":
        body = _pick(rng, ("null", "[]", "1", "{}", "senate", "{actor: b}"))
    ratification = f"ratification:\n  on_rejection: {rule}\n  ratifiers:\n    senate: {body}\n"
    if kind == "shape" and rng.random() < 0.4:
        ratification = "ratification: " + _pick(rng, ("[]", "1", "yes", "{ratifiers: [a]}")) + "\n"
    label = f"ratifier {kind}: {body[:70]}" + (f" on_rejection {rule}" if kind == "rule" else "")
    start = TINY_FULL.index("ratification:")
    end = TINY_FULL.index("implementation:")
    text = TINY_FULL[:start] + ratification + TINY_FULL[end:]
    return _tiny_case(rng, label, text, "reject" if reject else "either")


# --- the implementation phase --------------------------------------------------------------


def implementation(rng: random.Random) -> Case:
    """The implementation phase made hostile: periods out of range, unknown issues or actors,
    negative volatilities and reneging costs, drifts far beyond the issue scale."""
    table = _pick(
        rng,
        (
            "periods",
            "drift",
            "volatility",
            "reneging_cost",
            "war_cost_drift",
            "term_drift",
            "term_war_cost",
            "term_cost",
            "key",
            "shape",
        ),
    )
    lines = {
        "periods": "4",
        "drift": "{land: 0.01}",
        "volatility": "{land: 0.02}",
        "reneging_cost": "{a: 0.02, b: 0.02}",
    }
    reject = True
    if table == "periods":
        lines["periods"] = _pick(
            rng, ("0", "-1", "1001", "2.5", "1e9", "99999999999999", "x", "true", "null", "[4]")
        )
    elif table in ("drift", "volatility", "war_cost_drift", "reneging_cost"):
        owner = "land" if table in ("drift", "volatility") else "a"
        roll = rng.random()
        if roll < 0.3:
            key = _pick(rng, ("nowhere", "c", "Land", "A", "''"))
            lines[table] = f"{{{key}: 0.01}}"
        elif roll < 0.6:
            lines[table] = f"{{{owner}: {_bad_number(rng)}}}"
        else:
            value = _pick(rng, ("-0.5", "-1", "5", "2", "1.5"))
            lines[table] = f"{{{owner}: {value}}}"
            # Drifts may be negative; none may move a [0, 1] scale by more than its length.
            reject = not (table in ("drift", "war_cost_drift") and value in ("-0.5", "-1"))
    elif table in ("term_drift", "term_war_cost", "term_cost"):
        owner = "land" if table == "term_drift" else "a"
        roll = rng.random()
        if roll < 0.3:
            lines[table] = f"{{{owner}: {{nowhere: 0.01}}}}"
        elif roll < 0.5:
            lines[table] = f"{{{_pick(rng, ('c', 'nowhere'))}: {{land: 0.01}}}}"
        elif roll < 0.75:
            lines[table] = f"{{{owner}: {{land: {_bad_number(rng)}}}}}"
        else:
            lines[table] = _pick(rng, (f"{{{owner}: 0.01}}", f"{{{owner}: [0.01]}}", "[1]"))
    elif table == "key":
        lines[_pick(rng, ("period", "drifts", "renege", "horizon"))] = "1"
    block = "implementation:\n" + "".join(f"  {k}: {v}\n" for k, v in lines.items())
    if table == "shape":
        block = "implementation: " + _pick(rng, ("[]", "1", "yes", "{}", "{drift: {}}")) + "\n"
    text = TINY_FULL[: TINY_FULL.index("implementation:")] + block
    label = f"implementation {table}: {block[16:90]!r}"
    return _tiny_case(rng, label, text, "reject" if reject else "either")


# --- the clock: rounds in weeks, a deadline, fighting ----------------------------------------


def clock(rng: random.Random) -> Case:
    """The protocol's clock made hostile: round and deadline weeks, fighting, max rounds."""
    field = _pick(rng, ("round_weeks", "deadline_weeks", "fighting", "mix"))
    values = {
        "round_weeks": ("0", "-2", "521", "1e-13", "1e11", "'2 weeks'", *NOT_FINITE, "[2]"),
        "deadline_weeks": ("-1", "-1e11", "1e11", "'soon'", *NOT_FINITE, "{}", "true"),
        "fighting": ("maybe", "2", "'yes'", "[true]", "0.5", "{}"),
    }
    reject = True
    if field == "mix":  # legal values in odd combinations
        weeks = _pick(rng, ("0.001", "1", "52", "520"))
        deadline = _pick(rng, ("0", "0.001", "1", "2", "10000", "null"))
        rounds = _pick(rng, ("1", "2", "10000"))
        lines = f"  round_weeks: {weeks}\n  deadline_weeks: {deadline}\n  max_rounds: {rounds}\n"
        reject = False
    else:
        lines = f"  {field}: {_pick(rng, values[field])}\n"
    text = TINY_FULL
    for key in ("round_weeks", "deadline_weeks", "max_rounds", "fighting"):
        if f"  {key}:" in lines:
            text = "\n".join(line for line in text.split("\n") if not line.startswith(f"  {key}:"))
    text = text.replace("protocol:\n", "protocol:\n" + lines, 1)
    return _tiny_case(rng, f"clock {lines.strip()[:80]!r}", text, "reject" if reject else "either")


# --- --set on the newer fields ---------------------------------------------------------------

SET_TARGETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # (null: the default, war_cost, as every null gives a field's default)
    ("actors.russia.private.field", ("capability", "discount", "x", "[war_cost]")),
    ("actors.russia.private.belief.dist", ("gamma", "dirichlet", "''", "1", "null")),
    ("actors.russia.private.belief.sd", ("-1", "0", "x", *NOT_FINITE)),
    ("actors.russia.private.belief", ("normal", "1", "{dist: normal}", "[]")),
    ("actors.ukraine.private.truth", ("2", "-0.5", "1e11", "x", *NOT_FINITE)),
    ("actors.us.private", ("{field: capability, belief: {dist: normal, sd: 0.1}}", "1", "x")),
    ("ratification.ratifiers.us_congress.actor", ("nobody", "''", "1", "[us]")),
    ("ratification.ratifiers.us_congress.threshold", ("2", "-1.5", "x", *NOT_FINITE)),
    ("ratification.ratifiers.us_congress.spread", ("-0.1", "2", "x", *NOT_FINITE)),
    ("ratification.ratifiers.us_congress.salience.territory", ("-1", "0.9", "x", ".nan")),
    ("ratification.ratifiers.us_congress.position.nowhere", ("0.5",)),
    ("ratification.ratifiers.nobody.threshold", ("0.5",)),
    ("ratification.on_rejection", ("retry", "1", "End", "[end]")),  # (null: the default)
    ("ratification", ("1", "[]", "x")),
    ("implementation.periods", ("0", "-1", "1001", "2.5", "1e9", "x", "null")),
    ("implementation.drift.territory", ("5", "-3", "x", *NOT_FINITE)),
    ("implementation.drift.nowhere", ("0.1",)),
    ("implementation.volatility.territory", ("-0.1", "3", "x", ".inf")),
    ("implementation.reneging_cost.russia", ("-0.1", "1e11", "x", ".nan")),
    ("implementation.reneging_cost.nobody", ("0.1",)),
    ("implementation.term_drift.territory.nowhere", ("0.1",)),
    ("implementation.war_cost_drift.ukraine", ("9", "x", ".nan")),
    ("protocol.round_weeks", ("0", "-1", "1e11", "x", *NOT_FINITE)),
    # (0 is legal: a deadline already reached, full concession from the first round)
    ("protocol.deadline_weeks", ("-5", "-1e-9", "1e11", "x", *NOT_FINITE)),
    ("protocol.fighting", ("maybe", "2", "0.5", "[true]")),
)
"""Paths of the newer fields of the baseline and values that must be refused there."""


def set_new_fields(rng: random.Random) -> Case:
    """``--set`` on the newer fields of the baseline (private, ratification, implementation,
    the clock) with values that must be refused, sometimes beside a legal one."""
    path, values = SET_TARGETS[rng.randrange(len(SET_TARGETS))]
    value = _pick(rng, values)
    assignments = ["--set", f"{path}={value}"]
    if rng.random() < 0.4:  # beside a legal one (on another field: the last of two would win)
        other = _pick(rng, ("protocol.round_weeks=1", "implementation.periods=3", "seed=4"))
        if other.split("=")[0] != path:
            assignments += ["--set", other]
    if rng.random() < 0.3:
        args: tuple[str, ...] = ("forecast", "alaska-summit", "--runs", "20", "--out", "o")
    else:
        args = ("run", "alaska-summit", "--json", "--out", "o")
    return Case(f"--set {path}={value}", (*args, *assignments), {}, "reject")


# --- experiments on the newer fields ---------------------------------------------------------

EXPERIMENT_FULL = (
    "name: exp\nscenario: t.yaml\nruns: 32\nseed: 3\ndesign: DESIGN\n"
    "uncertainty:\n  actors.a.war_cost: {dist: uniform, low: 0.01, high: 0.1}\n"
)


def experiment_new_fields(rng: random.Random) -> Case:
    """An experiment that samples or varies the newer fields out of range, names an unknown
    design, or asks a design for counts it cannot take."""
    kind = _pick(rng, ("prior", "factor", "design", "runs"))
    design = "monte-carlo"
    extra = ""
    reject = True
    if kind == "prior":
        path, prior = _pick_pair(
            rng,
            (
                ("ratification.ratifiers.senate.threshold", "{dist: uniform, low: 2, high: 3}"),
                ("ratification.ratifiers.senate.spread", "{dist: uniform, low: -1, high: 0}"),
                ("ratification.ratifiers.nobody.threshold", "{dist: uniform, low: 0, high: 1}"),
                ("implementation.periods", "{dist: uniform, low: 0, high: 2000}"),
                ("implementation.volatility.land", "{dist: uniform, low: -1, high: -0.5}"),
                ("protocol.deadline_weeks", "{dist: uniform, low: -5, high: -1}"),
                ("protocol.round_weeks", "{dist: normal, mean: 0, sd: 1e11}"),
                ("protocol.fighting", "{dist: choice, values: [2, 3]}"),
                ("actors.a.private.belief.sd", "{dist: uniform, low: -1, high: 0}"),
                ("actors.a.private.truth", "{dist: uniform, low: 2, high: 3}"),
                ("actors.a.private.field", "{dist: choice, values: [1, 2]}"),
                ("actors.a.private", "{dist: normal, sd: 0.1}"),
            ),
        )
        extra = f"  {path}: {prior}\n"
    elif kind == "factor":
        path, values = _pick_pair(
            rng,
            (
                ("ratification.ratifiers.senate.threshold", "[0.5, 7]"),
                ("ratification.ratifiers.senate.actor", "[a, nobody]"),
                ("ratification.on_rejection", "[end, retry]"),
                ("implementation.periods", "[4, 0]"),
                ("implementation.periods", "[4, 2.5]"),
                ("implementation.drift.nowhere", "[0.1, 0.2]"),
                ("protocol.round_weeks", "[1, -1]"),
                ("protocol.deadline_weeks", "[10, .nan]"),
                ("protocol.fighting", "[true, maybe]"),
                ("actors.a.private.field", "[war_cost, capability]"),
                ("actors.a.private.belief.dist", "[normal, gamma]"),
            ),
        )
        extra = f"factors:\n  {path}: {values}\n"
    elif kind == "design":
        design = _pick(rng, ("sobel", "lhs", "''", "1", "null", "[sobol]", "Sobol", "random"))
    else:
        design = _pick(rng, ("sobol", "morris", "latin"))
        extra = f"runs: {_pick(rng, ('0', '-4', '1e12', 'x', '2.5', '99999999999', 'true'))}"
    text = EXPERIMENT_FULL.replace("DESIGN", design)
    text = text.replace("runs: 32", extra) if kind == "runs" else text + extra
    files = {"t.yaml": TINY_FULL, "e.yaml": text}
    if rng.random() < 0.5:
        args: tuple[str, ...] = ("validate", "e.yaml")
    else:
        args = ("sweep", "e.yaml", "--workers", "1", "--out", "o", "--json")
    label = f"experiment {kind}: {(extra or design).strip()[:80]}"
    return Case(label, args, files, "reject" if reject else "either")  # type: ignore[arg-type]


def _pick_pair(rng: random.Random, pairs: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    return pairs[rng.randrange(len(pairs))]


# --- the newer commands: targets, analysis options, forecast options, diff -------------------

TARGETS_BAD = (
    "",
    " ",
    "agreed and",
    "agreed &&& round",
    "__import__('os').system('id')",
    "().__class__.__bases__",
    "open('/etc/passwd').read()",
    "lambda: 1",
    "[x for x in agreed]",
    "agreed if round else agreed",
    "round + 1 > 2",
    "round * 9 ** 9 ** 9 > 1",
    "9 ** 9 ** 9 ** 9",
    "round",
    "gain.nobody > 0",
    "term.nowhere < 0.5",
    "param.actors.z.war_cost > 0",
    "cell",
    "agreed == 'x'",
    "agreed > 'x'",
    "round > 'five'",
    "agreed.real",
    "round.__class__ > 0",
    "f'{agreed}'",
    "b'agreed'",
    "agreed is True",
    "agreed in [1]",
    "1j > 0",
    "None",
    "...",
    "agreed; round",
    "agreed\nround",
    "agreed\x00",
    "agreed\u202e",
    "not",
    "(agreed",
    "agreed)",
)
"""Targets that must be refused."""
TARGETS_ODD = (
    "agreed",
    "not agreed",
    "round > 3",
    "round > 1e999",
    "round < -1e999",
    "round > 99999999999999999999999999999999",
    "round > -99999999999999999999999999999999",
    "agreed and not agreed",
    "agreed or not agreed",
    "True",
    "1 > 0",
    "round == round",
    "-round < 0",
    "- - - round < 0",
    "0 < round < 5 < 9",
)
"""Targets that may select every world, none, or some: refused, or answered with finite output."""


def _deep_target(rng: random.Random) -> str:
    depth = rng.randint(100, 5000)
    kind = _pick(rng, ("parens", "not", "minus", "attribute", "chain", "and"))
    if kind == "parens":
        return "(" * depth + "agreed" + ")" * depth
    if kind == "not":
        return "not " * depth + "agreed"
    if kind == "minus":
        return "-" * depth + "round > 0"
    if kind == "attribute":
        return "gain" + ".x" * depth + " > 0"
    if kind == "chain":
        return " < ".join(["round"] * depth)
    return " and ".join(["agreed"] * depth)


def discover_targets(rng: random.Random) -> Case:
    """``parley discover`` with a hostile ``--target`` on a finished sweep."""
    roll = rng.random()
    if roll < 0.55:
        target, expect = _pick(rng, TARGETS_BAD), "reject"
    elif roll < 0.8:
        target, expect = _deep_target(rng), "either"
    else:
        target, expect = _pick(rng, TARGETS_ODD), "either"
    if "\x00" in target:  # a process cannot receive a NUL in its arguments
        target = target.replace("\x00", "\\0")
    args = ("discover", "out", "--target", target, "--out", "d")
    return Case(f"[results] none: target {target[:60]!r}", args, {}, expect)  # type: ignore[arg-type]


ANALYSIS_ARGS_BAD: tuple[tuple[str, ...], ...] = (
    ("sensitivity", "out", "--outcome", "term.nowhere"),
    ("sensitivity", "out", "--outcome", "gain.nobody"),
    ("sensitivity", "out", "--outcome", ""),
    ("sensitivity", "out", "--outcome", "cell"),
    ("sensitivity", "out", "--outcome", "name"),
    ("sensitivity", "out", "--outcome", "../../etc/passwd"),
    ("sensitivity", "out", "--method", "sobel"),
    ("sensitivity", "out", "--cell", "99"),
    ("sensitivity", "out", "--cell", "-1"),
    ("sensitivity", "out", "--cell", str(2**70)),
    ("sensitivity", "out", "--top", "0"),
    ("sensitivity", "out", "--top", str(2**70)),
    ("sensitivity", "out", "--out", "{secret}"),
    ("sensitivity", "{secret}"),
    ("sensitivity", "/etc"),
    ("sensitivity", "nowhere"),
    ("discover", "out", "--target", "agreed", "--cell", "7"),
    ("discover", "out", "--target", "agreed", "--max-worlds", "99"),
    ("discover", "out", "--target", "agreed", "--max-worlds", str(2**70)),
    ("discover", "out", "--target", "agreed", "--box", "-1"),
    ("discover", "out", "--target", "agreed", "--box", str(2**70)),
    ("discover", "out", "--target", "agreed", "--box", "100000"),
    ("discover", "out"),
    ("discover", "{secret}", "--target", "agreed"),
    ("discover", "out", "--target", "agreed", "--out", "{secret}"),
)
"""Options of the analysis commands that must be refused."""
ANALYSIS_ARGS_ODD: tuple[tuple[str, ...], ...] = (
    ("sensitivity", "out", "--method", "sobol"),
    ("sensitivity", "out", "--method", "morris"),
    ("sensitivity", "out", "--method", "pawn", "--outcome", "round"),
    ("sensitivity", "out", "--outcome", "agreed", "--outcome", "agreed"),
    ("sensitivity", "out", "--cell", "0", "--cell", "0", "--top", "100000"),
    ("sensitivity", "out", "--outcome", "world"),
    ("discover", "out", "--target", "agreed", "--levers"),
    ("discover", "out", "--target", "agreed", "--max-worlds", "100", "--box", "0"),
    ("discover", "out", "--target", "round > 2", "--cell", "1"),
)
"""Options that are legal, if odd: refused, or answered with finite output."""


def analysis_arguments(rng: random.Random) -> Case:
    """``parley sensitivity`` and ``parley discover`` with hostile options on a finished sweep."""
    if rng.random() < 0.7:
        args, expect = ANALYSIS_ARGS_BAD[rng.randrange(len(ANALYSIS_ARGS_BAD))], "reject"
    else:
        args, expect = ANALYSIS_ARGS_ODD[rng.randrange(len(ANALYSIS_ARGS_ODD))], "either"
    if "--out" not in args and args[1] == "out":
        args = (*args, "--out", "a")
    return Case(f"[results] none: {' '.join(args)[:80]}", args, {}, expect)  # type: ignore[arg-type]


FORECAST_BAD: tuple[tuple[str, ...], ...] = (
    ("--weights", "a=-1"),
    ("--weights", "a=.nan,b=1"),
    ("--weights", "a=nan"),
    ("--weights", "a=inf,b=1"),
    ("--weights", "a=1e999"),
    ("--weights", "a=1,b=x"),
    ("--weights", "nobody=1"),
    ("--weights", "="),
    ("--weights", "a"),
    ("--weights", "a=1,a=2"),
    ("--weights", "a=0,b=0"),
    ("--weights", ","),
    ("--weights", "a=true,b=1"),
    ("--runs", "0"),
    ("--runs", str(2**70)),
    ("--rounds", "-1"),
    ("--rounds", "10001"),
    ("--persistence", "2"),
    ("--persistence", "nan"),
    ("--persistence", "-0.1"),
    ("--model", "nosuch"),
    ("--model", ""),
    ("--out", "{secret}"),
    ("--set", "implementation.periods=0"),
    ("--set", "actors.a.private.belief.sd=-1"),
    ("--set", "ratification.ratifiers.senate.actor=c"),
)
"""``parley forecast`` options that must be refused."""


def forecast_arguments(rng: random.Random) -> Case:
    """``parley forecast`` with hostile weights, counts, models or scenarios."""
    roll = rng.random()
    if roll < 0.75:
        extra = FORECAST_BAD[rng.randrange(len(FORECAST_BAD))]
        args = ("forecast", "t.yaml", "--runs", "20", "--out", "o", *extra)
        return Case(f"forecast {' '.join(extra)[:60]}", args, {"t.yaml": TINY_FULL}, "reject")
    scenario = _pick(rng, ("{secret}", "../outside/secret.yaml", "/etc/passwd", "nowhere", "."))
    args = ("forecast", scenario, "--runs", "20", "--out", "o")
    return Case(f"forecast scenario {scenario}", args, {}, "reject")


def diff_arguments(rng: random.Random) -> Case:
    """``parley diff`` with hostile variants and bases: outside files, itself, a broken file."""
    kind = _pick(rng, ("outside", "broken", "unknown", "same", "no-extends", "cycle"))
    files: dict[str, str | bytes] = {"t.yaml": TINY_FULL}
    expect = "reject"
    if kind == "outside":
        target = _pick(rng, ("{secret}", "../outside/secret.yaml", "/etc/passwd", "/dev/zero"))
        args: tuple[str, ...] = ("diff", "t.yaml", target)
        if rng.random() < 0.5:
            args = ("diff", target)
    elif kind == "broken":
        files["v.yaml"] = "name: v\nextends: t.yaml\nactors:\n  a: {private: {field: 1}}\n"
        args = ("diff", "v.yaml")
    elif kind == "unknown":
        files["v.yaml"] = "name: v\nextends: nowhere\n"
        args = ("diff", "v.yaml")
    elif kind == "same":
        args, expect = ("diff", "t.yaml", "t.yaml"), "either"
    elif kind == "no-extends":
        args, expect = ("diff", "t.yaml"), "reject"
    else:
        files["v.yaml"] = "name: v\nextends: w.yaml\n"
        files["w.yaml"] = "name: w\nextends: v.yaml\n"
        args = ("diff", "v.yaml")
    return Case(f"diff {kind}: {' '.join(args[1:])[:60]}", args, files, expect)  # type: ignore[arg-type]


# --- damaged analysis results ----------------------------------------------------------------

ANALYSIS_DAMAGES = (
    "sensitivity-garbage",
    "sensitivity-list",
    "sensitivity-nan",
    "sensitivity-huge",
    "sensitivity-missing-key",
    "sensitivity-wrong-types",
    "sensitivity-other-sweep",
    "discovery-garbage",
    "discovery-list",
    "discovery-nan",
    "discovery-wrong-types",
    "discovery-huge",
    "discovery-other-sweep",
    "discovery-empty",
    "sensitivity-table",
    "discovery-table",
)
ANALYSIS_EITHER = (
    "sensitivity-huge",
    "discovery-huge",
    "sensitivity-other-sweep",
    "discovery-other-sweep",
    "sensitivity-table",
    "discovery-table",
)
"""Damages a reader may refuse or survive: numbers far out of range, the analysis of another
sweep (left out of the report), a table short of a column."""
ANALYSIS_READERS: tuple[tuple[str, ...], ...] = (
    ("report", "out"),
    ("report", "out", "--out", "r.html"),
)


def damaged_analysis(rng: random.Random) -> Case:
    """A damage of ``sensitivity.json`` or ``discovery.json`` (the case's name) and a reader."""
    damage = _pick(rng, ANALYSIS_DAMAGES)
    command = ANALYSIS_READERS[rng.randrange(len(ANALYSIS_READERS))]
    expect = "either" if damage in ANALYSIS_EITHER else "reject"
    return Case(damage, command, {}, expect)  # type: ignore[arg-type]


def damage_analysis(folder: Path, damage: str) -> None:
    """Damage the sensitivity or discovery results in ``folder`` the way ``damage`` names."""
    name = "sensitivity.json" if damage.startswith("sensitivity") else "discovery.json"
    path = folder / name
    data = json.loads(path.read_text())
    how = damage.split("-", 1)[1]
    if how == "garbage":
        path.write_text("{not json")
        return
    if how == "empty":
        path.write_text("")
        return
    if how == "list":
        data = [data]
    elif how == "nan":
        data = _replace_numbers(data, float("nan"))
    elif how == "huge":
        data = _replace_numbers(data, 1e300)
    elif how == "wrong-types":
        data = _replace_numbers(data, "x")
    elif how == "missing-key":
        data = {k: v for k, v in data.items() if k != next(iter(data))}
    elif how == "other-sweep":
        data = {**data, "sweep": "0" * 64 + "@2020-01-01T00:00:00"}
    elif how == "table":
        data = _drop_table_column(data)
    path.write_text(json.dumps(data))


def _replace_numbers(value: object, by: object) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return by
    if isinstance(value, list):
        return [_replace_numbers(v, by) for v in value]
    if isinstance(value, dict):
        return {k: _replace_numbers(v, by) for k, v in value.items()}
    return value


def _is_record(value: object) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and not any(isinstance(v, dict | list) for v in value.values())
    )


def _drop_table_column(value: object) -> object:
    """Every table (a list of records) short of its last column."""
    if isinstance(value, list) and value and all(_is_record(v) for v in value):
        last = list(value[0])[-1]
        return [{k: v for k, v in row.items() if k != last} for row in value]
    if isinstance(value, list):
        return [_drop_table_column(v) for v in value]
    if isinstance(value, dict):
        return {k: _drop_table_column(v) for k, v in value.items()}
    return value


def analysed_sweep_cases() -> list[Case]:
    """A small finished Sobol sweep of :data:`TINY_FULL` with its sensitivity and discovery
    results (``out/``): the cases of the newer commands start from it."""
    experiment = EXPERIMENT_FULL.replace("DESIGN", "sobol") + (
        "  actors.b.discount: {dist: uniform, low: 0.8, high: 1.0}\n"
        "factors:\n  actors.b.war_cost: [0.02, 0.08]\n"
    )
    files: dict[str, str | bytes] = {"t.yaml": TINY_FULL, "e.yaml": experiment}
    return [
        Case("sweep", ("sweep", "e.yaml", "--workers", "1", "--out", "out"), files, "either"),
        Case("sensitivity", ("sensitivity", "out"), {}, "either"),
        Case("discover", ("discover", "out", "--target", "round > 3"), {}, "either"),
    ]


GENERATORS: dict[str, Callable[[random.Random], Case]] = {
    "private": private_values,
    "ratifier": ratifiers,
    "implementation": implementation,
    "clock": clock,
    "set-new": set_new_fields,
    "experiment-new": experiment_new_fields,
    "forecast": forecast_arguments,
    "diff": diff_arguments,
}
"""Generators of input cases on the newer fields and commands, by family."""
RESULTS_GENERATORS: dict[str, Callable[[random.Random], Case]] = {
    "target": discover_targets,
    "analysis-args": analysis_arguments,
}
"""Generators of cases run against the analysed sweep (:func:`analysed_sweep_cases`)."""


def write_saved_analyses(folder: Path) -> None:
    """A small but valid ``sensitivity.json`` and ``discovery.json`` of the sweep in ``folder``
    (stamped with its identity, so that the report reads them): what the damages start from
    when the sweep has none of its own."""
    from sim.analysis.results import load_results
    from sim.analysis.sensitivity_results import sweep_stamp

    stamp = sweep_stamp(load_results(folder))
    table = [{"factor": "actors.a.war_cost", "S1": 0.4, "S1_conf": 0.1, "ST": 0.5, "ST_conf": 0.1}]
    cell = {"cell": 0, "label": "cell 0", "n_worlds": 20, "notes": []}
    sensitivity = {
        "name": "exp",
        "sweep": stamp,
        "design": "sobol",
        "method": "sobol",
        "notes": [],
        "analyses": [{**cell, "outcome": "round", "method": "sobol", "table": table}],
    }
    prim = {
        "trajectory": [{"coverage": 1.0, "density": 0.5, "mass": 1.0, "restricted": 0}],
        "chosen": 0,
        "limits": [
            {"input": "actors.a.war_cost", "low": 0.01, "high": 0.05, "qp": 0.1,
             "data_low": 0.0, "data_high": 0.1}
        ],
        "base_rate": 0.5,
        "n_worlds": 20,
    }  # fmt: skip
    cart = {
        "text": "tree",
        "leaves": [{"rule": "r", "worlds": 0.5, "density": 1.0}],
        "accuracy": 0.9,
    }
    discovery = {
        "name": "exp",
        "sweep": stamp,
        "target": "round > 3",
        "analyses": [{**cell, "sentence": "a box", "prim": prim, "cart": cart}],
    }
    (folder / "sensitivity.json").write_text(json.dumps(sensitivity))
    (folder / "discovery.json").write_text(json.dumps(discovery))
