"""``predict`` after ``logit``, ``logistic`` and ``probit``: the residual diagnostics of
[R] logistic postestimation (Methods and formulas; Hosmer, Lemeshow and Sturdivant 2013, ch. 5;
Pregibon 1981), computed by covariate pattern.

Observations with the same covariates (and offset) form a pattern j with m_j observations, y_j
positive outcomes and predicted probability p_j. With r_j the Pearson residual
(y_j − m_j p_j)/√(m_j p_j (1 − p_j)), d_j the deviance residual and h_j the leverage
m_j p_j (1 − p_j) x_j'Vx_j (V = e(V)):

* ``residuals`` r_j, ``rstandard`` r_j/√(1 − h_j), ``deviance`` d_j, ``hat`` h_j;
* ``dx2`` r_j²/(1 − h_j), ``ddeviance`` d_j² + r_j² h_j/(1 − h_j), ``dbeta``
  r_j² h_j/(1 − h_j)²; ``number`` the pattern's number (patterns in sorted order).

Each observation of the estimation sample gets its pattern's value; the others are missing.
After ``probit`` Stata offers ``deviance`` only, computed the same way.
"""

from __future__ import annotations

import numpy as np

from ..design.glmm import trials_offset_now
from ..design.newdata import fixed_columns
from ..errors import StataError
from ..report.output import Output
from ..syntax.ast import Command

__all__ = ["DIAGNOSTICS", "predict_diagnostic"]

#: statistic -> its label
DIAGNOSTICS = {
    "residuals": "Pearson residual",
    "rstandard": "Standardized Pearson residual",
    "deviance": "Deviance residual",
    "hat": "Leverage (diagonal element of hat matrix)",
    "dx2": "Hosmer–Lemeshow delta chi-squared influence statistic",
    "ddeviance": "Hosmer–Lemeshow delta-D influence statistic",
    "dbeta": "Pregibon delta-beta influence statistic",
    "number": "Covariate pattern",
}


def _deviance(y: np.ndarray, m: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Deviance residuals of binomial patterns: the sign of y − mp times the square root of
    twice the log-likelihood ratio of the saturated fit."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = np.where(y > 0, y * np.log(y / (m * p)), 0.0)
        t2 = np.where(m - y > 0, (m - y) * np.log((m - y) / (m * (1 - p))), 0.0)
    d2 = np.maximum(2 * (t1 + t2), 0.0)
    return np.sign(y - m * p) * np.sqrt(d2)


def predict_diagnostic(s, cmd: Command, stat: str) -> tuple[np.ndarray, str]:
    """The values of ``stat`` over the current data (missing outside the estimation sample).

    Raises
    ------
    StataError
        r(198) after a weighted fit, and for statistics the command does not have.
    """
    e = s.e
    fit = e.fit
    if e.cmd == "probit" and stat != "deviance":
        raise StataError(f"option {stat} not allowed after probit", 198)
    if fit.design.weights is not None:
        raise StataError(
            f"predict, {stat} after a weighted {e.cmd} is not available in bayes_magic yet", 198
        )
    ds = s.data
    X = fixed_columns(ds, fit.design.xnames)
    _n, off = trials_offset_now(ds, fit.gdesign)
    insample = ds.mask_of(e.ids) if e.ids is not None else fit.design.sample.copy()
    rows = np.flatnonzero(insample)
    y = (np.asarray(ds.values(fit.design.depvar), dtype=float)[rows] != 0).astype(float)
    keys = np.column_stack([X[rows], off[rows]])
    _u, first, pattern = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    pattern = pattern.ravel()
    J = first.size
    m = np.bincount(pattern, minlength=J).astype(float)
    yj = np.bincount(pattern, weights=y, minlength=J)
    Xj = X[rows][first]
    eta = Xj @ fit.beta + off[rows][first]
    p = fit.family.mean(np.ones(J), eta)
    var = m * p * (1 - p)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (yj - m * p) / np.sqrt(var)
        h = var * np.einsum("ij,jk,ik->i", Xj, fit.V_beta, Xj)
        d = _deviance(yj, m, p)
        values = {
            "residuals": r,
            "rstandard": r / np.sqrt(1 - h),
            "deviance": d,
            "hat": h,
            "dx2": r**2 / (1 - h),
            "ddeviance": d**2 + r**2 * h / (1 - h),
            "dbeta": r**2 * h / (1 - h) ** 2,
            "number": np.arange(1, J + 1, dtype=float),
        }[stat]
    out = np.full(ds.nobs, np.nan)
    out[rows] = values[pattern]
    return out, DIAGNOSTICS[stat]


def predict_outputs(s, cmd: Command, stat: str, names: list[str], vtype) -> list[Output]:
    from .predict import store_prediction

    val, label = predict_diagnostic(s, cmd, stat)
    return store_prediction(s, names[0], val, vtype or s.settings.type, label, s.touse(cmd))
