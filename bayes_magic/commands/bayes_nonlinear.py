"""Run a nonlinear (or multivariate) ``bayesmh`` model: design, initial values, proposals,
chains, a Posterior ([BAYES] bayesmh, *Nonlinear models*, *Multivariate models*).

Initial values: for normal likelihoods, the maximum-likelihood fit of the same model by
``menl``, equation by equation (each random effect ``{C[id]}`` with prior mean ``{c}`` fitted as
``{c} + {C[id]}``), as ``bayes:`` starts from ``mixed``; for logit, probit and Poisson (or when
that fit fails) the posterior mode of the expression's parameters and the random effects.
``nomleinitial`` keeps Stata's defaults: zero for the expression's parameters and the effects'
means, one for variances, the identity for covariance matrices. ``{b=#}``, ``initial()``,
``init#()`` and ``initall()`` set values by name. The display is in
:mod:`.bayes_nonlinear_display`, ``bayespredict`` in :mod:`.bayes_nonlinear_predict`.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from ..design.bayes_nonlinear import NLBayesDesign, build_bayes_nonlinear_design
from ..errors import StataError
from ..posterior import Posterior
from ..spec.bayes_nonlinear import BayesNonlinearModel
from ..syntax.ast import Binary, Num, ParamItem, ParamRef

__all__ = ["estimate_nonlinear", "nl_mean_loglik"]


# ---------------------------------------------------------------------------------------------
# initial values


class _Start:
    def __init__(
        self,
        theta: dict[str, float],
        b: list[np.ndarray],
        Sig: list[np.ndarray],
        Sres: np.ndarray | None = None,
    ):
        self.theta, self.b, self.Sig, self.Sres = theta, b, Sig, Sres

    def copy(self) -> _Start:
        return _Start(
            dict(self.theta),
            [x.copy() for x in self.b],
            [x.copy() for x in self.Sig],
            None if self.Sres is None else self.Sres.copy(),
        )


def _default_start(bm: BayesNonlinearModel, d: NLBayesDesign, names: list[str]) -> _Start:
    theta = {n: 0.0 for n in names}
    for p in bm.params:
        if p.role == "sigma2" or (
            p.role == "hyper" and any(p.name in lv.variances for lv in bm.levels)
        ):
            theta[p.name] = 1.0
    theta.update({k: v for k, v in bm.spec.init.items() if k in theta})
    b, Sig = [], []
    for lv, dl in zip(bm.levels, d.levels):
        mean = np.array([theta[m] if isinstance(m, str) else m for m in lv.means], float)
        b.append(np.tile(mean, (dl.G, 1)))
        Sig.append(np.eye(lv.k))
    Sres = np.eye(len(bm.equations)) if bm.residual else None
    return _Start(theta, b, Sig, Sres)


def _menl_start(s, bm: BayesNonlinearModel, d: NLBayesDesign, start: _Start) -> _Start:
    """The ML fit by ``menl`` of the same model, equation by equation, as a starting point
    (random effects of different equations start uncorrelated)."""
    from ..design.nonlinear import build_nonlinear_design
    from ..fit.nonlinear import fit_nonlinear
    from ..spec.nonlinear import RELevelSpec, _map, collect_params, param_refs

    means = {nm: m for lv in bm.levels for nm, m in zip(lv.names, lv.means)}

    def shift(ref: ParamRef):
        it = ref.items[0]
        if it.index is None or it.name not in means:
            return ref
        m = means[it.name]
        if isinstance(m, str):
            mean = ParamRef((ParamItem(None, m),), span=ref.span)
        elif m == 0:
            return ref
        else:
            mean = Num(float(m), ref.span, str(m))
        return Binary("+", mean, ref, ref.span)

    out = start.copy()
    filled = [np.zeros((lv.k, lv.k), bool) for lv in bm.levels]
    for e, eq in enumerate(bm.equations):
        fixed, by_level, _init = collect_params(eq.expr)
        used = {n for names in by_level.values() for n in names}
        hyper = [m for n, m in means.items() if n in used and isinstance(m, str)]
        levels = []
        for lv in bm.levels:
            names = tuple(n for n in lv.names if n in used)
            if names:
                cov = "unstructured" if lv.matrix and len(names) > 1 else "independent"
                levels.append((lv, RELevelSpec(lv.path, names, cov)))
        eqs = {r.items[0].eq for r in param_refs(eq.expr) if r.items[0].name is None}
        mspec = replace(
            bm.spec,
            depvar=eq.depvar,
            expr=_map(eq.expr, shift),
            fixed=tuple(fixed) + tuple(hyper),
            levels=tuple(x for _, x in levels),
            reffects=tuple(n for _, x in levels for n in x.reffects),
            lincombs=tuple(lc for lc in bm.spec.lincombs if lc.name in eqs),
        )
        md = build_nonlinear_design(s.data, mspec, d.sample)
        beta0 = np.array([out.theta.get(n.lstrip("/"), 0.0) for n in md.pnames])
        with np.errstate(all="ignore"):
            fit = fit_nonlinear(md, beta0, False, iterate=50)
        for n, v in zip(md.pnames, fit.beta):
            out.theta[n.lstrip("/")] = float(v)
        if isinstance(eq.sigma2, str):
            out.theta[eq.sigma2] = float(fit.lme.sigma2)
        if out.Sres is not None:
            out.Sres[e, e] = float(fit.lme.sigma2)
        for (lv, ls), B, S in zip(levels, fit.Bs, fit.lme.Sigmas):
            li = bm.levels.index(lv)
            ix = [lv.names.index(n) for n in ls.reffects]
            mean = np.array([out.theta[m] if isinstance(m, str) else m for m in lv.means], float)
            out.b[li][:, ix] = B + mean[ix]
            out.Sig[li][np.ix_(ix, ix)] = S
            filled[li][np.ix_(ix, ix)] = True
    for li, lv in enumerate(bm.levels):
        S = np.where(filled[li], out.Sig[li], 0.0)
        w, V = np.linalg.eigh((S + S.T) / 2)
        out.Sig[li] = (V * np.maximum(w, 1e-4 * max(float(w.max()), 1e-8))) @ V.T
        for j, v in enumerate(lv.variances):
            if isinstance(v, str):
                out.theta[v] = float(out.Sig[li][j, j])
    return out


def _apply_initial(bm: BayesNonlinearModel, start: _Start, text: str) -> None:
    """``initial({d} 0.5 {c} 100 {Sigma,m} I(2))``."""
    from .bayes_run import initial_values

    for it, _matrix, value in initial_values(text):
        full = f"{it.eq}:{it.name}" if it.eq else str(it.name)
        lv = next((lv for lv in bm.levels if lv.matrix == full), None)
        if full == bm.residual and start.Sres is not None:
            M = np.asarray(value, float)
            k = len(bm.equations)
            if M.shape != (k, k):
                raise StataError(f"initial(): {{{full},m}} must be {k} x {k}", 503)
            start.Sres = M
        elif lv is not None:
            M = np.asarray(value, float)
            if M.shape != (lv.k, lv.k):
                raise StataError(f"initial(): {{{full},m}} must be {lv.k} x {lv.k}", 503)
            start.Sig[bm.levels.index(lv)] = M
        elif full in start.theta and np.ndim(value) == 0:
            start.theta[full] = float(value)
        else:
            hit = [
                (li, j)
                for li, lv in enumerate(bm.levels)
                for j, n in enumerate(lv.names)
                if n == full
            ]
            if not hit or np.ndim(value):
                raise StataError(f"initial(): parameter {{{full}}} not found", 111)
            li, j = hit[0]
            start.b[li][:, j] = float(value)


def _mode_start(bm: BayesNonlinearModel, model, layout, start: _Start) -> _Start:
    """The posterior mode of the expression's parameters and the random effects, the other
    parameters held at their starting values (L-BFGS from ``start``): where no ML fit gives
    starting values (logit, probit and Poisson likelihoods, or a ``menl`` fit that failed).
    Skipped for models too large for its numerical gradient."""
    from scipy.optimize import minimize

    from ..sampler import nonlinear as N
    from ..sampler.nonlinear_driver import new_nl_state

    names = layout.theta_names
    idx = np.array([names.index(n) for n in layout.coef_names], np.int64)
    q = sum(x.size for x in start.b)
    if len(idx) + q > 400 or (len(idx) + q) * model.y.size > 2e7:
        return start
    theta = np.array([start.theta[n] for n in names], float)
    b = np.concatenate([x.reshape(-1) for x in start.b]) if start.b else np.zeros(0)
    Sig = np.concatenate([x.reshape(-1) for x in start.Sig]) if start.Sig else np.zeros(0)
    st = new_nl_state(
        model,
        np.zeros(4, np.uint64),
        theta,
        b,
        Sig,
        1.0,
        [np.eye(int(k)) for k in model.blk_dim],
        start.Sres,
    )
    x0 = np.concatenate([theta[idx], b])

    def f(x: np.ndarray) -> float:
        v = N.logpost_at(model, st, idx, x)
        return -v if np.isfinite(v) else 1e300

    f0 = f(x0)
    with np.errstate(all="ignore"):
        res = minimize(f, x0, method="L-BFGS-B", options={"maxiter": 1000})
    if not (np.isfinite(res.fun) and res.fun < f0):
        return start
    out = start.copy()
    for j, n in zip(idx, layout.coef_names):
        out.theta[n] = float(res.x[list(idx).index(j)])
    pos = len(idx)
    for li, x in enumerate(start.b):
        out.b[li] = res.x[pos : pos + x.size].reshape(x.shape)
        pos += x.size
    return out


def _disperse(start: _Start, rng: np.random.Generator, fixed: set[str]) -> _Start:
    """A later chain's start: the parameters moved by a tenth of their size at random."""
    out = start.copy()
    for n, v in out.theta.items():
        if n in fixed:
            continue
        out.theta[n] = (
            v * math.exp(0.2 * rng.standard_normal())
            if v > 0
            else v + 0.1 * (abs(v) + 1.0) * rng.standard_normal()
        )
    return out


# ---------------------------------------------------------------------------------------------
# proposals


def _level_cov_now(model, st, li: int) -> np.ndarray:
    """A level's covariance matrix at the state (its matrix, or its variances)."""
    k = int(model.k[li])
    if model.has_mat[li]:
        o = int(model.zzk[li])
        return st.Sig[o : o + k * k].reshape(k, k)
    e0 = int(model.eoff[li])
    return np.diag(
        [
            st.theta[model.var_idx[e0 + j]] if model.var_idx[e0 + j] >= 0 else model.var_val[e0 + j]
            for j in range(k)
        ]
    )


def _proposals(model, st, layout, kmax: int) -> list[np.ndarray]:
    """Each MH block's starting proposal covariance (see :func:`sampler.nonlinear.curvature`)."""
    from ..sampler import nonlinear as N

    names = layout.theta_names
    mean_idx = np.array([names.index(n) for n in layout.coef_names], np.int64)
    Ith, Ig = N.curvature(model, st, mean_idx, kmax)
    pos = {n: j for j, n in enumerate(layout.coef_names)}
    out = []
    groups = []
    for li in range(model.nl):
        k = int(model.k[li])
        o = int(model.zzk[li])
        if model.has_mat[li]:
            S = st.Sig[o : o + k * k].reshape(k, k)
        else:
            e0 = int(model.eoff[li])
            S = np.diag(
                [
                    st.theta[model.var_idx[e0 + j]]
                    if model.var_idx[e0 + j] >= 0
                    else model.var_val[e0 + j]
                    for j in range(k)
                ]
            )
        P = np.linalg.inv(S)
        for grp in range(int(model.G[li])):
            H = Ig[int(model.goff[li]) + grp, :k, :k] + P
            try:
                C = np.linalg.inv(H)
                C = (C + C.T) / 2
                if not np.linalg.eigvalsh(C).min() > 0:
                    C = S.copy()
            except np.linalg.LinAlgError:
                C = S.copy()
            groups.append(C)
    for bi, blk in enumerate(layout.block_params):
        guess = np.diag([(0.1 * max(abs(st.theta[names.index(n)]), 0.1)) ** 2 for n in blk])
        if all(n in pos for n in blk):
            ix = [pos[n] for n in blk]
            H = Ith[np.ix_(ix, ix)].copy()
            for a, n in enumerate(blk):
                j = names.index(n)
                if model.pcode[j] == 1:
                    H[a, a] += 1.0 / model.pargs[j, 1]
            try:
                C = np.linalg.inv(H)
                if np.all(np.isfinite(C)) and np.linalg.eigvalsh((C + C.T) / 2).min() > 0:
                    guess = (C + C.T) / 2
            except np.linalg.LinAlgError:
                pass
        if model.blk_b[bi]:  # the joint block: parameters and effects, block-diagonal
            from scipy.linalg import block_diag

            guess = block_diag(guess, *groups)
        out.append(guess)
    along = []  # the scale of a move along a parameter and an effect
    for r, e in enumerate(model.cs_e):
        li, j = int(model.re_lev[e]), int(model.re_pos[e])
        G = int(model.G[li])
        if r < layout.n_shift:  # with its mean: the effects' posterior spread about it
            v = float(np.mean([groups[int(model.goff[li]) + g][j, j] for g in range(G)])) / G
        else:  # against a parameter: the uncertainty of the effects' mean
            v = float(_level_cov_now(model, st, li)[j, j]) / G
        along.append(np.array([[max(v, 1e-12)]]))
    return out + groups + [np.eye(1) for _ in range(len(model.rescale))] + along


# ---------------------------------------------------------------------------------------------
# estimation


def estimate_nonlinear(
    s,
    bm: BayesNonlinearModel,
    touse: np.ndarray,
    progress: Callable[[], Callable[[int, int, int], None] | None] | None = None,
    before: Callable[[], None] | None = None,
) -> Posterior:
    """Simulate the posterior of a nonlinear ``bayesmh`` model over ``touse``."""
    from ..sampler import nonlinear as N
    from ..sampler.driver import run_chains
    from ..sampler.nonlinear_driver import new_nl_state, prepare_nonlinear
    from ..sampler.rng import seed_states
    from .bayes_run import initial_values, new_posterior

    o = bm.options
    d = build_bayes_nonlinear_design(s.data, bm, touse)
    for lv, dl in zip(bm.levels, d.levels):
        if dl.G < 2:
            raise StataError(f"{lv.level}: random effects need at least two groups", 459)
    model, layout = prepare_nonlinear(bm, d)
    names = layout.theta_names
    start = _default_start(bm, d, names)
    user = [t for t in (o.initall, o.initial, *o.inits.values()) if t]
    for text in user:  # checked (and their values used by the ML start) before sampling
        _apply_initial(bm, start.copy(), text)
    if o.initial:
        _apply_initial(bm, start, o.initial)
    if not o.nomleinitial:
        fitted = False
        if bm.likelihood in ("normal", "mvnormal"):
            with contextlib.suppress(
                StataError, np.linalg.LinAlgError, ValueError, FloatingPointError
            ):
                start = _menl_start(s, bm, d, start)
                fitted = True
        if not fitted:
            start = _mode_start(bm, model, layout, start)
        if o.initial:
            _apply_initial(bm, start, o.initial)  # the user's values win
    if o.rseed is None:  # the session's stream, which set seed sets ([BAYES] bayesmh, rseed())
        o.rseed = int(s.rng.integers(2**31))
    seed_rng = np.random.default_rng(np.random.SeedSequence(o.rseed).spawn(1)[0])
    rstates = seed_states(o.rseed, o.nchains)
    fixed_user = set()
    for text in user:
        fixed_user |= {
            f"{it.eq}:{it.name}" if it.eq else str(it.name) for it, _, _ in initial_values(text)
        }
    states = []
    kmax = max([1, *(lv.k for lv in bm.levels)])
    for c in range(o.nchains):
        # a later chain starts from a dispersed copy of the first's start; one outside the
        # priors' support (a uniform's bounds) is drawn again, and after 20 tries not dispersed
        for attempt in range(21):
            st0 = (
                start.copy() if c == 0 or attempt == 20 else _disperse(start, seed_rng, fixed_user)
            )
            if o.initall:
                _apply_initial(bm, st0, o.initall)
            if o.inits.get(c + 1):
                _apply_initial(bm, st0, o.inits[c + 1])
            for li, lv in enumerate(bm.levels):
                if lv.matrix and np.linalg.eigvalsh((st0.Sig[li] + st0.Sig[li].T) / 2).min() <= 0:
                    raise StataError(
                        f"initial value of {{{lv.matrix},m}} is not positive definite", 506
                    )
            if st0.Sres is not None and np.linalg.eigvalsh((st0.Sres + st0.Sres.T) / 2).min() <= 0:
                raise StataError(
                    f"initial value of {{{bm.residual},m}} is not positive definite", 506
                )
            theta = np.array([st0.theta[n] for n in names], float)
            b = np.concatenate([x.reshape(-1) for x in st0.b]) if st0.b else np.zeros(0)
            Sig = np.concatenate([x.reshape(-1) for x in st0.Sig]) if st0.Sig else np.zeros(0)
            blank = [np.eye(int(k)) for k in model.blk_dim]
            st = new_nl_state(model, rstates[c], theta, b, Sig, o.scale, blank, st0.Sres)
            lpost = N.loglik(model, st) + N.logprior(model, st)
            if np.isfinite(lpost) or c == 0:
                break
        if not np.isfinite(lpost):
            raise StataError(
                "initial values not feasible: the log posterior is missing at the initial "
                f"values{' of chain ' + str(c + 1) if o.nchains > 1 else ''}; specify "
                "initial()",
                498,
            )
        st = new_nl_state(
            model,
            rstates[c],
            theta,
            b,
            Sig,
            o.scale,
            _proposals(model, st, layout, kmax),
            st0.Sres,
        )
        states.append(st)
    if before is not None:
        before()
    from ..report.output import Text
    from ..sampler.driver import COMPILE_NOTE, needs_compile

    if needs_compile(model):
        s.show_now([Text(COMPILE_NOTE)])
    nparam = len(layout.names)
    draws, re, ll, lpri, acc, secs, at_mean = run_chains(
        model,
        states,
        o.burnin,
        o.mcmcsize,
        o.thinning,
        nparam,
        nproc=max(1, o.nproc),
        progress=progress() if progress is not None else None,
    )
    # a level's groups are one acceptance figure (the mean over its groups)
    nb = model.nb
    per = [acc[:, :nb]]
    for li in range(model.nl):
        lo = nb + int(model.goff[li])
        per.append(acc[:, lo : lo + int(model.G[li])].mean(axis=1, keepdims=True))
    per.append(acc[:, nb + model.ngroups :])
    acc = np.concatenate(per, axis=1)
    post = new_posterior(bm, d, layout, (draws, re, ll, lpri, acc, secs, at_mean))
    post.kernel = model  # type: ignore[attr-defined]
    post.info["nl_group_ids"] = [list(dl.ids) for dl in d.levels]
    post.ids = s.data.ids[d.sample]
    return post


def nl_mean_loglik(post: Posterior) -> float:
    """log p(y | θ̄, b̄) at the posterior means (DIC's plug-in deviance)."""
    from ..sampler import nonlinear as N
    from ..sampler.nonlinear_driver import new_nl_state

    m = post.kernel  # type: ignore[attr-defined]
    lay = post.layout
    if any(n not in post.names for n in lay.theta_names) or post.re_names != lay.re_names:
        return math.nan  # exclude()d parameters: their posterior mean is not kept
    theta = np.array([post.chains_of(n).mean() for n in lay.theta_names])
    q = post.re_draws.shape[2]
    b = post.re_draws.reshape(-1, q).mean(axis=0) if q else np.zeros(0)
    Sig = np.zeros(int((m.k * m.k).sum()))  # not read by the likelihood
    Sres = None
    bm = post.model
    if bm.residual:
        k = len(bm.equations)
        Sres = np.zeros((k, k))
        for i in range(k):
            for j in range(i + 1):
                name = f"{bm.residual}_{i + 1}_{j + 1}"
                if name not in post.names:
                    return math.nan
                Sres[i, j] = Sres[j, i] = post.chains_of(name).mean()
    st = new_nl_state(
        m, np.zeros(4, np.uint64), theta, b, Sig, 1.0, [np.eye(int(k)) for k in m.blk_dim], Sres
    )
    return float(N.loglik(m, st))
