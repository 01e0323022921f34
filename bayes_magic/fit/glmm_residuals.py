"""Pearson, deviance and Anscombe residuals of the ``me*`` families ([ME] meglm
postestimation; [R] glm, Methods and formulas; McCullagh & Nelder 1989, sec. 2.4).

With μ the predicted mean (successes out of m trials for the binomial) and V(μ) the variance
function (μ(1 - μ/m), μ, μ(1 + αμ) or μ(1 + δ)):

* Pearson: (y - μ) / √V(μ);
* deviance: sign(y - μ) √d with d = 2 {ℓ(y; y) - ℓ(y; μ)}, the saturated model's log
  likelihood less the model's (not for constant dispersion, whose likelihood in μ need not
  peak at y);
* Anscombe: {A(y) - A(μ)} / V(μ)^(1/6) with A(x) = ∫₀ˣ V(t)^(-1/3) dt, which is
  (3/2) x^(2/3) ₂F₁(1/3, 2/3; 5/3; c x) with c = 1/m (binomial), -α (negative binomial, mean
  dispersion), 0 (Poisson), or (3/2) x^(2/3) (1 + δ)^(-1/3) for constant dispersion.
"""

from __future__ import annotations

import numpy as np
from scipy.special import hyp2f1, xlogy

from .glmm_family import Family, NegBinFamily

__all__ = ["residuals"]


def _variance(fam: Family, mu: np.ndarray, m: np.ndarray) -> np.ndarray:
    if isinstance(fam, NegBinFamily):
        a = float(np.exp(fam.lnalpha))
        return mu * (1 + a * mu) if fam.dispersion == "mean" else mu * (1 + a)
    if fam.family == "poisson":
        return mu
    return mu * (1 - mu / m)


def _deviance(fam: Family, y: np.ndarray, mu: np.ndarray, m: np.ndarray) -> np.ndarray:
    if fam.family == "poisson":
        return 2 * (xlogy(y, y) - xlogy(y, mu) - (y - mu))
    if isinstance(fam, NegBinFamily):
        a = float(np.exp(fam.lnalpha))
        if fam.dispersion != "mean":
            raise ValueError("no deviance for the constant-dispersion negative binomial")
        return 2 * (xlogy(y, y) - xlogy(y, mu) - (y + 1 / a) * (np.log1p(a * y) - np.log1p(a * mu)))
    f = m - y
    return 2 * (xlogy(y, y) - xlogy(y, mu) + xlogy(f, f) - xlogy(f, m - mu))


def _anscombe_a(fam: Family, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    x = np.maximum(x, 0.0)
    base = 1.5 * np.cbrt(x) ** 2
    if fam.family == "poisson":
        return base
    if isinstance(fam, NegBinFamily):
        a = float(np.exp(fam.lnalpha))
        if fam.dispersion == "mean":
            return base * hyp2f1(1 / 3, 2 / 3, 5 / 3, -a * x)
        return base / np.cbrt(1 + a)
    return base * hyp2f1(1 / 3, 2 / 3, 5 / 3, np.minimum(x / m, 1.0))


def residuals(kind: str, fam: Family, y: np.ndarray, mu: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``kind`` (``pearson``, ``deviance`` or ``anscombe``) residuals of outcomes ``y`` at
    means ``mu``; ``m`` the binomial trials (ones for Bernoulli and counts)."""
    V = _variance(fam, mu, m)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "pearson":
            return (y - mu) / np.sqrt(V)
        if kind == "deviance":
            d = np.maximum(_deviance(fam, y, mu, m), 0.0)
            return np.sign(y - mu) * np.sqrt(d)
        return (_anscombe_a(fam, y, m) - _anscombe_a(fam, mu, m)) / V ** (1 / 6)
