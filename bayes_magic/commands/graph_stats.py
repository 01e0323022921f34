"""The numbers behind the statistical plots: kernel densities ([R] kdensity), histogram bins
([R] histogram) and least-squares fits ([G-2] graph twoway lfit, qfit, lfitci).
"""

from __future__ import annotations

import math

import numpy as np

from ..dataset.stats import percentile
from ..errors import StataError

__all__ = [
    "KERNELS",
    "kernel_name",
    "kernel",
    "default_bandwidth",
    "kdensity_grid",
    "density",
    "Bins",
    "histogram_bins",
    "MAX_BINS",
    "polyfit",
    "fit_band",
]

_SQRT5 = math.sqrt(5.0)


def _epanechnikov(z: np.ndarray) -> np.ndarray:
    return np.where(np.abs(z) < _SQRT5, 0.75 * (1 - z * z / 5) / _SQRT5, 0.0)


def _epan2(z: np.ndarray) -> np.ndarray:
    return np.where(np.abs(z) < 1, 0.75 * (1 - z * z), 0.0)


def _biweight(z: np.ndarray) -> np.ndarray:
    return np.where(np.abs(z) < 1, 15 / 16 * (1 - z * z) ** 2, 0.0)


def _cosine(z: np.ndarray) -> np.ndarray:
    return np.where(np.abs(z) < 0.5, 1 + np.cos(2 * np.pi * z), 0.0)


def _gaussian(z: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def _parzen(z: np.ndarray) -> np.ndarray:
    a = np.abs(z)
    inner = 4 / 3 - 8 * a**2 + 8 * a**3
    outer = 8 * (1 - a) ** 3 / 3
    return np.where(a <= 0.5, inner, np.where(a <= 1, outer, 0.0))


def _rectangle(z: np.ndarray) -> np.ndarray:
    return np.where(np.abs(z) < 1, 0.5, 0.0)


def _triangle(z: np.ndarray) -> np.ndarray:
    return np.where(np.abs(z) < 1, 1 - np.abs(z), 0.0)


#: the kernels of [R] kdensity, Methods and formulas
KERNELS = {
    "epanechnikov": _epanechnikov,
    "epan2": _epan2,
    "biweight": _biweight,
    "cosine": _cosine,
    "gaussian": _gaussian,
    "parzen": _parzen,
    "rectangle": _rectangle,
    "triangle": _triangle,
}


def kernel_name(word: str | bool | None) -> str:
    """The kernel ``kernel()`` names (unique abbreviations allowed); epanechnikov by default.

    Raises
    ------
    StataError
        ``kernel() invalid`` (r(198)) for an unknown name.
    """
    if word is None or word is True or not str(word).strip():
        return "epanechnikov"
    w = str(word).strip().lower()
    if w in KERNELS:
        return w
    hits = [k for k in KERNELS if k.startswith(w) and k != "epan2"]
    if len(w) >= 2 and len(hits) == 1:
        return hits[0]
    raise StataError(f"kernel({word}) invalid", 198)


def kernel(name: str):
    """The kernel function K(z)."""
    return KERNELS[name]


def default_bandwidth(x: np.ndarray, w: np.ndarray | None = None) -> float:
    """Stata's default half-width ([R] kdensity, Methods and formulas):
    ``h = 0.9 m / n^(1/5)``, ``m = min(sd, IQR/1.349)``.

    ``sd`` and the quartiles are weighted when ``w`` is given (the quartiles as ``summarize``
    computes them); when ``m`` is 0 (a degenerate IQR) the standard deviation is used.
    """
    n = len(x)
    if n == 0:
        return float("nan")
    if w is None:
        mean = float(np.mean(x))
        sd = math.sqrt(float(np.sum((x - mean) ** 2)) / (n - 1)) if n > 1 else 0.0
    else:
        sw = float(np.sum(w))
        mean = float(np.sum(w * x) / sw)
        var = float(np.sum(w * (x - mean) ** 2) / sw) * n / (n - 1) if n > 1 else 0.0
        sd = math.sqrt(var)
    iqr = percentile(x, w, 75) - percentile(x, w, 25)
    m = min(sd, iqr / 1.349)
    if m <= 0:
        m = sd
    if m <= 0:
        m = abs(float(x[0])) or 1.0
    return 0.9 * m / n**0.2


def kdensity_grid(x: np.ndarray, h: float, n: int) -> np.ndarray:
    """The ``n`` evaluation points: equally spaced from ``min - h`` to ``max + h`` (as
    kdensity lays them out)."""
    return np.linspace(float(np.min(x)) - h, float(np.max(x)) + h, n)


def density(
    x: np.ndarray,
    at: np.ndarray,
    h: float,
    kname: str = "epanechnikov",
    w: np.ndarray | None = None,
) -> np.ndarray:
    """The kernel density estimate ``f(t) = sum_i w_i K((t - x_i)/h) / (h sum_i w_i)``."""
    k = kernel(kname)
    ww = np.ones(len(x)) if w is None else np.asarray(w, dtype=float)
    out = np.empty(len(at))
    for a in range(0, len(at), 256):  # bounded memory for long grids
        z = (at[a : a + 256, None] - x[None, :]) / h
        out[a : a + 256] = (k(z) * ww[None, :]).sum(axis=1)
    return out / (h * ww.sum())


class Bins:
    """Histogram bins: ``edges``, ``start``, ``width`` and ``k`` bins (``discrete`` bars are
    centred on the values)."""

    def __init__(self, start: float, width: float, k: int, discrete: bool = False) -> None:
        self.start = start
        self.width = width
        self.k = k
        self.discrete = discrete
        lo = start - width / 2 if discrete else start
        self.edges = lo + width * np.arange(k + 1)

    def counts(self, x: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
        """(Weighted) counts per bin; a value on an inner edge goes to the upper bin, the
        maximum to the last."""
        idx = np.floor((x - self.edges[0]) / self.width + 1e-9).astype(int)
        idx = np.clip(idx, 0, self.k - 1)
        return np.bincount(idx, weights=w, minlength=self.k)[: self.k].astype(float)


#: the most bins a histogram may have (bayes_magic's limit: more would take minutes to draw)
MAX_BINS = 1000


def _bin_count(span: float, what: str, ceil: bool = False, plus: int = 0) -> int:
    """``span`` (the range over the width) rounded, plus ``plus``, as a number of bins: at
    most :data:`MAX_BINS` (r(198))."""
    k = (math.ceil(span) if ceil else round(span)) + plus if span < 10 * MAX_BINS else None
    if k is None or k > MAX_BINS:
        raise StataError(
            f"{what}: the histogram would have more than {MAX_BINS:,} bins; "
            + ("specify a larger width()" if what == "width()" else "specify width()"),
            198,
        )
    return k


def histogram_bins(
    x: np.ndarray,
    *,
    bins: int | None = None,
    width: float | None = None,
    start: float | None = None,
    discrete: bool = False,
    n: float | None = None,
) -> Bins:
    """The bins of [R] histogram: by default ``k = min(sqrt(N), 10 ln(N)/ln(10))`` (truncated)
    bins from the minimum to the maximum; ``width()`` fixes the width, ``start()`` the first
    bin's lower limit; ``discrete`` gives one bar per value, its width the smallest gap.

    Raises
    ------
    StataError
        for ``bin()`` with ``width()`` (r(198)), and ``start()`` above the minimum (r(198)).
    """
    lo, hi = float(np.min(x)), float(np.max(x))
    if bins is not None and width is not None:
        raise StataError("options bin() and width() may not be combined", 198)
    if start is not None and start > lo:
        raise StataError(f"start() must be less than or equal to {lo:g}", 198)
    first = lo if start is None else start
    if width is not None and not width > 0:
        raise StataError("width() must be positive", 198)
    if bins is not None and bins > MAX_BINS:
        raise StataError(f"bin({bins}) invalid; bin() must be between 1 and {MAX_BINS:,}", 198)
    if discrete:
        vals = np.unique(x)
        gap = float(np.min(np.diff(vals))) if len(vals) > 1 else 1.0
        w = gap if width is None else width
        k = _bin_count((hi - first) / w, "width()" if width is not None else "discrete", plus=1)
        return Bins(first, w, max(k, 1), discrete=True)
    if width is not None:
        k = _bin_count((hi - first) / width - 1e-9, "width()", ceil=True)
        return Bins(first, width, max(1, k))
    if bins is None:
        count = len(x) if n is None else n
        bins = max(1, int(min(math.sqrt(count), 10 * math.log10(max(count, 1)))))
    span = hi - first
    return Bins(first, span / bins if span > 0 else 1.0, bins)


def polyfit(
    x: np.ndarray, y: np.ndarray, degree: int, w: np.ndarray | None = None, kind: str | None = None
) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Least squares of ``y`` on ``1, x, ..., x^degree``, as ``regress`` fits it ([R] regress):
    frequency weights count observations; analytic and sampling weights are rescaled to sum to
    the number of observations.

    Returns
    -------
    tuple
        The coefficients (constant first), ``(X'WX)^-1``, the residual variance ``s^2`` and the
        residual degrees of freedom.
    """
    X = np.vander(x, degree + 1, increasing=True)
    if w is None:
        ww, nobs = np.ones(len(x)), float(len(x))
    elif kind == "fweight":
        ww = np.asarray(w, dtype=float)
        nobs = float(ww.sum())
    else:
        ww = np.asarray(w, dtype=float) * len(x) / float(np.sum(w))
        nobs = float(len(x))
    xtx_inv = np.linalg.pinv(X.T @ (X * ww[:, None]))
    b = xtx_inv @ (X.T @ (ww * y))
    resid = y - X @ b
    df = max(round(nobs) - (degree + 1), 0)
    s2 = float(np.sum(ww * resid**2) / df) if df > 0 else float("nan")
    return b, xtx_inv, s2, df


def fit_band(
    b: np.ndarray, xtx_inv: np.ndarray, s2: float, df: int, at: np.ndarray, level: float, stdf: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The fitted values at ``at`` and their ``level``% confidence band (of the mean, or of a
    forecast with ``stdf``), with Student's t on ``df`` degrees of freedom, as
    ``predict, stdp``/``stdf`` and lfitci compute them."""
    from scipy.special import stdtrit

    X = np.vander(at, len(b), increasing=True)
    fit = X @ b
    var = np.einsum("ij,jk,ik->i", X, xtx_inv, X) * s2
    if stdf:
        var = var + s2
    t = float(stdtrit(df, 0.5 + level / 200)) if df > 0 else float("nan")
    half = t * np.sqrt(var)
    return fit, fit - half, fit + half


def lowess(
    x: np.ndarray,
    y: np.ndarray,
    bwidth: float = 0.8,
    *,
    mean: bool = False,
    weighted: bool = True,
    logit: bool = False,
    adjust: bool = False,
) -> np.ndarray:
    """Stata's lowess smooth ([R] lowess, Methods and formulas), at each observation.

    With the data sorted by x, observation i is smoothed over i - k ... i + k (within the
    data), k = floor((N·bwidth - 0.5)/2), with tricube weights (1 - (|x_j - x_i|/Δ)³)³,
    Δ = 1.0001·max(x_{i+} - x_i, x_i - x_{i-}) (or equal weights with ``noweight``): the
    weighted regression line's prediction at x_i (the weighted mean with ``mean``).
    ``adjust`` shifts the smooth to y's mean; ``logit`` returns its logit, predictions beyond
    [.0001, .9999] set to 1/N and 1 - 1/N first.
    """
    n = len(x)
    order = np.argsort(x, kind="mergesort")
    xs, ys = x[order], y[order]
    k = int(np.floor((n * bwidth - 0.5) / 2))
    out = np.empty(n)
    for i in range(n):
        lo, hi = max(0, i - k), min(n - 1, i + k)
        xw, yw = xs[lo : hi + 1], ys[lo : hi + 1]
        if weighted:
            delta = 1.0001 * max(xs[hi] - xs[i], xs[i] - xs[lo])
            w = (1 - (np.abs(xw - xs[i]) / delta) ** 3) ** 3 if delta > 0 else np.ones(len(xw))
        else:
            w = np.ones(len(xw))
        sw = w.sum()
        my = float(w @ yw) / sw
        if mean:
            out[i] = my
            continue
        mx = float(w @ xw) / sw
        sxx = float(w @ (xw - mx) ** 2)
        slope = float(w @ ((xw - mx) * (yw - my))) / sxx if sxx > 0 else 0.0
        out[i] = my + slope * (xs[i] - mx)
    smooth = np.empty(n)
    smooth[order] = out
    if adjust:
        smooth = smooth + (y.mean() - smooth.mean())
    if logit:
        p = np.where(smooth < 0.0001, 1 / n, np.where(smooth > 0.9999, 1 - 1 / n, smooth))
        smooth = np.log(p / (1 - p))
    return smooth
