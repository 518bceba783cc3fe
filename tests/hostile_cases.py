"""A table of hand-written hostile inputs for ``parley``: each must be refused cleanly (exit 2,
one message per problem, no traceback), or accepted with finite outputs, within the budget.

Grouped by what they attack: resource exhaustion from tiny files, reading files outside the
project through ``extends``, numbers that are not numbers, counts that are too big, the
command-line arguments, and damaged results folders (:data:`RESULTS_CASES`, which need a finished
sweep to damage first; see ``tests/test_fuzz_table.py``).
"""

from __future__ import annotations

from fuzzkit import Case

TINY = """\
name: tiny
issues:
  land:
    low: none kept
    high: all kept
    status_quo: 0.5
actors:
  a:
    name: A
    position: {land: 1.0}
    salience: {land: 1.0}
    war_cost: 0.05
  b:
    name: B
    position: {land: 0.0}
    salience: {land: 1.0}
    war_cost: 0.05
protocol:
  max_rounds: 10
"""
"""A valid two-actor, one-issue scenario the cases damage."""

TWO_ISSUES = """\
name: two
issues:
  land: {low: none, high: all, status_quo: 0.5}
  money: {low: none, high: all, status_quo: 0.2}
actors:
  a:
    name: A
    position: {land: 1.0, money: 1.0}
    salience: {land: 0.6, money: 0.4}
    war_cost: 0.05
  b:
    name: B
    position: {land: 0.0, money: 0.0}
    salience: {land: 0.5, money: 0.5}
    war_cost: 0.05
protocol:
  max_rounds: 10
"""

EXPERIMENT = """\
name: exp
scenario: tiny.yaml
runs: 20
seed: 1
uncertainty:
  actors.a.war_cost: {dist: uniform, low: 0.01, high: 0.1}
"""

LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""
"""The "billion laughs": 561 bytes that expand to 9^9 strings."""


def nested_mapping(depth: int) -> str:
    """A mapping nested ``depth`` levels deep, in block style."""
    return "".join(f"{' ' * i}k{i}:\n" for i in range(depth)) + f"{' ' * depth}x: 1\n"


def tiny_with(old: str, new: str) -> str:
    """TINY with the text ``old`` replaced by ``new`` (which must occur)."""
    assert old in TINY, old
    return TINY.replace(old, new, 1)


def experiment_with(extra: str, base: str = EXPERIMENT) -> str:
    """The experiment with ``extra`` lines appended."""
    return base + extra


def _scenario(name: str, text: str, *extra: str, expect: str = "reject") -> Case:
    return Case(name, ("run", "s.yaml", "--json", *extra), {"s.yaml": text}, expect)  # type: ignore[arg-type]


def _validate(name: str, text: str, expect: str = "reject") -> Case:
    return Case(name, ("validate", "s.yaml"), {"s.yaml": text}, expect)  # type: ignore[arg-type]


def _set(name: str, *assignments: str, expect: str = "reject") -> Case:
    args: list[str] = ["run", "tiny.yaml", "--json"]
    for assignment in assignments:
        args += ["--set", assignment]
    return Case(name, tuple(args), {"tiny.yaml": TINY}, expect)  # type: ignore[arg-type]


def _tiny(name: str, *args: str, expect: str = "reject", setup: str = "") -> Case:
    """``parley ARGS`` in a project holding only the tiny scenario."""
    return Case(name, args, {"tiny.yaml": TINY}, expect, setup)  # type: ignore[arg-type]


def _sweep(name: str, experiment: str, *extra: str, expect: str = "reject") -> Case:
    files = {"tiny.yaml": TINY, "two.yaml": TWO_ISSUES, "e.yaml": experiment}
    args = ("sweep", "e.yaml", "--workers", "1", "--out", "out", "--json", *extra)
    return Case(name, args, files, expect)  # type: ignore[arg-type]


def _validate_experiment(name: str, experiment: str, expect: str = "reject") -> Case:
    files = {"tiny.yaml": TINY, "two.yaml": TWO_ISSUES, "e.yaml": experiment}
    return Case(name, ("validate", "e.yaml"), files, expect)  # type: ignore[arg-type]


CASES: list[Case] = [
    # --- resource exhaustion from tiny files --------------------------------------------------
    _validate("alias bomb in a scenario", TINY + LAUGHS.replace("a: &a", "z: &a")),
    _scenario("alias bomb as a field value", TINY + "description: " + "x\n" + LAUGHS),
    _validate_experiment("alias bomb in an experiment", EXPERIMENT + LAUGHS),
    _set("alias bomb in --set", "description=" + "[" * 1 + "&a [1,1,1,1,1,1,1,1,1]]"),
    _set(
        "nested aliases in --set",
        "protocol.order="
        + "{a: &a [x,x,x,x,x,x,x,x], b: &b [*a,*a,*a,*a,*a,*a,*a,*a], "
        + "c: &c [*b,*b,*b,*b,*b,*b,*b,*b], d: &d [*c,*c,*c,*c,*c,*c,*c,*c], "
        + "e: &e [*d,*d,*d,*d,*d,*d,*d,*d], f: &f [*e,*e,*e,*e,*e,*e,*e,*e], "
        + "g: [*f,*f,*f,*f,*f,*f,*f,*f]}",
    ),
    _validate("1,000-level nested mapping", nested_mapping(1000)),
    _validate("1,000 nested flow lists", "name: " + "[" * 1000 + "]" * 1000 + "\n"),
    _validate("1,000 unclosed brackets", "name: " + "[" * 1000 + "\n"),
    _validate("1,000 nested flow mappings", "name: " + "{a: " * 1000 + "1" + "}" * 1000 + "\n"),
    _set("deep brackets in --set", "description=" + "[" * 2000 + "]" * 2000),
    _set("unclosed brackets in --set", "actors.a.salience=" + "{" * 3000),
    _validate_experiment("deep nesting in an experiment", EXPERIMENT + nested_mapping(800)),
    _validate("a 30 MB scenario", TINY + "# " + "x" * 30_000_000 + "\n"),
    _validate("a 30 MB description", TINY + "description: " + "y" * 30_000_000 + "\n"),
    _set("a 5 MB --set value", "description=" + "z" * 5_000_000),
    _validate("a million keys", "name: x\n" + "".join(f"k{i}: {i}\n" for i in range(200_000))),
    _validate(
        "a long anchor chain",
        "a: &x0 1\n" + "".join(f"b{i}: &x{i + 1} *x{i}\n" for i in range(5000)),
    ),
    _validate("binary garbage", "\x00\x01\x02\xff"),
    Case("bytes that are not UTF-8", ("validate", "s.yaml"), {"s.yaml": b"name: \xff\xfe\x00x\n"}),
    _validate("an empty file", ""),
    _validate("a list at the top", "- 1\n- 2\n"),
    _validate("a bare scalar", "42\n"),
    _validate("a python object tag", TINY + "x: !!python/object/apply:os.system ['echo hi']\n"),
    _validate("an unknown tag on a number", tiny_with("status_quo: 0.5", "status_quo: !evil 0.5")),
    _validate(
        "a set instead of a mapping",
        TINY.replace("position: {land: 1.0}", "position: !!set {land}"),
    ),
    _validate("a binary tag", TINY + "blob: !!binary aGVsbG8=\n"),
    _validate("a timestamp as a number", tiny_with("status_quo: 0.5", "status_quo: 2001-12-14")),
    _validate("merge key bomb", TINY + "q: &q {a: 1}\nr: {<<: [*q, *q, *q, *q]}\n"),
    _validate("a complex mapping key", TINY + "? [a, b]\n: 1\n"),
    _validate("two documents", TINY + "---\n" + TINY),
    _validate("tabs for indentation", TINY.replace("  a:", "\ta:")),
    _validate("a BOM and CRLF lines", "\ufeff" + TINY.replace("\n", "\r\n"), expect="either"),
    _validate(
        "a null byte inside a string", tiny_with("name: A", 'name: "A\\0B"'), expect="either"
    ),
    _validate("a 10,000-digit integer", tiny_with("max_rounds: 10", "max_rounds: " + "9" * 10_000)),
    _validate(
        "a 10,000-digit float",
        tiny_with("status_quo: 0.5", "status_quo: 0." + "5" * 10_000),
        expect="either",
    ),
    _validate("a huge exponent", tiny_with("war_cost: 0.05", "war_cost: 1e999999999")),
    # --- extends: never outside the scenario search path, never its content ------------------
    _validate("extends an absolute path outside", "name: x\nextends: {secret}\n"),
    _validate("extends ../ outside the project", "name: x\nextends: ../outside/secret.yaml\n"),
    _validate(
        "extends ../../../ to /etc/passwd", "name: x\nextends: ../../../../../../../../etc/passwd\n"
    ),
    _validate("extends /etc/passwd", "name: x\nextends: /etc/passwd\n"),
    _validate("extends /etc/shadow", "name: x\nextends: /etc/shadow\n"),
    _validate("extends /dev/zero", "name: x\nextends: /dev/zero\n"),
    _validate("extends /dev/urandom", "name: x\nextends: /dev/urandom\n"),
    _validate("extends /proc/self/environ", "name: x\nextends: /proc/self/environ\n"),
    _validate("extends a fifo-like /dev/stdin", "name: x\nextends: /dev/stdin\n"),
    _validate("extends a folder", "name: x\nextends: /etc\n"),
    _validate("extends itself", "name: x\nextends: s.yaml\n"),
    _validate("extends a list", "name: x\nextends: [a, b]\n"),
    _validate("extends a mapping", "name: x\nextends: {a: 1}\n"),
    _validate("extends a null byte", 'name: x\nextends: "a\\0b"\n'),
    _validate("extends a 10,000-character name", "name: x\nextends: " + "a" * 10_000 + "\n"),
    _validate(
        "extends with a secret name ending in .yaml", "name: x\nextends: ../outside/secret\n"
    ),
    Case(
        "a scenario symlinked to a file outside",
        ("validate", "c.yaml"),
        {"c.yaml": "name: c\nextends: linked\n"},
        setup="symlink-secret",
    ),
    Case(
        "an experiment's scenario outside the project",
        ("validate", "e.yaml"),
        {"e.yaml": "name: e\nscenario: {secret}\nruns: 5\n"},
    ),
    Case(
        "an experiment's scenario is /etc/passwd",
        ("sweep", "e.yaml", "--out", "o"),
        {"e.yaml": "name: e\nscenario: ../../../../../../etc/passwd\nruns: 5\n"},
    ),
    # --- numbers that are not numbers ---------------------------------------------------------
    _scenario("NaN salience", tiny_with("salience: {land: 1.0}", "salience: {land: .nan}")),
    _scenario(
        "NaN saliences beside a number",
        TWO_ISSUES.replace("{land: 0.6, money: 0.4}", "{land: .nan, money: 1.0}"),
    ),
    _scenario("infinite salience", tiny_with("salience: {land: 1.0}", "salience: {land: .inf}")),
    _scenario("NaN position", tiny_with("position: {land: 1.0}", "position: {land: .nan}")),
    _scenario("infinite capability", tiny_with("name: A", "name: A\n    capability: .inf")),
    _scenario("NaN capability", tiny_with("name: A", "name: A\n    capability: .nan")),
    _scenario(
        "huge capability", tiny_with("name: A", "name: A\n    capability: 1e308"), expect="either"
    ),
    _scenario("infinite beta", tiny_with("name: A", "name: A\n    strategy: {beta: .inf}")),
    _scenario("NaN beta", tiny_with("name: A", "name: A\n    strategy: {beta: .nan}")),
    _scenario(
        "tiny beta", tiny_with("name: A", "name: A\n    strategy: {beta: 1e-300}"), expect="either"
    ),
    _scenario(
        "huge beta", tiny_with("name: A", "name: A\n    strategy: {beta: 1e300}"), expect="either"
    ),
    _scenario("NaN war cost", tiny_with("war_cost: 0.05", "war_cost: .nan")),
    _scenario("NaN discount", tiny_with("war_cost: 0.05", "war_cost: 0.05\n    discount: .nan")),
    _scenario(
        "tiny discount",
        tiny_with("war_cost: 0.05", "war_cost: 0.05\n    discount: 1e-320"),
        expect="either",
    ),
    _scenario(
        "NaN reservation", tiny_with("war_cost: 0.05", "war_cost: 0.05\n    reservation: .nan")
    ),
    _scenario("NaN status quo", tiny_with("status_quo: 0.5", "status_quo: .NaN")),
    _scenario(
        "NaN breakdown probability",
        tiny_with("max_rounds: 10", "max_rounds: 10\n  breakdown_probability: .nan"),
    ),
    _scenario(
        "infinite recognition weight",
        tiny_with("max_rounds: 10", "max_rounds: 10\n  recognition: {a: .inf, b: 1}"),
    ),
    _scenario(
        "NaN recognition weight",
        tiny_with("max_rounds: 10", "max_rounds: 10\n  recognition: {a: .nan, b: 1}"),
    ),
    _scenario(
        "huge recognition weights",
        tiny_with("max_rounds: 10", "max_rounds: 10\n  recognition: {a: 1e308, b: 1e308}"),
        expect="either",
    ),
    _scenario("NaN drift", TINY + "dynamics:\n  land: {drift: .nan}\n"),
    _scenario("infinite volatility", TINY + "dynamics:\n  land: {volatility: .inf}\n"),
    _scenario("a float max_rounds", tiny_with("max_rounds: 10", "max_rounds: 10.5")),
    _scenario("an infinite max_rounds", tiny_with("max_rounds: 10", "max_rounds: .inf")),
    _scenario("a boolean salience", tiny_with("salience: {land: 1.0}", "salience: {land: true}")),
    _scenario("a string salience", tiny_with("salience: {land: 1.0}", "salience: {land: 'one'}")),
    _scenario("a huge seed", tiny_with("name: tiny", "name: tiny\nseed: 99999999999999999999999")),
    _scenario("a negative seed", tiny_with("name: tiny", "name: tiny\nseed: -1")),
    _set("NaN via --set", "actors.a.salience.land=nan"),
    _set("NaN via --set (YAML)", "actors.a.salience.land=.nan"),
    _set("inf capability via --set", "actors.a.capability=.inf"),
    _set("inf beta via --set", "actors.b.strategy.beta=.inf"),
    _set("-inf war cost via --set", "actors.b.war_cost=-.inf"),
    _set("NaN recognition via --set", "protocol.recognition={a: .nan, b: 1}"),
    _set("inf recognition via --set", "protocol.recognition={a: .inf, b: .inf}"),
    _set("huge int via --set", "protocol.max_rounds=" + "9" * 400),
    _set("seed 2^64 via --set", "seed=18446744073709551616"),
    # --- priors ---------------------------------------------------------------------------------
    _sweep("infinite sd", experiment_with("  actors.b.war_cost: {dist: normal, sd: .inf}\n")),
    _sweep("NaN sd", experiment_with("  actors.b.war_cost: {dist: normal, sd: .nan}\n")),
    _sweep("vanishing sd", experiment_with("  actors.b.war_cost: {dist: normal, sd: 1e-320}\n")),
    _sweep(
        "NaN mean", experiment_with("  actors.b.war_cost: {dist: normal, mean: .nan, sd: 0.1}\n")
    ),
    _sweep(
        "infinite mean",
        experiment_with("  actors.b.war_cost: {dist: normal, mean: .inf, sd: 0.1}\n"),
    ),
    _sweep(
        "mean far outside the range",
        experiment_with("  actors.b.war_cost: {dist: normal, mean: 1e6, sd: 0.1}\n"),
    ),
    _sweep(
        "infinite concentration",
        experiment_with("  actors.b.salience: {dist: dirichlet, concentration: .inf}\n"),
    ),
    _sweep(
        "vanishing concentration",
        experiment_with("  actors.b.salience: {dist: dirichlet, concentration: 1e-300}\n"),
    ),
    _sweep(
        "NaN concentration",
        experiment_with("  actors.b.discount: {dist: beta, concentration: .nan}\n"),
    ),
    _sweep(
        "vanishing beta concentration",
        experiment_with("  actors.b.discount: {dist: beta, concentration: 1e-300}\n"),
    ),
    _sweep(
        "infinite beta concentration",
        experiment_with("  actors.b.discount: {dist: beta, concentration: .inf}\n"),
    ),
    _sweep(
        "NaN uniform bound",
        experiment_with("  actors.b.war_cost: {dist: uniform, low: .nan, high: 0.1}\n"),
    ),
    _sweep(
        "infinite uniform",
        experiment_with("  actors.b.war_cost: {dist: uniform, low: -.inf, high: .inf}\n"),
    ),
    _sweep(
        "huge uniform",
        experiment_with("  actors.b.capability: {dist: uniform, low: 0, high: 1e308}\n"),
    ),
    _sweep(
        "NaN triangular",
        experiment_with("  actors.b.war_cost: {dist: triangular, low: 0, mode: .nan, high: 0.1}\n"),
    ),
    _sweep(
        "NaN choice", experiment_with("  actors.b.war_cost: {dist: choice, values: [.nan, 0.1]}\n")
    ),
    _sweep(
        "infinite choice weight",
        experiment_with(
            "  actors.b.war_cost: {dist: choice, values: [0.1, 0.2], weights: [.inf, 1]}\n"
        ),
    ),
    _sweep(
        "NaN choice weight",
        experiment_with(
            "  actors.b.war_cost: {dist: choice, values: [0.1, 0.2], weights: [.nan, 1]}\n"
        ),
    ),
    _sweep(
        "huge choice list",
        experiment_with(
            "  actors.b.war_cost: {dist: choice, values: [" + ", ".join(["0.1"] * 200_000) + "]}\n"
        ),
    ),
    _sweep(
        "a prior on a non-number",
        experiment_with("  actors.b.name: {dist: uniform, low: 0, high: 1}\n"),
    ),
    _sweep(
        "a prior on recognition weights",
        experiment_with("  protocol.recognition: {dist: uniform, low: 0, high: 1}\n"),
    ),
    _sweep("NaN factor value", experiment_with("factors:\n  actors.b.war_cost: [.nan, 0.1]\n")),
    _sweep("infinite factor value", experiment_with("factors:\n  actors.a.capability: [.inf]\n")),
    _sweep("NaN factor beta", experiment_with("factors:\n  actors.a.strategy.beta: [.nan]\n")),
    # --- counts bounded before anything is allocated ---------------------------------------------
    _sweep(
        "a factor grid of 8 x 30 values",
        experiment_with(
            "factors:\n"
            + "".join(
                f"  {path}: [{', '.join(str(round(0.01 * k, 2)) for k in range(1, 31))}]\n"
                for path in (
                    "actors.a.war_cost",
                    "actors.b.war_cost",
                    "actors.a.capability",
                    "actors.b.capability",
                    "actors.a.discount",
                    "actors.b.discount",
                    "protocol.breakdown_probability",
                    "issues.land.status_quo",
                )
            )
        ),
    ),
    _sweep(
        "a factor with a million values",
        experiment_with("factors:\n  actors.b.war_cost: [" + ", ".join(["0.1"] * 300_000) + "]\n"),
    ),
    _sweep("runs of 10^10", EXPERIMENT.replace("runs: 20", "runs: 10000000000")),
    _sweep(
        "runs of 10^30", EXPERIMENT.replace("runs: 20", "runs: 1000000000000000000000000000000")
    ),
    _sweep("runs as text", EXPERIMENT.replace("runs: 20", "runs: many")),
    _sweep("--runs of 10^12", EXPERIMENT, "--runs", "1000000000000"),
    _sweep("--runs of 2^64", EXPERIMENT, "--runs", "18446744073709551616"),
    _sweep("--chunk-size of 2^70", EXPERIMENT, "--chunk-size", str(2**70)),
    _sweep("--workers of 10^6", EXPERIMENT, "--workers", "1000000"),
    _sweep(
        "an experiment seed of 2^64", EXPERIMENT.replace("seed: 1", "seed: 18446744073709551616")
    ),
    _sweep(
        "max_rounds factor of 10^9",
        experiment_with("factors:\n  protocol.max_rounds: [1000000000]\n"),
    ),
    _sweep(
        "a scenario list of 5,000",
        EXPERIMENT.replace(
            "scenario: tiny.yaml", "scenario: [" + ", ".join(f"s{i}" for i in range(5000)) + "]"
        ),
    ),
    _sweep(
        "many wildcard priors",
        experiment_with(
            "".join(
                f"  actors.*.war_cost{'' if i == 0 else i}: {{dist: uniform, low: 0, high: 0.1}}\n"
                for i in range(2000)
            )
        ),
    ),
    _scenario(
        "10,000 actors",
        "name: many\nissues:\n  land: {low: a, high: b, status_quo: 0.5}\nactors:\n"
        + "".join(
            f"  a{i}: {{name: A, position: {{land: 0.5}}, salience: {{land: 1.0}}}}\n"
            for i in range(10_000)
        ),
        expect="either",
    ),
    _scenario(
        "5,000 issues",
        "name: many\nissues:\n"
        + "".join(f"  i{k}: {{low: a, high: b, status_quo: 0.5}}\n" for k in range(5000))
        + "actors:\n  a: {name: A, position: {}, salience: {}}\n  b: {name: B, position: {}, salience: {}}\n",
    ),
    _scenario(
        "max_rounds of 100,000 with many actors",
        tiny_with("max_rounds: 10", "max_rounds: 100000"),
        expect="either",
    ),
    # --- command-line arguments ------------------------------------------------------------------
    _tiny("--world 2^63", "run", "tiny.yaml", "--world", str(2**63)),
    _tiny("--world 2^64", "run", "tiny.yaml", "--world", str(2**64)),
    _tiny("--world 10^40", "run", "tiny.yaml", "--world", "1" + "0" * 40),
    _tiny("--seed 2^63", "run", "tiny.yaml", "--seed", str(2**63)),
    _tiny("--seed 2^100", "run", "tiny.yaml", "--seed", str(2**100)),
    _tiny(
        "--world 2^63 - 1", "run", "tiny.yaml", "--world", str(2**63 - 1), "--json", expect="either"
    ),
    _tiny(
        "--seed 2^63 - 1", "run", "tiny.yaml", "--seed", str(2**63 - 1), "--json", expect="either"
    ),
    _tiny("--world negative", "run", "tiny.yaml", "--world", "-5"),
    _tiny("an output folder that is a file", "run", "tiny.yaml", "--out", "tiny.yaml/out"),
    Case(
        "an output folder under a file",
        ("run", "tiny.yaml", "--out", "f/sub"),
        {"tiny.yaml": TINY, "f": "x"},
    ),
    _tiny(
        "a read-only output folder",
        "run",
        "tiny.yaml",
        "--out",
        "ro/sub",
        setup="readonly-out",
        expect="either",
    ),
    Case(
        "a sweep into a read-only folder",
        ("sweep", "e.yaml", "--workers", "1", "--out", "ro/sub"),
        {"tiny.yaml": TINY, "e.yaml": EXPERIMENT},
        setup="readonly-out",
        expect="either",
    ),
    Case(
        "a sweep into a file",
        ("sweep", "e.yaml", "--workers", "1", "--out", "tiny.yaml"),
        {"tiny.yaml": TINY, "e.yaml": EXPERIMENT},
    ),
    _tiny("an output folder on a read-only file system", "run", "tiny.yaml", "--out", "/proc/p/x"),
    _tiny("an output folder in /sys", "run", "tiny.yaml", "--out", "/sys/parley"),
    _tiny("an output path with a null byte", "run", "tiny.yaml", "--out", "a\x00b"),
    _tiny("an output path too long", "run", "tiny.yaml", "--out", "x" * 5000),
    _tiny("a scenario name with a null byte", "validate", "ti\x00ny"),
    Case("a scenario name too long", ("run", "n" * 10_000), {}),
    Case("a scenario that is a folder", ("run", "d"), {"d/x.yaml": TINY}),
    Case("a scenario that is /dev/zero", ("validate", "/dev/zero"), {}),
    _tiny("a --set without =", "run", "tiny.yaml", "--set", "actors.a.capability"),
    _tiny("a --set of an unknown path", "run", "tiny.yaml", "--set", "actors.zz.capability=1"),
    _tiny("a --set of a deep path", "run", "tiny.yaml", "--set", "." * 5000 + "=1"),
    _tiny("a --set with a huge index", "run", "tiny.yaml", "--set", f"protocol.order[{10**30}]=a"),
    _tiny(
        "a --set with 10^6 brackets in the path",
        "run",
        "tiny.yaml",
        "--set",
        "protocol.order" + "[0]" * 100_000 + "=a",
    ),
    Case(
        "an unreachable scheduler",
        ("sweep", "e.yaml", "--scheduler", "tcp://127.0.0.1:9", "--out", "o"),
        {"tiny.yaml": TINY, "e.yaml": EXPERIMENT},
    ),
    Case(
        "a scheduler that is not an address",
        ("sweep", "e.yaml", "--scheduler", "not a url::", "--out", "o"),
        {"tiny.yaml": TINY, "e.yaml": EXPERIMENT},
    ),
    Case(
        "resume with nothing to resume",
        ("sweep", "e.yaml", "--resume", "--out", "o"),
        {"tiny.yaml": TINY, "e.yaml": EXPERIMENT},
    ),
    Case("replay of a folder that does not exist", ("replay", "nowhere", "--world", "0"), {}),
    _tiny("replay of a file", "replay", "tiny.yaml", "--world", "0"),
    Case("plot of an empty folder", ("plot", "empty"), {"empty/.keep": ""}),
    Case("report of /etc", ("report", "/etc"), {}),
    Case(
        "compare a folder with itself that is empty",
        ("compare", "empty", "empty"),
        {"empty/.keep": ""},
    ),
    # --- found by the campaign of tests/fuzz_campaign.py on the newer fields and commands ------
    _validate(
        "a flag spelt 'yes'", tiny_with("max_rounds: 10", "max_rounds: 10\n  fighting: 'yes'")
    ),
    _validate(
        "a veto given as 1",
        tiny_with("    war_cost: 0.05\n  b:", "    war_cost: 0.05\n    veto: 1\n  b:"),
    ),
    _validate_experiment("runs: true", EXPERIMENT.replace("runs: 20", "runs: true")),
    # --- 0.6.3: a number in quotes is text ------------------------------------------------------
    _validate("a quoted war cost", tiny_with("war_cost: 0.05\n  b:", "war_cost: '0.05'\n  b:")),
    _validate_experiment("a quoted prior bound", EXPERIMENT.replace("low: 0.01", "low: '0.01'")),
    _validate_experiment(
        "a prior bound given as true",
        EXPERIMENT.replace("low: 0.01", "low: true"),
    ),
    *(
        _validate(f"implementation {name}", TINY + "implementation:\n  periods: 4\n" + line)
        for name, line in (
            ("volatility of 5 per period", "  volatility: {land: 5}\n"),
            ("drift of 3 per period", "  drift: {land: 3}\n"),
            ("reneging cost of 2", "  reneging_cost: {a: 2}\n"),
            ("reneging cost below 0", "  reneging_cost: {a: -0.1}\n"),
            ("war cost drift of 9", "  war_cost_drift: {a: 9}\n"),
            ("term slope of 1e11", "  term_drift: {land: {land: 1e11}}\n"),
            ("term cost as true", "  term_cost: {a: {land: true}}\n"),
        )
    ),
    _validate(
        "a deadline two billion years away",
        tiny_with("max_rounds: 10", "max_rounds: 10\n  deadline_weeks: 1e11"),
    ),
    Case("run a file that is not YAML fields (no line of it shown)", ("run", "/etc/passwd"), {}),
    *(
        _tiny(
            f"forecast {' '.join(extra)}",
            "forecast",
            "tiny.yaml",
            "--runs",
            "5",
            "--out",
            "o",
            *extra,
        )
        for extra in (
            ("--persistence", "nan"),
            ("--weights", "a=inf,b=1"),
            ("--weights", "a=nan,b=1"),
            ("--weights", "a=1e13,b=1"),
            ("--weights", "a=1,a=2,b=1"),
        )
    ),
    Case("forecast /etc/passwd", ("forecast", "/etc/passwd", "--runs", "5", "--out", "o"), {}),
    _tiny("diff against /etc/passwd", "diff", "tiny.yaml", "/etc/passwd"),
]

PRIVATE = tiny_with(
    "war_cost: 0.05",
    "war_cost: 0.05\n    private: {field: war_cost, belief: {dist: normal, sd: 0.03}}",
)
"""TINY with A's war cost private (a belief centred on the scenario's value)."""

ROOT_CAUSE_CASES: list[Case] = [
    # (refused, and the refused field is the only problem printed: no belief "with no value to
    # centre on", which only follows from it)
    Case(name, args, {"s.yaml": text})
    for name, args, text in (
        ("NaN private war cost via --set", ("--set", "actors.a.war_cost=nan"), PRIVATE),
        ("NaN private war cost via --set (YAML)", ("--set", "actors.a.war_cost=.nan"), PRIVATE),
        ("text private war cost via --set", ("--set", "actors.a.war_cost=abc"), PRIVATE),
        ("NaN private war cost", (), PRIVATE.replace("war_cost: 0.05", "war_cost: .nan", 1)),
        ("null private war cost", (), PRIVATE.replace("war_cost: 0.05", "war_cost: null", 1)),
        (
            "NaN private war cost, beta belief",
            (),
            PRIVATE.replace("war_cost: 0.05", "war_cost: .nan", 1).replace("normal", "beta"),
        ),
    )
    for args in [("run", "s.yaml", "--json", *args)]
]
"""Inputs with one root cause that must be reported once, without follow-on problems."""

RESULTS_CASES: list[tuple[str, str, tuple[str, ...]]] = [
    # (name, damage, command); the damage is applied to a finished sweep in ./out (see
    # test_fuzz_table.damage_results) and the command is run against it.
    ("null cell values", "null-cell", ("plot", "out", "--out", "figs")),
    ("text cell values", "text-cell", ("report", "out")),
    ("text cell values (replay)", "text-cell", ("replay", "out", "--world", "0")),
    ("zero rows", "zero-rows", ("plot", "out", "--out", "figs")),
    ("zero rows (report)", "zero-rows", ("report", "out")),
    ("zero rows (compare)", "zero-rows", ("compare", "out", "out")),
    ("runs.parquet is not Parquet", "garbage-parquet", ("report", "out")),
    ("runs.parquet is missing", "no-parquet", ("plot", "out", "--out", "figs")),
    ("a column of the wrong type", "text-agreed", ("plot", "out", "--out", "figs")),
    ("a missing world column", "no-world", ("compare", "out")),
    ("manifest is not JSON", "garbage-manifest", ("replay", "out", "--world", "0")),
    ("manifest is a list", "list-manifest", ("plot", "out", "--out", "figs")),
    ("manifest seed is text", "text-seed", ("replay", "out", "--world", "0")),
    ("manifest seed was edited", "edited-seed", ("replay", "out", "--world", "0")),
    ("manifest n_worlds is text", "text-n-worlds", ("report", "out")),
    ("manifest cells is a number", "number-cells", ("compare", "out")),
    ("manifest scenario was edited", "edited-scenario", ("report", "out")),
    ("manifest scenario was edited (plot)", "edited-scenario", ("plot", "out", "--out", "figs")),
    ("manifest scenario was edited (compare)", "edited-scenario", ("compare", "out")),
    ("manifest experiment is null", "null-experiment", ("replay", "out", "--world", "0")),
    ("manifest status running", "status-running", ("report", "out")),
    ("manifest huge runs", "huge-runs", ("replay", "out", "--world", "0")),
    ("manifest with a NaN", "nan-manifest", ("report", "out")),
    ("replay of a world beyond the runs", "none", ("replay", "out", "--world", "999999")),
    ("replay of world 2^64", "none", ("replay", "out", "--world", str(2**64))),
    ("parquet rows fewer than the manifest says", "fewer-rows", ("report", "out")),
    # --- found by the campaign on the newer commands -----------------------------------------
    (
        "a target nested 3,000 names deep",
        "none",
        ("discover", "out", "--target", "gain" + ".x" * 3000 + " > 0", "--out", "d"),
    ),
    (
        "a target of 400 nots",
        "none",
        ("discover", "out", "--target", "not " * 400 + "agreed", "--out", "d"),
    ),
    ("sensitivity.json is a list", "saved-sensitivity-list", ("report", "out")),
    ("sensitivity.json with a NaN", "saved-sensitivity-nan", ("report", "out")),
    ("sensitivity.json short of a field", "saved-sensitivity-missing-key", ("report", "out")),
    ("sensitivity.json table short of a column", "saved-sensitivity-table", ("report", "out")),
    ("discovery.json with text for numbers", "saved-discovery-wrong-types", ("report", "out")),
    ("discovery.json table short of a column", "saved-discovery-table", ("report", "out")),
    ("discovery.json is empty", "saved-discovery-empty", ("report", "out")),
    # --- found by the campaign in 0.6.3: counts with no upper bound ----------------------------
    ("sensitivity --top 2^70", "none", ("sensitivity", "out", "--top", str(2**70), "--out", "a")),
    (
        "discover --max-worlds 2^70",
        "none",
        ("discover", "out", "--target", "agreed", "--max-worlds", str(2**70), "--out", "d"),
    ),
    (
        "compare --resamples 10^12 (days of work)",
        "none",
        ("compare", "out", "--resamples", str(10**12)),
    ),
]
