"""How a small function is inlined into Parley's compiled kernels (numba), before type inference."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

Function = TypeVar("Function", bound=Callable[..., Any])


def inlined(function: Function) -> Function:
    """``function`` as a numba function that its compiled callers inline before type inference
    (``njit(inline="always")``, numba's untyped IR inliner): it compiles only as part of each
    caller, under the caller's flags, instead of whole on its own first (as an overload inlined
    after typing, ``register_jitable(inline="always")``, is: the six loops of
    :mod:`sim.elementary` compiled in 12.9 s of CPU that way, 2.1 s this way, to the same
    machine code's speed and bits).  Decorating imports numba: only for modules that the kernels
    import when they compile.  Called from Python, the function compiles on its first call."""
    import numba

    return cast(Function, numba.njit(inline="always")(function))
