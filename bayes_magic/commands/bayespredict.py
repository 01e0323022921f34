"""``bayespredict`` and ``bayesstats ppvalues`` ([BAYES] bayespredict, [BAYES] bayesstats
ppvalues): posterior predictive simulation and checks.

For every kept draw θ_t (coefficients, random effects, variance), the linear predictor
μ_t = Xβ_t + Zb_t and a replicate y_t ~ N(μ_t, σ²_t) of the outcome (conditional on the
simulated random effects). As in Stata, the predictions are made on the data in memory, for the
observations in ``if``/``in`` whose covariates are known and whose groups were in the fit
(changed covariates give forecasts; the estimation sample is not required).
``{_ysim}`` are the replicates, ``{_mu}`` the predictors, ``{_resid}`` the residuals y − μ_t.
After the binary and count models μ_t is the outcome's conditional mean; after ordered models
(``bayes: ologit``, ``meologit`` ...) the replicates are outcome values drawn from the category
probabilities at each draw's cutpoints, and μ_t is their conditional mean Σ v_k P(y = v_k).

``bayespredict {_ysim} ..., saving(file)`` keeps them in ``file.bmpred``;
``bayespredict newvar, mean|median|std|cri`` makes variables from them.
``bayesstats ppvalues (@func({_ysim})) ... using file`` compares a test quantity T on the
replicates with T on the observed data: Mean and Std. dev. of T(y_rep), E(T_obs), and the
posterior predictive p-value P(T(y_rep) ≥ T(y_obs)). For ``{_resid}``, the replicated residuals
are y_rep − μ_t and the observed ones y − μ_t (so T_obs varies over draws: E(T_obs)).
"""

from __future__ import annotations

import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from scipy import stats

from ..errors import StataError
from ..matrix import Matrix
from ..posterior import Posterior
from ..report.format import abbrev, fmt_g
from ..report.output import Block, Output, Text, html_table, pre
from ..syntax.ast import Call, Command, LabeledExpr, Name, ParamList, ParamRef
from .bayes_params import Series, eval_tree
from .registry import command

__all__ = ["Predictions", "simulate"]

_MAGIC = "bayes_magic.bayespredict.v1"
_SIMS = ("_ysim", "_ysim1", "_mu", "_mu1", "_resid", "_resid1")


@dataclass
class Predictions:
    """Simulated outcomes of one Bayesian result: ``ysim``/``mu`` are (chains, draws, n) over
    the observations ``obs`` (1-based observation numbers of the data they were made on)."""

    cmdline: str
    depvar: str
    y: np.ndarray
    mu: np.ndarray
    ysim: np.ndarray
    rseed: int | None
    obs: np.ndarray | None = None
    #: functions saved by name: ``bayespredict (mx: @max({_ysim})), saving()`` -> {"mx": expr}
    funcs: dict[str, Any] | None = None
    #: observations left out by ppvalues for a missing outcome (their numbers)
    missing_outcome: frozenset[int] = frozenset()

    def position(self, number: int) -> int | None:
        """Where observation ``number`` is in the arrays (None if it was not predicted)."""
        obs = self.obs if self.obs is not None else np.arange(1, self.mu.shape[2] + 1)
        hit = np.flatnonzero(obs == number)
        return int(hit[0]) if len(hit) else None


def _post(s) -> Posterior:
    if not isinstance(s.e, Posterior):
        raise StataError("last estimates not found", 301)
    post = s.e
    if getattr(post, "design", None) is None and not getattr(post.model, "nonlinear", False):
        raise StataError("bayespredict needs the model's design; refit the model", 498)
    return post


def current_mu(s, post: Posterior, touse: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The linear predictor at every draw over the data in memory: (rows, mu), ``mu`` of shape
    (chains, draws, rows). Rows are those in ``touse`` with their covariates known and their
    groups among the groups of the fit (random effects exist for those only)."""
    from ..design.newdata import fixed_columns, group_rows, re_columns

    d, ds = post.design, s.data
    X = fixed_columns(ds, d.xnames)
    ok = touse & ~np.isnan(X).any(axis=1)
    parts = []
    first_of = [lo for lo, _ in post.layout.re_levels]
    for lev, dl, first in zip(post.model.levels, d.levels, first_of):
        g, Z = group_rows(ds, dl), re_columns(ds, dl)
        ok &= (g >= 0) & ~np.isnan(Z).any(axis=1)
        parts.append((lev, dl, first, g, Z))
    if getattr(post.model, "family", None) is not None:  # trials and offset must be known
        from ..design.glmm import trials_offset_now

        trials, off = trials_offset_now(ds, post.glmm)
        ok &= np.isfinite(trials) & (trials >= 0) & np.isfinite(off)
    rows = np.flatnonzero(ok)
    if not len(rows):
        raise StataError("no observations", 2000)
    bi = [post.names.index(n) for n in post.linear_coef_names()]
    C, T = post.draws.shape[:2]
    mu = post.draws[:, :, bi] @ X[rows].T
    for lev, dl, first, g, Z in parts:
        R = post.re_draws[:, :, first : first + dl.G * lev.k].reshape(C, T, dl.G, lev.k)
        for j, eff in enumerate(lev.effects):
            mu += Z[rows, dl.znames.index(eff)] * R[:, :, g[rows], j]
    return rows, mu


def simulate(s, post: Posterior, rng: np.random.Generator, touse: np.ndarray) -> Predictions:
    """Replicates of the outcome at every draw, over the observations in memory in ``touse``."""
    if getattr(post.model, "nonlinear", False):
        from .bayes_nonlinear_predict import nl_simulate

        return nl_simulate(s, post, rng, touse)
    rows, mu = current_mu(s, post, touse)
    if getattr(post.model, "ordinal", False):  # outcome values drawn from their probabilities
        from .bayes_glmm import ordinal_simulate

        mu, ysim = ordinal_simulate(s, post, rows, mu, rng)
    elif post.model.family is not None:  # bayes: melogit ...: the mean, and draws of y from it
        from .bayes_glmm import glmm_simulate

        mu, ysim = glmm_simulate(s, post, rows, mu, rng)
    else:
        fixed = getattr(post.model, "sigma2_fixed", None)
        s2 = (
            np.full(post.draws.shape[:2], fixed)
            if fixed is not None
            else post.chains_of(post.model.sigma2_name)
        )
        ysim = mu + np.sqrt(s2)[:, :, None] * rng.standard_normal(mu.shape)
    from ..design.newdata import outcome

    y = outcome(s.data, post.design.depvar)[rows]
    return Predictions(post.cmdline, post.model.eq, y, mu, ysim, None, rows + 1)


def _rng(s, cmd: Command) -> tuple[np.random.Generator, int | None]:
    seed = cmd.option("rseed")
    if seed is not None:
        return np.random.default_rng(np.random.SeedSequence(int(seed))), int(seed)
    return s.rng, None


def _only_simulated(ref: ParamRef, why: str) -> None:
    """Refuse a ``{...}`` that is not ``{_ysim}``, ``{_mu}`` or ``{_resid}`` (r(198))."""
    for p in ref.items:
        if p.eq is not None or (p.name or "").split("[")[0] not in _SIMS:
            raise StataError(f"{{{p}}} invalid{why}", 198, span=ref.span)


def _sim_names(items) -> list[ParamRef]:
    refs = []
    for it in items:
        if isinstance(it, ParamRef):
            _only_simulated(it, ": bayespredict simulates {_ysim}, {_mu} and {_resid}")
            refs.append(it)
        elif isinstance(it, LabeledExpr):
            refs.append(it)
        else:
            raise StataError(f"{getattr(it, 'name', it)} invalid", 198)
    return refs


def _refs(e) -> list[ParamRef]:
    """The ``{...}`` references inside an expression."""
    if isinstance(e, ParamRef):
        return [e]
    out: list[ParamRef] = []
    for v in vars(e).values() if hasattr(e, "__dict__") else ():
        for x in v if isinstance(v, (list, tuple)) else (v,):
            if hasattr(x, "__dict__"):
                out += _refs(x)
    return out


def _functions(items) -> dict[str, Any]:
    """The labelled functions to save, by label: each a function of ``{_ysim}``, ``{_mu}`` or
    ``{_resid}`` only, under a label of its own ([BAYES] bayespredict, *funcspec*)."""
    funcs: dict[str, Any] = {}
    for k, it in enumerate((x for x in items if isinstance(x, LabeledExpr)), start=1):
        label = it.label or _auto_label(it.expr) or f"expr{k}"
        if label in funcs:
            raise StataError(f"function label {label} specified more than once", 198)
        if label.split("[")[0] in _SIMS:
            raise StataError(
                f"function label {label} invalid: {{{label}}} is a simulated quantity", 198
            )
        for ref in _refs(it.expr):
            why = f" in ({label}: ...): functions of {{_ysim}}, {{_mu}} and {{_resid}} only"
            _only_simulated(ref, why)
        funcs[label] = it.expr
    return funcs


def _chosen_chains(post: Posterior, cmd: Command) -> Posterior:
    """``chains(_all | numlist)``: the results of the chains chosen ([BAYES] bayespredict)."""
    if cmd.option("chains") is None:
        return post
    from .bayes_ic import _chain_view, _chosen

    return _chain_view(post, _chosen(post, cmd))


def _file_of(raw: str, suffix: str) -> Path:
    """A file name as typed, ending in ``suffix`` (:func:`~bayes_magic.dataset.io.
    checked_path`: r(198) for no file name, r(603) for a folder)."""
    from ..dataset.io import checked_path

    path = checked_path(raw)
    return path if path.suffix == suffix else path.with_suffix(suffix)


def _check_sim_indexes(refs: list, pred: Predictions) -> None:
    """``{_ysim[numlist]}``: observations that were predicted (in the sample, with ``if``/``in``
    and the covariates known)."""
    for ref in refs:
        if not isinstance(ref, ParamRef):
            continue
        for p in ref.items:
            idx = p.index if p.index is not None else _index_of(p)
            if idx is None:
                continue
            for i in numbers(str(idx), f"{{{p}}}"):
                if pred.position(i) is None:
                    raise StataError(
                        f"{{{p}}}: observation {i} is not among those predicted", 198, span=ref.span
                    )


@command("bayespredict")
def bayespredict(s, cmd: Command) -> list[Output]:
    post = _post(s)
    items = list(cmd.body.items) if isinstance(cmd.body, ParamList) else []
    stats_given = [k for k in ("mean", "median", "std", "cri") if cmd.has(k)]
    if len(stats_given) > 1:
        raise StataError(f"options {' and '.join(stats_given)} may not be combined", 198)
    stat = stats_given[0] if stats_given else None
    if stat is not None or (items and isinstance(items[0], Name)):
        return _new_variables(s, cmd, _chosen_chains(post, cmd), items, stat)
    refs = _sim_names(items)
    funcs = _functions(items)
    saving = cmd.option("saving")
    if saving is None:
        raise StataError("option saving() required to save simulation results", 198)
    target = _file_of(saving.path, ".bmpred")
    post = _chosen_chains(post, cmd)
    replace = saving.options.get("replace", False) is True if saving.options else False
    if target.exists() and not replace:
        raise StataError(f"file {target} already exists", 602)
    rng, seed = _rng(s, cmd)
    pred = simulate(s, post, rng, s.touse(cmd))
    _check_sim_indexes(refs, pred)
    pred.rseed = seed
    pred.funcs = funcs or None
    for label, expr in funcs.items():  # checked now: one number per draw
        vals = np.asarray(_ev(pred, expr, True), dtype=float)
        if vals.shape != pred.mu.shape[:2]:
            raise StataError(f"({label}: ...) must give one number per draw, e.g. @max()", 198)
    try:
        write_atomic(target, (_MAGIC, pred))
    except OSError as exc:
        raise StataError(
            f"file {target} could not be opened" + (f": {exc.strerror}" if exc.strerror else ""),
            603,
        ) from None
    return [Text(f"file {target} saved.", kind="note")]


def write_atomic(path: Path, obj: object) -> None:
    """Pickle ``obj`` to ``path`` through a temporary file, so that a failure leaves any
    earlier file as it was."""
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=str(Path(path).parent or "."), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as open() would make it (mkstemp makes 0600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _new_variables(s, cmd, post: Posterior, items, stat: str | None) -> list[Output]:
    """``bayespredict newvar, mean`` (or median, std; ``cri`` makes two variables)."""
    extra = [it for it in items if not isinstance(it, Name)]
    if extra:
        what = (
            getattr(extra[0], "text", None)
            or "{" + str(getattr(extra[0], "items", ["..."])[0]) + "}"
        )
        raise StataError(
            f"{what} not allowed: bayespredict newvar, {stat or 'mean'} takes new variable names"
            " only (simulate {_ysim} and functions with saving())",
            198,
            span=getattr(extra[0], "span", None),
        )
    names = [it.name for it in items if not it.name.startswith("(")]
    vtype = next((it.name[1:-1] for it in items if it.name.startswith("(")), "float")
    if vtype.startswith("str"):
        raise StataError("type mismatch: predictions are numeric", 109)
    if vtype not in ("byte", "int", "long", "float", "double"):
        raise StataError(f"{vtype} invalid storage type", 198)
    if stat is None:
        raise StataError("one of mean, median, std, or cri is required", 198)
    for opt, allowed in (
        ("clevel()", "cri"),
        ("hpd", "cri"),
        ("mcse()", "mean"),
        ("batch()", "mean"),
        ("corrlag()", "mean"),
        ("corrtol()", "mean"),
    ):
        if cmd.has(opt.rstrip("()")) and stat != allowed:
            raise StataError(f"option {opt} allowed only with {allowed}", 198)
    if cmd.option("saving") is not None:
        raise StataError(f"option saving() not allowed with {stat}", 198)
    need = 2 if stat == "cri" else 1
    if len(names) != need:
        raise StataError(f"bayespredict ..., {stat} requires {need} new variable name(s)", 198)
    from ..dataset.varnames import check_new_name

    se_name = str(cmd.option("mcse")).strip() if cmd.has("mcse") else None
    if se_name is not None and not se_name:
        raise StataError("mcse(): one new variable name required", 198)
    every = names + ([se_name] if se_name else [])
    for k, n in enumerate(every):
        check_new_name(s.data, n)
        if n in every[:k]:
            raise StataError(f"{n} already defined", 110)
    batch = int(cmd.option("batch", 0))
    corrlag = cmd.option("corrlag")
    corrtol = float(cmd.option("corrtol", 0.01))
    if batch < 0 or (corrlag is not None and int(corrlag) < 0) or not 0 < corrtol < 1:
        raise StataError(
            "batch(), corrlag() and corrtol() must be nonnegative (corrtol in (0, 1))", 198
        )
    rng, _seed = _rng(s, cmd)
    pred = simulate(s, post, rng, s.touse(cmd))
    draws = pred.ysim.reshape(-1, pred.ysim.shape[2])
    if stat == "mean":  # E(y_rep) given each draw is μ_t: its mean over draws (less noise)
        cols = [pred.mu.reshape(-1, pred.mu.shape[2]).mean(axis=0)]
        if se_name:
            from ..diagnostics.mcmc import ess_stata, mcse

            lag = None if corrlag is None else int(corrlag)
            ses = []
            for j in range(pred.mu.shape[2]):
                m = pred.mu[:, :, j]
                if float(m.std(ddof=1)) == 0:
                    ses.append(0.0)
                elif batch > 0:  # batch means, as bayesstats summary's batch()
                    ses.append(mcse(m, batch=batch)[1])
                else:
                    ses.append(mcse(m, ess_stata(m, lag, corrtol)[0])[1])
            cols.append(np.array(ses))
            names = [*names, se_name]
    elif stat == "median":
        cols = [np.median(draws, axis=0)]
    elif stat == "std":
        cols = [draws.std(axis=0, ddof=1)]
    else:
        from ..diagnostics.mcmc import hpd, quantile

        level = float(cmd.option("clevel", 95.0))
        if not 10 <= level <= 99.99:
            raise StataError("clevel() must be between 10 and 99.99", 198)
        if cmd.has("hpd"):
            bounds = [hpd(draws[:, j], level / 100) for j in range(draws.shape[1])]
        else:
            a = (1 - level / 100) / 2
            bounds = [
                (quantile(draws[:, j], a), quantile(draws[:, j], 1 - a))
                for j in range(draws.shape[1])
            ]
        cols = [np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])]
    rows = pred.obs - 1
    labels = {
        "mean": f"Posterior predictive mean of {pred.depvar}",
        "median": f"Posterior predictive median of {pred.depvar}",
        "std": f"Posterior predictive std. dev. of {pred.depvar}",
    }
    for k, (n, c) in enumerate(zip(names, cols)):
        full = np.full(s.data.nobs, np.nan)
        full[rows] = c
        s.data.set_values(n, full, vtype)
        if stat == "cri":
            s.data.info[n].label = ("Lower" if k == 0 else "Upper") + f" CrI bound of {pred.depvar}"
        elif k == 1:
            s.data.info[n].label = f"MCSE of posterior predictive mean of {pred.depvar}"
        else:
            s.data.info[n].label = labels[stat]
    return []


# ---------------------------------------------------------------------------------------------
# ppvalues


def load_predictions(path: str) -> Predictions:
    p = _file_of(path, ".bmpred")
    if not p.exists():
        raise StataError(f"file {p} not found", 601)
    try:
        with open(p, "rb") as f:
            magic, pred = pickle.load(f)
    except Exception:  # not ours, damaged, or written by another version
        raise StataError(f"file {p} is not a bayespredict file", 610) from None
    if magic != _MAGIC:
        raise StataError(f"file {p} is not a bayespredict file", 610)
    return pred


_AT = {
    "mean": lambda x: x.mean(axis=-1),
    "median": lambda x: np.median(x, axis=-1),
    "min": lambda x: x.min(axis=-1),
    "max": lambda x: x.max(axis=-1),
    "sd": lambda x: x.std(axis=-1, ddof=1),
    "var": lambda x: x.var(axis=-1, ddof=1),
    "sum": lambda x: x.sum(axis=-1),
    "iqr": lambda x: np.subtract(*np.percentile(x, [75, 25], axis=-1)),
    "skewness": lambda x: stats.skew(x, axis=-1),
    "kurtosis": lambda x: stats.kurtosis(x, axis=-1, fisher=False),
}


def _saved_func(pred: Predictions, ref: ParamRef, replicate: bool) -> np.ndarray | None:
    """A function saved in the file by name (``{mx}``), evaluated on the replicates or, for
    ``replicate=False``, on the observed data."""
    funcs = getattr(pred, "funcs", None) or {}
    name = ref.items[0].name or ""
    if ref.items[0].eq is None and name in funcs:
        return np.asarray(_ev(pred, funcs[name], replicate), dtype=float)
    return None


def _index_of(it) -> str | None:
    """The observation index written after a simulated quantity (``{_ysim[1/3]}``)."""
    if "[" in (it.name or ""):
        return it.name.split("[", 1)[1].rstrip("]")
    return it.index


def _sim(
    pred: Predictions, ref: ParamRef, replicate: bool, index: int | None = None
) -> tuple[np.ndarray, str]:
    it = ref.items[0]
    saved = _saved_func(pred, ref, replicate)
    if saved is not None:
        return saved, it.name or ""
    stub = (it.name or "").split("[")[0]
    base = stub.rstrip("1")
    idx = str(index) if index is not None else _index_of(it)
    if base == "_ysim":
        arr = pred.ysim if replicate else np.broadcast_to(pred.y, pred.ysim.shape)
    elif base == "_resid":
        arr = (pred.ysim if replicate else pred.y) - pred.mu
    elif base == "_mu":
        arr = pred.mu
    else:
        raise StataError(f"{{{it}}} invalid in ppvalues", 198, span=ref.span)
    if idx is not None:
        try:
            i = pred.position(int(idx))
        except ValueError:
            raise StataError(f"{{{it}}}: observation index must be a number", 198) from None
        if i is None:
            if int(idx) in pred.missing_outcome:
                raise StataError(
                    f"{{{it}}}: observation {idx} has a missing outcome (no observed statistic)",
                    198,
                )
            raise StataError(f"{{{it}}}: observation {idx} was not predicted", 198)
        return arr[:, :, i], f"{base}1_{idx}"
    return arr, f"{base}1"


def numbers(text: str, what: str) -> list[int]:
    """An integer numlist ([U] 11.1.8): ``3``, ``1/3``, ``3/1`` (3 2 1), ``1 5 9``, ``1(2)9``;
    ``invalid numlist`` (r(121)) otherwise."""
    out: list[int] = []
    for part in text.replace(",", " ").split():
        try:
            if "/" in part:
                a, b = (int(float(x)) for x in part.split("/"))
                out += list(range(a, b + 1) if a <= b else range(a, b - 1, -1))
            elif "(" in part:
                a, rest = part.split("(")
                step, b = rest.split(")")
                lo, st, hi = int(a), int(step), int(b)
                if st == 0:
                    raise ValueError
                out += list(range(lo, hi + (1 if st > 0 else -1), st))
            else:
                out.append(int(float(part)))
        except ValueError:
            raise StataError(f"{what}: invalid numlist", 121) from None
    return out


def summary_series(pred: Predictions, items) -> list[Series]:
    """What ``bayesstats summary ... using file`` summarizes: simulated values
    (``{_ysim}``, ``{_ysim[1/3]}``, ``{_mu[5]}``, ``{_resid}``: one row per observation, named
    ``_ysim1_1`` ...) and labelled functions or expressions of them (``(mx: @max({_ysim}))``)."""
    arrays = {"_ysim": pred.ysim, "_mu": pred.mu, "_resid": pred.ysim - pred.mu}
    obs = pred.obs if pred.obs is not None else np.arange(1, pred.mu.shape[2] + 1)
    out: list[Series] = []
    k = 0
    for it in items:
        if isinstance(it, ParamRef):
            saved = _saved_func(pred, it, True)
            if saved is not None:
                label = it.items[0].name or ""
                out.append(Series("", label, label, saved))
                continue
            for p in it.items:
                name = p.name or ""
                one = re.fullmatch(r"(_ysim|_mu|_resid)1_(\d+)", name)  # {_mu1_5}: as labelled
                if one is not None and p.index is None:
                    name = f"{one.group(1)}[{one.group(2)}]"
                base = name.split("[")[0].rstrip("1")
                if p.eq is not None or base not in arrays:
                    held = ", ".join(
                        ["{_ysim}", "{_mu}", "{_resid}"]
                        + [f"{{{n}}}" for n in (getattr(pred, "funcs", None) or {})]
                    )
                    raise StataError(
                        f"{{{p}}} not found in the prediction file: it holds {held}",
                        111,
                        span=it.span,
                    )
                idx = p.index
                if "[" in name:
                    idx = name.split("[", 1)[1].rstrip("]")
                wanted = [int(o) for o in obs] if idx is None else numbers(str(idx), f"{{{p}}}")
                for i in wanted:
                    pos = pred.position(i)
                    if pos is None:
                        raise StataError(f"{{{base}[{i}]}}: observation {i} was not predicted", 198)
                    label = f"{base}1_{i}"
                    out.append(Series("", label, label, arrays[base][:, :, pos]))
        elif isinstance(it, LabeledExpr):
            k += 1
            vals = np.asarray(_ev(pred, it.expr, True), dtype=float)
            if vals.shape != pred.mu.shape[:2]:
                raise StataError(
                    "expression must give one number per draw: use a function such as "
                    "@mean() of the simulated values, or one observation {_ysim[1]}",
                    198,
                )
            label = it.label or _auto_label(it.expr) or f"expr{k}"
            out.append(Series("", label, label, vals, it.text))
        else:
            raise StataError("invalid specification", 198)
    return out


def _ev(pred: Predictions, e, replicate: bool):
    """A function of simulated values, draw by draw (of the replicates, or with
    ``replicate=False`` of the observed outcome), by the shared expression evaluator."""

    def at_call(c: Call, ev):
        f = _AT.get(c.func)
        if f is None or len(c.args) != 1:
            raise StataError(f"@{c.func}() is not a known function of simulated data", 198)
        return f(np.asarray(ev(c.args[0])))

    return eval_tree(e, lambda ref: _sim(pred, ref, replicate)[0], at_call)


def _auto_label(e) -> str:
    if isinstance(e, Call) and e.at and len(e.args) == 1 and isinstance(e.args[0], ParamRef):
        name = (e.args[0].items[0].name or "").split("[")[0].rstrip("1")
        return f"{name}1_{e.func}"
    return ""


def _observed(pred: Predictions) -> tuple[Predictions, int]:
    """The predictions of the observations whose outcome is known (T_obs needs it), and how
    many were left out."""
    keep = ~np.isnan(np.asarray(pred.y, dtype=float))
    if keep.all():
        return pred, 0
    if not keep.any():
        raise StataError("no observations with a known outcome", 2000)
    obs = pred.obs if pred.obs is not None else np.arange(1, len(keep) + 1)
    sub = Predictions(
        pred.cmdline,
        pred.depvar,
        pred.y[keep],
        pred.mu[:, :, keep],
        pred.ysim[:, :, keep],
        pred.rseed,
        obs[keep],
        pred.funcs,
        frozenset(int(o) for o in obs[~keep]),
    )
    return sub, int((~keep).sum())


@command("bayesstats", "ppvalues")
def ppvalues(s, cmd: Command) -> list[Output]:
    if cmd.using is None:
        raise StataError("using required: the file saved by bayespredict", 100)
    pred = load_predictions(cmd.using)
    items = cmd.body.items if isinstance(cmd.body, ParamList) else ()
    if not items:
        raise StataError("test quantities required", 198)
    pred, dropped = _observed(pred)
    rows = []
    k = 0
    for it in items:
        if isinstance(it, ParamRef):
            idx = _index_of(it.items[0]) if _saved_func(pred, it, True) is None else None
            # {_ysim[1/3]}: one test quantity per observation listed
            for i in numbers(idx, f"{{{it.items[0]}}}") if idx is not None else [None]:
                rep, label = _sim(pred, it, True, i)
                obs, _ = _sim(pred, it, False, i)
                if rep.ndim == 3:
                    raise StataError(
                        f"{{{it.items[0]}}} is a vector: give observations, {{{it.items[0]}[1]}}"
                        f" or {{{it.items[0]}[1/3]}}, or a function such as "
                        f"(@mean({{{it.items[0]}}}))",
                        198,
                    )
                rows.append((label, None, rep, obs))
        elif isinstance(it, LabeledExpr):
            k += 1
            label = it.label or _auto_label(it.expr) or f"T{k}"
            both = []
            for replicate in (True, False):
                v = np.asarray(_ev(pred, it.expr, replicate), dtype=float)
                if v.ndim > 2 or (v.ndim == 2 and v.shape != pred.mu.shape[:2]):
                    raise StataError(
                        f"({label}: ...) must give one number per draw, e.g. @max({{_ysim}})",
                        198,
                        span=it.span,
                    )
                both.append(np.broadcast_to(v, pred.mu.shape[:2]))
            rows.append((label, it.text, *both))
        else:
            raise StataError("invalid test quantity", 198)
    from .bayes_ic import _chosen

    chosen = _chosen(SimpleNamespace(nchains=pred.mu.shape[0]), cmd)  # checks chains()
    if cmd.has("sepchains") and len(chosen) > 1:
        outs: list[Output] = []
        for c in chosen:
            one = [(lab, ex, np.asarray(r)[[c]], np.asarray(o)[[c]]) for lab, ex, r, o in rows]
            outs += _ppvalues_table(s, cmd, one, dropped, f"Chain {c + 1}")
        return outs
    rows = [(lab, ex, np.asarray(r)[chosen], np.asarray(o)[chosen]) for lab, ex, r, o in rows]
    return _ppvalues_table(s, cmd, rows, dropped)


def _ppvalues_table(s, cmd: Command, rows, dropped: int, title: str | None = None):
    from .bayesstats import _size_lines

    out_rows, vals = [], []
    for label, expr, rep, obs in rows:
        nch = np.shape(rep)[0]
        rep = np.asarray(rep, float).reshape(-1)
        obs = np.asarray(obs, float).reshape(-1)
        m, sd = float(rep.mean()), float(rep.std(ddof=1))
        eo, p = float(obs.mean()), float(np.mean(rep >= obs))
        out_rows.append((label, expr, m, sd, eo, p))
        vals.append([m, sd, eo, p])
    n = len(rep)
    head = _size_lines(title or "Posterior predictive summary", nch, n)
    legend = [f"{lab:>12} : {ex}" for lab, ex, *_ in out_rows if ex]
    if legend and not cmd.has("nolegend"):
        head += ["", *legend]
    lines = [
        "-" * 63,
        f"{'T':<12} |      Mean   Std. dev.   E(T_obs)  P(T>=T_obs)",
        "-" * 13 + "+" + "-" * 49,
    ]
    for lab, _ex, m, sd, eo, p in out_rows:
        lab = abbrev(lab)
        lines.append(
            f"{lab:>12} |{fmt_g(m, 9):>10}{fmt_g(sd, 9):>11}{fmt_g(eo, 9):>11}{fmt_g(p, 9):>13}"
        )
    lines += ["-" * 63, "Note: P(T>=T_obs) close to 0 or 1 indicates lack of fit."]
    if dropped:
        lines.append(
            f"Note: {dropped} observation{'s' if dropped > 1 else ''} with a missing outcome "
            "left out (they have no observed statistic)."
        )
    text = "\n".join([*head, "", *lines])
    html = pre(head) + html_table(
        [["T", "Mean", "Std. dev.", "E(T_obs)", "P(T>=T_obs)"]],
        [
            [lab, fmt_g(m, 9), fmt_g(sd, 9), fmt_g(eo, 9), fmt_g(p, 9)]
            for lab, _e, m, sd, eo, p in out_rows
        ],
        notes=["Note: P(T>=T_obs) close to 0 or 1 indicates lack of fit."],
    )
    M = Matrix(
        np.array(vals), [r[0] for r in out_rows], ["Mean", "Std. dev.", "E(T_obs)", "P(T>=T_obs)"]
    )
    s.r = {"summary": M}
    return [Block(text, html, data=M)]
