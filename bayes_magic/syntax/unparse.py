"""Write a syntax tree back as canonical Stata text.

Options get their full names (``cov(un)`` becomes ``covariance(unstructured)``), blanks are
normalised, and expressions are written with the parentheses their structure needs and no
more. Parsing the output gives the same tree back. Used by the model summary, by command echoes
and by the parser's table-driven tests.
"""

from __future__ import annotations

from typing import Any

from .ast import (
    MATRIX_ELEMENT,
    TS_OP,
    VALUE_LABEL,
    AnovaModel,
    Assignment,
    Binary,
    Call,
    Command,
    EgenCall,
    Equations,
    ExprBody,
    FactorVar,
    FileArg,
    Interaction,
    IntervalItem,
    JointItem,
    LabelDefine,
    LabeledExpr,
    MatrixLit,
    Missing,
    MultilevelModel,
    Name,
    NonlinearModel,
    Num,
    Option,
    ParamList,
    ParamRef,
    ParamsWithOptions,
    Plots,
    Prefix,
    REVar,
    Str,
    Suboptions,
    Subscript,
    Unary,
    Varlist,
    VarName,
    VarRange,
    Words,
)
from .tables import EGEN_EXP

__all__ = ["unparse", "unparse_expr", "unparse_term", "unparse_options"]

_PREC = {
    "|": 1,
    "&": 2,
    "==": 3,
    "!=": 3,
    ">": 3,
    "<": 3,
    ">=": 3,
    "<=": 3,
    "+": 4,
    "-": 4,
    "*": 5,
    "/": 5,
    "^": 7,
}


def _num(x: float) -> str:
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _prec(e: Any) -> int:
    if isinstance(e, Binary):
        return _PREC[e.op]
    if isinstance(e, Unary):
        return 6 if e.op == "-" else 8
    if isinstance(e, Num) and e.value < 0:
        return 6
    return 9


def unparse_expr(e: Any) -> str:
    """Canonical text of an expression."""
    if isinstance(e, Num):
        return _num(e.value)
    if isinstance(e, Missing):
        return "." + e.code
    if isinstance(e, Str):
        return '"' + e.value + '"' if '"' not in e.value else '`"' + e.value + "\"'"
    if isinstance(e, Name):
        return e.name
    if isinstance(e, Subscript):
        if isinstance(e.index, Str) and e.name in ("_b", "_se", "_coef"):
            return f"{e.name}[{e.index.value}]"
        return f"{e.name}[{unparse_expr(e.index)}]"
    if isinstance(e, ParamRef):
        return str(e) if e.init is None else str(e)[:-1] + "=" + unparse_expr(e.init) + "}"
    if isinstance(e, Call) and e.func == TS_OP:
        ops, var = e.args
        return f"{ops.value}.{var.name}"  # type: ignore[union-attr]
    if isinstance(e, Call) and e.func == VALUE_LABEL:
        text, lab = e.args
        return f'"{text.value}":{lab.value}'  # type: ignore[union-attr]
    if isinstance(e, Call) and e.func == MATRIX_ELEMENT:
        name, r, c = e.args
        return f"{unparse_expr(name)}[{unparse_expr(r)},{unparse_expr(c)}]"
    if isinstance(e, Call):
        return (
            ("@" if e.at else "") + f"{e.func}(" + ",".join(unparse_expr(a) for a in e.args) + ")"
        )
    if isinstance(e, Unary):
        inner = unparse_expr(e.operand)
        if _prec(e.operand) < _prec(e) or (e.op == "-" and _prec(e.operand) == 6):
            inner = f"({inner})"
        return ("-" if e.op == "-" else "!") + inner
    if isinstance(e, Binary):
        p = _PREC[e.op]
        left = unparse_expr(e.left)
        right = unparse_expr(e.right)
        if _prec(e.left) < p:
            left = f"({left})"
        if _prec(e.right) <= p:
            right = f"({right})"
        sp = " " if p <= 4 else ""
        return f"{left}{sp}{e.op}{sp}{right}"
    if isinstance(e, MatrixLit):
        return "(" + "\\".join(",".join(unparse_expr(c) for c in r) for r in e.rows) + ")"
    if isinstance(e, LabeledExpr):
        return "(" + (f"{e.label}: " if e.label else "") + unparse_expr(e.expr) + ")"
    if isinstance(e, IntervalItem):
        head = unparse_expr(e.target) + ("" if e.equal is None else f"=={e.equal:g}")
        return f"({head}, {unparse_options(e.options)})" if e.options else f"({head})"
    if isinstance(e, JointItem):
        return "(" + " ".join(unparse_expr(i) for i in e.items) + ", joint)"
    raise TypeError(type(e))


def _base(b: Any) -> str:
    if b is None:
        return ""
    if b == "none":
        return "bn"
    if isinstance(b, int):
        return f"b{b}"
    return f"b({b})"


def unparse_term(t: Any) -> str:
    """Canonical text of a varlist term."""
    if isinstance(t, VarName):
        return t.name
    if isinstance(t, VarRange):
        return f"{t.first}-{t.last}"
    if isinstance(t, REVar):
        return f"{t.name}[{'>'.join(t.path)}]"
    if isinstance(t, Interaction):
        return ("##" if t.full else "#").join(unparse_term(x) for x in t.terms)
    if isinstance(t, FactorVar):
        if t.op in ("c", "o", "R"):
            return f"{t.op}.{t.var}"
        if t.levels is not None and len(t.levels) == 1:
            lv = t.levels[0]
            if t.omit == (lv,) and t.base is None:
                return f"{lv}o.{t.var}"
            if not t.omit and t.base in (None, lv, "none"):
                mark = {None: "", lv: "b", "none": "bn"}[t.base]
                return f"{lv}{mark}.{t.var}"
        s = "i" + _base(t.base)
        if t.levels is not None:
            s += "(" + " ".join(map(str, t.levels)) + ")"
        elif t.omit:
            s += "o(" + " ".join(map(str, t.omit)) + ")"
        return f"{s}.{t.var}"
    raise TypeError(type(t))


def _value(v: Any) -> str:
    if isinstance(v, ParamsWithOptions):
        parts = " ".join(unparse_expr(p) for p in v.params)
        if v.dist is not None:
            parts = (parts + ", " if parts else "") + unparse_expr(v.dist)
        if v.options.options:
            parts += ", " + unparse_options(v.options.options)
        return parts
    if isinstance(v, FileArg):
        return v.path + (", " + unparse_options(v.options.options) if v.options.options else "")
    if isinstance(v, Suboptions):
        return unparse_options(v.options)
    if isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], bool):  # lower()/upper()
        return _num(v[0]) + (", inclusive" if v[1] else "")
    if isinstance(v, tuple) and v and all(isinstance(x, float) for x in v):
        return " ".join("." if x != x else _num(x) for x in v)
    if (
        isinstance(v, tuple)
        and v
        and isinstance(v[0], str)
        and len(v) == 2
        and v[0] in ("fixed", "pattern")
    ):
        return f"{v[0]}({v[1]})"
    if isinstance(v, tuple):
        return " ".join(unparse_term(x) if not isinstance(x, str) else x for x in v)
    if isinstance(v, float):
        return "." if v != v else _num(v)
    if isinstance(v, (Num, Name, Call, Binary, Unary, Str, ParamRef)):
        return unparse_expr(v)
    return str(v)


def unparse_options(opts: tuple[Option, ...]) -> str:
    out = []
    for o in opts:
        empty = isinstance(o.value, ParamsWithOptions) and not (
            o.value.params or o.value.dist is not None or o.value.options.options
        )
        if o.value is True or empty:
            out.append(o.name)
        else:
            out.append(f"{o.name}({_value(o.value)})")
    return " ".join(out)


def _prefix(p: Prefix) -> str:
    if p.name in ("quietly", "noisily", "capture"):
        return p.name + " "
    if p.name in ("by", "bysort"):
        s = p.name + " " + " ".join(unparse_term(t) for t in p.varlist)
        if p.sortvars:
            s += " (" + " ".join(unparse_term(t) for t in p.sortvars) + ")"
        if p.options:
            s += ", " + unparse_options(p.options)
        return s + ": "
    s = p.name
    if p.options:
        s += ", " + unparse_options(p.options)
    return s + ": "


def _unique_texts(terms):
    """An anova body's terms as typed: ``i.(a b)`` is one word that gives two terms."""
    out = []
    for t in terms:
        if not out or (out[-1].text, out[-1].span) != (t.text, t.span):
            out.append(t)
    return out


def _body(b: Any, quals: str = "") -> str:
    if b is None:
        return ""
    if isinstance(b, Varlist):
        return " ".join(unparse_term(t) for t in b.terms)
    if isinstance(b, Words):
        return " ".join(b.words)
    if isinstance(b, Assignment):
        return (f"{b.type} " if b.type else "") + f"{b.name} = {unparse_expr(b.expr)}"
    if isinstance(b, EgenCall):
        if b.func in EGEN_EXP:
            args = ", ".join(unparse_expr(a) for a in b.args)
        else:
            args = " ".join(unparse_term(a) for a in b.args)
        return (f"{b.type} " if b.type else "") + f"{b.name} = {b.func}({args})"
    if isinstance(b, MultilevelModel):
        if b.depvar is None:  # replay
            return ""
        s = " ".join(unparse_term(t) for t in (b.depvar, *b.fixed)) + quals
        if b.fixed_options:
            s += ", " + unparse_options(b.fixed_options)
        for lv in b.levels:
            s += f" || {lv.level}:"
            if lv.terms:
                s += " " + " ".join(unparse_term(t) for t in lv.terms)
            if lv.options:
                s += ", " + unparse_options(lv.options)
        return s
    if isinstance(b, AnovaModel):
        if b.depvar is None:
            return ""
        return " ".join([unparse_term(b.depvar), *(t.text for t in _unique_texts(b.terms))])
    if isinstance(b, NonlinearModel):
        return f"{b.depvar} = ({unparse_expr(b.expr)})"
    if isinstance(b, Equations):
        eqs = []
        for e in b.equations:
            s = f"{e.name}: " if e.name else ""
            s += " ".join(unparse_term(t) for t in e.depvars)
            if e.expr is not None:
                s += " = (" + unparse_expr(e.expr) + ")"
            elif e.terms:
                s += " " + " ".join(unparse_term(t) for t in e.terms)
            if e.options:
                s += ", " + unparse_options(e.options)
            eqs.append(s)
        if len(eqs) == 1 and not b.equations[0].options:
            return eqs[0]
        return " ".join(f"({e})" for e in eqs)
    if isinstance(b, ParamList):
        return " ".join(unparse_expr(i) if not isinstance(i, Name) else i.name for i in b.items)
    if isinstance(b, Plots):
        return " ".join(f"({unparse(p)})" for p in b.plots)
    if isinstance(b, LabelDefine):
        return b.name + "".join(f' {v} "{t}"' for v, t in b.pairs)
    if isinstance(b, ExprBody):
        if b.expr is None:
            return ""
        if isinstance(b.expr, Call) and b.expr.func == "display":
            return " ".join(unparse_expr(a) for a in b.expr.args)
        return unparse_expr(b.expr)
    raise TypeError(type(b))


def weight_text(cmd: Command) -> str | None:
    """The weight expression as written (``e(wexp)`` without its ``= ``), or None."""
    return unparse_expr(cmd.weight.expr) if cmd.weight is not None else None


def cmdline(cmd: Command) -> str:
    """``e(cmdline)``: the command as :func:`unparse` writes it, without the ``quietly``,
    ``noisily`` and ``capture`` prefixes (which are not part of the estimation)."""
    from dataclasses import replace

    kept = tuple(p for p in cmd.prefixes if p.name not in ("quietly", "noisily", "capture"))
    return unparse(replace(cmd, prefixes=kept))


def unparse(cmd: Command) -> str:
    """Canonical Stata text of a parsed command."""
    s = "".join(_prefix(p) for p in cmd.prefixes)
    s += cmd.name + (f" {cmd.subcommand}" if cmd.subcommand else "")
    quals = ""
    if cmd.if_ is not None:
        quals += " if " + unparse_expr(cmd.if_)
    if cmd.in_ is not None:
        last = cmd.in_.last
        f = str(cmd.in_.first)  # ``in 1/100`` as typed (``f`` is 1)
        if cmd.in_.first == -1:
            f = "l"
        quals += f" in {f}" + ("" if last is None else "/" + ("l" if last == -1 else str(last)))
    if cmd.weight is not None:
        quals += f" [{cmd.weight.kind}={unparse_expr(cmd.weight.expr)}]"
    b = cmd.body
    if isinstance(b, MultilevelModel) and b.depvar is not None:
        # mixed, me*, logit ...: the qualifiers belong to the fixed-effects equation, before
        # its options; the command's options share the last equation's comma
        s += " " + _body(b, quals)
        if cmd.options:
            last_opts = b.levels[-1].options if b.levels else b.fixed_options
            s += (" " if last_opts else ", ") + unparse_options(cmd.options)
        return s
    body = _body(b)
    if body:
        s += " " + body
    s += quals
    if cmd.using is not None:
        s += f" using {cmd.using}"
    if cmd.options:
        s += ", " + unparse_options(cmd.options)
    return s
