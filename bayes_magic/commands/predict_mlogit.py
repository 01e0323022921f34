"""``predict`` after ``mlogit`` ([R] mlogit postestimation): ``pr`` (the default: one new
variable per outcome, or the outcome of ``outcome()``), ``xb`` and ``stdp`` of one outcome's
equation (the first unless ``outcome()``), and ``scores`` (one per equation of e(b) but the
base outcome's).

``outcome()`` takes an outcome's value (``outcome(2)``), its position (``outcome(#2)``) or its
equation name (``outcome(Prepaid)``). Predictions cover every observation whose covariates are
known.
"""

from __future__ import annotations

import numpy as np

from ..design.newdata import fixed_columns
from ..errors import StataError
from ..fit.mlogit import MlogitFit, mlogit_probabilities
from ..report.output import Output
from ..syntax.ast import Command
from .predict import _newnames, _range, new_variables, store_prediction
from .predict_ordinal import store_probabilities

_STATS = ("pr", "xb", "stdp", "scores")


def mlogit_outcome(fit: MlogitFit, eqs: list[str], text) -> int:
    """The position (0-based) of ``outcome(name)`` (an equation's name), or of
    ``outcome(#k)`` / ``outcome(value)`` as after ``ologit``."""
    from .predict_ordinal import outcome_index

    t = "" if text is True else str(text).strip()
    if t in eqs:
        return eqs.index(t)
    return outcome_index(fit, text, fit.design.depvar)


def predict_mlogit(s, cmd: Command) -> list[Output]:
    """``predict`` after ``mlogit``."""
    est = s.e
    fit: MlogitFit = est.fit
    eqs = est.macros["eqnames"].split()
    words, vtype = new_variables(cmd)
    words = [n for w in words for n in _range(w)]
    for o in cmd.options:
        if o.name not in (*_STATS, "outcome"):
            raise StataError(f"option {o.name} not allowed", 198)
    stat = [o.name for o in cmd.options if o.name in _STATS]
    if len(stat) > 1:
        raise StataError("only one statistic may be specified", 198)
    which = stat[0] if stat else "pr"
    vtype = vtype or s.settings.type
    touse = s.touse(cmd)
    ds = s.data
    d = fit.design
    X = fixed_columns(ds, d.xnames)
    eta = X @ fit.B  # observations by outcomes (the base's 0)
    several = len(words) > 1 or (len(words) == 1 and words[0].endswith("*"))
    if which == "scores":
        if cmd.has("outcome"):
            raise StataError("option outcome() not allowed with scores", 198)
        names = _newnames(s, words, len(fit.others))
        yv = ds.values(d.depvar)
        P = mlogit_probabilities(eta)
        outs: list[Output] = []
        for name, k in zip(names, fit.others):
            score = (yv == fit.values[k]).astype(float) - P[:, k]
            score[np.isnan(yv) | np.isnan(P[:, k])] = np.nan
            label = f"equation-level score for [{eqs[k]}] from mlogit"
            outs = store_prediction(s, name, score, vtype, label, touse)
        return outs
    if cmd.has("outcome") and several:
        raise StataError(
            "option outcome() is not allowed when multiple new variables are specified", 198
        )
    if which in ("xb", "stdp"):
        if several:
            raise StataError(f"option {which} requires that you specify 1 new variable", 198)
        j = mlogit_outcome(fit, eqs, cmd.option("outcome")) if cmd.has("outcome") else 0
        names = _newnames(s, words, 1)
        if which == "xb":
            label = f"Linear prediction, {eqs[j]}"
            return store_prediction(s, names[0], eta[:, j], vtype, label, touse)
        if j == fit.base:
            se = np.where(np.isnan(eta[:, j]), np.nan, 0.0)
        else:
            p = X.shape[1]
            m = fit.others.index(j)
            Vk = fit.V[m * p : (m + 1) * p, m * p : (m + 1) * p]
            se = np.sqrt(np.einsum("ij,jk,ik->i", X, Vk, X))
        label = f"S.E. of linear prediction, {eqs[j]}"
        return store_prediction(s, names[0], se, vtype, label, touse)
    return store_probabilities(
        s,
        cmd,
        words,
        vtype,
        fit,
        d.depvar,
        mlogit_probabilities(eta),
        touse,
        bool(stat),
        labels=eqs,
        pick=lambda text: mlogit_outcome(fit, eqs, text),
    )
