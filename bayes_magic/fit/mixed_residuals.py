"""``mixed ..., residuals(exchangeable | ar 1, t(timevar))``: correlated errors within the
lowest level's groups ([ME] mixed, Remarks on residual structures).

Within each group the errors have covariance σ²Λ(ρ): Λ = (1-ρ)I + ρJ (exchangeable) or
Λ_st = ρ^|t_s - t_t| (AR(1), times in steps of one). For a given ρ, premultiplying each
group's rows of y, X and Z by the inverse Cholesky factor of Λ gives a mixed model with
independent errors of variance σ², whose profiled (restricted) likelihood the usual solver
computes; the likelihood of the data adds -½ log|Λ| (a Jacobian that does not involve β, so
REML is unchanged otherwise). θ and ρ are maximized jointly; standard errors come from the
numerical Hessian of the log likelihood in Stata's metric (``lns``, ``atr``, ``r_atr1`` =
atanh ρ, ``lnsig_e``).
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np

from ..design.mixed import MixedDesign
from ..errors import StataError
from .lmm import LMMProblem
from .mixed import (
    MixedFit,
    VarParam,
    _ll0,
    fit_mixed,
    sigmas_from_params,
    theta_from_sigmas,
)
from .optimize import covariance_of, hessian, minimize_bounded

__all__ = ["parse_residuals", "fit_mixed_residuals", "whiten_residuals"]

#: the structures available, Stata's label for each
_LABELS = {"exchangeable": "Exchangeable", "ar": "AR(1)"}


def parse_residuals(text: str) -> dict:
    """``residuals()``'s text: ``exchangeable`` or ``ar 1, t(time)`` (abbreviations as Stata's).

    Raises
    ------
    StataError
        r(198) for another structure, AR of another order, or AR without ``t()``.
    """
    head, _, opts = text.partition(",")
    words = head.split()
    if not words:
        raise StataError("residuals(): structure required", 198)
    kind = words[0].lower()
    full = next(
        (
            k
            for k, m in (("exchangeable", 3), ("ar", 2), ("independent", 3))
            if len(kind) >= m and k.startswith(kind)
        ),
        kind,
    )
    sub = dict(re.findall(r"(\w+)\(([^)]*)\)", opts))
    leftover = re.sub(r"(\w+)\(([^)]*)\)", "", opts).strip()
    unknown = [k for k in sub if k not in ("t", "by")] + ([leftover] if leftover else [])
    if unknown:
        raise StataError(f"residuals(): option {unknown[0]} not allowed", 198)
    if any(not v.strip() for v in sub.values()):
        raise StataError("residuals(): t() and by() require a variable name", 198)
    if full == "independent" and not sub and len(words) == 1:
        return {"kind": "independent"}
    if full not in _LABELS:
        raise StataError(
            f"residuals({text}): only independent, exchangeable and ar 1 are available in "
            "bayes_magic yet",
            198,
        )
    if "by" in sub:
        raise StataError("residuals(..., by()) is not available in bayes_magic yet", 198)
    out: dict = {"kind": full, "label": _LABELS[full]}
    if full == "exchangeable" and len(words) > 1:
        raise StataError(f"residuals({text}): {words[1]} invalid", 198)
    if full == "ar":
        if len(words) > 2 or (len(words) == 2 and not words[1].isdigit()):
            raise StataError(f"residuals({text}): ar requires a positive integer order", 198)
        order = int(words[1]) if len(words) == 2 else 1
        if order == 0:
            raise StataError(f"residuals({text}): ar requires a positive integer order", 198)
        if order != 1:
            raise StataError("residuals(ar #): only ar 1 is available in bayes_magic yet", 198)
        if "t" not in sub:
            raise StataError("residuals(ar 1) requires t(timevar)", 198)
    if "t" in sub:
        out["t"] = sub["t"].strip()
    return out


def _blocks(panels: np.ndarray) -> list[np.ndarray]:
    order = np.argsort(panels, kind="stable")
    cuts = np.flatnonzero(np.diff(panels[order])) + 1
    return np.split(order, cuts)


def _corr(kind: str, rho: float, m: int, t: np.ndarray | None) -> np.ndarray:
    """Λ of one group of m errors: exchangeable, or AR(1) at times ``t``."""
    if kind == "exchangeable":
        return (1 - rho) * np.eye(m) + rho * np.ones((m, m))
    assert t is not None
    return rho ** np.abs(t[:, None] - t[None, :])


def _whiten(d: MixedDesign, blocks, times, kind: str, rho: float) -> tuple[MixedDesign, float]:
    """The design premultiplied by L⁻¹ within each group (Λ = LL'), and log|Λ|."""
    y, X = d.y.astype(float).copy(), d.X.astype(float).copy()
    Zs = [lv.Z.astype(float).copy() for lv in d.levels]
    logdet = 0.0
    for rows in blocks:
        m = len(rows)
        if m == 1:
            continue
        L = np.linalg.cholesky(_corr(kind, rho, m, None if times is None else times[rows]))
        logdet += 2.0 * float(np.log(np.diag(L)).sum())
        y[rows] = np.linalg.solve(L, y[rows])
        X[rows] = np.linalg.solve(L, X[rows])
        for Z in Zs:
            Z[rows] = np.linalg.solve(L, Z[rows])
    levels = [replace(lv, Z=Z) for lv, Z in zip(d.levels, Zs)]
    return replace(d, y=y, X=X, levels=levels), logdet


def fit_mixed_residuals(
    d: MixedDesign,
    reml: bool,
    rspec: dict,
    times: np.ndarray | None,
    iterate: int = 2000,
    panels: np.ndarray | None = None,
) -> MixedFit:
    """Fit the mixed model with the residual structure ``rspec`` within the groups of the
    last (lowest) level, or of ``panels`` (a marginal model, ``|| id:, noconstant``);
    ``times`` holds each observation's ``t()`` value for AR(1).

    Raises
    ------
    StataError
        r(459) for repeated or non-integer times within a group; r(198) without groups.
    """
    if panels is None and not d.levels:
        raise StataError("residuals() requires a random-effects equation", 198)
    if d.weights is not None:
        raise StataError("weights are not allowed with residuals() in bayes_magic yet", 101)
    kind = rspec["kind"]
    if panels is None:
        panels = d.levels[-1].groups
    blocks = _blocks(panels)
    if kind == "ar":
        assert times is not None
        if np.any(np.isnan(times)) or np.any(times != np.round(times)):
            raise StataError(f"t({rspec['t']}) must take integer values", 459)
        for rows in blocks:
            if len(np.unique(times[rows])) != len(rows):
                raise StataError(
                    f"t({rspec['t']}) must identify the observations within each group", 459
                )
    smallest = 1.0 / (max(len(r) for r in blocks) - 1) if kind == "exchangeable" else 1.0
    cache: dict[float, tuple[LMMProblem, float]] = {}

    def problem(phi: float) -> tuple[LMMProblem, float, MixedDesign]:
        rho = math.tanh(phi)
        if kind == "exchangeable" and rho <= -smallest + 1e-9:
            raise np.linalg.LinAlgError
        if phi not in cache:
            dw, logdet = _whiten(d, blocks, times, kind, rho)
            cache.clear()
            cache[phi] = (LMMProblem(dw), logdet, dw)  # type: ignore[assignment]
        return cache[phi]  # type: ignore[return-value]

    P0 = LMMProblem(d)
    nth = len(P0.theta0())

    def crit(x: np.ndarray) -> float:
        try:
            P, logdet, _ = problem(float(x[-1]))
            return P.deviance(x[:nth], reml) + logdet
        except (np.linalg.LinAlgError, ValueError, FloatingPointError):
            return 1e300

    iters: list[tuple[int, float]] = []
    # started from the fit with independent errors (rho = 0), so the search begins where the
    # simpler model's optimum is and its log cannot end below it
    x0 = np.append(fit_mixed(d, reml, iterate=iterate).theta, 0.0)
    bounds = [*P0.bounds(), (-8.0, 8.0)]
    x, _dev, converged = minimize_bounded(
        crit,
        x0,
        bounds,
        maxiter=iterate,
        callback=lambda i, f: iters.append((i, -0.5 * f)),
        escape=True,
        canonical=lambda z: np.append(
            theta_from_sigmas(P0, [lam @ lam.T for lam in P0.lambdas(z[:nth])], 1.0), z[-1]
        ),
    )
    phi = float(x[-1])
    _P, logdet, dw = problem(phi)
    fit = fit_mixed(dw, reml, iterate=iterate)
    params = [*fit.params[:-1], VarParam("r_atr1", "r_atr", None, (), phi), fit.params[-1]]
    values = np.array([p.value for p in params])
    live = [i for i, p in enumerate(params) if not p.boundary]

    def negll(v_live: np.ndarray) -> float:
        v = values.copy()
        v[live] = v_live
        Sig, s2 = sigmas_from_params(d.levels, params, v)
        try:
            P, ld, _ = problem(float(v[-2]))
            th = theta_from_sigmas(P, Sig, s2)
            return -(P.loglik_at(th, s2, reml) - 0.5 * ld)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError):
            return math.inf

    H = hessian(negll, values[live], 5e-3 * np.maximum(np.abs(values[live]), 1.0))
    fit = replace(
        fit,
        design=d,
        params=params,
        V_params=covariance_of(H),
        ll=fit.ll - 0.5 * logdet,
        ll0=_ll0(d, reml),
        iterations=iters,
        converged=fit.converged and converged,
        residual={**rspec, "rho": math.tanh(phi), "panels": panels},
    )
    return fit


def whiten_residuals(fit: MixedFit, ds, e: np.ndarray) -> np.ndarray:
    """``predict, rstandard``'s L⁻¹e within each group of the estimation sample (Λ = LL'
    at the fitted ρ; [ME] mixed postestimation: the residuals times the inverse square root of
    the errors' correlation), missing outside the sample."""
    d = fit.design
    resid = fit.residual
    assert resid is not None
    rows = np.flatnonzero(d.sample)
    out = np.full(len(e), np.nan)
    times = np.asarray(ds.values(resid["t"]), dtype=float)[rows] if resid.get("t") else None
    sub = np.asarray(e, dtype=float)[rows].copy()
    for block in _blocks(resid["panels"]):
        t = None if times is None else times[block]
        Lam = _corr(resid["kind"], resid["rho"], len(block), t)
        sub[block] = np.linalg.solve(np.linalg.cholesky(Lam), sub[block])
    out[rows] = sub
    return out
