"""``predict`` after ``ologit`` and ``oprobit`` ([R] ologit postestimation): ``pr`` (the
default: one new variable per outcome, or the outcome of ``outcome()``), ``xb`` and ``stdp``.

``outcome()`` takes an outcome's value (``outcome(3)``) or its position (``outcome(#3)``).
Predictions cover every observation whose covariates are known.
"""

from __future__ import annotations

import numpy as np

from ..design.newdata import fixed_columns, numeric_values
from ..errors import StataError
from ..fit.ordinal import OrdinalFit, category_probabilities, equation_scores
from ..report.format import fmt_g
from ..report.output import Output, Text
from ..syntax.ast import Command
from .predict import _newnames, _range, new_variables, store_prediction

_STATS = ("pr", "xb", "stdp", "scores")


def outcome_index(fit, text, depvar: str) -> int:
    """The position (0-based) of ``outcome(#k)`` or ``outcome(value)``; Stata's ologit_p
    messages otherwise."""
    t = "" if text is True else str(text).strip()
    J = len(fit.values)
    if t.startswith("#"):
        try:
            k = int(t[1:])
        except ValueError:
            k = 0
        if not 1 <= k <= J:
            raise StataError(f"there is no outcome {t}\nthere are only {J} categories", 111)
        return k - 1
    try:
        hits = np.flatnonzero(fit.values == float(t))
    except ValueError:
        hits = np.array([], dtype=int)
    if not len(hits):
        raise StataError(f"outcome() must be either a value of {depvar} or #1, #2, ...", 111)
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
    if fit.offset_name:  # the linear prediction includes the offset, as Stata's
        xb = xb + numeric_values(ds, fit.offset_name)
    if which == "scores":  # one per equation: xb, then each cutpoint ([R] ologit postestimation)
        names = _newnames(s, words, len(fit.cuts) + 1)
        yv = ds.values(d.depvar)
        codes = np.full(ds.nobs, np.nan)
        for j, v in enumerate(fit.values):
            codes[yv == v] = j
        S = equation_scores(fit.link, xb, codes, fit.cuts)
        eqs = [d.depvar, *(f"/cut{j + 1}" for j in range(len(fit.cuts)))]
        outs: list[Output] = []
        for k, (name, eq) in enumerate(zip(names, eqs)):
            label = f"equation-level score for {eq} from {est.cmd}"
            outs = store_prediction(s, name, S[:, k], vtype, label, touse)
        return outs
    if which in ("xb", "stdp"):
        if len(words) != 1 or words[0].endswith("*"):
            raise StataError(f"option {which} requires that you specify 1 new variable", 198)
        names = _newnames(s, words, 1)
        if which == "xb":
            label = "Linear prediction (cutpoints excluded)"
            return store_prediction(s, names[0], xb, vtype, label, touse)
        se = np.sqrt(np.einsum("ij,jk,ik->i", X, fit.V_beta, X))
        label = "S.E. of linear prediction (cutpoints excluded)"
        return store_prediction(s, names[0], se, vtype, label, touse)
    P = category_probabilities(fit.link, xb, fit.cuts)
    return store_probabilities(s, cmd, words, vtype, fit, d.depvar, P, touse, bool(stat))


def store_probabilities(
    s,
    cmd: Command,
    words: list[str],
    vtype: str,
    fit,
    depvar: str,
    P: np.ndarray,
    touse: np.ndarray,
    stat_given: bool,
    notes: list[Output] | None = None,
    *,
    labels: list[str] | None = None,
    pick=None,
) -> list[Output]:
    """Store ``predict, pr`` of an ordered outcome: the probabilities ``P`` (observations by
    outcomes) of the outcome in ``outcome()``, of the first outcome with one new variable, or
    of every outcome with as many variables (or a ``stub*``); ``fit.values`` are the
    outcomes ([R] ologit postestimation, [ME] meologit postestimation). ``notes`` follow the
    note of the assumed statistic; ``labels`` name the outcomes in the variables' labels
    (their values by default) and ``pick`` reads ``outcome()`` (:func:`outcome_index` by
    default)."""
    J = len(fit.values)
    several = len(words) > 1 or (len(words) == 1 and words[0].endswith("*"))
    if cmd.has("outcome") and several:
        raise StataError(
            "option outcome() is not allowed when multiple new variables are specified", 198
        )
    if cmd.has("outcome"):
        text = cmd.option("outcome")
        picks = [pick(text) if pick is not None else outcome_index(fit, text, depvar)]
    elif not several:
        picks = [0]  # one new variable: the first outcome, as Stata's ologit_p
    else:
        picks = list(range(J))
        if not words[0].endswith("*") and len(words) != J:
            raise StataError(
                f"{depvar} has {J} outcomes and so you must specify {J} new variables, or "
                "you can use the outcome() option and specify variables one at a time",
                102 if len(words) < J else 103,
            )
    names = _newnames(s, words, len(picks))
    outs: list[Output] = []
    if not stat_given:
        word = "probability" if len(picks) == 1 else "probabilities"
        outs.append(Text(f"(option pr assumed; predicted {word})"))
    outs += notes or []
    missing = 0
    for name, j in zip(names, picks):
        shown = labels[j] if labels is not None else fmt_g(float(fit.values[j]), 9).strip()
        label = f"Pr({depvar}=={shown})"
        store_prediction(s, name, P[:, j], vtype, label, touse)
        missing = int(np.isnan(s.data.values(name)).sum())
    if missing:  # the same observations for every outcome: one note, as Stata
        outs.append(Text(f"({missing:,} missing value{'s' if missing > 1 else ''} generated)"))
    return outs
