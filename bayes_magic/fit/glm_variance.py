"""The distribution families of ``glm`` ([R] glm, Options: ``family()``; Methods and formulas).

A family gives the variance function V(μ), its derivative, the deviance contribution, the
log-likelihood contribution Stata reports, the Anscombe residual and the adjustment of the
deviance residual (Pierce and Schafer 1986), and its canonical link. The binomial family has
a denominator m (a number or a variable); the negative binomial family a fixed dispersion α.

The reported log likelihoods are Stata's: the Gaussian one uses σ² = Pearson χ² / N (so it
equals ``regress``'s); the gamma one is Σ (-y/μ - ln μ) and the inverse Gaussian one has unit
dispersion, whatever the scale parameter, as ``glm`` prints them (McCullagh and Nelder 1989;
Hardin and Hilbe, *Generalized Linear Models and Extensions*).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from .glm_links import Link, _num

__all__ = ["Family", "parse_family", "FAMILY_NAMES"]


@dataclass(frozen=True)
class Family:
    """A ``glm`` family: ``gaussian``, ``binomial``, ``poisson``, ``gamma``, ``igaussian`` or
    ``nbinomial``; ``m`` the binomial denominator as typed (``"1"``, a number or a variable
    name) and ``alpha`` the negative binomial dispersion."""

    code: str
    m: str = "1"
    alpha: float = 1.0

    @property
    def discrete(self) -> bool:
        """Whether the default scale parameter is 1 (binomial, Poisson, negative binomial);
        otherwise it is Pearson χ² over the residual df."""
        return self.code in ("binomial", "poisson", "nbinomial")

    def canonical(self) -> Link:
        return {
            "gaussian": Link("identity"),
            "binomial": Link("logit"),
            "poisson": Link("log"),
            "gamma": Link("reciprocal"),
            "igaussian": Link("power-2"),
            "nbinomial": Link("log"),
        }[self.code]

    def is_canonical(self, link: Link) -> bool:
        """Stata's canonical pairs (e(canonical)): the negative binomial's is its own link."""
        if self.code == "nbinomial":
            return link.code == "nbinomial"
        return link == self.canonical()

    def title(self, y: np.ndarray) -> str:
        if self.code == "binomial":
            return "Bernoulli" if self.m == "1" and np.isin(y, (0, 1)).all() else "Binomial"
        return {
            "gaussian": "Gaussian",
            "poisson": "Poisson",
            "gamma": "Gamma",
            "igaussian": "Inverse Gaussian",
            "nbinomial": "Neg. Binomial",
        }[self.code]

    def formula(self, y: np.ndarray) -> str:
        """V(u) as Stata prints it."""
        if self.code == "binomial":
            return "u*(1-u)" if self.title(y) == "Bernoulli" else f"u*(1-u/{self.m})"
        if self.code == "nbinomial":
            return f"u+({_num(round(self.alpha, 4))})u^2"
        return {"gaussian": "1", "poisson": "u", "gamma": "u^2", "igaussian": "u^3"}[self.code]

    def variance(self, mu: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """V(μ) and dV/dμ."""
        c = self.code
        if c == "gaussian":
            return np.ones_like(mu), np.zeros_like(mu)
        if c == "binomial":
            return mu * (1 - mu / m), 1 - 2 * mu / m
        if c == "poisson":
            return mu.copy(), np.ones_like(mu)
        if c == "gamma":
            return mu * mu, 2 * mu
        if c == "igaussian":
            return mu**3, 3 * mu * mu
        a = self.alpha
        return mu + a * mu * mu, 1 + 2 * a * mu

    def deviance(self, y: np.ndarray, mu: np.ndarray, m: np.ndarray) -> np.ndarray:
        """Each observation's contribution to the deviance."""
        with np.errstate(all="ignore"):
            c = self.code
            if c == "gaussian":
                return (y - mu) ** 2
            if c == "binomial":
                return 2 * (_xlogy_ratio(y, mu) + _xlogy_ratio(m - y, m - mu))
            if c == "poisson":
                return 2 * (_xlogy_ratio(y, mu) - (y - mu))
            if c == "gamma":
                return -2 * (np.log(y / mu) - (y - mu) / mu)
            if c == "igaussian":
                return (y - mu) ** 2 / (mu * mu * y)
            a = self.alpha
            return 2 * (_xlogy_ratio(y, mu) - (1 + a * y) / a * np.log((1 + a * y) / (1 + a * mu)))

    def loglik(self, y: np.ndarray, mu: np.ndarray, m: np.ndarray, sig2: float) -> np.ndarray:
        """Each observation's log-likelihood contribution as ``glm`` reports it; ``sig2`` is
        the Gaussian variance (Pearson χ² / N by default)."""
        with np.errstate(all="ignore"):
            c = self.code
            if c == "gaussian":
                return -0.5 * ((y - mu) ** 2 / sig2 + np.log(2 * np.pi * sig2))
            if c == "binomial":
                p = mu / m
                comb = special.gammaln(m + 1) - special.gammaln(y + 1) - special.gammaln(m - y + 1)
                return comb + special.xlogy(y, p) + special.xlog1py(m - y, -p)
            if c == "poisson":
                return -mu + special.xlogy(y, mu) - special.gammaln(y + 1)
            if c == "gamma":
                return -y / mu - np.log(mu)
            if c == "igaussian":
                return -0.5 * ((y - mu) ** 2 / (y * mu * mu) + 3 * np.log(y) + np.log(2 * np.pi))
            k = 1.0 / self.alpha
            return (
                special.gammaln(k + y)
                - special.gammaln(y + 1)
                - special.gammaln(k)
                - k * np.log1p(mu / k)
                + special.xlogy(y, mu / (mu + k))
            )

    def anscombe(self, y: np.ndarray, mu: np.ndarray, m: np.ndarray) -> np.ndarray:
        """The Anscombe residual: A(y) - A(μ) over A'(μ)·√V(μ), with A(t) = ∫ V^(-1/3)."""
        with np.errstate(all="ignore"):
            c = self.code
            if c == "gaussian":
                return y - mu
            if c == "poisson":
                return 1.5 * (y ** (2 / 3) - mu ** (2 / 3)) / mu ** (1 / 6)
            if c == "gamma":
                return 3 * (y ** (1 / 3) - mu ** (1 / 3)) / mu ** (1 / 3)
            if c == "igaussian":
                return (np.log(y) - np.log(mu)) / np.sqrt(mu)
            v, _ = self.variance(mu, m)
            if c == "binomial":  # ∫0^y [t(1-t/m)]^(-1/3) dt = 1.5 y^(2/3) 2F1(1/3,2/3;5/3;y/m)
                ay = y ** (2 / 3) * special.hyp2f1(1 / 3, 2 / 3, 5 / 3, y / m)
                am = mu ** (2 / 3) * special.hyp2f1(1 / 3, 2 / 3, 5 / 3, mu / m)
            else:  # ∫0^y [t(1+αt)]^(-1/3) dt = 1.5 y^(2/3) 2F1(1/3,2/3;5/3;-αy)
                a = self.alpha
                ay = y ** (2 / 3) * special.hyp2f1(1 / 3, 2 / 3, 5 / 3, -a * y)
                am = mu ** (2 / 3) * special.hyp2f1(1 / 3, 2 / 3, 5 / 3, -a * mu)
            return 1.5 * (ay - am) / v ** (1 / 6)

    def adjustment(self, mu: np.ndarray, m: np.ndarray, phi: float) -> np.ndarray | None:
        """The term added to the deviance residual by ``predict, deviance adjusted``; None
        where Stata has none (inverse Gaussian, negative binomial)."""
        c = self.code
        if c == "gaussian":
            return np.zeros_like(mu)
        if c == "binomial":
            return (1 - 2 * mu / m) / (6 * np.sqrt(mu * (1 - mu / m)))
        if c == "poisson":
            return 1 / (6 * np.sqrt(mu))
        if c == "gamma":
            return np.full_like(mu, 1 / (3 * np.sqrt(1 / phi)))
        return None

    def mean_range(self, mu: np.ndarray, m: np.ndarray) -> np.ndarray:
        """Whether each mean is inside the family's support (0 < μ < m for the binomial,
        μ > 0 for the positive families)."""
        if self.code == "gaussian":
            return np.isfinite(mu)
        if self.code == "binomial":
            return (mu > 0) & (mu < m)
        return mu > 0


def _xlogy_ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a ln(a/b), 0 where a is 0."""
    with np.errstate(all="ignore"):
        return np.where(a == 0, 0.0, a * np.log(np.where(a == 0, 1.0, a) / b))


#: family names with their minimal abbreviations (MapFam in glm.ado)
FAMILY_NAMES = (
    ("gaussian", 3, "gaussian"),
    ("normal", 1, "gaussian"),
    ("binomial", 1, "binomial"),
    ("bernoulli", 1, "binomial"),
    ("poisson", 1, "poisson"),
    ("gamma", 3, "gamma"),
    ("igaussian", 2, "igaussian"),
    ("inormal", 2, "igaussian"),
    ("ivg", 3, "igaussian"),
    ("nbinomial", 2, "nbinomial"),
)


def parse_family(text: str) -> tuple[Family, bool]:
    """The ``family()`` of ``glm``: a name, then the binomial denominator (a number ≥ 1 or a
    variable) or the negative binomial α (a positive number, or ``ml``). Returns the family and
    whether α is to be estimated (``nbinomial ml``).

    Raises
    ------
    ValueError
        With Stata's message.
    """
    words = text.split()
    if not words:
        return Family("gaussian"), False
    name = words[0].lower()
    code = next(
        (c for f, least, c in FAMILY_NAMES if f.startswith(name) and len(name) >= least), None
    )
    if code is None:
        raise ValueError(f"unknown family() {words[0]}")
    if len(words) > 2 or (len(words) == 2 and code not in ("binomial", "nbinomial")):
        raise ValueError(f"family({text}) invalid")
    if len(words) == 1:
        return Family(code), False
    arg = words[1]
    if code == "binomial":
        try:
            n = float(arg)
        except ValueError:
            return Family(code, m=arg), False  # a variable, resolved by the caller
        if not n >= 1:
            raise ValueError(f"{arg} in family(binomial {arg}) invalid")
        return Family(code, m=_num(n)), False
    if arg.lower() == "ml":
        return Family(code), True
    try:
        a = float(arg)
    except ValueError:
        raise ValueError(f"{arg} in family(nbinomial {arg}) invalid") from None
    if not a > 0:
        raise ValueError(f"{arg} in family(nbinomial {arg}) invalid")
    return Family(code, alpha=a), False
