"""The design of a nonlinear mixed model (``menl``): y, the groups, and the mean function.

The estimation sample drops observations outside ``if``/``in`` and those with a missing value in
the dependent variable, any variable the expression reads, or a level variable ([ME] menl,
listwise deletion as ``e(sample)``). The mean function f(β, b) evaluates the user's expression
with Stata's functions and missing-value rules (:mod:`bayes_magic.dataset.evaluate`), with
``{b1}`` replaced by the value of that parameter and ``{U1[id]}`` by each observation's group's
random effect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..dataset.dataset import Dataset
from ..dataset.evaluate import Context, evaluate, references
from ..dataset.varnames import resolve
from ..errors import StataError
from ..spec.nonlinear import NonlinearSpec
from ..syntax.ast import ParamRef
from .factors import Column, term_variables
from .mixed import fixed_design, group_codes
from .newdata import fixed_columns

__all__ = ["NLLevel", "NonlinearDesign", "build_nonlinear_design", "group_index", "mean_function"]

MeanFunction = Callable[[np.ndarray, list[np.ndarray]], np.ndarray]


@dataclass
class NLLevel:
    """The random effects of one level over the sample.

    ``path`` holds the level variables (``("id1", "id2")`` for ``{U[id1>id2]}``: groups are
    their combinations), ``groups`` each observation's group (0..G-1), ``ids`` the path's
    values of each group.
    """

    path: tuple[str, ...]
    reffects: tuple[str, ...]
    covariance: str
    groups: np.ndarray
    ids: list

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def G(self) -> int:
        return len(self.ids)

    @property
    def q(self) -> int:
        return len(self.reffects)

    def sizes(self) -> np.ndarray:
        """Observations per group."""
        return np.bincount(self.groups, minlength=self.G)


@dataclass
class NonlinearDesign:
    """Arrays of a nonlinear mixed model over its estimation sample.

    Attributes
    ----------
    levels
        The random effects, level by level (outermost first).
    f
        The mean function over the sample: ``f(beta, Bs)`` with ``beta`` the fixed parameters
        (in ``pnames`` order) and ``Bs`` each level's G-by-q random effects.
    pnames
        ``e(b)``'s names of the fixed parameters: each linear combination's coefficients
        (``xb:x1``, ``xb:_cons``), then the scalar parameters (``/b1``).
    equations
        Each linear combination's name, design columns (base and omitted levels included) and
        the positions in ``beta`` of its estimated columns.
    """

    depvar: str
    y: np.ndarray
    sample: np.ndarray
    fixed: tuple[str, ...]
    levels: list[NLLevel]
    f: MeanFunction
    pnames: list[str]
    equations: list[tuple[str, list[Column], list[int]]]
    notes: list[str]

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def q(self) -> int:
        return sum(lv.q for lv in self.levels)

    @property
    def reffects(self) -> tuple[str, ...]:
        return tuple(n for lv in self.levels for n in lv.reffects)

    def zero_effects(self) -> list[np.ndarray]:
        return [np.zeros((lv.G, lv.q)) for lv in self.levels]

    @property
    def p(self) -> int:
        return len(self.pnames)

    def lincomb_names(self) -> dict[str, list[str]]:
        """Each linear combination's estimated columns (``x1``, ``2.g``, ``_cons``)."""
        return {eq: [self.pnames[k].split(":", 1)[1] for k in pos] for eq, _, pos in self.equations}


def mean_function(
    ds: Dataset, spec: NonlinearSpec, rows: np.ndarray, lincomb_names: dict[str, list[str]]
) -> Callable:
    """The expression at ``rows`` as a function of the parameters: ``f(beta, Brows)`` where
    ``beta`` holds the linear combinations' coefficients (named in ``lincomb_names``, in
    order) then the scalar parameters, and ``Brows`` each row's random effects (rows-by-q; NaN
    where a row's group has none)."""
    X: dict[str, np.ndarray] = {}
    spans: dict[str, slice] = {}
    k = 0
    for lc in spec.lincombs:
        names = lincomb_names[lc.name]
        X[lc.name] = fixed_columns(ds, names)[rows]
        spans[lc.name] = slice(k, k + len(names))
        k += len(names)
    fixed = {n: k + j for j, n in enumerate(spec.fixed)}
    reffects = {n: j for j, n in enumerate(spec.reffects)}
    current: dict = {}

    def param(ref: ParamRef) -> np.ndarray:
        it = ref.items[0]
        if it.name is None:  # {xb:}
            return X[it.eq] @ current["beta"][spans[it.eq]]
        if it.name in fixed:
            return np.full(len(rows), current["beta"][fixed[it.name]])
        return current["B"][:, reffects[it.name]].copy()

    ctx = Context(ds, rows=rows, params=param)

    def f(beta: np.ndarray, Brows: np.ndarray) -> np.ndarray:
        current["beta"], current["B"] = beta, Brows
        with np.errstate(all="ignore"):
            v = evaluate(spec.expr, ctx)
        if v.dtype == object:
            raise StataError("type mismatch: the expression is a string", 109)
        return v

    return f


def _lincomb_columns(
    ds: Dataset, spec: NonlinearSpec, sample: np.ndarray, notes: list[str]
) -> list[tuple[str, list[Column], list[int]]]:
    """Each linear combination's columns (Stata's order, base levels shown, collinear columns
    omitted as ``mixed`` does) and the positions of its estimated ones."""
    out = []
    for lc in spec.lincombs:
        cols, _X, index = fixed_design(ds, lc.terms, sample, lc.constant, notes)
        if not index:
            raise StataError(f"linear combination {lc.name} has no estimable coefficients", 198)
        out.append((lc.name, cols, index))
    return out


def build_nonlinear_design(ds: Dataset, spec: NonlinearSpec, touse: np.ndarray) -> NonlinearDesign:
    """Build the arrays of ``spec`` over the observations in ``touse``.

    Raises
    ------
    StataError
        ``variable x not found`` (r(111)), string variables (r(109)), ``no observations``
        (r(2000)).
    """
    dep = resolve(ds, spec.depvar)
    if ds.is_string(dep):
        raise StataError(
            f"string variables not allowed in varlist;\n{dep} is a string variable", 109
        )
    used = [dep]
    for lc in spec.lincombs:
        used += term_variables(ds, lc.terms)
    for name in sorted(references(spec.expr) - {"_n", "_N", "_pi", "_rc", "_b", "_se"}):
        v = resolve(ds, name, in_expr=True)
        if ds.is_string(v):
            raise StataError(f"{v} is a string variable; the expression needs numbers", 109)
        used.append(v)
    paths = [tuple(resolve(ds, v) for v in lv.path) for lv in spec.levels]
    sample = touse.copy()
    for v in dict.fromkeys([*used, *(v for p in paths for v in p)]):
        col = ds.values(v)
        sample &= (col != "") if col.dtype == object else ~np.isnan(col)
    if not sample.any():
        raise StataError("no observations", 2000)
    rows = np.flatnonzero(sample)
    levels = []
    for path, lv in zip(paths, spec.levels):
        groups, ids = group_codes(ds, list(path), sample)
        levels.append(NLLevel(path, lv.reffects, lv.covariance, groups, ids))
    notes: list[str] = []
    equations = []
    pnames: list[str] = []
    names: dict[str, list[str]] = {}
    for name, cols, index in _lincomb_columns(ds, spec, sample, notes):
        pos = list(range(len(pnames), len(pnames) + len(index)))
        names[name] = [cols[i].name for i in index]
        pnames += [f"{name}:{n}" for n in names[name]]
        equations.append((name, cols, pos))
    pnames += [f"/{n}" for n in spec.fixed]
    fr = mean_function(ds, spec, rows, names)

    def f(beta: np.ndarray, Bs: list[np.ndarray]) -> np.ndarray:
        parts = [B[lv.groups] for lv, B in zip(levels, Bs)]
        return fr(beta, np.hstack(parts) if parts else np.zeros((len(rows), 0)))

    return NonlinearDesign(
        depvar=dep,
        y=ds.values(dep)[sample].astype(float),
        sample=sample,
        fixed=spec.fixed,
        levels=levels,
        f=f,
        pnames=pnames,
        equations=equations,
        notes=notes,
    )


def group_index(ds: Dataset, lv: NLLevel) -> np.ndarray:
    """Each observation's group at level ``lv`` among the estimation sample's groups; -1 where
    its group is not among them or a level variable is missing."""
    cols = [ds.values(resolve(ds, v)).tolist() for v in lv.path]  # r(111) once dropped
    pos = {t: i for i, t in enumerate(lv.ids)}
    return np.array([pos.get(t, -1) for t in zip(*cols)], dtype=np.int64)
