"""``margins`` ([R] margins) after ``regress``, ``mixed`` (the fixed portion), ``logit``,
``logistic``, ``probit``, ``cloglog``, ``poisson`` and the ``me*`` commands (their fixed
portion, ``predict(mu fixedonly)``): predictive margins over the levels of
factor variables, at covariate values (``at()``, ``atmeans``), and average (or, with
``atmeans``, conditional) marginal effects (``dydx()``), with delta-method standard errors
(:mod:`bayes_magic.fit.margins`). t statistics after ``regress``, z otherwise, as Stata.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..design.newdata import (
    LEVEL_PART,
    column_variables,
    current_weights,
    fixed_columns,
    numeric_values,
)
from ..errors import StataError
from ..fit.estimates import OLS_COMMANDS
from ..fit.margins import Margin, Scenario, evaluate, evaluate_rows, response
from ..matrix import Matrix
from ..report.coeftable import CoefRow, CoefTable, Equation, stat_columns, table_results
from ..report.format import fmt_g
from ..report.output import LazyBlock, Output
from ..spec.model import GLM_COMMANDS
from ..syntax.ast import Command, FactorVar, Interaction, Varlist, VarName
from ..syntax.numlist import numlist
from .lincom import ml_results
from .registry import command

__all__ = ["margins", "MarginsResult", "MarginRow"]


@dataclass
class MarginRow:
    """One margin of a ``margins`` table, with what marginsplot places it by."""

    value: float
    se: float  # its delta-method standard error
    effect: str  # the dydx() item it is the effect of ("" for margins)
    at: dict  # the covariates set: at() values and the marginlist level
    label: str  # its label in the table


@dataclass
class MarginsResult:
    """The last ``margins``: its rows and what titles a plot of them."""

    rows: list[MarginRow]
    title: str  # Predictive margins, Average marginal effects ...
    expression: str  # Linear prediction, Pr(hosp) ...
    level: float
    dydx: list[str]
    at_vars: list[str]  # the variables at() sets, in order
    marginlist: list[str]
    labels: dict[str, dict[float, str]]  # the marginlist variables' level labels
    t_df: float | None = None  # t intervals on these degrees of freedom (after regress)
    over: str | None = None  # the over() variable, last in marginlist (a plot dimension)


#: options accepted by the grammar whose meaning is not implemented: refused, not ignored
_NOT_YET = (
    "expression",
    "eyex",
    "dyex",
    "eydx",
    "contrast",
    "pwcompare",
    "grand",
    "vce",
    "nose",
    "noweights",
    "chainrule",
)


#: the single-level ML commands with a family: logit ... poisson, and nbreg
_ML_GLMS = (*GLM_COMMANDS, "nbreg")


class _Model:
    """What margins needs of the active estimation results."""

    def __init__(self, s, cmd: Command) -> None:
        e = ml_results(s, "margins", "bayesstats summary with expressions of the parameters")
        me = e.cmd == "meglm"  # melogit, meprobit, mecloglog, mepoisson
        # ordered outcomes, with random effects (meologit, meoprobit) or without
        me_ordinal = me and getattr(e.fit.family, "family", None) == "ordinal"
        ordinal = e.cmd in ("ologit", "oprobit") or me_ordinal
        self.trials = False
        self.extra = None
        #: an ordered model's margins of every outcome: (legend line, response) per outcome
        self.outcomes: list[tuple[str, tuple]] = []
        known = (*OLS_COMMANDS, "mixed", "ologit", "oprobit", "mlogit", "glm")
        if e.cmd not in known and e.cmd not in _ML_GLMS and not me:
            raise StataError(f"margins after {e.cmd} is not available in bayes_magic yet", 321)
        self.e = e
        fit = e.fit
        self.fit = fit
        self.design = fit.design
        self.xnames = list(self.design.xnames)
        self.columns = self.design.columns
        self.beta = np.asarray(fit.beta, float)
        self.V = np.asarray(fit.V_beta, float)
        if e.cmd == "mlogit":
            self._mlogit(cmd)
        elif ordinal:
            self._ordinal(cmd, me_ordinal)
        else:
            self._linear_index(cmd, me)
        self.t_df = e.scalars.get("df_r") if e.cmd in OLS_COMMANDS else None
        vce = e.macros.get("vcetype") or {"regress": "OLS", "anova": "OLS"}.get(e.cmd, "OIM")
        self.vce = vce
        # the variables of the model, in the order their columns appear
        self.variables: list[str] = []
        for nm in self.xnames:
            for v in column_variables(nm):
                if v not in self.variables:
                    self.variables.append(v)
        self.factors = {
            m.group(2)
            for c in self.columns
            if "#" not in c.name and (m := LEVEL_PART.fullmatch(c.name)) is not None
        }

    def _ordinal(self, cmd: Command, me: bool = False) -> None:
        """``ologit`` / ``oprobit``: ``predict(outcome(#k))`` (``pr`` or not) or
        ``predict(xb)``; the probability's gradient includes the cutpoints. After ``meologit``
        and ``meoprobit`` the same, of the fixed portion (``fixedonly``)."""
        from ..fit.margins import ordinal_response
        from .predict_ordinal import outcome_index

        fit, depvar = self.fit, self.design.depvar
        link = fit.family.link if me else fit.link
        if len(cmd.options_named("predict")) > 1:
            raise StataError(
                "margins with several predict() options is not available in bayes_magic yet", 198
            )
        raw = cmd.option("predict")
        text = str(raw).strip() if raw and raw is not True else ""
        shown = text
        fixed = ""
        marginal = False
        if me:  # marginal is assumed unless fixedonly is given
            words = _me_predict_words(raw, self.e)
            marginal = "fixedonly" not in words and words != ["xb"]
            text = " ".join(w for w in words if w not in ("fixedonly", "marginal"))
            fixed = "" if marginal else ", fixed portion only"
        m = re.fullmatch(r"(?:pr\s*,?\s*)?outcome\(([^)]*)\)(?:\s*,?\s*pr)?", text)
        # pr alone: the first outcome, as predict with one new variable
        which = m.group(1) if m else ("#1" if text == "pr" else None)
        if text == "xb":
            self.stat = "xb"
            self.beta = np.asarray(fit.beta, float)
            self.V = np.asarray(fit.V_beta, float)
            self.f, self.fprime = response("xb", "identity")
            self.expression = f"Linear prediction (cutpoints excluded), predict({shown})"
            return
        self.beta = np.concatenate([fit.beta, fit.cuts])
        pa = len(self.beta)
        self.V = np.asarray(fit.V_full[:pa, :pa] if me else fit.V, float)
        if not text:  # every outcome, as Stata's default: the _predict dimension
            self.stat = "pr"
            self.outcomes = []
            for j, v in enumerate(fit.values):
                value = fmt_g(float(v), 9).strip()
                resp = ordinal_response(link, fit.cuts, j)
                if marginal:
                    resp = self._marginal_ordinal(resp)
                opt = " fixedonly" if me and not marginal else ""
                head = "Marginal " if marginal else ""
                self.outcomes.append(
                    (
                        f"{j + 1}._predict: {head}Pr({depvar}=={value}){fixed}, "
                        f"predict(pr outcome({value}){opt})",
                        resp,
                    )
                )
            self.f, self.fprime, self.extra = self.outcomes[0][1]
            self.expression = f"Pr({depvar}), predict()"
            return
        if which is None:
            name = self.e.macros.get("cmd2", self.e.cmd)
            need = " fixedonly" if me else ""
            raise StataError(
                f"predict({shown}) is not available after {name} in margins; give "
                f"outcome(#k){need}, pr outcome(#k){need} or xb{need}",
                198,
            )
        j = outcome_index(fit, which, depvar)
        self.stat = "pr"
        resp = ordinal_response(link, fit.cuts, j)
        self.f, self.fprime, self.extra = self._marginal_ordinal(resp) if marginal else resp
        value = fmt_g(float(fit.values[j]), 9).strip()
        head = "Marginal " if marginal else ""
        self.expression = f"{head}Pr({depvar}=={value}){fixed}, predict({shown})"

    def _mlogit(self, cmd: Command) -> None:
        """``mlogit``: ``predict(outcome(k))`` (``pr`` or not; a value, ``#k`` or an
        equation name) or every outcome by default; the probability depends on every
        non-base equation's linear index."""
        from ..fit.margins import mlogit_response
        from .predict_mlogit import mlogit_outcome

        fit, depvar = self.fit, self.design.depvar
        eqs = self.e.macros["eqnames"].split()
        if len(cmd.options_named("predict")) > 1:
            raise StataError(
                "margins with several predict() options is not available in bayes_magic yet", 198
            )
        raw = cmd.option("predict")
        text = str(raw).strip() if raw and raw is not True else ""
        m = re.fullmatch(r"(?:pr\s*,?\s*)?outcome\(([^)]*)\)(?:\s*,?\s*pr)?", text)
        which = m.group(1) if m else ("#1" if text == "pr" else None)
        self.stat = "pr"  # beta and V are the fit's, every non-base equation's
        J = len(fit.values)
        if not text:  # every outcome: the _predict dimension, as Stata's default
            self.outcomes = []
            for j, v in enumerate(fit.values):
                value = fmt_g(float(v), 9).strip()
                self.outcomes.append(
                    (
                        f"{j + 1}._predict: Pr({depvar}=={eqs[j]}), predict(pr outcome({value}))",
                        mlogit_response(fit.base, J, j),
                    )
                )
            self.f, self.fprime, self.extra = self.outcomes[0][1]
            self.expression = f"Pr({depvar}), predict()"
            return
        if which is None:
            raise StataError(
                f"predict({text}) is not available after mlogit in margins; give "
                "outcome(k) or pr outcome(k)",
                198,
            )
        j = mlogit_outcome(fit, eqs, which)
        self.f, self.fprime, self.extra = mlogit_response(fit.base, J, j)
        self.expression = f"Pr({depvar}=={eqs[j]}), predict({text})"

    def _marginal_ordinal(self, resp):
        """An ordered outcome's probability marginal in the random effects, with its
        gradient over β, the cutpoints and the variance components."""
        self._marginal(*resp)
        return self.f, self.fprime, self.extra

    def _linear_index(self, cmd: Command, me: bool) -> None:
        """The models whose prediction is a function of xβ alone."""
        e, fit, depvar = self.e, self.fit, self.design.depvar
        if e.cmd == "glm":
            self._glm(cmd)
            return
        family = getattr(fit, "family", None) if e.cmd in _ML_GLMS or me else None
        self.link = family.link if family is not None else "identity"
        self.poisson = family is not None and family.count  # mean exp(xb): n, or mu
        default = "n" if self.poisson else ("pr" if family is not None else "xb")
        if len(cmd.options_named("predict")) > 1:
            raise StataError(
                "margins with several predict() options is not available in bayes_magic yet", 198
            )
        raw = cmd.option("predict")
        stat = str(raw).strip() if raw else default
        marginal = asked_mu = False
        if me:  # [ME] meglm postestimation: marginal is assumed unless fixedonly is given
            words = _me_predict_words(raw, e)
            fixedonly = "fixedonly" in words
            words = [w for w in words if w not in ("fixedonly", "marginal")] or ["mu"]
            asked_mu = words == ["mu"]
            # mu is the mean: trials times the probability of a binomial outcome
            self.trials = words == ["mu"] and getattr(fit.gdesign, "binomial", None) is not None
            stat = {"mu": default, "eta": "xb"}.get(words[0], words[0]) if len(words) == 1 else ""
            marginal = not fixedonly and stat != "xb"
        if e.cmd in (*OLS_COMMANDS, "mixed"):
            allowed: tuple[str, ...] = ("xb",)
        elif self.poisson:
            allowed = ("n", "xb") if me else ("n", "ir", "xb")
        else:
            allowed = ("pr", "xb")
        if stat not in allowed:
            raise StataError(f"predict({stat}) is not available after {e.cmd} in margins", 198)
        self.stat = stat
        fixed = ", fixed portion" if e.cmd == "mixed" or me else ""
        what = {
            "xb": f"Linear prediction{fixed}",
            "pr": f"Pr({depvar})",
            "n": "Predicted number of events",
            "ir": "Predicted incidence rate",
        }[stat]
        if me and stat != "xb":
            mean = "Predicted mean" if self.trials or self.poisson else f"Pr({depvar})"
            what = f"{mean}, fixed portion only"
            if marginal:  # mu, the default, is the mean (the probability of a positive outcome)
                what = "Marginal predicted mean" if asked_mu else f"Marginal {mean}"
        self.expression = f"{what}, predict({raw.strip() if raw else ''})"
        self.f, self.fprime = response(stat, self.link)
        if marginal:
            self._marginal(self.f, self.fprime, None)

    def _glm(self, cmd: Command) -> None:
        """After ``glm``: ``predict(mu)`` (the default; the binomial denominator times the
        inverse link) or ``predict(xb)`` / ``predict(eta)`` ([R] glm postestimation)."""
        if len(cmd.options_named("predict")) > 1:
            raise StataError(
                "margins with several predict() options is not available in bayes_magic yet", 198
            )
        raw = cmd.option("predict")
        stat = str(raw).strip() if raw else "mu"
        stat = "xb" if stat == "eta" else stat
        if stat not in ("mu", "xb"):
            raise StataError(f"predict({stat}) is not available after glm in margins", 198)
        link = self.fit.gfit.link
        self.stat = "xb" if stat == "xb" else "mu"
        self.trials = stat == "mu" and self.fit.gdesign.binomial is not None
        what = "Linear prediction" if stat == "xb" else f"Predicted mean {self.design.depvar}"
        self.expression = f"{what}, predict({raw.strip() if raw else ''})"
        if stat == "xb":
            self.f, self.fprime = (lambda e: e), (lambda e: np.ones_like(e))
        else:
            self.f = lambda e: link.inverse(e)[0]
            self.fprime = lambda e: link.inverse(e)[1]

    def _marginal(self, f, fprime, extra) -> None:
        """Margins of predictions marginal in the random effects: E[f(xb + sZ)], with the
        gradient over β, the family's parameters (cutpoints: ``extra``) and the variance
        components (through s), and e(V) over all of them."""
        from ..fit.glmm_marginal import intercept_scale, marginal_extra, marginal_response

        fit = self.fit
        got = intercept_scale(fit)
        if got is None:
            raise StataError(
                "margins of marginal predictions with random slopes are not available in "
                "bayes_magic yet; use predict(mu fixedonly) or predict(xb)",
                198,
            )
        s, ds = got
        g, gprime, gs = marginal_response(f, fprime, s)
        ex = marginal_extra(extra, s) if extra is not None else None
        na = len(fit.aux)

        def full_extra(eta: np.ndarray) -> np.ndarray:
            fam = ex(eta) if ex is not None else np.zeros((len(eta), na))
            return np.concatenate([fam, gs(eta)[:, None] * ds[None, :]], axis=1)

        live = [p.value for p in fit.params if not p.boundary]
        self.beta = np.concatenate([fit.beta, fit.aux, live])
        self.V = np.asarray(fit.V_full, float)
        self.f, self.fprime, self.extra = g, gprime, full_extra

    def levels(self, var: str) -> list[tuple[int, str, bool]]:
        """A factor variable's levels in the fit: (value, label, is base)."""
        out = []
        for c in self.columns:
            m = LEVEL_PART.fullmatch(c.name)
            # levels whose coefficient was omitted (or left empty) have no margin of their own
            if m and "#" not in c.name and m.group(2) == var and c.kind in ("coef", "base"):
                out.append((int(m.group(1)), c.label, c.kind == "base"))
        return out


def _me_predict_words(raw, e) -> list[str]:
    """The words of ``predict()`` after an ``me*`` fit (``mu`` by default), refusing the
    conditional predictions [ME] meglm postestimation does not allow with margins."""
    text = str(raw).strip() if raw and raw is not True else ""
    words = text.replace("conditional(fixedonly)", "fixedonly").split()
    for w in words:
        if w.startswith("conditional(") or w in ("ebmeans", "ebmodes"):
            raise StataError(
                f"option {w} not allowed with margins after {e.macros.get('cmd2', e.cmd)}; "
                "margins are marginal in the random effects, or fixedonly",
                198,
            )
    return words


def _over_var(s, cmd: Command) -> str | None:
    """``over(varname)``: a numeric variable (one, in this version)."""
    from ..dataset.varnames import resolve

    raw = cmd.option("over")
    if raw is None:
        return None
    words = [] if raw is True else str(raw).replace(",", " ").split()
    if len(words) != 1:
        raise StataError(
            "margins, over() takes one variable in bayes_magic (several are not available yet)",
            198,
        )
    v = resolve(s.data, words[0].removeprefix("i."))
    if s.data.is_string(v):
        raise StataError(f"over({v}): string variables not allowed", 109)
    x = s.data.values(v)
    x = x[~np.isnan(x)]
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise StataError(
            f"{v}: factor variables may not contain noninteger or negative values", 452
        )
    return v


def _resolve_var(s, m: _Model, name: str) -> str:
    from ..dataset.varnames import resolve

    v = resolve(s.data, name)
    if v not in m.variables:
        raise StataError(f"variable {v} not found in list of covariates", 322)
    return v


def _marginlist(s, m: _Model, body) -> list[tuple[str, ...]]:
    """The marginlist's terms: each a factor (``schtype``) or an interaction of factors
    (``schtype#homework``; ``a##b`` is ``a``, ``b`` and ``a#b``), as tuples of variables."""
    out: list[tuple[str, ...]] = []

    def factor(t) -> str:
        name = t.var if isinstance(t, FactorVar) else t.name if isinstance(t, VarName) else None
        if name is None or (isinstance(t, FactorVar) and t.op == "c"):
            raise StataError("invalid marginlist", 198)
        v = _resolve_var(s, m, name)
        if v not in m.factors:
            raise StataError(f"'{v}' not found in list of covariates", 322)
        return v

    terms = body.terms if isinstance(body, Varlist) else ()
    for t in terms:
        if isinstance(t, Interaction):
            parts = [factor(p) for p in t.terms]
            if len(set(parts)) < len(parts):
                raise StataError(
                    f"{'#'.join(parts)}: a variable may not be interacted with itself", 198
                )
            if t.full:
                sets: list[list[str]] = []
                for p in parts:
                    sets += [[p]] + [[*x, p] for x in sets]
                out += [tuple(x) for x in sets if tuple(x) not in out]
            elif tuple(parts) not in out:
                out.append(tuple(parts))
            continue
        v = factor(t)
        if (v,) not in out:
            out.append((v,))
    return out


def _at_specs(s, m: _Model, cmd: Command) -> list[list[tuple[str, float | str]]]:
    """Each ``at()`` expanded to its combinations: lists of (variable, value or statistic)."""
    specs: list[list[tuple[str, float | str]]] = []
    for raw in cmd.options_named("at"):
        text = str(raw).strip()
        choices: list[list[tuple[str, float | str]]] = []
        seen: list[str] = []
        pos = 0
        for mt in re.finditer(
            r"\((mean|median)\)\s*((?:[A-Za-z_][\w.]*\s*)+?)(?=\(|$|[A-Za-z_]\w*\s*=)"
            r"|([A-Za-z_]\w*)\s*=\s*(\((?:[^()]|\([^()]*\))*\)|-?[\d.]+(?:[eE][+-]?\d+)?)",
            text,
        ):
            if text[pos : mt.start()].strip():
                raise StataError(f"at({text}) invalid", 198)
            pos = mt.end()
            if mt.group(1):
                for name in mt.group(2).split():
                    v = _resolve_var(s, m, name)
                    if v in m.factors:
                        raise StataError(
                            f"at(({mt.group(1)}) {v}): statistics of factor variables are not "
                            "available in bayes_magic yet; use atmeans or at() levels",
                            198,
                        )
                    seen.append(v)
                    choices.append([(v, mt.group(1))])
            else:
                v = _resolve_var(s, m, mt.group(3))
                val = mt.group(4)
                nums = numlist(val[1:-1]) if val.startswith("(") else numlist(val)
                if not nums:
                    raise StataError(f"at({text}) invalid", 198)
                if v in m.factors:  # a factor variable is set to one of its levels
                    levels = {lv for lv, _lab, _b in m.levels(v)}
                    for x in nums:
                        if x != int(x) or x < 0:
                            raise StataError(
                                f"{v}: factor variables may not contain noninteger or "
                                "negative values",
                                452,
                            )
                        if int(x) not in levels:
                            raise StataError(f"level {int(x)} of factor {v} not found", 111)
                seen.append(v)
                choices.append([(v, x) for x in nums])
            if len(set(seen)) < len(seen):
                raise StataError(f"at({text}): {seen[-1]} specified more than once", 198)
        if text[pos:].strip() or not choices:
            raise StataError(f"at({text}) invalid", 198)
        specs += [list(c) for c in itertools.product(*choices)]
    return specs


@command("margins")
def margins(s, cmd: Command) -> list[Output]:
    """``margins [marginlist] [if] [in] [, dydx() at() atmeans predict() level() noesample
    noatlegend]``: the margins' table, ``r(b)``, ``r(V)``, ``r(N)``, and the results
    ``marginsplot`` draws."""
    e = s.e
    if e is not None and e.cmd == "margins" and isinstance(e.fit, dict) and not cmd.options:
        body_empty = not getattr(cmd.body, "terms", None) and cmd.if_ is None and cmd.in_ is None
        if body_empty:  # replay the posted margins
            text, html = e.fit["shown"]
            return [LazyBlock(lambda: (text, html), data=None)]
    m = _Model(s, cmd)
    for o in _NOT_YET:
        if cmd.has(o):
            v = cmd.option(o)
            shown = o if v is True else f"{o}()"  # a flag, or an option with arguments
            raise StataError(f"margins, {shown} is not available in bayes_magic yet", 198)
    level = float(cmd.option("level", 95))
    ds = s.data
    use = s.touse(cmd)
    if not cmd.has("noesample"):
        use &= ds.mask_of(m.e.ids) if m.e.ids is not None else m.e.sample
    w_all = current_weights(ds, m.e.spec)
    base_X = fixed_columns(ds, m.xnames)
    off_all = np.zeros(ds.nobs)
    n_all = np.ones(ds.nobs)
    if getattr(m.fit, "offset_name", None):  # an ordered model's offset()
        off_all = numeric_values(ds, m.fit.offset_name)
    gd = getattr(m.fit, "gdesign", None)
    if gd is not None and ((gd.offset_name and m.stat != "ir") or m.trials):
        from ..design.glmm import trials_offset_now

        n_now, off_now = trials_offset_now(ds, gd)
        if gd.offset_name and m.stat != "ir":
            off_all = off_now
        if m.trials:
            n_all = n_now
    use &= ~np.isnan(base_X).any(axis=1) & ~np.isnan(off_all) & ~np.isnan(w_all) & (w_all != 0)
    use &= ~np.isnan(n_all)
    over_var = _over_var(s, cmd)
    if over_var is not None:  # observations with the over() variable missing are left out
        use &= ~np.isnan(_values(ds, over_var))
    if not use.any():
        raise StataError("no observations", 2000)
    rows_used = np.flatnonzero(use)
    w = w_all[rows_used]
    off = off_all[rows_used]
    trials = n_all[rows_used] if m.trials else None
    atmeans = cmd.has("atmeans")
    means = {v: float(np.average(_values(ds, v)[rows_used], weights=w)) for v in m.variables}

    shares = {
        (v, float(val)): float(np.average(_values(ds, v)[rows_used] == val, weights=w))
        for v in m.factors
        for val, _lab, _b in m.levels(v)
    }

    asbalanced = cmd.has("asbalanced")
    kbal: dict[str, int] = {}

    def nlevels(v: str) -> int:
        """The levels of factor v in the estimation sample (in an interaction only, too)."""
        if v not in kbal:
            kbal[v] = np.unique(_values(ds, v)[rows_used]).size
        return kbal[v]

    if asbalanced and any(c.kind == "empty" for c in m.columns):
        raise StataError(
            "margins, asbalanced with empty cells is not available in bayes_magic yet "
            "(Stata reports such margins as not estimable)",
            198,
        )
    if asbalanced:  # every factor at 1/k per level ([R] margins, at((asbalanced) _factor))
        shares = {(v, val): 1.0 / nlevels(v) for (v, val) in shares}

    def share(v: str, lvl: float) -> float:
        if asbalanced:
            return 1.0 / nlevels(v)
        if (v, lvl) not in shares:  # a level seen only in an interaction
            shares[(v, lvl)] = float(np.average(_values(ds, v)[rows_used] == lvl, weights=w))
        return shares[(v, lvl)]

    def balanced_rows(values: dict[str, float], shift: tuple[str, float] | None) -> np.ndarray:
        """asbalanced without atmeans: each observation's covariates as observed, each
        factor level at 1/k unless set; interactions are the products."""
        X = np.ones((rows_used.size, len(m.xnames)))
        for j, nm in enumerate(m.xnames):
            for part in nm.split("#") if nm != "_cons" else ():
                mm = LEVEL_PART.fullmatch(part)
                if mm:
                    lvl, v = float(mm.group(1)), mm.group(2)
                    X[:, j] *= float(values[v] == lvl) if v in values else 1.0 / nlevels(v)
                else:
                    v = part[2:] if part.startswith(("c.", "o.")) else part
                    x = values[v] if v in values else _values(ds, v)[rows_used]
                    X[:, j] *= x + (shift[1] if shift is not None and shift[0] == v else 0.0)
        return X

    def at_means(values: dict[str, float]) -> np.ndarray:
        """atmeans' one row: each factor level at its share in the sample unless set, each
        continuous covariate at its mean unless set; interactions are the products."""
        row = np.ones(len(m.xnames))
        for j, nm in enumerate(m.xnames):
            for part in nm.split("#") if nm != "_cons" else ():
                mm = LEVEL_PART.fullmatch(part)
                if mm:
                    lvl, v = float(mm.group(1)), mm.group(2)
                    row[j] *= float(values[v] == lvl) if v in values else share(v, lvl)
                else:
                    v = part[2:] if part.startswith(("c.", "o.")) else part
                    row[j] *= values.get(v, means[v])
        return row

    def scenario(coef: float, at: dict, shift: tuple[str, float] | None):
        if "_over" in at:  # over(): the average over that group's observations only
            at = dict(at)
            g, gval = at.pop("_over")
            inside = _values(ds, g)[rows_used] == gval
            sc = scenario(coef, at, shift)
            return Scenario(
                sc.coef,
                sc.X[inside],
                sc.offset[inside],
                sc.weights[inside],
                None if sc.scale is None else sc.scale[inside],
            )
        values: dict[str, float] = {}
        for v, val in at.items():
            x = _values(ds, v)[rows_used]
            if val == "mean":
                val = float(np.average(x, weights=w))
            elif val == "median":
                val = float(np.median(x))
            values[v] = float(val)
        if atmeans:
            if shift is not None:
                values[shift[0]] = values.get(shift[0], means[shift[0]]) + shift[1]
            mean_n = None if trials is None else np.array([np.average(trials, weights=w)])
            row = at_means(values)[None, :]
            return Scenario(coef, row, np.array([np.average(off, weights=w)]), np.ones(1), mean_n)
        if asbalanced:
            return Scenario(coef, balanced_rows(values, shift), off, w, trials)
        over = {v: np.full(ds.nobs, x) for v, x in values.items()}
        if shift is not None:
            v, h = shift
            over[v] = (over[v] if v in over else _values(ds, v)) + h
        X = fixed_columns(ds, m.xnames, over)[rows_used]
        return Scenario(coef, X, off, w, trials)

    at_specs = _at_specs(s, m, cmd)
    mlist = _marginlist(s, m, cmd.body)
    # where the margins are taken: groups of (heading, [(label, the covariates set)])
    bases: list[tuple[str | None, list[tuple[str, dict]]]] = []
    ats: list[dict] = [dict(a) for a in at_specs] or [{}]
    several = len(at_specs) > 1  # one at() scenario is no _at dimension, as Stata's
    base_at = ats[0] if not several else {}
    base_names: list[str] = []  # r(b)'s names of the margins: 1._at#0.dropout ...
    over_levels: list[tuple[float, str]] = []
    if over_var is not None:
        if several and mlist:
            raise StataError(
                "margins with a marginlist, over() and several at() scenarios is not "
                "available in bayes_magic yet",
                198,
            )
        if asbalanced:
            raise StataError(
                "margins, over() with asbalanced is not available in bayes_magic yet", 198
            )
        if atmeans or any(isinstance(x, str) for spec in at_specs for _v, x in spec):
            raise StataError(
                "margins, over() with atmeans or at((mean)/(median) ...) is not available in "
                "bayes_magic yet (their means are taken within each group)",
                198,
            )
        gx = _values(ds, over_var)[rows_used]
        for gval in np.unique(gx):
            first = int(rows_used[np.flatnonzero(gx == gval)[0]])
            over_levels.append((float(gval), s.value_text(over_var, first)))
    for term in mlist:
        if len(term) > 1:
            if over_var is not None:
                raise StataError(
                    "margins with an interaction and over() is not available in bayes_magic yet",
                    198,
                )
            combos = list(itertools.product(*[m.levels(v) for v in term]))
            rows = [
                (
                    (f"{k + 1}#" if several else "") + "#".join(c[1] for c in combo),
                    {**at, **{v: c[0] for v, c in zip(term, combo, strict=True)}},
                )
                for k, at in enumerate(ats)
                for combo in combos
            ]
            base_names += [
                (f"{k + 1}._at#" if several else "")
                + "#".join(f"{c[0]}.{v}" for v, c in zip(term, combo, strict=True))
                for k in range(len(ats))
                for combo in combos
            ]
            key = "#".join(term)
            bases.append((f"_at#{key}" if several else key, rows))
            continue
        v = term[0]
        if over_var is not None:
            rows = [
                (f"{lab}#{glab}", {**base_at, v: val, "_over": (over_var, gval)})
                for val, lab, _b in m.levels(v)
                for gval, glab in over_levels
            ]
            base_names += [
                f"{val}.{v}#{fmt_g(gval, 9).strip()}.{over_var}"
                for val, _lab, _b in m.levels(v)
                for gval, _glab in over_levels
            ]
            bases.append((f"{v}#{over_var}", rows))
            continue
        rows = [
            (f"{k + 1}#{lab}" if several else lab, {**at, v: val})
            for k, at in enumerate(ats)
            for val, lab, _b in m.levels(v)
        ]
        base_names += [
            f"{k + 1}._at#{val}.{v}" if several else f"{val}.{v}"
            for k in range(len(ats))
            for val, _lab, _b in m.levels(v)
        ]
        bases.append((f"_at#{v}" if several else v, rows))
    if over_var is not None and not mlist and several:
        # margins, at(x=(1 3)) over(g): each scenario within each group (_at#g)
        bases.append(
            (
                f"_at#{over_var}",
                [
                    (f"{k + 1}#{glab}", {**at, "_over": (over_var, gval)})
                    for k, at in enumerate(ats)
                    for gval, glab in over_levels
                ],
            )
        )
        base_names += [
            f"{k + 1}._at#{fmt_g(gval, 9).strip()}.{over_var}"
            for k in range(len(ats))
            for gval, _glab in over_levels
        ]
    elif over_var is not None and not mlist:
        bases.append(
            (
                over_var,
                [(glab, {**base_at, "_over": (over_var, gval)}) for gval, glab in over_levels],
            )
        )
        base_names += [f"{fmt_g(gval, 9).strip()}.{over_var}" for gval, _glab in over_levels]
    if several and not mlist and over_var is None:
        bases.append(("_at", [(str(k + 1), at) for k, at in enumerate(ats)]))
        base_names += [f"{k + 1}._at" for k in range(len(ats))]
    raw_dydx = cmd.option("dydx")
    # equations of (name, groups of (heading, [(label, Margin)])): one unnamed equation, or
    # with dydx() and at()/a marginlist one per derivative, as Stata lays them out
    eqs: list[tuple[str, list[tuple[str | None, list[tuple[str, Margin]]]]]] = []
    dydx_names: list[str] = []
    factor_dydx = False
    if raw_dydx is not None:
        words = str(raw_dydx).replace(",", " ").split()
        if words in (["*"], ["_all"]):
            words = list(m.variables)
        if not words:
            raise StataError("dydx() requires a varlist", 100)
        effects: list[tuple[str, str | None, str, object]] = []  # name, factor heading, label
        for word in words:
            v = _resolve_var(s, m, re.sub(r"^(?:i|c)\.", "", word))
            if v in m.factors:
                factor_dydx = True
                lv = m.levels(v)
                base = next((val for val, _lab, b in lv if b), None)
                if base is None:  # its base level was left empty by a perfect predictor
                    raise StataError(f"{v}: base level not in the estimation sample", 198)
                for val, lab, is_base in lv:
                    if not is_base:
                        effects.append((f"{val}.{v}", v, lab, (v, val, base)))
            else:
                x = _values(ds, v)[rows_used]
                effects.append((v, None, v, (v, 1e-5 * (float(np.std(x)) + 1e-3))))
        dydx_names = [e[0] for e in effects]

        def effect(spec, at: dict) -> Margin:
            if len(spec) == 3:  # a factor level: the discrete change from the base level
                v, val, base = spec
                return Margin(
                    [scenario(1.0, {**at, v: val}, None), scenario(-1.0, {**at, v: base}, None)]
                )
            v, h = spec  # a continuous covariate: the central difference
            return Margin([scenario(0.5 / h, at, (v, h)), scenario(-0.5 / h, at, (v, -h))])

        if not bases:
            groups: list[tuple[str | None, list[tuple[str, Margin]]]] = []
            for name, heading, lab, spec in effects:
                mg = effect(spec, base_at)
                if heading is not None and groups and groups[-1][0] == heading:
                    groups[-1][1].append((lab, mg))
                else:
                    groups.append((heading, [(lab if heading else name, mg)]))
            eqs.append(("", groups))
        else:
            for name, _heading, _lab, spec in effects:
                groups = [(h, [(lab, effect(spec, at)) for lab, at in rows]) for h, rows in bases]
                eqs.append((name, groups))
    elif bases:
        eqs.append(
            (
                "",
                [
                    (h, [(lab, Margin([scenario(1.0, at, None)])) for lab, at in rows])
                    for h, rows in bases
                ],
            )
        )
    else:
        eqs.append(("", [(None, [("_cons", Margin([scenario(1.0, base_at, None)]))])]))

    flat = [mg for _n, groups in eqs for _h, rows in groups for _lab, mg in rows]
    # where each margin was taken (marginsplot's dimensions), in the order of flat
    base_ats = [at for _h, rows in bases for _lab, at in rows]
    where = [(n, at) for n, _g in eqs for at in base_ats] if bases else [("", base_at)] * len(flat)
    if m.outcomes:
        if factor_dydx:
            raise StataError(
                "margins, dydx() of a factor variable for every outcome at once is not "
                "available in bayes_magic yet; add predict(outcome(#k))",
                198,
            )
        eqs, where, base_names, pairs = _by_outcome(
            eqs, where, base_names if bases else ["_cons"], bool(bases), m.outcomes
        )
        flat = [mg for mg, _r in pairs]
        vals, Vm = evaluate_rows(pairs, m.beta, m.V)
    else:
        vals, Vm = evaluate(flat, m.beta, m.V, m.f, m.fprime, m.extra)
    se = np.sqrt(np.clip(np.diag(Vm), 0, None))
    if m.t_df is not None:
        q = float(stats.t.ppf(0.5 + level / 200, m.t_df))
        zt = "t"
    else:
        q = float(stats.norm.ppf(0.5 + level / 200))
        zt = "z"
    if m.outcomes:
        names = base_names
    elif bases:
        names = [f"{eq}:{bn}" if eq else bn for eq, _g in eqs for bn in base_names]
    else:
        names = list(dydx_names) if raw_dydx is not None else ["_cons"]
    # a margin that averages over an empty cell of the model is not estimable: its coefficient
    # was never estimated ([R] margins, "not estimable"); shown so, as Stata does
    empty_cells = [
        [(float(mm.group(1)), mm.group(2)) for mm in map(LEVEL_PART.fullmatch, c.name.split("#"))]
        for c in m.columns
        if c.kind == "empty" and "#" in c.name
    ]

    def estimable(at: dict) -> bool:
        if raw_dydx is not None or not empty_cells:
            return True
        rows = np.ones(rows_used.size, dtype=bool)
        if "_over" in at:
            g, gval = at["_over"]
            rows &= _values(ds, g)[rows_used] == gval
        for parts in empty_cells:
            hit = rows.copy()
            for lvl, v in parts:
                if v in at and not isinstance(at[v], str):
                    hit &= float(at[v]) == lvl
                else:
                    hit &= _values(ds, v)[rows_used] == lvl
            if hit.any():
                return False
        return True

    ok = [estimable(at) for _n, at in where] if not m.outcomes else [True] * len(vals)
    equations: list[Equation] = []
    k = 0
    for eq_name, groups in eqs:
        table_rows: list[CoefRow] = []
        for gi, (heading, rows) in enumerate(groups):
            if heading is not None:
                if table_rows:
                    table_rows.append(CoefRow("", kind="blank"))
                table_rows.append(CoefRow(heading, kind="heading"))
            elif gi and groups[gi - 1][0] is not None:
                table_rows.append(CoefRow("", kind="blank"))
            for lab, _mg in rows:
                if not ok[k]:
                    table_rows.append(CoefRow(lab, kind="notest"))
                    vals[k], se[k] = 0.0, 0.0
                    Vm[k, :], Vm[:, k] = 0.0, 0.0
                    k += 1
                    continue
                b, sd = float(vals[k]), float(se[k])
                stat = b / sd if sd > 0 else math.nan
                if stat != stat:
                    p = math.nan
                elif m.t_df is not None:
                    p = 2 * float(stats.t.sf(abs(stat), m.t_df))
                else:
                    p = 2 * float(stats.norm.sf(abs(stat)))
                lo, hi = (b - q * sd, b + q * sd) if sd > 0 else (math.nan, math.nan)
                table_rows.append(
                    CoefRow(lab, [b, sd, stat, p, lo, hi], kind="level" if heading else "coef")
                )
                k += 1
        equations.append(Equation(eq_name, table_rows))
    fweighted = m.design.weights is not None and m.design.weight_kind == "fweight"
    n_obs = float(w.sum()) if fweighted else float(len(rows_used))  # fweights count
    if raw_dydx is not None:
        title = (
            "Conditional marginal effects" if atmeans or asbalanced else "Average marginal effects"
        )
    else:
        title = "Adjusted predictions" if atmeans or asbalanced else "Predictive margins"
    head = [
        f"{title}{f'Number of obs = {int(n_obs):,}':>{78 - len(title)}}",
        f"Model VCE: {m.vce}",
        "",
        *([line for line, _r in m.outcomes] if m.outcomes else [f"Expression: {m.expression}"]),
    ]
    if dydx_names:
        head.append(f"dy/dx wrt:  {' '.join(dydx_names)}")
    if over_var is not None:
        head.append(f"Over:       {over_var}")

    def stat_of(v: str, which: str) -> float:
        return means[v] if which == "mean" else float(np.median(_values(ds, v)[rows_used]))

    if not cmd.has("noatlegend"):
        head += _at_legend(
            m,
            at_specs,
            atmeans,
            means,
            shares,
            lambda v, x: fmt_g(stat_of(v, x), 9).strip(),
            asbalanced=asbalanced,
        )
    first = "dy/dx" if raw_dydx is not None else "Margin"
    table = _table(equations, first, zt, level)
    notes = (
        ["Note: dy/dx for factor levels is the discrete change from the base level."]
        if factor_dydx
        else []
    )
    labs = [lab for _n, groups in eqs for _h, rows in groups for lab, _mg in rows]
    plot_rows = []
    for k, ((eq_name, at), lab) in enumerate(zip(where, labs, strict=True)):
        if m.outcomes:  # one line per outcome in marginsplot
            effect = eq_name
        else:
            effect = "" if raw_dydx is None else (eq_name if bases else dydx_names[k])
        if "_over" in at:  # the over() group is a dimension of the plot
            at = {**{a: x for a, x in at.items() if a != "_over"}, at["_over"][0]: at["_over"][1]}
        values = {  # (mean) and (median) at their values
            v: x if not isinstance(x, str) else float(stat_of(v, x)) for v, x in at.items()
        }
        plot_rows.append(MarginRow(float(vals[k]), float(se[k]), effect, values, lab))
    flat = list(dict.fromkeys(v for term in mlist for v in term))
    s.margins_result = MarginsResult(
        plot_rows,
        title,
        m.expression.rsplit(", predict(", 1)[0],
        level,
        dydx_names,
        list(dict.fromkeys(v for spec in at_specs for v, _x in spec)),
        flat + ([over_var] if over_var is not None else []),
        {
            **{v: {float(val): lab for val, lab, _b in m.levels(v)} for v in flat},
            **({over_var: dict(over_levels)} if over_var is not None else {}),
        },
        m.t_df,
        over_var,
    )
    s.r = {
        "b": Matrix(vals.reshape(1, -1), ["y1"], names),
        "V": Matrix(Vm, names, names),
        "N": float(n_obs),
        **table_results(table, names, level, stat=zt, df=m.t_df),
    }
    posting = cmd.has("post")
    text_head = "\n".join(head)

    def render() -> tuple[str, str]:
        text = text_head + "\n\n" + table.text() + ("\n" + "\n".join(notes) if notes else "")
        html = f"<pre style='margin:0'>{text_head}</pre>" + table.html()
        if notes:
            html += "<pre style='margin:0'>" + "\n".join(notes) + "</pre>"
        return text, html

    if posting:  # the margins become the active estimation results ([R] margins)
        _post(s, cmd, m, names, vals, Vm, n_obs, title)
        s.e.fit = {"shown": render()}  # for the replay (text, so that it can be saved)
    return [LazyBlock(render, data=None)]


def _post(s, cmd: Command, m: _Model, names, vals, Vm, n_obs: int, title: str) -> None:
    """``margins, post``: e(b), e(V) of the margins, e(cmd) margins, e(N), e(df_r) when the
    intervals were t's; the model's e(sample) carries over, so test, lincom and estimates
    store work on them."""
    from ..fit.estimates import Estimates
    from ..syntax.unparse import cmdline

    est = m.e
    scalars = {"N": float(n_obs), "k_predict": 1.0}
    if m.t_df is not None:
        scalars["df_r"] = float(m.t_df)
    s.e = Estimates(
        cmd="margins",
        cmdline=cmdline(cmd),
        bnames=list(names),
        b=np.asarray(vals, dtype=float).copy(),
        V=np.asarray(Vm, dtype=float).copy(),
        sample=est.sample,
        scalars=scalars,
        macros={
            "cmd": "margins",
            "title": title,
            "model_cmd": est.cmd,
            "est_cmdline": est.cmdline,
            "properties": "b V",
        },
        ids=est.ids,
    )


def _values(ds, v: str) -> np.ndarray:
    return np.asarray(ds.values(v), dtype=float)


def _at_legend(
    m: _Model,
    at_specs,
    atmeans: bool,
    means: dict[str, float],
    shares: dict[tuple[str, float], float],
    stat_value,
    *,
    asbalanced: bool = False,
) -> list[str]:
    """``At: homework = 3`` or ``1._at: homework = 1`` ...; with ``atmeans`` every other
    covariate at its mean; with ``asbalanced`` each factor ``drug (asbalanced)``."""
    out: list[str] = []
    specs = at_specs or ([[]] if atmeans or asbalanced else [])
    for k, spec in enumerate(specs):
        items = [
            (v, fmt_g(x, 9).strip() if isinstance(x, float) else f"{stat_value(v, x)} ({x})")
            for v, x in spec
        ]
        set_vars = {v for v, _x in spec}
        if asbalanced:
            items += [
                (v, "(asbalanced)") for v in m.variables if v in m.factors and v not in set_vars
            ]
        if atmeans:
            for v in m.variables:
                if v in set_vars or (asbalanced and v in m.factors):
                    continue
                if v not in m.factors:
                    items.append((v, f"{fmt_g(means[v], 9).strip()} (mean)"))
                    continue
                for val, _lab, _b in m.levels(v):  # a factor: each level's proportion
                    p = shares.get((v, float(val)), 0.0)
                    items.append((f"{val}.{v}", f"{fmt_g(p, 9).strip()} (mean)"))
        if not items:
            continue
        lead = "At: " if len(specs) == 1 else f"{k + 1}._at: "
        width = max(len(v) for v, _x in items)
        for i, (v, x) in enumerate(items):
            eq = " " if x == "(asbalanced)" else " = "
            out.append(f"{lead if i == 0 else ' ' * len(lead)}{v:<{width}}{eq}{x}")
    return out


def _by_outcome(eqs, where, base_names, bases: bool, outcomes):
    """Every margin once per outcome of an ordered model, laid out as Stata's ``_predict``
    dimension: ``_predict`` (``1``, ``2`` ...) or ``_predict#schtype`` (``1#Private`` ...)
    headings, and with dydx() and no marginlist one equation per covariate. Returns the new
    equations, where each margin was taken (its outcome as the plot's dimension), r(b)'s
    names, and (margin, response) pairs in table order."""
    new_eqs, new_where, names, pairs = [], [], [], []
    k = 0
    for eq_name, groups in eqs:
        if eq_name == "" and groups and groups[0][0] is None and not bases:
            # no marginlist: the overall margin, or with dydx() one row per covariate
            dydx = not (len(groups) == 1 and groups[0][1][0][0] == "_cons")
            for _h, rows in groups:
                for lab, mg in rows:
                    at = where[k][1]
                    k += 1
                    out_rows = []
                    for j, (_line, resp) in enumerate(outcomes):
                        out_rows.append((str(j + 1), mg))
                        pairs.append((mg, resp))
                        new_where.append((f"{j + 1}._predict", at))
                        names.append(f"{lab}:{j + 1}._predict" if dydx else f"{j + 1}._predict")
                    new_eqs.append((lab if dydx else "", [("_predict", out_rows)]))
            continue
        new_groups = []
        ptr = 0  # r(b)'s names repeat per equation (one per dydx() covariate)
        for heading, rows in groups:
            ats = [where[k + i][1] for i in range(len(rows))]
            bn = base_names[ptr : ptr + len(rows)]
            ptr += len(rows)
            k += len(rows)
            out_rows = []
            for j, (_line, resp) in enumerate(outcomes):
                for (lab, mg), at, b in zip(rows, ats, bn):
                    out_rows.append((f"{j + 1}#{lab}", mg))
                    pairs.append((mg, resp))
                    new_where.append((f"{j + 1}._predict", at))
                    prefix = f"{eq_name}:" if eq_name else ""
                    names.append(f"{prefix}{j + 1}._predict#{b}")
            new_groups.append((f"_predict#{heading}", out_rows))
        new_eqs.append((eq_name, new_groups))
    return new_eqs, new_where, names, pairs


def _table(equations: list[Equation], first: str, zt: str, level: float) -> CoefTable:
    ci = f"[{int(level) if level == int(level) else level}% conf. interval]"
    header, fmt_row, titles, cells = stat_columns(
        first, zt, ci, se_title="std. err.", html_se="Delta-method std. err.", margin=True
    )
    return CoefTable(
        equations,
        header,
        fmt_row,
        titles,
        cells,
        stub_title="",
        pre_header=f"{'':12}Delta-method",
        named=any(eq.name for eq in equations),
    )
