"""The package layout is the pipeline: every import points down it, and no modules import each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"

# Lowest first; a module may import from its own layer or any layer before it.
LAYERS = (
    ("sim", "sim.errors", "sim.io", "sim.arrays"),
    ("sim.scenario",),
    ("sim.core",),
    ("sim.forecast",),
    ("sim.experiment",),
    ("sim.sweep",),
    ("sim.analysis",),
    ("sim.output",),
    ("sim.api", "sim.ema"),
    ("sim.app",),
    ("sim.cli", "sim.__main__"),
)


def module_name(path: Path) -> str:
    """Dotted module name of a file under ``sim/``."""
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts).removesuffix(".__init__")


def layer(module: str) -> int:
    """Index in :data:`LAYERS` of the longest prefix that names ``module``'s layer."""
    best, found = -1, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), index
    assert found >= 0, module
    return found


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` outside ``if TYPE_CHECKING:`` blocks (annotations only)."""
    nodes: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        nodes.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return nodes


def sim_imports(path: Path) -> set[str]:
    """Every ``sim`` module ``path`` imports at run time, at module level or inside a function."""
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "sim" or node.module.startswith("sim."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "sim")
    return found


GRAPH = {module_name(path): sim_imports(path) for path in sorted(SIM.rglob("*.py"))}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_down_the_pipeline(module: str) -> None:
    upward = sorted(m for m in GRAPH[module] if layer(m) > layer(module))
    assert not upward, f"{module} imports from a later stage: {upward}"


def test_no_import_cycles() -> None:
    done: set[str] = set()

    def visit(module: str, stack: tuple[str, ...]) -> None:
        if module in stack:
            cycle = stack[stack.index(module) :] + (module,)
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if module in done or module not in GRAPH:
            return
        for imported in sorted(GRAPH[module]):
            visit(imported, (*stack, module))
        done.add(module)

    for module in sorted(GRAPH):
        visit(module, ())


def test_no_module_over_400_lines() -> None:
    long = {
        module_name(path): n
        for path in SIM.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert not long
