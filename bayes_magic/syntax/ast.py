"""The syntax tree of Stata commands: frozen dataclasses, no behaviour.

A parsed command is a :class:`Command`: its prefixes (``bayes, rseed(317):``, ``by schid:``,
``quietly`` ...), its canonical name and subcommand, a body whose type depends on the command
(a varlist, a ``mixed`` model with its random-effects equations, ``bayesmh`` equations, an
assignment, a parameter list ...), the ``if``, ``in``, weight and ``using`` qualifiers, and its
options with their names resolved to the full (unabbreviated) spelling.

Every node keeps the :class:`~bayes_magic.errors.Span` of its source text, so later stages can
point errors at the text the user typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from ..errors import Span

# ---------------------------------------------------------------------------------------------
# expressions (generate, if, bayesmh substitutable expressions, prior arguments)


@dataclass(frozen=True)
class Num:
    """A numeric literal."""

    value: float
    span: Span = field(default=Span(0, 0), compare=False)
    #: the literal as typed (``.01``, ``1e-4``, ``-5``), for echoes such as bayesmh's model
    #: summary; ``None`` for numbers made by the program
    text: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Missing:
    """A missing-value literal: ``.`` (code ``""``) or ``.a`` ... ``.z``."""

    code: str = ""
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class Str:
    """A string literal."""

    value: str
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class Name:
    """A variable (or scalar) name, possibly abbreviated; also ``_n``, ``_N``, ``_pi``."""

    name: str
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class Subscript:
    """Explicit subscripting ``x[_n-1]`` (also ``_b[x]`` and ``_se[x]``)."""

    name: str
    index: Expr
    span: Span = field(default=Span(0, 0), compare=False)


#: the function a time-series operator ``L.x``, ``D2.x``, ``LD.x`` ([U] 11.4.4) is parsed
#: into: ``_tsop("L", x)``, the operators as typed (upper case) and the variable
TS_OP = "_tsop"

#: the function a matrix element ``A[r, c]`` is parsed into: ``el(A, r, c)``, but out of
#: range is an error, not missing ([P] matrix define, Subscripting)
MATRIX_ELEMENT = "_matrix_element"
#: the function name of a value-label expression ``"Lots":hwcat`` ([U] 13.11): the label's
#: text and the label set's name as its arguments
VALUE_LABEL = "_value_label"


@dataclass(frozen=True)
class Call:
    """A function call ``f(a, b)``; ``at`` marks ``@max(...)``-style functions of simulated data."""

    func: str
    args: tuple[Expr, ...]
    at: bool = False
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class Unary:
    """``-x`` or ``!x`` (``~x``)."""

    op: str
    operand: Expr
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class Binary:
    """A binary operation; ``op`` is Stata's operator with ``~=`` spelt ``!=``."""

    op: str
    left: Expr
    right: Expr
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class MatrixLit:
    """``I(2)``-style matrix constructors and ``(1,2\\3,4)`` literals, kept as calls."""

    rows: tuple[tuple[Expr, ...], ...]
    span: Span = field(default=Span(0, 0), compare=False)


# ---------------------------------------------------------------------------------------------
# parameter references {...}


@dataclass(frozen=True)
class ParamItem:
    """One parameter inside braces.

    ``{math:homework}`` is ``ParamItem(eq="math", name="homework")``; ``{math:}`` has ``name=None``
    (all of the equation); ``{U0[schid]}`` has ``index="schid"``; ``{e.math:sigma2}`` has
    ``eq="e.math"``; ``{math:1.schtype}`` has ``name="1.schtype"``.
    """

    eq: str | None
    name: str | None
    index: str | None = None

    def __str__(self) -> str:
        s = "" if self.eq is None else f"{self.eq}:"
        s += self.name or ""
        if self.index is not None:
            s += f"[{self.index}]"
        return s


@dataclass(frozen=True)
class ParamRef:
    """A ``{...}`` reference: one or more parameters, optionally a matrix or with an initial value.

    ``{U0 U1}`` has two items; ``{Sigma,matrix}`` and ``{Sigma,m}`` set ``matrix``; ``{d=0.5}``
    sets ``init``.
    """

    items: tuple[ParamItem, ...]
    matrix: bool = False
    init: Expr | None = None
    span: Span = field(default=Span(0, 0), compare=False)
    #: ``{xb: x1 x2, noconstant}``: a linear combination without its constant (``menl``)
    noconstant: bool = False

    def __str__(self) -> str:
        eqs = {i.eq for i in self.items}
        if len(eqs) == 1 and None not in eqs:
            # {math:homework 1.schtype}: one equation name for all the items
            names = " ".join(
                (i.name or "") + ("" if i.index is None else f"[{i.index}]") for i in self.items
            )
            s = f"{self.items[0].eq}:{names}"
        else:
            s = " ".join(str(i) for i in self.items)
        if self.matrix:
            s += ",matrix"
        if self.noconstant:
            s += ", noconstant"
        return "{" + s + "}"


Expr = Union[Num, Missing, Str, Name, Subscript, Call, Unary, Binary, ParamRef, MatrixLit]


@dataclass(frozen=True)
class IntervalItem:
    """``({param}, lower(#) upper(#))`` in ``bayestest interval``: a target with its own bounds."""

    target: ParamRef | LabeledExpr
    options: tuple[Option, ...]
    span: Span = field(default=Span(0, 0), compare=False)
    equal: float | None = None  # ``{param}==#``: a point hypothesis


@dataclass(frozen=True)
class JointItem:
    """``((testspec) (testspec) ..., joint)`` in ``bayestest interval``: one joint test."""

    items: tuple[Any, ...]
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class LabeledExpr:
    """``(label: expr)`` as in ``bayesstats summary (corr: ...)``; ``label`` may be None."""

    label: str | None
    expr: Expr
    text: str = field(default="", compare=False)
    span: Span = field(default=Span(0, 0), compare=False)


# ---------------------------------------------------------------------------------------------
# varlists


@dataclass(frozen=True)
class VarName:
    """A variable name or pattern (``u*``, ``x?``, ``a~b``), possibly abbreviated."""

    name: str
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class VarRange:
    """``x1-x5``: the variables from ``first`` to ``last`` in dataset order."""

    first: str
    last: str
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class FactorVar:
    """A factor-variable operator applied to one variable ([U] 11.4.3).

    ``op`` is ``"i"`` (indicators), ``"c"`` (continuous) or ``"o"`` (omitted). ``base`` is the base
    level: ``None`` for the default, an int for ``ib#.``, ``"first"``, ``"last"``, ``"freq"``, or
    ``"none"`` for ``ibn.``. ``levels`` restricts the levels (``i(1 3).x``, and ``2.x`` which is
    ``levels=(2,)`` with ``op="i"``); ``omit`` lists levels after ``io(...)``.
    """

    op: str
    var: str
    base: int | str | None = None
    levels: tuple[int, ...] | None = None
    omit: tuple[int, ...] = ()
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class REVar:
    """A random-effects term in a ``bayesmh`` varlist: ``U0[schid]``, ``R0[family>subject]``."""

    name: str
    path: tuple[str, ...]
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class Interaction:
    """``a#b`` (``full=False``) or ``a##b`` (``full=True``: main effects and interaction)."""

    terms: tuple[Term, ...]
    full: bool = False
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class StoredName:
    """An ``r(name)`` / ``e(name)`` reference where a name is expected (``svmat r(summary)``)."""

    kind: str
    name: str
    span: Span = field(default=Span(0, 0), compare=False)


Term = Union[VarName, VarRange, FactorVar, REVar, Interaction]


# ---------------------------------------------------------------------------------------------
# qualifiers and options


@dataclass(frozen=True)
class InRange:
    """``in f/l``; ``first`` and ``last`` are 1-based, negative counts from the end (``-1`` = l)."""

    first: int
    last: int | None
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class Weight:
    """``[fw=exp]``, ``[pw=exp]`` ...; ``kind`` is the full name (``fweight``, ``pweight`` ...)."""

    kind: str
    expr: Expr
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class Option:
    """An option with its full name and parsed value (``True`` for a flag)."""

    name: str
    value: Any = True
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class Suboptions:
    """Parsed arguments of an option whose argument is itself an option list."""

    options: tuple[Option, ...]

    def get(self, name: str, default: Any = None) -> Any:
        for o in reversed(self.options):
            if o.name == name:
                return o.value
        return default


@dataclass(frozen=True)
class ParamsWithOptions:
    """The argument of ``prior()`` / ``block()`` / ``showreffects()``-style options.

    ``params`` are the ``{...}`` references, ``dist`` the distribution (``prior()``: an
    expression such as ``Call("normal", ...)``; ``None`` for ``block()``), ``options`` the
    suboptions after the comma (``split``, ``gibbs`` ...).
    """

    params: tuple[ParamRef, ...]
    dist: Expr | None
    options: Suboptions


@dataclass(frozen=True)
class FileArg:
    """``saving(filename[, replace])``-style arguments."""

    path: str
    options: Suboptions


# ---------------------------------------------------------------------------------------------
# bodies


@dataclass(frozen=True)
class Varlist:
    """A plain varlist body (``describe``, ``summarize``, ``regress`` ...)."""

    terms: tuple[Term, ...]


@dataclass(frozen=True)
class AnovaTerm:
    """One ``anova`` term ([R] anova): a factor-variable term, perhaps nested (``c|t``:
    ``term`` within each cell of ``within``); ``text`` is the term as Stata labels it."""

    term: Term
    within: tuple[Term, ...] = ()
    text: str = ""
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class AnovaModel:
    """An ``anova`` body: ``depvar [term [term ...]]``; ``depvar`` None is a replay."""

    depvar: VarName | None
    terms: tuple[AnovaTerm, ...] = ()


@dataclass(frozen=True)
class Words:
    """A body of plain words (``use math``, ``estimates store m1``, ``set seed 317``)."""

    words: tuple[str, ...]
    spans: tuple[Span, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Assignment:
    """``generate [type] name = exp``, ``replace name = exp``."""

    name: str
    expr: Expr
    type: str | None = None
    text: str = field(default="", compare=False)
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class EgenCall:
    """``egen [type] name = fcn(arguments)``; ``args`` is the raw argument text and its terms."""

    name: str
    func: str
    args: tuple[Any, ...]
    argtext: str = field(default="", compare=False)
    type: str | None = None
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class LevelEq:
    """One random-effects equation of ``mixed``: ``|| level: varlist, options``.

    ``level`` is the grouping variable, or ``"_all"`` for crossed effects; ``terms`` may hold
    ``R.var`` (as ``FactorVar(op="R", ...)``).
    """

    level: str
    terms: tuple[Term, ...]
    options: tuple[Option, ...]
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class MultilevelModel:
    """A ``mixed`` / ``me*`` body: the fixed-effects equation and the random-effects equations."""

    depvar: Term | None
    fixed: tuple[Term, ...]
    fixed_options: tuple[Option, ...]
    levels: tuple[LevelEq, ...]


@dataclass(frozen=True)
class NonlinearModel:
    """``depvar = (expression)`` as in ``menl`` and ``bayesmh``."""

    depvar: str
    expr: Expr
    text: str = field(default="", compare=False)
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class Equation:
    """One ``bayesmh`` equation: a linear form ``depvar indepvars`` or ``depvar = (expr)``."""

    depvars: tuple[Term, ...]
    terms: tuple[Term, ...] = ()
    expr: Expr | None = None
    name: str | None = None
    options: tuple[Option, ...] = ()
    text: str = field(default="", compare=False)
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class Equations:
    """A ``bayesmh`` body: one or more equations."""

    equations: tuple[Equation, ...]


@dataclass(frozen=True)
class ParamList:
    """A list of parameters, ``(label: expr)`` expressions and names (``bayesstats`` ...)."""

    items: tuple[ParamRef | LabeledExpr | Name | IntervalItem, ...]


@dataclass(frozen=True)
class Plots:
    """``twoway (plot1) (plot2) ...``: each plot is a parsed :class:`Command`."""

    plots: tuple[Command, ...]
    #: ``twoway a || b ||, opts``: options after a last, empty ``||`` (the graph's, every plot's)
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class LabelDefine:
    """``label define name # "text" [# "text" ...]``."""

    name: str
    pairs: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class ExprBody:
    """A body that is one expression (``display``, ``assert``, ``count`` has none)."""

    expr: Expr | None
    text: str = field(default="", compare=False)


Body = Union[
    Varlist,
    AnovaModel,
    Words,
    Assignment,
    EgenCall,
    MultilevelModel,
    NonlinearModel,
    Equations,
    ParamList,
    Plots,
    LabelDefine,
    ExprBody,
    None,
]


@dataclass(frozen=True)
class Prefix:
    """A command prefix: ``by``/``bysort`` (with ``varlist``, ``sortvars``), ``bayes`` ..."""

    name: str
    varlist: tuple[Term, ...] = ()
    sortvars: tuple[Term, ...] = ()
    options: tuple[Option, ...] = ()
    span: Span = field(default=Span(0, 0), compare=False)


@dataclass(frozen=True)
class Command:
    """One parsed command line."""

    name: str
    subcommand: str | None = None
    body: Body = None
    prefixes: tuple[Prefix, ...] = ()
    if_: Expr | None = None
    in_: InRange | None = None
    weight: Weight | None = None
    using: str | None = None
    options: tuple[Option, ...] = ()
    text: str = field(default="", compare=False)
    span: Span = field(default=Span(0, 0), compare=False)

    def option(self, name: str, default: Any = None) -> Any:
        """The value of option ``name`` (its last occurrence), or ``default``."""
        for o in reversed(self.options):
            if o.name == name:
                return o.value
        return default

    def options_named(self, name: str) -> list[Any]:
        """Every value of a repeatable option, in order."""
        return [o.value for o in self.options if o.name == name]

    def has(self, name: str) -> bool:
        return any(o.name == name for o in self.options)

    def prefix(self, name: str) -> Prefix | None:
        for p in self.prefixes:
            if p.name == name:
                return p
        return None
