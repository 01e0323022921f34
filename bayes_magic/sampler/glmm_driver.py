"""The Python side of the GLMM kernel: its arrays, blocks and layout.

The linear kernel's :func:`~.driver.prepare` builds the covariance parameters' priors, Gibbs
steps and MH blocks (identical for every likelihood); this module replaces what depends on the
likelihood: β becomes one MH block (Newton or adaptive random walk), an ordered model's
cutpoints follow β (in the state and in that block) and have a block of their own (as has a
negative binomial's ln α, which also follows β in the state), each level's random effects
another (a group at a time), there is no residual variance, and the data go into
:class:`~.glmm.GData`.
"""

from __future__ import annotations

import copy

import numpy as np

from ..design.glmm import GLMMDesign
from ..spec.bayes import BayesLinearModel
from ..spec.priors import Prior
from . import glmm as G
from . import linear as K
from .driver import Layout, _effect_perm, _prior_args, prepare

__all__ = ["prepare_glmm", "FAMILY_CODE", "ORDINAL_CODE", "NEGBIN_CODE"]

FAMILY_CODE = {"logit": G.LOGIT, "probit": G.PROBIT, "cloglog": G.CLOGLOG, "log": G.POISSON}
ORDINAL_CODE = {"logit": G.OLOGIT, "probit": G.OPROBIT}
NEGBIN_CODE = {"mean": G.NBMEAN, "constant": G.NBCONST}


def prepare_glmm(
    bm: BayesLinearModel, gd: GLMMDesign, family
) -> tuple[tuple[K.Model, G.GData], Layout]:
    """The kernel's model (linear model arrays and GLMM data) and the layout of its records.

    ``family`` is the model's :class:`~bayes_magic.fit.glmm_family.Family` (its ``link`` and
    ``constant()``). The likelihood's parameters (``bm.aux_names``: an ordered model's
    cutpoints, a negative binomial's ln α) follow the coefficients in the kernel's β, with
    their priors, in one MH block of their own after β's; an ordered outcome ``d.y`` holds the
    outcomes' codes 0 .. J-1.
    """
    d = gd.base
    lin = copy.copy(bm)
    # the linear preparation needs a residual variance: a conjugate one adds no MH block
    lin.sigma2_prior = Prior("igamma", (0.01, 0.01), "igamma(.01,.01)")
    lin.sigma2_name = "_sigma2_unused"
    m, lay = prepare(lin, d)
    p = d.p
    nl = len(bm.levels)
    ncut = len(bm.aux_names)
    cut_codes, cut_args = [], []
    for nm in bm.aux_names:
        code, args = _prior_args(bm.aux_prior(nm))
        cut_codes.append(code)
        cut_args.append(args)
    # the linear blocks of covariance parameters stay; β (if non-normal priors made it a block
    # there) and the random effects get the GLMM's blocks
    keep = [j for j in range(len(m.blk_type)) if m.blk_type[j] != K.BETA]
    pick = lambda a: [a[j] for j in keep]  # noqa: E731
    cut = [G.CUT] if ncut else []
    blk_type = [K.BETA, *cut, *pick(m.blk_type), *([G.RE] * nl), *([G.SCALE] * nl)]
    blk_level = [0, *[0] * len(cut), *pick(m.blk_level), *range(nl), *range(nl)]
    blk_j = [0, *[0] * len(cut), *pick(m.blk_j), *([0] * nl), *([0] * nl)]
    blk_dim = [p, *[ncut] * len(cut), *pick(m.blk_dim), *(lev.k for lev in bm.levels)]
    blk_dim += [1] * nl
    o = bm.options
    tar = (
        [0.234 if p > 1 else 0.44]
        + [0.234 if ncut > 1 else 0.44] * len(cut)
        + pick(m.blk_tar)
        + [0.44 if lev.k == 1 else 0.234 for lev in bm.levels]
        + [0.44] * nl
    )
    if o.tarate is not None:
        tar = [float(o.tarate)] * len(tar)
    re_blk = np.arange(len(blk_type) - 2 * nl, len(blk_type) - nl, dtype=np.int64)
    i64 = lambda v: np.array(v, dtype=np.int64)  # noqa: E731
    # the linear kernel's observation-level arrays are unused here; empty C arrays keep one
    # compiled signature for every GLMM (a Fortran-ordered X would compile the kernel again)
    m = m._replace(
        multi=0,
        y=np.zeros(0),
        X=np.zeros((0, p)),
        w=np.zeros(0),
        obs_g=np.zeros((0, nl), dtype=np.int64),
        obs_Z=np.zeros((0, int(m.zcoff[-1]))),
        beta_gibbs=0,
        s2_gibbs=0,
        s2_code=0,  # flat: no term in the log prior
        s2_args=np.zeros(3),
        blk_type=i64(blk_type),
        blk_level=i64(blk_level),
        blk_j=i64(blk_j),
        blk_dim=i64(blk_dim),
        blk_tar=np.array(tar, dtype=np.float64),
    )
    if ncut:  # cutpoints or ln α after the coefficients in β, with their priors
        m = m._replace(
            p=p + ncut,
            beta_code=np.concatenate([m.beta_code, np.array(cut_codes, dtype=m.beta_code.dtype)]),
            beta_args=np.vstack([m.beta_args, np.array(cut_args, dtype=float)]),
        )
    # descriptions and MH names in block order (blocksummary, acceptance notes)
    newton = all(c in (0, 1, 20) for c in m.beta_code[:p])  # flat, normal, mvnormal
    cut_list = " ".join("{" + nm + "}" for nm in bm.aux_names)
    if bm.ordinal and newton:  # the coefficients and the cutpoints by one joint Newton proposal
        desc = [f"{{{bm.eq}:}} with {cut_list}  (MH, joint Newton proposal)"]
    else:
        desc = [f"{{{bm.eq}:}}  ({'MH, Newton (IRLS) proposal' if newton else 'adaptive MH'})"]
    if ncut:
        desc.append(f"{cut_list}  (adaptive MH)")
    mh_names = [f"{{{bm.eq}:}}", *([cut_list] if ncut else []), *pick(lay.mh_names)]
    n_gibbs = 0
    for li, lev in enumerate(bm.levels):
        if lev.structure == "unstructured":
            desc.append(f"{{{lev.matrix},m}}  (Gibbs)")
            n_gibbs += 1
            continue
        vo = int(m.voff[li])
        for j, vn in enumerate(lev.var_names):
            gibbs = bool(m.var_gibbs[vo + j])
            desc.append(f"{{{vn}}}  ({'Gibbs' if gibbs else 'adaptive MH'})")
            n_gibbs += int(gibbs)
        if lev.rho_name:
            desc.append(f"{{{lev.rho_name}}}  (adaptive MH)")
    for lev in bm.levels:
        re_list = " ".join("{" + nm + "}" for nm in lev.names)
        desc.append(f"{re_list}  (MH, Newton proposal, a block per group)")
        mh_names.append(re_list)
    for lev in bm.levels:
        cov = f"{{{lev.matrix},m}}" if lev.matrix else " ".join(f"{{{v}}}" for v in lev.var_names)
        re_list = " ".join("{" + nm + "}" for nm in lev.names)
        desc.append(f"{cov} with {re_list}  (adaptive MH, joint rescaling)")
        mh_names.append(f"{cov} rescaling")
    cut_shift = _cut_shift_pairs(bm) if bm.ordinal else np.zeros((0, 2), dtype=np.int64)
    for li, j in cut_shift:
        desc.append(f"{cut_list} with {{{bm.levels[li].names[j]}}}  (Gibbs shift)")
    shift, shift_a = _shift_pairs(bm, d)
    for li, j, f in shift:
        if m.beta_code[f] in (0, 1):  # the kernel shifts only under flat and normal priors
            lev = bm.levels[li]
            desc.append(f"{{{bm.eq}:{d.xnames[f]}}} with {{{lev.names[j]}}}  (Gibbs shift)")
    layout = Layout(
        [*lay.coef_names, *bm.aux_names],
        lay.cov_names,
        "",
        lay.re_names,
        lay.re_levels,
        desc,
        n_gibbs,
        mh_names,
        # Newton proposals are accepted often by design (not a step that is too small)
        ([mh_names[0]] if newton else []) + [mh_names[-2 * nl + j] for j in range(nl)],
    )
    # the GLMM's data
    n = d.n
    Zs, gs, orders, starts = [], [], [], []
    soff = [0]
    for lev, dl in zip(bm.levels, d.levels):
        perm = _effect_perm(lev, dl.znames)
        Zs.append(dl.Z[:, perm])
        gs.append(dl.groups)
        orders.append(np.argsort(dl.groups, kind="stable"))
        counts = np.bincount(dl.groups, minlength=dl.G)
        starts.append(np.concatenate([[0], np.cumsum(counts)]))
        soff.append(soff[-1] + dl.G + 1)
    w = np.ones(n) if d.weights is None else d.weights.astype(float)
    const = float(np.sum(w * family.constant(d.y.astype(float), gd.trials)))
    data = G.GData(
        fam=_family_code(bm, family),
        y=d.y.astype(float),
        ntr=gd.trials.astype(float),
        w=w,
        off=gd.offset.astype(float),
        X=np.ascontiguousarray(d.X, dtype=float),
        Z=np.column_stack(Zs) if Zs else np.zeros((n, 0)),
        g=np.column_stack(gs).astype(np.int64) if gs else np.zeros((n, 0), np.int64),
        order=np.vstack(orders).astype(np.int64) if orders else np.zeros((0, n), np.int64),
        start=np.concatenate(starts).astype(np.int64) if starts else np.zeros(0, np.int64),
        soff=np.array(soff, dtype=np.int64),
        const=const,
        re_blk=re_blk,
        shift=shift,
        shift_a=shift_a,
        newton=int(newton),
        cut_shift=cut_shift,
    )
    # the linear model's zcoff must describe Z's columns (it does: one block of k per level)
    return (m, data), layout


def _family_code(bm: BayesLinearModel, family) -> int:
    """The kernel's integer code of the conditional distribution."""
    if bm.ordinal:
        return ORDINAL_CODE[family.link]
    if bm.negbin:
        return NEGBIN_CODE[family.dispersion]
    return FAMILY_CODE[family.link]


def _cut_shift_pairs(bm: BayesLinearModel) -> np.ndarray:
    """(level, effect) of each level's random intercept, which shifts with the cutpoints (a
    crossed ``R.x`` level has indicators, not an intercept, and does not)."""
    out = [
        (li, lev.effects.index("_cons"))
        for li, lev in enumerate(bm.levels)
        if "_cons" in lev.effects and not lev.equation.crossed
    ]
    return np.array(out, dtype=np.int64).reshape(-1, 2)


def _shift_pairs(bm: BayesLinearModel, d) -> tuple[np.ndarray, np.ndarray]:
    """The shift steps' (level, effect, coefficient) triples and their per-group multipliers.

    A random effect whose variable is also a fixed effect (``_cons`` and ``U0``, ``x`` and
    ``U1``) shifts against its coefficient with multiplier 1 in every group; a random intercept
    also shifts against each covariate that is constant within the level's groups, with the
    group's value as multiplier (a group-level covariate is otherwise nearly fixed by the
    effects, and its coefficient mixes slowly: the hierarchical-centering problem of Gelfand,
    Sahu and Carlin 1995).
    """
    out: list[tuple[int, int, int]] = []
    mult: list[np.ndarray] = []
    xn = list(d.xnames)
    for li, (lev, dl) in enumerate(zip(bm.levels, d.levels)):
        if lev.equation.crossed:
            continue  # R.x: the effect multiplies indicators, not a fixed-effect column
        for j, eff in enumerate(lev.effects):
            if eff in xn:
                out.append((li, j, xn.index(eff)))
                mult.append(np.ones(dl.G))
        if "_cons" not in lev.effects:
            continue
        j0 = lev.effects.index("_cons")
        for f, name in enumerate(xn):
            if name == "_cons" or name in lev.effects:
                continue
            x = d.X[:, f].astype(float)
            lo = np.full(dl.G, np.inf)
            hi = np.full(dl.G, -np.inf)
            np.minimum.at(lo, dl.groups, x)
            np.maximum.at(hi, dl.groups, x)
            if np.all(hi - lo <= 1e-12 * (1.0 + np.abs(hi))) and np.any(hi != 0.0):
                out.append((li, j0, f))
                mult.append(hi)
    gmax = max((len(a) for a in mult), default=0)
    A = np.zeros((len(out), gmax))
    for r, a in enumerate(mult):
        A[r, : len(a)] = a
    return np.array(out, dtype=np.int64).reshape(-1, 3), A
