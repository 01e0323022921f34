"""The spec of ``menl depvar = (expression)`` ([ME] menl): parameters, random effects, options.

A substitutable expression names its parameters in braces: ``{b1}`` is a fixed-effects
parameter (``{b1=190}`` gives its initial value), ``{U1[tree]}`` a random effect, one value
per level of ``tree``, and ``{xb: x1 i.g}`` a linear combination of variables (factor variables
allowed, with a constant unless ``, noconstant``; random-effect terms ``U1[tree]`` in it add
that random effect), named ``xb`` and reused as ``{xb:}``. ``define(phi: expression)`` names a
substitutable expression, used as ``{phi:}`` in the model or in other definitions. Random
effects may sit at several levels, nested (``{U2[id>visit]}``) or crossed, each level's effects
with any of the four covariance structures; residual-covariance structures are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..errors import StataError
from ..syntax.ast import (
    Binary,
    Call,
    Command,
    Expr,
    InRange,
    NonlinearModel,
    Num,
    ParamItem,
    ParamRef,
    Subscript,
    Term,
    Unary,
)
from ..syntax.expr import nodes

__all__ = [
    "LinComb",
    "NonlinearSpec",
    "RELevelSpec",
    "build_menl",
    "collect_params",
    "expand",
    "param_refs",
]

_COVS = {
    "independent": 3,
    "exchangeable": 2,
    "identity": 2,
    "unstructured": 2,
}


@dataclass(frozen=True)
class LinComb:
    """``{xb: x1 i.g}``: the linear combination ``xb`` of the terms (and a constant)."""

    name: str
    terms: tuple[Term, ...]
    constant: bool = True


@dataclass(frozen=True)
class RELevelSpec:
    """The random effects ``{U1[id]}`` of one level: the level's path (``("id",)``, or
    ``("id1", "id2")`` for ``{U[id1>id2]}``), their names, and their covariance structure."""

    path: tuple[str, ...]
    reffects: tuple[str, ...]
    covariance: str = "independent"


@dataclass(frozen=True)
class NonlinearSpec:
    """``menl`` as typed: the expression, its parameters and the estimation options."""

    depvar: str
    expr: Expr
    expr_text: str
    fixed: tuple[str, ...]  # scalar fixed-effects parameters, in order of first appearance
    reffects: tuple[str, ...]  # random effects' names (U1, C ...), level by level
    levels: tuple[RELevelSpec, ...] = ()  # outermost first
    init: dict = field(default_factory=dict, compare=False)  # name -> initial value
    reml: bool = False
    if_: Expr | None = None
    in_: InRange | None = None
    options: dict = field(default_factory=dict, compare=False)
    #: linear combinations; in ``expr`` each is the reference ``{name:}``
    lincombs: tuple[LinComb, ...] = ()


def param_refs(e: Expr):
    """Every ``{...}`` reference of an expression, depth first."""
    return (x for x in nodes(e) if isinstance(x, ParamRef))


def _number(e: Expr | None) -> float | None:
    if isinstance(e, Num):
        return float(e.value)
    if isinstance(e, Unary) and e.op == "-" and isinstance(e.operand, Num):
        return -float(e.operand.value)
    return None


def _covariance(text: str, levels: dict[tuple[str, ...], list[str]]) -> tuple[tuple, str]:
    """``covariance(U1 U2, unstructured)``: the level of the listed random effects and the
    structure (minimal abbreviations as Stata's)."""
    body, _, kind = text.partition(",")
    kind = kind.strip().lower()
    listed = body.split()
    if not kind:
        raise StataError(f"covariance({text}) invalid: covariance structure expected", 198)
    full = [k for k, m in _COVS.items() if len(kind) >= m and k.startswith(kind)]
    if not full:
        raise StataError(f"covariance({text}) invalid: unknown structure {kind}", 198)
    where = {n: path for path, names in levels.items() for n in names}
    unknown = [u for u in listed if u not in where]
    if unknown:
        raise StataError(f"covariance(): random effect {unknown[0]} not found in the model", 198)
    if len(listed) < 2:
        raise StataError("covariance() requires at least two random effects", 198)
    paths = {where[u] for u in listed}
    if len(paths) > 1:
        raise StataError(f"covariance({text}): the random effects are at different levels", 198)
    path = paths.pop()
    if set(listed) != set(levels[path]):
        raise StataError(
            "covariance() for some of the random effects at a level is not available in "
            "bayes_magic yet; list all of " + " ".join(levels[path]),
            198,
        )
    return path, full[0]


def _initial(text: str, known: tuple[str, ...], lincombs: tuple) -> dict[str, float]:
    """``initial(b1 190 b2 700)``: name-value pairs; names as ``b1``, ``/b1`` or ``{b1}``, and
    a linear combination's coefficients as ``xb:x1`` (checked against the design later)."""
    words = text.replace(",", " ").split()
    if len(words) % 2:
        raise StataError(f"initial({text}) invalid: name and value pairs expected", 198)
    eqs = {lc.name for lc in lincombs}
    out: dict[str, float] = {}
    for name, value in zip(words[::2], words[1::2]):
        nm = name.strip("{}").lstrip("/")
        if nm not in known and nm.partition(":")[0] not in eqs:
            raise StataError(f"initial(): parameter {name} not found in the model", 198)
        try:
            out[nm] = float(value)
        except ValueError:
            raise StataError(f"initial(): {value} found where number expected", 198) from None
    return out


_REFUSED = {
    "rescovariance": "rescovariance()",
    "resvariance": "resvariance()",
    "rescorrelation": "rescorrelation()",
    "tsorder": "tsorder()",
    "tsinit": "tsinit()",
    "nostderr": "nostderr",
    "vce": "vce()",
    "estmetric": "estmetric",
    "emiterate": "emiterate()",
    "emtolerance": "emtolerance()",
    "emlog": "emlog",
    "pnlsopts": "pnlsopts()",
    "lmeopts": "lmeopts()",
}


def _map(e: Expr, f) -> Expr:
    """``e`` with each ``{...}`` reference r replaced by ``f(r)``."""
    if isinstance(e, ParamRef):
        return f(e)
    if isinstance(e, Unary):
        return replace(e, operand=_map(e.operand, f))
    if isinstance(e, Binary):
        return replace(e, left=_map(e.left, f), right=_map(e.right, f))
    if isinstance(e, Call):
        return replace(e, args=tuple(_map(a, f) for a in e.args))
    if isinstance(e, Subscript):
        return replace(e, index=_map(e.index, f))
    return e


def _defines(cmd: Command) -> dict[str, Expr]:
    """``define(name: expression)``, repeatable ([ME] menl, option define())."""
    from ..syntax.expr import parse_expr_text

    out: dict[str, Expr] = {}
    for o in cmd.options:
        if o.name != "define":
            continue
        text = str(o.value)
        name, colon, body = text.partition(":")
        name = name.strip()
        if not colon or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or not body.strip():
            raise StataError(f"define({text}) invalid: name: expression expected", 198)
        if name in out:
            raise StataError(f"define(): {name} defined more than once", 198)
        out[name] = parse_expr_text(body.strip())
    return out


def _lincomb(ref: ParamRef) -> tuple[LinComb, list[Expr]] | None:
    """``{xb: x1 i.g U1[id]}`` as a linear combination and its random-effect references; None
    for any other reference."""
    from ..syntax.varlist import parse_term_text

    eqs = {it.eq for it in ref.items}
    if len(eqs) != 1 or None in eqs or (len(ref.items) == 1 and ref.items[0].name is None):
        return None
    eq = ref.items[0].eq or ""
    terms: list[Term] = []
    extra: list[Expr] = []
    for it in ref.items:
        if it.index is not None and "#" in (it.name or ""):
            raise StataError(
                f"{ref}: random slopes in a linear combination ({it.name}[{it.index}]) are not "
                "available in bayes_magic's menl yet; write {U1[id]}*x",
                198,
                span=ref.span,
            )
        if it.index is not None:
            extra.append(ParamRef((ParamItem(None, it.name, it.index),), span=ref.span))
        else:
            terms += parse_term_text(it.name or "", ref.span, "", factor=True)
    return LinComb(eq, tuple(terms), not ref.noconstant), extra


def expand(expr: Expr, defines: dict[str, Expr]) -> tuple[Expr, tuple[LinComb, ...]]:
    """Substitute the definitions ``{phi:}`` and turn each linear combination ``{xb: x1 x2}``
    into the reference ``{xb:}`` (plus the random effects it lists)."""
    lincombs: dict[str, LinComb] = {}
    for e in (expr, *defines.values()):
        for ref in param_refs(e):
            got = _lincomb(ref)
            if got is None:
                continue
            lc = got[0]
            if lc.name in defines:
                raise StataError(
                    f"{ref}: {lc.name} is both defined and a linear combination", 198, span=ref.span
                )
            if lincombs.get(lc.name, lc) != lc:
                raise StataError(
                    f"{ref}: linear combination {lc.name} is defined more than once",
                    198,
                    span=ref.span,
                )
            lincombs[lc.name] = lc

    def visit(ref: ParamRef, stack: tuple[str, ...]) -> Expr:
        got = _lincomb(ref)
        if got is not None:
            out: Expr = ParamRef((ParamItem(got[0].name, None),), span=ref.span)
            for x in got[1]:
                out = Binary("+", out, x, ref.span)
            return out
        if len(ref.items) == 1 and ref.items[0].name is None and ref.items[0].eq is not None:
            eq = ref.items[0].eq  # {phi:}
            if eq in defines:
                if eq in stack:
                    raise StataError(f"define(): {eq} refers to itself", 198, span=ref.span)
                return _map(defines[eq], lambda r: visit(r, (*stack, eq)))
            if eq not in lincombs:
                raise StataError(f"{ref}: {eq} is not defined", 198, span=ref.span)
        return ref

    return _map(expr, lambda r: visit(r, ())), tuple(lincombs.values())


def collect_params(
    expr: Expr,
) -> tuple[list[str], dict[tuple[str, ...], list[str]], dict[str, float]]:
    """The scalar parameters of an expanded expression (in order of first appearance), its
    random effects by level path, and the initial values written ``{b1=190}``.

    Shared by ``menl`` and the nonlinear ``bayesmh``: both read ``{b1}`` as a scalar parameter
    and ``{U1[id]}`` as a random effect at level ``id``.
    """
    fixed: list[str] = []
    levels: dict[tuple[str, ...], list[str]] = {}  # level path -> its random effects
    where: dict[str, tuple[str, ...]] = {}
    init: dict[str, float] = {}
    for ref in param_refs(expr):
        if len(ref.items) == 1 and ref.items[0].name is None:
            continue  # a linear combination {xb:}
        if len(ref.items) != 1 or ref.matrix:
            raise StataError(
                f"{ref}: a substitutable expression takes one scalar parameter or random effect "
                "per braces",
                198,
                span=ref.span,
            )
        it = ref.items[0]
        name = it.name or ""
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise StataError(f"invalid parameter name {name}", 198, span=ref.span)
        if it.index is None:
            if name in where:
                raise StataError(
                    f"{{{name}}} is a random effect; write it {{{name}[{'>'.join(where[name])}]}}",
                    198,
                    span=ref.span,
                )
            if name not in fixed:
                fixed.append(name)
            if ref.init is not None:
                v = _number(ref.init)
                if v is None:
                    raise StataError(
                        f"{{{name}=...}}: the initial value must be a number", 198, span=ref.span
                    )
                init[name] = v
            continue
        path = tuple(p.strip() for p in it.index.split(">"))
        if not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", p) for p in path):
            raise StataError(f"{ref}: invalid level specification", 198, span=ref.span)
        if len(set(path)) != len(path):
            raise StataError(f"{ref}: a level variable is repeated", 198, span=ref.span)
        if ref.init is not None:
            raise StataError(f"{ref}: random effects take no initial value", 198)
        if name in fixed:
            raise StataError(
                f"{{{name}}} is used both as a parameter and as a random effect",
                198,
                span=ref.span,
            )
        if where.get(name, path) != path:
            raise StataError(
                f"{ref}: random effect {name} is already used at level {'>'.join(where[name])}",
                198,
                span=ref.span,
            )
        where[name] = path
        if name not in levels.setdefault(path, []):
            levels[path].append(name)
    return fixed, levels, init


def build_menl(cmd: Command) -> NonlinearSpec:
    """The spec of a parsed ``menl`` command ([ME] menl, Syntax).

    Raises
    ------
    StataError
        r(198) for a parameter form or option this version does not fit, naming it.
    """
    body = cmd.body
    assert isinstance(body, NonlinearModel)
    for o in cmd.options:
        if o.name in _REFUSED:
            raise StataError(
                f"option {_REFUSED[o.name]} is not available in bayes_magic's menl yet", 198
            )
    if cmd.has("reml") and cmd.has("mle"):
        raise StataError("options mle and reml may not be combined", 184)
    if cmd.weight is not None:
        raise StataError("weights not allowed", 101)
    expr, lincombs = expand(body.expr, _defines(cmd))
    fixed, levels, init = collect_params(expr)
    used = {r.items[0].eq for r in param_refs(expr) if r.items[0].name is None}
    lincombs = tuple(lc for lc in lincombs if lc.name in used)  # define()s used nowhere: unused
    if not fixed and not lincombs:
        raise StataError("the expression has no {parameters} to estimate", 198)
    covs: dict[tuple[str, ...], str] = {}
    for o in cmd.options:
        if o.name != "covariance":
            continue
        if not levels:
            raise StataError("covariance() requires random effects", 198)
        path, kind = _covariance(str(o.value), levels)
        if path in covs:
            raise StataError(f"covariance() given twice for level {'>'.join(path)}", 198)
        covs[path] = kind
    # outer levels first (shorter paths), then in order of appearance
    order = sorted(levels, key=lambda p: (len(p), list(levels).index(p)))
    level_specs = tuple(RELevelSpec(p, tuple(levels[p]), covs.get(p, "independent")) for p in order)
    if cmd.has("initial"):
        init.update(_initial(str(cmd.option("initial")), tuple(fixed), tuple(lincombs)))
    return NonlinearSpec(
        depvar=body.depvar,
        expr=expr,
        expr_text=body.text,
        fixed=tuple(fixed),
        reffects=tuple(n for lv in level_specs for n in lv.reffects),
        levels=level_specs,
        init=init,
        reml=cmd.has("reml"),
        if_=cmd.if_,
        in_=cmd.in_,
        options={o.name: o.value for o in cmd.options},
        lincombs=lincombs,
    )
