"""``glm``: generalized linear models by maximum likelihood or IRLS ([R] glm, Methods and
formulas; McCullagh and Nelder 1989; Hardin and Hilbe, *Generalized Linear Models and
Extensions*).

* **ML** (the default): Newton-Raphson on the observed information from one IRLS step off
  Stata's starting means (y + ȳ)/2, or m(y + ½)/(m + 1) for the binomial; ``fisher(#)``
  takes that many Fisher-scoring steps first. The covariance is the scale parameter φ times
  the inverse observed information (``vce(oim)``), or expected information (``vce(eim)``),
  or the outer product of the scores (``vce(opg)``), or the sandwich (``vce(robust)``,
  ``vce(cluster)``, N/(N-1) resp. G/(G-1)).
* **IRLS** (``irls``): iteratively reweighted least squares of the working response on the
  weights dμ²/V, stopping when the deviance changes by less than ``ltolerance()``; the
  covariance is the expected information's, times the scale.
* The scale φ is 1 for the discrete families and Pearson χ² / (N - k) for the continuous
  ones; ``scale(x2)``, ``scale(dev)`` (IRLS only) and ``scale(#)`` override it. With a
  discrete family the overriding scale multiplies the covariance while e(phi) stays 1, as in
  Stata.
* With ``irls``, e(phi) is the ``disp()`` multiplier (1 by default) whatever the family, and
  ``disp(#)`` multiplies the IRLS weights dμ²/V by # (so the variances shrink by #): both as
  glm.ado (version 5.12.1) codes them, although [R] glm describes disp(#) as multiplying the
  variance of y; the standard errors of a continuous family are still scaled by Pearson χ²
  over the residual df.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import StataError
from .glm_links import Link
from .glm_variance import Family
from .robust import sandwich

__all__ = ["GLMData", "GeneralGLMFit", "fit_general_glm"]


@dataclass
class GLMData:
    """The arrays of one fit: response, design, offset, binomial denominators, weights that
    multiply each observation's contribution (``w``), frequency weights (``fw``, which also
    count observations), and cluster codes."""

    y: np.ndarray
    X: np.ndarray
    offset: np.ndarray
    m: np.ndarray
    w: np.ndarray
    fw: np.ndarray | None = None
    cluster: np.ndarray | None = None

    @property
    def nobs(self) -> float:
        return float(self.fw.sum()) if self.fw is not None else float(len(self.y))


@dataclass
class GeneralGLMFit:
    """A ``glm`` fit: estimates, covariance and the header's statistics."""

    family: Family
    link: Link
    beta: np.ndarray
    V: np.ndarray
    mu: np.ndarray
    eta: np.ndarray
    deviance: float
    pearson: float
    phi: float  # e(phi)
    ll: float | None  # None with IRLS
    nobs: float
    rank: int
    iterations: list[tuple[int, float]]
    converged: bool
    method: str  # "ml" or "irls"
    vcetype: str  # OIM, EIM, OPG, Robust, Semirobust
    scale_note: str = ""
    disp: float = 1.0

    @property
    def df(self) -> float:
        return self.nobs - self.rank

    @property
    def aic(self) -> float:
        return (-2 * self.ll + 2 * self.rank) / self.nobs if self.ll is not None else float("nan")

    @property
    def bic(self) -> float:
        return self.deviance - self.df * np.log(self.nobs)


def _means(fam: Family, link: Link, d: GLMData, eta: np.ndarray):
    """μ, dμ/dη, d²μ/dη² at η (the linear predictor including the offset)."""
    p, d1, d2 = link.inverse(eta)
    return d.m * p, d.m * d1, d.m * d2


def _start(fam: Family, link: Link, d: GLMData, mu0: np.ndarray | None) -> np.ndarray:
    """Stata's starting means: ``mu()``, else (y + ȳ)/(m + 1), or m(y + ½)/(m + 1) for the
    binomial; returned as the starting linear predictor."""
    if mu0 is None:
        if fam.code == "binomial":
            mu0 = d.m * (d.y + 0.5) / (d.m + 1)
        else:
            ybar = float(np.sum(d.w * d.y) / np.sum(d.w))
            mu0 = (d.y + ybar) / (d.m + 1)
    return link.link(mu0 / d.m)


def _irls_step(fam, link, d, eta, disp=1.0):
    """One IRLS update from η: the weighted least-squares β and its weights."""
    mu, dmu, _ = _means(fam, link, d, eta)
    v, _ = fam.variance(mu, d.m)
    z = eta + (d.y - mu) / dmu - d.offset
    W = disp * dmu * dmu / v
    ww = W * d.w
    ok = np.isfinite(z) & np.isfinite(ww)
    if not ok.all():
        raise StataError("data not suitable for this family-link combination", 459)
    XtW = d.X.T * ww
    try:
        beta = np.linalg.solve(XtW @ d.X, XtW @ z)
    except np.linalg.LinAlgError:
        beta = np.linalg.lstsq(XtW @ d.X, XtW @ z, rcond=None)[0]
    return beta


def _feasible_start(fam: Family, link: Link, d: GLMData, eta: np.ndarray) -> np.ndarray:
    """One IRLS step from the starting means. Where its means leave the family's support
    (a reciprocal or negative binomial link), the step is taken again from the linear
    predictor moved towards its fit as far as the support allows, until the fitted means are
    feasible."""

    def ok(e):
        return np.all(fam.mean_range(_means(fam, link, d, e)[0], d.m))

    for _ in range(60):
        beta = _irls_step(fam, link, d, eta)
        new = d.X @ beta + d.offset
        if ok(new):
            return beta
        t = 0.5
        while t > 1e-6 and not ok(eta + t * (new - eta)):
            t /= 2
        eta = eta + t * (new - eta)
    raise StataError("data not suitable for this family-link combination", 459)


def _loglik(fam, d, mu, sig2):
    return float(np.sum(d.w * fam.loglik(d.y, mu, d.m, sig2)))


def _pearson(fam, d, mu):
    v, _ = fam.variance(mu, d.m)
    return float(np.sum(d.w * (d.y - mu) ** 2 / v))


def _weights(fam, link, d, eta, observed: bool):
    """μ and the information weights: expected dμ²/V, or observed (Stata's glim_lf)."""
    mu, dmu, d2mu = _means(fam, link, d, eta)
    v, dv = fam.variance(mu, d.m)
    W = dmu * dmu / v
    if observed:
        W = W - (mu - d.y) * (dmu * dmu * dv / (v * v) - d2mu / v)
    return mu, dmu, v, W


def _ml(fam, link, d, beta, sig2_of, iterate, fisher, ltol):
    """Newton-Raphson from β with step halving; returns β, the log and convergence."""
    X = d.X

    def state(b):
        eta = X @ b + d.offset
        mu = _means(fam, link, d, eta)[0]
        if not np.all(fam.mean_range(mu, d.m)):
            return eta, mu, -np.inf
        return eta, mu, _loglik(fam, d, mu, sig2_of(mu))

    eta, mu, ll = state(beta)
    if not np.isfinite(ll):
        raise StataError("data not suitable for this family-link combination", 459)
    log = [(0, ll)]
    converged = False
    for it in range(1, iterate + 1):
        mu, dmu, v, W = _weights(fam, link, d, eta, observed=it > fisher)
        g = X.T @ (d.w * (d.y - mu) / v * dmu)
        H = X.T @ (X * (d.w * W)[:, None])
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, g, rcond=None)[0]
        if not np.all(np.isfinite(step)):
            break
        # the scaled gradient g H⁻¹ g' of the log likelihood with its dispersion: g and H are
        # taken with φ = 1, so divide by φ (Pearson χ² / N) for the continuous families, or the
        # test would depend on the units of y
        nr = float(g @ step) / _phi_now(fam, d, mu)
        t, new = 1.0, None
        for _ in range(50):
            cand = beta + t * step
            e2, m2, l2 = state(cand)
            if np.isfinite(l2) and l2 >= ll - 1e-10 * max(1.0, abs(ll)):
                new = (cand, e2, m2, l2)
                break
            t /= 2
        if new is None:
            break
        beta, eta, mu, ll_new = new
        change = abs(ll_new - ll) / (abs(ll) + 1e-10)
        ll = ll_new
        log.append((it, ll))
        if abs(nr) < 1e-5 and change < ltol:
            converged = True
            break
        if np.max(np.abs(t * step) / (np.abs(beta) + 1e-8)) < 1e-9 and change < ltol:
            converged = True
            break
    if len(log) == 1:  # converged at the start (Gaussian identity: the start is exact)
        mu, dmu, v, W = _weights(fam, link, d, eta, observed=True)
        g = X.T @ (d.w * (d.y - mu) / v * dmu)
        H = X.T @ (X * (d.w * W)[:, None])
        try:
            converged = abs(float(g @ np.linalg.solve(H, g))) / _phi_now(fam, d, mu) < 1e-5
        except np.linalg.LinAlgError:
            converged = False
    return beta, log, converged


def _phi_now(fam: Family, d: GLMData, mu: np.ndarray) -> float:
    """The dispersion at the current means: Pearson χ² / N for the continuous families, 1 for
    the discrete ones."""
    if fam.discrete:
        return 1.0
    phi = _pearson(fam, d, mu) / d.nobs
    return phi if phi > 0 and np.isfinite(phi) else 1.0


def fit_general_glm(
    d: GLMData,
    fam: Family,
    link: Link,
    *,
    irls: bool = False,
    vce: str = "oim",
    scale: str | float | None = None,
    disp: float = 1.0,
    fisher: int = 0,
    iterate: int = 300,
    ltol: float | None = None,
    mu0: np.ndarray | None = None,
    vfactor: float = 1.0,
) -> GeneralGLMFit:
    """Fit ``glm`` to ``d``.

    ``vce`` is ``oim``, ``eim``, ``opg``, ``robust`` or ``cluster`` (on ``d.cluster``);
    ``scale`` ``None``, ``"x2"``, ``"dev"`` or a positive number.

    Raises
    ------
    StataError
        r(459) when the data do not suit the family and link (means outside the support);
        r(430) when the information matrix is singular.
    """
    X = d.X
    N = d.nobs
    k = X.shape[1]
    eta0 = _start(fam, link, d, mu0)
    if irls:
        return _fit_irls(d, fam, link, eta0, vce, scale, disp, iterate, ltol or 1e-6, vfactor)
    beta = _feasible_start(fam, link, d, eta0)

    def sig2_of(mu):  # the Gaussian variance in the reported likelihood: Pearson χ² / N
        if isinstance(scale, float):
            return scale
        return _pearson(fam, d, mu) / N

    beta, log, converged = _ml(fam, link, d, beta, sig2_of, iterate, fisher, ltol or 1e-7)
    eta = X @ beta + d.offset
    mu, dmu, v, W_obs = _weights(fam, link, d, eta, observed=True)
    W_exp = dmu * dmu / v
    pear = _pearson(fam, d, mu)
    dev = float(np.sum(d.w * fam.deviance(d.y, mu, d.m)))
    df = N - k
    x2 = pear / df if df > 0 else float("nan")
    note = ""
    if fam.discrete:
        phi = 1.0
        if scale == "x2":
            factor, note = x2, "square root of Pearson X2-based dispersion"
        elif isinstance(scale, float):
            factor = scale
            if scale != 1:
                note = f"dispersion equal to square root of {_g(scale)}"
        else:
            factor = 1.0
    else:
        if isinstance(scale, float):
            phi = factor = scale
            note = f"dispersion equal to square root of {_g(scale)}"
        else:
            phi = factor = x2
    ll = _loglik(fam, d, mu, sig2_of(mu))
    info_w = {"oim": W_obs, "eim": W_exp}.get(vce, W_obs)
    V = _inverse(X.T @ (X * (d.w * info_w)[:, None]))
    scores = X * ((d.y - mu) / v * dmu)[:, None]  # ∂ℓ/∂β per observation, φ = 1, unweighted
    vcetype = {"oim": "OIM", "eim": "EIM"}.get(vce, "")
    if vce in ("oim", "eim"):
        V = factor * V
    elif vce == "opg":
        V = factor * factor * _opg(scores, d)  # the scores carry 1/φ
        vcetype = "OPG"
    else:
        V = _robust(V, scores, d, vce)
        vcetype = "Robust"
    V = vfactor * V
    return GeneralGLMFit(
        fam, link, beta, V, mu, eta, dev, pear, phi, ll, N, k, log, converged, "ml", vcetype,
        note,
    )  # fmt: skip


def _fit_irls(d, fam, link, eta, vce, scale, disp, iterate, ltol, vfactor) -> GeneralGLMFit:
    X = d.X
    N = d.nobs
    k = X.shape[1]
    log: list[tuple[int, float]] = []
    old, new = 0.0, 1.0
    beta = np.zeros(k)
    i = 1
    while abs(new - old) > ltol and i <= iterate:
        old = new
        beta = _irls_step(fam, link, d, eta, disp)
        eta = X @ beta + d.offset
        mu = _means(fam, link, d, eta)[0]
        new = float(np.sum(d.w * fam.deviance(d.y, mu, d.m))) / disp
        if not np.isfinite(new):
            raise StataError("data not suitable for this family-link combination", 459)
        log.append((i, new))
        i += 1
    converged = abs(new - old) <= ltol
    mu, dmu, v, W_obs = _weights(fam, link, d, eta, observed=True)
    W_exp = dmu * dmu / v
    df = N - k
    pear = _pearson(fam, d, mu) / disp
    dispc, dispd = pear / df, new / df
    note = ""
    if scale is None:
        delta = 1.0 if fam.discrete else dispc
    elif scale == "x2":
        delta = dispc
        note = "square root of Pearson X2-based dispersion" if fam.discrete else ""
    elif scale == "dev":
        delta, note = dispd, "square root of deviance-based dispersion"
    else:
        delta = float(scale)
        if not fam.discrete or delta != 1:
            note = f"dispersion equal to square root of {_g(delta)}"
    scores = X * ((d.y - mu) / v * dmu)[:, None]
    if vce == "eim":
        V, vcetype = delta * _inverse(X.T @ (X * (d.w * disp * W_exp)[:, None])), "EIM"
    elif vce == "oim":
        V, vcetype = delta * _inverse(X.T @ (X * (d.w * disp * W_obs)[:, None])), "OIM"
    elif vce == "opg":
        V, vcetype = delta * delta * _opg(scores, d) / disp**2, "OPG"
    else:
        B = _inverse(X.T @ (X * (d.w * W_exp)[:, None]))
        V = _robust(B, scores, d, vce)
        vcetype = "Robust" if fam.is_canonical(link) else "Semirobust"
    V = vfactor * V
    return GeneralGLMFit(
        fam, link, beta, V, mu, eta, new, pear, disp, None, N, k, log, converged, "irls",
        vcetype, note, disp,
    )  # fmt: skip


def _opg(scores: np.ndarray, d: GLMData) -> np.ndarray:
    """The inverse of Σ s s' over the observations' (unweighted, φ = 1) scores; frequency
    weights repeat an observation, other weights multiply its score."""
    S = scores * (np.sqrt(d.fw) if d.fw is not None else d.w)[:, None]
    return _inverse(S.T @ S)


def _robust(B: np.ndarray, scores: np.ndarray, d: GLMData, vce: str) -> np.ndarray:
    """The sandwich with the bread B (φ = 1) and N/(N-1), or G/(G-1) with G clusters; the
    scores are unweighted (frequency weights repeat them, other weights multiply them)."""
    if d.fw is None:
        scores = scores * d.w[:, None]
    if vce == "cluster":
        G = int(d.cluster.max()) + 1
        q = G / (G - 1) if G > 1 else float("nan")
        return sandwich(B, scores, q, fweights=d.fw, cluster=d.cluster)
    N = d.nobs
    return sandwich(B, scores, N / (N - 1), fweights=d.fw)


def _inverse(H: np.ndarray) -> np.ndarray:
    try:
        V = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        raise StataError("Hessian is not negative semidefinite", 430) from None
    return (V + V.T) / 2


def _g(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.8g}"
