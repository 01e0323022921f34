"""``bayesmh depvar = (expression)``: nonlinear (multilevel) Bayesian models ([BAYES] bayesmh,
*Nonlinear models*; [BAYES] bayesmh, *Random effects*).

The expression is a substitutable expression as ``menl`` reads it: scalar parameters
``{d}``, random effects ``{C[id]}`` (one value per group; several levels, nested ``{V[id>t]}``
or crossed) and linear combinations ``{xb: x1 i.g}``. The likelihood is ``normal()`` with a
variance parameter or a number, or ``logit``, ``probit`` or ``poisson`` (the expression is then
the linear predictor). Every parameter needs a prior:

- scalar parameters: any scalar family with numbers for arguments;
- random effects: ``normal(mean, var)`` for each (mean and variance numbers or parameters),
  or one ``mvnormal(k, m1, ..., mk, {Sigma,m})`` / ``mvnormal0(k, {Sigma,m})`` for effects of
  one level (Stata's prior on ``{C[id] B[id]}``, the slide's nonlinear model);
- covariance matrices: ``iwishart(k, df, V)`` or ``jeffreys(k)``.

From here on the model is a :class:`BayesNonlinearModel`; the design compiles the expression for
the sampler (:mod:`bayes_magic.design.bayes_nonlinear`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..errors import StataError
from ..syntax.ast import Binary, Command, Equations, Expr, ParamRef
from .bayes import McmcOptions, _collect, _mcmc_options, _once, dots_spacing
from .nonlinear import NonlinearSpec, RELevelSpec, collect_params, expand
from .priors import MatrixArg, Prior, likelihood_from_expr, prior_from_expr

__all__ = ["BayesNonlinearModel", "NLParam", "NLRELevel", "build_bayesmh_nonlinear"]

#: likelihoods a substitutable expression takes, and the title of each
LIKELIHOODS = {
    "normal": "Bayesian normal regression",
    "logit": "Bayesian logistic regression",
    "logistic": "Bayesian logistic regression",
    "probit": "Bayesian probit regression",
    "poisson": "Bayesian Poisson regression",
}


@dataclass
class NLParam:
    """One scalar parameter: its Stata name (``d``, ``xb:x1``, ``e.y:sigma2``) and prior.

    ``role`` is ``mean`` (it is in the expression), ``sigma2`` (the likelihood's variance) or
    ``hyper`` (a mean or variance in a random effect's prior)."""

    name: str
    role: str
    prior: Prior | None = None


@dataclass
class NLRELevel:
    """The random effects of one level and their prior.

    ``means`` and ``variances`` hold, for each effect, a number or a parameter's name;
    ``matrix`` names the covariance matrix parameter of an ``mvnormal`` prior (then
    ``variances`` is empty)."""

    path: tuple[str, ...]
    names: list[str]
    means: list[float | str] = field(default_factory=list)
    variances: list[float | str] = field(default_factory=list)
    matrix: str | None = None
    matrix_prior: Prior | None = None
    typed: str = ""  # the prior as written, for the model summary

    @property
    def level(self) -> str:
        return self.path[-1]

    @property
    def k(self) -> int:
        return len(self.names)

    @property
    def effects(self) -> list[str]:
        return ["_cons"] * self.k

    def cov_names(self) -> list[str]:
        if self.matrix is None:
            return [v for v in dict.fromkeys(self.variances) if isinstance(v, str)]
        k = self.k
        return [f"{self.matrix}_{i + 1}_{j + 1}" for i in range(k) for j in range(i + 1)]


@dataclass
class NLEquation:
    """One outcome and its expression (``(y1 = (expression))``)."""

    depvar: str
    expr: Expr
    text: str  # the expression as typed, for the model summary
    sigma2: float | str | None = None  # its normal variance (a number or a parameter)


@dataclass
class BayesNonlinearModel:
    """A ``bayesmh`` model with a substitutable expression."""

    cmdline: str
    eq: str  # the dependent variable
    spec: NonlinearSpec  # the expression, its parameters and random-effect levels
    likelihood: str  # normal, mvnormal, logit, probit, poisson
    sigma2: float | str | None  # the normal likelihood's variance (first equation's)
    params: list[NLParam]  # scalar parameters (lincomb coefficients added by the design)
    levels: list[NLRELevel]
    options: McmcOptions
    title: str
    prior_text: list[tuple[list[str], str]] = field(default_factory=list)  # as typed
    blocks: list[list[str]] = field(default_factory=list)
    lincomb_prior: dict[str, Prior] = field(default_factory=dict)  # {xb:} -> prior
    equations: list[NLEquation] = field(default_factory=list)
    residual: str | None = None  # mvnormal: the residual covariance matrix parameter
    residual_prior: Prior | None = None
    command: str = "bayesmh"
    nonlinear: bool = True
    family: None = None  # the linear models' GLMM family: not this model's

    @property
    def sigma2_name(self) -> str:
        return self.sigma2 if isinstance(self.sigma2, str) else ""

    @property
    def depvars(self) -> list[str]:
        return [e.depvar for e in self.equations]

    def param(self, name: str) -> NLParam | None:
        return next((p for p in self.params if p.name == name), None)

    def all_priors(self) -> list[Prior]:
        out = [p.prior for p in self.params if p.prior is not None]
        out += list(self.lincomb_prior.values())
        out += [lv.matrix_prior for lv in self.levels if lv.matrix_prior is not None]
        return out + ([self.residual_prior] if self.residual_prior is not None else [])


def _full(it) -> str:
    return f"{it.eq}:{it.name}" if it.eq else str(it.name)


def _scalar_arg(a, what: str) -> float | str:
    if isinstance(a, float):
        return a
    if isinstance(a, ParamRef) and len(a.items) == 1 and not a.matrix:
        return _full(a.items[0])
    raise StataError(f"{what} must be a number or a scalar parameter", 198)


def _re_prior(lv: NLRELevel, prior: Prior, names: list[str]) -> None:
    """Read a random effects' prior into their level."""
    if prior.family == "normal":
        mean = _scalar_arg(prior.args[0], "the mean of a random effect's prior")
        var = _scalar_arg(prior.args[1], "the variance of a random effect's prior")
        if isinstance(var, float) and var <= 0:
            raise StataError(f"invalid {prior.text}: the variance must be positive", 198)
        if lv.matrix is not None:
            raise StataError(f"{{{' '.join(names)}}}: more than one prior", 198)
        for n in names:
            j = lv.names.index(n)
            lv.means[j], lv.variances[j] = mean, var
        lv.typed = prior.text
        return
    if prior.family in ("mvnormal", "mvnormal0"):
        k = int(prior.number(0))
        zero = prior.family == "mvnormal0"
        if k != len(names):
            raise StataError(
                f"{prior.text}: dimension {k} but {len(names)} random effects are listed", 198
            )
        if len(prior.args) != (2 if zero else k + 2):
            raise StataError(f"{prior.text}: {k} means and a covariance matrix expected", 198)
        if set(names) != set(lv.names):
            raise StataError(
                f"{prior.text}: a joint prior must list every random effect of level "
                f"{'>'.join(lv.path)} ({' '.join(lv.names)})",
                198,
            )
        mat = prior.args[-1]
        if not (isinstance(mat, ParamRef) and mat.matrix and len(mat.items) == 1):
            raise StataError(
                f"{prior.text}: the covariance must be a matrix parameter {{Sigma,m}}", 198
            )
        means = [0.0] * k if zero else [_scalar_arg(a, "a mean") for a in prior.args[1:-1]]
        lv.names = list(names)  # the prior's order is the matrix's order
        lv.means, lv.variances = means, []
        lv.matrix = _full(mat.items[0])
        lv.typed = prior.text
        return
    raise StataError(
        f"prior {prior.family}() for random effects is not available in bayes_magic yet; "
        "normal() and mvnormal() are available",
        198,
    )


def _likelihood(lik, neq: int) -> tuple[str, float | str | None]:
    """``likelihood()``: the family and the normal variance, or the residual covariance matrix
    parameter of ``mvnormal({Sigma,m})``."""
    if lik.options.options:
        raise StataError(
            f"likelihood() suboption {lik.options.options[0].name} not allowed with a "
            "substitutable expression",
            198,
        )
    lp = likelihood_from_expr(lik.dist)
    fam = lp.family
    if fam == "mvnormal":
        a = lp.args[-1] if lp.args else None
        if len(lp.args) != 1 or not (isinstance(a, ParamRef) and a.matrix and len(a.items) == 1):
            raise StataError(
                f"likelihood({lp.text}): mvnormal() takes the covariance matrix {{Sigma,m}}", 198
            )
        if neq < 2:
            raise StataError("likelihood(mvnormal()) requires two or more equations", 198)
        return "mvnormal", _full(a.items[0])
    if fam not in LIKELIHOODS:
        raise StataError(
            f"likelihood({lp.text}) is not available with a substitutable expression in "
            "bayes_magic yet; normal(), mvnormal(), logit, probit and poisson are available",
            198,
        )
    if fam != "normal":
        if lp.args:
            raise StataError(f"likelihood({lp.text}): {fam} takes no arguments here", 198)
        return ("logit" if fam == "logistic" else fam), None
    if len(lp.args) != 1:
        raise StataError(f"likelihood({lp.text}): normal() takes the variance", 198)
    s2 = _scalar_arg(lp.args[0], "the variance in likelihood(normal())")
    if isinstance(s2, float) and not s2 > 0:
        raise StataError("likelihood(normal()): the variance must be positive", 198)
    return "normal", s2


_ALLOWED = {
    "likelihood",
    "prior",
    "block",
    "burnin",
    "mcmcsize",
    "thinning",
    "nchains",
    "rseed",
    "initial",
    "initall",
    "nomleinitial",
    "initrandom",
    "adaptation",
    "scale",
    "clevel",
    "hpd",
    "batch",
    "corrlag",
    "corrtol",
    "dots",
    "nodots",
    "nomodelsummary",
    "noheader",
    "notable",
    "showreffects",
    "exclude",
    "saving",
    "title",
    "blocksummary",
    "dryrun",
    "remargl",
    "level",
}


def build_bayesmh_nonlinear(cmd: Command, cmdline: str) -> BayesNonlinearModel:
    """The model of ``bayesmh y = (expression), likelihood(...) prior(...) ...``.

    Raises
    ------
    StataError
        r(198) for a missing prior or likelihood, a prior the sampler cannot take, or an option
        this version does not have; r(111) for a prior on a parameter not in the model.
    """
    body = cmd.body
    assert isinstance(body, Equations)
    opts = _collect(cmd, prefix=False)
    for name in opts:
        if name not in _ALLOWED and not re.fullmatch(r"init\d+", name):
            raise StataError(
                f"option {name}() is not available with a substitutable expression in "
                "bayes_magic yet",
                198,
            )
    if cmd.weight is not None:
        raise StataError("weights not allowed with a substitutable expression", 101)
    neq = len(body.equations)
    equations: list[NLEquation] = []
    lincombs: dict = {}
    fixed: list[str] = []
    by_level: dict[tuple[str, ...], list[str]] = {}
    init: dict[str, float] = {}
    liks: list = []
    for eq in body.equations:
        if eq.expr is None:
            raise StataError(
                "bayesmh: equations with a substitutable expression and linear equations "
                "cannot be combined in bayes_magic yet",
                198,
            )
        bad = [o.name for o in eq.options if o.name != "likelihood"]
        if bad:
            raise StataError(f"option {bad[0]} not allowed in an equation", 198)
        dep = getattr(eq.depvars[0], "name", None)
        if dep is None or len(eq.depvars) != 1:
            raise StataError("the dependent variable must be a variable", 198)
        if dep in {e.depvar for e in equations}:
            raise StataError(f"dependent variable {dep} is in more than one equation", 198)
        expr, lcs = expand(eq.expr, {})
        for lc in lcs:
            if lincombs.get(lc.name, lc) != lc:
                raise StataError(f"linear combination {lc.name} is defined more than once", 198)
            lincombs[lc.name] = lc
        f_e, lv_e, init_e = collect_params(expr)
        fixed += [f for f in f_e if f not in fixed]
        for path, names in lv_e.items():
            for other, onames in by_level.items():
                clash = set(names) & set(onames)
                if other != path and clash:
                    raise StataError(
                        f"random effect {sorted(clash)[0]} is used at levels "
                        f"{'>'.join(other)} and {'>'.join(path)}",
                        198,
                    )
            by_level.setdefault(path, [])
            by_level[path] += [n for n in names if n not in by_level[path]]
        init.update(init_e)
        equations.append(NLEquation(dep, expr, _expr_text(eq.text)))
        own = next((o.value for o in eq.options if o.name == "likelihood"), None)
        liks.append(own if own is not None else opts.get("likelihood"))
    if any(lk is None for lk in liks):
        raise StataError("likelihood() required", 198)
    overlap = set(fixed) & {n for names in by_level.values() for n in names}
    if overlap:
        raise StataError(
            f"{{{sorted(overlap)[0]}}} is used both as a parameter and as a random effect", 198
        )
    exprs = [e.expr for e in equations]
    used = {r.items[0].eq for x in exprs for r in _refs(x) if r.items[0].name is None}
    lincombs_t = tuple(lc for lc in lincombs.values() if lc.name in used)
    if not fixed and not lincombs_t and not by_level:
        raise StataError("the expression has no {parameters} to estimate", 198)
    parsed = [_likelihood(lk, neq) for lk in liks]
    fams = {f for f, _ in parsed}
    if len(fams) > 1:
        raise StataError(
            "equations with different likelihood families are not available in bayes_magic yet",
            198,
        )
    lik = fams.pop()
    residual = None
    if lik == "mvnormal":
        residual = str(parsed[0][1])
        if any(v != residual for _, v in parsed):
            raise StataError("likelihood(mvnormal()) must be common to all equations", 198)
    else:
        for e, (_, v) in zip(equations, parsed):
            e.sigma2 = v
    s2 = equations[0].sigma2
    order = sorted(by_level, key=lambda p: (len(p), list(by_level).index(p)))
    levels = [
        NLRELevel(p, list(by_level[p]), [None] * len(by_level[p]), [None] * len(by_level[p]))  # type: ignore[list-item]
        for p in order
    ]
    spec = NonlinearSpec(
        depvar=equations[0].depvar,
        expr=exprs[0],
        expr_text=equations[0].text,
        fixed=tuple(fixed),
        reffects=tuple(n for lv in levels for n in lv.names),
        levels=tuple(RELevelSpec(lv.path, tuple(lv.names)) for lv in levels),
        init=init,
        if_=cmd.if_,
        in_=cmd.in_,
        lincombs=lincombs_t,
    )
    if neq > 1:  # the design reads every equation's variables through one expression
        joint = exprs[0]
        for x in exprs[1:]:
            joint = Binary("+", joint, x, x.span if hasattr(x, "span") else joint.span)
        spec = replace(spec, expr=joint)
    params = [NLParam(n, "mean") for n in fixed]
    for e in equations:
        if isinstance(e.sigma2, str) and all(p.name != e.sigma2 for p in params):
            params.append(NLParam(e.sigma2, "sigma2"))
    mc: McmcOptions = _mcmc_options(opts)
    mc.dots = bool(opts.get("dots")) and not opts.get("nodots")
    mc.dots_step, mc.dots_every = dots_spacing(opts.get("dots"))
    mc.dots = mc.dots and mc.dots_step > 0
    model = BayesNonlinearModel(
        cmdline=cmdline,
        eq=equations[0].depvar,
        spec=spec,
        likelihood=lik,
        sigma2=s2,
        params=params,
        levels=levels,
        options=mc,
        title=(
            "Bayesian multilevel regression"
            if levels
            else "Bayesian multivariate normal regression"
            if lik == "mvnormal"
            else LIKELIHOODS[lik]
        ),
        equations=equations,
        residual=residual,
    )
    if "title" in opts:
        model.title = str(opts["title"])
    priors = opts.get("prior", [])
    # random effects' priors first: they name the hyperparameters
    for po in priors:
        _re_priors(model, po)
    for lv in levels:
        missing = [n for n, m in zip(lv.names, lv.means) if m is None]
        if missing:
            raise StataError(f"prior for {{{missing[0]}[{'>'.join(lv.path)}]}} not specified", 198)
        for m in [*lv.means, *lv.variances]:
            if not isinstance(m, str):
                continue
            p = model.param(m)
            if p is None:
                params.append(NLParam(m, "hyper"))
            elif p.role != "hyper":
                raise StataError(
                    f"{{{m}}} is both in the likelihood and a random effect's hyperparameter; "
                    "this is not available in bayes_magic yet",
                    198,
                )
    for po in priors:
        _scalar_priors(model, po)
    for p in model.params:
        if p.prior is None:
            raise StataError(f"prior for {{{p.name}}} not specified", 198)
    for lc in lincombs_t:
        if not any(k == lc.name or k.startswith(f"{lc.name}:") for k in model.lincomb_prior):
            raise StataError(f"prior for {{{lc.name}:}} not specified", 198)
    for lv in levels:
        if lv.matrix is not None and lv.matrix_prior is None:
            raise StataError(f"prior for {{{lv.matrix},m}} not specified", 198)
    if residual is not None and model.residual_prior is None:
        raise StataError(f"prior for {{{residual},m}} not specified", 198)
    for bo in opts.get("block", []):
        if bo.options.options:
            raise StataError(
                f"block() suboption {bo.options.options[0].name} is not available with a "
                "substitutable expression in bayes_magic yet",
                198,
            )
        model.blocks.append(
            [f"{it.eq}:" if it.name is None else _full(it) for ref in bo.params for it in ref.items]
        )
    return model


def _refs(expr):
    from .nonlinear import param_refs

    return param_refs(expr)


def _expr_text(text: str) -> str:
    """The expression as typed, without its outer parentheses (when they enclose it all)."""
    t = text.strip()
    if not (t.startswith("(") and t.endswith(")")):
        return t
    depth = 0
    for i, ch in enumerate(t):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and i < len(t) - 1:
            return t  # the first parenthesis closes before the end: (a)/(b)
    return t[1:-1]


def _re_targets(model: BayesNonlinearModel, ref: ParamRef) -> list[tuple[NLRELevel, str]] | None:
    """The random effects a prior's ``{C[id] B[id]}`` (or ``{C B}``) names; None when the
    reference names no random effect."""
    out = []
    for it in ref.items:
        lv = next((lv for lv in model.levels if it.eq is None and it.name in lv.names), None)
        if lv is None:
            if out:
                raise StataError(f"{ref}: random effects and parameters in one prior()", 198)
            return None
        if it.index is not None and tuple(s.strip() for s in it.index.split(">")) != lv.path:
            raise StataError(
                f"{ref}: random effect {it.name} is at level {'>'.join(lv.path)}",
                198,
                span=ref.span,
            )
        out.append((lv, str(it.name)))
    return out


def _re_priors(model: BayesNonlinearModel, po) -> None:
    prior = prior_from_expr(po.dist)
    targets: list[tuple[NLRELevel, str]] = []
    for ref in po.params:
        got = _re_targets(model, ref)
        if got is None:
            if targets:
                raise StataError(f"{ref}: random effects and parameters in one prior()", 198)
            return
        targets += got
    lvs = {id(lv): lv for lv, _ in targets}
    if len(lvs) > 1:
        raise StataError("a prior() lists random effects of different levels", 198)
    lv = targets[0][0]
    _re_prior(lv, prior, [n for _, n in targets])
    model.prior_text.append(
        (["{" + " ".join(f"{n}[{'>'.join(lv.path)}]" for _, n in targets) + "}"], prior.text)
    )


def _scalar_priors(model: BayesNonlinearModel, po) -> None:
    prior = prior_from_expr(po.dist)
    if any(_re_targets(model, ref) for ref in po.params):
        return
    shown = []
    for ref in po.params:
        if ref.matrix:
            name = _full(ref.items[0])
            lv = next((lv for lv in model.levels if lv.matrix == name), None)
            if len(ref.items) == 1 and name == model.residual:
                _once(model.residual_prior, f"{name},m")
                model.residual_prior = _matrix_prior(name, len(model.equations), prior)
            elif lv is None or len(ref.items) != 1:
                raise StataError(
                    f"parameter {{{name},m}} not found in the model", 111, span=ref.span
                )
            else:
                _once(lv.matrix_prior, f"{name},m")
                lv.matrix_prior = _matrix_prior(name, lv.k, prior)
            shown.append(f"{{{name},m}}")
            continue
        for it in ref.items:
            full = _full(it)
            if it.eq in {lc.name for lc in model.spec.lincombs}:
                _check_scalar(prior, full if it.name else f"{it.eq}:")
                key = full if it.name else str(it.eq)
                _once(model.lincomb_prior.get(key), key if it.name else f"{it.eq}:")
                model.lincomb_prior[key] = prior
                shown.append(f"{{{full}}}" if it.name else f"{{{it.eq}:}}")
                continue
                shown.append(f"{{{it.eq}:}}")
                continue
            p = model.param(full)
            if p is None:
                raise StataError(f"parameter {{{full}}} not found in the model", 111, span=ref.span)
            _check_scalar(prior, full)
            _once(p.prior, full)
            p.prior = prior
            shown.append(f"{{{full}}}")
    model.prior_text.append((shown, prior.text))


def _check_scalar(prior: Prior, name: str) -> None:
    from ..sampler.densities import SCALAR

    if prior.family in ("density", "logdensity"):
        from .bayes import _no_density_prior

        raise _no_density_prior(prior, name)
    if prior.family not in SCALAR or SCALAR[prior.family][2] == "discrete":
        raise StataError(f"{prior.family}() is not a prior for the scalar {{{name}}}", 198)
    if not prior.numeric:
        raise StataError(f"hyperparameters of {{{name}}}'s prior must be numbers here", 198)


def _matrix_prior(name: str, k: int, prior: Prior) -> Prior:
    """A k x k covariance matrix's prior, checked: ``iwishart(k, df, V)`` or ``jeffreys``."""
    if prior.family == "iwishart":
        d, df, V = prior.args
        if not isinstance(V, MatrixArg) or not isinstance(d, float) or int(d) != k or V.d != k:
            raise StataError(f"{prior.text}: a {k} x {k} scale matrix expected", 503)
        if not isinstance(df, float) or not df > k - 1:
            raise StataError(f"{prior.text}: degrees of freedom must exceed {k - 1}", 198)
    elif prior.family == "jeffreys":
        if prior.args and int(prior.number(0)) != k:
            raise StataError(f"{prior.text}: dimension must be {k}", 503)
    else:
        raise StataError(
            f"prior {prior.family}() for {{{name},m}} is not available in bayes_magic yet; "
            "iwishart() and jeffreys() are available",
            198,
        )
    return prior
