"""Ordered logit and probit by maximum likelihood ([R] ologit, [R] oprobit, Methods and formulas).

With outcomes coded 1..J and cutpoints κ_1 < ... < κ_{J-1} (κ_0 = -∞, κ_J = +∞),

    Pr(y = j | x) = F(κ_j - xβ) - F(κ_{j-1} - xβ),

F the logistic or standard normal distribution function; X has no constant (the cutpoints
take its place). The log likelihood's gradient and Hessian in (β, κ) are analytic; Newton's
method with step halving starts from β = 0 and the cutpoints of the constant-only model,
κ_j = F⁻¹(share of outcomes ≤ j), whose log likelihood Σ n_j log(n_j / N) is ``e(ll_0)`` and
the first line of Stata's iteration log. The covariance is the inverse of the observed
information; ``vce(robust)`` / ``vce(cluster)`` use the sandwich with the per-observation
scores, as for ``logit``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import special, stats

from ..design.mixed import MixedDesign
from ..errors import StataError
from .optimize import newton_ascent
from .robust import ml_sandwich, wald_all

__all__ = [
    "OrdinalFit",
    "fit_ordinal",
    "category_probabilities",
    "cdf_pdf_dpdf",
    "equation_scores",
]


def cdf_pdf_dpdf(link: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """F(z), f(z) and f'(z), with F(±∞) = 1, 0 handled."""
    if link == "logit":
        F = special.expit(z)
        f = F * (1 - F)
        df = f * (1 - 2 * F)
    else:
        F = special.ndtr(z)
        f = np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)
        df = -z * f
    inf = ~np.isfinite(z)
    f = np.where(inf, 0.0, f)
    df = np.where(inf, 0.0, df)
    return F, f, df


def category_probabilities(link: str, xb: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Pr(y = j) for each observation (rows) and outcome (columns)."""
    k = np.concatenate([[-np.inf], cuts, [np.inf]])
    F = cdf_pdf_dpdf(link, k[None, :] - xb[:, None])[0]
    return np.diff(F, axis=1)


def equation_scores(link: str, xb: np.ndarray, y: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Each observation's ∂ℓ/∂(xβ) and ∂ℓ/∂κ_1 ... ∂ℓ/∂κ_{J-1} (``predict, scores``), for
    outcome codes ``y`` in 0..J-1 (NaN where ``y`` or ``xb`` is missing)."""
    J1 = len(cuts)
    out = np.full((len(xb), J1 + 1), np.nan)
    ok = ~np.isnan(xb) & ~np.isnan(y)
    c = y[ok].astype(np.int64)
    k = np.concatenate([[-np.inf], cuts, [np.inf]])
    Fu, fu, _ = cdf_pdf_dpdf(link, k[c + 1] - xb[ok])
    Fl, fl, _ = cdf_pdf_dpdf(link, k[c] - xb[ok])
    P = Fu - Fl
    S = np.zeros((len(c), J1 + 1))
    S[:, 0] = -(fu - fl) / P
    rows = np.arange(len(c))
    up, lo = c <= J1 - 1, c >= 1
    S[rows[up], 1 + c[up]] += (fu / P)[up]
    S[rows[lo], c[lo]] -= (fl / P)[lo]
    out[ok] = S
    return out


@dataclass
class OrdinalFit:
    """An ordered logit or probit fit."""

    link: str  # "logit" or "probit"
    design: MixedDesign  # X without constant; y the outcome codes 0..J-1
    values: np.ndarray  # the outcome values, in order (e(cat))
    beta: np.ndarray
    cuts: np.ndarray
    V: np.ndarray  # covariance of (beta, cuts)
    ll: float
    ll0: float
    iterations: list[tuple[int, float]]
    converged: bool
    vce: str = "oim"
    offset_name: str | None = None  # offset(): the variable added to xβ
    params: list = field(default_factory=list)

    constant = True  # the constant-only model exists: LR test and pseudo R2, as logit's

    @property
    def V_beta(self) -> np.ndarray:
        p = len(self.beta)
        return self.V[:p, :p]

    @property
    def n_clust(self) -> int:
        return self.design.n_clusters if self.vce == "cluster" else 0

    @property
    def wald_test(self) -> bool:
        return self.vce != "oim"

    def lr_test(self) -> tuple[float, int, float]:
        p = len(self.beta)
        if self.wald_test:
            chi2, df = wald_all(self.beta, self.V_beta, list(range(p)))
        else:
            chi2, df = max(2.0 * (self.ll - self.ll0), 0.0), p
        ok = df > 0 and chi2 == chi2
        return chi2, df, float(stats.chi2.sf(chi2, df)) if ok else float("nan")


def _loglik(link: str, X, y, w, J: int, theta: np.ndarray, need: int = 2, off=0.0):
    """ℓ, its gradient and Hessian in θ = (β, κ), and the per-observation scores."""
    n, p = X.shape
    beta, cuts = theta[:p], theta[p:]
    xb = X @ beta + off
    k = np.concatenate([[-np.inf], cuts, [np.inf]])
    zu = k[y + 1] - xb  # upper
    zl = k[y] - xb  # lower
    Fu, fu, dfu = cdf_pdf_dpdf(link, zu)
    Fl, fl, dfl = cdf_pdf_dpdf(link, zl)
    if link == "probit":  # accuracy in the upper tail: Pr = Φ(-zl) - Φ(-zu)
        P = np.where(zl > 0, special.ndtr(-zl) - special.ndtr(-zu), Fu - Fl)
    else:
        P = np.where(zl > 0, special.expit(-zl) - special.expit(-zu), Fu - Fl)
    with np.errstate(divide="ignore"):
        ll = float(np.sum(w * np.log(P)))
    if need == 0:
        return ll, None, None, None
    # ∂ log P / ∂κ_j: fu/P where j = y (upper), -fl/P where j = y-1 (lower); ∂/∂β = -(fu-fl)/P x
    a = fu / P
    b = fl / P
    S = np.zeros((n, p + J - 1))
    S[:, :p] = -((a - b)[:, None] * X)
    up = y <= J - 2  # the upper cut exists
    lo = y >= 1
    S[np.flatnonzero(up), p + y[up]] += a[up]
    S[np.flatnonzero(lo), p + y[lo] - 1] -= b[lo]
    g = S.T @ w
    # Hessian: ∂²log P = (∂²P)/P - (∂P)(∂P)'/P²; ∂P/∂zu = fu, ∂P/∂zl = -fl
    m = p + J - 1
    du = np.zeros((n, m))  # ∂zu/∂θ
    dl = np.zeros((n, m))
    du[:, :p] = -X
    dl[:, :p] = -X
    du[np.flatnonzero(up), p + y[up]] = 1.0
    dl[np.flatnonzero(lo), p + y[lo] - 1] = 1.0
    du[~up, :p] = 0.0  # zu = +inf there: no dependence
    dl[~lo, :p] = 0.0
    A = du * (dfu / P)[:, None]
    B = dl * (dfl / P)[:, None]
    H = (du * w[:, None]).T @ A - (dl * w[:, None]).T @ B - (S * w[:, None]).T @ S
    return ll, g, H, S


def fit_ordinal(
    d: MixedDesign,
    link: str,
    *,
    vce: str = "oim",
    iterate: int = 300,
    offset: np.ndarray | None = None,
    offset_name: str | None = None,
) -> OrdinalFit:
    """Fit an ordered logit or probit of ``d.y`` on ``d.X`` (no constant), with ``offset``
    added to the linear index (coefficient 1; the constant-only model keeps it).

    Raises
    ------
    StataError
        r(2000) when the outcome does not vary; r(149) with more than 50 outcome values (as
        Stata); r(430) when the information matrix is singular.
    """
    values, y = np.unique(d.y, return_inverse=True)
    y = y.astype(np.int64).ravel()
    J = len(values)
    if J < 2:
        raise StataError("outcome does not vary", 2000)
    if J > 50:
        raise StataError(f"{J} outcomes detected; 50 is the maximum", 149)
    w = np.ones(d.n) if d.weights is None else np.asarray(d.weights, dtype=float)
    X = d.X
    p = X.shape[1]
    off = np.zeros(d.n) if offset is None else np.asarray(offset, dtype=float)
    counts = np.bincount(y, weights=w, minlength=J)
    N = counts.sum()
    cum = np.cumsum(counts)[:-1] / N
    F_inv = special.logit if link == "logit" else special.ndtri
    cuts0 = F_inv(cum)
    if offset is None:
        ll0 = float(np.sum(counts * np.log(counts / N)))
    else:  # the constant-only model with the offset: cutpoints alone, fitted
        ll0 = _newton(link, X[:, :0], y, w, J, off, cuts0, iterate)[1]
    theta, ll, log, converged = _newton(
        link, X, y, w, J, off, np.concatenate([np.zeros(p), cuts0]), iterate
    )
    ll, _g, H, S = _loglik(link, X, y, w, J, theta, off=off)
    try:
        V = np.linalg.inv(-H)
    except np.linalg.LinAlgError:
        raise StataError("Hessian is not negative semidefinite", 430) from None
    V = (V + V.T) / 2
    if vce != "oim":
        V = ml_sandwich(V, S, w, d, vce)
    return OrdinalFit(
        link,
        d,
        values,
        theta[:p],
        theta[p:],
        V,
        ll,
        ll0,
        log,
        converged,
        vce=vce,
        offset_name=offset_name,
    )


def _newton(link, X, y, w, J, off, theta, iterate):
    """Newton's method with step halving (cutpoints kept increasing): (θ, ℓ, log, converged)."""
    p = X.shape[1]

    def loglik(th: np.ndarray, derivatives: bool):
        ll, g, H, _ = _loglik(link, X, y, w, J, th, need=2 if derivatives else 0, off=off)
        return ll, g, H

    return newton_ascent(loglik, theta, iterate, valid=lambda th: bool(np.all(np.diff(th[p:]) > 0)))
