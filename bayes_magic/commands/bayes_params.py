"""Which draws a ``{...}`` reference or a ``(label: expr)`` names in a stored Bayesian result.

Used by every postestimation command ([BAYES] bayesstats summary, bayesstats ess, bayesstats
grubin, bayestest interval, bayesgraph): ``{math:homework}``, ``{math:}`` (an equation),
``{U0}`` (all random effects of a stub), ``{U0[6053]}``, ``{Sigma,m}`` / ``{U:Sigma,m}``
(the elements of a matrix), ``{e.math:sigma2}``, ``_loglikelihood``, ``_logposterior``, and
expressions of scalar parameters evaluated draw by draw.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special, stats

from ..errors import StataError
from ..posterior import Posterior
from ..syntax.ast import Binary, Call, LabeledExpr, Name, Num, ParamRef, Unary

__all__ = ["group_numlist", "Series", "resolve_items", "model_series", "evaluate"]


@dataclass
class Series:
    """The draws ``(chains, draws)`` of one reported quantity, with its table placement."""

    eq: str  # the block it is shown under ("" for none)
    label: str  # its row label
    full: str  # its full name, as r() matrices and graphs call it
    draws: np.ndarray
    expr: str | None = None  # the expression's text, for labelled expressions
    level: bool = False  # a factor level row (indented under a heading)

    def chain(self, pos: int) -> Series:
        """The same quantity with the draws of one chain only (``sepchains``)."""
        from dataclasses import replace

        return replace(self, draws=self.draws[pos : pos + 1])


def _split(name: str) -> tuple[str, str]:
    return tuple(name.split(":", 1)) if ":" in name else ("", name)  # type: ignore[return-value]


def model_series(post: Posterior) -> list[Series]:
    """Every model parameter (random effects excluded), in the table's order."""
    bm = post.model
    out = []
    for i, n in enumerate(post.names):
        eq, short = _split(n)
        if bm is not None and bm.command != "bayesmh" and n not in (bm.sigma2_name,):
            lev = next((lv for lv in bm.levels if n in lv.cov_names()), None)
            if lev is not None:
                out.append(Series(lev.level, n, n, post.draws[:, :, i]))
                continue
        out.append(Series(eq, short, n, post.draws[:, :, i]))
    return out


def _re_series(post: Posterior, stub: str, index: str | None) -> list[Series]:
    bm = post.model
    lev = next((lv for lv in bm.levels if stub in lv.names), None) if bm else None
    level = lev.level if lev is not None else None
    path = ">".join(getattr(lev, "path", ()) or ())  # {C[batch>cask]}: the level as declared
    prefix = f"{stub}["
    wanted = group_numlist(index)
    out = []
    for i, r in enumerate(post.re_names):
        if not r.startswith(prefix):
            continue
        gid = r[len(prefix) : -1]
        if wanted is not None:
            if gid not in wanted:
                continue
        elif index is not None and index not in (gid, level, f"{gid}.{level}", path or level):
            continue
        out.append(Series(f"{stub}[{level}]", gid, r, post.re_draws[:, :, i]))
    if wanted is not None and out:  # in the order the numlist gives them; each must exist
        have = {x.label for x in out}
        missing = [g for g in wanted if g not in have]
        if missing:
            raise StataError(
                f"random effect {{{stub}[{missing[0]}]}} not found: {stub} has no group "
                f"{missing[0]}",
                111,
            )
        order = {g: k for k, g in enumerate(wanted)}
        out.sort(key=lambda x: order[x.label])
    return out


def group_numlist(index: str | None) -> list[str] | None:
    """``{U0[1/5]}``, ``{U0[1 3 5]}``, ``{U0[2(2)10]}``: the groups a numlist names (as
    ``bayes: mixed``'s help uses them), as the labels the random effects carry; None for a
    single group or the level's name."""
    if index is None or not any(c in index for c in "/ (,"):
        return None
    from ..syntax.numlist import numlist

    try:
        vals = numlist(index.replace(",", " "))
    except StataError:
        return None
    return [str(int(v)) if float(v).is_integer() else repr(v) for v in vals]


def _special(post: Posterior, name: str) -> Series | None:
    """``_loglikelihood`` and ``_logposterior`` (synonyms ``_ll``, ``_lp``: [BAYES] bayesstats
    summary)."""
    name = {"_ll": "_loglikelihood", "_lp": "_logposterior"}.get(name, name)
    if name == "_loglikelihood":
        return Series("", name, name, post.loglik)
    if name == "_logposterior":
        lp = post.loglik + (post.logprior if post.logprior is not None else 0.0)
        return Series("", name, name, lp)
    return None


def _item_series(post: Posterior, eq: str | None, name: str | None, index, matrix: bool, ref):
    full = f"{eq}:{name}" if eq else (name or "")
    if name is None:  # {math:} — a whole equation
        hits = [s for s in model_series(post) if s.full.split(":", 1)[0] == eq]
        if hits:
            return hits
    elif full in post.names:
        return [s for s in model_series(post) if s.full == full]
    if name is not None and eq is None:
        sp = _special(post, name)
        if sp is not None:
            return [sp]
        res = _re_series(post, name, index)
        if res:
            return res
        stub, gid = name, index
        # {U0[6053]} written as a name with its index inside
        if "[" in name and name.endswith("]"):
            stub, gid = name[:-1].split("[", 1)
            res = _re_series(post, stub, gid)
            if res:
                return res
        if any(r.startswith(f"{stub}[") for r in post.re_names):  # a group that is not there
            raise StataError(
                f"random effect {{{stub}[{gid}]}} not found: {stub} has no group {gid}",
                111,
                span=ref.span,
            )
    excluded = post.info.get("excluded", []) if post.info else []
    if name is not None and eq is None and any(x.startswith(f"{name}[") for x in excluded):
        # random effects left out by exclude(): not the equation {U0:} of their variance
        raise StataError(
            f"parameter {{{full}}} not found: excluded from the results by exclude()",
            111,
            span=ref.span,
        )
    # {Sigma,m}, {U:Sigma,m} or {Sigma}: the elements of a matrix
    hits = [s for s in model_series(post) if s.full.startswith(full + "_")]
    if hits and (matrix or name is not None):
        return hits
    # an equation without its colon: {e.math}
    hits = [s for s in model_series(post) if s.full.split(":", 1)[0] == full]
    if hits:
        return hits
    raise StataError(f"parameter {{{full}}} not found", 111, span=ref.span)


def resolve_items(post: Posterior, items) -> list[Series]:
    """The series named by a list of ``{...}``, ``(label: expr)`` and names."""
    out: list[Series] = []
    k = 0
    for it in items:
        if isinstance(it, ParamRef):
            for p in it.items:
                out += _item_series(post, p.eq, p.name, p.index, it.matrix, it)
        elif isinstance(it, LabeledExpr):
            k += 1
            label = it.label or f"expr{k}"
            out.append(Series("", label, label, evaluate(post, it.expr), expr=it.text))
        elif isinstance(it, Name):
            if it.name == "_all":
                out += model_series(post)
                for lev in post.model.levels:
                    for n in lev.names:
                        out += _re_series(post, n, None)
                continue
            sp = _special(post, it.name)
            if sp is None:
                raise StataError(f"{it.name} invalid name", 198, span=it.span)
            out.append(sp)
        else:
            raise StataError("invalid parameter specification", 198)
    return out


_FUNCS = {
    "sqrt": np.sqrt,
    "exp": np.exp,
    "ln": np.log,
    "log": np.log,
    "log10": np.log10,
    "abs": np.abs,
    "invlogit": special.expit,
    "logit": special.logit,
    "normal": stats.norm.cdf,
    "invnormal": stats.norm.ppf,
    "tanh": np.tanh,
    "atanh": np.arctanh,
    "cos": np.cos,
    "sin": np.sin,
    "lngamma": special.gammaln,
    "round": lambda x: np.floor(x + 0.5),  # as round() in generate: halves go up
    "floor": np.floor,
    "ceil": np.ceil,
    "int": np.trunc,
}


def evaluate(post: Posterior, e) -> np.ndarray:
    """An expression of scalar parameters, draw by draw: ``(chains, draws)``."""
    shape = post.draws.shape[:2]
    with np.errstate(all="ignore"):
        return np.broadcast_to(eval_tree(e, lambda ref: _scalar(post, ref)), shape).astype(float)


def _scalar(post: Posterior, e: ParamRef) -> np.ndarray:
    if len(e.items) != 1:
        raise StataError("only scalar parameters are allowed in expressions", 198, span=e.span)
    it = e.items[0]
    s = _item_series(post, it.eq, it.name, it.index, e.matrix, e)
    if len(s) != 1:
        raise StataError(
            f"{{{it}}} is not a scalar parameter; expressions take scalars", 198, span=e.span
        )
    return s[0].draws


_OPS = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "^": np.power,
    "<": np.less,
    ">": np.greater,
    "<=": np.less_equal,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}


def eval_tree(
    e,
    leaf: Callable[[ParamRef], Any],
    at_call: Callable[[Call, Callable[[Any], Any]], Any] | None = None,
) -> Any:
    """Evaluate an expression over draws: ``leaf`` gives the values of a ``{...}``
    reference, ``at_call`` those of an ``@function()`` (with the evaluator for its arguments);
    numbers, operators and the math functions of :data:`_FUNCS` are shared by every user
    (``bayesstats summary`` expressions, ``bayespredict`` functions, ``ppvalues``)."""

    def ev(x):
        return eval_tree(x, leaf, at_call)

    if isinstance(e, Num):
        return float(e.value)
    if isinstance(e, ParamRef):
        return leaf(e)
    if isinstance(e, Unary):
        v = ev(e.operand)
        return -v if e.op == "-" else (v == 0).astype(float)
    if isinstance(e, Binary):
        a, b = ev(e.left), ev(e.right)
        if e.op in _OPS:
            return np.asarray(_OPS[e.op](a, b), dtype=float)
        if e.op == "&":
            return ((a != 0) & (b != 0)).astype(float)
        if e.op == "|":
            return ((a != 0) | (b != 0)).astype(float)
        raise StataError(f"operator {e.op} not allowed here", 198, span=e.span)
    if isinstance(e, Call) and e.at:
        if at_call is None:
            raise StataError(f"@{e.func}() is not allowed here", 198, span=e.span)
        return at_call(e, ev)
    if isinstance(e, Call):
        f = _FUNCS.get(e.func)
        if f is None:
            if e.func in ("min", "max") and e.args:
                vals = [ev(a) for a in e.args]
                red = np.minimum if e.func == "min" else np.maximum
                out = vals[0]
                for v in vals[1:]:
                    out = red(out, v)
                return out
            raise StataError(f"unknown function {e.func}()", 133, span=e.span)
        if len(e.args) != 1:
            raise StataError(f"{e.func}() takes one argument", 198, span=e.span)
        return f(ev(e.args[0]))
    if isinstance(e, Name) and e.name in ("_pi", "c(pi)"):
        return math.pi
    raise StataError("invalid expression", 198, span=getattr(e, "span", None))
