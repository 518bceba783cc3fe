"""Target expressions: which worlds are the cases of interest, written over result columns.

``agreed``, ``agreed and gain.ukraine > 0``, ``not agreed or round > 12``,
``0.3 < term.territory <= 0.6``, ``end_reason == "breakdown"``: column names (dotted, as in
``runs.parquet``; a ``param.`` column may be named without its prefix), numbers, strings,
``True``/``False``, comparisons (chains too), ``and``, ``or``, ``not`` and parentheses.  The text
is parsed with Python's own parser (:mod:`ast`) and only those forms are accepted; it is never
executed.  A comparison with a missing value (a term without a deal) is false.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.core.records import PARAM
from sim.errors import did_you_mean

BoolArray = NDArray[np.bool_]

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


class TargetError(ValueError):
    """A target expression does not parse or names a column that does not exist."""


MAX_TARGET_CHARS = 2_000
"""Longest target expression."""
MAX_TARGET_DEPTH = 32
"""Deepest nesting of a target's parts (``not``, parentheses, dotted names); far beyond any
condition a person writes, and well inside what the parser and the evaluator can recurse."""


def _depth(tree: ast.AST) -> int:
    """How deeply ``tree`` nests (counted without recursion, so any tree can be measured)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


@dataclass(frozen=True)
class Target:
    """A parsed target expression and the columns it reads."""

    text: str
    tree: ast.Expression
    columns: tuple[str, ...]

    def evaluate(self, table: Mapping[str, Any]) -> BoolArray:
        """The cases of interest: one boolean per row of ``table`` (columns by name)."""
        result = np.asarray(_evaluate(self.tree.body, table, self.text))
        if result.dtype != np.bool_:
            raise TargetError(
                f"'{self.text}' is not a condition (true or false per world); compare it, "
                f"e.g. '{self.text} > 0'"
            )
        return result


def parse_target(text: str, available: Sequence[str]) -> Target:
    """Parse ``text`` against the column names ``available``; raises :class:`TargetError`."""
    source = text.strip()
    if not source:
        raise TargetError("the target is empty; e.g. --target agreed")
    if len(source) > MAX_TARGET_CHARS:
        raise TargetError(
            f"the target is {len(source):,} characters long; at most {MAX_TARGET_CHARS:,}"
        )
    too_deep = TargetError(
        f"the target nests more than {MAX_TARGET_DEPTH} levels deep (not, parentheses, dotted "
        "names); write a flatter condition"
    )
    try:
        tree = ast.parse(source.replace("\n", " "), mode="eval")
    except (RecursionError, MemoryError):
        raise too_deep from None
    except SyntaxError as error:
        where = f" at character {error.offset}" if error.offset else ""
        raise TargetError(
            f"cannot parse the target '{text}'{where}: write comparisons joined by and/or/not, "
            "e.g. 'agreed and gain.ukraine > 0'"
        ) from None
    if _depth(tree) > MAX_TARGET_DEPTH + 1:
        raise too_deep
    columns: list[str] = []
    for node in ast.walk(tree.body):
        _check_node(node, text)
    _collect(tree.body, columns)
    known = set(available)
    resolved = []
    for name in columns:
        column = name if name in known else PARAM + name
        if column not in known:
            hint = did_you_mean(name, known)
            listing = ", ".join(c for c in available if not c.startswith(PARAM)) or "none"
            raise TargetError(
                f"the target names '{name}', which is not a column of the results"
                + (f"; {hint}" if hint else "")
                + f" (outcome columns: {listing}; inputs: the param.* columns)"
            )
        resolved.append(column)
    renamed = _Rename(dict(zip(columns, resolved, strict=True))).visit(tree)
    return Target(text, renamed, tuple(dict.fromkeys(resolved)))


_ALLOWED = (
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.Compare,
    ast.Name,
    ast.Attribute,
    ast.Constant,
    ast.Load,
    *_COMPARE,
)


def _check_node(node: ast.AST, text: str) -> None:
    if not isinstance(node, _ALLOWED):
        raise TargetError(
            f"cannot use {type(node).__name__.lower()} in the target '{text}': only column names, "
            "numbers, strings, comparisons, and, or, not and parentheses"
        )
    if isinstance(node, ast.Constant) and not isinstance(node.value, int | float | str | bool):
        raise TargetError(f"cannot use {node.value!r} in the target '{text}'")


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return None if head is None else f"{head}.{node.attr}"
    return None


def _collect(node: ast.AST, columns: list[str]) -> None:
    name = _dotted(node)
    if name is not None:
        if name not in ("True", "False"):
            columns.append(name)
        return
    for child in ast.iter_child_nodes(node):
        _collect(child, columns)


class _Rename(ast.NodeTransformer):
    """Replace every dotted column reference by a Name carrying the full column name."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = names

    def generic_visit(self, node: ast.AST) -> ast.AST:
        name = _dotted(node)
        if name is not None and name in self.names:
            return ast.copy_location(ast.Name(id=self.names[name], ctx=ast.Load()), node)
        return super().generic_visit(node)


def _evaluate(node: ast.AST, table: Mapping[str, Any], text: str) -> Any:
    if isinstance(node, ast.Name):
        return np.asarray(table[node.id])
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp):
        value = _evaluate(node.operand, table, text)
        if isinstance(node.op, ast.USub):
            return -value
        return ~_as_bool(value, text)
    if isinstance(node, ast.BoolOp):
        parts = [_as_bool(_evaluate(v, table, text), text) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        combined = parts[0]
        for part in parts[1:]:
            combined = combine(combined, part)
        return combined
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, table, text)
        result: BoolArray | None = None
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _evaluate(right_node, table, text)
            try:
                outcome = np.asarray(_COMPARE[type(op)](left, right), dtype=bool)
            except TypeError as error:
                raise TargetError(f"cannot compare in the target '{text}': {error}") from None
            result = outcome if result is None else np.logical_and(result, outcome)
            left = right
        return result
    raise TargetError(f"cannot evaluate the target '{text}'")  # pragma: no cover - checked


def _as_bool(value: Any, text: str) -> BoolArray:
    array = np.asarray(value)
    if array.dtype != np.bool_:
        raise TargetError(
            f"and/or/not need conditions in the target '{text}'; compare numbers, e.g. "
            "'gain.ukraine > 0'"
        )
    return array


__all__ = ["Target", "TargetError", "parse_target"]
