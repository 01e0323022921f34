"""Model specifications: what a command asks to fit, before any data is touched.

``spec.build`` turns a parsed command into a frozen spec; ``design.build`` then turns the spec and
the dataset into arrays. ``mixed`` and ``bayes: mixed`` share :class:`LinearMixedSpec`; the
Bayesian layer adds priors and MCMC options on top (see :mod:`bayes_magic.spec.bayes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import StataError
from ..syntax.ast import Command, Expr, FactorVar, InRange, MultilevelModel, Term, VarName, Weight

__all__ = [
    "REEquation",
    "LinearMixedSpec",
    "build_mixed",
    "COVARIANCES",
    "GLMCommand",
    "GLM_COMMANDS",
]

COVARIANCES = ("independent", "exchangeable", "identity", "unstructured")


@dataclass(frozen=True)
class REEquation:
    """One random-effects equation ``|| level: varlist, covariance() noconstant``.

    ``level`` is the grouping variable, or ``"_all"`` for one group of all observations;
    ``crossed`` names the variable of ``R.var`` (the equation then has one random intercept per
    level of that variable, with identity covariance).
    """

    level: str
    terms: tuple[Term, ...]
    constant: bool = True
    covariance: str = "independent"
    crossed: str | None = None


@dataclass(frozen=True)
class LinearMixedSpec:
    """``mixed depvar fe [|| re ...] [, options]`` ([ME] mixed)."""

    depvar: str
    fixed: tuple[Term, ...]
    constant: bool = True
    levels: tuple[REEquation, ...] = ()
    reml: bool = False
    if_: Expr | None = None
    in_: InRange | None = None
    weight: Weight | None = None
    options: dict = field(default_factory=dict, compare=False)


def _cov_of(opts: tuple, crossed: bool) -> str:
    cov = "identity" if crossed else "independent"
    for o in opts:
        if o.name == "covariance":
            if isinstance(o.value, tuple):
                raise StataError(
                    f"covariance({o.value[0]}()) is not available in bayes_magic yet", 198
                )
            cov = o.value
    return cov


def build_mixed(cmd: Command) -> LinearMixedSpec:
    """The spec of a parsed ``mixed`` command.

    Raises
    ------
    StataError
        For combinations Stata refuses (``R.`` terms mixed with other terms, weights with
        ``reml`` ...).
    """
    body = cmd.body
    assert isinstance(body, MultilevelModel)
    assert isinstance(body.depvar, VarName)
    levels = []
    for lv in body.levels:
        crossed = None
        terms = list(lv.terms)
        rterms = [t for t in terms if isinstance(t, FactorVar) and t.op == "R"]
        if rterms:
            if len(terms) != 1:
                raise StataError(
                    "R.varname may not be combined with other terms", 198, span=rterms[0].span
                )
            crossed = rterms[0].var
            terms = []
        noconstant = any(o.name == "noconstant" for o in lv.options)
        cov = _cov_of(lv.options, crossed is not None)
        if crossed is not None and cov not in ("identity", "exchangeable"):
            raise StataError(
                f"covariance({cov}) not allowed with R.{crossed}; use identity or exchangeable",
                198,
            )
        if crossed is not None and cov == "exchangeable":
            raise StataError("covariance(exchangeable) with R.varname is not available yet", 198)
        for t in terms:
            if isinstance(t, FactorVar) and t.op not in ("c",):
                raise StataError(
                    "factor variables are not allowed in random-effects equations; "
                    "use R.varname or generate indicators",
                    198,
                    span=t.span,
                )
        if crossed is None and not terms and noconstant:
            raise StataError(f"{lv.level}: random-effects equation is empty", 198, span=lv.span)
        levels.append(
            REEquation(lv.level, tuple(terms), not noconstant and crossed is None, cov, crossed)
        )
    reml = cmd.has("reml")
    if reml and cmd.has("mle"):
        raise StataError("options mle and reml may not be combined", 184)
    if cmd.weight is not None and reml:
        raise StataError("weights not allowed with reml", 101)
    allowed = ("fweight", "aweight") if cmd.name == "regress" else ("fweight",)
    if cmd.weight is not None and cmd.weight.kind not in allowed:
        raise StataError(
            f"{cmd.weight.kind}s are not available in bayes_magic's {cmd.name} yet", 101
        )
    for o in ("residuals", "dfmethod", "vce", "pwscale"):
        if cmd.has(o):
            raise StataError(f"option {o}() is not available in bayes_magic's mixed yet", 198)
    return LinearMixedSpec(
        depvar=body.depvar.name,
        fixed=body.fixed,
        constant=not any(o.name == "noconstant" for o in body.fixed_options),
        levels=tuple(levels),
        reml=reml,
        if_=cmd.if_,
        in_=cmd.in_,
        weight=cmd.weight,
        options={o.name: o.value for o in cmd.options},
    )


def me_option(cmd: Command, name: str):
    """An ``me*`` option given in the fixed-effects equation (``y x, offset(v) || g:``, where
    [ME] melogit documents ``offset()`` and ``exposure()``) or after the last equation; None
    when absent."""
    body = cmd.body
    for o in getattr(body, "fixed_options", ()):
        if o.name == name:
            return o.value
    return cmd.option(name)


@dataclass(frozen=True)
class GLMCommand:
    """A single-level command with an ``me*`` family: ``logit`` is ``melogit`` without
    random effects ([R] logit ...; [BAYES] bayes: logit ...)."""

    family: str  # the me* command whose family it shares (a key of fit.glmm_family.FAMILIES)
    title: str  # Stata's title of the ML fit
    bayes_title: str  # ... and of the Bayesian one
    likelihood: str  # the likelihood's name in the Bayesian model summary (hosp ~ logit(xb_hosp))


_LOGIT = GLMCommand("melogit", "Logistic regression", "Bayesian logistic regression", "logit")
GLM_COMMANDS = {
    "logit": _LOGIT,
    "logistic": _LOGIT,
    "probit": GLMCommand("meprobit", "Probit regression", "Bayesian probit regression", "probit"),
    "cloglog": GLMCommand(
        "mecloglog", "Complementary log-log regression", "Bayesian cloglog regression", "cloglog"
    ),
    "poisson": GLMCommand(
        "mepoisson", "Poisson regression", "Bayesian Poisson regression", "poisson"
    ),
}
