"""Nonlinear mixed models by the Lindstrom-Bates algorithm ([ME] menl, Methods and formulas).

The model is y_ij = f(x_ij, β, b_i) + e_ij, b_i ~ N(0, Σ), e_ij ~ N(0, σ²). Lindstrom and Bates
(1990, *Biometrics* 46: 673-687; Pinheiro and Bates 2000, sec. 7.2) alternate two steps until
the estimates stop changing:

* **PNLS**: with the relative covariance D = Σ/σ² held fixed, minimize the penalized sum of
  squares Σ ||y_i - f(β, b_i)||² + Σ b_i' D⁻¹ b_i over β and the b_i (b_i = Λu_i with ΛΛ' = D,
  so a singular D is allowed), by a trust-region Gauss-Newton method;
* **LME**: linearize f at the PNLS estimates, X = ∂f/∂β and Z = ∂f/∂b, and fit the linear mixed
  model w = Xβ + Zb + e, w = y - f + Xβ̂ + Zb̂, by ML or REML (:func:`fit_mixed`), which gives
  new D and σ².

The estimates are those of the last LME step, so the log likelihood reported ("linearization
log likelihood") is that of the linearized model, and the standard errors are the LME's: the
fixed effects' from (X'V⁻¹X)⁻¹, the variance components' from the observed information of the
profiled likelihood, as after ``mixed``. When f is linear in β and b the linearization is
exact, and the fit is ``mixed``'s. Derivatives are central differences.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import least_squares

from ..design.factors import Column
from ..design.mixed import MixedDesign, RELevel
from ..design.nonlinear import NonlinearDesign
from ..errors import StataError
from .mixed import MixedFit, fit_mixed, psd_cholesky

__all__ = ["NonlinearFit", "fit_nonlinear"]


@dataclass
class NonlinearFit:
    """What ``menl`` estimated: the last LME step (for inference) and the PNLS estimates."""

    design: NonlinearDesign
    lme: MixedFit
    beta: np.ndarray  # the fixed effects (the LME step's, which equal PNLS's at convergence)
    Bs: list[np.ndarray]  # each level's G-by-q random effects: the PNLS conditional modes
    converged: bool
    iterations: list[tuple[int, float]] = field(default_factory=list)
    beta0: np.ndarray | None = None  # the starting values (from the fit without random effects)

    @property
    def n(self) -> int:
        return self.design.n

    @property
    def reml(self) -> bool:
        return self.lme.reml

    @property
    def ll(self) -> float:
        return self.lme.ll


def _step(x: np.ndarray) -> np.ndarray:
    return 1e-5 * np.maximum(np.abs(x), 1e-3)  # relative, also for parameters far below 1


def _jacobians(
    d: NonlinearDesign, beta: np.ndarray, Bs: list[np.ndarray]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Central-difference ∂f/∂β (n-by-p) and, per level, ∂f/∂b (n-by-q: each observation's
    own group's effects)."""
    X = np.empty((d.n, d.p))
    for k, h in enumerate(_step(beta)):
        up, dn = beta.copy(), beta.copy()
        up[k] += h
        dn[k] -= h
        X[:, k] = (d.f(up, Bs) - d.f(dn, Bs)) / (2 * h)
    Zs = []
    for li, lv in enumerate(d.levels):
        Z = np.empty((d.n, lv.q))
        for j in range(lv.q):
            h = float(_step(np.array([np.max(np.abs(Bs[li][:, j]))]))[0])
            up = [B.copy() for B in Bs]
            dn = [B.copy() for B in Bs]
            up[li][:, j] += h
            dn[li][:, j] -= h
            Z[:, j] = (d.f(beta, up) - d.f(beta, dn)) / (2 * h)
        Zs.append(Z)
    return X, Zs


def _identified(d: NonlinearDesign, X: np.ndarray, Zs: list[np.ndarray]) -> None:
    """r(430) when the linearized model cannot be fitted: fixed-effects parameters whose
    derivatives are collinear, or a random effect the expression does not depend on here."""
    scale = np.sqrt((X**2).sum(axis=0))
    if (scale == 0).any() or np.linalg.matrix_rank(X / np.where(scale > 0, scale, 1), 1e-9) < d.p:
        _q, r = np.linalg.qr(X / np.where(scale > 0, scale, 1))
        bad = [d.pnames[k] for k in range(d.p) if abs(r[k, k]) < 1e-9] or d.pnames
        raise StataError(
            f"parameters not identified: the expression's derivatives with respect to "
            f"{', '.join(bad)} are zero or collinear with the others' at the current estimates",
            430,
        )
    for lv, Z in zip(d.levels, Zs):
        for j, name in enumerate(lv.reffects):
            if not np.any(np.abs(Z[:, j]) > 1e-12 * max(1.0, float(np.abs(d.y).max()))):
                raise StataError(
                    f"random effect {name}[{'>'.join(lv.path)}] not identified: the expression "
                    "does not change with it at the current estimates (a zero derivative, as "
                    "in a product of random effects)",
                    430,
                )


def _lme_step(d: NonlinearDesign, beta: np.ndarray, Bs: list[np.ndarray], reml: bool) -> MixedFit:
    X, Zs = _jacobians(d, beta, Bs)
    if not (np.isfinite(X).all() and all(np.isfinite(Z).all() for Z in Zs)):
        raise StataError(
            "the derivatives of the expression are not finite at the current estimates", 430
        )
    _identified(d, X, Zs)
    w = d.y - d.f(beta, Bs) + X @ beta
    levels = []
    for lv, Z, B in zip(d.levels, Zs, Bs):
        w = w + np.einsum("ij,ij->i", Z, B[lv.groups])
        levels.append(
            RELevel(
                name=lv.name,
                groups=lv.groups,
                G=lv.G,
                ids=lv.ids,
                Z=Z,
                znames=list(lv.reffects),
                covariance=lv.covariance if lv.q > 1 else "identity",
                path=lv.path,
                level_vars=lv.path,
            )
        )
    cols = [Column(name, "coef", None, name) for name in d.pnames]
    lin = MixedDesign(d.depvar, w, X, cols, list(range(d.p)), levels, d.sample)
    try:
        return fit_mixed(lin, reml)
    except np.linalg.LinAlgError:
        raise StataError(
            "the linearized model cannot be fitted: its information matrix is singular", 430
        ) from None


def _pnls(
    d: NonlinearDesign, beta: np.ndarray, Bs: list[np.ndarray], Ds: list[np.ndarray]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Minimize ||y - f(β, {U_l Λ_l'})||² + Σ_l ||U_l||² over β and the U_l (D_l = Λ_l Λ_l')."""
    p = d.p
    lams = [psd_cholesky(D) for D in Ds]
    U0 = [np.linalg.lstsq(lam, B.T, rcond=None)[0].T for lam, B in zip(lams, Bs)]
    sizes = [lv.G * lv.q for lv in d.levels]
    offs = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    m = int(offs[-1])
    big = m > 400  # sparse Jacobian and an iterative trust-region solver

    def unpack(x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        u = x[p:]
        return x[:p], [
            u[offs[i] : offs[i + 1]].reshape(lv.G, lv.q) @ lam.T
            for i, (lv, lam) in enumerate(zip(d.levels, lams))
        ]

    def resid(x: np.ndarray) -> np.ndarray:
        b, Bx = unpack(x)
        r = d.y - d.f(b, Bx)
        r = np.where(np.isfinite(r), r, 1e150)  # outside the function's domain: far away
        return np.concatenate([r, x[p:]])

    def jac(x: np.ndarray):
        b, Bx = unpack(x)
        X, Zs = _jacobians(d, b, Bx)
        # a difference step across the edge of the expression's domain: no information there
        X = np.nan_to_num(X, nan=0.0, posinf=0.0, neginf=0.0)
        Zs = [np.nan_to_num(Z, nan=0.0, posinf=0.0, neginf=0.0) for Z in Zs]
        blocks = [sp.csr_matrix(-X)]
        for lv, Z, lam in zip(d.levels, Zs, lams):
            # ∂f/∂u_g = (∂f/∂b_g) Λ, in the rows of group g only
            ZL = Z @ lam
            rows = np.repeat(np.arange(d.n), lv.q)
            cols = (lv.groups[:, None] * lv.q + np.arange(lv.q)).ravel()
            blocks.append(-sp.csr_matrix((ZL.ravel(), (rows, cols)), shape=(d.n, lv.G * lv.q)))
        top = sp.hstack(blocks)
        bottom = sp.hstack([sp.csr_matrix((m, p)), sp.identity(m, format="csr")])
        J = sp.vstack([top, bottom]).tocsr()  # the penalty rows u have derivative +I
        return J if big else J.toarray()

    x0 = np.concatenate([beta, *(u.ravel() for u in U0)])
    res = _least_squares(
        resid,
        x0,
        jac=jac,
        method="trf",
        xtol=1e-12,
        ftol=1e-12,
        gtol=1e-12,
        max_nfev=200,
        tr_solver="lsmr" if big else "exact",
    )
    return unpack(res.x)


def _least_squares(*args, **kw):
    """scipy's least_squares, its failures at the edge of the expression's domain as r(430)."""
    try:
        return least_squares(*args, **kw)
    except (ValueError, np.linalg.LinAlgError):
        raise StataError(
            "the expression or its derivatives are not finite near the current estimates (a "
            "parameter at the edge of the expression's domain); give other initial values",
            430,
        ) from None


def _nls(d: NonlinearDesign, beta0: np.ndarray) -> np.ndarray:
    """The fit without random effects (starting values, as Stata's ``nl``)."""
    B0 = d.zero_effects()
    r0 = d.y - d.f(beta0, B0)
    if not np.isfinite(r0).all():
        raise StataError(
            "starting values invalid: the expression is missing at the initial values for some "
            "observations; give initial values as {b1=#} or initial(b1 # ...)",
            480,
        )
    res = _least_squares(
        lambda b: np.where(np.isfinite(r := d.y - d.f(b, B0)), r, 1e150),
        beta0,
        jac=lambda b: -np.nan_to_num(_jacobians(d, b, B0)[0], nan=0.0, posinf=0.0, neginf=0.0),
        method="trf",
        xtol=1e-12,
        ftol=1e-12,
        gtol=1e-12,
        max_nfev=500,
    )
    return res.x


def _params_vector(fit: MixedFit) -> np.ndarray:
    v = np.array([p.value for p in fit.params], dtype=float)
    return np.nan_to_num(v, nan=0.0, posinf=30.0, neginf=-30.0)


def fit_nonlinear(
    d: NonlinearDesign,
    beta0: np.ndarray,
    reml: bool,
    *,
    iterate: int = 100,
    tolerance: float = 1e-6,
    progress: Callable[[int, float], None] | None = None,
) -> NonlinearFit:
    """Fit a nonlinear mixed model by alternating PNLS and LME steps.

    Parameters
    ----------
    beta0
        Initial values of the fixed effects; the fit without random effects starts from them.
    iterate, tolerance
        At most ``iterate`` PNLS/LME rounds; converged when no fixed effect and no variance
        parameter (on Stata's log-SD and atanh scales) changes by more than ``tolerance``
        relative to its size (or absolutely, below 1).

    Raises
    ------
    StataError
        r(480) when the expression is missing at the initial values, r(430) when the
        derivatives are not finite, r(2001) with too few observations.
    """
    if d.n <= d.p:
        raise StataError("insufficient observations", 2001)
    beta = _nls(d, np.asarray(beta0, dtype=float))
    start = beta.copy()
    Bs = d.zero_effects()
    iters: list[tuple[int, float]] = []
    prev: np.ndarray | None = None
    converged = False
    lme = _lme_step(d, beta, Bs, reml)
    for it in range(1, iterate + 1):
        if d.q:
            Ds = [S / lme.sigma2 for S in lme.Sigmas]
            beta, Bs = _pnls(d, beta, Bs, Ds)
        else:
            beta = lme.beta.copy()
        lme = _lme_step(d, beta, Bs, reml)
        iters.append((it, lme.ll))
        if progress is not None:
            progress(it, lme.ll)
        cur = np.concatenate([beta, _params_vector(lme)])
        if prev is not None and len(cur) == len(prev):
            change = np.abs(cur - prev) / np.maximum(np.abs(prev), 1.0)
            if float(change.max()) < tolerance:
                converged = True
                break
        prev = cur
    if not np.isfinite(lme.ll):
        raise StataError("convergence not achieved: the likelihood is not finite", 430)
    return NonlinearFit(d, lme, lme.beta.copy(), Bs, converged, iters, start)
