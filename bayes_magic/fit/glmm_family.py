"""Conditional distributions of the ``me*`` commands: log likelihood and its η-derivatives.

Each family returns, for linear predictors ``eta`` (any shape broadcasting with ``y``), the
observation log likelihoods and their first and second derivatives in η. All the models here
are log-concave in η (the second derivative is negative), which the inner Newton steps of
:mod:`bayes_magic.fit.glmm` rely on. [ME] meglm, Methods and formulas.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, log_expit, log_ndtr, ndtr, polygamma

__all__ = [
    "Family",
    "OrdinalFamily",
    "NegBinFamily",
    "FAMILIES",
    "ORDINAL_FAMILIES",
    "NEGBIN_FAMILIES",
]

_SQRT2PI = np.sqrt(2 * np.pi)


@dataclass(frozen=True)
class Family:
    """A family and link as ``meglm`` names them, with Stata's title words."""

    family: str  # "bernoulli" (binomial with n trials), "poisson", "nbinomial", "ordinal"
    link: str  # "logit", "probit", "cloglog", "log"
    title: str  # "Mixed-effects logistic regression"
    model: str  # "logistic model" in "LR test vs. logistic model"

    # -- the family's own parameters (cutpoints, ln α), estimated after the coefficients --
    @property
    def aux(self) -> np.ndarray:
        """The family's parameters in the estimation metric (none here)."""
        return np.zeros(0)

    @property
    def aux_names(self) -> list[str]:
        """Their names in ``e(b)`` after ``/``: ``cut1`` ..., ``lnalpha``."""
        return []

    def with_aux(self, aux: np.ndarray) -> Family:
        return self

    def aux_feasible(self, aux: np.ndarray) -> bool:
        return True

    def aux_scores(self, y: np.ndarray, eta: np.ndarray) -> np.ndarray:
        """∂ log f(y | η) / ∂ aux, shape ``eta.shape + (len(aux),)``."""
        return np.zeros((*np.shape(eta), 0))

    @property
    def concave(self) -> bool:
        """Whether log f(y | η) is concave in η everywhere (the integrators' Newton steps
        guard their curvature where it is not)."""
        return True

    @property
    def count(self) -> bool:
        """A count model, with mean exp(η) (``mepoisson``, ``menbreg``)."""
        return self.family in ("poisson", "nbinomial")

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

    @property
    def aux(self) -> np.ndarray:
        return self.cuts

    @property
    def aux_names(self) -> list[str]:
        return [f"cut{j + 1}" for j in range(len(self.cuts))]

    def with_aux(self, aux: np.ndarray) -> OrdinalFamily:
        return self.with_cuts(aux)

    def aux_feasible(self, aux: np.ndarray) -> bool:
        return bool(np.all(np.diff(aux) > 0))

    def aux_scores(self, y: np.ndarray, eta: np.ndarray) -> np.ndarray:
        return self.cut_scores(y, eta)

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


@dataclass(frozen=True)
class NegBinFamily(Family):
    """The negative binomial of ``menbreg`` ([ME] menbreg, Methods and formulas; [R] nbreg),
    log link, μ = exp(η):

    * ``dispersion(mean)``: Var(y | η) = μ(1 + αμ), size m = 1/α; parameter ln α;
    * ``dispersion(constant)``: Var(y | η) = μ(1 + δ), size m = μ/δ; parameter ln δ.

    With p = 1/(1 + αμ) (or 1/(1 + δ)),
    log f = lnΓ(m + y) − lnΓ(y + 1) − lnΓ(m) + m ln p + y ln(1 − p). lnΓ(m + y) − lnΓ(m) is
    computed as lnΓ(y) − ln B(m, y), accurate as α → 0 (m → ∞), where the model tends to the
    Poisson. The mean parameterization is log-concave in η; the constant one need not be where
    counts are large and δ is large, so the integrators' Newton steps guard their curvature."""

    dispersion: str = "mean"
    lnalpha: float = 0.0

    @property
    def aux(self) -> np.ndarray:
        return np.array([self.lnalpha])

    @property
    def aux_names(self) -> list[str]:
        return ["lnalpha" if self.dispersion == "mean" else "lndelta"]

    @property
    def concave(self) -> bool:
        return self.dispersion == "mean"

    def with_aux(self, aux: np.ndarray) -> NegBinFamily:
        return replace(self, lnalpha=float(np.asarray(aux, dtype=float).reshape(-1)[0]))

    def constant(self, y: np.ndarray, n: np.ndarray) -> np.ndarray:
        return -gammaln(y + 1)

    def _size(self, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(m, ln(1/p) = log1p(αμ) or log1p(δ)), broadcast to η."""
        a = self.lnalpha
        with np.errstate(over="ignore"):
            if self.dispersion == "mean":
                return np.broadcast_to(np.exp(-a), np.shape(eta)), np.log1p(np.exp(eta + a))
            return np.exp(eta - a), np.broadcast_to(np.log1p(np.exp(a)), np.shape(eta))

    @staticmethod
    def _lgamma_ratio(y: np.ndarray, m: np.ndarray) -> np.ndarray:
        """lnΓ(m + y) − lnΓ(m), zero at y = 0."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(y > 0, gammaln(np.maximum(y, 1)) - betaln(m, np.maximum(y, 1)), 0.0)

    def loglik(
        self, y: np.ndarray, n: np.ndarray, eta: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        m, lq = self._size(eta)
        a = self.lnalpha
        if self.dispersion == "mean":
            # ln(1 - p) = η + ln α − log1p(αμ); m ln p = −m log1p(αμ)
            ll = self._lgamma_ratio(y, m) - (m + y) * lq + y * (eta + a)
            mu = np.exp(eta)
            r = 1.0 / (1.0 + mu * np.exp(a))
            return ll, (y - mu) * r, -mu * (1.0 + np.exp(a) * y) * r * r
        # constant: m = μ/δ depends on η (dm/dη = m); ln(1 - p) = ln δ − log1p(δ)
        ll = self._lgamma_ratio(y, m) - (m + y) * lq + y * a
        dpsi = digamma(m + y) - digamma(m)
        d1 = m * (dpsi - lq)
        d2 = d1 + m * m * (polygamma(1, m + y) - polygamma(1, m))
        return ll, d1, d2

    def aux_scores(self, y: np.ndarray, eta: np.ndarray) -> np.ndarray:
        m, lq = self._size(eta)
        mu = np.exp(eta)
        dpsi = digamma(m + y) - digamma(m)
        # ∂/∂ln α (dm/dln α = −m): m(log1p − Δψ) + (y − μ)/(1 + αμ); likewise for ln δ
        scale = 1.0 + (
            mu * np.exp(self.lnalpha) if self.dispersion == "mean" else np.exp(self.lnalpha)
        )
        return (m * (lq - dpsi) + (y - mu) / scale)[..., None]

    def mean(self, n: np.ndarray, eta: np.ndarray) -> np.ndarray:
        return np.exp(eta)


FAMILIES = {
    "melogit": Family("bernoulli", "logit", "Mixed-effects logistic regression", "logistic model"),
    "meprobit": Family("bernoulli", "probit", "Mixed-effects probit regression", "probit model"),
    "mecloglog": Family(
        "bernoulli", "cloglog", "Mixed-effects cloglog regression", "cloglog model"
    ),
    "mepoisson": Family("poisson", "log", "Mixed-effects Poisson regression", "Poisson model"),
}

NEGBIN_FAMILIES = {
    "menbreg": NegBinFamily(
        "nbinomial", "log", "Mixed-effects nbinomial regression", "nbinomial model"
    ),
}

ORDINAL_FAMILIES = {
    "meologit": OrdinalFamily(
        "ordinal", "logit", "Mixed-effects ologit regression", "ologit model"
    ),
    "meoprobit": OrdinalFamily(
        "ordinal", "probit", "Mixed-effects oprobit regression", "oprobit model"
    ),
}
