"""The link functions of ``glm`` ([R] glm, Options: ``link()``; Methods and formulas).

A link maps the mean to the linear predictor, η = g(μ). With a binomial denominator m the
link acts on the proportion μ/m, as Stata's: μ = m · h(η) with h the inverse link. Each link
gives h, dh/dη and d²h/dη² (the observed information of a noncanonical link needs the second
derivative), its title and its formula as Stata prints them in the ``glm`` header.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

__all__ = ["Link", "parse_link", "LINK_NAMES"]


@dataclass(frozen=True)
class Link:
    """A link function.

    ``code`` is one of ``identity``, ``log``, ``logit``, ``probit``, ``cloglog``, ``loglog``,
    ``logc``, ``reciprocal``, ``power-2``, ``power``, ``opower``, ``nbinomial``; ``power`` is
    the exponent of ``power`` / ``opower``; ``alpha`` the dispersion of the negative binomial
    link.
    """

    code: str
    power: float = float("nan")
    alpha: float = 1.0

    @property
    def title(self) -> str:
        """Stata's name of the link, printed in brackets in the header."""
        return {
            "identity": "Identity",
            "log": "Log",
            "logit": "Logit",
            "probit": "Probit",
            "cloglog": "Complementary log-log",
            "loglog": "Log-log",
            "logc": "Log complement",
            "reciprocal": "Reciprocal",
            "power-2": "Power(-2)",
            "power": "Power",
            "opower": "Odds power",
            "nbinomial": "Neg. Binomial",
        }[self.code]

    def formula(self, m: str = "1") -> str:
        """g(u) as Stata prints it; ``m`` is the binomial denominator (a number or a name)."""
        p = _num(self.power)
        one = m == "1"
        u = "u" if one else f"u/{m}"
        return {
            "identity": u,
            "log": f"ln({u})",
            "logit": "ln(u/(1-u))" if one else f"ln(u/({m}-u))",
            "probit": f"invnorm({u})",
            "cloglog": f"ln(-ln(1-{u}))",
            "loglog": f"-ln(-ln({u}))",
            "logc": f"ln(1-{u})",
            "reciprocal": "1/u" if one else f"{m}/u",
            "power-2": "1/(u^2)",
            "power": f"u^({p})" if one else f"(u/{m})^({p})",
            "opower": f"((u/(1-u))^({p})-1)/({p})" if one else f"((u/({m}-u))^({p})-1)/({p})",
            "nbinomial": f"ln(u/(u+(1/{_num(self.alpha)})))",
        }[self.code]

    @property
    def needs_proportion(self) -> bool:
        """Whether h(η) must lie in (0, 1): links defined only for proportions."""
        return self.code in ("logit", "probit", "cloglog", "loglog", "logc", "opower")

    def link(self, p: np.ndarray) -> np.ndarray:
        """η = g(p), for starting values."""
        with np.errstate(all="ignore"):
            c = self.code
            if c == "identity":
                return p.copy()
            if c == "log":
                return np.log(p)
            if c == "logit":
                return special.logit(p)
            if c == "probit":
                return stats.norm.ppf(p)
            if c == "cloglog":
                return np.log(-np.log1p(-p))
            if c == "loglog":
                return -np.log(-np.log(p))
            if c == "logc":
                return np.log1p(-p)
            if c == "reciprocal":
                return 1.0 / p
            if c == "power-2":
                return p**-2.0
            if c == "power":
                return p**self.power
            if c == "opower":
                return ((p / (1 - p)) ** self.power - 1) / self.power
            return np.log(p / (p + 1.0 / self.alpha))  # nbinomial

    def inverse(self, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """h(η), dh/dη and d²h/dη²."""
        with np.errstate(all="ignore"):
            c = self.code
            if c == "identity":
                return eta.copy(), np.ones_like(eta), np.zeros_like(eta)
            if c == "log":
                e = np.exp(eta)
                return e, e, e
            if c == "logit":
                p = special.expit(eta)
                d1 = p * (1 - p)
                return p, d1, d1 * (1 - 2 * p)
            if c == "probit":
                d1 = stats.norm.pdf(eta)
                return special.ndtr(eta), d1, -eta * d1
            if c == "cloglog":
                e = np.exp(eta)
                d1 = e * np.exp(-e)
                return -np.expm1(-e), d1, d1 * (1 - e)
            if c == "loglog":
                e = np.exp(-eta)
                p = np.exp(-e)
                d1 = e * p
                return p, d1, d1 * (e - 1)
            if c == "logc":
                e = np.exp(eta)
                return -np.expm1(eta), -e, -e
            if c == "reciprocal":
                return 1 / eta, -(eta**-2.0), 2 * eta**-3.0
            if c == "power-2":
                return eta**-0.5, -0.5 * eta**-1.5, 0.75 * eta**-2.5
            if c == "power":
                a = 1.0 / self.power
                return eta**a, a * eta ** (a - 1), a * (a - 1) * eta ** (a - 2)
            if c == "opower":
                a = self.power
                base = 1 + a * eta
                o = base ** (1 / a)  # the odds
                do = o / base
                d2o = (1 - a) * o / base**2
                p = o / (1 + o)
                dp, d2p = (1 + o) ** -2.0, -2 * (1 + o) ** -3.0
                return p, dp * do, d2p * do**2 + dp * d2o
            k = 1.0 / self.alpha  # nbinomial: μ = k / (exp(-η) - 1)
            q = np.exp(-eta)
            return k / (q - 1), k * q / (q - 1) ** 2, k * q * (q + 1) / (q - 1) ** 3


def _num(x: float) -> str:
    """A number as Stata's macros print it: integers without a decimal point, no leading
    zero (``.5``, ``-.25``)."""
    if float(x).is_integer():
        return str(int(x))
    text = f"{x:.10g}"
    return text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text


#: the link names glm accepts, with their minimal abbreviations (MapLink in glm.ado)
LINK_NAMES = (
    ("identity", 1),
    ("reciprocal", 1),
    ("log", 3),
    ("power", 3),
    ("opower", 3),
    ("logit", 1),
    ("nbinomial", 2),
    ("logc", 4),
    ("loglog", 4),
    ("cloglog", 1),
    ("probit", 1),
)


def parse_link(text: str) -> Link | None:
    """The ``link()`` of ``glm``: a name and, for ``power`` and ``opower``, a number. ``power
    0`` is the log link, ``power -1`` the reciprocal, ``power -2`` power(-2), ``opower 0``
    the logit. None for an empty text (the family's canonical link).

    Raises
    ------
    ValueError
        With Stata's message, for an unknown link or a bad power.
    """
    words = text.split()
    if not words:
        return None
    name = words[0].lower()
    full = next((f for f, least in LINK_NAMES if f.startswith(name) and len(name) >= least), None)
    if name == "log":
        full = "log"
    if full is None:
        raise ValueError(f"unknown link() {words[0]}")
    if full in ("power", "opower"):
        if len(words) != 2:
            raise ValueError(f"invalid # in link({full} #)")
        try:
            a = float(words[1])
        except ValueError:
            raise ValueError(f"invalid # in link({full} #)") from None
        if full == "opower":
            return Link("logit") if a == 0 else Link("opower", a)
        if a == 0:
            return Link("log")
        if a == -1:
            return Link("reciprocal")
        if a == -2:
            return Link("power-2")
        return Link("power", a)
    if len(words) > 1:
        raise ValueError(f"link({text}) invalid")
    return Link(full)
