"""scipy's normal CDF and its inverse, callable from compiled loops with scipy's own bits.

The loops of :mod:`sim.core.offer_kernel` evaluate the truncated normal belief's quantile and
CDF (Devroye 1986, ch. 2, inversion) as :mod:`sim.distributions.inversion` does with
``scipy.special.ndtri``/``ndtr``.  numba cannot call a ufunc, but scipy exports the same C
functions (Cephes) in ``scipy.special.cython_special``: linked by name into numba's JIT, the
loops' values are scipy's bit for bit, and the compiled code stays cacheable (the address is
resolved in each process, not baked into the cache).  Hand-written because numba-scipy, which
registers scipy.special this way, requires scipy <= 1.11 (its last release, 0.4.0, April 2024)
and the project runs scipy 1.17; the loops need only these two functions.
"""

from __future__ import annotations

import ctypes
from functools import cache
from typing import Any

FUNCTIONS = (("ndtri", "ndtri"), ("ndtr", "__pyx_fuse_1ndtr"))
"""Our names for scipy's ``ndtri`` and ``ndtr`` (of a double) and their C names in
``scipy.special.cython_special``."""

SIGNATURE = "double (double, int __pyx_skip_dispatch)"
"""Their C signature: x and Cython's dispatch flag (0)."""


@cache
def scipy_linkable() -> bool:
    """Whether scipy exports ``ndtri`` and ``ndtr`` of a double as the loops call them (a scipy
    that names or orders its fused functions otherwise runs the reference instead)."""
    from scipy.special import cython_special

    exported = getattr(cython_special, "__pyx_capi__", {})
    name_of = ctypes.pythonapi.PyCapsule_GetName
    name_of.restype, name_of.argtypes = ctypes.c_char_p, [ctypes.py_object]
    for _, symbol in FUNCTIONS:
        capsule = exported.get(symbol)
        if capsule is None or name_of(capsule) != SIGNATURE.encode():
            return False
    return True


@cache
def scipy_functions() -> tuple[Any, Any]:
    """``ndtri`` and ``ndtr`` as numba external functions of (x, 0), linked in this process."""
    import llvmlite.binding as llvm
    from numba import types
    from numba.extending import get_cython_function_address

    found = []
    for name, symbol in FUNCTIONS:
        address = get_cython_function_address("scipy.special.cython_special", symbol)
        llvm.add_symbol(f"parley_scipy_{name}", address)
        signature = types.float64(types.float64, types.intc)
        found.append(types.ExternalFunction(f"parley_scipy_{name}", signature))
    return found[0], found[1]
