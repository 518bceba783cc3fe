"""Generators of hostile inputs for ``parley``: mutations of the shipped scenario and experiment
files, generated documents, ``--set`` values and damaged results folders.

Every generator takes a :class:`random.Random` and returns a :class:`fuzzkit.Case` that says
whether the input must be refused (``reject``) or may also be accepted with finite outputs
(``either``).  The hypothesis tests (``tests/test_fuzz_generated.py``) drive them with
hypothesis's randoms; the campaign (``tests/fuzz_campaign.py``) with a fresh seed.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from fuzzkit import Case
from hostile_cases import EXPERIMENT, TINY, nested_mapping

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted(p for p in (ROOT / "scenarios").rglob("*.yaml"))
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.yaml"))

NOT_NUMBERS = (".nan", ".NaN", ".inf", "-.inf", ".Inf", "1e999", "-1e999", "nan", "inf")
"""Values that are never a usable number: a case with one where a number was must be refused."""
ODD_VALUES = (
    "0",
    "-0.0",
    "-1",
    "1",
    "2",
    "1e-9",
    "1e-300",
    "1e12",
    "1e13",
    "1e308",
    "123456789012",
    "99999999999999999999",
    "9" * 40,
    "true",
    "false",
    "null",
    "~",
    "''",
    "'0.5'",
    "[]",
    "{}",
    "[0.5, 0.5]",
    "{a: 1}",
    "x",
    "0x10",
    "0o17",
    "1_000",
    "2001-01-01",
    "!!str 0.5",
    "!!binary aGk=",
    "!!python/name:os.system",
    "&a 1",
    "*nowhere",
    "|",
    ">",
    "'",
    '"',
    "[",
    "{",
    "%",
    "@",
    "`",
    "- 1",
    "? x",
    "\t0.5",
    "0.5 # c",
    "0.5\x00",
    "\u202e0.5",
    "😀",
)
"""Values that may or may not fit the field they replace."""
HOSTILE_PATHS = (
    "{secret}",
    "../outside/secret.yaml",
    "../outside/secret",
    "../../../../../../../../etc/passwd",
    "/etc/passwd",
    "/etc/hostname",
    "/proc/self/environ",
    "/proc/self/cmdline",
    "/dev/zero",
    "/dev/random",
    "/",
    "..",
    ".",
    "~/.ssh/id_rsa",
    "scenarios/../../outside/secret.yaml",
    "a" * 300,
    "x/" * 200 + "y",
    "*",
    "**/*.yaml",
    "[a-z]*",
)
"""Where ``extends`` or an experiment's ``scenario`` must never lead."""

_NUMBER = re.compile(r"(?<=[:\[,{] )-?\d+(\.\d+)?(e-?\d+)?(?=\s*[,}\]\n#])")
_KEY_LINE = re.compile(r"^(\s*)[A-Za-z_][\w.-]*:")


def number_spans(text: str) -> list[tuple[int, int]]:
    """Where the numbers of a YAML file are: values of keys, not words inside text blocks."""
    spans: list[tuple[int, int]] = []
    offset = 0
    block_indent: int | None = None
    for line in text.splitlines(keepends=True):
        indent = len(line) - len(line.lstrip(" "))
        if block_indent is not None and (indent > block_indent or not line.strip()):
            offset += len(line)
            continue
        block_indent = None
        key = _KEY_LINE.match(line)
        if key and not line.lstrip().startswith("#"):
            code = line.split(" #", 1)[0]
            if code.rstrip().endswith((">-", ">", "|", "|-", ">+", "|+")):
                block_indent = indent
            else:
                spans += [(offset + m.start(), offset + m.end()) for m in _NUMBER.finditer(code)]
        offset += len(line)
    return spans


def _pick(rng: random.Random, options: tuple[str, ...] | list[str]) -> str:
    return options[rng.randrange(len(options))]


def shipped_scenario(rng: random.Random) -> tuple[str, str]:
    """A shipped scenario file: its name and text (a child's base comes with it)."""
    path = _pick(rng, [str(p) for p in SCENARIOS])
    return Path(path).name, Path(path).read_text()


def _files_with(name: str, text: str) -> dict[str, str | bytes]:
    """The project's files: the (mutated) scenario under ``name`` plus the tiny one."""
    return {name: text, "tiny.yaml": TINY}


def _command(rng: random.Random, name: str) -> tuple[str, ...]:
    if rng.random() < 0.6:
        return ("validate", name)
    return ("run", name, "--json", "--out", "o")


# --- mutations of a shipped scenario ------------------------------------------------------


def _replace_number(rng: random.Random, values: tuple[str, ...], not_numbers: bool) -> Case:
    name, text = shipped_scenario(rng)
    spans = number_spans(text)
    if not spans:
        return line_mutation(rng)
    start, end = rng.choice(spans)
    value = _pick(rng, values)
    mutated = text[:start] + value + text[end:]
    # Plain text "nan"/"inf" is refused where a number is meant, kept where text is.
    expect = "reject" if not_numbers and value not in ("nan", "inf") else "either"
    return Case(
        f"{name}: number {text[start:end]} -> {value!r}",
        _command(rng, name),
        _files_with(name, mutated),
        expect,
    )  # type: ignore[arg-type]


def number_to_not_a_number(rng: random.Random) -> Case:
    """A number of a shipped scenario replaced by NaN or an infinity: must be refused."""
    return _replace_number(rng, NOT_NUMBERS, True)


def number_to_odd_value(rng: random.Random) -> Case:
    """A number of a shipped scenario replaced by an odd value: refused, or run finitely."""
    return _replace_number(rng, ODD_VALUES, False)


def line_mutation(rng: random.Random) -> Case:
    """A line of a shipped scenario deleted, doubled, re-indented, truncated or spliced."""
    name, text = shipped_scenario(rng)
    lines = text.splitlines(keepends=True)
    index = rng.randrange(len(lines))
    how = _pick(rng, ("delete", "double", "indent", "dedent", "truncate", "splice", "tab"))
    if how == "delete":
        del lines[index]
    elif how == "double":
        lines.insert(index, lines[index])
    elif how == "indent":
        lines[index] = "  " + lines[index]
    elif how == "dedent":
        lines[index] = lines[index].lstrip()
    elif how == "truncate":
        lines = lines[:index] + [lines[index][: rng.randrange(len(lines[index]) + 1)]]
    elif how == "splice":
        other = rng.randrange(len(lines))
        lines[index], lines[other] = lines[other], lines[index]
    else:
        lines[index] = lines[index].replace("  ", "\t", 1)
    return Case(
        f"{name}: line {index + 1} {how}",
        _command(rng, name),
        _files_with(name, "".join(lines)),
        "either",
    )


def byte_mutation(rng: random.Random) -> Case:
    """Random bytes flipped, inserted or removed in a shipped scenario."""
    name, text = shipped_scenario(rng)
    data = bytearray(text.encode("utf-8"))
    for _ in range(rng.randint(1, 8)):
        position = rng.randrange(len(data))
        how = rng.randrange(3)
        if how == 0:
            data[position] = rng.randrange(256)
        elif how == 1:
            data.insert(position, rng.randrange(256))
        else:
            del data[position]
    return Case(f"{name}: bytes mutated", _command(rng, name), {name: bytes(data)}, "either")


def structural_bomb(rng: random.Random) -> Case:
    """An alias bomb, deep nesting or an oversize block planted under a key of a shipped
    scenario: must be refused."""
    name, text = shipped_scenario(rng)
    kind = _pick(rng, ("laughs", "nesting", "flow", "size", "anchors", "digits", "tag"))
    width = rng.randint(6, 12)
    if kind == "laughs":
        levels = rng.randint(6, 10)
        bomb = f"z0: &z0 [{', '.join(['lol'] * width)}]\n" + "".join(
            f"z{i}: &z{i} [{', '.join([f'*z{i - 1}'] * width)}]\n" for i in range(1, levels)
        )
        mutated = text + bomb
    elif kind == "nesting":
        mutated = text + nested_mapping(rng.randint(40, 3000))
    elif kind == "flow":
        depth = rng.randint(40, 5000)
        opener = _pick(rng, ("[", "{a: ", "[{b: "))
        mutated = text + "deep: " + opener * depth + "\n"
    elif kind == "size":
        mutated = text + "# " + "x" * rng.randint(130_000, 3_000_000) + "\n"
    elif kind == "anchors":
        mutated = text + "".join(f"k{i}: &a{i} [{', '.join(['1'] * 50)}]\n" for i in range(3000))
    elif kind == "digits":
        digits = "7" * rng.randint(31, 5000)
        mutated = re.sub(r"(?m)^seed:.*$", "", text) + f"seed: {digits}\n"
    else:
        tag = _pick(
            rng,
            (
                "!!python/object/apply:os.system ['id']",
                "!!binary aGk=",
                "!custom 1",
                "!!set {a}",
                "!!omap [a: 1]",
                "!!timestamp 2001-01-01",
            ),
        )
        mutated = text + f"planted: {tag}\n"
    return Case(f"{name}: planted {kind}", _command(rng, name), _files_with(name, mutated))


def hostile_extends(rng: random.Random) -> Case:
    """``extends`` pointing outside the scenario search path: refused, nothing shown."""
    target = _pick(rng, HOSTILE_PATHS)
    name = rng.choice(["child.yaml", "sub/child.yaml"])
    text = f"name: child\nextends: {json.dumps(target)}\n"
    if rng.random() < 0.5:
        text += "description: more\n"
    return Case(f"extends {target[:40]}", _command(rng, name), {name: text}, "reject")


def set_values(rng: random.Random) -> Case:
    """Hostile ``--set`` values on real fields of the baseline."""
    fields = (
        "actors.russia.war_cost",
        "actors.us.capability",
        "actors.ukraine.strategy.beta",
        "actors.nato.discount",
        "actors.russia.salience.territory",
        "actors.us.position",
        "protocol.max_rounds",
        "protocol.recognition",
        "protocol.breakdown_probability",
        "issues.territory.status_quo",
        "dynamics.territory.drift",
        "seed",
        "name",
        "actors.russia.reservation",
        "protocol.order",
        "actors",
        "issues.sanctions",
    )
    assignments = []
    rejects = False
    for _ in range(rng.randint(1, 3)):
        path = _pick(rng, fields)
        roll = rng.random()
        if roll < 0.3:
            value = _pick(rng, NOT_NUMBERS[:6])
            rejects = rejects or path not in ("name",)
        elif roll < 0.5:
            value = "[" * rng.randint(33, 4000)
            rejects = True
        elif roll < 0.6:
            value = "x" * rng.randint(10_001, 100_000)  # (a process argument holds 128 kB)
            rejects = True
        else:  # (no NUL: a process cannot receive one in its arguments)
            value = _pick(rng, [v for v in ODD_VALUES if "\0" not in v])
        assignments += ["--set", f"{path}={value}"]
    args = ("run", "alaska-summit", "--json", "--out", "o", *assignments)
    return Case(
        f"--set {' '.join(a[:30] for a in assignments[1::2])}",
        args,
        {},
        "reject" if rejects else "either",
    )


# --- experiments ---------------------------------------------------------------------------


def _experiment_text(rng: random.Random) -> str:
    return Path(_pick(rng, [str(p) for p in EXPERIMENTS])).read_text()


def hostile_prior(rng: random.Random) -> Case:
    """A prior with hostile parameters added to a shipped experiment."""
    text = _experiment_text(rng)
    dist = _pick(rng, ("uniform", "normal", "beta", "triangular", "dirichlet", "choice"))
    bad = rng.random() < 0.5
    number = (lambda: _pick(rng, NOT_NUMBERS[:6])) if bad else (lambda: _pick(rng, ODD_VALUES[:14]))
    params = {
        "uniform": f"low: {number()}, high: {number()}",
        "normal": f"sd: {number()}",
        "beta": f"concentration: {number()}",
        "triangular": f"low: {number()}, mode: {number()}, high: {number()}",
        "dirichlet": f"concentration: {number()}",
        "choice": f"values: [{number()}, {number()}], weights: [{number()}, {number()}]",
    }[dist]
    target = _pick(
        rng,
        (
            "actors.us.war_cost",
            "actors.*.salience",
            "actors.russia.discount",
            "protocol.breakdown_probability",
            "issues.territory.status_quo",
            "actors.*.capability",
            "dynamics.territory.volatility",
        ),
    )
    key = f"  {target}: {{dist: {dist}, {params}}}\n"
    if re.search(r"(?m)^uncertainty:\s*$", text):
        mutated = re.sub(
            r"(?m)^uncertainty:\s*$", "uncertainty:\n" + key.rstrip("\n"), text, count=1
        )
    else:  # an experiment without priors (or with them in flow style): a section of its own
        mutated = re.sub(r"(?m)^uncertainty:.*$", "", text) + "uncertainty:\n" + key
    args = ("sweep", "e.yaml", "--runs", "40", "--workers", "1", "--out", "o", "--json")
    return Case(
        f"prior {target}: {dist} {params[:50]}",
        args,
        {"e.yaml": mutated},
        "reject" if bad else "either",
    )


def hostile_counts(rng: random.Random) -> Case:
    """Counts too big to allocate: factor grids, runs, chunk sizes, workers, scenario lists."""
    text = _experiment_text(rng)
    kind = _pick(
        rng,
        (
            "grid",
            "runs",
            "--runs",
            "--chunk-size",
            "--workers",
            "scenarios",
            "priors",
            "factor-values",
        ),
    )
    args = ["sweep", "e.yaml", "--workers", "1", "--out", "o", "--json"]
    if kind == "grid":
        n = rng.randint(5, 12)
        values = ", ".join(str(round(0.01 * k, 2)) for k in range(1, rng.randint(12, 40)))
        paths = [
            "actors.russia.war_cost",
            "actors.us.war_cost",
            "actors.ukraine.war_cost",
            "actors.nato.war_cost",
            "actors.russia.discount",
            "actors.us.discount",
            "actors.ukraine.discount",
            "actors.nato.discount",
            "actors.russia.capability",
            "actors.us.capability",
            "actors.ukraine.capability",
            "actors.nato.capability",
        ]
        text = (
            re.sub(r"\nfactors:\n(  .*\n)*", "\n", text)
            + "factors:\n"
            + "".join(f"  {p}: [{values}]\n" for p in paths[:n])
        )
        text = re.sub(
            r"\n  (actors\.\*\.war_cost|actors\.russia\.war_cost|actors\.us\.war_cost"
            r"|actors\.\*\.discount|actors\.russia\.discount|actors\.us\.discount"
            r"|actors\.ukraine\.discount|actors\.nato\.discount|actors\.\w+\.capability"
            r"|actors\.\w+\.war_cost):.*",
            "",
            text,
        )
    elif kind == "runs":
        text = re.sub(
            r"\nruns: \d+", "\nruns: " + str(rng.choice([10**9, 10**11, 2**63, 10**25])), text
        )
    elif kind == "--runs":
        args += ["--runs", str(rng.choice([10**9, 2**63, 10**40]))]
    elif kind == "--chunk-size":
        args += ["--runs", "40", "--chunk-size", str(rng.choice([10**6, 2**40, 10**30]))]
    elif kind == "--workers":
        args += ["--runs", "40"]
        args[args.index("--workers") + 1] = str(rng.choice([1000, 10**6, 2**70]))
    elif kind == "scenarios":
        names = ", ".join(f"s{i}" for i in range(rng.randint(51, 3000)))
        text = re.sub(r"\nscenario: .*", f"\nscenario: [{names}]", text)
    elif kind == "priors":
        text = text.replace(
            "uncertainty:\n",
            "uncertainty:\n"
            + "".join(
                f"  actors.us.war_cost{i}: {{dist: normal, sd: 0.01}}\n"
                for i in range(rng.randint(201, 1500))
            ),
            1,
        )
    else:
        values = ", ".join(["0.05"] * rng.randint(10_001, 25_000))
        text = re.sub(r"\nfactors:\n(  .*\n)*", "\n", text) + f"factors:\n  x.y: [{values}]\n"
    return Case(f"counts: {kind}", tuple(args), {"e.yaml": text}, "reject")


def hostile_experiment_scenario(rng: random.Random) -> Case:
    """An experiment whose ``scenario`` leads outside the search path."""
    target = _pick(rng, HOSTILE_PATHS)
    text = f"name: e\nscenario: {json.dumps(target)}\nruns: 10\n"
    command = rng.choice([("validate", "e.yaml"), ("sweep", "e.yaml", "--out", "o")])
    return Case(f"experiment scenario {target[:40]}", command, {"e.yaml": text}, "reject")


# --- generated documents ---------------------------------------------------------------------


def generated_scenario(rng: random.Random) -> Case:
    """A scenario generated from scratch: random sizes, names and values (often invalid)."""
    n_issues = rng.choice([0, 1, 2, 3, 5, 51, 60])
    n_actors = rng.choice([0, 1, 2, 3, 4, 51])
    issues = [f"i{k}" for k in range(n_issues)]
    lines = [f"name: {rng.choice(['g', 'gen-1', '-bad', '', 'a b', '0x'])}", "issues:"]
    for issue in issues:
        lines.append(f"  {issue}: {{low: a, high: b, status_quo: {_value(rng)}}}")
    lines.append("actors:")
    for a in range(n_actors):
        salience = [rng.random() for _ in issues]
        total = sum(salience) or 1.0
        position = ", ".join(f"{i}: {_value(rng)}" for i in issues)
        shares = ", ".join(
            f"{i}: {s / total if rng.random() < 0.8 else _value(rng)}"
            for i, s in zip(issues, salience, strict=True)
        )
        lines.append(f"  a{a}:")
        lines.append(f"    name: Actor {a}")
        lines.append(f"    position: {{{position}}}")
        lines.append(f"    salience: {{{shares}}}")
        for field in ("capability", "war_cost", "discount", "reservation"):
            if rng.random() < 0.5:
                lines.append(f"    {field}: {_value(rng)}")
        if rng.random() < 0.4:
            kind = rng.choice(["concession", "equilibrium", "other"])
            lines.append(f"    strategy: {{kind: {kind}, beta: {_value(rng)}}}")
        if rng.random() < 0.2:
            lines.append(f"    veto: {rng.choice(['true', 'false', '1', 'maybe'])}")
    lines.append("protocol:")
    lines.append(
        f"  max_rounds: {rng.choice(['1', '5', '30', '10000', '10001', '0', '-3', '2.5'])}"
    )
    lines.append(f"  breakdown_probability: {_value(rng)}")
    if rng.random() < 0.3:
        lines.append(f"  kind: {rng.choice(['alternating', 'random-proposer', 'mediated', 'x'])}")
    if rng.random() < 0.3:
        weights = ", ".join(f"a{a}: {_value(rng)}" for a in range(n_actors))
        lines.append(f"  recognition: {{{weights}}}")
    if rng.random() < 0.3 and issues:
        lines.append(
            f"dynamics:\n  {issues[0]}: {{drift: {_value(rng)}, volatility: {_value(rng)}}}"
        )
    text = "\n".join(lines) + "\n"
    return Case(
        f"generated scenario {n_actors}x{n_issues}",
        _command(rng, "g.yaml"),
        {"g.yaml": text},
        "either",
    )


def _value(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.6:
        return repr(round(rng.random(), 3))
    if roll < 0.75:
        return repr(round(rng.uniform(-2, 3), 3))
    return _pick(rng, ODD_VALUES[:20])


# --- damaged results folders -------------------------------------------------------------

RESULT_DAMAGES = (
    "null-cell",
    "text-cell",
    "text-agreed",
    "zero-rows",
    "fewer-rows",
    "no-world",
    "garbage-parquet",
    "no-parquet",
    "garbage-manifest",
    "nan-manifest",
    "list-manifest",
    "text-seed",
    "edited-seed",
    "text-n-worlds",
    "number-cells",
    "edited-scenario",
    "null-experiment",
    "status-running",
    "huge-runs",
)
RESULT_COMMANDS = (
    ("plot", "out", "--out", "figs"),
    ("report", "out"),
    ("compare", "out"),
    ("replay", "out", "--world", "1", "--cell", "0"),
)


def damaged_results(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    """A damage (see ``test_fuzz_table.damage_results``) and a reader to run on it."""
    return _pick(rng, RESULT_DAMAGES), RESULT_COMMANDS[rng.randrange(len(RESULT_COMMANDS))]


def damage_results(folder: Path, damage: str) -> None:
    """Damage the results folder ``folder`` the way ``damage`` names."""
    runs, manifest_path = folder / "runs.parquet", folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    table = pq.read_table(runs)

    def replace_column(name: str, array: pa.Array) -> None:
        index = table.schema.get_field_index(name)
        pq.write_table(table.set_column(index, name, array), runs)

    if damage == "null-cell":
        replace_column("cell", pa.nulls(table.num_rows, pa.int64()))
    elif damage == "text-cell":
        replace_column("cell", pa.array(["x"] * table.num_rows))
    elif damage == "text-agreed":
        replace_column("agreed", pa.array(["yes"] * table.num_rows))
    elif damage == "zero-rows":
        pq.write_table(table.slice(0, 0), runs)
    elif damage == "fewer-rows":
        pq.write_table(table.slice(0, table.num_rows // 2), runs)
    elif damage == "no-world":
        pq.write_table(table.drop(["world"]), runs)
    elif damage == "garbage-parquet":
        runs.write_bytes(b"PAR1 this is not parquet PAR1")
    elif damage == "no-parquet":
        runs.unlink()
    elif damage == "garbage-manifest":
        manifest_path.write_text("{not json")
    elif damage == "nan-manifest":
        manifest_path.write_text(json.dumps({**manifest, "seed": float("nan")}))
    elif damage == "none":
        pass
    elif damage.startswith("saved-"):  # a saved analysis beside the records, then damaged
        from fuzzgen_model import damage_analysis, write_saved_analyses

        write_saved_analyses(folder)
        if damage != "saved-intact":
            damage_analysis(folder, damage.removeprefix("saved-"))
    else:
        edits = {
            "list-manifest": lambda m: [m],
            "text-seed": lambda m: {**m, "seed": "seven"},
            "edited-seed": lambda m: {**m, "seed": m["seed"] + 1},
            "text-n-worlds": lambda m: {**m, "n_worlds": "many"},
            "number-cells": lambda m: {**m, "cells": 3},
            "null-experiment": lambda m: {**m, "experiment": None},
            "status-running": lambda m: {**m, "status": "running"},
            "huge-runs": lambda m: {**m, "runs_per_cell": 10**30},
            "edited-scenario": _edit_scenario,
        }
        manifest_path.write_text(json.dumps(edits[damage](manifest)))


def _edit_scenario(manifest: dict[str, Any]) -> dict[str, Any]:
    edited = json.loads(json.dumps(manifest))
    for scenario in edited["scenarios"].values():
        for actor in scenario["actors"].values():
            actor["war_cost"] = 0.5
    return edited


def finished_sweep_case() -> Case:
    """A small two-cell sweep (``out/``) that damaged-results cases start from."""
    experiment = EXPERIMENT + "factors:\n  actors.b.war_cost: [0.02, 0.08]\n"
    return Case(
        "finished",
        ("sweep", "e.yaml", "--workers", "1", "--out", "out"),
        {"tiny.yaml": TINY, "e.yaml": experiment},
        "either",
    )


GENERATORS: dict[str, Callable[[random.Random], Case]] = {
    "not-a-number": number_to_not_a_number,
    "odd-value": number_to_odd_value,
    "line": line_mutation,
    "bytes": byte_mutation,
    "bomb": structural_bomb,
    "extends": hostile_extends,
    "set": set_values,
    "prior": hostile_prior,
    "counts": hostile_counts,
    "experiment-scenario": hostile_experiment_scenario,
    "generated": generated_scenario,
}
"""Every generator of input cases, by family."""


def case_from(rng: random.Random) -> Case:
    """One hostile case of a family chosen at random."""
    family = _pick(rng, sorted(GENERATORS))
    case = GENERATORS[family](rng)
    return Case(f"[{family}] {case.name}", case.args, case.files, case.expect, case.setup)
