"""Model specifications: what a command asks to fit, before any data is touched.

``spec.build`` turns a parsed command into a frozen spec; ``design.build`` then turns the spec and
the dataset into arrays. ``mixed`` and ``bayes: mixed`` share :class:`LinearMixedSpec`; the
Bayesian layer adds priors and MCMC options on top (see :mod:`bayes_magic.spec.bayes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..errors import StataError
from ..syntax.ast import (
    Command,
    Expr,
    FactorVar,
    InRange,
    MultilevelModel,
    Option,
    Term,
    VarName,
    Weight,
)

__all__ = [
    "REEquation",
    "LinearMixedSpec",
    "build_mixed",
    "COVARIANCES",
    "GLMCommand",
    "GLM_COMMANDS",
    "VCE",
    "vce_option",
    "dispersion_option",
    "meglm_as",
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
    #: ``|| id:, noconstant residuals(...)``: the variable whose groups the errors are
    #: correlated within, in a model without random effects
    residual_panel: str | None = None


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
    panel = None
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
        for o in lv.options:
            if o.name in ("fweight", "pweight"):  # weights at a higher level ([ME] mixed)
                raise StataError(
                    f"option {o.name}() of a random-effects equation is not available in "
                    f"bayes_magic's {cmd.name} yet",
                    198,
                    span=o.span,
                )
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
            if cmd.name == "mixed" and cmd.has("residuals") and lv is body.levels[-1]:
                # || id:, noconstant residuals(): the groups of a marginal model's errors
                panel = lv.level
                continue
            raise StataError(f"{lv.level}: random-effects equation is empty", 198, span=lv.span)
        levels.append(
            REEquation(lv.level, tuple(terms), not noconstant and crossed is None, cov, crossed)
        )
    reml = cmd.has("reml")
    if reml and cmd.has("mle"):
        raise StataError("options mle and reml may not be combined", 184)
    if cmd.weight is not None and reml:
        raise StataError("weights not allowed with reml", 101)
    # vce() is theirs to read
    single = (
        cmd.name in ("regress", "ologit", "oprobit", "mlogit", "nbreg", "glm")
        or cmd.name in GLM_COMMANDS
    )
    allowed = {
        "regress": ("fweight", "aweight", "pweight"),
        "glm": ("fweight", "aweight", "iweight", "pweight"),
    }.get(cmd.name, ("fweight", "pweight") if single else ("fweight",))
    if cmd.weight is not None and cmd.weight.kind not in allowed:
        raise StataError(
            f"{cmd.weight.kind}s are not available in bayes_magic's {cmd.name} yet", 101
        )
    reads_vce = single or cmd.name in _ME_VCE  # the me* commands take vce(robust|cluster)
    for o in ("residuals", "dfmethod", "vce", "pwscale"):
        if o == "residuals" and cmd.name == "mixed":
            continue  # mixed reads residuals() itself
        if cmd.has(o) and not (reads_vce and o == "vce"):
            raise StataError(f"option {o}() is not available in bayes_magic's {cmd.name} yet", 198)
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
        residual_panel=panel,
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


def dispersion_option(cmd: Command) -> str | None:
    """``dispersion(mean|constant)`` of ``nbreg`` and ``menbreg`` ([R] nbreg), abbreviated as
    Stata allows; None when absent.

    Raises
    ------
    StataError
        r(198) for another word.
    """
    raw = cmd.option("dispersion")
    if raw is None:
        return None
    word = str(raw).strip().lower()
    for full in ("mean", "constant"):
        if word and full.startswith(word):
            return full
    raise StataError(
        f"dispersion({raw}) invalid; specify dispersion(mean) or dispersion(constant)", 198
    )


#: meglm's families ([ME] meglm, Options) with their minimal abbreviations
_MEGLM_FAMILIES = {
    "gaussian": 3,
    "bernoulli": 2,
    "binomial": 2,
    "gamma": 3,
    "nbinomial": 2,
    "ordinal": 1,
    "poisson": 1,
}
_MEGLM_LINKS = {"identity": 4, "log": 3, "logit": 5, "probit": 4, "cloglog": 4}
#: the family-link pairs [ME] meglm allows (its table under link()), the default first
_MEGLM_PAIRS = {
    "gaussian": ("identity", "log"),
    "bernoulli": ("logit", "probit", "cloglog"),
    "binomial": ("logit", "probit", "cloglog"),
    "gamma": ("log",),
    "nbinomial": ("log",),
    "ordinal": ("logit", "probit", "cloglog"),
    "poisson": ("log",),
}
#: (family, link) -> the command that fits the same model
_MEGLM_AS = {
    ("bernoulli", "logit"): "melogit",
    ("bernoulli", "probit"): "meprobit",
    ("bernoulli", "cloglog"): "mecloglog",
    ("binomial", "logit"): "melogit",
    ("binomial", "probit"): "meprobit",
    ("binomial", "cloglog"): "mecloglog",
    ("poisson", "log"): "mepoisson",
    ("nbinomial", "log"): "menbreg",
    ("ordinal", "logit"): "meologit",
    ("ordinal", "probit"): "meoprobit",
}


def _word(raw: str, minimal: dict[str, int], what: str) -> str:
    """The word ``raw`` abbreviates, at least as long as its minimal abbreviation."""
    raw = raw.strip().lower()
    for w, k in minimal.items():
        if len(raw) >= k and w.startswith(raw):
            return w
    raise StataError(f"{what}({raw}) invalid", 198)


_ME_VCE = ("melogit", "meprobit", "mecloglog", "mepoisson", "menbreg", "meologit", "meoprobit")


def meglm_as(cmd: Command) -> Command:
    """``meglm ..., family() link()`` as the command that fits the same model ([ME] meglm):
    ``family(bernoulli)`` with ``link(logit|probit|cloglog)`` is ``melogit``/``meprobit``/
    ``mecloglog``, ``family(binomial #|varname)`` the same with ``binomial()``,
    ``family(poisson)`` is ``mepoisson``, ``family(nbinomial [mean|constant])`` ``menbreg``
    with ``dispersion()``, ``family(ordinal)`` ``meologit``/``meoprobit``. The other families
    and links Stata takes (``gaussian``, the default, ``gamma``, ``link(cloglog)`` of ordinal
    outcomes) are refused (r(198)).
    """
    if cmd.has("binomial"):
        raise StataError(
            "option binomial() not allowed with meglm; use family(binomial #|varname)", 198
        )
    if cmd.has("dispersion"):
        raise StataError(
            "option dispersion() not allowed with meglm; use family(nbinomial mean|constant)", 198
        )
    words = str(cmd.option("family", "gaussian")).split()
    if not words:
        raise StataError("family() invalid", 198)
    family = _word(words[0], _MEGLM_FAMILIES, "family")
    rest = words[1:]
    link = _word(str(cmd.option("link")), _MEGLM_LINKS, "link") if cmd.has("link") else None
    link = link or _MEGLM_PAIRS[family][0]
    extra: list[Option] = []
    if family == "binomial":
        if len(rest) > 1:
            raise StataError(f"family({' '.join(words)}) invalid", 198)
        extra.append(Option("binomial", rest[0] if rest else "1"))
    elif family == "nbinomial":
        if len(rest) > 1:
            raise StataError(f"family({' '.join(words)}) invalid", 198)
        if rest:  # nb:inomial [mean|cons:tant]
            disp = rest[0].lower()
            disp = next(
                (w for w in ("mean", "constant") if len(disp) >= 4 and w.startswith(disp)), ""
            )
            if not disp:
                raise StataError(
                    f"family({' '.join(words)}) invalid: the dispersion is mean or constant", 198
                )
            extra.append(Option("dispersion", disp))
    elif rest:
        raise StataError(f"family({' '.join(words)}) invalid", 198)
    if link not in _MEGLM_PAIRS[family]:
        raise StataError(
            f"link({link}) not allowed with family({family}); meglm takes link("
            + "|".join(_MEGLM_PAIRS[family])
            + ")",
            198,
        )
    name = _MEGLM_AS.get((family, link))
    if name is None:
        hint = "; mixed fits it" if (family, link) == ("gaussian", "identity") else ""
        raise StataError(
            f"meglm with family({family}) link({link}) is not available in bayes_magic yet" + hint,
            198,
        )
    kept = tuple(o for o in cmd.options if o.name not in ("family", "link"))
    return replace(cmd, name=name, options=kept + tuple(extra))


@dataclass(frozen=True)
class VCE:
    """The variance estimator a command asks for ([R] vce_option).

    ``kind`` is the default (``"ols"`` for ``regress``, ``"oim"`` for ML fits), ``"robust"``
    (Huber/White sandwich), ``"cluster"`` (clustered on ``cluster``), or ``"hc2"`` / ``"hc3"``
    (``regress`` only). ``pweight`` weights imply ``robust``.
    """

    kind: str
    cluster: str | None = None


#: the vcetypes of vce(): (minimal abbreviation, full name)
_VCETYPES = (("r", "robust"), ("cl", "cluster"), ("ols", "ols"), ("oim", "oim"), ("opg", "opg"))
_VCE_LATER = (("boot", "bootstrap"), ("jack", "jackknife"))


def vce_option(cmd: Command, default: str, *, allowed: tuple[str, ...] = ()) -> VCE:
    """The ``vce()`` of ``cmd`` (or the older ``robust`` and ``cluster()`` options).

    ``default`` is the command's own estimator (``"ols"`` or ``"oim"``); ``allowed`` lists the
    further vcetypes it accepts beyond ``robust`` and ``cluster`` (``hc2``, ``hc3``).

    Raises
    ------
    StataError
        r(198) for an unknown or unavailable vcetype; r(100) for ``vce(cluster)`` without a
        variable.
    """
    raw = cmd.option("vce")
    kind, cluster = default, None
    if raw is not None:
        words = [] if raw is True else str(raw).replace(",", " ").split()  # vce(): True
        if not words:
            raise StataError("option vce() misspecified", 198)
        w = words[0].lower()
        full = next((f for a, f in _VCETYPES if f.startswith(w) and w.startswith(a)), None)
        if full is None and w in allowed:
            full = w
        later = next((f for a, f in _VCE_LATER if f.startswith(w) and w.startswith(a)), None)
        if later is not None:
            raise StataError(f"vce({later}) is not available in bayes_magic yet", 198)
        if full is None or (full in ("ols", "oim", "opg") and full != default):
            if full == "opg":
                raise StataError("vce(opg) is not available in bayes_magic yet", 198)
            raise StataError(f"vcetype '{words[0]}' not allowed", 198)
        if full == "cluster":
            if len(words) != 2:
                raise StataError(
                    "varlist required" if len(words) == 1 else "vce(cluster) takes one variable",
                    100 if len(words) == 1 else 103,
                )
            cluster = words[1]
        elif len(words) > 1:
            raise StataError(f"option vce({raw}) misspecified", 198)
        kind = full
    if cmd.has("robust"):
        if raw is not None and kind != "robust":
            raise StataError("options robust and vce() may not be combined", 198)
        kind = "robust"
    if cmd.option("cluster") is not None:
        if raw is not None:
            raise StataError("options cluster() and vce() may not be combined", 198)
        kind, cluster = "cluster", cmd.option("cluster")
    if kind == default and cmd.weight is not None and cmd.weight.kind == "pweight":
        if raw is not None:  # vce(ols) / vce(oim) typed: not overridden silently
            raise StataError(f"vce({default}) not allowed with pweights", 198)
        kind = "robust"  # sampling weights imply the sandwich estimator ([U] 20.23.2)
    return VCE(kind, cluster)


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
