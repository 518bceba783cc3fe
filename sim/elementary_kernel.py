"""exp, log, log1p, expm1, pow and cos(2 pi u) from IEEE-754's basic operations only, compiled.

numpy's float64 ``exp``, ``log``, ``log1p``, ``expm1`` and ``power`` take other code paths on
CPUs with AVX-512 than on others (measured: they differ from the C library's in the last bit for
0.3-9% of arguments there, and agree with it elsewhere), so a model that called them gave a world
different bits on different machines of one Dask cluster.  These functions use only +, -, *, /,
sqrt, floor, comparisons and bit moves, each exactly rounded by IEEE-754 and compiled without
fast-math (numba does not contract a * b + c into a fused multiply-add), so every machine
computes the same bits, whatever its CPU or C library.

Methods (textbook, not copied code): argument reduction by Cody & Waite (1980), ln 2 split so
that k ln2_hi is exact; exp and expm1 by Taylor polynomials on |r| <= ln2 / 2 (truncation
< 2^-56 relative) and an exact scaling by 2^k, the reduction's rounding carried (Tang 1989); log
and log1p by fdlibm's (Sun 1993) identity log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)),
s = f / (2 + f), with the series of 2 atanh(s); log1p corrects 1 + x's rounding to first order;
pow(x, y) = exp(y log x) with log x and the product carried in double-double (Dekker 1971),
exactly x * x for y = 2; cos(2 pi u) reduced exactly in u to an eighth of a turn, then Taylor.
Against the C library's functions (< 1 ulp): exp, log and power within 1 ulp, log1p, expm1 and
cos(2 pi u) within 2 (tests/test_elementary.py).  The functions without branches (exp, log,
power) vectorise: measured 2.0, 1.9 and 7.6 ns an element against numpy's AVX-512 0.6, 0.7 and
2.0 (``benchmarks/bench_elementary.py``); log1p and expm1, with branches, 7-8 ns.

Every function here is :func:`sim.inlining.inlined`: inlined into its callers (the loops of
:mod:`sim.elementary_loops` and the compiled kernels that call it) before type inference, so none
compiles on its own.  This module imports numba, so only they import it; a function called from
Python compiles on its first call.
"""

from __future__ import annotations

import math
import os
import struct
from decimal import Context, Decimal
from pathlib import Path
from typing import Any

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from sim.inlining import inlined

_EXACT = Context(
    prec=50
)  # the constants' arithmetic (a context of our own: the global one is the user's)
_LN2 = Decimal("0.69314718055994530941723212145817656807550013436026")
_TWO_PI = Decimal("6.2831853071795864769252867665590057683943387987502")


def _trimmed(value: float, zero_bits: int) -> float:
    """``value`` with the lowest ``zero_bits`` bits of its significand cleared."""
    (bits,) = struct.unpack("<q", struct.pack("<d", value))
    (result,) = struct.unpack("<d", struct.pack("<q", bits & ~((1 << zero_bits) - 1)))
    return float(result)


LN2_HI = _trimmed(float(_LN2), 32)
"""ln 2's leading 21 bits: k LN2_HI is exact for every |k| < 2^11 (every exponent)."""
LN2_LO = float(_EXACT.subtract(_LN2, Decimal(LN2_HI)))
INV_LN2 = float(_EXACT.divide(1, _LN2))
TWO_PI_HI = _trimmed(float(_TWO_PI), 32)
TWO_PI_LO = float(_EXACT.subtract(_TWO_PI, Decimal(TWO_PI_HI)))
SQRT2 = math.sqrt(2.0)
EXP_OVERFLOW = 709.782712893383973096  # exp(x) > DBL_MAX above (fdlibm's o_threshold)
EXP_UNDERFLOW = -745.13321910194110842  # exp(x) < 2^-1075 below (fdlibm's u_threshold)
EXPM1_FLOOR = -38.0  # expm1(x) rounds to -1 below (e^-38 < 2^-54)

_EXP_TERMS = tuple(1.0 / math.factorial(n) for n in range(2, 15))  # 1/2! .. 1/14!
_ATANH_TERMS = tuple(2.0 / (2 * n + 1) for n in range(1, 13))  # 2/3, 2/5, .. 2/25
_SIN_TERMS = tuple((-1.0) ** n / math.factorial(2 * n + 1) for n in range(1, 11))
_COS_TERMS = tuple((-1.0) ** n / math.factorial(2 * n) for n in range(2, 12))


def _float_from_bits(typingctx: Any, bits: Any) -> Any:
    """The float64 whose IEEE-754 bits are the int64 ``bits``."""
    if bits != types.int64:
        return None

    def codegen(context: Any, builder: ir.IRBuilder, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


def _bits_of(typingctx: Any, value: Any) -> Any:
    """The IEEE-754 bits of the float64 ``value``, as an int64."""
    if value != types.float64:
        return None

    def codegen(context: Any, builder: ir.IRBuilder, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


float_from_bits: Any = intrinsic(_float_from_bits)
bits_of: Any = intrinsic(_bits_of)


@inlined
def power_of_two(k: int) -> float:
    """2^k for an integer k in [-1022, 1023], exactly."""
    result: float = float_from_bits((k + 1023) << 52)
    return result


@inlined
def exp_parts(x: float, x_tail: float, k: float) -> tuple[float, float]:
    """e^r - 1 = head + tail for r = x + x_tail - k ln 2 (|r| <= ln2 / 2 + a little): head =
    x - k ln2_hi is exact and the tail, the Taylor polynomial's r^2 terms (to r^14, by
    Estrin's scheme) less the reduction's small part, with r's own rounding carried to first
    order, is added to it last (Tang 1989: the reduction's rounding is not counted)."""
    head = x - k * LN2_HI
    low = k * LN2_LO - x_tail
    r = head - low
    r2 = r * r
    r4 = r2 * r2
    t = _EXP_TERMS
    pairs = (
        (t[0] + r * t[1]) + r2 * (t[2] + r * t[3]),
        (t[4] + r * t[5]) + r2 * (t[6] + r * t[7]),
        (t[8] + r * t[9]) + r2 * (t[10] + r * t[11]),
    )
    q = (pairs[0] + r4 * pairs[1]) + (r4 * r4) * (pairs[2] + r4 * t[12])
    rounding = (head - r) - low  # r's rounding, exactly (|head| >= |low|)
    small = r2 * q - low
    return head, small + rounding * (head + small)


@inlined
def scaled(y: float, k: float) -> float:
    """y 2^k for an integer k in [-1076, 1025], rounded once (two exact scalings that keep
    each factor normal)."""
    whole = int(k)
    half = whole >> 1
    return (y * power_of_two(half)) * power_of_two(whole - half)


@inlined
def exp_of_sum(x: float, x_tail: float) -> float:
    """e^(x + x_tail) for a tail below x's last place; branch-free but for the selects, so
    that loops over it vectorise.  An argument beyond either end of the range (or NaN) is
    computed as 0 and its result selected afterwards: no lane does arithmetic on subnormal
    numbers, which costs x86 CPUs a hundred cycles an operation, unless its result is one."""
    inside = (x >= EXP_UNDERFLOW) & (x <= EXP_OVERFLOW)  # no short circuit: no branch
    reduced = x if inside else 0.0
    tail = x_tail if inside else 0.0
    k = math.floor(reduced * INV_LN2 + 0.5)
    head, small = exp_parts(reduced, tail, k)
    result = scaled(1.0 + (head + small), k)
    result = result if inside else (math.inf if x > EXP_OVERFLOW else 0.0)
    return x if x != x else result


@inlined
def exp(x: float) -> float:
    """e^x (within 1 ulp of the C library's; inf above, 0 below the float range; NaN stays)."""
    return exp_of_sum(x, 0.0)


@inlined
def expm1(x: float) -> float:
    """e^x - 1, accurate near 0 (within 2 ulp)."""
    if x != x:
        return x
    if x > EXP_OVERFLOW:
        return math.inf
    if x < EXPM1_FLOOR:
        return -1.0
    k = math.floor(x * INV_LN2 + 0.5)
    head, tail = exp_parts(x, 0.0, k)
    if k == 0.0:
        return head + tail
    if k > 56.0:  # the -1 is below the last place
        return scaled(1.0 + (head + tail), k)
    scale = power_of_two(int(k))
    return scale * (head + tail) + (scale - 1.0)  # scale - 1 is exact for -56 <= k <= 56


@inlined
def log_of_reduced(f: float) -> float:
    """log(1 + f) - f for 1 + f in [sqrt(2)/2, sqrt(2)], as the sum's small terms: the caller
    adds f last (s = f / (2 + f), log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)), R by Estrin's
    scheme)."""
    s = f / (2.0 + f)
    z = s * s
    z2 = z * z
    z4 = z2 * z2
    t = _ATANH_TERMS
    r = (
        ((t[0] + z * t[1]) + z2 * (t[2] + z * t[3]))
        + z4 * ((t[4] + z * t[5]) + z2 * (t[6] + z * t[7]))
        + (z4 * z4) * ((t[8] + z * t[9]) + z2 * (t[10] + z * t[11]))
    )
    half_square = 0.5 * f * f
    return s * (half_square + z * r) - half_square


@inlined
def split(x: float) -> tuple[float, float]:
    """x = 2^k m, m in [sqrt(2)/2, sqrt(2)): (k, m) for a positive finite x (selects only)."""
    subnormal = x < 2.2250738585072014e-308
    x = x * 18014398509481984.0 if subnormal else x  # 2^54: into the normal range
    bits = bits_of(x)
    k = float(((bits >> 52) & 0x7FF) - 1023) - (54.0 if subnormal else 0.0)
    m = float_from_bits((bits & 0xFFFFFFFFFFFFF) | (1023 << 52))
    high = m > SQRT2
    return (k + 1.0 if high else k), (0.5 * m if high else m)


@inlined
def log(x: float) -> float:
    """The natural logarithm (within 1 ulp of the C library's; -inf at 0, NaN below, inf at
    inf; selects only, so that loops over it vectorise)."""
    positive = (x > 0.0) & (x < math.inf)
    k, m = split(x if positive else 1.0)
    f = m - 1.0  # exact: m is within a factor of 2 of 1
    result = k * LN2_HI + ((log_of_reduced(f) + k * LN2_LO) + f)
    result = result if positive else (-math.inf if x == 0.0 else x)
    return math.nan if x < 0.0 else result


@inlined
def log1p(x: float) -> float:
    """log(1 + x), accurate near 0 (within 2 ulp)."""
    if x != x or x == math.inf:
        return x
    if x < -1.0:
        return math.nan
    if x == -1.0:
        return -math.inf
    if abs(x) < 5.551115123125783e-17:  # 2^-54: log1p(x) rounds to x
        return x
    if -0.2928932188134524 <= x < 0.41421356237309503:  # 1 + x in [sqrt(2)/2, sqrt(2)]
        return log_of_reduced(x) + x
    u = 1.0 + x
    k, m = split(u)
    # 1 + x = u + c exactly to first order: log(1 + x) = log(u) + c / u
    c = (1.0 - (u - x)) if k > 0.0 else (x - (u - 1.0))
    f = m - 1.0
    return k * LN2_HI + ((log_of_reduced(f) + (k * LN2_LO + c / u)) + f)


@inlined
def two_sum(a: float, b: float, total: float) -> float:
    """The rounding error of ``total`` = a + b, exactly (Knuth's two-sum)."""
    b_virtual = total - a
    return (a - (total - b_virtual)) + (b - b_virtual)


@inlined
def two_product(a: float, b: float, product: float) -> float:
    """The rounding error of ``product`` = a * b, exactly (Dekker 1971: Veltkamp's split, no
    fused multiply-add; |a|, |b| < 2^996)."""
    big_a = 134217729.0 * a  # 2^27 + 1
    a_hi = big_a - (big_a - a)
    a_lo = a - a_hi
    big_b = 134217729.0 * b
    b_hi = big_b - (big_b - b)
    b_lo = b - b_hi
    return ((a_hi * b_hi - product) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


@inlined
def general_power(x: float, y: float) -> float:
    """x^y for a positive finite x and a finite y: exp(y log x) with log x and the product
    carried to about 2^-70 (Knuth's two-sum, Dekker's two-product), so that the result is
    within a few ulp for any y log x in range."""
    k, m = split(x)
    f = m - 1.0
    whole = k * LN2_HI  # exact
    head = whole + f
    tail = two_sum(whole, f, head) + (log_of_reduced(f) + k * LN2_LO)
    log_hi = head + tail  # log x = log_hi + log_lo, the tail below log_hi's last place
    log_lo = two_sum(head, tail, log_hi)
    product = y * log_hi
    return exp_of_sum(product, two_product(y, log_hi, product) + y * log_lo)


@inlined
def power(x: float, y: float) -> float:
    """x^y as C's pow: exp(y log|x|), exact for y in {0, 1, 2, 1/2} and at |x| in {0, 1, inf},
    a negative x needing an integer y (NaN otherwise, the sign by y's parity).  The usual
    case is computed on every argument (sanitised) and the special ones selected over it, in
    the order of their precedence, so that loops over it vectorise."""
    ax = abs(x)
    usual = (ax > 0.0) & (ax < math.inf) & (abs(y) < math.inf)
    magnitude = general_power(ax if usual else 1.0, y if usual else 1.0)
    unbounded = abs(y) == math.inf
    beyond = 1.0 if ax == 1.0 else (math.inf if (ax > 1.0) == (y > 0.0) else 0.0)
    magnitude = beyond if unbounded else magnitude
    magnitude = (math.inf if y > 0.0 else 0.0) if ax == math.inf else magnitude
    magnitude = (0.0 if y > 0.0 else math.inf) if ax == 0.0 else magnitude
    magnitude = math.sqrt(ax) if (y == 0.5) & (ax < math.inf) else magnitude
    integral = math.floor(y) == y
    odd = integral & (math.floor(0.5 * y) != 0.5 * y)
    negative = bits_of(x) < 0  # -0.0 too
    signed = -magnitude if odd else magnitude
    signed = math.nan if (not integral) & (not unbounded) else signed
    result = signed if negative else magnitude
    result = x * x if y == 2.0 else result
    result = x if y == 1.0 else result
    result = math.nan if (x != x) | (y != y) else result
    return 1.0 if (y == 0.0) | (x == 1.0) else result


@inlined
def _even_series(z: float, t: tuple[float, ...]) -> float:
    """t[0] + t[1] z + ... + t[9] z^9 by Estrin's scheme."""
    z2 = z * z
    z4 = z2 * z2
    low = ((t[0] + z * t[1]) + z2 * (t[2] + z * t[3])) + z4 * ((t[4] + z * t[5]) + z2 * t[6])
    high = (t[7] + z * t[8]) + z2 * t[9]
    return low + (z4 * (z2 * z)) * high


@inlined
def sin_taylor(a: float) -> float:
    """sin(a) for |a| <= pi / 4 (Taylor to a^21)."""
    z = a * a
    return a + a * (z * _even_series(z, _SIN_TERMS))


@inlined
def cos_taylor(a: float) -> float:
    """cos(a) for |a| <= pi / 4 (Taylor to a^22)."""
    z = a * a
    return (1.0 - 0.5 * z) + (z * z) * _even_series(z, _COS_TERMS)


@inlined
def cos_two_pi(u: float) -> float:
    """cos(2 pi u) (within 2 ulp of the exact value of the float u): the turn reduced exactly to
    [0, 1/8] in u, then a Taylor polynomial of 2 pi w."""
    if u != u or abs(u) == math.inf:
        return math.nan
    v = u - math.floor(u)  # [0, 1)
    quarter = math.floor(4.0 * v)
    w = v - 0.25 * quarter  # [0, 1/4), exact
    folded = w > 0.125
    if folded:
        w = 0.25 - w  # exact: w in (1/8, 1/4)
    a = w * TWO_PI_HI + w * TWO_PI_LO
    near = sin_taylor(a) if folded else cos_taylor(a)  # cos(2 pi w) before the fold
    far = cos_taylor(a) if folded else sin_taylor(a)  # sin(2 pi w) before the fold
    if quarter == 0.0:
        return near
    if quarter == 1.0:
        return -far
    if quarter == 2.0:
        return -near
    return far


DEPENDENTS = ("elementary_loops.py", "core/grid_kernel.py", "core/clock_cut_kernel.py")
"""The modules (under ``sim/``) whose compiled kernels inline these functions.  numba's on-disk
cache of a kernel is keyed to its own file's modification time only (numba's documented limit),
so an edit here would leave their cached kernels stale: :func:`refresh_caches` refreshes them first."""

_refreshed: list[bool] = []


def refresh_caches() -> None:
    """Before a dependent's kernels load from numba's cache (once a process):
    :func:`refresh_dependents` of this file's :data:`DEPENDENTS`."""
    if _refreshed:
        return
    here = Path(__file__)
    refresh_dependents(here, [here.parent / name for name in DEPENDENTS])
    _refreshed.append(True)


def refresh_dependents(source: Path, dependents: list[Path]) -> list[Path]:
    """Give every dependent file older than ``source`` the source's modification time, so that
    numba recompiles the kernels it caches for them; returns those changed.  A file that cannot
    be changed (a read-only install, whose files do not change after installing) is left as it
    is."""
    changed = source.stat().st_mtime_ns
    refreshed = []
    for path in dependents:
        try:
            if path.stat().st_mtime_ns < changed:
                os.utime(path, ns=(changed, changed))
                refreshed.append(path)
        except OSError:
            continue
    return refreshed
