"""Prior distributions as written in ``prior()`` and ``likelihood()`` ([BAYES] bayesmh).

A :class:`Prior` is a family name and its arguments; an argument is a number, a parameter
reference (``{Sigma}``, ``{U:Sigma,m}``), or a matrix (``I(2)``). The family name accepts Stata's
abbreviations and the talk's ``mvn0...`` spellings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import numpy as np

from ..errors import StataError
from ..syntax.ast import Binary, Call, Expr, MatrixLit, Name, Num, ParamRef, Unary
from ..syntax.unparse import unparse_expr

__all__ = ["Prior", "prior_from_expr", "FAMILIES", "MatrixArg", "names_from"]

# name -> (minimal abbreviation, number of arguments or None for a variable count)
FAMILIES: dict[str, tuple[int, int | None]] = {
    "normal": (4, 2),
    "t": (1, 3),
    "lognormal": (7, 2),
    "lnormal": (5, 2),
    "uniform": (4, 2),
    "gamma": (5, 2),
    "igamma": (6, 2),
    "exponential": (3, 1),
    "beta": (4, 2),
    "laplace": (7, 2),
    "cauchy": (6, 2),
    "chi2": (4, 1),
    "pareto": (6, 2),
    "jeffreys": (4, None),  # jeffreys or jeffreys(d)
    "flat": (4, 0),
    "bernoulli": (4, 1),
    "geometric": (9, 1),
    "index": (5, None),
    "poisson": (4, 1),
    "mvnormal": (3, None),
    "mvnormal0": (9, 2),
    "mvn0": (4, 2),
    "mvnexchangeable": (15, 4),
    "mvnindependent": (14, None),
    "mvnidentity": (11, 3),
    "mvn0exchangeable": (16, 3),
    "mvnexchangeable0": (16, 3),
    "mvn0independent": (15, None),
    "mvnindependent0": (15, None),
    "mvn0identity": (12, 2),
    "mvnidentity0": (12, 2),
    "mvnscaled": (9, 4),
    "zellnersg": (9, 4),
    "zellnersg0": (10, 3),
    "dirichlet": (9, None),
    "wishart": (4, 3),
    "iwishart": (5, 3),
    "density": (4, 1),
    "logdensity": (7, 1),
}
_CANONICAL = {"lnormal": "lognormal", "mvn0": "mvnormal0"}


@dataclass(frozen=True)
class MatrixArg:
    """A matrix argument: ``I(d)`` or a literal, as rows of numbers."""

    rows: tuple[tuple[float, ...], ...]
    #: the matrix's name when it was given by name (shown as Stata shows it), else ""
    name: str = field(default="", compare=False)

    @property
    def d(self) -> int:
        return len(self.rows)

    def __str__(self) -> str:
        if self.name:
            return self.name
        d = self.d
        if all(self.rows[i][j] == (1.0 if i == j else 0.0) for i in range(d) for j in range(d)):
            return f"I({d})"
        return "(" + "\\".join(",".join(f"{x:g}" for x in r) for r in self.rows) + ")"


Arg = float | ParamRef | MatrixArg | Expr


@dataclass(frozen=True)
class Prior:
    """A prior distribution: ``family`` (canonical name) and ``args``."""

    family: str
    args: tuple[Arg, ...]
    text: str = ""

    def number(self, i: int) -> float:
        a = self.args[i]
        if not isinstance(a, float):
            raise StataError(f"{self.family}(): argument {i + 1} must be a number here", 198)
        return a

    @property
    def numeric(self) -> bool:
        return all(isinstance(a, float) for a in self.args)

    def __str__(self) -> str:
        return self.text or self.family


def _resolve_family(word: str) -> str | None:
    if word in FAMILIES:
        return _CANONICAL.get(word, word)
    hits = [f for f, (m, _) in FAMILIES.items() if len(word) >= m and f.startswith(word)]
    if len(hits) == 1:
        return _CANONICAL.get(hits[0], hits[0])
    return None


#: how a name in a prior's arguments is looked up while a model is built: the session's
#: matrices (``matrix S = ...`` then ``mvnormal0(3,S)``) and scalars
_NAMES: ContextVar[Callable[[str], object] | None] = ContextVar("prior_names", default=None)


@contextmanager
def names_from(lookup: Callable[[str], object]) -> Iterator[None]:
    """Resolve names in ``prior()`` arguments with ``lookup`` (a number, a matrix of rows, or
    None) while building a model."""
    token = _NAMES.set(lookup)
    try:
        yield
    finally:
        _NAMES.reset(token)


def _const(e: Expr) -> float | np.ndarray | None:
    """A constant argument: numbers, ``I(d)``, ``(1,0\\0,1)``, a named matrix or scalar, and
    arithmetic of them (``100*I(3)``, ``10^2``); None for anything else."""
    if isinstance(e, Num):
        return float(e.value)
    if isinstance(e, Unary) and e.op == "-":
        v = _const(e.operand)
        return None if v is None else -v
    if isinstance(e, Call) and e.func == "I" and len(e.args) == 1:
        d = _const(e.args[0])
        if not isinstance(d, float) or d != int(d):
            return None
        if d < 1:
            raise StataError("I(): dimension must be positive", 198)
        return np.eye(int(d))
    if isinstance(e, MatrixLit):
        rows = [[_const(x) for x in r] for r in e.rows]
        if any(not isinstance(x, float) for r in rows for x in r):
            return None
        if len({len(r) for r in rows}) != 1:
            raise StataError("matrix: rows of different lengths", 503)
        return np.array(rows, dtype=float)
    if isinstance(e, Name):
        lookup = _NAMES.get()
        v = lookup(e.name) if lookup is not None else None
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return float(v)
        if isinstance(v, np.ndarray):
            return np.atleast_2d(np.asarray(v, dtype=float))
        raise StataError(f"matrix {e.name} not found", 111, span=e.span)
    if isinstance(e, Binary) and e.op in ("+", "-", "*", "/", "^"):
        a, b = _const(e.left), _const(e.right)
        if a is None or b is None:
            return None
        both = isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
        if e.op == "*":
            return a @ b if both else a * b
        if e.op == "/" and not isinstance(b, np.ndarray):
            return a / b
        if e.op == "^" and not isinstance(a, np.ndarray) and not isinstance(b, np.ndarray):
            return a**b
        if e.op in ("+", "-") and (
            both or not (isinstance(a, np.ndarray) or isinstance(b, np.ndarray))
        ):
            if both and a.shape != b.shape:
                raise StataError("conformability error", 503)
            return a + b if e.op == "+" else a - b
        raise StataError(f"invalid argument {unparse_expr(e)}", 198, span=e.span)
    return None


def _arg(e: Expr, family: str) -> Arg:
    if isinstance(e, ParamRef):
        return e
    v = _const(e)
    if isinstance(v, float):
        return v
    if isinstance(v, np.ndarray):
        if v.ndim != 2 or (v.shape[0] != v.shape[1] and min(v.shape) != 1):
            raise StataError(f"{family}(): matrix {unparse_expr(e)} must be square", 503)
        return MatrixArg(tuple(tuple(float(x) for x in r) for r in v))
    if family in ("density", "logdensity"):
        return e
    raise StataError(
        f"{family}(): invalid argument {unparse_expr(e)}", 198, span=getattr(e, "span", None)
    )


def _fmt_num(x: float) -> str:
    s = f"{x:.8g}"
    if s.startswith("0."):
        s = s[1:]
    elif s.startswith("-0."):
        s = "-" + s[2:]
    return s


def _typed_num(x: float) -> str:
    """A number as a user writes it (``0.01``, ``10000``): Stata's model summary echoes the
    priors given (``igamma(0.01,0.01)``), while its defaults read ``igamma(.01,.01)``."""
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def _typed_text(src: Expr, value: float) -> str:
    """A numeric argument as the user typed it (``.01`` stays ``.01``, ``0.01`` stays
    ``0.01``), as Stata's model summary echoes it."""
    if isinstance(src, Num) and src.text is not None:
        return src.text
    if isinstance(src, Unary) and isinstance(src.operand, Num) and src.operand.text is not None:
        return f"-{src.operand.text}"
    return _typed_num(value)


def _call_prior(fam: str, e: Call) -> Prior:
    """A family applied to its arguments, with the text Stata's model summary shows."""
    args = tuple(_arg(a, fam) for a in e.args)
    shown = (
        _typed_text(src, a)
        if isinstance(a, float) and isinstance(src, (Num, Unary))
        else str(a)
        if isinstance(a, ParamRef) or (isinstance(a, MatrixArg) and isinstance(src, Call))
        else unparse_expr(src)  # a name or an expression, as typed (mvnormal0(3,S))
        for src, a in zip(e.args, args)
    )
    return Prior(fam, args, f"{fam}({','.join(shown)})")


def _names_data(e: Expr) -> bool:
    """Whether an argument names something other than a scalar, a matrix or a {parameter}
    (a variable, as far as the spec can tell)."""
    if isinstance(e, Name):
        lookup = _NAMES.get()
        return lookup is not None and lookup(e.name) is None
    return any(_names_data(c) for c in getattr(e, "args", ()) or ()) or any(
        _names_data(getattr(e, side))
        for side in ("left", "right", "operand")
        if getattr(e, side, None) is not None
    )


def likelihood_from_expr(e: Expr) -> Prior:
    """Parse ``likelihood()``'s model: ``normal({e.y:sigma2})``, ``t({s2}, {df})``, ``logit`` ...

    Likelihood families take the variance (and other auxiliary parameters) but not the mean,
    which is the linear form; so their argument counts differ from the priors'.
    """
    if isinstance(e, Name):
        return Prior(e.name, (), e.name)
    if not isinstance(e, Call) or e.at:
        raise StataError(
            f"invalid likelihood {unparse_expr(e)}", 198, span=getattr(e, "span", None)
        )
    fam = _resolve_family(e.func) or e.func
    if fam == "llf":
        raise StataError(
            "likelihood(llf()): a likelihood written as an expression is not available in "
            "bayes_magic yet; use a named likelihood (normal, logit, probit, poisson, ...)",
            198,
            span=e.span,
        )
    if fam in ("normal", "t", "lognormal") and any(_names_data(a) for a in e.args):
        raise StataError(
            f"likelihood({unparse_expr(e)}): the variance must be a number or a {{parameter}}; "
            "a variable or an expression of variables is not available in bayes_magic yet",
            198,
            span=e.span,
        )
    trials = ("binomial".startswith(fam) and len(fam) >= 5) or fam == "binlogit"
    if trials and len(e.args) != 1:
        raise StataError(
            f"likelihood({unparse_expr(e)}): {fam}() takes one argument, the number of trials",
            198,
            span=e.span,
        )
    if trials and isinstance(e.args[0], Name):
        # the number of trials as a variable: binomial(n)
        name = e.args[0].name
        return Prior(fam, (name,), f"{fam}({name})")
    return _call_prior(fam, e)


def prior_from_expr(e: Expr) -> Prior:
    """Parse a distribution written in ``prior()``: ``normal(0,10000)``, ``jeffreys`` ...

    Raises
    ------
    StataError
        ``unknown distribution foo()`` (r(198)), wrong argument counts.
    """
    if isinstance(e, Name):
        fam = _resolve_family(e.name)
        if fam is None:
            raise StataError(f"unknown distribution {e.name}", 198, span=e.span)
        need = FAMILIES[fam if fam in FAMILIES else e.name][1]
        if need not in (0, None):
            raise StataError(f"{fam}() requires {need} arguments", 198, span=e.span)
        return Prior(fam, (), fam)
    if not isinstance(e, Call) or e.at:
        raise StataError(
            f"invalid prior distribution {unparse_expr(e)}", 198, span=getattr(e, "span", None)
        )
    fam = _resolve_family(e.func)
    if fam is None:
        raise StataError(f"unknown distribution {e.func}()", 198, span=e.span)
    need = FAMILIES.get(fam, FAMILIES.get(e.func, (0, None)))[1]
    if need is not None and len(e.args) != need:
        raise StataError(
            f"{fam}() requires {need} argument{'s' if need != 1 else ''}; {len(e.args)} specified",
            198,
            span=e.span,
        )
    prior = _call_prior(fam, e)
    _check_values(prior, e)
    return prior


#: the numeric arguments each family needs positive: (index, name); and other conditions
_POSITIVE: dict[str, tuple[tuple[int, str], ...]] = {
    "normal": ((1, "variance"),),
    "lognormal": ((1, "variance"),),
    "t": ((1, "scale"), (2, "degrees of freedom")),
    "gamma": ((0, "shape"), (1, "scale")),
    "igamma": ((0, "shape"), (1, "scale")),
    "exponential": ((0, "scale"),),
    "beta": ((0, "shape a"), (1, "shape b")),
    "laplace": ((1, "scale"),),
    "cauchy": ((1, "scale"),),
    "chi2": ((0, "degrees of freedom"),),
    "pareto": ((0, "shape"), (1, "scale")),
    "poisson": ((0, "mean"),),
}


def _check_values(prior: Prior, e: Call) -> None:
    """Numeric arguments a distribution cannot take (``normal(0,-1)``, ``uniform(5,3)``) are
    refused, as Stata refuses them, before anything is sampled."""
    fam, args = prior.family, prior.args

    def bad(what: str) -> StataError:
        return StataError(f"invalid {prior.text}: {what}", 198, span=e.span)

    for i, name in _POSITIVE.get(fam, ()):
        if i < len(args) and isinstance(args[i], float) and not args[i] > 0:
            raise bad(f"the {name} must be positive")
    nums = [a if isinstance(a, float) else None for a in args]
    if fam == "uniform" and None not in nums and not nums[0] < nums[1]:
        raise bad("the lower bound must be less than the upper bound")
    if fam in ("bernoulli", "geometric") and nums and nums[0] is not None:
        p = nums[0]
        if not (0 <= p <= 1 if fam == "bernoulli" else 0 < p <= 1):
            raise bad("the probability must be between 0 and 1")
    if fam in ("wishart", "iwishart") and len(nums) >= 2 and None not in nums[:2]:
        d, df = nums[0], nums[1]
        if not (d >= 1 and d == int(d)):
            raise bad("the dimension must be a positive integer")
        if not df > d - 1:
            raise bad(f"the degrees of freedom must exceed {int(d) - 1}")
