"""Summary statistics as ``summarize`` and ``egen`` compute them ([R] summarize).

The standard deviation divides by ``N - 1`` (by the sum of the weights minus one for
``fweight`` and ``iweight``); ``aweight`` weights are rescaled to sum to the number of
observations; skewness is ``m3 / m2^1.5`` and kurtosis ``m4 / m2^2`` with ``N`` in the moments'
denominators; the ``p``-th percentile with cumulative weights ``W_i`` and ``P = W p / 100`` is
``(x_i + x_{i+1}) / 2`` when ``W_i = P`` and ``x_{i+1}`` when ``W_i < P < W_{i+1}``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["moments", "percentile"]


def moments(x: np.ndarray, w: np.ndarray | None, kind: str | None) -> dict[str, float]:
    """Summary statistics of non-missing ``x`` with optional weights (r() of summarize).

    ``N`` is the number of observations, or the sum of the weights for ``fweight``; ``sum_w``
    is the sum of the weights as given.
    """
    n = len(x)
    if w is None:
        w = np.ones(n)
        kind = None
    sum_w = float(w.sum())
    out: dict[str, float] = {"N": float(n), "sum_w": sum_w}
    if n == 0:
        return out
    if kind == "aweight":
        wn = w * n / sum_w
        denom_n = n
    elif kind in ("fweight", "iweight"):
        wn = w
        denom_n = sum_w
        if kind == "fweight":
            out["N"] = sum_w
    else:
        wn = w
        denom_n = n
    mean = float((wn * x).sum() / wn.sum())
    dev = x - mean
    m2 = float((wn * dev**2).sum() / wn.sum())
    var = float((wn * dev**2).sum() / (denom_n - 1)) if denom_n > 1 else np.nan
    out.update(
        mean=mean,
        Var=var,
        sd=float(np.sqrt(var)) if var == var and var >= 0 else np.nan,
        min=float(x.min()),
        max=float(x.max()),
        sum=float((w * x).sum()) if kind != "aweight" else float((wn * x).sum()),
    )
    if m2 > 0:
        out["skewness"] = float((wn * dev**3).sum() / wn.sum()) / m2**1.5
        out["kurtosis"] = float((wn * dev**4).sum() / wn.sum()) / m2**2
    else:
        out["skewness"] = np.nan
        out["kurtosis"] = np.nan
    return out


def percentile(x: np.ndarray, w: np.ndarray | None, p: float) -> float:
    """Stata's summarize percentile of ``x`` (weights optional)."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    ws = np.ones(len(xs)) if w is None else w[order]
    cum = np.cumsum(ws)
    P = cum[-1] * p / 100.0
    i = int(np.searchsorted(cum, P, side="left"))  # first i with W_i >= P
    if i < len(xs) and np.isclose(cum[i], P, rtol=0, atol=1e-12 * max(1.0, cum[-1])):
        return float((xs[i] + xs[min(i + 1, len(xs) - 1)]) / 2)
    return float(xs[min(i, len(xs) - 1)])


def group_moments(
    y: np.ndarray, g: np.ndarray, w: np.ndarray, levels: list
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each group's weighted count, mean and variance (divisor count − 1; missing below two),
    in the order of ``levels`` (a missing level, NaN, selects the missing group values); as
    ``oneway`` and ``tabulate, summarize()`` compute them."""
    n_g, m_g, v_g = [], [], []
    for lv in levels:
        sel = (g == lv) if lv == lv else np.array([x != x for x in g], dtype=bool)
        n = float(w[sel].sum())
        m = float(np.average(y[sel], weights=w[sel]))
        v = float(np.sum(w[sel] * (y[sel] - m) ** 2) / (n - 1)) if n > 1 else float("nan")
        n_g.append(n)
        m_g.append(m)
        v_g.append(v)
    return np.array(n_g), np.array(m_g), np.array(v_g)
