"""``melogit``, ``meprobit``, ``mecloglog``, ``mepoisson``, ``menbreg``, ``meologit``,
``meoprobit``: maximum likelihood for generalized linear mixed models ([ME] meglm, menbreg,
meologit, Methods and formulas).

A family's own parameters, an ordered model's cutpoints (:class:`~.glmm_family.OrdinalFamily`)
or ``menbreg``'s ln α (:class:`~.glmm_family.NegBinFamily`), are estimated after the
coefficients; the fit starts from ``ologit``/``oprobit`` (:func:`~.ordinal.fit_ordinal`) or
``nbreg`` (:func:`~.negbin.fit_negbin`), whose log likelihood is the comparison's.

* The log likelihood integrates the random effects out (:mod:`bayes_magic.fit.glmm_integrate`,
  and :mod:`bayes_magic.fit.glmm_nested` for nested levels): ``mvaghermite`` with 7 points by
  default, ``mcaghermite``, ``ghermite`` or ``laplace`` (always for crossed effects).
* It is maximized over the coefficients and Stata's metric of the variance components (log
  standard deviations ``lns``, atanh of correlations ``atr``), starting from the model without
  random effects (whose log likelihood is the comparison of the ``LR test vs. logistic model``).
* ``e(V)`` is the inverse of the observed information (a numerical Hessian of the log
  likelihood in that metric); variances and covariances and their standard errors follow by the
  delta method, their intervals are built on the log (or atanh) scale, as in ``mixed``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from ..design.glmm import GLMMDesign
from ..errors import StataError
from .glmm_family import Family, NegBinFamily, OrdinalFamily
from .glmm_integrate import JointLaplace, SingleLevel
from .glmm_nested import NestedQuadrature, nested_parents
from .mixed import MixedFit, VarParam, _params_of, psd_cholesky, sigmas_from_params
from .negbin import LNALPHA_BOUNDS, fit_negbin
from .optimize import covariance_of, hessian, jacobian, minimize_bounded
from .ordinal import fit_ordinal
from .robust import sandwich

__all__ = [
    "GLMMFit",
    "GLMMStart",
    "fit_glmm",
    "fit_glm",
    "glm_arrays",
    "fit_fixed_effects",
    "robust_vce",
]

_LNS_FLOOR = -12.0  # an SD below e^-12 (6e-6 on the linear-predictor scale) is a zero


@dataclass
class GLMMStart:
    """Starting values (``from()``, [R] maximize), in the metric ``e(b)`` shows.

    ``beta`` by coefficient (column) name, ``aux`` by the family's parameter name (``lnalpha``,
    ``cut1`` ...), ``var`` by the name of the parameter behind each variance component:
    ``lns1_1_1`` holds a variance, ``atr1_1_1_2`` a covariance. Parameters not given keep the
    default start."""

    beta: dict[str, float] = field(default_factory=dict)
    aux: dict[str, float] = field(default_factory=dict)
    var: dict[str, float] = field(default_factory=dict)

    def apply(
        self, x0: np.ndarray, names: list[str], aux_names: list[str], template: list[VarParam]
    ) -> np.ndarray:
        """``x0`` (β, aux, template params) with the given values put in; covariances become
        correlations at the final standard deviations. r(1400) for a variance not above 0 or
        a correlation not inside (-1, 1)."""
        x = x0.copy()
        p, na = len(names), len(aux_names)
        for j, nm in enumerate(names):
            x[j] = self.beta.get(nm, x[j])
        for j, nm in enumerate(aux_names):
            x[p + j] = self.aux.get(nm, x[p + j])
        pa = p + na
        for i, t in enumerate(template):
            if t.kind == "lns" and t.name in self.var:
                v = self.var[t.name]
                if not v > 0:
                    raise StataError("initial values not feasible", 1400)
                x[pa + i] = 0.5 * np.log(v)
        for i, t in enumerate(template):
            if t.kind == "atr" and t.name in self.var:
                # each effect's SD parameter (exchangeable levels have one for all)
                lns = [j for j, q in enumerate(template) if q.kind == "lns" and q.level == t.level]
                own = {e: j for j in lns for e in template[j].effects}
                sds = [np.exp(x[pa + own.get(e, lns[0])]) for e in t.effects]
                r = self.var[t.name] / (sds[0] * sds[1])
                if not abs(r) < 1:
                    raise StataError("initial values not feasible", 1400)
                x[pa + i] = np.arctanh(r)
        return x


@dataclass
class GLMMFit(MixedFit):
    """A fitted GLMM in the shape ``mixed``'s display and postestimation read."""

    family: Family | None = None
    method: str = "mvaghermite"
    intpoints: int = 7
    gdesign: GLMMDesign | None = None
    x: np.ndarray | None = None  # estimates in the estimation metric (β, aux, params)
    V_full: np.ndarray | None = None
    fe_iterations: list[tuple[int, float]] = field(default_factory=list)
    integrator: object = None
    #: ordered outcomes (meologit, meoprobit): the outcome values (e(cat))
    values: np.ndarray | None = None
    #: the family's parameters after β: cutpoints, or menbreg's ln α (ln δ)
    aux: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: the variance estimator: "oim", or "robust"/"cluster" (:func:`robust_vce`), with the
    #: number of clusters and the variable that defines them
    vce: str = "oim"
    n_clust: int = 0
    clustvar: str | None = None

    @property
    def cuts(self) -> np.ndarray:
        """An ordered model's cutpoints (none for other families)."""
        return self.aux if isinstance(self.family, OrdinalFamily) else np.zeros(0)

    def _Ls(self) -> list[np.ndarray]:
        return [psd_cholesky(S) for S in self.Sigmas]

    def linear_predictor(self) -> np.ndarray:
        """Xβ plus the offset over the estimation sample (the fixed portion)."""
        g = self.gdesign
        assert g is not None
        return g.base.X @ self.beta + g.offset

    def reffects(
        self, intpoints: int | None = None, covariances: bool = True
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per level: empirical Bayes means of the random effects (G by k) and their posterior
        covariances (G by k by k); Stata's ``predict, reffects`` (``ebmeans``) and ``reses``.
        After ``laplace`` with several levels, the posterior modes and the curvature there;
        over nested levels by quadrature, the means by the nested rule. ``intpoints``
        overrides the fit's number of quadrature points; without ``covariances`` the Laplace
        fits of several levels skip them (zeros)."""
        xb = self.linear_predictor()
        integ = self.integrator
        if isinstance(integ, SingleLevel):
            order = integ_order(self)
            q = self.intpoints if intpoints is None else intpoints
            m, C = integ.posterior(xb[order], self._Ls()[0], self.method, q)
            return [(m, C)]
        if isinstance(integ, NestedQuadrature):
            q = self.intpoints if intpoints is None else intpoints
            return integ.posterior(xb, self._Ls(), self.method, q)
        assert isinstance(integ, JointLaplace)
        return integ.modes(xb, self._Ls(), covariances)

    def blups(self) -> list[np.ndarray]:
        return [m for m, _C in self.reffects(covariances=False)]

    def blup_variances(self) -> list[np.ndarray]:
        return [C for _m, C in self.reffects()]


def integ_order(fit: GLMMFit) -> np.ndarray:
    """The observation order of a one-level integrator (sorted by group)."""
    return np.argsort(fit.design.levels[0].groups, kind="stable")


def fit_glm(
    family: Family,
    X: np.ndarray,
    y: np.ndarray,
    n: np.ndarray,
    w: np.ndarray,
    off: np.ndarray,
    beta0: np.ndarray | None = None,
) -> tuple[np.ndarray, float, list[tuple[int, float]]]:
    """The model without random effects by Newton's method from ``beta0`` (zeros): (β, log
    likelihood, log)."""
    p = X.shape[1]
    beta = np.zeros(p) if beta0 is None else np.asarray(beta0, dtype=float).copy()
    const = float(np.sum(w * family.constant(y, n)))

    def ll_of(b):
        ll, d1, d2 = family.loglik(y, n, X @ b + off)
        return float(np.sum(w * ll)) + const, d1, d2

    ll, d1, d2 = ll_of(beta)
    log = [(0, ll)]
    for it in range(1, 200):
        g = X.T @ (w * d1)
        H = X.T @ (X * (-w * d2)[:, None])
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, g, rcond=None)[0]
        t = 1.0
        for _ in range(40):
            cand = beta + t * step
            llc, d1c, d2c = ll_of(cand)
            if llc >= ll - 1e-10 * abs(ll):
                break
            t /= 2
        moved = float(np.max(np.abs(cand - beta), initial=0.0))
        done = abs(llc - ll) < 1e-12 * (1 + abs(ll)) and moved < 1e-9
        # a coefficient diverging (a perfect predictor kept with logit's asis): stop once the
        # scaled gradient g'H⁻¹g vanishes, as Stata's nrtolerance does, far below its 1e-5
        done = done or (0 <= float(g @ step) < 1e-13 and it > 5)
        beta, ll, d1, d2 = cand, llc, d1c, d2c
        log.append((it, ll))
        if done:
            break
    return beta, ll, log


def glm_arrays(gd: GLMMDesign) -> tuple[np.ndarray, ...]:
    """The arrays of the fixed-effects likelihood: (weights, y, trials, offset, X)."""
    d = gd.base
    w = np.ones(d.n) if d.weights is None else d.weights.astype(float)
    return w, d.y.astype(float), gd.trials, gd.offset, d.X


def fit_fixed_effects(
    gd: GLMMDesign,
    family: Family,
    start: np.ndarray | None = None,
    *,
    what: str = "the fixed effects",
) -> tuple[np.ndarray, float, list[tuple[int, float]]]:
    """The model without random effects by Newton's method from ``start``: (β, log
    likelihood, iteration log), for ``logit`` ... and as ``me*``'s first fit.

    Raises
    ------
    StataError
        r(2001) with too few observations; r(1400) when the likelihood cannot be evaluated;
        r(2000) when ``what`` predict a binary outcome perfectly (every observation fitted with
        probability 1: complete separation, where Stata's logit stops too).
    """
    d = gd.base
    if d.n < d.p:  # a saturated model (n = p) fits: a 2x2 table of counts by person-time
        raise StataError("insufficient observations", 2001)
    w, y, n, off, X = glm_arrays(gd)
    const = float(np.sum(w * family.constant(y, n)))
    beta, ll, log = fit_glm(family, X, y, n, w, off, start)
    if not np.isfinite(ll):
        raise StataError("initial values not feasible", 1400)
    if family.family != "poisson" and ll - const > -1e-6 * max(1.0, float(w.sum())):
        raise StataError(
            f"{what} predict the outcome perfectly; the model cannot be estimated", 2000
        )
    return beta, ll, log


def _settled(iters: list[tuple[int, float]], ll: float) -> bool:
    """Whether the log ended where the fit did: the likelihood at the estimates agrees with the
    last iterate and the last steps did not fall. Adaptive quadrature moves its nodes between
    iterations, so an optimizer chasing a likelihood with no maximum (outcomes separated by
    group, a variance running off) can stop on a see-saw it takes for convergence."""
    if not iters:
        return True
    tol = 1e-4 * max(1.0, abs(ll))
    last = [v for _i, v in iters[-4:]]
    falls = any(b < a - tol for a, b in itertools.pairwise(last))
    return abs(ll - last[-1]) <= tol and not falls


def fit_glmm(
    gd: GLMMDesign,
    family: Family,
    *,
    method: str = "mvaghermite",
    intpoints: int = 7,
    iterate: int = 300,
    start: GLMMStart | None = None,
) -> GLMMFit:
    """Fit a GLMM by maximum likelihood, from the model without random effects and SDs of 0.5
    on the linear predictor, or from ``start`` where it gives values.

    Raises
    ------
    StataError
        r(2001) with too few observations; r(430) when the likelihood cannot be evaluated;
        r(1400) when ``start`` is not a feasible point.
    """
    d = gd.base
    w, y, n, off, X = glm_arrays(gd)
    values = None
    if isinstance(family, OrdinalFamily):
        beta0, cuts0, ll0, fe_log, values, y = _ordinal_start(gd, family)
        family = family.with_cuts(cuts0)
    elif isinstance(family, NegBinFamily):
        nb, family = fit_negbin(gd, family, iterate=iterate)
        beta0, ll0, fe_log = nb.beta, nb.ll, nb.iterations
    else:
        beta0, ll0, fe_log = fit_fixed_effects(gd, family)
    aux0 = family.aux
    na = len(aux0)  # the family's parameters, after the coefficients
    const = float(np.sum(w * family.constant(y, n)))
    levels = d.levels
    single = len(levels) == 1
    if single:
        lv = levels[0]
        order = np.argsort(lv.groups, kind="stable")
        integ: SingleLevel | JointLaplace | NestedQuadrature = SingleLevel(
            family, y[order], n[order], w[order], lv.Z[order], lv.groups[order], lv.G
        )
    else:
        spec = [(lv.Z, lv.groups, lv.G) for lv in levels]
        parents = nested_parents([lv.groups for lv in levels], [lv.G for lv in levels])
        order = np.arange(d.n)
        if method == "laplace" or parents is None or any(lv.crossed for lv in levels):
            integ = JointLaplace(family, y, n, w, spec)
            method, intpoints = "laplace", 1
        else:
            integ = NestedQuadrature(family, y, n, w, spec, parents)
            integ.check_size(intpoints)
    # starting values: SD 0.5 on the linear predictor for each effect
    S0 = []
    for lv in levels:
        sd = np.array(
            [
                0.5 if nm == "_cons" else 0.5 / max(np.std(lv.Z[:, j]), 1e-8)
                for j, nm in enumerate(lv.znames)
            ]
        )
        S0.append(np.diag(sd**2))
    template = _params_of(levels, S0, 1.0)[:-1]  # no residual variance
    p = d.p
    pa = p + na
    x0 = np.concatenate([beta0, aux0, [t.value for t in template]])

    def loglik(x: np.ndarray) -> float:
        beta = x[:p]
        if na:
            if not family.aux_feasible(x[p:pa]):
                return -np.inf
            integ.family = family.with_aux(x[p:pa])
        Sig, _ = sigmas_from_params(levels, template, x[pa:])
        for S in Sig:
            # correlations of three or more effects need not form a covariance matrix
            if len(S) > 2 and np.linalg.eigvalsh(S).min() < -1e-10 * max(np.trace(S), 1e-300):
                return -np.inf
        Ls = [psd_cholesky(S) for S in Sig]
        xb = X @ beta + off
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if single:
                val = float(np.sum(integ.loglik(xb[order], Ls[0], method, intpoints)))
            elif isinstance(integ, NestedQuadrature):
                val = integ.loglik(xb, Ls, method, intpoints)
            else:
                val = integ.loglik(xb, Ls)
        return val + const if np.isfinite(val) else -np.inf

    def dev(x: np.ndarray) -> float:
        v = loglik(x)
        return -2 * v if np.isfinite(v) else 1e300

    if start is not None:
        cols = [d.columns[ci].name for ci in d.coef_index]
        x0 = start.apply(x0, cols, list(family.aux_names), template)
        if not np.isfinite(loglik(x0)):
            raise StataError("initial values not feasible", 1400)

    fg = None
    if method != "laplace":
        Xs = X[order]
        nested = isinstance(integ, NestedQuadrature)

        def chols_of(th: np.ndarray) -> list[np.ndarray]:
            return [psd_cholesky(S) for S in sigmas_from_params(levels, template, th)[0]]

        def fg(x: np.ndarray) -> tuple[float, np.ndarray]:
            beta, th = x[:p], x[pa:]
            if na:
                if not family.aux_feasible(x[p:pa]):
                    return 1e300, np.zeros(len(x))
                integ.family = family.with_aux(x[p:pa])
            Ls = chols_of(th)
            xb = (X @ beta + off)[order]
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                if nested:
                    val, g_b, g_Ls, g_c = integ.gradient(xb, Xs, Ls, method, intpoints)
                else:
                    val, g_b, g_L, g_c = integ.gradient(xb, Xs, Ls[0], method, intpoints)
                    g_Ls = [g_L]
            if not np.isfinite(val):
                return 1e300, np.zeros(len(x))
            g_th = np.empty(len(th))
            for i in range(len(th)):  # dL/dθ_i by central differences of the closed form
                h = 1e-6 * max(1.0, abs(th[i]))
                e = np.zeros(len(th))
                e[i] = h
                dLs = [(a - b) / (2 * h) for a, b in zip(chols_of(th + e), chols_of(th - e))]
                g_th[i] = float(sum(np.sum(np.tril(g) * dL) for g, dL in zip(g_Ls, dLs)))
            return -2 * (val + const), -2 * np.concatenate([g_b, g_c, g_th])

    aux_bounds = [LNALPHA_BOUNDS] if isinstance(family, NegBinFamily) else [(None, None)] * na
    bounds = (
        [(None, None)] * p
        + aux_bounds
        + [((_LNS_FLOOR, None) if t.kind == "lns" else (-12.0, 12.0)) for t in template]
    )
    iters: list[tuple[int, float]] = []
    x, _dev, converged = minimize_bounded(
        dev,
        x0,
        bounds,
        fg=fg,
        maxiter=iterate,
        callback=lambda i, f: iters.append((i, -0.5 * f)),
    )
    ll = loglik(x)
    if not np.isfinite(ll):
        raise StataError("convergence not achieved: the likelihood is not finite", 430)
    converged = converged and _settled(iters, ll)
    # an SD heading for zero (the optimizer stops somewhere on the way) is a zero when
    # removing the effect costs no likelihood
    for i, t in enumerate(template):
        if t.kind == "lns" and x[pa + i] < -6.0:
            trial = x.copy()
            trial[pa + i] = _LNS_FLOOR
            ll_t = loglik(trial)
            if ll_t >= ll - 1e-6:
                x, ll = trial, ll_t
    # boundary: SDs at the floor are zeros
    params = [
        VarParam(t.name, t.kind, t.level, t.effects, float(v)) for t, v in zip(template, x[pa:])
    ]
    for prm in params:
        if prm.kind == "lns" and prm.value <= _LNS_FLOOR + 1e-6:
            prm.value, prm.boundary = -np.inf, True
        if prm.kind == "atr" and abs(prm.value) >= 12.0 - 1e-6:
            prm.value, prm.boundary = float(np.sign(prm.value) * np.inf), True
    # correlations with a zero-variance effect are not identified: hold them
    for prm in params:
        if prm.kind == "atr" and not prm.boundary:
            sds = [q for q in params if q.kind == "lns" and q.level == prm.level]
            for j in prm.effects:
                # exchangeable levels have one SD for all their effects
                lns = next((q for q in sds if j in q.effects), sds[0])
                if lns.boundary:
                    prm.boundary = True
    live_p = [i for i, prm in enumerate(params) if not prm.boundary]
    live = list(range(pa)) + [pa + i for i in live_p]
    xs = x.copy()
    for i, prm in enumerate(params):
        if prm.boundary and prm.kind == "lns":
            xs[pa + i] = -np.inf

    def negll_live(z: np.ndarray) -> float:
        full = xs.copy()
        full[live] = z
        return -loglik(np.where(np.isneginf(full), -50.0, full))

    z0 = xs[live]
    if fg is not None:

        def grad_live(z: np.ndarray) -> np.ndarray:
            full = xs.copy()
            full[live] = z
            return 0.5 * fg(np.where(np.isneginf(full), -50.0, full))[1][live]

        H = jacobian(grad_live, z0, 1e-5 * np.maximum(np.abs(z0), 0.1))
        H = (H + H.T) / 2
    else:
        H = hessian(negll_live, z0, 1e-3 * np.maximum(np.abs(z0), 0.1))
    V = covariance_of(H)
    Sig, _ = sigmas_from_params(levels, template, np.where(np.isneginf(xs[pa:]), -50.0, xs[pa:]))
    Sig = [np.where(np.abs(S) < 1e-40, 0.0, S) for S in Sig]
    # leave the integrator at the estimates (its modes serve predict)
    loglik(np.where(np.isneginf(xs), -50.0, xs))
    return GLMMFit(
        design=d,
        reml=False,
        theta=x,
        beta=x[:p],
        V_beta=V[:p, :p],
        sigma2=float("nan"),
        ll=ll,
        params=params,
        V_params=V[pa:, pa:],
        Sigmas=Sig,
        converged=converged,
        ll0=ll0,
        iterations=iters,
        family=family.with_aux(x[p:pa]),
        method=method,
        intpoints=intpoints,
        gdesign=gd,
        x=x,
        V_full=V,
        fe_iterations=fe_log,
        integrator=integ,
        values=values,
        aux=x[p:pa],
    )


def robust_vce(fit: GLMMFit, cluster_of_group: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """``vce(robust)`` of a one-level fit: q · V (Σ_c s_c s_c') V over the estimation metric's
    free parameters (β, the family's, ``lns``/``atr``), with s_c the score of cluster c (the
    sum of its groups' scores; each group is its own cluster by default, as [ME] meglm's
    ``vce(robust)`` clusters at the highest level), V the model-based covariance and
    q = C/(C-1) ([U] 20.22, [P] _robust). The groups' scores are central differences of their
    log integrals. Returns (the covariance, the number of clusters C).
    """
    integ = fit.integrator
    if not isinstance(integ, SingleLevel):
        raise StataError(
            "vce(robust) with more than one level of random effects is not available in "
            "bayes_magic yet",
            198,
        )
    d, gd, fam = fit.design, fit.gdesign, fit.family
    assert gd is not None and fam is not None and fit.V_full is not None
    p, na = d.p, len(fit.aux)
    pa = p + na
    _w, _y, _n, off, X = glm_arrays(gd)
    order = integ_order(fit)
    live = list(range(pa)) + [pa + i for i, q in enumerate(fit.params) if not q.boundary]
    x0 = np.concatenate([fit.beta, fit.aux, [q.value for q in fit.params]])
    x0 = np.where(np.isneginf(x0), -50.0, x0)  # a zero SD, as the fit evaluates it

    def per_group(x: np.ndarray) -> np.ndarray:
        if na:
            integ.family = fam.with_aux(x[p:pa])
        Sig, _ = sigmas_from_params(d.levels, fit.params, x[pa:])
        xb = X @ x[:p] + off
        return integ.loglik(xb[order], psd_cholesky(Sig[0]), fit.method, fit.intpoints)

    S = np.empty((d.levels[0].G, len(live)))
    for j, i in enumerate(live):
        h = 1e-4 * max(abs(x0[i]), 0.1)
        up, dn = x0.copy(), x0.copy()
        up[i] += h
        dn[i] -= h
        S[:, j] = (per_group(up) - per_group(dn)) / (2 * h)
    per_group(x0)  # the integrator back at the estimates (its modes serve predict)
    codes = np.arange(len(S)) if cluster_of_group is None else cluster_of_group
    C = int(codes.max()) + 1
    V = sandwich(fit.V_full, S, C / (C - 1) if C > 1 else float("nan"), cluster=codes)
    return V, C


def _ordinal_start(gd: GLMMDesign, family: OrdinalFamily):
    """Starting values of an ordered GLMM: the ordered logit or probit without random effects
    ([R] ologit), whose log likelihood is the comparison model's. Returns (β, cutpoints, log
    likelihood, iteration log, outcome values, outcome codes 0..J-1)."""
    d = gd.base
    off = gd.offset if gd.offset_name else None
    ofit = fit_ordinal(d, family.link, offset=off)
    codes = np.searchsorted(ofit.values, d.y).astype(float)
    return ofit.beta, ofit.cuts, ofit.ll, ofit.iterations, ofit.values, codes
