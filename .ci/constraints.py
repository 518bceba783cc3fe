"""Write constraints.txt: the exact version of every package that ``pip install -e
'.[dev,distributed,sensitivity,app,ema]'`` installed in this environment (CI's, after a green run).

    python .ci/constraints.py > constraints.txt
"""

from __future__ import annotations

import sys
import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
EXTRAS = ("dev", "distributed", "sensitivity", "app", "ema")


def closure(requirements: list[Requirement]) -> dict[str, str]:
    """Every installed distribution the requirements pull in, with its version."""
    pinned: dict[str, str] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    queue = list(requirements)
    while queue:
        requirement = queue.pop()
        extras = requirement.extras or {""}
        if requirement.marker and not any(
            requirement.marker.evaluate({**default_environment(), "extra": e}) for e in extras
        ):
            continue
        name = canonicalize_name(requirement.name)
        try:
            found = distribution(name)
        except PackageNotFoundError:
            continue
        key = (name, frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        pinned[name] = found.version
        for text in found.requires or []:
            child = Requirement(text)
            if child.marker is None or any(
                child.marker.evaluate({**default_environment(), "extra": e}) for e in extras
            ):
                child.marker = None
                queue.append(child)
    return pinned


project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
wanted = [Requirement(r) for r in project["dependencies"]]
wanted += [Requirement(r) for extra in EXTRAS for r in project["optional-dependencies"][extra]]
print(f"# The versions CI tested (Python {sys.version_info.major}.{sys.version_info.minor}).")
print("# Regenerate after a green CI run: python .ci/constraints.py > constraints.txt")
for name, version in sorted(closure(wanted).items()):
    print(f"{name}=={version}")
