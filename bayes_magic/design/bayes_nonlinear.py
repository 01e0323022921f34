"""The design of a nonlinear ``bayesmh`` model: the sample, the groups, and the expression as a
tree over data columns and parameters, ready for the sampler to compile.

The estimation sample is ``menl``'s (:func:`bayes_magic.design.nonlinear.build_nonlinear_design`:
``if``/``in``, and listwise deletion over the dependent variable, every variable the
expression reads and the level variables). Each part of the expression that reads no parameter
(``exp(-time/100)``, ``cond(x > 1, 2, 3)``, a variable) is evaluated here once, with Stata's
functions and missing-value rules, into a column; what is left for the sampler is arithmetic
and a few functions of parameters, random effects and those columns. Linear combinations
``{xb: x1 i.g}`` become sums of columns times their coefficients ``xb:x1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..dataset.dataset import Dataset
from ..dataset.evaluate import Context, evaluate
from ..dataset.varnames import resolve
from ..errors import StataError
from ..spec.bayes_nonlinear import BayesNonlinearModel
from ..syntax.ast import Binary, Call, Expr, Num, ParamRef, Unary
from ..syntax.unparse import unparse_expr
from .newdata import fixed_columns
from .nonlinear import NLLevel, build_nonlinear_design

__all__ = ["NLBayesDesign", "build_bayes_nonlinear_design", "PARAM_FUNCS", "Node"]

#: functions of parameters the sampler evaluates (Stata's names; ``log`` is ``ln``)
PARAM_FUNCS = (
    "exp",
    "ln",
    "log",
    "log10",
    "sqrt",
    "abs",
    "invlogit",
    "logit",
    "normal",
    "lngamma",
    "sin",
    "cos",
    "tanh",
    "atanh",
    "floor",
    "ceil",
    "int",
    "lnnormal",
    "invcloglog",
    "cloglog",
    "min",
    "max",
    "cond",
)

#: a node of the expression tree: ("const", v), ("col", j), ("param", name), ("re", name),
#: ("bin", op, a, b), ("neg", a), ("not", a), ("call", func, (args...))
Node = tuple


@dataclass
class NLBayesDesign:
    """Arrays of a nonlinear ``bayesmh`` model over its estimation sample."""

    depvar: str
    y: np.ndarray  # (n, equations)
    sample: np.ndarray
    levels: list[NLLevel]
    cols: np.ndarray  # (n, ncols) data columns the trees read
    trees: list[Node]  # one expression tree per equation
    pnames: list[str]  # the expressions' parameters: lincomb coefficients, then scalars
    notes: list[str]

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def tree(self) -> Node:
        return self.trees[0]

    # what the Bayesian results' header and e() read from a linear design
    weights = None
    columns: tuple = ()

    @property
    def coef_index(self) -> dict[str, int]:
        return {n: j for j, n in enumerate(self.pnames)}


def _has_params(e: Expr) -> bool:
    from ..syntax.expr import nodes

    return any(isinstance(x, ParamRef) for x in nodes(e))


class _Builder:
    def __init__(self, ds: Dataset, rows: np.ndarray, lincombs: dict[str, list[str]]) -> None:
        self.ds, self.rows = ds, rows
        self.ctx = Context(ds, rows=rows)
        self.cols: list[np.ndarray] = []
        self.lincombs = lincombs

    def column(self, values: np.ndarray) -> Node:
        for j, c in enumerate(self.cols):
            if np.array_equal(c, values, equal_nan=True):
                return ("col", j)
        self.cols.append(values)
        return ("col", len(self.cols) - 1)

    def data(self, e: Expr) -> Node:
        if isinstance(e, Num):
            return ("const", float(e.value))
        with np.errstate(all="ignore"):
            v = evaluate(e, self.ctx)
        v = np.broadcast_to(np.asarray(v), (len(self.rows),))
        if v.dtype == object:
            raise StataError(f"type mismatch: {unparse_expr(e)} is a string", 109)
        v = v.astype(float)
        if np.isnan(v).any():
            raise StataError(
                f"{unparse_expr(e)} is missing for some observations in the estimation sample",
                416,
            )
        if np.all(v == v[0]):
            return ("const", float(v[0]))
        return self.column(v)

    def lincomb(self, eq: str) -> Node:
        names = self.lincombs[eq]
        X = fixed_columns(self.ds, names)[self.rows]
        out: Node | None = None
        for j, name in enumerate(names):
            term: Node = ("param", f"{eq}:{name}")
            if name != "_cons":
                term = ("bin", "*", self.column(X[:, j].astype(float)), term)
            out = term if out is None else ("bin", "+", out, term)
        assert out is not None
        return out

    def build(self, e: Expr) -> Node:
        if not _has_params(e):
            return self.data(e)
        if isinstance(e, ParamRef):
            it = e.items[0]
            if it.name is None:
                return self.lincomb(str(it.eq))
            return ("re", str(it.name)) if it.index is not None else ("param", str(it.name))
        if isinstance(e, Unary):
            inner = self.build(e.operand)
            return ("neg", inner) if e.op == "-" else ("not", inner)
        if isinstance(e, Binary):
            return ("bin", e.op, self.build(e.left), self.build(e.right))
        if isinstance(e, Call) and not e.at and e.func in PARAM_FUNCS:
            need = {"cond": (3, 3), "min": (2, 99), "max": (2, 99)}.get(e.func, (1, 1))
            if not need[0] <= len(e.args) <= need[1]:
                raise StataError(f"{e.func}(): wrong number of arguments", 198, span=e.span)
            return ("call", e.func, tuple(self.build(a) for a in e.args))
        what = f"{e.func}()" if isinstance(e, Call) else unparse_expr(e)
        raise StataError(
            f"{what} of parameters is not available in bayesmh's expressions in bayes_magic "
            f"yet; the functions are {', '.join(f + '()' for f in PARAM_FUNCS)}",
            198,
            span=getattr(e, "span", None),
        )


def build_bayes_nonlinear_design(
    ds: Dataset, model: BayesNonlinearModel, touse: np.ndarray
) -> NLBayesDesign:
    """The sample, the groups, the data columns and the expression tree of ``model``.

    Raises
    ------
    StataError
        ``menl``'s design errors (r(111), r(109), r(2000)); r(416) when a part of the expression
        that reads only data is missing in the sample; r(198) for a function of parameters the
        sampler does not evaluate.
    """
    touse = touse.copy()
    for dep in model.depvars[1:]:  # the first is the spec's own
        v = resolve(ds, dep)
        if ds.is_string(v):
            raise StataError(
                f"string variables not allowed in varlist;\n{v} is a string variable", 109
            )
        touse &= ~np.isnan(ds.values(v).astype(float))
    d = build_nonlinear_design(ds, model.spec, touse)
    rows = np.flatnonzero(d.sample)
    lincombs = d.lincomb_names()
    b = _Builder(ds, rows, lincombs)
    trees = [b.build(e.expr) for e in model.equations]
    cols = np.column_stack(b.cols) if b.cols else np.zeros((len(rows), 1))
    y = np.column_stack(
        [d.y] + [ds.values(resolve(ds, dep))[d.sample].astype(float) for dep in model.depvars[1:]]
    )
    if model.likelihood == "poisson" and np.any((y < 0) | (y != np.round(y))):
        raise StataError(f"{d.depvar} must contain nonnegative integers", 459)
    if model.likelihood in ("logit", "probit"):
        y = (y != 0).astype(float)  # Stata reads 0 as failure and every other value as success
        if np.all(y == 0) or np.all(y == 1):
            raise StataError("outcome does not vary", 2000)
    return NLBayesDesign(
        depvar=d.depvar,
        y=y,
        sample=d.sample,
        levels=d.levels,
        cols=np.ascontiguousarray(cols, dtype=float),
        trees=trees,
        pnames=[n.lstrip("/") for n in d.pnames],
        notes=d.notes,
    )
