"""The Python side of the sampler: build the kernel's arrays, initialize, run chains.

Chains run in chunks of a few hundred iterations inside the compiled kernel; between chunks the
driver reports progress and lets an interrupt stop the run. Chains run one after another, or in
parallel processes (fork) with ``nproc`` > 1; each chain has its own random stream from
``SeedSequence(rseed).spawn(nchains)``, so the draws are the same either way.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..design.mixed import MixedDesign
from ..errors import BreakError, StataError
from ..spec.bayes import BayesLinearModel, ReLevel, mcmc_iterations
from ..spec.priors import MatrixArg, Prior
from . import linear as K
from .densities import MVN_PART, code_of

__all__ = ["Layout", "Chains", "prepare", "run_chains"]

CHUNK = 500


@dataclass
class Layout:
    """Names and positions of what the kernel records."""

    coef_names: list[str]  # "math:homework" ... (estimable columns, in X's order)
    cov_names: list[list[str]]  # per level
    sigma2_name: str
    re_names: list[str]  # "U0[6053]" ... in b's order
    re_levels: list[tuple[int, int]]  # (first, last+1) of each level's effects in b
    blocks: list[str]  # a description of each sampling block (blocksummary)
    n_gibbs: int  # number of Gibbs blocks per iteration
    mh_names: list[str]
    #: MH blocks whose proposal is not a random walk (Newton proposals): a high acceptance
    #: rate is what they should have, not a sign of a step that is too small
    not_random_walk: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        out = list(self.coef_names)
        for c in self.cov_names:
            out += c
        if self.sigma2_name:  # a GLMM has no residual variance
            out.append(self.sigma2_name)
        return out


@dataclass
class Chains:
    """Draws of all chains: ``draws[chain, draw, param]`` and the random effects."""

    draws: np.ndarray
    re_draws: np.ndarray
    loglik: np.ndarray
    accept: np.ndarray  # (chains,) overall acceptance rate
    mh_accept: np.ndarray  # (chains, blocks)
    seconds: float
    inits: list[np.ndarray] = field(default_factory=list)


def _prior_args(p: Prior) -> tuple[int, np.ndarray]:
    args = np.zeros(3)
    vals = [a for a in p.args if isinstance(a, float)]
    if len(vals) != len(p.args):
        raise StataError(f"{p.text}: hyperparameters must be numbers here", 198)
    for i, v in enumerate(vals[:3]):
        args[i] = v
    fam = "lognormal" if p.family == "lognormal" else p.family
    if fam not in (
        "flat",
        "normal",
        "t",
        "lognormal",
        "uniform",
        "gamma",
        "igamma",
        "exponential",
        "beta",
        "laplace",
        "cauchy",
        "chi2",
        "pareto",
        "jeffreys",
    ):
        raise StataError(f"prior {p.text} is not available for this parameter", 198)
    return code_of(fam), args


def _joint_normal(p: Prior, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The mean and covariance of ``mvnormal0(k, Σ)`` or ``mvnormal(k, m1, ..., mk, Σ)`` (the
    means also as one row or column matrix) given to the coefficients ``names``.

    Raises
    ------
    StataError
        r(198) when k is not the number of coefficients or Σ is not k x k; r(506) when Σ is not
        positive definite.
    """
    k = len(names)
    args = p.args
    if not args or not isinstance(args[0], float) or int(args[0]) != args[0]:
        raise StataError(f"{p.text}: the first argument is the dimension", 198)
    d = int(args[0])
    if d != k:
        listed = " ".join("{" + n + "}" for n in names)
        raise StataError(
            f"{p.text}: dimension {d} does not match the {k} coefficient"
            f"{'s' if k != 1 else ''} it is the prior of ({listed})",
            198,
        )
    S = args[-1]
    if not isinstance(S, MatrixArg) or S.d != k or any(len(r) != k for r in S.rows):
        raise StataError(f"{p.text}: the last argument must be a {k} x {k} covariance matrix", 198)
    cov = np.array(S.rows, dtype=float)
    if not np.allclose(cov, cov.T) or np.linalg.eigvalsh((cov + cov.T) / 2).min() <= 0:
        raise StataError(f"{p.text}: covariance matrix not positive definite", 506)
    mid = args[1:-1]
    if p.family == "mvnormal0":
        mean = np.zeros(k)
    elif len(mid) == k and all(isinstance(a, float) for a in mid):
        mean = np.array(mid, dtype=float)
    elif len(mid) == 1 and isinstance(mid[0], MatrixArg):
        mean = np.array(mid[0].rows, dtype=float).reshape(-1)
        if mean.size != k:
            raise StataError(f"{p.text}: the mean must have {k} elements", 503)
    else:
        raise StataError(f"{p.text}: give {k} means, or one vector of them", 198)
    return mean, (cov + cov.T) / 2


def _ig(p: Prior) -> tuple[float, float] | None:
    """Inverse-gamma shape and scale if ``p`` is conjugate for a variance."""
    if p.family == "igamma" and p.numeric:
        return float(p.args[0]), float(p.args[1])
    if p.family == "jeffreys" and not p.args:
        return 0.0, 0.0
    return None


def _effect_perm(lev: ReLevel, znames: list[str]) -> list[int]:
    return [znames.index(e) for e in lev.effects]


def prepare(bm: BayesLinearModel, d: MixedDesign) -> tuple[K.Model, Layout]:
    """The kernel's model arrays and the layout of its records."""
    n = float(d.n if d.weights is None else d.weights.sum())
    w = np.ones(d.n) if d.weights is None else d.weights.astype(float)
    X, y = d.X, d.y
    p = X.shape[1]
    nl = len(bm.levels)
    multi = 1 if nl > 1 else 0
    Ks = [lev.k for lev in bm.levels]
    Gs = [dl.G for dl in d.levels]
    boff = np.concatenate([[0], np.cumsum([g * k for g, k in zip(Gs, Ks)])]).astype(np.int64)
    zzoff = np.concatenate([[0], np.cumsum([g * k * k for g, k in zip(Gs, Ks)])]).astype(np.int64)
    zxoff = np.concatenate([[0], np.cumsum([g * k * p for g, k in zip(Gs, Ks)])]).astype(np.int64)
    zzk = np.concatenate([[0], np.cumsum([k * k for k in Ks])]).astype(np.int64)
    zcoff = np.concatenate([[0], np.cumsum(Ks)]).astype(np.int64)
    gZZ, gZX, gZy = [], [], []
    obs_Z = np.zeros((d.n if multi else 0, int(zcoff[-1])))
    obs_g = np.zeros((d.n if multi else 0, nl), dtype=np.int64)
    for li, (lev, dl) in enumerate(zip(bm.levels, d.levels)):
        Z = dl.Z[:, _effect_perm(lev, dl.znames)]
        k, G = Z.shape[1], dl.G
        zw = Z * w[:, None]
        ZZ = np.zeros((G, k, k))
        for a in range(k):
            for b in range(k):
                ZZ[:, a, b] = np.bincount(dl.groups, zw[:, a] * Z[:, b], G)
        ZX = np.zeros((G, k, p))
        for a in range(k):
            for j in range(p):
                ZX[:, a, j] = np.bincount(dl.groups, zw[:, a] * X[:, j], G)
        Zy = np.zeros((G, k))
        for a in range(k):
            Zy[:, a] = np.bincount(dl.groups, zw[:, a] * y, G)
        gZZ.append(ZZ.ravel())
        gZX.append(ZX.ravel())
        gZy.append(Zy.ravel())
        if multi:
            obs_Z[:, zcoff[li] : zcoff[li + 1]] = Z
            obs_g[:, li] = dl.groups

    def cat(parts):
        return np.concatenate(parts) if parts else np.zeros(0)

    # coefficient priors
    coef_names = [f"{bm.eq}:{nm}" for nm in d.xnames]
    priors = [bm.coef_priors.get(nm, bm.coef_default) for nm in d.xnames]
    if any(pr is None for pr in priors):
        raise StataError(f"prior for {{{bm.eq}:}} not specified", 198)
    joint = ("mvnormal", "mvnormal0")
    # coefficients with normal (or flat, or joint normal) priors are drawn jointly with the
    # random effects; the others by one adaptive MH block, the Gibbs ones conditionally on them
    beta_mh = np.array(
        [
            not ((pr.family in ("normal", "flat") and pr.numeric) or pr.family in joint)
            for pr in priors
        ],
        dtype=np.int64,
    )
    beta_gibbs = not beta_mh.all() if p else True
    mh_coefs = [coef_names[j] for j in range(p) if beta_mh[j]]
    b0 = np.zeros(p)
    P0 = np.zeros((p, p))
    beta_code = np.zeros(p, dtype=np.int64)
    beta_args = np.zeros((p, 3))
    groups: dict[int, tuple[Prior, list[int]]] = {}
    for j, pr in enumerate(priors):
        if pr.family in joint:  # one prior object for the coefficients it was given to
            groups.setdefault(id(pr), (pr, []))[1].append(j)
            continue
        beta_code[j], beta_args[j] = _prior_args(pr)
        if pr.family == "normal":
            b0[j] = float(pr.args[0])
            P0[j, j] = 1.0 / float(pr.args[1])
    for pr, idx in groups.values():
        names = {d.xnames[j] for j in idx}
        listed = next((o for o in bm.coef_joint_order.values() if set(o) == names), [])
        pos = {nm: k for k, nm in enumerate(listed)}
        # the means and covariance follow the order the coefficients were listed in
        idx = sorted(idx, key=lambda j: pos.get(d.xnames[j], len(listed) + j))
        mean, cov = _joint_normal(pr, [coef_names[j] for j in idx])
        P0[np.ix_(idx, idx)] = np.linalg.inv(cov)
        b0[idx] = mean
        const = -0.5 * (len(idx) * math.log(2 * math.pi) + np.linalg.slogdet(cov)[1])
        beta_code[idx] = MVN_PART
        beta_args[idx, 0] = const / len(idx)
    # residual variance
    s2p = bm.sigma2_prior
    assert s2p is not None
    ig = _ig(s2p)
    s2_code, s2_args = _prior_args(s2p)
    # levels
    struct = np.zeros(nl, dtype=np.int64)
    iw_df = np.zeros(nl)
    iw_S = np.zeros(int(zzk[-1]))
    nvar = np.zeros(nl, dtype=np.int64)
    var_gibbs, var_a, var_b, var_code, var_args = [], [], [], [], []
    rho_code = np.zeros(nl, dtype=np.int64)
    rho_args = np.zeros((nl, 3))
    tdist = np.zeros(nl, dtype=np.int64)
    df_code = np.zeros(nl, dtype=np.int64)
    df_args = np.zeros((nl, 3))
    blk_type, blk_level, blk_j, blk_dim, blk_tar, mh_names = [], [], [], [], [], []
    blocks_desc: list[str] = []
    n_gibbs = 0
    cov_names: list[list[str]] = []
    smap = {
        "unstructured": K.UNSTRUCTURED,
        "independent": K.INDEPENDENT,
        "identity": K.IDENTITY,
        "exchangeable": K.EXCHANGEABLE,
    }
    for li, lev in enumerate(bm.levels):
        k = lev.k
        struct[li] = smap[lev.structure]
        cov_names.append(lev.cov_names())
        re_list = " ".join("{" + nm + "}" for nm in lev.names)
        gibbs_part = (
            f"{{{bm.eq}:}}"
            if not beta_mh.any()
            else " ".join("{" + coef_names[j] + "}" for j in range(p) if not beta_mh[j])
        )
        blocks_desc.append(
            f"{gibbs_part} {re_list}  (Gibbs, jointly)" if beta_gibbs else f"{re_list}  (Gibbs)"
        )
        n_gibbs += 1
        if lev.structure == "unstructured":
            cp = lev.cov_prior
            assert cp is not None
            if cp.family == "iwishart":
                df = float(cp.args[1])
                S = cp.args[2]
                if not isinstance(S, MatrixArg):
                    raise StataError("iwishart(): the scale must be a matrix", 198)
                iw_df[li] = df
                iw_S[zzk[li] : zzk[li + 1]] = np.array(S.rows).ravel()
            else:  # jeffreys(d): |Σ|^-(d+1)/2, an inverse Wishart with df 0 and scale 0
                iw_df[li] = 0.0
            blocks_desc.append(f"{{{lev.matrix},m}}  (Gibbs)")
            n_gibbs += 1
            continue
        nvar[li] = len(lev.var_names)
        for j, (vn, vp) in enumerate(zip(lev.var_names, lev.var_priors)):
            assert vp is not None
            c, a = _prior_args(vp)
            conj = _ig(vp)
            var_code.append(c)
            var_args.append(a)
            var_gibbs.append(1 if conj is not None else 0)
            var_a.append(conj[0] if conj else 0.0)
            var_b.append(conj[1] if conj else 0.0)
            if conj is None:
                blk_type.append(K.LOGVAR)
                blk_level.append(li)
                blk_j.append(j)
                blk_dim.append(1)
                blk_tar.append(0.44)
                mh_names.append("{" + vn + "}")
                blocks_desc.append(f"{{{vn}}}  (adaptive MH)")
            else:
                blocks_desc.append(f"{{{vn}}}  (Gibbs)")
                n_gibbs += 1
        if lev.structure == "exchangeable":
            assert lev.rho_prior is not None
            rho_code[li], rho_args[li] = _prior_args(lev.rho_prior)
            blk_type.append(K.RHO)
            blk_level.append(li)
            blk_j.append(0)
            blk_dim.append(1)
            blk_tar.append(0.44)
            mh_names.append("{" + str(lev.rho_name) + "}")
            blocks_desc.append(f"{{{lev.rho_name}}}  (adaptive MH)")
        if lev.dist == "t":
            tdist[li] = 1
            assert lev.df_prior is not None
            df_code[li], df_args[li] = _prior_args(lev.df_prior)
            blk_type.append(K.LOGDF)
            blk_level.append(li)
            blk_j.append(0)
            blk_dim.append(1)
            blk_tar.append(0.44)
            mh_names.append("{" + str(lev.df_name) + "}")
            blocks_desc.append(f"{{{lev.df_name}}}  (adaptive MH)")
            n_gibbs += 1  # the latent precisions
    if mh_coefs:
        q = len(mh_coefs)
        shown = f"{{{bm.eq}:}}" if q == p else " ".join("{" + c + "}" for c in mh_coefs)
        blk_type.insert(0, K.BETA)
        blk_level.insert(0, 0)
        blk_j.insert(0, 0)
        blk_dim.insert(0, q)
        blk_tar.insert(0, 0.234 if q > 1 else 0.44)
        mh_names.insert(0, shown)
        blocks_desc.insert(0, f"{shown}  (adaptive MH)")
    if not bm.levels and beta_gibbs:
        shown = (
            f"{{{bm.eq}:}}"
            if not mh_coefs
            else " ".join("{" + coef_names[j] + "}" for j in range(p) if not beta_mh[j])
        )
        blocks_desc.insert(0, f"{shown}  (Gibbs)")
        n_gibbs += 1
    if bm.sigma2_fixed is not None:
        ig = None  # a known variance: no block, no Gibbs step
    elif ig is None:
        blk_type.append(K.LOGS2)
        blk_level.append(0)
        blk_j.append(0)
        blk_dim.append(1)
        blk_tar.append(0.44)
        mh_names.append("{" + bm.sigma2_name + "}")
        blocks_desc.append(f"{{{bm.sigma2_name}}}  (adaptive MH)")
    else:
        blocks_desc.append(f"{{{bm.sigma2_name}}}  (Gibbs)")
        n_gibbs += 1
    o = bm.options
    i64 = lambda v: np.array(v, dtype=np.int64)  # noqa: E731
    f64 = lambda v: np.array(v, dtype=np.float64)  # noqa: E731
    model = K.Model(
        n=n,
        p=p,
        nl=nl,
        multi=multi,
        yty=float((y * y * w).sum()),
        Xty=X.T @ (y * w),
        XtX=X.T @ (X * w[:, None]),
        G=i64(Gs),
        k=i64(Ks),
        boff=boff,
        zzoff=zzoff,
        zxoff=zxoff,
        gZZ=cat(gZZ),
        gZX=cat(gZX),
        gZy=cat(gZy),
        y=y.astype(float) if multi else np.zeros(0),
        X=X.astype(float) if multi else np.zeros((0, p)),
        w=w if multi else np.zeros(0),
        obs_g=obs_g,
        obs_Z=obs_Z,
        zcoff=zcoff,
        beta_gibbs=int(beta_gibbs),
        beta_mh=beta_mh,
        b0=b0,
        P0=P0,
        beta_code=beta_code,
        beta_args=beta_args,
        s2_gibbs=int(ig is not None),
        s2_a=ig[0] if ig else 0.0,
        s2_b=ig[1] if ig else 0.0,
        s2_code=int(s2_code),
        s2_args=s2_args,
        struct=struct,
        iw_df=iw_df,
        iw_S=iw_S,
        zzk=zzk,
        nvar=nvar,
        voff=np.concatenate([[0], np.cumsum(nvar)]).astype(np.int64),
        var_gibbs=i64(var_gibbs),
        var_a=f64(var_a),
        var_b=f64(var_b),
        var_code=i64(var_code),
        var_args=f64(var_args).reshape(-1, 3),
        rho_code=rho_code,
        rho_args=rho_args,
        tdist=tdist,
        df_code=df_code,
        df_args=df_args,
        blk_type=i64(blk_type),
        blk_level=i64(blk_level),
        blk_j=i64(blk_j),
        blk_dim=i64(blk_dim),
        blk_tar=f64(blk_tar) if o.tarate is None else np.full(len(blk_type), o.tarate),
        **adaptation_settings(o),
    )
    re_names: list[str] = []
    re_levels: list[tuple[int, int]] = []
    for lev, dl in zip(bm.levels, d.levels):
        first = len(re_names)
        for ids in dl.ids:
            gid = "#".join(_fmt_id(x) for x in ids)
            for nm in lev.names:
                re_names.append(f"{nm}[{gid}]")
        re_levels.append((first, len(re_names)))
    layout = Layout(
        coef_names, cov_names, bm.sigma2_name, re_names, re_levels, blocks_desc, n_gibbs, mh_names
    )
    return model, layout


def _fmt_id(x: object) -> str:
    if isinstance(x, float) and x == int(x):
        return str(int(x))
    return str(x)


# ---------------------------------------------------------------------------------------------
# states


def adaptation_settings(o) -> dict[str, float | int]:
    """The kernels' adaptation settings from the MCMC options ([BAYES] bayesmh, option
    adaptation()): Stata's every(), maxiter() (default max(25, burnin/every)), miniter(),
    alpha(), beta(), gamma() and tolerance()."""
    return {
        "every": int(o.every),
        "maxiter": int(o.adapt_maxiter),
        "miniter": int(min(o.miniter, o.adapt_maxiter)),
        "alpha": float(o.alpha),
        "beta": float(o.beta),
        "gamma": float(o.gamma),
        "tol": float(o.tolerance),
    }


def adaptation_arrays(
    blk_dim: np.ndarray, blk_tar: np.ndarray, scale0: float, prop_cov: list | None = None
) -> dict[str, np.ndarray]:
    """A chain's Metropolis-Hastings bookkeeping, block by block: the proposal covariance
    (``prop_cov``, or the identity), the scale 2.38/sqrt(d) ([BAYES] bayesmh, option scale()),
    the adaptation windows and the acceptance counts. Shared by every kernel's state."""
    nb = len(blk_dim)
    dmax = int(max([1, *np.asarray(blk_dim).tolist()])) if nb else 1
    mh_cov = np.zeros((nb, dmax, dmax))
    mh_scale = np.zeros(nb)
    for j in range(nb):
        dj = int(blk_dim[j])
        mh_cov[j, :dj, :dj] = np.eye(dj) if prop_cov is None else prop_cov[j]
        mh_scale[j] = scale0 / np.sqrt(dj)
    return {
        "mh_scale": mh_scale,
        "mh_cov": mh_cov,
        "mh_ar": np.asarray(blk_tar, float).copy(),
        "mh_win_acc": np.zeros(nb),
        "mh_win_n": np.zeros(nb),
        "mh_nadapt": np.zeros(nb),
        "mh_done": np.zeros(nb),
        "mh_sum": np.zeros((nb, dmax)),
        "mh_cross": np.zeros((nb, dmax, dmax)),
        "mh_count": np.zeros(nb),
        "acc": np.zeros(nb),
        "tries": np.zeros(nb),
    }


def new_state(
    model: K.Model,
    rng_state: np.ndarray,
    beta: np.ndarray,
    b: np.ndarray,
    s2: float,
    sig: np.ndarray,
    var: np.ndarray,
    rho: np.ndarray,
    df: np.ndarray,
    scale0: float,
) -> K.State:
    kmax = int(max([1, *model.k.tolist()]))
    p = model.p
    st = K.State(
        beta=beta.astype(float).copy(),
        b=b.astype(float).copy(),
        s2=np.array([s2], float),
        Sig=sig.astype(float).copy(),
        var=var.astype(float).copy(),
        rho=rho.astype(float).copy(),
        df=df.astype(float).copy(),
        wt=np.ones(b.shape[0]),
        resid=np.zeros(model.y.shape[0]),
        rng=rng_state.copy(),
        it=np.zeros(1),
        **adaptation_arrays(model.blk_dim, model.blk_tar, scale0),
        wL=np.zeros(max([1, *(int(g * k * k) for g, k in zip(model.G, model.k))])),
        wPi=np.zeros((kmax, kmax)),
        wKP=np.zeros((kmax, max(p, 1))),
        wK=np.zeros(kmax),
        wK2=np.zeros(kmax),
        wQ=np.zeros((p, p)),
        wP=np.zeros(max(p, 1)),
        wP2=np.zeros(max(p, 1)),
        wZy=np.zeros(max([1, *(int(g * k) for g, k in zip(model.G, model.k))])),
        wLam=np.zeros((max(p, 1), max(p, 1))),
        weta=np.zeros(max(p, 1)),
        collapse=np.zeros(1),
    )
    K._refresh_resid(model, st)
    return st


# ---------------------------------------------------------------------------------------------
# running


def _chunk_of(model) -> Callable:
    """The compiled chunk runner of a model: the linear kernel's, or the GLMM kernel's for a
    ``(Model, GData)`` pair, or the nonlinear kernel's."""
    from . import nonlinear as NL

    if isinstance(model, NL.NLModel):
        return NL.run_chunk
    if isinstance(model, tuple) and len(model) == 2 and not isinstance(model, K.Model):
        from . import glmm as G

        m, data = model
        return lambda _model, *a: G.run_chunk(m, data, *a)
    return K.run_chunk


def needs_compile(model) -> bool:
    """Whether this model's compiled sampler is neither loaded in this process nor cached on
    disk (numba's index file of the chunk runner): the first run then compiles it, which takes
    a minute or two, so the user is told. Best effort: False when numba's cache layout is not
    the expected one."""
    import os

    from . import nonlinear as NL

    if isinstance(model, NL.NLModel):
        fn = NL.run_chunk
    elif isinstance(model, tuple) and len(model) == 2 and not isinstance(model, K.Model):
        from . import glmm as G

        fn = G.run_chunk
    else:
        fn = K.run_chunk
    try:
        if fn.signatures:
            return False
        return not os.path.exists(fn._cache._cache_file._index_path)
    except AttributeError:
        return False


COMPILE_NOTE = (
    "(compiling the sampler: the first run after installing or upgrading takes a minute or "
    "two; later runs start at once)"
)


def _run_one(args: tuple) -> tuple:
    model, st, burnin, size, thin, nparam, q, progress = args
    chunk = _chunk_of(model)
    draws = np.empty((size, nparam))
    re = np.empty((size, q))
    ll = np.empty(size)
    lpri = np.empty(size)
    total = mcmc_iterations(burnin, size, thin)
    done = 0
    row = 0
    while done < total:
        if done < burnin:
            n = min(CHUNK, burnin - done)
            chunk(model, st, n, 1, True, False, draws, re, ll, lpri, 0)
        else:
            # Stata keeps iterations 1, 1 + thin, 1 + 2·thin ... after the burn-in: the
            # first alone, then every thin-th of the chunks that follow
            step = 1 if row == 0 else thin
            n = 1 if row == 0 else min(CHUNK // thin + 1, size - row) * thin
            row = chunk(
                model,
                st,
                n,
                step,
                st.mh_done.min() < 1 if len(st.mh_done) else False,
                True,
                draws,
                re,
                ll,
                lpri,
                row,
            )
        done += n
        if progress is not None:
            progress(done, total)
    tries = np.maximum(st.tries, 1.0)
    return draws, re, ll, lpri, st.acc / tries, _logpost_at_mean(model, st, draws, re)


def _logpost_at_mean(model, st, draws: np.ndarray, re: np.ndarray) -> float:
    """The log posterior (likelihood and priors, random effects included) at the chain's
    posterior mean, evaluated on a copy of its final state; NaN where it is not finite or the
    chain is empty."""
    from . import nonlinear as NL

    if draws.shape[0] == 0:
        return math.nan
    row = draws.mean(axis=0)
    b = re.mean(axis=0) if re.shape[1] else np.zeros(0)
    copy = type(st)(*(a.copy() for a in st))
    if isinstance(model, NL.NLModel):
        lp = NL.logpost_at_draw(model, copy, row, b)
    elif isinstance(model, tuple) and len(model) == 2 and not isinstance(model, K.Model):
        from . import glmm as G

        m, data = model
        lp = G.logpost_at(m, data, copy, row, b)
    else:
        lp = K.logpost_at(model, copy, row, b)
    return float(lp) if math.isfinite(lp) else math.nan


def run_chains(
    model: K.Model,
    states: list[K.State],
    burnin: int,
    size: int,
    thin: int,
    nparam: int,
    *,
    nproc: int = 1,
    progress: Callable[[int, int, int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float, np.ndarray]:
    """Run every chain; returns draws (chains, size, nparam), random effects, log likelihoods,
    log priors, MH acceptance rates (chains, blocks), the wall time, and each chain's log
    posterior at its posterior mean."""
    t0 = time.perf_counter()
    q = states[0].b.shape[0]
    nchains = len(states)
    results: list = [None] * nchains
    if nproc > 1 and nchains > 1 and hasattr(os, "fork"):
        results = _run_parallel(model, states, burnin, size, thin, nparam, q, nproc, progress)
    else:
        for c, st in enumerate(states):
            cb = (lambda done, total, c=c: progress(c, done, total)) if progress else None
            try:
                results[c] = _run_one((model, st, burnin, size, thin, nparam, q, cb))
            except KeyboardInterrupt:
                raise BreakError() from None
    draws = np.stack([r[0] for r in results])
    re = np.stack([r[1] for r in results])
    ll = np.stack([r[2] for r in results])
    lpri = np.stack([r[3] for r in results])
    acc = np.stack([r[4] for r in results])
    at_mean = np.array([r[5] for r in results])
    return draws, re, ll, lpri, acc, time.perf_counter() - t0, at_mean


def _child(conn, args: tuple, c: int, queue) -> None:
    """A forked chain: reports progress on ``queue`` and its result on ``conn``."""

    def cb(done: int, total: int) -> None:
        queue.put((c, done, total))

    try:
        conn.send(("ok", _run_one((*args, cb))))
    except BaseException as exc:
        conn.send(("error", repr(exc)))
    finally:
        conn.close()


def _run_parallel(model, states, burnin, size, thin, nparam, q, nproc, progress):
    """Run chains in forked processes, ``nproc`` at a time."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    results: list = [None] * len(states)
    todo = list(range(len(states)))
    running: dict[int, tuple] = {}

    def drain() -> None:
        while True:
            try:
                c, done, total = queue.get_nowait()
            except Exception:
                return
            if progress:
                progress(c, done, total)

    try:
        while todo or running:
            while todo and len(running) < nproc:
                c = todo.pop(0)
                parent, child = ctx.Pipe(duplex=False)
                args = (model, states[c], burnin, size, thin, nparam, q)
                proc = ctx.Process(target=_child, args=(child, args, c, queue), daemon=True)
                proc.start()
                child.close()
                running[c] = (proc, parent)
            for c, (proc, parent) in list(running.items()):
                if parent.poll(0.02):
                    status, payload = parent.recv()
                    proc.join()
                    del running[c]
                    if status != "ok":
                        raise StataError(f"chain {c + 1} failed: {payload}", 9999)
                    results[c] = payload
            drain()
        drain()
    except KeyboardInterrupt:
        for proc, _ in running.values():
            proc.terminate()
        raise BreakError() from None
    return results
