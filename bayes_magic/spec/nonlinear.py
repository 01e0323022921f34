"""The spec of ``menl depvar = (expression)`` ([ME] menl): parameters, random effects, options.

A substitutable expression names its parameters in braces: ``{b1}`` is a fixed-effects
parameter (``{b1=190}`` gives its initial value) and ``{U1[tree]}`` a random effect, one value
per level of ``tree``. This version fits random effects at one level (several effects there,
with any of the four covariance structures); linear combinations (``{xb: x1 x2}``),
``define()``, nested or crossed levels and residual-covariance structures are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import StataError
from ..syntax.ast import (
    Binary,
    Call,
    Command,
    Expr,
    InRange,
    NonlinearModel,
    Num,
    ParamRef,
    Subscript,
    Unary,
)

__all__ = ["NonlinearSpec", "build_menl", "param_refs"]

_COVS = {
    "independent": 3,
    "exchangeable": 3,
    "identity": 2,
    "unstructured": 2,
}


@dataclass(frozen=True)
class NonlinearSpec:
    """``menl`` as typed: the expression, its parameters and the estimation options."""

    depvar: str
    expr: Expr
    expr_text: str
    fixed: tuple[str, ...]  # fixed-effects parameters, in order of first appearance
    reffects: tuple[str, ...]  # random effects' names (U1, C ...), in order of appearance
    level: str | None  # the level variable of the random effects
    covariance: str = "independent"
    init: dict = field(default_factory=dict, compare=False)  # name -> initial value
    reml: bool = False
    if_: Expr | None = None
    in_: InRange | None = None
    options: dict = field(default_factory=dict, compare=False)


def param_refs(e: Expr):
    """Every ``{...}`` reference of an expression, depth first."""
    if isinstance(e, ParamRef):
        yield e
    elif isinstance(e, Unary):
        yield from param_refs(e.operand)
    elif isinstance(e, Binary):
        yield from param_refs(e.left)
        yield from param_refs(e.right)
    elif isinstance(e, Call):
        for a in e.args:
            yield from param_refs(a)
    elif isinstance(e, Subscript):
        yield from param_refs(e.index)


def _number(e: Expr | None) -> float | None:
    if isinstance(e, Num):
        return float(e.value)
    if isinstance(e, Unary) and e.op == "-" and isinstance(e.operand, Num):
        return -float(e.operand.value)
    return None


def _covariance(text: str, names: tuple[str, ...]) -> str:
    """``covariance(U1 U2, unstructured)``: the structure (minimal abbreviations as Stata's)."""
    body, _, kind = text.partition(",")
    kind = kind.strip().lower()
    listed = body.split()
    if not kind:
        raise StataError(f"covariance({text}) invalid: covariance structure expected", 198)
    full = [k for k, m in _COVS.items() if len(kind) >= m and k.startswith(kind)]
    if not full:
        raise StataError(f"covariance({text}) invalid: unknown structure {kind}", 198)
    unknown = [u for u in listed if u not in names]
    if unknown:
        raise StataError(f"covariance(): random effect {unknown[0]} not found in the model", 198)
    if len(listed) < 2:
        raise StataError("covariance() requires at least two random effects", 198)
    if set(listed) != set(names):
        raise StataError(
            "covariance() for some of the random effects at a level is not available in "
            "bayes_magic yet; list all of " + " ".join(names),
            198,
        )
    return full[0]


def _initial(text: str, known: tuple[str, ...]) -> dict[str, float]:
    """``initial(b1 190 b2 700)``: name-value pairs; names as ``b1``, ``/b1`` or ``{b1}``."""
    words = text.replace(",", " ").split()
    if len(words) % 2:
        raise StataError(f"initial({text}) invalid: name and value pairs expected", 198)
    out: dict[str, float] = {}
    for name, value in zip(words[::2], words[1::2]):
        nm = name.strip("{}").lstrip("/")
        if nm not in known:
            raise StataError(f"initial(): parameter {name} not found in the model", 198)
        try:
            out[nm] = float(value)
        except ValueError:
            raise StataError(f"initial(): {value} found where number expected", 198) from None
    return out


_REFUSED = {
    "define": "define()",
    "rescovariance": "rescovariance()",
    "resvariance": "resvariance()",
    "rescorrelation": "rescorrelation()",
    "tsorder": "tsorder()",
    "tsinit": "tsinit()",
    "nostderr": "nostderr",
    "vce": "vce()",
}


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
    fixed: list[str] = []
    reffects: list[str] = []
    level: str | None = None
    init: dict[str, float] = {}
    for ref in param_refs(body.expr):
        if len(ref.items) != 1 or ref.matrix:
            raise StataError(
                f"{ref}: menl takes one scalar parameter or random effect per braces",
                198,
                span=ref.span,
            )
        it = ref.items[0]
        if it.eq is not None:
            raise StataError(
                f"{ref}: linear combinations and equation names are not available in "
                "bayes_magic's menl yet; write each coefficient as its own {name}",
                198,
                span=ref.span,
            )
        name = it.name or ""
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise StataError(f"invalid parameter name {name}", 198, span=ref.span)
        if it.index is None:
            if name in reffects:
                raise StataError(
                    f"{{{name}}} is a random effect; write it {{{name}[{level}]}}",
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
        idx = it.index.strip()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", idx):
            raise StataError(
                f"{ref}: nested or crossed random effects are not available in "
                "bayes_magic's menl yet",
                198,
                span=ref.span,
            )
        if ref.init is not None:
            raise StataError(f"{ref}: random effects take no initial value", 198)
        if name in fixed:
            raise StataError(
                f"{{{name}}} is used both as a parameter and as a random effect",
                198,
                span=ref.span,
            )
        if level is not None and idx != level:
            raise StataError(
                f"{ref}: random effects at more than one level ({level}, {idx}) are not "
                "available in bayes_magic's menl yet",
                198,
                span=ref.span,
            )
        level = idx
        if name not in reffects:
            reffects.append(name)
    if not fixed:
        raise StataError("the expression has no {parameters} to estimate", 198)
    cov = "independent"
    covs = [o.value for o in cmd.options if o.name == "covariance"]
    if len(covs) > 1:
        raise StataError("option covariance() may be specified once in this version", 198)
    if covs:
        if not reffects:
            raise StataError("covariance() requires random effects", 198)
        cov = _covariance(str(covs[0]), tuple(reffects))
    if cmd.has("initial"):
        init.update(_initial(str(cmd.option("initial")), tuple(fixed)))
    return NonlinearSpec(
        depvar=body.depvar,
        expr=body.expr,
        expr_text=body.text,
        fixed=tuple(fixed),
        reffects=tuple(reffects),
        level=level,
        covariance=cov,
        init=init,
        reml=cmd.has("reml"),
        if_=cmd.if_,
        in_=cmd.in_,
        options={o.name: o.value for o in cmd.options},
    )
