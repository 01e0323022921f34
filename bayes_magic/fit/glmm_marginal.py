"""Predictions marginal with respect to the random effects ([ME] meglm postestimation,
``predict, marginal``; ``margins`` after ``me*``, where ``marginal`` is assumed).

The random part of an observation's linear predictor, Σ_levels z'u, is normal with mean 0 and
variance s² = Σ_levels z' Σ_level z, so a marginal prediction is the one-dimensional integral

    E[h(η + s Z)],  Z ~ N(0, 1),

of the conditional prediction h (the inverse link, or an ordered outcome's probability), by a
40-point Gauss-Hermite rule (exact to rounding for the smooth h here; the probit and log links
have closed forms, Φ(η/√(1+s²)) and exp(η + s²/2), which the tests hold it to). The derivative
in s gives the margins' gradient in the variance components (the delta method over β and
them).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .mixed import sigmas_from_params

__all__ = [
    "marginal_response",
    "marginal_extra",
    "marginal_probabilities",
    "intercept_scale",
    "observation_scale",
]

Response = Callable[[np.ndarray], np.ndarray]

_Q = 40
_X, _W = np.polynomial.hermite.hermgauss(_Q)
_Z = np.sqrt(2.0) * _X  # nodes and weights of E[g(Z)], Z ~ N(0, 1)
_P = _W / np.sqrt(np.pi)


def marginal_response(
    f: Response, fprime: Response, s: np.ndarray | float
) -> tuple[Response, Response, Response]:
    """E[f(η + sZ)], its derivative in η and its derivative in s, as functions of η (``s`` a
    number or one per observation)."""

    def nodes(eta: np.ndarray) -> np.ndarray:
        sc = np.asarray(s, dtype=float)
        return eta[..., None] + (sc[..., None] if sc.ndim else sc) * _Z

    def g(eta: np.ndarray) -> np.ndarray:
        return f(nodes(eta)) @ _P

    def gprime(eta: np.ndarray) -> np.ndarray:
        return fprime(nodes(eta)) @ _P

    def gs(eta: np.ndarray) -> np.ndarray:
        return fprime(nodes(eta)) @ (_P * _Z)

    return g, gprime, gs


def marginal_extra(
    extra: Callable[[np.ndarray], np.ndarray], s: float
) -> Callable[[np.ndarray], np.ndarray]:
    """E[extra(η + sZ)] for a function giving a row of derivatives per observation (an
    ordered outcome's derivatives in the cutpoints)."""

    def g(eta: np.ndarray) -> np.ndarray:
        nodes = (eta[:, None] + s * _Z).ravel()
        vals = extra(nodes)
        return np.einsum("iqc,q->ic", vals.reshape(len(eta), _Q, -1), _P)

    return g


def marginal_probabilities(family, eta: np.ndarray, s: np.ndarray) -> np.ndarray:
    """An ordered outcome's probabilities E[Pr(y = j | η + sZ)] (observations by outcomes)."""
    nodes = eta[:, None] + np.asarray(s, dtype=float).reshape(-1, 1) * _Z
    P = family.probabilities(nodes)  # n x Q x J
    return np.einsum("iqj,q->ij", P, _P)


def _scale_of(fit, theta: np.ndarray) -> float:
    Sig, _ = sigmas_from_params(fit.design.levels, fit.params, theta)
    return float(np.sqrt(sum(S[0, 0] for S in Sig)))


def intercept_scale(fit) -> tuple[float, np.ndarray] | None:
    """s when every level has a random intercept alone (or is a crossed ``R.x``), with its
    derivative in the fit's free variance parameters (those with standard errors); None with
    random slopes (s then varies by observation)."""
    for lv in fit.design.levels:
        if lv.k != 1 or (not lv.crossed and lv.znames != ["_cons"]):
            return None
    theta = np.array([p.value for p in fit.params], dtype=float)
    theta = np.where(np.isneginf(theta), -50.0, theta)
    s = _scale_of(fit, theta)
    live = [i for i, p in enumerate(fit.params) if not p.boundary]
    ds = np.zeros(len(live))
    for j, i in enumerate(live):
        h = 1e-6 * max(1.0, abs(theta[i]))
        up, dn = theta.copy(), theta.copy()
        up[i] += h
        dn[i] -= h
        ds[j] = (_scale_of(fit, up) - _scale_of(fit, dn)) / (2 * h)
    return s, ds


def observation_scale(fit, Zs: list[np.ndarray]) -> np.ndarray:
    """s of each observation: √(Σ_levels z' Σ z) with z its random-effects covariates
    (``Zs``, one n-by-k array per level; a crossed level's indicators count as 1)."""
    total = np.zeros(len(Zs[0]) if Zs else 0)
    for lv, Z, S in zip(fit.design.levels, Zs, fit.Sigmas):
        if lv.crossed:
            total = total + S[0, 0]
        else:
            total = total + np.einsum("ij,jk,ik->i", Z, S, Z)
    return np.sqrt(np.maximum(total, 0.0))
