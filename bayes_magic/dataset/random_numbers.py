"""Stata's random-number functions over a NumPy generator ([FN] Random-number functions).

Each function has its numbers of arguments (:data:`ARITY`) and a domain (:func:`in_domain`):
outside it, or with a missing argument, the value is missing, never an error. The draws are
NumPy's, not Stata's; ``set seed`` makes them repeatable.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ARITY", "in_domain", "draw"]

#: each function's allowed numbers of arguments
ARITY = {
    "runiform": (0, 2),
    "rnormal": (0, 1, 2),
    "rbinomial": (2,),
    "rpoisson": (1,),
    "rexponential": (1,),
    "rgamma": (2,),
    "rbeta": (2,),
    "rchi2": (1,),
    "rt": (1,),
    "rlogistic": (0, 1, 2),
}


def in_domain(kind: str, vals: list[np.ndarray]) -> np.ndarray:
    """Where the (non-missing) arguments of ``kind`` are in its domain."""
    with np.errstate(invalid="ignore"):
        if kind == "runiform":
            return vals[1] >= vals[0]
        if kind == "rnormal":
            return vals[1] >= 0 if len(vals) == 2 else np.array(True)
        if kind == "rlogistic":
            return vals[-1] >= 0
        if kind == "rbinomial":
            n, p = vals
            return (n >= 1) & (n == np.trunc(n)) & (p > 0) & (p < 1)
        return np.all([v > 0 for v in vals], axis=0)


def draw(kind: str, vals: list[np.ndarray], g: np.random.Generator, n: int) -> np.ndarray:
    """``n`` draws of ``kind`` with arguments ``vals`` (each already in its domain)."""
    if kind == "runiform":
        return g.random(n) if not vals else vals[0] + (vals[1] - vals[0]) * g.random(n)
    if kind == "rnormal":
        m = vals[0] if vals else 0.0
        sd = vals[1] if len(vals) == 2 else 1.0
        return m + sd * g.standard_normal(n)
    if kind == "rlogistic":
        # rlogistic(s) is mean 0 and scale s; rlogistic(m, s)
        m = vals[0] if len(vals) == 2 else 0.0
        scale = vals[-1] if vals else 1.0
        return m + scale * g.logistic(0.0, 1.0, n)
    if kind == "rbinomial":
        return g.binomial(vals[0].astype(np.int64), vals[1]).astype(np.float64)
    if kind == "rpoisson":
        return g.poisson(vals[0]).astype(np.float64)
    if kind == "rexponential":
        return g.exponential(vals[0])
    if kind == "rgamma":
        return g.gamma(vals[0], vals[1])
    if kind == "rbeta":
        return g.beta(vals[0], vals[1])
    if kind == "rchi2":
        return g.chisquare(vals[0])
    return g.standard_t(vals[0])
