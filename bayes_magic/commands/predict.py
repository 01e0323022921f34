"""``predict`` after ``mixed`` ([ME] mixed postestimation): ``xb``, ``stdp``, ``fitted``,
``residuals``, ``rstandard``, and ``reffects`` with ``reses()`` (the BLUPs and their standard
errors, the comparative standard errors sqrt(diag Var(b̂ - b)) of Henderson's mixed-model
equations).

Predictions are made for every observation where the covariates are known, not only the
estimation sample, as in Stata; random effects exist for groups in the estimation sample.
"""

from __future__ import annotations

import numpy as np

from ..dataset.varnames import check_new_name, resolve
from ..design.newdata import fixed_columns, group_rows, re_columns
from ..errors import StataError
from ..fit.estimates import OLS_COMMANDS
from ..fit.mixed import MixedFit
from ..report.output import Output, Text
from ..spec.model import GLM_COMMANDS
from ..syntax.ast import Command, Words
from .data import plural
from .registry import command

_STATS = ("xb", "stdp", "fitted", "residuals", "rstandard", "reffects", "scores")


def _newnames(s, words: list[str], count: int, taken: tuple[str, ...] = ()) -> list[str]:
    """The new variables' names: ``stub*`` or one name per variable; r(110) for a name that
    exists, is typed twice, or is among ``taken`` (names the same command creates)."""
    if len(words) == 1 and words[0].endswith("*"):
        stub = words[0][:-1]
        names = [f"{stub}{j + 1}" for j in range(count)]
    else:
        names = [n for w in words for n in _range(w)]
        if len(names) != count:
            raise StataError(
                "too few variables specified"
                if len(names) < count
                else "too many variables specified",
                102 if len(names) < count else 103,
            )
    seen = set(taken)
    for n in names:
        check_new_name(s.data, n)
        if n in seen:
            raise StataError(f"variable {n} already defined", 110)
        seen.add(n)
    return names


def _range(word: str) -> list[str]:
    """A new variable list's ``p1-p4``: p1 p2 p3 p4 ([U] 11.4.1 newvarlist)."""
    import re

    m = re.fullmatch(r"([A-Za-z_]\w*?)(\d+)-([A-Za-z_]\w*?)(\d+)", word)
    if not m or m.group(1) != m.group(3) or int(m.group(2)) > int(m.group(4)):
        return [word]
    return [f"{m.group(1)}{k}" for k in range(int(m.group(2)), int(m.group(4)) + 1)]


def re_contribution(
    s, fit: MixedFit, blups: list[np.ndarray], upto: int | None = None
) -> np.ndarray:
    """Z b over the whole dataset (NaN where a group has no random effect); with ``upto``, of
    the equations from the top down to that index only (``relevel()``)."""
    total = np.zeros(s.data.nobs)
    pairs = list(zip(fit.design.levels, blups))
    for lv, b in pairs if upto is None else pairs[: upto + 1]:
        g = group_rows(s.data, lv)
        Z = re_columns(s.data, lv)
        contrib = np.full(s.data.nobs, np.nan)
        ok = g >= 0
        contrib[ok] = np.einsum("ij,ij->i", Z[ok], b[g[ok]])
        total += contrib
    return total


def chosen_statistic(cmd: Command, allowed: tuple[str, ...], assumed: str) -> tuple[str, list]:
    """The one statistic among ``allowed`` that ``predict`` was given, or ``xb`` with Stata's
    note ``(option xb assumed; <assumed>)`` when none was; another option is r(198) "option
    ... not allowed", two are r(198)."""
    stat = [o.name for o in cmd.options]
    bad = [o for o in stat if o not in allowed]
    if bad:
        raise StataError(f"option {bad[0]} not allowed", 198)
    if len(stat) > 1:
        raise StataError("only one statistic may be specified", 198)
    if stat:
        return stat[0], []
    return "xb", [Text(f"(option xb assumed; {assumed})")]


def new_variables(cmd: Command) -> tuple[list[str], str | None]:
    """``predict [type] newvar(s)``: the names as typed and the storage type, if any."""
    assert isinstance(cmd.body, Words)
    words = list(cmd.body.words)
    vtype = None
    if words and words[0].startswith("("):
        vtype = words.pop(0)[1:-1]
    if vtype is not None and vtype.startswith("str"):
        raise StataError("type mismatch", 109)  # predictions are numbers
    return words, vtype


@command("predict")
def predict(s, cmd: Command) -> list[Output]:
    if s.e is None:
        raise StataError("last estimates not found", 301)
    if isinstance(cmd.option("pr"), str) and s.e.cmd not in ("poisson", "nbreg"):
        raise StataError("option pr() not allowed", 198)  # pr(n), pr(a,b): count models
    if s.e.cmd == "meglm":
        from .predict_me import predict_me

        return predict_me(s, cmd)
    if s.e.cmd in ("ologit", "oprobit"):
        from .predict_ordinal import predict_ordinal

        return predict_ordinal(s, cmd)
    if s.e.cmd == "mlogit":
        from .predict_mlogit import predict_mlogit

        return predict_mlogit(s, cmd)
    if s.e.cmd == "menl":
        from .predict_menl import predict_menl

        return predict_menl(s, cmd)
    if s.e.cmd in OLS_COMMANDS:
        from .regress import predict_regress

        return predict_regress(s, cmd)
    if s.e.cmd == "glm":
        from .predict_genlin import predict_genlin

        return predict_genlin(s, cmd)
    if s.e.cmd in ("xtlogit", "xtprobit", "xtcloglog"):
        from .xtbinary import predict_xtbinary

        return predict_xtbinary(s, cmd)
    if s.e.cmd == "xtreg":
        from .xtreg import predict_xtreg

        return predict_xtreg(s, cmd)
    if s.e.cmd in GLM_COMMANDS or s.e.cmd == "nbreg":
        from .predict_me import predict_glm

        return predict_glm(s, cmd)
    if s.e.cmd != "mixed":
        raise StataError(f"predict after {s.e.cmd} is not available yet", 321)
    fit: MixedFit = s.e.fit
    other = [o for o in cmd.options if o.name not in (*_STATS, "reses", "relevel")]
    if other:  # another command's statistic (u, pr, mu ...): refused, not silently xb
        raise StataError(f"option {other[0].name} not allowed", 198, span=other[0].span)
    words, vtype = new_variables(cmd)
    stat = [o.name for o in cmd.options if o.name in _STATS]
    if len(stat) > 1:
        raise StataError("only one statistic may be specified", 198)
    outs: list[Output] = []
    if not stat:
        stat = ["xb"]
        outs.append(Text("(option xb assumed; fitted values)"))
    which = stat[0]
    if which == "scores":
        raise StataError("predict, scores is not available in bayes_magic yet", 198)
    if cmd.has("reses") and which != "reffects":
        raise StataError("reses() requires reffects", 198)
    vtype = vtype or s.settings.type
    touse = s.touse(cmd)
    ds = s.data
    rel = cmd.option("relevel")
    if which == "reffects":
        levels = list(range(len(fit.design.levels)))
        if rel is not None:
            levels = [i for i, lv in enumerate(fit.design.levels) if lv.name == rel]
            if not levels:
                raise StataError(f"relevel({rel}): level not found", 198)
        count = sum(fit.design.levels[i].k for i in levels)
        names = _newnames(s, words, count)
        se_names = (
            _newnames(s, list(cmd.option("reses")), count, tuple(names)) if cmd.has("reses") else []
        )
        blups = fit.blups()
        cvars = fit.blup_variances() if se_names else None
        j = 0
        for i in levels:
            lv = fit.design.levels[i]
            g = group_rows(ds, lv)
            ok = (g >= 0) & touse
            for k, zn in enumerate(lv.znames):
                eff = f"R.{lv.crossed}" if lv.crossed else zn
                val = np.full(ds.nobs, np.nan)
                val[ok] = blups[i][g[ok], k]
                ds.set_values(names[j], val, vtype)
                ds.info[names[j]].label = f"BLUP r.e. for {lv.name}: {eff}"
                if se_names:
                    sev = np.full(ds.nobs, np.nan)
                    sev[ok] = np.sqrt(np.maximum(cvars[i][g[ok], k, k], 0.0))
                    ds.set_values(se_names[j], sev, vtype)
                    ds.info[se_names[j]].label = f"S.E. of BLUP r.e. for {lv.name}: {eff}"
                j += 1
        for name in [*names, *se_names]:  # as generate reports each new variable's
            miss = int(np.isnan(ds.values(name)).sum())
            if miss:
                outs.append(Text(f"({plural(miss, 'missing value')} generated)"))
        return outs
    upto = None
    if rel is not None:
        if which not in ("fitted", "residuals"):
            raise StataError(f"option relevel() not allowed with {which}", 198)
        upto = _relevel_index(ds, fit, rel)
    names = _newnames(s, words, 1)
    X = fixed_columns(ds, fit.design.xnames)
    xb = X @ fit.beta
    if which == "xb":
        val, label = xb, "Linear prediction, fixed portion"
    elif which == "stdp":
        val = np.sqrt(np.einsum("ij,jk,ik->i", X, fit.V_beta, X))
        label = "S.E. of the prediction"
    else:
        fitted = xb + re_contribution(s, fit, fit.blups(), upto)
        if which == "fitted":
            val, label = fitted, "Fitted values: xb + Zu"
        else:
            y = ds.values(fit.design.depvar)
            val = y - fitted
            label = "Residuals"
            if which == "rstandard":
                if fit.residual is not None:  # R^{-1/2} e: the residuals whitened per group
                    from ..fit.mixed_residuals import whiten_residuals

                    val = whiten_residuals(fit, ds, val)
                val = val / np.sqrt(fit.sigma2)
                label = "Standardized residuals"
    return outs + store_prediction(s, names[0], val, vtype, label, touse)


def _relevel_index(ds, fit: MixedFit, rel: str) -> int:
    """The last equation at level ``rel`` ([ME] mixed postestimation, relevel(levelvar)):
    predictions include the random effects of that level and those above it."""
    name = rel if rel == "_all" else resolve(ds, rel)
    found = [i for i, lv in enumerate(fit.design.levels) if lv.level == name]
    if not found:
        raise StataError(f"relevel({rel}): level not found", 198)
    return found[-1]


def store_prediction(
    s, name: str, val: np.ndarray, vtype: str, label: str, touse: np.ndarray
) -> list[Output]:
    """Put a prediction into a new variable (missing outside ``touse``), labelled, and say how
    many values are missing, as Stata does."""
    ds = s.data
    ds.set_values(name, np.where(touse, val, np.nan), vtype)
    ds.info[name].label = label
    miss = int(np.isnan(ds.values(name)).sum())
    return [Text(f"({plural(miss, 'missing value')} generated)")] if miss else []
