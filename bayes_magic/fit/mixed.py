"""``mixed``: the fit, and the inference Stata reports ([ME] mixed, Methods and formulas).

* Estimates maximize the profiled (restricted) likelihood of :mod:`bayes_magic.fit.lmm`.
* Fixed effects: ``V(β̂) = σ̂² M⁻¹ = (X'V̂⁻¹X)⁻¹`` (fixed effects and variance components are
  treated as asymptotically independent, as Stata's ``e(V)`` is block diagonal).
* Variance components: the observed information, the numerical Hessian of the log likelihood
  (β profiled out) in Stata's estimation metric: log standard deviations ``lns``, atanh of
  correlations ``atr`` and ``lnsig_e``. Display-scale standard errors follow by the delta method,
  confidence intervals are built on the estimation scale and transformed back, except
  covariances (estimate ± z·SE).
* ``LR test vs. linear model``: twice the difference from the (restricted) log likelihood of
  the regression without random effects, ``chibar2(01)`` with a halved p-value when one
  variance is tested.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from ..design.mixed import MixedDesign, RELevel
from ..errors import StataError
from .lmm import LMMProblem, Solution, tril
from .optimize import covariance_of, hessian, jacobian, minimize_bounded

__all__ = ["MixedFit", "VarParam", "fit_mixed", "param_template"]


@dataclass
class VarParam:
    """A variance-component parameter in Stata's metric (``lns``, ``atr`` or ``lnsig_e``)."""

    name: str  # e.g. lns1_1_1, atr1_1_1_2, lnsig_e
    kind: str  # "lns", "atr", "lnsig_e"
    level: int | None  # level index (None for the residual)
    effects: tuple[int, ...]  # indices into the level's effects (1 for lns, 2 for atr)
    value: float
    boundary: bool = False  # estimated on the boundary (zero variance, |corr| = 1)


@dataclass
class MixedFit:
    """Everything ``mixed`` estimated, in the forms Stata reports and stores."""

    design: MixedDesign
    reml: bool
    theta: np.ndarray
    beta: np.ndarray
    V_beta: np.ndarray
    sigma2: float
    ll: float
    params: list[VarParam]
    V_params: np.ndarray  # covariance of the (non-boundary) params, in their order
    Sigmas: list[np.ndarray]
    converged: bool
    ll0: float
    iterations: list[tuple[int, float]] = field(default_factory=list)
    solution: Solution | None = None
    problem: LMMProblem | None = None
    #: ``residuals()``: the structure (``kind``, ``label``, ``t``) and its ρ; None for
    #: independent errors (the problem and solution are then those of the whitened data)
    residual: dict | None = None

    @property
    def n(self) -> int:
        return self.design.n

    def param_se(self, k: int) -> float:
        """Standard error of ``params[k]`` on its estimation scale (NaN on the boundary)."""
        live = [i for i, p in enumerate(self.params) if not p.boundary]
        if k not in live:
            return float("nan")
        j = live.index(k)
        v = self.V_params[j, j]
        return float(np.sqrt(v)) if v > 0 else float("nan")

    def param_cov(self, a: int, b: int) -> float:
        live = [i for i, p in enumerate(self.params) if not p.boundary]
        if a not in live or b not in live:
            return float("nan")
        return float(self.V_params[live.index(a), live.index(b)])

    # -- tests ---------------------------------------------------------------------------------
    def wald(self) -> tuple[float, int, float]:
        """Joint Wald test that all coefficients but ``_cons`` are zero: (chi2, df, p)."""
        names = self.design.xnames
        idx = [i for i, nm in enumerate(names) if nm != "_cons"]
        if not idx:
            return float("nan"), 0, float("nan")
        b = self.beta[idx]
        V = self.V_beta[np.ix_(idx, idx)]
        chi2 = float(b @ np.linalg.solve(V, b))
        return chi2, len(idx), float(stats.chi2.sf(chi2, len(idx)))

    def lr_test(self) -> tuple[float, int, float]:
        """LR test against the linear model: (chi2, df, p)."""
        df = sum(1 for p in self.params if p.kind != "lnsig_e")
        chi2 = 2.0 * (self.ll - self.ll0)
        if chi2 < 1e-8 * max(1.0, abs(self.ll)):  # no gain beyond rounding: zero
            chi2 = 0.0
        p = float(stats.chi2.sf(chi2, df)) if df else float("nan")
        if self.boundary_test:
            if df == 1 and chi2 > 1e-5:
                p /= 2.0
            elif df == 1:
                p = 1.0
        return chi2, df, p

    @property
    def boundary_test(self) -> bool:
        """Whether the LR test's null puts a variance on its boundary (chibar2): not when the
        only parameters tested are a residual correlation's (a marginal AR(1) model)."""
        return any(p.kind in ("lns", "atr") for p in self.params)

    # -- random effects ----------------------------------------------------------------------
    def blups(self) -> list[np.ndarray]:
        assert self.problem is not None and self.solution is not None
        return self.problem.blups(self.theta, self.solution)

    def blup_variances(self) -> list[np.ndarray]:
        assert self.problem is not None and self.solution is not None
        return self.problem.conditional_variance(self.theta, self.solution, self.sigma2)


def stored_values(params: list[VarParam]) -> np.ndarray:
    """The variance parameters as ``e(b)`` stores them: finite at the boundary (Stata's
    optimizer also stops at a tiny positive SD). A zero SD (``lns`` = -inf) is stored 12 orders
    of magnitude below the residual SD, a correlation of ±1 (``atr`` = ±inf) as
    atanh(±(1 - 1e-12)); the display and the covariance matrix still treat them as boundary."""
    vals = np.array([p.value for p in params], dtype=float)
    lnsig = next((p.value for p in params if p.kind == "lnsig_e"), 0.0)
    out = vals.copy()
    for i, p in enumerate(params):
        if p.kind == "atr" and np.isinf(vals[i]):
            out[i] = np.sign(vals[i]) * np.arctanh(1 - 1e-12)
        elif np.isneginf(vals[i]):
            out[i] = lnsig + np.log(1e-12)
    return out


def _params_of(levels: list[RELevel], Sigmas: list[np.ndarray], sigma2: float) -> list[VarParam]:
    out: list[VarParam] = []
    tiny = 1e-6 * np.sqrt(sigma2)  # an SD this small relative to the residual is a zero
    for li, (lv, S) in enumerate(zip(levels, Sigmas), start=1):
        k = lv.k
        sd = np.sqrt(np.maximum(np.diag(S), 0.0))
        if lv.covariance == "identity":
            out.append(_lns(f"lns{li}_1_1", li - 1, (0,), sd[0], tiny))
        elif lv.covariance == "independent":
            for j in range(k):
                out.append(_lns(f"lns{li}_1_{j + 1}", li - 1, (j,), sd[j], tiny))
        elif lv.covariance == "exchangeable":
            out.append(_lns(f"lns{li}_1_1", li - 1, (0,), sd[0], tiny))
            if k > 1:
                rho = S[0, 1] / (sd[0] * sd[1]) if sd[0] * sd[1] > 0 else 0.0
                out.append(_atr(f"atr{li}_1_1_2", li - 1, (0, 1), rho))
        else:
            for j in range(k):
                out.append(_lns(f"lns{li}_1_{j + 1}", li - 1, (j,), sd[j], tiny))
            for a in range(k):
                for b in range(a + 1, k):
                    rho = S[a, b] / (sd[a] * sd[b]) if sd[a] * sd[b] > 0 else 0.0
                    out.append(_atr(f"atr{li}_1_{a + 1}_{b + 1}", li - 1, (a, b), rho))
    out.append(VarParam("lnsig_e", "lnsig_e", None, (), 0.5 * np.log(sigma2)))
    return out


def param_template(levels: list[RELevel]) -> list[VarParam]:
    """The variance parameters of ``levels`` in Stata's estimation metric and ``e(b)`` order
    (``lns1_1_1``, ``atr1_1_1_2`` ..., ``lnsig_e`` last), at unit covariances: their names and
    structure, for starting values given by name (``from()``)."""
    return _params_of(levels, [np.eye(lv.k) for lv in levels], 1.0)


def _lns(name: str, level: int, eff: tuple[int, ...], sd: float, tiny: float) -> VarParam:
    boundary = not sd > tiny
    return VarParam(name, "lns", level, eff, float(np.log(sd)) if sd > 0 else -np.inf, boundary)


def _atr(name: str, level: int, eff: tuple[int, int], rho: float) -> VarParam:
    rho = float(np.clip(rho, -1.0, 1.0))
    boundary = abs(rho) > 1 - 1e-10
    return VarParam(
        name,
        "atr",
        level,
        eff,
        float(np.arctanh(rho)) if not boundary else float(np.sign(rho) * np.inf),
        boundary,
    )


def sigmas_from_params(
    levels: list[RELevel], params: list[VarParam], values: np.ndarray
) -> tuple[list[np.ndarray], float]:
    """Covariance matrices and residual variance from values of the Stata-metric params."""
    val = {p.name: v for p, v in zip(params, values)}
    Sigmas = []
    for li, lv in enumerate(levels, start=1):
        k = lv.k
        if lv.covariance == "identity":
            Sigmas.append(np.exp(2 * val[f"lns{li}_1_1"]) * np.eye(k))
            continue
        if lv.covariance == "exchangeable":
            s2 = np.exp(2 * val[f"lns{li}_1_1"])
            rho = np.tanh(val[f"atr{li}_1_1_2"]) if k > 1 else 0.0
            S = np.full((k, k), rho * s2)
            np.fill_diagonal(S, s2)
            Sigmas.append(S)
            continue
        sd = np.array([np.exp(val[f"lns{li}_1_{j + 1}"]) for j in range(k)])
        S = np.diag(sd**2)
        if lv.covariance == "unstructured":
            for a in range(k):
                for b in range(a + 1, k):
                    r = np.tanh(val[f"atr{li}_1_{a + 1}_{b + 1}"])
                    S[a, b] = S[b, a] = r * sd[a] * sd[b]
        Sigmas.append(S)
    return Sigmas, float(np.exp(2 * val["lnsig_e"])) if "lnsig_e" in val else 1.0


def theta_from_sigmas(P: LMMProblem, Sigmas: list[np.ndarray], sigma2: float) -> np.ndarray:
    """The θ of :class:`LMMProblem` for given covariance matrices and residual variance."""
    out: list[float] = []
    for lv, S in zip(P.levels, Sigmas):
        R = S / sigma2
        if lv.covariance == "unstructured":
            out += list(psd_cholesky(R)[tril(lv.k)])
        elif lv.covariance == "independent":
            out += list(np.sqrt(np.diag(R)))
        elif lv.covariance == "identity":
            out.append(float(np.sqrt(R[0, 0])))
        else:
            t = float(np.sqrt(R[0, 0]))
            if lv.k > 1:
                out += [t, float(R[0, 1] / R[0, 0]) if R[0, 0] > 0 else 0.0]
            else:
                out.append(t)
    return np.array(out)


def psd_cholesky(R: np.ndarray) -> np.ndarray:
    """A lower-triangular L with L L' = R, also for a singular R (a zero variance, a
    correlation of ±1): R's negative eigenvalues (rounding) are dropped, and a zero pivot
    leaves its whole column zero. That is the one factor whose zero diagonal entries carry
    nothing below them, so moving such an entry off zero adds variance without also imposing
    a correlation of ±1 (what :func:`fit_mixed`'s escape from the bound relies on)."""
    try:
        return np.linalg.cholesky(R)
    except np.linalg.LinAlgError:
        w, V = np.linalg.eigh((R + R.T) / 2)
        R = (V * np.maximum(w, 0.0)) @ V.T
        k = R.shape[0]
        L = np.zeros((k, k))
        tiny = 1e-12 * max(float(np.max(np.diag(R))), 1e-300)
        for j in range(k):
            d = R[j, j] - L[j, :j] @ L[j, :j]
            if d <= tiny:
                continue  # a zero pivot: the rest of the column is zero too (R is PSD)
            L[j, j] = np.sqrt(d)
            L[j + 1 :, j] = (R[j + 1 :, j] - L[j + 1 :, :j] @ L[j, :j]) / L[j, j]
        return L


def _ll0(design: MixedDesign, reml: bool) -> float:
    """(Restricted) log likelihood of the linear regression without random effects."""
    X, y = design.X, design.y
    w = np.ones(design.n) if design.weights is None else design.weights
    n = float(w.sum())
    p = X.shape[1]
    XtX = X.T @ (X * w[:, None])
    beta = np.linalg.solve(XtX, X.T @ (y * w)) if p else np.zeros(0)
    rss = float(((y - X @ beta) ** 2 * w).sum())
    if reml:
        df = n - p
        logdet = np.linalg.slogdet(XtX)[1] if p else 0.0
        return -0.5 * (df * (1 + np.log(2 * np.pi * rss / df)) + logdet)
    return -0.5 * n * (1 + np.log(2 * np.pi * rss / n))


def analytic_metric_hessian(
    P: LMMProblem,
    design: MixedDesign,
    params: list[VarParam],
    values: np.ndarray,
    live: list[int],
    reml: bool,
) -> np.ndarray:
    """Hessian of -ℓ in Stata's metric at the optimum.

    The analytic gradient in (θ, σ²) is differenced once per coordinate; the chain rule through
    the closed-form map from Stata's metric to (θ, σ²) needs only its Jacobian J, because the
    gradient in (θ, σ²) is zero at the optimum: H = J' H_(θ,σ²) J.
    """

    def to_theta(w: np.ndarray) -> np.ndarray:
        v = values.copy()
        v[live] = w
        S, s2 = sigmas_from_params(design.levels, params, v)
        return np.append(theta_from_sigmas(P, S, s2), s2)

    x0 = values[live]
    ts = to_theta(x0)
    J = np.empty((len(ts), len(x0)))
    for i in range(len(x0)):
        h = 1e-6 * max(abs(x0[i]), 0.1)
        e = np.zeros(len(x0))
        e[i] = h
        J[:, i] = (to_theta(x0 + e) - to_theta(x0 - e)) / (2 * h)

    def grad(t: np.ndarray) -> np.ndarray:
        _, g_th, g_s2 = P.loglik_and_gradient(t[:-1], t[-1], reml)
        return -np.append(g_th, g_s2)

    # only directions that move: θ coordinates held at zero stay there
    moving = np.flatnonzero(np.any(J != 0, axis=1))
    Hts = jacobian(
        lambda z: grad(_embed(ts, moving, z))[moving],
        ts[moving],
        1e-5 * np.maximum(np.abs(ts[moving]), 1e-3),
    )
    Jm = J[moving]
    return Jm.T @ Hts @ Jm


def numeric_metric_hessian(
    P: LMMProblem,
    design: MixedDesign,
    params: list[VarParam],
    values: np.ndarray,
    live: list[int],
    reml: bool,
) -> np.ndarray:
    """Hessian of -ℓ in Stata's metric by second differences of ℓ (models with several
    levels, which have no analytic gradient here).

    The log likelihood carries rounding noise of about 1e-9 (absolute) from the sparse
    factorization; the steps, 5e-3 of each parameter's size and at least 5e-3, keep its effect
    on the Hessian near 1e-4 relative, while Richardson extrapolation makes the truncation
    error O(h⁴). Smaller steps relative to parameters near zero (a log standard deviation of
    0.09) gave standard errors wrong by several percent.
    """

    def negll(v_live: np.ndarray) -> float:
        v = values.copy()
        v[live] = v_live
        S, s2 = sigmas_from_params(design.levels, params, v)
        try:
            th = theta_from_sigmas(P, S, s2)
            return -P.loglik_at(th, s2, reml)
        except np.linalg.LinAlgError:
            return np.inf

    x0 = values[live]
    return hessian(negll, x0, 5e-3 * np.maximum(np.abs(x0), 1.0))


def _embed(x: np.ndarray, idx: np.ndarray, z: np.ndarray) -> np.ndarray:
    out = x.copy()
    out[idx] = z
    return out


def _theta_start(P: LMMProblem, design: MixedDesign, reml: bool, start: dict[str, float]):
    """θ from starting values of the Stata-metric parameters (``lns1_1_1``, ``atr1_1_1_2``,
    ``lnsig_e``, as ``e(b)`` names them); the others keep the default start's values."""
    th0 = P.theta0()
    sigma2 = P.sigma2(P.solve(th0), reml)
    params = _params_of(design.levels, [sigma2 * lam @ lam.T for lam in P.lambdas(th0)], sigma2)
    vals = np.array([start.get(p.name, p.value) for p in params], dtype=float)
    Sigmas, s2 = sigmas_from_params(design.levels, params, np.clip(vals, -50.0, 50.0))
    th = theta_from_sigmas(P, Sigmas, s2)
    lo = np.array([-np.inf if b[0] is None else b[0] for b in P.bounds()])
    hi = np.array([np.inf if b[1] is None else b[1] for b in P.bounds()])
    return np.clip(th, lo, hi)


def fit_mixed(
    design: MixedDesign,
    reml: bool,
    *,
    iterate: int = 2000,
    start: dict[str, float] | None = None,
) -> MixedFit:
    """Fit a linear mixed model by ML or REML.

    ``start`` holds starting values of the variance parameters by their ``e(b)`` equation
    names (``from()``, [R] maximize); β and σ² are profiled out, so the coefficients' values
    play no part.

    Raises
    ------
    StataError
        When the model cannot be estimated (too few observations, non-convergence).
    """
    P = LMMProblem(design)
    if design.n - design.p <= 0 and reml:
        raise StataError("insufficient observations", 2001)
    if design.n <= design.p:
        raise StataError("insufficient observations", 2001)
    iters: list[tuple[int, float]] = []

    def crit(th: np.ndarray) -> float:
        return P.deviance(th, reml)

    if P.q:
        theta, dev, converged = minimize_bounded(
            crit,
            P.theta0() if not start else _theta_start(P, design, reml, start),
            P.bounds(),
            maxiter=iterate,
            fg=(lambda th: P.deviance_and_gradient(th, reml)) if P.has_gradient else None,
            callback=lambda i, f: iters.append((i, -0.5 * f)),
            escape=True,
            # θ stopped with a zero diagonal entry may carry the variance below it (Λ's
            # column); the same Σ factored afresh puts it where moving off zero can help
            canonical=lambda th: theta_from_sigmas(P, [lam @ lam.T for lam in P.lambdas(th)], 1.0),
        )
    else:
        theta, dev, converged = np.zeros(0), crit(np.zeros(0)), True
        iters.append((0, -0.5 * dev))
    if not np.isfinite(dev):
        raise StataError("convergence not achieved: the likelihood is not finite", 430)
    sol = P.solve(theta)
    sigma2 = P.sigma2(sol, reml)
    scale = float(np.var(design.y)) if design.n > 1 else 0.0
    if not sigma2 > 1e-20 * max(scale, np.finfo(float).tiny):
        # an exact fit: the likelihood has no maximum (a tiny but real residual variance, as
        # of a near-exact fit, is estimated as it is)
        raise StataError(
            "convergence not achieved: the residual variance is zero, the model fits "
            f"{design.depvar} exactly",
            430,
        )
    lams = P.lambdas(theta)
    Sigmas = [sigma2 * lam @ lam.T for lam in lams]
    params = _params_of(design.levels, Sigmas, sigma2)
    live = [i for i, p in enumerate(params) if not p.boundary]
    values = np.array([p.value for p in params])

    if P.has_gradient:
        H = analytic_metric_hessian(P, design, params, values, live, reml)
    else:
        H = numeric_metric_hessian(P, design, params, values, live, reml)
    V_params = covariance_of(H)
    ll = -0.5 * dev
    V_beta = sigma2 * np.linalg.inv(sol.M) if design.p else np.zeros((0, 0))
    return MixedFit(
        design=design,
        reml=reml,
        theta=theta,
        beta=sol.beta,
        V_beta=V_beta,
        sigma2=sigma2,
        ll=ll,
        params=params,
        V_params=V_params,
        Sigmas=Sigmas,
        converged=converged,
        ll0=_ll0(design, reml),
        iterations=iters,
        solution=sol,
        problem=P,
    )
