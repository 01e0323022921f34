"""Bayesian linear multilevel models: ``bayes: mixed`` and the normal ``bayesmh`` models.

Both commands build one :class:`BayesLinearModel`: the linear form (depvar, fixed-effects
terms), the random-effects levels with their covariance structure and distribution, every prior
and hyperprior, Stata's parameter names, and the MCMC and reporting options. From here on the
two commands share everything (DESIGN.md: they differ only in ``spec.build``).

Stata's defaults for ``bayes:`` ([BAYES] bayes; [BAYES] bayes: mixed): ``normal(0,10000)`` for
coefficients, ``igamma(.01,.01)`` for variances, ``iwishart(d+1, I(d))`` for an unstructured
covariance; random effects ``{U0}`` (intercepts), ``{U1}``, ... (slopes) at the first level,
``{UU0}``... at a level nested in it; ``{U:Sigma,m}``, ``{U0:sigma2}``, ``{e.y:sigma2}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import StataError
from ..syntax.ast import (
    Command,
    Equations,
    FactorVar,
    Interaction,
    ParamRef,
    ParamsWithOptions,
    REVar,
    Term,
    VarName,
)
from .model import (
    GLM_COMMANDS,
    LinearMixedSpec,
    REEquation,
    build_mixed,
    dispersion_option,
    me_option,
)
from .priors import MatrixArg, Prior, likelihood_from_expr, prior_from_expr

__all__ = [
    "BayesLinearModel",
    "ReLevel",
    "McmcOptions",
    "build_bayes_mixed",
    "build_bayesmh",
    "param_keys",
    "apply_prior",
    "mcmc_iterations",
]


@dataclass
class ReLevel:
    """The random effects of one level and their distribution."""

    level: str  # grouping variable as displayed
    equation: REEquation  # the level's random-effects equation (terms, constant, covariance)
    names: list[str]  # parameter names of the effects: U0 (intercept), U1, ...
    effects: list[str]  # what each effect multiplies: "_cons" or a variable
    structure: str  # unstructured, independent, identity, exchangeable
    stub: str  # U, UU, V ...
    matrix: str | None = None  # "U:Sigma" for an unstructured matrix parameter
    var_names: list[str] = field(default_factory=list)  # variance parameter names
    rho_name: str | None = None
    df_name: str | None = None
    dist: str = "normal"  # or "t" (scale mixture; split gives one t per effect)
    cov_prior: Prior | None = None  # iwishart for unstructured
    var_priors: list[Prior] = field(default_factory=list)
    rho_prior: Prior | None = None
    df_prior: Prior | None = None
    #: the random effects' prior as the user wrote it in bayesmh (shown by the model summary)
    typed: str | None = None

    @property
    def k(self) -> int:
        return len(self.names)

    def cov_names(self) -> list[str]:
        """Names of the covariance parameters in Stata's order."""
        if self.structure == "unstructured":
            assert self.matrix is not None
            return [f"{self.matrix}_{i + 1}_{j + 1}" for i in range(self.k) for j in range(i + 1)]
        out = list(self.var_names)
        if self.rho_name:
            out.append(self.rho_name)
        if self.df_name:
            out.append(self.df_name)
        return out


@dataclass
class McmcOptions:
    """Simulation, initialization, adaptation and reporting options ([BAYES] bayesmh)."""

    burnin: int = 2500
    mcmcsize: int = 10000
    thinning: int = 1
    nchains: int = 1
    rseed: int | None = None
    every: int = 100
    maxiter: int | None = None
    miniter: int = 5
    alpha: float = 0.75
    beta: float = 0.8
    gamma: float = 0.0
    tarate: float | None = None
    tolerance: float = 0.01
    scale: float = 2.38
    initial: str | None = None
    inits: dict[int, str] = field(default_factory=dict)
    initall: str | None = None
    initrandom: bool = False
    nomleinitial: bool = False
    exclude: tuple[ParamRef, ...] = ()
    blocks: tuple[ParamsWithOptions, ...] = ()
    noblocking: bool = False
    blocksummary: bool = False
    dots: bool = True
    #: ``dots(#[, every(#)])``: a mark every ``dots_step`` iterations, the iteration number
    #: in its place every ``dots_every`` ([BAYES] bayesmh; ``dots`` alone is 100 and 1,000)
    dots_step: int = 100
    dots_every: int = 1000
    nproc: int = 1
    # reporting
    clevel: float = 95.0
    hpd: bool = False
    melabel: bool = False
    showreffects: ParamsWithOptions | None = None
    nomodelsummary: bool = False
    nomesummary: bool = False
    noheader: bool = False
    notable: bool = False
    remargl: bool = False
    saving: str | None = None
    saving_replace: bool = False
    dryrun: bool = False
    batch: int = 0
    title: str | None = None
    corrlag: int | None = None
    corrtol: float = 0.01

    @property
    def adapt_maxiter(self) -> int:
        return self.maxiter if self.maxiter is not None else max(25, self.burnin // self.every)


@dataclass
class BayesLinearModel:
    """A Bayesian normal linear model with random effects, ready for the design and sampler."""

    command: str  # "bayes: mixed" or "bayesmh"
    cmdline: str
    linear: LinearMixedSpec  # depvar, fixed terms, levels (shared with mixed's design)
    eq: str  # the equation name of the coefficients (the depvar)
    levels: list[ReLevel]
    coef_priors: dict[str, Prior] = field(default_factory=dict)  # by coefficient column name
    coef_default: Prior | None = None
    #: the coefficients a joint prior (mvnormal()) was given to, in the order listed: its
    #: means and covariance rows follow that order, not the design's
    coef_joint_order: dict[int, list[str]] = field(default_factory=dict)
    sigma2_name: str = ""
    sigma2_prior: Prior | None = None
    #: ``likelihood(normal(#))``: a known residual variance, not a parameter
    sigma2_fixed: float | None = None
    options: McmcOptions = field(default_factory=McmcOptions)
    title: str = "Bayesian multilevel regression"
    #: bayesmh: the parameters of each prior() option, in the order given (``math:``,
    #: ``e.math:sigma2``, ``U0`` ...), for the model summary's order
    prior_order: list[list[str]] = field(default_factory=list)
    #: ``bayes: melogit`` and friends: the command whose conditional distribution the model
    #: has (``melogit`` ...; None for the normal linear model, see
    #: ``bayes_magic.fit.glmm_family.FAMILIES``) and its ``binomial()``, ``offset()``,
    #: ``exposure()``
    family: str | None = None
    glmm_options: dict = field(default_factory=dict)
    #: bayesmh: the likelihood model as the model summary names it (``logit``, ``probit``,
    #: ``binlogit``, ``poisson``); None shows the family (``melogit`` ...)
    likelihood_text: str | None = None
    #: the likelihood's own parameters, after the coefficients: an ordered model's cutpoints
    #: ``{cut1}`` ... (``bayes: meologit``, ``meoprobit``, ``ologit``, ``oprobit``; named once
    #: the data have told how many there are) or ``bayes: menbreg``'s ``{lnalpha}``
    #: (``{lndelta}`` with ``dispersion(constant)``); their priors named in ``prior()``, and
    #: the default prior of the others (flat for cutpoints, the coefficients' default normal
    #: for ln α, as Stata's)
    aux_priors: dict[str, Prior] = field(default_factory=dict)
    aux_names: list[str] = field(default_factory=list)
    aux_default: Prior | None = None

    @property
    def ordinal(self) -> bool:
        return self.family in ORDINAL

    @property
    def negbin(self) -> bool:
        return self.family in NEGBIN

    def aux_prior(self, name: str) -> Prior:
        """The prior of the likelihood parameter ``name`` (``cut1``, ``lnalpha``)."""
        return self.aux_priors.get(name, self.aux_default or CUT_PRIOR)


def _default_level_names(levels: tuple[REEquation, ...]) -> list[tuple[str, list[str]]]:
    """Stub per level, as [BAYES] bayes: mixed names them: ``U`` at the first level of the
    hierarchy, ``UU`` at the second, ``UUU`` at the third (``{U0}``, ``{UU0}``, ...)."""
    return [("U" * (k + 1), []) for k in range(len(levels))]


def _effects_of(eq: REEquation) -> list[str]:
    """What each random effect multiplies, intercept first (Stata's {U0} is the intercept)."""
    effects = []
    if eq.constant or eq.crossed:
        effects.append("_cons")
    for t in eq.terms:
        if isinstance(t, VarName):
            effects.append(t.name)
        elif isinstance(t, FactorVar) and t.op == "c":
            effects.append(t.var)
        else:
            raise StataError("random-effects terms must be variables", 198)
    return effects


def dots_spacing(value: object) -> tuple[int, int]:
    """``dots``, ``dots(#)`` or ``dots(#, every(#))``: (mark step, number step); ``dots(0)``
    shows none (step 0)."""
    if value is None or value is True or not str(value).strip():
        return 100, 1000
    m = re.fullmatch(r"\s*(\d+)\s*(?:,\s*every\s*\(\s*(\d+)\s*\)\s*)?", str(value))
    if m is None or (m.group(2) is not None and int(m.group(2)) < 1):
        raise StataError(f"option dots({value}) invalid", 198)
    return int(m.group(1)), int(m.group(2)) if m.group(2) else 1000


def _mcmc_options(opts: dict) -> McmcOptions:
    if opts.get("initsummary"):  # parsed (Stata has it), not silently ignored
        raise StataError("option initsummary is not available in bayes_magic yet", 198)
    o = McmcOptions()
    for name in ("burnin", "mcmcsize", "thinning", "nchains", "rseed", "batch", "corrlag"):
        if name in opts:
            setattr(o, name, int(opts[name]))
    if "clevel" in opts:
        o.clevel = float(opts["clevel"])
    if "level" in opts:  # bayes: mixed ..., level(#) means clevel(#)
        o.clevel = float(opts["level"])
    if "corrtol" in opts:
        o.corrtol = float(opts["corrtol"])
    if "scale" in opts:
        o.scale = float(opts["scale"])
    ad = opts.get("adaptation")
    if ad is not None:
        for sub in ad.options:
            if sub.name in ("every", "maxiter", "miniter"):
                setattr(o, sub.name, int(sub.value))
            else:
                setattr(o, sub.name, float(sub.value))
    for flag in (
        "initrandom",
        "nomleinitial",
        "noblocking",
        "blocksummary",
        "hpd",
        "melabel",
        "nomodelsummary",
        "nomesummary",
        "noheader",
        "notable",
        "remargl",
        "dryrun",
    ):
        if opts.get(flag):
            setattr(o, flag, True)
    if o.melabel:
        o.nomodelsummary = True
        o.nomesummary = True
    if opts.get("nodots"):
        o.dots = False
    o.dots_step, o.dots_every = dots_spacing(opts.get("dots"))
    if o.dots_step == 0:
        o.dots = False
    if "initial" in opts:
        o.initial = opts["initial"]
    for k, v in opts.items():
        m = re.fullmatch(r"init(\d+)", k)
        if m:
            o.inits[int(m.group(1))] = v
    if "initall" in opts:
        o.initall = opts["initall"]
    if "exclude" in opts:
        o.exclude = opts["exclude"].params
    if "showreffects" in opts:
        o.showreffects = opts["showreffects"]
    if "saving" in opts:
        f = opts["saving"]
        o.saving = f.path
        o.saving_replace = f.options.get("replace", False) is True
    if "title" in opts:
        o.title = opts["title"]
    if o.burnin < 0 or o.mcmcsize < 1 or o.thinning < 1:
        raise StataError("invalid MCMC sizes", 198)
    return o


def _collect(cmd: Command, prefix: bool) -> dict:
    """Options by name (repeatable ones as lists), from the prefix and the command."""
    opts: dict = {}
    sources = []
    if prefix:
        p = cmd.prefix("bayes")
        if p is not None:
            sources += list(p.options)
        bp = cmd.prefix("bayesparallel")
        if bp is not None:
            for o in bp.options:
                if o.name == "nproc":
                    opts["nproc"] = int(o.value)
    sources += list(cmd.options)
    for o in sources:
        if o.name in ("prior", "block"):
            opts.setdefault(o.name, []).append(o.value)
        else:
            opts[o.name] = o.value
    return opts


# ---------------------------------------------------------------------------------------------
# bayes: mixed


def mcmc_iterations(burnin: int, size: int, thin: int) -> int:
    """Iterations run: the burn-in, then up to the last kept draw, as Stata counts them
    ([BAYES] bayesmh, ``thinning()``: draws 1 + k·thin are kept)."""
    return burnin + (size - 1) * thin + 1 if size > 0 else burnin


def _num_pair(value: tuple[float, ...], default: tuple[float, float]) -> tuple[float, float]:
    a, b = value
    return (default[0] if a != a else a, default[1] if b != b else b)


def build_bayes_mixed(cmd: Command, cmdline: str, family: str | None = None) -> BayesLinearModel:
    """``bayes[, options]: mixed ...`` (or ``regress ...``, whose residual variance is
    ``{sigma2}``) into a model."""
    if cmd.weight is not None and cmd.weight.kind != "fweight":
        raise StataError(f"{cmd.weight.kind}s not allowed with the bayes prefix", 101)
    for o in ("vce", "robust", "cluster", "residuals"):
        if cmd.has(o):
            shown = o if o == "robust" else f"{o}()"
            raise StataError(f"option {shown} not allowed with the bayes prefix", 198)
    if cmd.has("from"):  # the sampler's starting values are bayes's initial()
        raise StataError("option from() not allowed with the bayes prefix; use initial()", 198)
    lin = build_mixed(cmd)
    if lin.reml:
        raise StataError("option reml not allowed with the bayes prefix", 198)
    opts = _collect(cmd, prefix=True)
    mc = _mcmc_options(opts)
    mc.nproc = int(opts.get("nproc", 1))
    regress = cmd.name == "regress"
    if "gibbs" in opts and not regress:
        raise StataError("option gibbs is allowed only with regress and mvreg", 198)
    sd = float(opts.get("normalprior", 100.0))
    if not sd > 0:
        raise StataError("normalprior() must be positive: it is the prior standard deviation", 198)
    a_ig, b_ig = _num_pair(opts.get("igammaprior", (0.01, 0.01)), (0.01, 0.01))
    if not (a_ig > 0 and b_ig > 0):
        raise StataError("igammaprior(): the shape and scale must be positive", 198)
    iw_df, iw_scale, iw_level = None, None, None
    if "iwishartprior" in opts:
        iw_df, iw_scale, iw_level = _iwishartprior(str(opts["iwishartprior"]))
        if iw_level is not None and iw_level not in {eq.level for eq in lin.levels}:
            raise StataError(f"iwishartprior(): level {iw_level} not found", 111)
    names = _default_level_names(lin.levels)
    levels: list[ReLevel] = []
    for eq, (stub, _) in zip(lin.levels, names):
        effects = _effects_of(eq)
        k = len(effects)
        re_names = [f"{stub}{j}" for j in range(k)]
        lev = ReLevel(
            level=eq.crossed if eq.crossed and eq.level == "_all" else eq.level,
            equation=eq,
            names=re_names,
            effects=effects,
            structure=eq.covariance
            if k > 1
            else ("identity" if eq.covariance == "identity" else eq.covariance),
            stub=stub,
        )
        ig = Prior("igamma", (a_ig, b_ig), f"igamma({_g(a_ig)},{_g(b_ig)})")
        if lev.structure == "unstructured":
            lev.matrix = f"{stub}:Sigma"
            mine = iw_level is None or iw_level == eq.level
            df = iw_df if iw_df is not None and mine else k + 1
            S = (
                iw_scale
                if iw_scale is not None and mine
                else MatrixArg(
                    tuple(tuple(1.0 if i == j else 0.0 for j in range(k)) for i in range(k))
                )
            )
            if S.d != k:
                raise StataError(f"iwishartprior(): scale matrix must be {k} x {k}", 503)
            if df <= k - 1:
                raise StataError("iwishartprior(): degrees of freedom must exceed d - 1", 198)
            lev.cov_prior = Prior(
                "iwishart", (float(k), float(df), S), f"iwishart({k},{_g(df)},{S})"
            )
        elif lev.structure == "independent":
            lev.var_names = [f"{n}:sigma2" for n in re_names]
            lev.var_priors = [ig] * k
        elif lev.structure == "identity":
            lev.var_names = [f"{stub}:sigma2" if k > 1 else f"{re_names[0]}:sigma2"]
            lev.var_priors = [ig]
        else:  # exchangeable
            lev.var_names = [f"{stub}:sigma2"]
            lev.var_priors = [ig]
            lev.rho_name = f"{stub}:rho"
            lev.rho_prior = Prior("uniform", (-1.0, 1.0), "uniform(-1,1)")
        levels.append(lev)
    model = BayesLinearModel(
        command="bayes: mixed",
        cmdline=cmdline,
        linear=lin,
        eq=lin.depvar,
        levels=levels,
        coef_default=Prior("normal", (0.0, sd * sd), f"normal(0,{_g(sd * sd)})"),
        sigma2_name="sigma2" if regress else f"e.{lin.depvar}:sigma2",
        sigma2_prior=Prior("igamma", (a_ig, b_ig), f"igamma({_g(a_ig)},{_g(b_ig)})"),
        options=mc,
    )
    if regress:
        model.command, model.title, model.likelihood_text = (
            "bayes: regress",
            "Bayesian linear regression",
            "regress",
        )
    model.family = family  # before the priors: {cut1} ... are parameters of ordered models
    if family in NEGBIN:  # {lnalpha}'s default is normalprior()'s, as the coefficients'
        model.aux_names = [_negbin_parameter(cmd)]
        model.aux_default = model.coef_default
    for po in opts.get("prior", []):
        apply_prior(model, po)
    if regress and "gibbs" in opts:
        # Gibbs sampling needs the conjugate priors (the sampler uses Gibbs steps where they
        # are conjugate in any case)
        conj = all(
            p.family == "normal" and p.numeric
            for p in [model.coef_default, *model.coef_priors.values()]
            if p is not None
        )
        if not (conj and model.sigma2_prior is not None and model.sigma2_prior.family == "igamma"):
            raise StataError(
                "option gibbs requires normal priors for the coefficients and an inverse-gamma "
                "prior for {sigma2}",
                198,
            )
    _check_blocks(model, opts.get("block", []))
    mc.blocks = tuple(opts.get("block", []))
    return model


#: the ordered-outcome families of ``bayes:`` (keys of ``fit.glmm_family.ORDINAL_FAMILIES``)
ORDINAL = ("meologit", "meoprobit")
#: ``bayes: ologit`` / ``oprobit``: the ordered family without random effects, its title and
#: its likelihood's name in the model summary
ORDINAL_SINGLE = {
    "ologit": ("meologit", "Bayesian ordered logistic regression", "ologit"),
    "oprobit": ("meoprobit", "Bayesian ordered probit regression", "oprobit"),
}
#: the cutpoints' default prior ([BAYES] bayes: ologit, meologit: "Flat priors, flat, are used
#: by default for cutpoints")
CUT_PRIOR = Prior("flat", (), "1 (flat)")
#: the negative binomial families of ``bayes:`` (keys of ``fit.glmm_family.NEGBIN_FAMILIES``)
NEGBIN = ("menbreg",)
#: ``bayes: nbreg``: the family without random effects, its title and its likelihood's name
NEGBIN_SINGLE = {"nbreg": ("menbreg", "Bayesian negative binomial regression", "nbreg")}


def _negbin_parameter(cmd: Command) -> str:
    """``{lnalpha}``, or ``{lndelta}`` with ``dispersion(constant)`` ([ME] menbreg)."""
    return "lndelta" if dispersion_option(cmd) == "constant" else "lnalpha"


_ME_TITLES = {
    "meologit": "Bayesian multilevel ordered logistic regression",
    "meoprobit": "Bayesian multilevel ordered probit regression",
    "melogit": "Bayesian multilevel logistic regression",
    "meprobit": "Bayesian multilevel probit regression",
    "mecloglog": "Bayesian multilevel cloglog regression",
    "mepoisson": "Bayesian multilevel Poisson regression",
    "menbreg": "Bayesian multilevel negative binomial regression",
}


def build_bayes_me(cmd: Command, cmdline: str, single: bool = False) -> BayesLinearModel:
    """``bayes[, options]: melogit|meprobit|mecloglog|mepoisson ...`` into a model: the
    ``bayes: mixed`` model without a residual variance, with the command's distribution.
    With ``single``, ``bayes: logit|logistic|probit|cloglog|poisson``: the me* family they
    share (``GLM_COMMANDS``), no levels."""
    for o in (
        "constraints",
        "startvalues",
        "startgrid",
        "family",
        "link",
        "intpoints",
        "intmethod",
        "laplace",
        "noestimate",
        "dnumerical",
    ):
        if cmd.has(o):
            shown = o if o in ("laplace", "noestimate", "dnumerical") else f"{o}()"
            raise StataError(f"option {shown} not allowed with the bayes prefix", 198)
    plain = {**ORDINAL_SINGLE, **NEGBIN_SINGLE}  # ologit, oprobit, nbreg
    if single and cmd.name in plain:
        family = plain[cmd.name][0]
    else:
        family = GLM_COMMANDS[cmd.name].family if single else cmd.name
    model = build_bayes_mixed(cmd, cmdline, family)
    model.command = f"bayes: {cmd.name}"
    if single and cmd.name in plain:
        model.family, model.title, model.likelihood_text = plain[cmd.name]
    elif single:
        glm = GLM_COMMANDS[cmd.name]
        model.family, model.title, model.likelihood_text = (
            glm.family,
            glm.bayes_title,
            glm.likelihood,
        )
    else:
        model.family, model.title = cmd.name, _ME_TITLES[cmd.name]
    model.sigma2_name = ""
    model.sigma2_prior = None
    model.glmm_options = {
        k: me_option(cmd, k)
        for k in ("binomial", "offset", "exposure")
        if me_option(cmd, k) is not None
    }
    if "offset" in model.glmm_options and "exposure" in model.glmm_options:
        raise StataError("only one of offset() or exposure() can be specified", 198)
    if "exposure" in model.glmm_options and model.family not in ("mepoisson", *NEGBIN):
        raise StataError("option exposure() not allowed", 198)
    if "binomial" in model.glmm_options and model.family in ("mepoisson", *NEGBIN, *ORDINAL):
        raise StataError("option binomial() not allowed", 198)
    if cmd.has("dispersion") and not model.negbin:
        raise StataError("option dispersion() not allowed", 198)
    if model.ordinal and not model.linear.constant:
        raise StataError("option noconstant not allowed", 198)

    if cmd.has("block") or (
        cmd.prefix("bayes") and any(o.name == "block" for o in cmd.prefix("bayes").options)
    ):
        raise StataError(
            f"option block() is not available with bayes: {cmd.name}: its blocks are fixed "
            "(see bayes, blocksummary)",
            198,
        )
    for lev in model.levels:
        if lev.structure == "exchangeable":
            raise StataError(
                "covariance(exchangeable) is not available with bayes: me* in bayes_magic yet",
                198,
            )
    return model


def _g(x: float) -> str:
    s = f"{x:.8g}"
    return s[1:] if s.startswith("0.") else s


def _iwishartprior(text: str) -> tuple[float, MatrixArg | None, str | None]:
    """``iwishartprior(# [matname] [, relevel(levelvar)])`` ([BAYES] bayes): the degrees of
    freedom, the scale matrix (a matrix of the session; the identity by default) and the level
    it applies to (all unstructured levels by default)."""
    import numpy as np

    from .priors import _NAMES

    main, _, rest = text.partition(",")
    relevel = None
    if rest.strip():
        m = re.fullmatch(r"\s*relevel\(\s*([A-Za-z_][\w]*)\s*\)\s*", rest)
        if m is None:
            raise StataError(f"iwishartprior(): option {rest.strip()} invalid", 198)
        relevel = m.group(1)
    parts = main.split()
    if not parts:
        raise StataError("iwishartprior() requires degrees of freedom", 198)
    if len(parts) > 2:
        raise StataError(f"iwishartprior({text}) invalid", 198)
    try:
        df = float(parts[0])
    except ValueError:
        raise StataError(f"iwishartprior(): {parts[0]} found where number expected", 7) from None
    scale = None
    if len(parts) == 2:
        lookup = _NAMES.get()
        v = lookup(parts[1]) if lookup is not None else None
        if not isinstance(v, np.ndarray):
            raise StataError(f"matrix {parts[1]} not found", 111)
        M = np.atleast_2d(np.asarray(v, dtype=float))
        if M.shape[0] != M.shape[1]:
            raise StataError(f"iwishartprior(): matrix {parts[1]} is not square", 503)
        if not np.allclose(M, M.T) or np.any(np.linalg.eigvalsh((M + M.T) / 2) <= 0):
            raise StataError(f"iwishartprior(): matrix {parts[1]} is not positive definite", 506)
        scale = MatrixArg(tuple(tuple(float(x) for x in r) for r in M), name=parts[1])
    return df, scale, relevel


# ---------------------------------------------------------------------------------------------
# priors given with prior()


def param_keys(model: BayesLinearModel) -> dict[str, str]:
    """Every scalar parameter's full name -> its kind (coef, cov, var, rho, df, sigma2)."""
    out: dict[str, str] = {}
    for c in model_columns(model):
        out[f"{model.eq}:{c}"] = "coef"
    for lev in model.levels:
        for n in lev.cov_names():
            out[n] = "cov"
    out[model.sigma2_name] = "sigma2"
    return out


def model_columns(model: BayesLinearModel) -> list[str]:
    """Coefficient names known before the data (the spec's terms); filled in by the design."""
    return list(getattr(model, "_columns", []))


def _ref_targets(model: BayesLinearModel, ref: ParamRef) -> list[tuple[str, str | None]]:
    """What a {...} reference in prior() names: (kind, key) pairs."""
    _no_noconstant(ref)
    out: list[tuple[str, str | None]] = []
    for it in ref.items:
        eq, name = it.eq, it.name
        if eq == model.eq and name is None:
            out.append(("coefs", None))
            continue
        if eq == model.eq:
            out.append(("coef", name))
            continue
        full = f"{eq}:{name}" if eq else (name or "")
        if full == model.sigma2_name:
            out.append(("sigma2", None))
            continue
        found = False
        for lev in model.levels:
            if ref.matrix and lev.matrix == full:
                out.append(("iw", lev.matrix))
                found = True
            elif full in lev.var_names:
                out.append(("var", full))
                found = True
            elif full == lev.rho_name:
                out.append(("rho", full))
                found = True
            elif full == lev.df_name:
                out.append(("df", full))
                found = True
            elif eq is None and name in lev.names:
                out.append(("re", name))
                found = True
        if not found and model.ordinal and eq is None and re.fullmatch(r"cut[1-9]\d*", full):
            out.append(("aux", full))  # how many cutpoints there are, the data will tell
            found = True
        if not found and eq is None and full in model.aux_names:
            out.append(("aux", full))  # {lnalpha}
            found = True
        if not found:
            raise StataError(f"parameter {{{full}}} not found", 111, span=ref.span)
    return out


def apply_prior(model: BayesLinearModel, po: ParamsWithOptions) -> None:
    """Apply one ``prior({params}, dist)`` option to the model."""
    assert po.dist is not None
    prior = prior_from_expr(po.dist)
    for ref in po.params:
        for kind, key in _ref_targets(model, ref):
            if kind == "coefs":
                model.coef_default = prior
                model.coef_priors = {}
            elif kind == "coef":
                model.coef_priors[str(key)] = prior
                _note_joint(model, prior, str(key))
            elif kind == "sigma2":
                model.sigma2_prior = _scalar_prior(prior, model.sigma2_name)
            elif kind == "iw":
                lev = next(lv for lv in model.levels if lv.matrix == key)
                if prior.family not in ("iwishart", "jeffreys"):
                    raise StataError(
                        f"prior {prior.family}() for {{{key},m}} is not available in "
                        "bayes_magic yet; use iwishart() or jeffreys(d)",
                        198,
                    )
                lev.cov_prior = prior
            elif kind == "var":
                for lev in model.levels:
                    if key in lev.var_names:
                        lev.var_priors[lev.var_names.index(key)] = _scalar_prior(prior, str(key))
            elif kind == "rho":
                for lev in model.levels:
                    if lev.rho_name == key:
                        lev.rho_prior = _scalar_prior(prior, str(key))
            elif kind == "df":
                for lev in model.levels:
                    if lev.df_name == key:
                        lev.df_prior = _scalar_prior(prior, str(key))
            elif kind == "aux":
                model.aux_priors[str(key)] = _scalar_prior(prior, str(key))
            elif kind == "re":
                raise StataError(
                    f"the prior of {{{key}}} is set by the covariance structure with bayes:", 198
                )


def _note_joint(model: BayesLinearModel, prior: Prior, name: str) -> None:
    """Remember the order in which a joint prior's coefficients were listed."""
    if prior.family in ("mvnormal", "mvnormal0"):
        order = model.coef_joint_order.setdefault(id(prior), [])
        if name not in order:
            order.append(name)


def _scalar_prior(p: Prior, name: str) -> Prior:
    if p.family in (
        "mvnormal",
        "mvnormal0",
        "wishart",
        "iwishart",
        "dirichlet",
        "zellnersg",
        "zellnersg0",
    ):
        raise StataError(f"{p.family}() is not a prior for the scalar {{{name}}}", 198)
    if p.family in ("density", "logdensity"):
        raise _no_density_prior(p, name)
    if not p.numeric:
        raise StataError(f"hyperparameters of {{{name}}}'s prior must be numbers here", 198)
    return p


#: coefficient priors whose arguments are matrices, not parameters
_MATRIX_FAMILIES = ("mvnormal", "mvnormal0", "zellnersg", "zellnersg0")


def _once(before: Prior | None, name: str) -> None:
    """A parameter takes one prior: a second ``prior()`` for it is refused, as Stata does."""
    if before is not None:
        raise StataError(f"prior for {{{name}}} specified more than once", 198)


def _no_density_prior(p: Prior, name: str) -> StataError:
    """density() and logdensity() priors: refused by name (the compiled samplers take the
    prior families by code, not an expression of the parameter)."""
    return StataError(
        f"prior({{{name}}}, {p.family}()): density() and logdensity() priors are not "
        "available in bayes_magic yet; use one of the named prior distributions",
        198,
    )


def _check_blocks(model: BayesLinearModel, blocks: list) -> None:
    for b in blocks:
        for ref in b.params:
            _ref_targets(model, ref)


# ---------------------------------------------------------------------------------------------
# bayesmh (normal multilevel models)


def build_bayesmh(cmd: Command, cmdline: str) -> BayesLinearModel:
    """``bayesmh y x ... U0[g] U1[g]#c.x, likelihood(normal(...)) prior(...) ...``."""
    body = cmd.body
    assert isinstance(body, Equations)
    if len(body.equations) != 1 or body.equations[0].expr is not None:
        raise StataError(
            "bayesmh: only linear models (one equation, no substitutable expression) are "
            "available in this version of bayes_magic",
            198,
        )
    eq = body.equations[0]
    if any(o.name == "likelihood" for o in eq.options):
        raise StataError(
            "likelihood() inside an equation is available with substitutable expressions; "
            "give it after the comma",
            198,
        )
    opts = _collect(cmd, prefix=False)
    lik = opts.get("likelihood")
    if lik is None:
        raise StataError("likelihood() required", 198)
    lp = likelihood_from_expr(lik.dist)
    glm = _glm_likelihood(lp, lik.options)
    fixed_s2 = None
    if (
        glm is None
        and lp.family == "normal"
        and len(lp.args) == 1
        and isinstance(lp.args[0], float)
    ):
        fixed_s2 = float(lp.args[0])  # normal(#): a known variance
        if not fixed_s2 > 0:
            raise StataError(f"likelihood({lp.text}): the variance must be positive", 198)
    if (
        glm is None
        and fixed_s2 is None
        and (lp.family != "normal" or len(lp.args) != 1 or not isinstance(lp.args[0], ParamRef))
    ):
        raise StataError(
            f"likelihood({lp.text}) is not available in this version of bayes_magic; "
            "normal({var}), normal(#), logit, logistic, probit, binomial(n), binlogit(n) and "
            "poisson are available",
            198,
        )
    if glm is None and (lik.options.get("offset") or lik.options.get("exposure")):
        which = "offset()" if lik.options.get("offset") else "exposure()"
        raise StataError(f"option {which} not allowed with likelihood({lp.text})", 198)
    depvar = eq.depvars[0]
    assert isinstance(depvar, VarName)
    fixed: list[Term] = []
    re_terms: dict[str, list[tuple[str, str]]] = {}  # level -> [(name, effect)]
    order: list[str] = []
    for t in eq.terms:
        rv, var = _re_term(t)
        if rv is None:
            fixed.append(t)
            continue
        path = rv.path
        lvl = ">".join(path)
        if lvl not in re_terms:
            re_terms[lvl] = []
            order.append(lvl)
        re_terms[lvl].append((rv.name, var or "_cons"))
    if glm is None and fixed_s2 is None:
        sig_ref: ParamRef = lp.args[0]
        it = sig_ref.items[0]
        sigma2_name = f"{it.eq}:{it.name}" if it.eq else str(it.name)
    else:
        sigma2_name = ""
    priors = opts.get("prior", [])
    prior_order = [
        [
            f"{it.eq}:{it.name or ''}" if it.eq else str(it.name)
            for ref in po.params
            for it in ref.items
        ]
        for po in priors
    ]
    levels: list[ReLevel] = []
    eqs: list[REEquation] = []
    for lvl in order:
        items = re_terms[lvl]
        path = tuple(lvl.split(">"))
        names = [n for n, _ in items]
        effects = [e for _, e in items]
        slope_terms = tuple(VarName(e) for e in effects if e != "_cons")
        has_cons = "_cons" in effects
        # the mixed design orders slopes first and _cons last; ReLevel keeps the user's order
        structure, lev_extra = _re_structure(names, priors)
        req = REEquation(
            path[-1], slope_terms, has_cons, structure if len(names) > 1 else "identity"
        )
        eqs.append(req)
        lev = ReLevel(
            level=path[-1],
            equation=req,
            names=names,
            effects=effects,
            structure=structure,
            stub=names[0],
        )
        for k, v in lev_extra.items():
            setattr(lev, k, v)
        levels.append(lev)
    lin = LinearMixedSpec(
        depvar=depvar.name,
        fixed=tuple(fixed),
        constant=not any(o.name == "noconstant" for o in cmd.options),
        levels=tuple(eqs),
        if_=cmd.if_,
        in_=cmd.in_,
        weight=cmd.weight,
    )
    mc = _mcmc_options(opts)
    mc.dots = bool(opts.get("dots")) and not opts.get("nodots")
    mc.dots_step, mc.dots_every = dots_spacing(opts.get("dots"))
    mc.dots = mc.dots and mc.dots_step > 0
    model = BayesLinearModel(
        command="bayesmh",
        cmdline=cmdline,
        linear=lin,
        eq=depvar.name,
        levels=levels,
        coef_default=None,
        sigma2_name=sigma2_name,
        sigma2_prior=None,
        options=mc,
        title="Bayesian normal regression" if not levels else "Bayesian multilevel regression",
        prior_order=prior_order,
    )
    if fixed_s2 is not None:
        model.sigma2_fixed = fixed_s2
        model.sigma2_prior = Prior("flat", (), "flat")  # no parameter: nothing to sample
    if glm is not None:
        model.family, model.likelihood_text, model.glmm_options = glm
        # the single-level commands' titles; binlogit has no such command
        shown = model.likelihood_text
        title = (
            "Bayesian binomial regression"
            if shown == "binlogit"
            else GLM_COMMANDS[shown].bayes_title
        )
        model.title = title.replace("Bayesian ", "Bayesian multilevel ") if levels else title
        for lev in levels:
            if lev.structure == "exchangeable" or lev.dist == "t":
                what = "an exchangeable covariance" if lev.dist != "t" else "a t prior"
                raise StataError(
                    f"random effects with {what} are not available with "
                    f"likelihood({lp.text}) in bayes_magic yet",
                    198,
                )
        if opts.get("block"):
            raise StataError(
                f"option block() is not available with likelihood({lp.text}): its blocks are "
                "fixed (see blocksummary)",
                198,
            )
    for po in priors:
        _apply_bayesmh_prior(model, po)
    if model.coef_default is None and not model.coef_priors:
        raise StataError(f"prior for {{{model.eq}:}} not specified", 198)
    if glm is None and fixed_s2 is None and model.sigma2_prior is None:
        raise StataError(f"prior for {{{sigma2_name}}} not specified", 198)
    for lev in levels:
        if lev.structure == "unstructured" and lev.cov_prior is None:
            raise StataError(f"prior for {{{lev.matrix},m}} not specified", 198)
        if any(p is None for p in lev.var_priors):
            raise StataError(
                f"prior for the variance of {{{' '.join(lev.names)}}} not specified", 198
            )
    mc.blocks = tuple(opts.get("block", []))
    return model


#: bayesmh's likelihood models with a link ([BAYES] bayesmh, "modelspec"): the me* command
#: whose conditional distribution each is, and the name the model summary shows
_GLM_LIKELIHOODS = {
    "logit": "melogit",
    "logistic": "melogit",
    "probit": "meprobit",
    "binomial": "melogit",
    "binlogit": "melogit",
    "poisson": "mepoisson",
}


def _glm_likelihood(lp: Prior, subs) -> tuple[str, str, dict] | None:
    """``likelihood(logit)``, ``probit``, ``binomial(n)`` (``binlogit(n)``), ``poisson``, with
    ``offset()`` (and ``exposure()`` for ``poisson``): the me* family, the name shown and the
    GLMM options (``binomial``, ``offset``, ``exposure``); None for other models."""
    fam = lp.family
    if fam not in _GLM_LIKELIHOODS:
        for full in _GLM_LIKELIHOODS:  # Stata's abbreviations: logis, binom, pois
            short = {"logistic": 5, "binomial": 5, "poisson": 4}.get(full)
            if short and len(fam) >= short and full.startswith(fam):
                fam = full
                break
        else:
            return None
    with_n = fam in ("binomial", "binlogit")
    if with_n != (len(lp.args) == 1) or (not with_n and lp.args):
        need = "one argument, the number of trials" if with_n else "no arguments"
        raise StataError(f"likelihood({lp.text}): {fam} takes {need}", 198)
    opts: dict = {}
    if with_n:
        n = lp.args[0]
        if isinstance(n, float):
            if not (n >= 1 and n == int(n)):
                raise StataError(
                    f"likelihood({lp.text}): the number of trials must be a positive integer",
                    198,
                )
            opts["binomial"] = int(n)
        elif isinstance(n, str):
            opts["binomial"] = n
        else:
            raise StataError(
                f"likelihood({lp.text}): the number of trials must be a number or a variable",
                198,
            )
    off, expo = subs.get("offset"), subs.get("exposure")
    if off and expo:
        raise StataError("only one of offset() or exposure() can be specified", 198)
    if expo and fam != "poisson":
        raise StataError("option exposure() allowed only with likelihood(poisson)", 198)
    if off:
        opts["offset"] = off
    if expo:
        opts["exposure"] = expo
    shown = {"logistic": "logit", "binomial": "binlogit"}.get(fam, fam)
    return _GLM_LIKELIHOODS[fam], shown, opts


def _re_term(t: Term) -> tuple[REVar | None, str | None]:
    if isinstance(t, REVar):
        return t, None
    if isinstance(t, Interaction) and len(t.terms) == 2:
        a, b = t.terms
        if isinstance(a, REVar) and isinstance(b, FactorVar) and b.op == "c":
            return a, b.var
        if isinstance(b, REVar) and isinstance(a, FactorVar) and a.op == "c":
            return b, a.var
    return None, None


def _re_structure(names: list[str], priors: list[ParamsWithOptions]) -> tuple[str, dict]:
    """The covariance structure of random effects from their prior (bayesmh)."""
    for po in priors:
        for ref in po.params:
            refnames = [i.name for i in ref.items if i.eq is None]
            if set(refnames) == set(names) or (len(names) == 1 and refnames == names):
                p = prior_from_expr(po.dist)
                split = po.options.get("split", False) is True
                fam = p.family
                extra: dict = {"typed": p.text}
                if fam in ("mvnormal", "mvnormal0"):
                    S = p.args[-1]
                    if not (isinstance(S, ParamRef) and S.matrix):
                        raise StataError(
                            f"{p.text}: the covariance must be a matrix parameter {{Sigma,m}}", 198
                        )
                    means = p.args[1:-1] if fam == "mvnormal" else ()
                    if any(not (isinstance(m, float) and m == 0.0) for m in means):
                        raise StataError("random effects must have mean zero", 198)
                    extra["matrix"] = str(S.items[0])
                    return "unstructured", extra
                if fam == "mvnidentity0" or fam == "mvn0identity" or fam == "mvnidentity":
                    v = p.args[-1]
                    extra["var_names"] = [_refname(v)]
                    extra["var_priors"] = [None]
                    return "identity", extra
                if fam in ("mvn0exchangeable", "mvnexchangeable0", "mvnexchangeable"):
                    extra["var_names"] = [_refname(p.args[-2])]
                    extra["var_priors"] = [None]
                    extra["rho_name"] = _refname(p.args[-1])
                    return "exchangeable", extra
                if fam in ("mvn0independent", "mvnindependent0", "mvnindependent"):
                    vs = [a for a in p.args[1:] if isinstance(a, ParamRef)]
                    extra["var_names"] = [_refname(v) for v in vs]
                    extra["var_priors"] = [None] * len(vs)
                    return "independent", extra
                if fam == "normal" and (len(names) == 1 or split):
                    v = p.args[1]
                    if not (isinstance(p.args[0], float) and p.args[0] == 0.0):
                        raise StataError("random effects must have mean zero", 198)
                    extra["var_names"] = [_refname(v)]
                    extra["var_priors"] = [None]
                    return "identity", extra
                if fam == "t" and (len(names) == 1 or split):
                    if not (isinstance(p.args[0], float) and p.args[0] == 0.0):
                        raise StataError("random effects must have mean zero", 198)
                    extra["var_names"] = [_refname(p.args[1])]
                    extra["var_priors"] = [None]
                    extra["df_name"] = _refname(p.args[2])
                    extra["dist"] = "t"
                    return "identity", extra
                raise StataError(
                    f"prior {p.text} for random effects is not available in bayes_magic yet", 198
                )
    raise StataError(f"prior for {{{' '.join(names)}}} not specified", 198)


def _refname(a: object) -> str:
    if not isinstance(a, ParamRef) or len(a.items) != 1:
        raise StataError("the variance of random effects must be a parameter {name}", 198)
    return str(a.items[0])


def _no_noconstant(ref: ParamRef) -> None:
    """``, noconstant`` belongs to menl's linear combinations ``{xb: x1 x2, noconstant}``."""
    if ref.noconstant:
        raise StataError(f"{ref}: noconstant not allowed here", 198, span=ref.span)


def _apply_bayesmh_prior(model: BayesLinearModel, po: ParamsWithOptions) -> None:
    prior = prior_from_expr(po.dist) if po.dist is not None else None
    assert prior is not None
    for ref in po.params:
        _no_noconstant(ref)
        for it in ref.items:
            full = str(it)
            if it.eq == model.eq and not prior.numeric and prior.family not in _MATRIX_FAMILIES:
                raise StataError(
                    f"prior({{{full}}}, {prior.text}): parameters as hyperparameters of the "
                    "coefficients' priors are not available in bayes_magic yet (random effects "
                    "{U[id]} with normal({mu},{var}) priors are, in a substitutable expression)",
                    198,
                    span=ref.span,
                )
            if it.eq == model.eq and it.name is None:
                _once(model.coef_default, full)
                model.coef_default = prior
                continue
            if it.eq == model.eq:
                _once(model.coef_priors.get(str(it.name)), full)
                model.coef_priors[str(it.name)] = prior
                _note_joint(model, prior, str(it.name))
                continue
            if full == model.sigma2_name:
                _once(model.sigma2_prior, full)
                model.sigma2_prior = _scalar_prior(prior, full)
                continue
            handled = False
            for lev in model.levels:
                if it.eq is None and it.name in lev.names:
                    handled = True  # the random effects' own prior: read by _re_structure
                elif ref.matrix and lev.matrix == full:
                    if prior.family != "iwishart":
                        raise StataError(
                            f"prior {prior.family}() for {{{full},m}} is not "
                            "available in bayes_magic yet",
                            198,
                        )
                    lev.cov_prior = prior
                    handled = True
                elif full in lev.var_names:
                    lev.var_priors[lev.var_names.index(full)] = _scalar_prior(prior, full)
                    handled = True
                elif full == lev.rho_name:
                    lev.rho_prior = _scalar_prior(prior, full)
                    handled = True
                elif full == lev.df_name:
                    lev.df_prior = _scalar_prior(prior, full)
                    handled = True
            if not handled:
                raise StataError(f"parameter {{{full}}} not found in the model", 111, span=ref.span)
