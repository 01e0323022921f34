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

__all__ = ["Scenario", "Margin", "response", "evaluate"]


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
    margins: list[Margin], beta: np.ndarray, V: np.ndarray, f: Response, fprime: Response
) -> tuple[np.ndarray, np.ndarray]:
    """The margins' values and their delta-method covariance J V J' (J their gradient in b)."""
    k = len(margins)
    vals = np.zeros(k)
    J = np.zeros((k, len(beta)))
    for m, mg in enumerate(margins):
        for sc in mg.scenarios:
            eta = sc.X @ beta + sc.offset
            w = sc.weights / sc.weights.sum()
            if sc.scale is not None:
                w = w * sc.scale
            vals[m] += sc.coef * float(w @ f(eta))
            J[m] += sc.coef * ((w * fprime(eta)) @ sc.X)
    Vm = J @ V @ J.T
    return vals, (Vm + Vm.T) / 2
