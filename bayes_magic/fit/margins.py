"""Margins and marginal effects with delta-method standard errors ([R] margins, Methods and
formulas).

A margin is a weighted combination of average responses over counterfactual designs: the
predictive margin at schtype = 1 averages f(x_i·b + offset_i) with schtype set to 1 in every
observation; the average marginal effect of a continuous x is the central difference of two
such averages (x ± h), of a factor level the difference from its base level. Each average is
linear in f, so its gradient in b is the same average of f'(η_i)·x_i, and the margins'
covariance is J V J' (the delta method).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

__all__ = [
    "Scenario",
    "Margin",
    "response",
    "evaluate",
    "evaluate_rows",
    "ordinal_response",
    "mlogit_response",
]


@dataclass
class Scenario:
    """One counterfactual design: its coefficient in the margin, X and offset (the
    observations used, or one row of means with ``atmeans``) and the observations' weights."""

    coef: float
    X: np.ndarray
    offset: np.ndarray
    weights: np.ndarray
    #: each observation's multiplier of the response (binomial trials for a GLMM's mean)
    scale: np.ndarray | None = None


@dataclass
class Margin:
    """One margin: the sum over its scenarios of coef × the weighted average response."""

    scenarios: list[Scenario]


Response = Callable[[np.ndarray], np.ndarray]


def response(stat: str, link: str) -> tuple[Response, Response]:
    """The response f(η) of ``predict, stat`` and its derivative: ``xb`` is η; ``pr`` the
    inverse link (logit, probit, cloglog); ``n`` and ``ir`` exp(η)."""
    if stat == "xb" or link == "identity":
        return (lambda e: e), (lambda e: np.ones_like(e))
    if link == "log":
        return np.exp, np.exp
    if link == "logit":

        def dlogit(e):
            p = special.expit(e)
            return p * (1 - p)

        return special.expit, dlogit
    if link == "probit":
        return special.ndtr, stats.norm.pdf
    if link == "cloglog":
        return (lambda e: -np.expm1(-np.exp(e))), (lambda e: np.exp(e - np.exp(e)))
    raise ValueError(link)


def evaluate(
    margins: list[Margin],
    beta: np.ndarray,
    V: np.ndarray,
    f: Response,
    fprime: Response,
    extra: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The margins' values and their delta-method covariance J V J' (J their gradient in b).

    ``beta`` may hold parameters beyond the linear index's (an ordered model's cutpoints):
    η uses its first X-columns entries, and ``extra(η)`` gives each observation's derivative
    of the response with respect to the others (observations by parameters)."""
    return evaluate_rows([(mg, (f, fprime, extra)) for mg in margins], beta, V)


def evaluate_rows(
    rows: list[tuple[Margin, tuple]], beta: np.ndarray, V: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`evaluate` with each margin's own response ``(f, fprime, extra)`` (an ordered
    model's margins of several outcomes at once), and their joint covariance."""
    k = len(rows)
    vals = np.zeros(k)
    J = np.zeros((k, len(beta)))
    for m, (mg, (f, fprime, extra)) in enumerate(rows):
        for sc in mg.scenarios:
            p = sc.X.shape[1]
            q = getattr(f, "equations", 0)
            if q:  # a response of several linear indices (mlogit): one per equation
                E = sc.X @ beta[: p * q].reshape(q, p).T + np.asarray(sc.offset)[..., None]
                w = sc.weights / sc.weights.sum()
                vals[m] += sc.coef * float(w @ f(E))
                D = fprime(E)
                for e in range(q):
                    J[m, e * p : (e + 1) * p] += sc.coef * ((w * D[:, e]) @ sc.X)
                continue
            eta = sc.X @ beta[:p] + sc.offset
            w = sc.weights / sc.weights.sum()
            if sc.scale is not None:
                w = w * sc.scale
            vals[m] += sc.coef * float(w @ f(eta))
            J[m, :p] += sc.coef * ((w * fprime(eta)) @ sc.X)
            if extra is not None:
                J[m, p:] += sc.coef * (w @ extra(eta))
    Vm = J @ V @ J.T
    return vals, (Vm + Vm.T) / 2


def ordinal_response(
    link: str, cuts: np.ndarray, j: int
) -> tuple[Response, Response, Callable[[np.ndarray], np.ndarray]]:
    """Pr(y = outcome j) of an ordered logit or probit as a function of η = xβ, its derivative
    in η, and its derivatives in the cutpoints: Pr = F(κ_j - η) - F(κ_{j-1} - η)."""
    from .ordinal import cdf_pdf_dpdf

    k = np.concatenate([[-np.inf], cuts, [np.inf]])

    def f(eta: np.ndarray) -> np.ndarray:
        return cdf_pdf_dpdf(link, k[j + 1] - eta)[0] - cdf_pdf_dpdf(link, k[j] - eta)[0]

    def fprime(eta: np.ndarray) -> np.ndarray:
        return -(cdf_pdf_dpdf(link, k[j + 1] - eta)[1] - cdf_pdf_dpdf(link, k[j] - eta)[1])

    def extra(eta: np.ndarray) -> np.ndarray:
        out = np.zeros((len(eta), len(cuts)))
        if j < len(cuts):
            out[:, j] = cdf_pdf_dpdf(link, k[j + 1] - eta)[1]
        if j >= 1:
            out[:, j - 1] = -cdf_pdf_dpdf(link, k[j] - eta)[1]
        return out

    return f, fprime, extra


def mlogit_response(base: int, J: int, j: int) -> tuple[Response, Response, None]:
    """Pr(y = outcome j) of a multinomial logit as a function of the non-base outcomes'
    linear indices E (observations by J-1 equations; the base outcome's index is 0), and its
    derivatives in them, ∂p_j/∂η_m = p_j (δ_jm - p_m). The response carries ``equations``
    (J-1): :func:`evaluate_rows` then takes one index per equation from consecutive blocks of
    the coefficients."""
    from .mlogit import mlogit_probabilities

    others = [k for k in range(J) if k != base]

    def probs(E: np.ndarray) -> np.ndarray:
        eta = np.zeros((E.shape[0], J))
        eta[:, others] = E
        return mlogit_probabilities(eta)

    def f(E: np.ndarray) -> np.ndarray:
        return probs(E)[:, j]

    def fprime(E: np.ndarray) -> np.ndarray:
        P = probs(E)
        D = -P[:, [j]] * P[:, others]
        if j != base:
            D[:, others.index(j)] += P[:, j]
        return D

    f.equations = J - 1  # type: ignore[attr-defined]
    return f, fprime, None
