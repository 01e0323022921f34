"""Conditional distributions of the ``me*`` commands: log likelihood and its η-derivatives.

Each family returns, for linear predictors ``eta`` (any shape broadcasting with ``y``), the
observation log likelihoods and their first and second derivatives in η. All the models here
are log-concave in η (the second derivative is negative), which the inner Newton steps of
:mod:`bayes_magic.fit.glmm` rely on. [ME] meglm, Methods and formulas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, gammaln, log_ndtr

__all__ = ["Family", "FAMILIES"]

_SQRT2PI = np.sqrt(2 * np.pi)


@dataclass(frozen=True)
class Family:
    """A family and link as ``meglm`` names them, with Stata's title words."""

    family: str  # "bernoulli" (binomial with n trials) or "poisson"
    link: str  # "logit", "probit", "cloglog", "log"
    title: str  # "Mixed-effects logistic regression"
    model: str  # "logistic model" in "LR test vs. logistic model"

    def constant(self, y: np.ndarray, n: np.ndarray) -> np.ndarray:
        """The part of the log likelihood free of η: log C(n, y) or -log y!."""
        if self.family == "poisson":
            return -gammaln(y + 1)
        return gammaln(n + 1) - gammaln(y + 1) - gammaln(n - y + 1)

    def loglik(
        self, y: np.ndarray, n: np.ndarray, eta: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(ll, dll/dη, d²ll/dη²)`` without :meth:`constant`."""
        if self.family == "poisson":
            mu = np.exp(eta)
            return y * eta - mu, y - mu, -mu
        f = n - y  # failures
        if self.link == "logit":
            p = expit(eta)
            ll = y * eta - n * np.logaddexp(0.0, eta)
            return ll, y - n * p, -n * p * (1 - p)
        if self.link == "probit":
            # log Φ(η) and log Φ(-η), with λ(x) = φ(x)/Φ(x) computed on the log scale
            lp, lq = log_ndtr(eta), log_ndtr(-eta)
            lam_p = np.exp(-0.5 * eta * eta - lp) / _SQRT2PI
            lam_q = np.exp(-0.5 * eta * eta - lq) / _SQRT2PI
            ll = _xlog(y, lp) + _xlog(f, lq)
            d1 = y * lam_p - f * lam_q
            d2 = -y * lam_p * (eta + lam_p) - f * lam_q * (lam_q - eta)
            return ll, d1, d2
        # cloglog: P(y=1) = 1 - exp(-exp(η)); log(1 - p) = -exp(η)
        t = np.exp(eta)
        lp = np.log(-np.expm1(-t))
        # d log p / dη = t / expm1(t); its derivative t [expm1(t) - t e^t] / expm1(t)²
        with np.errstate(over="ignore", invalid="ignore"):
            em = np.expm1(t)
            r = np.where(t > 700, 0.0, t / em)
            d2p = np.where(t > 700, 0.0, r * (1.0 - t * (em + 1.0) / em))
        small = t < 1e-8  # limits as t -> 0: r -> 1, d2p -> -t/2 ~ 0
        r = np.where(small, 1.0 - t / 2, r)
        d2p = np.where(small, -t / 2, d2p)
        ll = _xlog(y, lp) - f * t
        return ll, y * r - f * t, y * d2p - f * t

    def mean(self, n: np.ndarray, eta: np.ndarray) -> np.ndarray:
        """E(y | η): n·p, or exp(η)."""
        if self.family == "poisson":
            return np.exp(eta)
        if self.link == "logit":
            return n * expit(eta)
        if self.link == "probit":
            return n * np.exp(log_ndtr(eta))
        return n * -np.expm1(-np.exp(eta))


def _xlog(a: np.ndarray, logp: np.ndarray) -> np.ndarray:
    """a·log p with 0·(-inf) = 0."""
    with np.errstate(invalid="ignore"):
        return np.where(a == 0, 0.0, a * logp)


FAMILIES = {
    "melogit": Family("bernoulli", "logit", "Mixed-effects logistic regression", "logistic model"),
    "meprobit": Family("bernoulli", "probit", "Mixed-effects probit regression", "probit model"),
    "mecloglog": Family(
        "bernoulli", "cloglog", "Mixed-effects cloglog regression", "cloglog model"
    ),
    "mepoisson": Family("poisson", "log", "Mixed-effects Poisson regression", "Poisson model"),
}
