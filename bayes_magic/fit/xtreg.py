"""Linear panel-data estimators of ``xtreg`` ([XT] xtreg, Methods and formulas; Stata's
``xtreg_fe.ado`` 2.1.0 and ``xtreg_re.ado`` 1.8.1).

* ``fe``: OLS of y - ȳᵢ + ȳ on x - x̄ᵢ + x̄ and a constant, with N - n - K residual degrees of
  freedom; σ_u is the standard deviation over panels of uᵢ = ȳᵢ - x̄ᵢβ - α; the F test that all
  uᵢ = 0 compares the R² of this model with the pooled regression's.
* ``re``: Swamy-Arora's GLS. σ_e from the fixed-effects fit; σ_u² = s²_between - σ_e²/T̄ (T̄
  the harmonic mean of the Tᵢ, zero when negative), from the regression of the panel means;
  θᵢ = 1 - σ_e / sqrt(Tᵢσ_u² + σ_e²); OLS of y - θᵢȳᵢ on x - θᵢx̄ᵢ and 1 - θᵢ gives β and
  V = s²(X*'X*)⁻¹.
* R² within, between and overall are squared correlations of the fitted values with y after
  removing panel means, between panel means, and overall.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ..design.mixed import MixedDesign
from ..errors import StataError

__all__ = ["XtregFit", "fit_xtreg"]


@dataclass
class XtregFit:
    """An ``xtreg`` fit: coefficients over the design's estimable columns and the statistics
    its header and footer show."""

    model: str  # "fe" or "re"
    design: MixedDesign
    beta: np.ndarray
    V_beta: np.ndarray
    groups: np.ndarray  # panel code (0..n-1) of each observation
    n_groups: int
    sizes: np.ndarray
    sigma_u: float
    sigma_e: float
    r2_w: float
    r2_b: float
    r2_o: float
    df_m: int
    df_r: int | None = None  # fe: t tests on N - n - K; re: z tests
    F: float = math.nan
    chi2: float = math.nan
    corr: float = math.nan  # fe: corr(u_i, Xb)
    F_f: float = math.nan
    df_a: int = 0
    theta: np.ndarray = field(default_factory=lambda: np.zeros(0))
    rss: float = math.nan
    params: list = field(default_factory=list)
    gdesign: None = None
    vce: str = "conventional"
    converged: bool = True

    @property
    def rho(self) -> float:
        s = self.sigma_u**2 + self.sigma_e**2
        return self.sigma_u**2 / s if s > 0 else math.nan


def _means(x: np.ndarray, g: np.ndarray, n: int, sizes: np.ndarray) -> np.ndarray:
    if x.ndim == 1:
        return np.bincount(g, x, n) / sizes
    out = np.empty((n, x.shape[1]))
    for j in range(x.shape[1]):
        out[:, j] = np.bincount(g, x[:, j], n) / sizes
    return out


def _flat(a: np.ndarray) -> bool:
    return len(a) < 2 or np.std(a) <= 1e-12 * max(1.0, float(np.abs(a).max()))


def _corr2(a: np.ndarray, b: np.ndarray, flat: float = 0.0) -> float:
    """A squared correlation; ``flat`` (0, or missing as ``corr`` gives) when either side
    does not vary."""
    if _flat(a) or _flat(b):
        return flat
    return float(np.corrcoef(a, b)[0, 1] ** 2)


def _ols(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """β, the residual sum of squares and (X'X)⁻¹."""
    XtX = X.T @ X
    inv = np.linalg.inv(XtX)
    beta = inv @ (X.T @ y)
    e = y - X @ beta
    return beta, float(e @ e), inv


def _omit_within_constant(d: MixedDesign, g: np.ndarray, n: int, sizes: np.ndarray):
    """Columns that do not vary within any panel (fe cannot estimate them): omitted, as
    Stata's "note: x omitted because of collinearity."."""
    X = d.X
    slopes = [k for k, ci in enumerate(d.coef_index) if d.columns[ci].name != "_cons"]
    within = X[:, slopes] - _means(X[:, slopes], g, n, sizes)[g]
    keep, notes = [], []
    scale = np.maximum(np.abs(X[:, slopes]).max(axis=0), 1e-300)
    for j, k in enumerate(slopes):
        if np.abs(within[:, j]).max() <= 1e-10 * scale[j]:
            notes.append(d.columns[d.coef_index[k]].name)
        else:
            keep.append(k)
    if not notes:
        return d, []
    columns = [
        replace(c, kind="omitted") if c.name in notes and c.kind == "coef" else c for c in d.columns
    ]
    index = [ci for k, ci in enumerate(d.coef_index) if d.columns[ci].name not in notes]
    cols = [k for k, ci in enumerate(d.coef_index) if d.columns[ci].name not in notes]
    nd = replace(d, X=d.X[:, cols], columns=columns, coef_index=index)
    return nd, [f"note: {nm} omitted because of collinearity." for nm in notes]


def fit_xtreg(d: MixedDesign, panel: np.ndarray, model: str) -> tuple[XtregFit, list[str]]:
    """Fit ``xtreg, fe`` or ``xtreg, re`` on design ``d`` with panel identifiers ``panel``
    (one per observation of the sample); returns the fit and its notes.

    Raises
    ------
    StataError
        r(2001) with too few observations or degrees of freedom.
    """
    _, g = np.unique(panel, return_inverse=True)
    n = int(g.max()) + 1 if len(g) else 0
    N = d.n
    if N < 3:
        raise StataError("insufficient observations", 2001)
    sizes = np.bincount(g, minlength=n).astype(float)
    # the within regression cannot estimate covariates constant within every panel: fe omits
    # them; re keeps them (the between and GLS regressions estimate them) but leaves them out
    # of the within fit that gives σ_e, as xtreg_re.ado's _regress drops them there
    dw, notes = _omit_within_constant(d, g, n, sizes)
    if model == "fe":
        d = dw
    else:
        notes = []
    names = [d.columns[ci].name for ci in d.coef_index]
    if "_cons" not in names:
        raise StataError("xtreg requires a constant (noconstant is not allowed)", 198)
    slopes = [k for k, nm in enumerate(names) if nm != "_cons"]
    icons = names.index("_cons")
    K = len(slopes)
    y, X = d.y.astype(float), d.X.astype(float)
    ybar_i, xbar_i = _means(y, g, n, sizes), _means(X[:, slopes], g, n, sizes)
    # the within (fixed-effects) regression, on the covariates that vary within panels
    wnames = [dw.columns[ci].name for ci in dw.coef_index]
    wslopes = [k for k, nm in enumerate(names) if nm != "_cons" and nm in wnames]
    Kw = len(wslopes)
    yw = y - ybar_i[g] + y.mean()
    Xw = np.empty((N, Kw + 1))
    Xw[:, :Kw] = X[:, wslopes] - _means(X[:, wslopes], g, n, sizes)[g] + X[:, wslopes].mean(0)
    Xw[:, Kw] = 1.0
    df_fe = N - n - Kw
    if df_fe <= 0:
        raise StataError("insufficient observations", 2001)
    bw, rss_fe, inv_w = _ols(Xw, yw)
    s2_e = rss_fe / df_fe
    common = {"groups": g, "n_groups": n, "sizes": sizes}
    if model == "fe":
        # back to the design's order (slopes, then _cons where the design has it)
        order = [*wslopes, icons]
        beta = np.empty(len(names))
        V = np.empty((len(names), len(names)))
        beta[order] = bw
        V[np.ix_(order, order)] = s2_e * inv_w
        xb = X @ beta
        u = _means(y - xb, g, n, sizes)
        sigma_u = float(np.std(u, ddof=1)) if n > 1 else math.nan
        bs = beta[slopes]
        Vs = V[np.ix_(slopes, slopes)]
        F = float(bs @ np.linalg.solve(Vs, bs)) / K if K else math.nan
        tss_w = float(np.sum((y - ybar_i[g]) ** 2))
        r2_w = 1 - rss_fe / tss_w if tss_w > 0 else math.nan
        tss = float(np.sum((y - y.mean()) ** 2))
        r2_full = 1 - rss_fe / tss
        _bp, rss_p, _ = _ols(X, y)
        r2_pool = 1 - rss_p / tss
        F_f = (
            ((r2_full - r2_pool) / (n - 1)) / ((1 - r2_full) / df_fe)
            if n > 1 and r2_full < 1
            else math.nan
        )
        fit = XtregFit(
            "fe",
            d,
            beta,
            V,
            **common,
            sigma_u=sigma_u,
            sigma_e=math.sqrt(s2_e),
            r2_w=r2_w,
            r2_b=_corr2(_means(xb, g, n, sizes), ybar_i, math.nan),
            r2_o=_corr2(xb, y, math.nan),
            df_m=K,
            df_r=df_fe,
            F=F,
            corr=math.nan if _flat(xb) or _flat(u) else float(np.corrcoef(u[g], xb)[0, 1]),
            F_f=F_f,
            df_a=n - 1,
            rss=rss_fe,
        )
        return fit, notes
    # random effects: Swamy-Arora
    # the between regression of the panel means; a covariate whose panel means are all equal
    # (days 0-9 in every panel) drops out of it, as _regress omits a collinear variable
    Xb = np.column_stack([xbar_i, np.ones(n)])
    coef, _res, rank_b, _sv = np.linalg.lstsq(Xb, ybar_i, rcond=None)
    if n <= rank_b:
        raise StataError("insufficient observations", 2001)
    eb = ybar_i - Xb @ coef
    s2_b = float(eb @ eb) / (n - rank_b)
    tbar = n / float(np.sum(1.0 / sizes))
    s2_u = s2_b - s2_e / tbar
    sigma_u = math.sqrt(s2_u) if s2_u > 0 else 0.0
    theta = 1 - math.sqrt(s2_e) / np.sqrt(sizes * sigma_u**2 + s2_e)
    th = theta[g]
    ys = y - th * ybar_i[g]
    Xs = np.empty_like(X)
    Xs[:, slopes] = X[:, slopes] - th[:, None] * xbar_i[g]
    Xs[:, icons] = 1 - th
    beta, rss_s, inv_s = _ols(Xs, ys)
    V = rss_s / (N - K - 1) * inv_s
    bs = beta[slopes]
    chi2 = float(bs @ np.linalg.solve(V[np.ix_(slopes, slopes)], bs)) if K else math.nan
    xb = X @ beta
    xbm = _means(xb, g, n, sizes)
    fit = XtregFit(
        "re",
        d,
        beta,
        V,
        **common,
        sigma_u=sigma_u,
        sigma_e=math.sqrt(s2_e),
        r2_w=_corr2(xb - xbm[g], y - ybar_i[g]),
        r2_b=_corr2(xbm, ybar_i),
        r2_o=_corr2(xb, y),
        df_m=K,
        chi2=chi2,
        theta=theta,
        rss=rss_s,
    )
    return fit, notes
