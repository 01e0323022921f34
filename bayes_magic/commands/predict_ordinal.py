"""``predict`` after ``ologit`` and ``oprobit`` ([R] ologit postestimation): ``pr`` (the
default: one new variable per outcome, or the outcome of ``outcome()``), ``xb`` and ``stdp``.

``outcome()`` takes an outcome's value (``outcome(3)``) or its position (``outcome(#3)``).
Predictions cover every observation whose covariates are known.
"""

from __future__ import annotations

import numpy as np

from ..design.newdata import fixed_columns
from ..errors import StataError
from ..fit.ordinal import OrdinalFit, category_probabilities
from ..report.format import fmt_g
from ..report.output import Output, Text
from ..syntax.ast import Command
from .predict import _newnames, _range, new_variables, store_prediction

_STATS = ("pr", "xb", "stdp")


def _outcome(fit: OrdinalFit, text: str) -> int:
    """The position (0-based) of ``outcome(#k)`` or ``outcome(value)``."""
    t = str(text).strip()
    try:
        if t.startswith("#"):
            k = int(t[1:])
            if not 1 <= k <= len(fit.values):
                raise ValueError
            return k - 1
        v = float(t)
    except ValueError:
        raise StataError(f"outcome({t}) not found", 303) from None
    hits = np.flatnonzero(fit.values == v)
    if not len(hits):
        raise StataError(f"outcome({t}) not found", 303)
    return int(hits[0])


def predict_ordinal(s, cmd: Command) -> list[Output]:
    """``predict`` after an ordered logit or probit fit."""
    est = s.e
    fit: OrdinalFit = est.fit
    words, vtype = new_variables(cmd)
    words = [n for w in words for n in _range(w)]
    for o in cmd.options:
        if o.name not in (*_STATS, "outcome"):
            raise StataError(f"option {o.name} not allowed", 198)
    stat = [o.name for o in cmd.options if o.name in _STATS]
    if len(stat) > 1:
        raise StataError("only one statistic may be specified", 198)
    which = stat[0] if stat else "pr"
    if cmd.has("outcome") and which != "pr":
        raise StataError(f"option outcome() not allowed with {which}", 198)
    vtype = vtype or s.settings.type
    touse = s.touse(cmd)
    ds = s.data
    d = fit.design
    X = fixed_columns(ds, d.xnames)
    xb = X @ fit.beta
    if which in ("xb", "stdp"):
        names = _newnames(s, words, 1)
        if which == "xb":
            return store_prediction(s, names[0], xb, vtype, "Linear prediction", touse)
        se = np.sqrt(np.einsum("ij,jk,ik->i", X, fit.V_beta, X))
        return store_prediction(s, names[0], se, vtype, "S.E. of linear prediction", touse)
    outs: list[Output] = []
    if not stat:
        outs.append(Text("(option pr assumed; predicted probabilities)"))
    P = category_probabilities(fit.link, xb, fit.cuts)
    if cmd.has("outcome"):
        picks = [_outcome(fit, cmd.option("outcome"))]
        names = _newnames(s, words, 1)
    elif len(words) == 1 and not words[0].endswith("*"):
        picks = [0]
        names = _newnames(s, words, 1)
    else:
        picks = list(range(len(fit.values)))
        names = _newnames(s, words, len(picks))
    for name, j in zip(names, picks):
        label = f"Pr({d.depvar}=={fmt_g(float(fit.values[j]), 9).strip()})"
        outs += store_prediction(s, name, P[:, j], vtype, label, touse)
    return outs
