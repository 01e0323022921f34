"""Turn a nonlinear ``bayesmh`` model and its design into the kernel's arrays and states.

The expression tree is compiled into the stack machine's program (:mod:`.nonlinear`);
priors become integer codes; parameters are put into Gibbs steps where their full conditional is
conjugate and into Metropolis-Hastings blocks elsewhere (the expression's parameters in one
block unless ``block()`` says otherwise, as Stata's default); each group's random effects are
their own block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from ..design.bayes_nonlinear import NLBayesDesign
from ..errors import StataError
from ..spec.bayes_nonlinear import BayesNonlinearModel
from ..spec.priors import MatrixArg, Prior
from . import nonlinear as N
from .driver import Layout, _fmt_id, _prior_args, adaptation_arrays, adaptation_settings

__all__ = [
    "NLLayout",
    "prepare_nonlinear",
    "new_nl_state",
    "compile_tree",
    "compile_trees",
    "JOINT_MAX",
]

#: the largest joint block (the expression's parameters plus every random effect)
JOINT_MAX = 40


@dataclass
class NLLayout(Layout):
    """:class:`~.driver.Layout` with the kernel's parameter vector θ named."""

    theta_names: list[str] | None = None
    matrix_names: list[str] | None = None
    block_params: list[list[str]] | None = None
    joint: bool = False  # the last block of θ also moves every random effect
    n_shift: int = 0  # the first n_shift pairs of the along moves are shifts with a mean

    @property
    def names(self) -> list[str]:  # θ, then each covariance matrix's lower triangle
        return list(self.theta_names or []) + list(self.matrix_names or [])


def compile_trees(trees: list, index: dict[str, int], effects: dict[str, int]):
    """The stack machine's programs of several expression trees, one after another:
    (ops (L, 2), where each starts (len + 1,), constants, depth)."""
    progs, starts, consts, depth = [], [0], [], 1
    for tree in trees:
        prog, c, dp = compile_tree(tree, index, effects, len(consts))
        progs.append(prog)
        starts.append(starts[-1] + len(prog))
        consts += list(c[:-1])
        depth = max(depth, dp)
    return (
        np.concatenate(progs).astype(np.int64),
        np.array(starts, np.int64),
        np.array([*consts, 0.0]),
        depth,
    )


def compile_tree(tree: tuple, index: dict[str, int], effects: dict[str, int], c0: int = 0):
    """The stack machine's program of an expression tree: (ops (L, 2), constants, depth);
    constants are numbered from ``c0``."""
    prog: list[tuple[int, int]] = []
    consts: list[float] = []
    depth = [0, 0]

    def push(op: str, arg: int, change: int) -> None:
        prog.append((N.OPS[op], arg))
        depth[0] += change
        depth[1] = max(depth[1], depth[0])

    def walk(node: tuple) -> None:
        kind = node[0]
        if kind == "const":
            consts.append(float(node[1]))
            push("const", c0 + len(consts) - 1, 1)
        elif kind == "col":
            push("col", int(node[1]), 1)
        elif kind == "param":
            push("param", index[node[1]], 1)
        elif kind == "re":
            push("re", effects[node[1]], 1)
        elif kind == "bin":
            walk(node[2])
            walk(node[3])
            push(node[1], 0, -1)
        elif kind in ("neg", "not"):
            walk(node[1])
            push(kind, 0, 0)
        else:  # ("call", func, args)
            func, args = node[1], node[2]
            for a in args:
                walk(a)
            if func in ("min", "max"):
                push(func, len(args), 1 - len(args))
            elif func == "cond":
                push("cond", 0, -2)
            else:
                push("func", N.FUNCS[func], 0)

    walk(tree)
    return np.array(prog, dtype=np.int64).reshape(-1, 2), np.array([*consts, 0.0]), depth[1]


def _theta(bm: BayesNonlinearModel, d: NLBayesDesign) -> tuple[list[str], list[Prior]]:
    """θ's names and priors: the expression's parameters, the likelihood's variance, the
    random effects' hyperparameters."""
    names, priors = [], []
    eqs = {lc.name for lc in bm.spec.lincombs}
    for n in d.pnames:
        eq = n.split(":", 1)[0] if ":" in n else None
        if eq in eqs:
            p = bm.lincomb_prior.get(n, bm.lincomb_prior.get(eq))
            if p is None:
                raise StataError(f"prior for {{{n}}} not specified", 198)
        else:
            p = bm.param(n).prior  # type: ignore[union-attr]
        names.append(n)
        priors.append(p)
    for key in bm.lincomb_prior:
        if ":" in key and key not in d.pnames:
            raise StataError(f"parameter {{{key}}} not found in the model", 111)
    for role in ("sigma2", "hyper"):
        for p in bm.params:
            if p.role == role:
                names.append(p.name)
                priors.append(p.prior)
    return names, priors


def _additive(node: tuple, sign: float = 1.0) -> list[tuple[float, tuple]]:
    """The terms of a sum (with their signs): ``a + b - c`` -> [(1, a), (1, b), (-1, c)]."""
    if node[0] == "bin" and node[1] in ("+", "-"):
        right = -sign if node[1] == "-" else sign
        return _additive(node[2], sign) + _additive(node[3], right)
    return [(sign, node)]


def _countershifts(d: NLBayesDesign, index, effects, bm, role) -> list:
    """(parameter, effect, each group's multiplier) for every parameter of the expression that
    is added to a random effect, alone or times a column constant within the effect's groups;
    at most 30 pairs."""
    out = []
    for tree in d.trees:
        terms = _additive(tree)
        res = [(s, t[1]) for s, t in terms if t[0] == "re"]
        pars = []
        for s, t in terms:
            if t[0] == "param":
                pars.append((s, t[1], None))
            elif t[0] == "bin" and t[1] == "*":
                kinds = {t[2][0], t[3][0]}
                if kinds == {"col", "param"}:
                    col = t[2] if t[2][0] == "col" else t[3]
                    par = t[3] if t[3][0] == "param" else t[2]
                    pars.append((s, par[1], col[1]))
        for su, ename in res:
            e = effects[ename]
            lv_i = next(i for i, lv in enumerate(bm.levels) if ename in lv.names)
            groups = d.levels[lv_i].groups
            G = d.levels[lv_i].G
            for sp, pname, col in pars:
                if role.get(pname) != "mean":
                    continue
                if col is None:
                    mult = np.ones(G)
                else:
                    x = d.cols[:, col]
                    lo = np.full(G, np.inf)
                    hi = np.full(G, -np.inf)
                    np.minimum.at(lo, groups, x)
                    np.maximum.at(hi, groups, x)
                    if not np.allclose(lo, hi):
                        continue  # the column varies within groups: no exact trade-off
                    mult = lo
                pair = (index[pname], e, mult * sp / su)
                if all((p, q) != pair[:2] for p, q, _ in out):
                    out.append(pair)
    return out[:30]


def prepare_nonlinear(bm: BayesNonlinearModel, d: NLBayesDesign) -> tuple[N.NLModel, NLLayout]:
    """The kernel's model and the names of what it records."""
    o = bm.options
    names, priors = _theta(bm, d)
    index = {n: j for j, n in enumerate(names)}
    effects: dict[str, int] = {}
    re_lev, re_pos, mean_idx, mean_val, var_idx, var_val, eoff = [], [], [], [], [], [], []
    for li, lv in enumerate(bm.levels):
        eoff.append(len(re_lev))
        for j, nm in enumerate(lv.names):
            effects[nm] = len(re_lev)
            re_lev.append(li)
            re_pos.append(j)
            m = lv.means[j]
            mean_idx.append(index[m] if isinstance(m, str) else -1)
            mean_val.append(0.0 if isinstance(m, str) else float(m))
            if lv.matrix is None:
                v = lv.variances[j]
                var_idx.append(index[v] if isinstance(v, str) else -1)
                var_val.append(1.0 if isinstance(v, str) else float(v))
            else:
                var_idx.append(-1)
                var_val.append(1.0)
    prog, pstart, consts, depth = compile_trees(d.trees, index, effects)
    npar = len(names)
    pcode = np.zeros(npar, np.int64)
    pargs = np.zeros((npar, 3))
    for j, p in enumerate(priors):
        pcode[j], pargs[j] = _prior_args(p)
    role = {n: "mean" for n in d.pnames}
    for p in bm.params:
        role.setdefault(p.name, p.role)
    # Gibbs steps
    gibbs_mean = np.zeros(npar, np.int64)
    gibbs_var = np.zeros(npar, np.int64)
    uses_mean: dict[str, int] = {}
    uses_var: dict[str, int] = {}
    for lv in bm.levels:
        for m in lv.means:
            if isinstance(m, str):
                uses_mean[m] = uses_mean.get(m, 0) + 1
        for v in lv.variances:
            if isinstance(v, str):
                uses_var[v] = uses_var.get(v, 0) + 1
    for n, c in uses_mean.items():
        if c == 1 and n not in uses_var and priors[index[n]].family in ("normal", "flat"):
            gibbs_mean[index[n]] = 1
    for n in uses_var:
        if n not in uses_mean and (
            priors[index[n]].family == "igamma" or (priors[index[n]].family == "jeffreys")
        ):
            gibbs_var[index[n]] = 1
    neq = len(bm.equations)
    s2_idx = np.full(neq, -1, np.int64)
    s2_val = np.ones(neq)
    s2_gibbs = np.zeros(neq, np.int64)
    gibbs = {n for n in names if gibbs_mean[index[n]] or gibbs_var[index[n]]}
    # the conjugate draw of a likelihood variance holds only where it is nothing else: not in
    # an expression, not a random effect's hyperparameter, one equation's alone
    s2_uses: dict[str, int] = {}
    for eq in bm.equations:
        if isinstance(eq.sigma2, str):
            s2_uses[eq.sigma2] = s2_uses.get(eq.sigma2, 0) + 1
    for e, eq in enumerate(bm.equations):
        if isinstance(eq.sigma2, str):
            s2_idx[e] = index[eq.sigma2]
            fam = priors[s2_idx[e]].family
            alone = (
                eq.sigma2 not in d.pnames
                and eq.sigma2 not in uses_mean
                and eq.sigma2 not in uses_var
                and s2_uses[eq.sigma2] == 1
            )
            if bm.likelihood == "normal" and fam in ("igamma", "jeffreys") and alone:
                s2_gibbs[e] = 1 if fam == "igamma" else 2
                gibbs.add(eq.sigma2)
        elif eq.sigma2 is not None:
            s2_val[e] = float(eq.sigma2)
    res_df, res_S = 0.0, np.zeros(neq * neq)
    rp = bm.residual_prior
    if rp is not None and rp.family == "iwishart":
        res_df = float(rp.args[1])
        V = rp.args[2]
        assert isinstance(V, MatrixArg)
        res_S = np.array(V.rows, float).reshape(-1)
    # MH blocks
    blocks: list[list[str]] = []
    taken: set[str] = set()
    for raw in bm.blocks:
        blk = []
        for n in raw:  # {xb:} is every coefficient of the linear combination xb
            hits = [c for c in d.pnames if c.startswith(n)] if n.endswith(":") else [n]
            if not hits:
                raise StataError(f"block(): parameter {{{n}}} not found in the model", 111)
            blk += hits
        for n in blk:
            if n not in index:
                raise StataError(f"block(): parameter {{{n}}} not found in the model", 111)
            if n in taken:
                raise StataError(f"block(): {{{n}}} is in more than one block", 198)
        taken |= set(blk)
        blocks.append([n for n in blk if n not in gibbs])
    free = [n for n in d.pnames if n not in taken]
    if free:
        blocks.append(free)
    for n in names:
        if n not in taken and n not in free and n not in gibbs:
            blocks.append([n])
    blocks = [b for b in blocks if b]
    # a joint block of the expression's parameters and every random effect, for models small
    # enough that one random-walk block over all of them still moves
    q = sum(lv.k * dl.G for lv, dl in zip(bm.levels, d.levels))
    joint = bool(bm.levels) and bool(d.pnames) and 0 < len(d.pnames) + q <= JOINT_MAX
    if joint:
        blocks.append(list(d.pnames))
    nb = len(blocks)
    dmax = max([1, *(len(b) for b in blocks), *(lv.k for lv in bm.levels)])
    blk_idx = np.zeros((max(nb, 1), dmax), np.int64)
    blk_mu = np.zeros(max(nb, 1), np.int64)
    blk_lik = np.zeros(max(nb, 1), np.int64)
    blk_re = np.zeros((max(nb, 1), max(len(bm.levels), 1)), np.int64)
    blk_nt = np.array([len(b) for b in blocks] or [0], np.int64)
    blk_b = np.zeros(max(nb, 1), np.int64)
    if joint:
        blk_b[nb - 1] = 1
        blk_re[nb - 1, :] = 1
    for bi, blk in enumerate(blocks):
        for j, n in enumerate(blk):
            blk_idx[bi, j] = index[n]
            if role[n] == "mean":
                blk_mu[bi] = blk_lik[bi] = 1
            if role[n] == "sigma2":
                blk_lik[bi] = 1
            for li, lv in enumerate(bm.levels):
                if n in lv.means or n in lv.variances:
                    blk_re[bi, li] = 1
    # the levels' groups
    n = d.n
    nl = len(bm.levels)
    k = np.array([lv.k for lv in bm.levels], np.int64)
    G = np.array([dl.G for dl in d.levels], np.int64)
    boff = np.concatenate([[0], np.cumsum(k * G)])[:nl].astype(np.int64)
    zzk = np.concatenate([[0], np.cumsum(k * k)])[:nl].astype(np.int64)
    goff = np.concatenate([[0], np.cumsum(G)])[:nl].astype(np.int64)
    g = np.zeros((n, max(nl, 1)), np.int64)
    order = np.zeros((max(nl, 1), n), np.int64)
    start: list[int] = []
    soff = []
    for li, dl in enumerate(d.levels):
        g[:, li] = dl.groups
        order[li] = np.argsort(dl.groups, kind="stable")
        soff.append(len(start))
        counts = np.bincount(dl.groups, minlength=dl.G)
        start += [0, *np.cumsum(counts).tolist()]
    has_mat = np.array([1 if lv.matrix else 0 for lv in bm.levels], np.int64)
    iw_df = np.zeros(nl)
    iw_S = np.zeros(int((k * k).sum()))
    for li, lv in enumerate(bm.levels):
        p = lv.matrix_prior
        if p is not None and p.family == "iwishart":
            iw_df[li] = float(p.args[1])
            V = p.args[2]
            assert isinstance(V, MatrixArg)
            iw_S[zzk[li] : zzk[li] + lv.k**2] = np.array(V.rows, float).reshape(-1)
    ngroups = int(G.sum())
    has_mat_l = [bool(lv.matrix) for lv in bm.levels]
    blk_dim = [len(b) + (q if blk_b[j] else 0) for j, b in enumerate(blocks)]
    blk_dim += [int(k[li]) for li in range(nl) for _ in range(G[li])]
    # effects whose variance can be rescaled with them: a matrix's, or a variance parameter of
    # their own (not shared with another effect, not a number)
    hyper_uses = [x for x in mean_idx + var_idx if x >= 0]  # a parameter in one role only
    rescale = [
        e
        for e in range(len(re_lev))
        if has_mat_l[re_lev[e]] or (var_idx[e] >= 0 and hyper_uses.count(var_idx[e]) == 1)
    ]
    blk_dim += [1] * len(rescale)
    # effects whose prior mean is a parameter of theirs alone: shifted together with it
    shift = [
        e for e in range(len(re_lev)) if mean_idx[e] >= 0 and hyper_uses.count(mean_idx[e]) == 1
    ]
    # moves along a parameter and an effect (the kernel's _countershift): first each shift of
    # an effect with its prior mean (multiplier -1: they move together), then each parameter
    # the expression adds to an effect
    counters = _countershifts(d, index, effects, bm, role)
    pairs = [(mean_idx[e], e, -np.ones(int(G[re_lev[e]]))) for e in shift] + counters
    blk_dim += [1] * len(pairs)
    gmax = max([1, *(int(x) for x in G)])
    cs_a = np.zeros((max(len(pairs), 1), gmax))
    for r, (_p, _e, mult) in enumerate(pairs):
        cs_a[r, : len(mult)] = mult
    tar = [0.44 if dm == 1 else 0.234 for dm in blk_dim]
    if o.tarate is not None:
        tar = [float(o.tarate)] * len(blk_dim)
    i64 = lambda x: np.asarray(x, dtype=np.int64)  # noqa: E731
    model = N.NLModel(
        fam={"normal": N.NORMAL, "mvnormal": N.MVNORMAL, "logit": 0, "probit": 1, "poisson": 3}[
            bm.likelihood
        ],
        pr=N.Program(
            prog=prog,
            pstart=pstart,
            consts=consts,
            cols=d.cols,
            re_lev=i64(re_lev),
            re_pos=i64(re_pos),
            boff=boff,
            k=k,
            g=g,
        ),
        y=np.ascontiguousarray(d.y, dtype=float),
        cols=d.cols,
        prog=prog,
        pstart=pstart,
        consts=consts,
        depth=int(max(depth, 1)),
        re_lev=i64(re_lev),
        re_pos=i64(re_pos),
        s2_idx=s2_idx,
        s2_val=s2_val,
        s2_gibbs=s2_gibbs,
        res_df=res_df,
        res_S=res_S,
        # the log likelihood's constant: -log y! (Poisson); the kernel's terms leave it out
        llconst=float(-gammaln(d.y + 1.0).sum()) if bm.likelihood == "poisson" else 0.0,
        nl=nl,
        k=k,
        G=G,
        boff=boff,
        zzk=zzk,
        goff=goff,
        g=g,
        order=order,
        start=i64(start) if start else np.zeros(1, np.int64),
        soff=i64(soff) if soff else np.zeros(1, np.int64),
        has_mat=has_mat,
        mean_idx=i64(mean_idx),
        mean_val=np.array(mean_val, float),
        var_idx=i64(var_idx),
        var_val=np.array(var_val, float),
        eoff=i64(eoff) if eoff else np.zeros(1, np.int64),
        iw_df=iw_df,
        iw_S=iw_S,
        pcode=pcode,
        pargs=pargs,
        gibbs_mean=gibbs_mean,
        gibbs_var=gibbs_var,
        nb=nb,
        blk_idx=blk_idx,
        blk_dim=i64(blk_dim),
        blk_tar=np.array(tar, float),
        blk_mu=blk_mu,
        blk_lik=blk_lik,
        blk_re=blk_re,
        blk_nt=blk_nt,
        ngroups=ngroups,
        rescale=np.array(rescale, np.int64),
        cs_p=np.array([x[0] for x in pairs], np.int64),
        cs_e=np.array([x[1] for x in pairs], np.int64),
        cs_a=cs_a,
        blk_b=blk_b,
        **adaptation_settings(o),
    )
    matrix_names = [
        f"{lv.matrix}_{i + 1}_{j + 1}"
        for lv in bm.levels
        if lv.matrix
        for i in range(lv.k)
        for j in range(i + 1)
    ]
    if bm.residual:
        matrix_names += [f"{bm.residual}_{i + 1}_{j + 1}" for i in range(neq) for j in range(i + 1)]
    re_names: list[str] = []
    re_levels: list[tuple[int, int]] = []
    for lv, dl in zip(bm.levels, d.levels):
        first = len(re_names)
        for ids in dl.ids:
            gid = "#".join(_fmt_id(x) for x in (ids if isinstance(ids, tuple) else (ids,)))
            re_names += [f"{nm}[{gid}]" for nm in lv.names]
        re_levels.append((first, len(re_names)))
    desc = ["{" + " ".join(b) + "}" for b in blocks]
    if joint:
        desc[-1] = (
            desc[-1][:-1]
            + " "
            + " ".join(f"{x}[{lv.level}]" for lv in bm.levels for x in lv.names)
            + "}"
        )
    desc += ["{" + " ".join(f"{x}[{lv.level}]" for x in lv.names) + "}" for lv in bm.levels]
    names_of = [(nm, lv.level) for lv in bm.levels for nm in lv.names]
    desc += [f"{{{names_of[e][0]}[{names_of[e][1]}]}} and its variance, rescaled" for e in rescale]
    desc += [f"{{{names_of[e][0]}[{names_of[e][1]}]}} and its mean, shifted" for e in shift]
    desc += [
        f"{{{names[p]}}} against {{{names_of[e][0]}[{names_of[e][1]}]}}, shifted"
        for p, e, _ in counters
    ]
    n_gibbs = (
        len([x for x in gibbs if gibbs_var[index[x]] or role.get(x) == "sigma2"])
        + int(bm.residual is not None)
        + sum(1 for lv in bm.levels if any(isinstance(m, str) and m in gibbs for m in lv.means))
        + int(has_mat.sum())
    )
    layout = NLLayout(
        coef_names=list(d.pnames),
        cov_names=[],
        sigma2_name="",
        re_names=re_names,
        re_levels=re_levels,
        blocks=desc,
        n_gibbs=n_gibbs,
        mh_names=desc,
        theta_names=names,
        matrix_names=matrix_names,
        block_params=blocks,
        joint=joint,
        n_shift=len(shift),
    )
    layout.ngroups = ngroups  # type: ignore[attr-defined]
    return model, layout


def new_nl_state(
    m: N.NLModel,
    rng_state: np.ndarray,
    theta: np.ndarray,
    b: np.ndarray,
    Sig: np.ndarray,
    scale0: float,
    prop_cov: list[np.ndarray],
    Sres: np.ndarray | None = None,
) -> N.NLState:
    """A chain's state with the proposal covariances ``prop_cov`` (one per MH block, the
    scalar blocks then each group)."""
    neq = m.y.shape[1]
    st = N.NLState(
        theta=theta.astype(float).copy(),
        b=b.astype(float).copy(),
        Sig=Sig.astype(float).copy(),
        Sres=(Sres if Sres is not None else np.eye(neq)).astype(float).reshape(-1).copy(),
        mu=np.zeros(m.y.shape),
        stack=np.zeros(m.depth + 1),
        rng=rng_state.copy(),
        it=np.zeros(1),
        **adaptation_arrays(m.blk_dim, m.blk_tar, scale0, prop_cov),
    )
    N.refresh(m, st)
    return st
