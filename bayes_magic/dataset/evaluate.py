"""Evaluate Stata expressions over the dataset, with Stata's rules for missing values.

[U] 12.2.1 and 13: missing (``.``) is larger than every number, so ``x > 5`` is true where ``x``
is missing and ``x == .`` tests for it; arithmetic with a missing operand, division by zero and
overflow give missing; in a logical context any nonzero value, missing included, is true;
``!`` of missing is 0. ``_n`` and ``_N`` are the observation number and count (within the
``by`` group), ``x[_n-1]`` refers to another observation (missing outside the data or group).
An expression may be evaluated at some observations only (``generate ... if``): ``_n``, ``_N``
and subscripts still refer to the whole data (or group), while ``sum()`` accumulates over the
evaluated observations only, as in Stata.
String values are Python strings, ``""`` being missing; mixing strings and numbers is
``type mismatch`` (r(109)).

Extended missing values ``.a``-``.z`` are read but stored as ``.`` (one missing value).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import StataError
from ..syntax.ast import (
    MATRIX_ELEMENT,
    TS_OP,
    VALUE_LABEL,
    Binary,
    Call,
    Expr,
    MatrixLit,
    Missing,
    Name,
    Num,
    ParamRef,
    Str,
    Subscript,
    Unary,
)
from ..syntax.expr import nodes
from . import random_numbers as rn
from .dataset import Dataset, missing_mask
from .datetime_functions import DATETIME_FUNCTIONS
from .string_functions import STRING_FUNCTIONS
from .varnames import resolve

__all__ = ["Context", "evaluate", "truth", "references"]


@dataclass
class Context:
    """What an expression can see.

    Parameters
    ----------
    ds
        The dataset.
    rows
        Observations (0-based) at which to evaluate; None means all.
    groups
        ``(starts, sizes)`` per observation for ``by`` groups: the first row and the size of each
        observation's group. None means one group holding all observations.
    results
        Lookup for ``r(name)``, ``e(name)``, ``c(name)``, ``_b[...]``, ``_se[...]``: called as
        ``results(kind, name)`` and returning a number, a string, an array (``e(sample)``) or
        None (missing).
    rng
        Generator for ``runiform()`` and friends.
    columns
        Variables' values by name, filled as they are first read; a caller may put in an array
        it changes between evaluations (``replace x = x[_n-1]`` row by row).
    """

    ds: Dataset
    rows: np.ndarray | None = None
    groups: tuple[np.ndarray, np.ndarray] | None = None
    results: Callable[[str, str], object] | None = None
    rng: np.random.Generator = field(default_factory=np.random.default_rng)
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    #: the values of ``{param}`` references at the evaluated rows (``menl``'s substitutable
    #: expressions); None where parameters are not allowed
    params: Callable[[ParamRef], np.ndarray] | None = None

    def column(self, var: str) -> np.ndarray:
        """All values of variable ``var`` (read once per context)."""
        if var not in self.columns:
            self.columns[var] = self.ds.values(var)
        return self.columns[var]

    @property
    def n(self) -> int:
        return self.ds.nobs if self.rows is None else len(self.rows)

    def row_index(self) -> np.ndarray:
        return np.arange(self.ds.nobs) if self.rows is None else self.rows

    def group_info(self) -> tuple[np.ndarray, np.ndarray]:
        """Group start and size for each evaluated row."""
        idx = self.row_index()
        if self.groups is None:
            return np.zeros(len(idx), dtype=np.int64), np.full(len(idx), self.ds.nobs)
        starts, sizes = self.groups
        return starts[idx], sizes[idx]


# a value: numeric float64 array or object array of str
Value = np.ndarray


def _is_str(v: Value) -> bool:
    return v.dtype == object


def _num(x: float, n: int) -> Value:
    return np.full(n, x, dtype=np.float64)


def _clean(v: np.ndarray) -> np.ndarray:
    """Infinities (overflow, division by zero) become missing."""
    v = np.asarray(v, dtype=np.float64)
    v[~np.isfinite(v)] = np.nan
    return v


def _mismatch(e: Expr) -> StataError:
    return StataError("type mismatch", 109, span=getattr(e, "span", None))


def truth(v: Value) -> np.ndarray:
    """Stata's truth of a numeric value: nonzero (missing included) is true."""
    if _is_str(v):
        raise StataError("type mismatch", 109)
    return (v != 0) | np.isnan(v)


def evaluate(e: Expr, ctx: Context) -> Value:
    """Evaluate ``e`` at ``ctx.rows``; always returns an array of ``ctx.n`` values."""
    n = ctx.n
    if isinstance(e, Num):
        return _num(e.value, n)
    if isinstance(e, Missing):
        return _num(np.nan, n)
    if isinstance(e, Str):
        return np.full(n, e.value, dtype=object)
    if isinstance(e, Name):
        return _name(e, ctx)
    if isinstance(e, Subscript):
        return _subscript(e, ctx)
    if isinstance(e, Unary):
        v = evaluate(e.operand, ctx)
        if _is_str(v):
            raise _mismatch(e)
        if e.op == "-":
            return -v
        return (~truth(v)).astype(np.float64)
    if isinstance(e, Binary):
        return _binary(e, ctx)
    if isinstance(e, Call):
        return _call(e, ctx)
    if isinstance(e, ParamRef) and ctx.params is not None:
        return ctx.params(e)
    if isinstance(e, (ParamRef, MatrixLit)):
        raise StataError(f"{e} not allowed in this expression", 198, span=e.span)
    raise StataError("invalid expression", 198)  # pragma: no cover


def _name(e: Name, ctx: Context) -> Value:
    n = ctx.n
    if e.name == "_n":
        starts, _ = ctx.group_info()
        return (ctx.row_index() - starts + 1).astype(np.float64)
    if e.name == "_N":
        _, sizes = ctx.group_info()
        return sizes.astype(np.float64)
    if e.name == "_pi":
        return _num(math.pi, n)
    if e.name == "_rc":
        rc = ctx.results("c", "rc") if ctx.results else None
        return _num(np.nan if rc is None else float(rc), n)
    try:
        var = resolve(ctx.ds, e.name, span=e.span, in_expr=True)
    except StataError:  # not a variable: a scalar of that name ([P] scalar), if any
        got = _scalar(e.name, ctx)
        if got is None:
            raise
        return got
    col = ctx.column(var)
    return col.copy() if ctx.rows is None else col[ctx.rows]


def _scalar(name: str, ctx: Context) -> Value | None:
    """The scalar ``name`` as a value at every row, or None when there is none."""
    got = ctx.results("scalar", name) if ctx.results else None
    if got is None:
        return None
    if isinstance(got, str):
        return np.full(ctx.n, got, dtype=object)
    return _num(float(got), ctx.n)


def _scalar_function(e: Call, ctx: Context) -> Value:
    """``scalar(name)``: the scalar, even where a variable has that name."""
    if len(e.args) != 1 or not isinstance(e.args[0], Name):
        raise StataError("scalar() takes a scalar's name", 198, span=e.span)
    got = _scalar(e.args[0].name, ctx)
    if got is None:
        raise StataError(f"scalar {e.args[0].name} not found", 111, span=e.span)
    return got


def _subscript(e: Subscript, ctx: Context) -> Value:
    if e.name in ("_b", "_se", "_coef"):
        key = e.index.value if isinstance(e.index, Str) else str(e.index)
        got = ctx.results("_se" if e.name == "_se" else "_b", key) if ctx.results else None
        if got is None:
            raise StataError(f"[{key}] not found", 111, span=e.span)
        return _num(float(got), ctx.n)
    var = resolve(ctx.ds, e.name, span=e.span, in_expr=True)
    idx = evaluate(e.index, ctx)
    if _is_str(idx):
        raise _mismatch(e)
    starts, sizes = ctx.group_info()
    col = ctx.column(var)
    k = np.where(np.isnan(idx), -1, np.trunc(np.nan_to_num(idx, nan=-1.0))).astype(np.int64)
    ok = (k >= 1) & (k <= sizes)
    absrow = np.where(ok, starts + k - 1, 0)
    if col.dtype == object:
        out = np.full(ctx.n, "", dtype=object)
        out[ok] = col[absrow[ok]]
        return out
    out = np.full(ctx.n, np.nan)
    out[ok] = col[absrow[ok]]
    return out


_REL = {
    "==": np.equal,
    "!=": np.not_equal,
    ">": np.greater,
    "<": np.less,
    ">=": np.greater_equal,
    "<=": np.less_equal,
}


def _binary(e: Binary, ctx: Context) -> Value:
    a = evaluate(e.left, ctx)
    b = evaluate(e.right, ctx)
    sa, sb = _is_str(a), _is_str(b)
    if e.op in ("&", "|"):
        if sa or sb:
            raise _mismatch(e)
        ta, tb = truth(a), truth(b)
        return ((ta & tb) if e.op == "&" else (ta | tb)).astype(np.float64)
    if e.op in _REL:
        if sa != sb:
            raise _mismatch(e)
        if sa:
            return np.array([bool(_REL[e.op](x, y)) for x, y in zip(a, b)], dtype=np.float64)
        # missing is larger than any number, and equal to itself
        with np.errstate(invalid="ignore"):
            fa = np.where(np.isnan(a), np.inf, a)
            fb = np.where(np.isnan(b), np.inf, b)
            return _REL[e.op](fa, fb).astype(np.float64)
    if sa or sb:
        if e.op == "+" and sa and sb:
            return np.array([x + y for x, y in zip(a, b)], dtype=object)
        if e.op == "*" and (sa != sb):
            s, k = (a, b) if sa else (b, a)
            if any(kk == kk and len(x) * max(kk, 0) > 2_000_000_000 for x, kk in zip(s, k)):
                raise StataError("string too long", 1000, span=e.span)  # strL's limit
            return np.array(
                ["" if kk != kk else x * max(int(kk), 0) for x, kk in zip(s, k)], dtype=object
            )
        raise _mismatch(e)
    with np.errstate(all="ignore"):
        if e.op == "+":
            r = a + b
        elif e.op == "-":
            r = a - b
        elif e.op == "*":
            r = a * b
        elif e.op == "/":
            r = a / b
        elif e.op == "^":
            r = np.power(a, b)
        else:  # pragma: no cover
            raise StataError(f"{e.op} invalid", 198, span=e.span)
    return _clean(r)


# ---------------------------------------------------------------------------------------------
# functions ([FN] Stata functions)


def _args_num(e: Call, ctx: Context, k: int | tuple[int, int]) -> list[Value]:
    lo, hi = (k, k) if isinstance(k, int) else k
    if not (lo <= len(e.args) <= hi):
        raise StataError(
            f"{e.func}(): invalid number of arguments" if e.args else "invalid syntax",
            198,
            span=e.span,
        )
    vals = [evaluate(a, ctx) for a in e.args]
    for v in vals:
        if _is_str(v):
            raise _mismatch(e)
    return vals


def _unary(f: Callable[[np.ndarray], np.ndarray]) -> Callable[[Call, Context], Value]:
    def impl(e: Call, ctx: Context) -> Value:
        (x,) = _args_num(e, ctx, 1)
        with np.errstate(all="ignore"):
            return _clean(f(x))

    return impl


def _sp(name: str) -> Callable:
    """A scipy.special function, imported when first used."""

    def f(*a):
        import scipy.special as sc

        return getattr(sc, name)(*a)

    return f


def _stats(dist: str, method: str, nparams: int) -> Callable[[Call, Context], Value]:
    """Stata's distribution functions over scipy.stats, e.g. chi2(df, x) is the cdf."""

    def impl(e: Call, ctx: Context) -> Value:
        vals = _args_num(e, ctx, nparams + 1)
        import scipy.stats as st

        *params, x = vals
        with np.errstate(all="ignore"):
            return _clean(getattr(getattr(st, dist), method)(x, *params))

    return impl


def _round(e: Call, ctx: Context) -> Value:
    """``round(x, y)``: ``x`` rounded to units of ``y`` (``round(x, 0)`` is ``x``)."""
    vals = _args_num(e, ctx, (1, 2))
    x = vals[0]
    y = vals[1] if len(vals) == 2 else _num(1.0, ctx.n)
    with np.errstate(all="ignore"):
        return _clean(np.where(y == 0, x, np.floor(x / y + 0.5) * y))


def _mod(e: Call, ctx: Context) -> Value:
    x, y = _args_num(e, ctx, 2)
    with np.errstate(all="ignore"):
        return _clean(np.where(y == 0, np.nan, x - y * np.floor(x / y)))


def _minmax(fn: Callable) -> Callable[[Call, Context], Value]:
    def impl(e: Call, ctx: Context) -> Value:
        vals = _args_num(e, ctx, (1, 999))
        stack = np.vstack(vals)
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return fn(stack, axis=0)

    return impl


def _cond(e: Call, ctx: Context) -> Value:
    if not 3 <= len(e.args) <= 4:
        raise StataError("cond(): invalid number of arguments", 198, span=e.span)
    c = evaluate(e.args[0], ctx)
    if _is_str(c):
        raise _mismatch(e)
    a = evaluate(e.args[1], ctx)
    b = evaluate(e.args[2], ctx)
    if _is_str(a) != _is_str(b):
        raise _mismatch(e)
    out = np.where(c != 0, a, b)
    if len(e.args) == 4:
        m = evaluate(e.args[3], ctx)
        if _is_str(m) != _is_str(a):
            raise _mismatch(e)
        out = np.where(np.isnan(c), m, out)
    return out.astype(object) if _is_str(a) else out.astype(np.float64)


def _missing(e: Call, ctx: Context) -> Value:
    if not e.args:
        raise StataError("invalid syntax", 198, span=e.span)
    out = np.zeros(ctx.n, dtype=bool)
    for a in e.args:
        out |= missing_mask(evaluate(a, ctx))
    return out.astype(np.float64)


def _inlist(e: Call, ctx: Context) -> Value:
    if len(e.args) < 2:
        raise StataError("inlist(): invalid number of arguments", 198, span=e.span)
    vals = [evaluate(a, ctx) for a in e.args]
    if len({_is_str(v) for v in vals}) > 1:
        raise _mismatch(e)
    z = vals[0]
    out = np.zeros(ctx.n, dtype=bool)
    for v in vals[1:]:
        out |= (z == v) if _is_str(z) else ((z == v) | (np.isnan(z) & np.isnan(v)))
    return out.astype(np.float64)


def _inrange(e: Call, ctx: Context) -> Value:
    z, a, b = _args_num(e, ctx, 3)
    a = np.where(np.isnan(a), -np.inf, a)
    b = np.where(np.isnan(b), np.inf, b)
    # a missing z is never in range; missing bounds are open ([FN] inrange())
    return (~np.isnan(z) & (np.nan_to_num(z) >= a) & (np.nan_to_num(z) <= b)).astype(float)


def _running_sum(e: Call, ctx: Context) -> Value:
    """``sum(x)``: the running sum of ``x`` (missing counting as 0) over the evaluated
    observations, restarting in each ``by`` group."""
    (x,) = _args_num(e, ctx, 1)
    x0 = np.where(np.isnan(x), 0.0, x)
    cs = np.cumsum(x0)
    starts, _ = ctx.group_info()
    first = np.ones(len(x), dtype=bool)
    first[1:] = starts[1:] != starts[:-1]
    # the running sum just before each group's first evaluated observation
    before = _fill_forward(np.where(first, cs - x0, np.nan))
    return cs - before


def _fill_forward(v: np.ndarray) -> np.ndarray:
    """Each NaN replaced by the last non-NaN value before it."""
    idx = np.where(np.isnan(v), 0, np.arange(len(v)))
    np.maximum.accumulate(idx, out=idx)
    return v[idx]


def _rng(kind: str) -> Callable[[Call, Context], Value]:
    """A random-number function: one draw per observation, missing outside its domain."""

    def impl(e: Call, ctx: Context) -> Value:
        if len(e.args) not in rn.ARITY[kind]:
            raise StataError(f"{e.func}(): invalid number of arguments", 198, span=e.span)
        vals = _args_num(e, ctx, len(e.args))
        ok = np.ones(ctx.n, dtype=bool)
        for v in vals:
            ok &= ~np.isnan(v)
        if vals:
            ok &= rn.in_domain(kind, vals)
        # rows outside the domain draw with harmless arguments: one draw per row, always
        safe = [
            np.where(ok, v, float(k) if kind == "runiform" else 1.0) for k, v in enumerate(vals)
        ]
        return np.where(ok, rn.draw(kind, safe, ctx.rng, ctx.n), np.nan)

    return impl


def _stored(kind: str) -> Callable[[Call, Context], Value]:
    def impl(e: Call, ctx: Context) -> Value:
        if len(e.args) != 1 or not isinstance(e.args[0], Name):
            raise StataError("invalid syntax", 198, span=e.span)
        key = e.args[0].name
        got = ctx.results(kind, key) if ctx.results else None
        if got is None:
            return _num(np.nan, ctx.n)
        if isinstance(got, str):
            return np.full(ctx.n, got, dtype=object)
        if isinstance(got, np.ndarray) and got.ndim == 1 and len(got) == ctx.ds.nobs:
            return got.astype(np.float64) if ctx.rows is None else got[ctx.rows].astype(float)
        if isinstance(got, np.ndarray):
            raise StataError("type mismatch", 109, span=e.span)
        return _num(float(got), ctx.n)

    return impl


# string functions


def _str_args(e: Call, ctx: Context, kinds: str) -> list[Value]:
    if len(e.args) != len(kinds.rstrip("?")) and not (
        kinds.endswith("?") and len(e.args) in (len(kinds) - 2, len(kinds) - 1)
    ):
        raise StataError(f"{e.func}(): invalid number of arguments", 198, span=e.span)
    vals = [evaluate(a, ctx) for a in e.args]
    for v, k in zip(vals, kinds.replace("?", "")):
        if (k == "s") != _is_str(v):
            raise _mismatch(e)
    return vals


def _smap(kinds: str, f: Callable, *, out_str: bool) -> Callable[[Call, Context], Value]:
    def impl(e: Call, ctx: Context) -> Value:
        vals = _str_args(e, ctx, kinds)
        res = [f(*row) for row in zip(*vals)]
        if out_str:
            return np.array(res, dtype=object)
        return np.array(res, dtype=np.float64)

    return impl


def _substr(s: str, a: float, b: float = np.nan) -> str:
    if a != a:
        return ""
    a = int(a)
    start = a - 1 if a > 0 else len(s) + a
    if start < 0 or start >= len(s):
        return ""
    if b != b:
        return s[start:]
    return s[start : start + max(int(b), 0)]


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def real_value(s: str) -> float:
    """``real(s)``: the number a string holds (blanks around it allowed), else missing; also
    ``destring``'s reading."""
    t = s.strip()
    if not _NUMBER.fullmatch(t):
        return np.nan
    v = float(t)
    return v if math.isfinite(v) else np.nan


def _string(e: Call, ctx: Context) -> Value:
    vals = [evaluate(a, ctx) for a in e.args]
    if not vals or _is_str(vals[0]) or len(vals) > 2:
        raise _mismatch(e) if vals and _is_str(vals[0]) else StataError("invalid syntax", 198)
    from ..report.format import fmt_number

    fmt = "%9.0g"
    if len(vals) == 2:
        if not _is_str(vals[1]):
            raise _mismatch(e)
        fmt = str(vals[1][0]) if len(vals[1]) else fmt
    # without a format, %9.0g ([FN] strofreal(): 12345678 is "1.23e+07"), blanks trimmed
    return np.array(["." if x != x else fmt_number(x, fmt).strip() for x in vals[0]], dtype=object)


def _word(s: str, k: float) -> str:
    w = s.split()
    if k != k or k == 0:
        return ""
    k = int(k)
    idx = k - 1 if k > 0 else len(w) + k
    return w[idx] if 0 <= idx < len(w) else ""


def _strpos(s: str, t: str) -> float:
    return float(s.find(t) + 1)


def _subinstr(s: str, a: str, b: str, n: float) -> str:
    if not a:  # an empty pattern matches nothing
        return s
    if n != n:
        return s.replace(a, b)
    return s.replace(a, b, int(min(n, len(s) + 1)))  # a huge count is every occurrence


FUNCTIONS: dict[str, Callable[[Call, Context], Value]] = {
    "abs": _unary(np.abs),
    "ceil": _unary(np.ceil),
    "floor": _unary(np.floor),
    "int": _unary(np.trunc),
    "trunc": _unary(np.trunc),
    "exp": _unary(np.exp),
    "expm1": _unary(np.expm1),
    "ln": _unary(np.log),
    "log": _unary(np.log),
    "log10": _unary(np.log10),
    "log1p": _unary(np.log1p),
    "ln1p": _unary(np.log1p),
    "sqrt": _unary(np.sqrt),
    "sign": _unary(np.sign),
    "sin": _unary(np.sin),
    "cos": _unary(np.cos),
    "tan": _unary(np.tan),
    "asin": _unary(np.arcsin),
    "acos": _unary(np.arccos),
    "atan": _unary(np.arctan),
    "sinh": _unary(np.sinh),
    "cosh": _unary(np.cosh),
    "tanh": _unary(np.tanh),
    "atanh": _unary(np.arctanh),
    "float": _unary(lambda x: x.astype(np.float32).astype(np.float64)),
    "invlogit": _unary(lambda x: 1.0 / (1.0 + np.exp(-x))),
    "logit": _unary(lambda x: np.log(x / (1.0 - x))),
    "cloglog": _unary(lambda x: np.log(-np.log1p(-x))),
    "invcloglog": _unary(lambda x: 1.0 - np.exp(-np.exp(x))),
    "normal": _unary(_sp("ndtr")),
    "invnormal": _unary(_sp("ndtri")),
    "lnnormal": _unary(_sp("log_ndtr")),
    "lngamma": _unary(_sp("gammaln")),
    "lnfactorial": _unary(  # n truncated to an integer; missing below 0
        lambda x: np.where(x >= 0, _sp("gammaln")(np.floor(np.abs(x)) + 1), np.nan)
    ),
    "digamma": _unary(_sp("digamma")),
    "trigamma": _unary(lambda x: _sp("polygamma")(1, x)),
    "round": _round,
    "mod": _mod,
    "min": _minmax(np.nanmin),
    "max": _minmax(np.nanmax),
    "cond": _cond,
    "missing": _missing,
    "mi": _missing,
    "inlist": _inlist,
    "inrange": _inrange,
    "sum": _running_sum,
    "runiform": _rng("runiform"),
    "uniform": _rng("runiform"),
    "rnormal": _rng("rnormal"),
    "rbinomial": _rng("rbinomial"),
    "rpoisson": _rng("rpoisson"),
    "rexponential": _rng("rexponential"),
    "rgamma": _rng("rgamma"),
    "rbeta": _rng("rbeta"),
    "rchi2": _rng("rchi2"),
    "rt": _rng("rt"),
    "rlogistic": _rng("rlogistic"),
    "r": _stored("r"),
    "e": _stored("e"),
    "c": _stored("c"),
    "chi2": _stats("chi2", "cdf", 1),
    "chi2tail": _stats("chi2", "sf", 1),
    "invchi2": _stats("chi2", "ppf", 1),
    "invchi2tail": _stats("chi2", "isf", 1),
    "ttail": _stats("t", "sf", 1),
    "t": _stats("t", "cdf", 1),
    "invttail": _stats("t", "isf", 1),
    "invt": _stats("t", "ppf", 1),
    "Ftail": _stats("f", "sf", 2),
    "F": _stats("f", "cdf", 2),
    "string": _string,
    "strofreal": _string,
    "real": _smap("s", real_value, out_str=False),
    # strlen() and length() count bytes (UTF-8), ustrlen() characters
    "strlen": _smap("s", lambda s: float(len(s.encode("utf-8"))), out_str=False),
    "length": _smap("s", lambda s: float(len(s.encode("utf-8"))), out_str=False),
    "ustrlen": _smap("s", lambda s: float(len(s)), out_str=False),
    "upper": _smap("s", str.upper, out_str=True),
    "lower": _smap("s", str.lower, out_str=True),
    "strupper": _smap("s", str.upper, out_str=True),
    "strlower": _smap("s", str.lower, out_str=True),
    "trim": _smap("s", str.strip, out_str=True),
    "strtrim": _smap("s", str.strip, out_str=True),
    "ltrim": _smap("s", str.lstrip, out_str=True),
    "rtrim": _smap("s", str.rstrip, out_str=True),
    "substr": _smap("snn?", _substr, out_str=True),
    "usubstr": _smap("snn?", _substr, out_str=True),
    "strpos": _smap("ss", _strpos, out_str=False),
    "subinstr": _smap("sssn", _subinstr, out_str=True),
    "word": _smap("sn", _word, out_str=True),
    "wordcount": _smap("s", lambda s: float(len(s.split())), out_str=False),
}


def _normalden(e: Call, ctx: Context) -> Value:
    """``normalden(x)``, ``normalden(x, s)`` (mean 0) and ``normalden(x, m, s)``; missing
    where ``s <= 0``."""
    vals = _args_num(e, ctx, (1, 3))
    x = vals[0]
    m = vals[1] if len(vals) == 3 else 0.0
    s = vals[-1] if len(vals) > 1 else _num(1.0, ctx.n)
    with np.errstate(all="ignore"):
        d = np.exp(-0.5 * ((x - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))
        return _clean(np.where(s > 0, d, np.nan))


def _comb(e: Call, ctx: Context) -> Value:
    n, k = _args_num(e, ctx, 2)
    import scipy.special as sc

    return _clean(np.round(sc.comb(n, k)))


def _special(name: str, nargs: int) -> Callable[[Call, Context], Value]:
    """A function of ``nargs`` numeric arguments computed by ``_DIST[name]`` (scipy, imported
    when first used), missing where the result is not finite."""

    def impl(e: Call, ctx: Context) -> Value:
        vals = _args_num(e, ctx, nargs)
        with np.errstate(all="ignore"):
            return _clean(np.asarray(_dist_functions()[name](*vals), dtype=float))

    return impl


@functools.lru_cache(maxsize=1)
def _dist_functions() -> dict[str, Callable[..., np.ndarray]]:
    """[FN] Statistical functions by name, arguments in Stata's order (scipy is imported on
    first use: importing bayes_magic stays light)."""
    import scipy.special as sc
    import scipy.stats as st

    return {
        # binomial: P(X <= k), P(X = k), P(X >= k), k and n floored as Stata does
        "binomial": lambda n, k, p: st.binom.cdf(np.floor(k), np.floor(n), p),
        "binomialp": lambda n, k, p: st.binom.pmf(k, np.floor(n), p),
        "binomialtail": lambda n, k, p: st.binom.sf(np.ceil(k) - 1, np.floor(n), p),
        # the success probability at which binomial() (binomialtail()) equals p
        "invbinomial": lambda n, k, p: sc.betaincinv(k + 1, n - k, 1 - p),
        "invbinomialtail": lambda n, k, p: sc.betaincinv(k, n - k + 1, p),
        "poisson": lambda m, k: st.poisson.cdf(np.floor(k), m),
        "poissonp": lambda m, k: st.poisson.pmf(k, m),
        "poissontail": lambda m, k: st.poisson.sf(np.ceil(k) - 1, m),
        # the mean at which poisson() (poissontail()) equals p
        "invpoisson": lambda k, p: sc.gammainccinv(k + 1, p),
        "invpoissontail": lambda k, q: sc.gammaincinv(k, q),
        "ibeta": sc.betainc,
        "ibetatail": sc.betaincc,
        "invibeta": sc.betaincinv,
        "betaden": lambda a, b, x: st.beta.pdf(x, a, b),
        "gammap": sc.gammainc,
        "gammaptail": sc.gammaincc,
        "invgammap": sc.gammaincinv,
        "lnnormalden": lambda z: st.norm.logpdf(z),
    }


_DIST_NARGS = {
    "binomial": 3,
    "binomialp": 3,
    "binomialtail": 3,
    "invbinomial": 3,
    "invbinomialtail": 3,
    "poisson": 2,
    "poissonp": 2,
    "poissontail": 2,
    "invpoisson": 2,
    "invpoissontail": 2,
    "ibeta": 3,
    "ibetatail": 3,
    "invibeta": 3,
    "betaden": 3,
    "gammap": 2,
    "gammaptail": 2,
    "invgammap": 2,
    "lnnormalden": 1,
}


FUNCTIONS["normalden"] = _normalden
FUNCTIONS["comb"] = _comb
FUNCTIONS.update({name: _special(name, k) for name, k in _DIST_NARGS.items()})
FUNCTIONS.update(
    {
        "invF": _stats("f", "ppf", 2),
        "invFtail": _stats("f", "isf", 2),
        "Fden": _stats("f", "pdf", 2),
        "tden": _stats("t", "pdf", 1),
        "chi2den": _stats("chi2", "pdf", 1),
    }
)


# -- matrix functions ([FN] Matrix functions) ------------------------------------------------------
def _matrix_arg(e: Call, ctx: Context, k: int = 0):
    """The matrix an argument names: ``A``, ``"A"``, ``e(b)``, ``r(table)``."""
    a = e.args[k] if len(e.args) > k else None
    if isinstance(a, (Name, Str)):
        ref = a.name if isinstance(a, Name) else a.value
    elif isinstance(a, Call) and a.func in ("e", "r") and len(a.args) == 1:
        inner = a.args[0]
        ref = f"{a.func}({inner.name if isinstance(inner, Name) else ''})"
    else:
        raise StataError(f"{e.func}() takes a matrix name", 198, span=e.span)
    got = ctx.results("matrix", ref) if ctx.results else None
    if got is None:
        raise StataError(f"matrix {ref} not found", 111, span=getattr(a, "span", e.span))
    return got


def _index(v: Value, names: list[str]) -> int:
    """A subscript: a number (truncated; 0 when out of range) or a row/column name (a name
    ``x`` also finds ``eq:x`` when only one such exists)."""
    if _is_str(v):
        key = str(v[0])
        if key in names:
            return names.index(key) + 1
        hits = [k for k, n in enumerate(names) if n.rpartition(":")[2] == key]
        return hits[0] + 1 if len(hits) == 1 else 0
    x = float(v[0])
    return math.trunc(x) if math.isfinite(x) else 0


def _element(strict: bool):
    def f(e: Call, ctx: Context) -> Value:
        if len(e.args) != 3:
            raise StataError(f"{e.func}() takes three arguments", 198, span=e.span)
        M = _matrix_arg(e, ctx)
        i = _index(evaluate(e.args[1], ctx), M.rownames)
        j = _index(evaluate(e.args[2], ctx), M.colnames)
        r, c = M.values.shape
        if 1 <= i <= r and 1 <= j <= c:
            return _num(float(M.values[i - 1, j - 1]), ctx.n)
        if strict:
            raise StataError("subscript invalid", 503, span=e.span)
        return _num(np.nan, ctx.n)

    return f


def _matrix_scalar(g: Callable, names: str | None = None):
    """A function of one matrix (``rowsof()``, ``trace()`` ...), or with ``names`` of a matrix
    and a string (``colnumb(A, "x")``)."""

    def f(e: Call, ctx: Context) -> Value:
        if len(e.args) != (1 if names is None else 2):
            raise StataError(f"{e.func}() has the wrong number of arguments", 198, span=e.span)
        M = _matrix_arg(e, ctx)
        if names is None:
            return _num(float(g(M)), ctx.n)
        key = evaluate(e.args[1], ctx)
        if not _is_str(key):
            raise _mismatch(e)
        k = _index(key, getattr(M, names))
        return _num(float(k) if k else np.nan, ctx.n)

    return f


def _square(M, e_name: str):
    if M.values.shape[0] != M.values.shape[1]:
        raise StataError(f"{e_name}(): matrix not square", 503)
    return M.values


FUNCTIONS.update(
    {
        MATRIX_ELEMENT: _element(strict=True),
        "el": _element(strict=False),
        "rowsof": _matrix_scalar(lambda M: M.values.shape[0]),
        "colsof": _matrix_scalar(lambda M: M.values.shape[1]),
        "trace": _matrix_scalar(lambda M: np.trace(_square(M, "trace"))),
        "det": _matrix_scalar(lambda M: np.linalg.det(_square(M, "det"))),
        "issymmetric": _matrix_scalar(
            lambda M: (
                M.values.shape[0] == M.values.shape[1]
                and bool(np.array_equal(M.values, M.values.T, equal_nan=True))
            )
        ),
        "matmissing": _matrix_scalar(lambda M: bool(np.isnan(M.values).any())),
        "colnumb": _matrix_scalar(lambda M: 0, names="colnames"),
        "rownumb": _matrix_scalar(lambda M: 0, names="rownames"),
    }
)


def _ts_operator(e: Call, ctx: Context) -> Value:
    """``L.x``, ``F2.x``, ``D.x``, ``S12.x``, ``LD.x`` ([U] 11.4.4 Time-series varlists): the
    value at the time ``k`` steps (``delta``) before or after within the same panel, found by
    time, not by position, so that a gap gives a missing value, as Stata's."""
    ops_arg, var_arg = e.args
    assert isinstance(ops_arg, Str) and isinstance(var_arg, Name)
    ts = ctx.ds.tsset
    if ts is None or not ts.get("time"):
        raise StataError("time variable not set, use tsset varname ...", 111, span=e.span)
    var = resolve(ctx.ds, var_arg.name, span=var_arg.span, in_expr=True)
    if ctx.ds.is_string(var):
        raise _mismatch(e)
    ds = ctx.ds
    t = np.asarray(ds.values(ts["time"]), dtype=float)
    p = np.asarray(ds.values(ts["panel"]), dtype=float) if ts.get("panel") else np.zeros(len(t))
    delta = float(ts.get("delta", 1.0))
    # whole steps of delta from the first time: exact keys, whatever delta's rounding
    steps = np.round((t - np.nanmin(t)) / delta) if np.any(~np.isnan(t)) else t
    index = pd.MultiIndex.from_arrays([p, steps])

    def shift(x: np.ndarray, k: int) -> np.ndarray:
        target = pd.MultiIndex.from_arrays([p, steps - k])
        rows = index.get_indexer(target)
        out = np.where(rows >= 0, x[np.maximum(rows, 0)], np.nan)
        out[np.isnan(t)] = np.nan
        return out

    x = np.asarray(ctx.column(var), dtype=float)
    for op, count in reversed(re.findall(r"([LFDS])(\d*)", ops_arg.value)):
        k = int(count) if count else 1
        if op == "L":
            x = shift(x, k)
        elif op == "F":
            x = shift(x, -k)
        elif op == "D":
            for _ in range(k):
                x = x - shift(x, 1)
        else:  # S: the seasonal difference x - L^k x
            x = x - shift(x, k)
    return x.copy() if ctx.rows is None else x[ctx.rows]


FUNCTIONS.update(DATETIME_FUNCTIONS)
FUNCTIONS.update(STRING_FUNCTIONS)


def _value_label(e: Call, ctx: Context) -> Value:
    """``"Lots":hwcat``: the value the label set gives that text ([U] 13.11)."""
    text, name = e.args[0].value, e.args[1].value  # type: ignore[union-attr]
    labels = ctx.ds.value_labels.get(name)
    if labels is None:
        raise StataError(f"value label {name} not found", 111, span=e.span)
    hits = [v for v, lab in labels.items() if lab == text]
    if not hits:
        raise StataError(f'"{text}":{name} not found: no value has that label', 111, span=e.span)
    return _num(float(min(hits)), ctx.n)


def _call(e: Call, ctx: Context) -> Value:
    if e.func == TS_OP:
        return _ts_operator(e, ctx)
    if e.func == VALUE_LABEL:
        return _value_label(e, ctx)
    if e.at:
        raise StataError(f"@{e.func}() not allowed in this expression", 198, span=e.span)
    f = _scalar_function if e.func == "scalar" else FUNCTIONS.get(e.func)
    if f is None:
        raise StataError(f"unknown function {e.func}()", 133, span=e.span)
    return f(e, ctx)


def references(e: Expr) -> set[str]:
    """Names (as typed) and subscripted names an expression refers to."""
    return {x.name for x in nodes(e) if isinstance(x, (Name, Subscript))}


def subscripted(e: Expr) -> set[str]:
    """Names used with an explicit subscript (``x[_n-1]``)."""
    return {x.name for x in nodes(e) if isinstance(x, Subscript)}
