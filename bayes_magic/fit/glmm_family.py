"""Conditional distributions of the ``me*`` commands: log likelihood and its η-derivatives.

Each family returns, for linear predictors ``eta`` (any shape broadcasting with ``y``), the
observation log likelihoods and their first and second derivatives in η. All the models here
are log-concave in η (the second derivative is negative), which the inner Newton steps of
:mod:`bayes_magic.fit.glmm` rely on. [ME] meglm, Methods and formulas.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy.special import expit, gammaln, log_expit, log_ndtr, ndtr

__all__ = ["Family", "OrdinalFamily", "FAMILIES", "ORDINAL_FAMILIES"]

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


@dataclass(frozen=True)
class OrdinalFamily(Family):
    """The ordered logit or probit of ``meologit`` / ``meoprobit`` ([ME] meologit, [ME]
    meoprobit, Methods and formulas): with outcome codes y = 0..J-1 and cutpoints
    κ_1 < ... < κ_{J-1} (κ_0 = -∞, κ_J = +∞),

        Pr(y = j | η) = F(κ_{j+1} - η) - F(κ_j - η),

    F the logistic or standard normal distribution function. The cutpoints are the family's
    parameters (:meth:`with_cuts`); the log likelihood is concave in η for both links
    (Pratt 1981, JASA 76:103-106), as the inner Newton steps require."""

    cuts: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def with_cuts(self, cuts: np.ndarray) -> OrdinalFamily:
        return replace(self, cuts=np.asarray(cuts, dtype=float))

    def constant(self, y: np.ndarray, n: np.ndarray) -> np.ndarray:
        return np.zeros(np.shape(y))

    def _bounds(self, y: np.ndarray, eta: np.ndarray):
        """κ_{y+1} - η and κ_y - η (upper and lower), broadcast."""
        k = np.concatenate([[-np.inf], self.cuts, [np.inf]])
        c = np.asarray(y).astype(np.int64)
        return k[c + 1] - eta, k[c] - eta

    def _log_cdf(self, z: np.ndarray) -> np.ndarray:
        return log_expit(z) if self.link == "logit" else log_ndtr(z)

    def _log_pdf(self, z: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            if self.link == "logit":
                out = log_expit(z) + log_expit(-z)
            else:
                out = -0.5 * z * z - 0.5 * np.log(2 * np.pi)
        return np.where(np.isfinite(z), out, -np.inf)

    def _parts(self, y: np.ndarray, eta: np.ndarray):
        """log P, f(zu)/P, f(zl)/P, f'(zu)/P, f'(zl)/P on the log scale, so that neither
        tail underflows: P = F(zu)(1 - F(zl)/F(zu)) below 0, S(zl)(1 - S(zu)/S(zl)) above."""
        zu, zl = self._bounds(y, eta)
        upper = zl > 0
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            l_hi = np.where(upper, self._log_cdf(-zl), self._log_cdf(zu))
            l_lo = np.where(upper, self._log_cdf(-zu), self._log_cdf(zl))
            r = np.where(np.isneginf(l_lo), 0.0, np.exp(l_lo - l_hi))
            logP = np.where(r < 1.0, l_hi + np.log1p(-np.minimum(r, 1.0)), -np.inf)
            a = np.exp(self._log_pdf(zu) - logP)
            b = np.exp(self._log_pdf(zl) - logP)
            if self.link == "logit":
                ga = np.where(a > 0, a * (1 - 2 * expit(zu)), 0.0)
                gb = np.where(b > 0, b * (1 - 2 * expit(zl)), 0.0)
            else:
                ga = np.where(a > 0, -zu * a, 0.0)
                gb = np.where(b > 0, -zl * b, 0.0)
        return logP, a, b, ga, gb

    def loglik(
        self, y: np.ndarray, n: np.ndarray, eta: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        logP, a, b, ga, gb = self._parts(y, eta)
        d1 = -(a - b)  # dzu/dη = dzl/dη = -1
        return logP, d1, (ga - gb) - d1 * d1

    def cut_scores(self, y: np.ndarray, eta: np.ndarray) -> np.ndarray:
        """∂ log Pr(y | η) / ∂κ_j, shape ``eta.shape + (J-1,)``."""
        _logP, a, b, _ga, _gb = self._parts(y, eta)
        c = np.broadcast_to(np.asarray(y).astype(np.int64), np.shape(eta))
        j = np.arange(len(self.cuts))
        out = np.where(j == c[..., None], a[..., None], 0.0)
        return out - np.where(j == c[..., None] - 1, b[..., None], 0.0)

    def probabilities(self, eta: np.ndarray) -> np.ndarray:
        """Pr(y = j | η) for every outcome j (last axis)."""
        k = np.concatenate([[-np.inf], self.cuts, [np.inf]])
        z = k - np.asarray(eta)[..., None]
        return np.diff(expit(z) if self.link == "logit" else ndtr(z), axis=-1)

    def mean(self, n: np.ndarray, eta: np.ndarray) -> np.ndarray:
        raise NotImplementedError("ordered outcomes have probabilities, not a mean")


FAMILIES = {
    "melogit": Family("bernoulli", "logit", "Mixed-effects logistic regression", "logistic model"),
    "meprobit": Family("bernoulli", "probit", "Mixed-effects probit regression", "probit model"),
    "mecloglog": Family(
        "bernoulli", "cloglog", "Mixed-effects cloglog regression", "cloglog model"
    ),
    "mepoisson": Family("poisson", "log", "Mixed-effects Poisson regression", "Poisson model"),
}

ORDINAL_FAMILIES = {
    "meologit": OrdinalFamily(
        "ordinal", "logit", "Mixed-effects ologit regression", "ologit model"
    ),
    "meoprobit": OrdinalFamily(
        "ordinal", "probit", "Mixed-effects oprobit regression", "oprobit model"
    ),
}
