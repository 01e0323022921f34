"""Factor-variable expansion: varlist terms into design columns with Stata's names.

[U] 11.4.3 Factor variables: ``i.x`` makes an indicator for each level of ``x`` but the base
(the lowest level unless ``ib#.``, ``ib(first)``, ``ib(last)``, ``ib(freq)``; none with
``ibn.``); ``c.x`` is continuous; ``#`` multiplies, ``##`` adds every lower-order term;
``2.x`` is the one indicator of level 2. Columns are named as Stata names coefficients
(``homework``, ``1.schtype``, ``0b.schtype``, ``2.a#c.x``), and base or omitted columns are kept
for display, marked, with no values.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from ..dataset.dataset import Dataset
from ..dataset.varnames import expand, resolve
from ..errors import StataError
from ..syntax.ast import FactorVar, Interaction, REVar, Term, VarName, VarRange

__all__ = ["Column", "expand_columns", "term_variables"]


@dataclass
class Column:
    """One design column.

    ``kind`` is ``"coef"`` (estimated), ``"base"`` (a factor's base level: shown as
    ``(base)``), ``"omitted"`` (collinear or ``o.``: shown as ``(omitted)``) or ``"empty"`` (a
    level without observations once ``logit`` drops a perfect predictor's). ``group`` is the
    heading a factor level is shown under (``schtype``), ``label`` its row label (``Public``).
    """

    name: str
    kind: str
    group: str | None
    label: str
    values: np.ndarray | None = None


def term_variables(ds: Dataset, terms: tuple[Term, ...]) -> list[str]:
    """Every dataset variable the terms use (for listwise deletion)."""
    out: list[str] = []

    def add(v: str) -> None:
        if v not in out:
            out.append(v)

    for t in terms:
        if isinstance(t, VarName):
            for v in expand(ds, t.name, span=t.span):
                add(v)
        elif isinstance(t, VarRange):
            cols = ds.varnames
            a, b = resolve(ds, t.first, span=t.span), resolve(ds, t.last, span=t.span)
            for v in cols[cols.index(a) : cols.index(b) + 1]:
                add(v)
        elif isinstance(t, FactorVar):
            add(resolve(ds, t.var, span=t.span))
        elif isinstance(t, Interaction):
            for x in t.terms:
                for v in term_variables(ds, (x,)):
                    add(v)
        elif isinstance(t, REVar):
            for v in t.path:
                add(resolve(ds, v, span=t.span))
    return out


@dataclass
class _Part:
    """A factor or continuous component of a (possibly interacted) term."""

    var: str
    factor: bool
    levels: list[int]  # factor levels in the design (all levels, base included)
    base: int | None
    omit: tuple[int, ...] = ()


def _numeric(ds: Dataset, v: str, span) -> np.ndarray:
    if ds.is_string(v):
        raise StataError(
            f"string variables not allowed in varlist;\n{v} is a string variable", 109, span=span
        )
    return ds.values(v)


def _factor_part(ds: Dataset, f: FactorVar, sample: np.ndarray) -> _Part:
    v = resolve(ds, f.var, span=f.span)
    x = _numeric(ds, v, f.span)[sample]
    x = x[~np.isnan(x)]
    if np.any(x != np.round(x)):
        raise StataError(
            f"{v}:  factor variables may not contain noninteger values", 452, span=f.span
        )
    if np.any(x < 0):
        raise StataError(
            f"{v}:  factor variables may not contain negative values", 452, span=f.span
        )
    levels = sorted({int(a) for a in x})
    if f.levels is not None:
        for lv in f.levels:
            if lv not in levels:
                raise StataError(f"level {lv} of factor {v} not found", 111, span=f.span)
        chosen = list(f.levels)
    else:
        chosen = levels
    base: int | None
    if f.base == "none" or (f.levels is not None and f.base is None):
        base = None
    elif f.base is None or f.base == "first":
        base = levels[0] if levels else None
    elif f.base == "last":
        base = levels[-1]
    elif f.base == "freq":
        vals, counts = np.unique(x, return_counts=True)
        base = int(vals[np.argmax(counts)])
    else:
        base = int(f.base)
        if base not in levels:
            raise StataError(f"{v}: base level {base} not found", 111, span=f.span)
    if f.levels is not None and f.base is not None and f.base != "none":
        base = int(f.base) if isinstance(f.base, int) else base
    return _Part(v, True, chosen, base, f.omit)


def _label(ds: Dataset, var: str, level: int) -> str:
    inf = ds.info[var]
    if inf.vlabel and inf.vlabel in ds.value_labels:
        lab = ds.value_labels[inf.vlabel].get(level)
        if lab is not None:
            return lab
    return str(level)


Signature = frozenset  # of (variable, is_factor) pairs: which term a column belongs to


def _columns_of(
    ds: Dataset, parts: list[_Part], present: set[Signature], constant: bool
) -> list[Column]:
    """Columns of one (interacted) term: the product of its parts' columns.

    A cell is a base cell when the term made of its non-base parts is in the model already
    (the constant for the empty term), which is how Stata's ``fvexpand`` reads ``a##b``,
    ``i.a i.a#i.b`` and a lone ``a#b`` alike ([U] 11.4.3.5): under ``##`` every cell with a factor
    at its base is covered by a lower term; a lone ``i.a#i.b`` has only its all-base cell covered
    by the constant; ``i.a#c.x`` keeps one slope per level unless ``x`` is in the model.
    """
    combos: list[list[tuple[_Part, int | None]]] = [[]]
    for p in parts:
        if p.factor:
            combos = [[*c, (p, lv)] for c in combos for lv in p.levels]
        else:
            combos = [[*c, (p, None)] for c in combos]
    out = []
    group = (
        "#".join(p.var if p.factor else f"c.{p.var}" for p in parts)
        if any(p.factor for p in parts)
        else None
    )
    for c in combos:
        name_parts, label_parts = [], []
        kind = "coef"
        vals = np.ones(ds.nobs)
        rest = Signature((p.var, p.factor) for p, lv in c if not (p.factor and lv == p.base))
        covered = (len(rest) == 0 and constant) or (
            len(rest) > 0 and len(rest) < len(parts) and rest in present
        )
        if len(parts) == 1:
            covered = True  # i.a keeps its base level (ibn. has none), as Stata does
        for p, lv in c:
            col = ds.values(p.var)
            if p.factor:
                is_base = lv == p.base and covered
                if is_base:
                    kind = "base"
                if lv in p.omit:
                    kind = "omitted"
                name_parts.append(
                    f"{lv}{'b' if is_base else ''}{'o' if lv in p.omit else ''}.{p.var}"
                )
                label_parts.append(_label(ds, p.var, lv))
                vals = vals * (col == lv)
            else:
                name_parts.append(f"c.{p.var}" if len(parts) > 1 else p.var)
                if not group:  # factor#continuous rows are labelled by the levels alone
                    label_parts.append(p.var)
                vals = vals * col
        name = "#".join(name_parts)
        if len(parts) == 1 and not parts[0].factor:
            label = parts[0].var
        else:
            label = "#".join(label_parts) if group else "#".join(f"c.{p.var}" for p in parts)
        out.append(Column(name, kind, group, label, vals if kind == "coef" else None))
    return out


def _parts_of(ds: Dataset, t: Interaction, sample: np.ndarray) -> list[_Part]:
    parts = []
    for x in t.terms:
        if isinstance(x, FactorVar) and x.op == "c":
            v = resolve(ds, x.var, span=x.span)
            _numeric(ds, v, x.span)
            parts.append(_Part(v, False, [], None))
        elif isinstance(x, FactorVar):
            parts.append(_factor_part(ds, x, sample))
        elif isinstance(x, VarName):
            parts.append(_factor_part(ds, FactorVar("i", x.name, span=x.span), sample))
        else:
            raise StataError("invalid interaction", 198, span=t.span)
    return parts


def _signatures(ds: Dataset, terms: tuple[Term, ...], sample: np.ndarray) -> set[Signature]:
    """The terms a varlist puts in the model, as sets of (variable, is_factor)."""
    out: set[Signature] = set()
    for t in terms:
        if isinstance(t, (VarName, VarRange)):
            out |= {Signature({(v, False)}) for v in term_variables(ds, (t,))}
        elif isinstance(t, FactorVar) and t.op in ("c", "i"):
            out.add(Signature({(resolve(ds, t.var, span=t.span), t.op == "i")}))
        elif isinstance(t, FactorVar) and t.op not in ("o", "R"):
            out.add(Signature({(resolve(ds, t.var, span=t.span), True)}))
        elif isinstance(t, Interaction):
            sig = [(p.var, p.factor) for p in _parts_of(ds, t, sample)]
            if t.full:
                for r in range(1, len(sig) + 1):
                    out |= {Signature(sub) for sub in combinations(sig, r)}
            else:
                out.add(Signature(sig))
    return out


def expand_columns(
    ds: Dataset, terms: tuple[Term, ...], sample: np.ndarray, *, constant: bool = True
) -> list[Column]:
    """All design columns of a fixed-effects varlist, in Stata's order."""
    present = _signatures(ds, terms, sample)
    cols: list[Column] = []
    seen: set[str] = set()

    def add(new: list[Column]) -> None:
        for c in new:
            if c.name.replace("b.", ".").replace("o.", ".") not in seen:
                seen.add(c.name.replace("b.", ".").replace("o.", "."))
                cols.append(c)

    for t in terms:
        if isinstance(t, (VarName, VarRange)):
            names = term_variables(ds, (t,))
            for v in names:
                _numeric(ds, v, t.span)
                add([Column(v, "coef", None, v, ds.values(v))])
        elif isinstance(t, FactorVar):
            if t.op == "c":
                v = resolve(ds, t.var, span=t.span)
                add([Column(v, "coef", None, v, _numeric(ds, v, t.span))])
            elif t.op == "o":
                v = resolve(ds, t.var, span=t.span)
                add([Column(f"o.{v}", "omitted", None, v, None)])
            elif t.op == "R":
                raise StataError(
                    "R. notation is only allowed in random-effects equations", 198, span=t.span
                )
            else:
                add(_columns_of(ds, [_factor_part(ds, t, sample)], present, constant))
        elif isinstance(t, Interaction):
            parts = _parts_of(ds, t, sample)
            if t.full:
                for r in range(1, len(parts) + 1):
                    for sub in combinations(parts, r):
                        add(_columns_of(ds, list(sub), present, constant))
            else:
                add(_columns_of(ds, parts, present, constant))
        elif isinstance(t, REVar):
            raise StataError(
                f"{t.name}[...] random-effects terms are only allowed in bayesmh", 198, span=t.span
            )
    return cols
