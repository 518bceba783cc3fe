"""Bueno de Mesquita's expected utility model (Scholz, Calbert & Smith 2011), one round written
pair by pair straight from the equations in plain Python: the reference the vectorised model is
tested against, and the per-run baseline its benchmark measures (the public ports loop the same
way)."""

from __future__ import annotations


def reference_round(x: list[float], c: list[float], s: list[float], d: float) -> list[float]:
    """One round written pair by pair straight from the equations (Q = 1), no numpy."""
    n = len(x)
    w = [c[k] * s[k] for k in range(n)]

    def p(i: int, j: int) -> float:
        votes = [w[k] * (abs(x[k] - x[j]) - abs(x[k] - x[i])) for k in range(n)]
        total = sum(abs(v) for v in votes)
        return sum(v for v in votes if v > 0) / total if total > 0 else 0.0

    def eu(i: int, j: int, r: float) -> float:
        gap = abs(x[i] - x[j]) / d
        u_s = 2 - 4 * (0.5 - 0.5 * gap) ** r
        u_f = 2 - 4 * (0.5 + 0.5 * gap) ** r
        u_sq = 2 - 4 * 0.5**r
        return s[j] * (p(i, j) * u_s + (1 - p(i, j)) * u_f) + (1 - s[j]) * u_s - u_sq

    danger = [sum(eu(j, i, 1.0) for j in range(n) if j != i) for i in range(n)]
    hi, lo = max(danger), min(danger)
    big_r = [(2 * dg - hi - lo) / (hi - lo) if hi > lo else 0.0 for dg in danger]
    r = [(1 - b / 3) / (1 + b / 3) for b in big_r]
    new = list(x)
    for i in range(n):
        best: float | None = None
        for j in range(n):
            if x[i] == x[j]:
                continue
            a, b = eu(i, j, r[i]), eu(j, i, r[i])
            if b > a > 0 or (b > 0 > a and b <= -a):
                target = x[j]
            elif b > 0 > a:
                target = x[i] + (x[j] - x[i]) * (-a / b)
            else:
                continue
            if best is None or abs(target - x[i]) < abs(best - x[i]):
                best = target
        if best is not None:
            new[i] = best
    return new
