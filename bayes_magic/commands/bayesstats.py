"""``bayesstats summary``, ``bayesstats ess`` and ``bayesstats grubin`` ([BAYES] bayesstats).

Each works on the current Bayesian results (``bayes:``/``bayesmh``, or ones brought back with
``estimates restore``) and on parameters, random effects and expressions named as in
:mod:`~bayes_magic.commands.bayes_params`; with none named, on every model parameter.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..diagnostics.mcmc import ess_stata, gelman_rubin_parts
from ..errors import StataError
from ..matrix import Matrix
from ..posterior import Posterior
from ..report.coeftable import CoefRow, CoefTable, Equation
from ..report.format import abbrev, fmt_f, fmt_g
from ..report.output import Block, Output, html_table, pre
from ..syntax.ast import Command, ParamList
from .bayes_display import (
    _right,
    batch_note,
    fmt_sig4,
    posterior_table,
    stats_of,
    stub_width,
    table_equations,
)
from .bayes_params import Series, model_series, resolve_items
from .registry import command

__all__: list[str] = []


def _post(s) -> Posterior:
    if not isinstance(s.e, Posterior):
        raise StataError("last estimates not found", 301)
    return s.e


def _series(s, cmd: Command) -> tuple[Posterior, list[Series]]:
    post = _post(s)
    items = cmd.body.items if isinstance(cmd.body, ParamList) else ()
    series = resolve_items(post, items) if items else model_series(post)
    return post, _chains(post, series, cmd)


def _chains(post: Posterior, series: list[Series], cmd: Command) -> list[Series]:
    """Keep the chains asked for with ``chains()`` and drop ``skip()`` draws."""
    chosen = cmd.option("chains")
    skip = int(cmd.option("skip", 0) or 0)
    idx = list(range(post.nchains))
    if chosen is not None:
        idx = [int(c) - 1 for c in _numlist(chosen)]
        bad = [c + 1 for c in idx if not 0 <= c < post.nchains]
        if bad:
            raise StataError(f"chains(): chain {bad[0]} not found", 198)
    if skip < 0:
        raise StataError("skip() must be nonnegative", 198)
    if series and -(-series[0].draws.shape[1] // (skip + 1)) < 2:
        raise StataError("skip() leaves fewer than two draws", 198)
    for s in series:
        s.draws = s.draws[idx][:, :: skip + 1] if skip else s.draws[idx]
    return series


def _selector(post: Posterior, cmd: Command, chain: int | None = None):
    """The draws ``chains()`` and ``skip()`` keep (or only ``chain``, 0-based, for
    ``sepchains``), as a function of a (chains, draws) array."""
    probe = Series("", "", "", np.zeros((post.nchains, post.mcmcsize)))
    _chains(post, [probe], cmd)  # checks the options
    chosen = cmd.option("chains")
    idx = [int(c) - 1 for c in _numlist(chosen)] if chosen is not None else None
    if chain is not None:
        idx = [chain]
    skip = int(cmd.option("skip", 0) or 0)

    def select(draws: np.ndarray) -> np.ndarray:
        d = draws[idx] if idx is not None else draws
        return d[:, :: skip + 1] if skip else d

    return select


def model_layout(
    post: Posterior,
    cmd: Command,
    values: Callable[[np.ndarray], list[float]],
    chain: int | None = None,
    *,
    mixed_labels: bool = False,
) -> list[Equation]:
    """The model parameters laid out as the estimation table lays them out (factor headings
    and base levels), with ``values`` of the draws that ``chains()``/``skip()`` keep in each
    row. As the talk's output shows, after ``bayes: mixed`` the factor levels are numbered
    (``0 (base)``, ``1``) and ``mixed_labels`` gives the random-effects parameters ``mixed``'s
    names (``var(homework)``, ``cov(homework,_cons)``, ``var(Residual)``); after ``bayesmh``
    they keep their value labels and parameter names."""
    select = _selector(post, cmd, chain)
    opts = _layout_opts(post, cmd)
    opts["melabel"] = mixed_labels and opts["_mixed_names"]
    return table_equations(post, opts, values=lambda d: values(select(d)))


def _layout_opts(post: Posterior, cmd: Command) -> dict[str, Any]:
    """After the ``bayes:`` prefix the factor levels are numbered (``0 (base)``, ``1``), as the
    talk's ``bayesstats ess`` and ``grubin`` show; ``summary`` lays them out the same way."""
    return {
        "_numeric_levels": post.model.command != "bayesmh",
        # bayes: mixed's and me*'s parameters take mixed's names (var(Residual) ...); bayes:
        # regress keeps {sigma2}, and bayes: logit ... have no variances
        "_mixed_names": post.model.command == "bayes: mixed"
        or post.model.command.startswith("bayes: me"),
        "vsquish": cmd.has("vsquish"),
        "nofvlabel": cmd.has("nofvlabel"),
        **_reffects(cmd),
    }


def _reffects(cmd: Command) -> dict[str, Any]:
    """``showreffects[({U0[6053]} ...)]``: the random effects go into the table too."""
    if not cmd.has("showreffects"):
        return {}
    return {"showreffects": cmd.option("showreffects") or True}


def _layout_rows(eqs: list[Equation]) -> list[CoefRow]:
    return [r for eq in eqs for r in eq.rows if r.param is not None]


def _numlist(v: Any) -> list[int]:
    """``chains()``'s numlist, each chain once (``chains(1 1)`` is chain 1)."""
    from .bayespredict import numbers

    if isinstance(v, (int, float)):
        return [int(v)]
    return list(dict.fromkeys(numbers(str(v), "chains()")))


def _equations(series: list[Series], rows: list[CoefRow]) -> list[Equation]:
    eqs: list[Equation] = []
    for s, r in zip(series, rows):
        if eqs and eqs[-1].name == s.eq:
            eqs[-1].rows.append(r)
        else:
            eqs.append(Equation(s.eq, [r]))
    return eqs


def _legend(series: list[Series]) -> list[str]:
    return [f"{s.label:>12} : {s.expr}" for s in series if s.expr is not None]


def _size_lines(title: str, nchains: int, n: int) -> list[str]:
    """The header: the title with the MCMC sample size, and with several chains their number
    above it (as the talk's three-chain ``bayesstats ess`` shows)."""
    size = _right("MCMC sample size", f"{n:,}")
    if nchains > 1:
        return [f"{title:<49}{_right('Number of chains', f'{nchains:,}')}", f"{'':<49}{size}"]
    return [f"{title:<49}{size}"]


# ---------------------------------------------------------------------------------------------
# summary


@command("bayesstats", "summary")
def summary(s, cmd: Command) -> list[Output]:
    opts = {o.name: o.value for o in cmd.options}
    if "level" in opts:
        opts["clevel"] = opts.pop("level")
    if cmd.using is not None:
        return _summary_of_predictions(s, cmd, opts)
    post, series = _series(s, cmd)
    if opts.get("sepchains") and post.nchains > 1:
        outs: list[Output] = []
        if not _named(cmd) and post.model is not None:  # the table's layout, chain by chain
            for c in _chain_list(post, cmd):
                select = _selector(post, cmd, c)
                eqs = table_equations(
                    post,
                    _layout_opts(post, cmd),
                    values=lambda d, sel=select: stats_of(sel(d), opts),
                )
                n = _size(post, cmd, c)
                outs += _summary_table(s, post, eqs, opts, n, 1, title=f"Chain {c + 1}")
            return outs
        for pos, c in enumerate(_chain_list(post, cmd)):
            sub = [x.chain(pos) for x in series]
            outs += _summary_block(s, post, sub, opts, title=f"Chain {c + 1}")
        return outs
    if not _named(cmd) and post.model is not None:
        select = _selector(post, cmd)
        eqs = table_equations(
            post, _layout_opts(post, cmd), values=lambda d: stats_of(select(d), opts)
        )
        nch = len(_chain_list(post, cmd))
        return _summary_table(s, post, eqs, opts, _size(post, cmd), nch)
    return _summary_block(s, post, series, opts)


def _summary_of_predictions(s, cmd: Command, opts: dict[str, Any]) -> list[Output]:
    """``bayesstats summary {_ysim[1/3]} (mx: @max({_ysim})) using file`` ([BAYES]
    bayesstats summary): posterior summaries of what ``bayespredict`` saved."""
    chains, series = _prediction_series(cmd)
    if opts.get("sepchains") and series and series[0].draws.shape[0] > 1:
        outs: list[Output] = []
        for pos, c in enumerate(_chain_list(chains, cmd)):  # type: ignore[arg-type]
            sub = [x.chain(pos) for x in series]
            outs += _summary_block(s, chains, sub, opts, title=f"Chain {c + 1}")
        return outs
    return _summary_block(s, chains, series, opts)


def _named(cmd: Command) -> bool:
    """Whether parameters are named; ``_all`` alone means the model parameters, as when none
    are named (random effects only with ``showreffects``)."""
    from ..syntax.ast import Name

    items = cmd.body.items if isinstance(cmd.body, ParamList) else ()
    if len(items) == 1 and isinstance(items[0], Name) and items[0].name == "_all":
        return False
    return bool(items)


def _size(post: Posterior, cmd: Command, chain: int | None = None) -> int:
    """The MCMC sample size that ``chains()`` and ``skip()`` leave."""
    return int(_selector(post, cmd, chain)(np.zeros((post.nchains, post.mcmcsize))).size)


def _chain_list(post: Posterior, cmd: Command) -> list[int]:
    """The chains (0-based) ``sepchains`` goes through: those of ``chains()``, or all."""
    chosen = cmd.option("chains")
    return (
        [int(c) - 1 for c in _numlist(chosen)] if chosen is not None else list(range(post.nchains))
    )


def _summary_table(
    s,
    post: Posterior,
    eqs: list[Equation],
    opts: dict[str, Any],
    n: int,
    nchains: int,
    title: str | None = None,
) -> list[Output]:
    """The default summary: the estimation table's rows and layout."""
    table = posterior_table(eqs, opts)
    rows = _layout_rows(eqs)
    head = _size_lines(title or "Posterior summary statistics", nchains, n)
    notes = batch_note(opts)
    text = "\n".join([*head, "", table.text(), *notes])
    html = pre(head) + table.html(notes=notes)
    cols = ["Mean", "Std. dev.", "MCSE", "Median", "lower", "upper"]
    M = Matrix(
        np.array([r.values for r in rows], dtype=float).reshape(len(rows), 6),
        [r.param for r in rows],
        cols,
    )
    s.r = {"summary": M, **_summary_r(opts, n, [r.param for r in rows], [])}
    return [Block(text, html, data=M)]


def _summary_r(opts: dict[str, Any], n: int, names: list[str], exprs: list[str]) -> dict:
    """bayesstats summary's stored results besides r(summary) ([BAYES] bayesstats summary)."""

    def num(key: str, default: float) -> float:
        v = opts.get(key)
        try:
            return float(v) if v is not None and v is not True else default
        except (TypeError, ValueError):
            return default

    out: dict[str, Any] = {
        "clevel": num("clevel", 95.0),
        "hpd": float(bool(opts.get("hpd"))),
        "mcmcsize": float(n),
        "batch": num("batch", 0.0),
        "skip": num("skip", 0.0),
        "corrlag": num("corrlag", float(min(500, n // 2))),
        "corrtol": num("corrtol", 0.01),
        "names": " ".join(names),
    }
    out.update({f"expr_{k}": e for k, e in enumerate(exprs, start=1)})
    return out


def _summary_block(
    s, post: Posterior, series: list[Series], opts: dict[str, Any], title: str | None = None
) -> list[Output]:
    rows, vals, names = [], [], []
    for x in series:
        v = stats_of(x.draws, opts)
        vals.append(v)
        names.append(x.full)
        rows.append(CoefRow(x.label, v))
    eqs = _equations(series, rows)
    table = posterior_table(eqs, opts)
    if len(eqs) == 1 and eqs[0].name:
        table.blocks = False
        table.stub_title = eqs[0].name
    n = series[0].draws.size if series else 0
    nch = series[0].draws.shape[0] if series else 1
    head = _size_lines(title or "Posterior summary statistics", nch, n)
    legend = [] if opts.get("nolegend") else _legend(series)
    if legend:
        head += ["", *legend]
    notes = batch_note(opts)
    text = "\n".join([*head, "", table.text(), *notes])
    html = pre(head) + table.html(notes=notes)
    cols = ["Mean", "Std. dev.", "MCSE", "Median", "lower", "upper"]
    M = Matrix(np.array(vals, dtype=float).reshape(len(vals), 6), names, cols)
    exprs = [x.expr for x in series if x.expr is not None]
    s.r = {"summary": M, **_summary_r(opts, n, names, exprs)}
    return [Block(text, html, data=M)]


# ---------------------------------------------------------------------------------------------
# ess


def _stat_table(eqs: list[Equation], header: str, cells, width: int, post: Posterior) -> CoefTable:
    """A table of per-parameter statistics in the estimation table's layout."""
    return CoefTable(
        eqs,
        header,
        lambda r: "".join(f"{c:>{w}}" for c, w in cells(r)),
        [h.strip() for h in header.split("  ") if h.strip()],
        lambda r: [c.strip() for c, _w in cells(r)],
        stub_title="",
        width=width,
        blocks=True,
        level_stub=12,
        base_zero=False,
        stub=stub_width(eqs, {"melabel": True}),
    )


def _prediction_series(cmd: Command):
    """Simulated values or functions of them from a ``bayespredict`` file (``using``), with
    ``chains()`` and ``skip()`` applied; and a stand-in for the results' chain count."""
    from types import SimpleNamespace

    from .bayespredict import load_predictions, summary_series

    pred = load_predictions(cmd.using)
    items = cmd.body.items if isinstance(cmd.body, ParamList) else ()
    if not items:
        raise StataError("simulated values or functions of them required", 198)
    chains = SimpleNamespace(nchains=pred.mu.shape[0])
    return chains, _chains(chains, summary_series(pred, items), cmd)  # type: ignore[arg-type]


@command("bayesstats", "ess")
def ess(s, cmd: Command) -> list[Output]:
    corrlag = cmd.option("corrlag")
    corrtol = float(cmd.option("corrtol", 0.01))
    lag = None if corrlag is None else int(corrlag)
    if cmd.using is not None:  # ESS of simulated values ([BAYES] bayesstats ess, using)
        chains, series = _prediction_series(cmd)
        if cmd.has("sepchains") and chains.nchains > 1:
            outs: list[Output] = []
            for pos, c in enumerate(_chain_list(chains, cmd)):  # type: ignore[arg-type]
                sub = [x.chain(pos) for x in series]
                outs += _ess_series(s, sub, lag, corrtol, cmd, title=f"Chain {c + 1}")
            return outs
        return _ess_series(s, series, lag, corrtol, cmd)
    post, series = _series(s, cmd)
    if cmd.has("sepchains") and post.nchains > 1:
        outs: list[Output] = []
        for pos, c in enumerate(_chain_list(post, cmd)):
            if not _named(cmd) and post.model is not None:
                outs += _ess_layout(s, post, cmd, lag, corrtol, chain=c)
            else:  # the series hold the chains() chosen, in order
                sub = [x.chain(pos) for x in series]
                outs += _ess_series(s, sub, lag, corrtol, cmd, title=f"Chain {c + 1}")
        return outs
    if not _named(cmd) and post.model is not None:
        return _ess_layout(s, post, cmd, lag, corrtol)
    return _ess_series(s, series, lag, corrtol, cmd)


def _ess_series(
    s, series: list[Series], corrlag, corrtol: float, cmd: Command, title: str | None = None
) -> list[Output]:
    """``bayesstats ess`` of the parameters and expressions named."""
    rows, vals = [], []
    for x in series:
        e, tau, eff = ess_stata(x.draws, corrlag, corrtol)
        vals.append([e, tau, eff])
        rows.append((x, e, tau, eff))
    effs = np.array([v[2] for v in vals]) if vals else np.zeros(0)
    n = series[0].draws.size if series else 0
    nch = series[0].draws.shape[0] if series else 1
    head = ([title] if title else []) + _ess_head(n, effs, nch)
    lines = [
        "-" * 52,
        f"{'':>12} |        ESS   Corr. time    Efficiency",
        "-" * 13 + "+" + "-" * 38,
    ]
    html_rows: list = []
    last = None
    for x, e, tau, eff in rows:
        if x.eq != last and x.eq:
            if last is not None:
                lines.append("-" * 13 + "+" + "-" * 38)
            lines.append(f"{x.eq[:12]:<12} |")
            html_rows.append(x.eq)
        last = x.eq
        lab = abbrev(x.label)
        lines.append(f"{lab:>12} |{fmt_f(e, 2):>11}{fmt_f(tau, 2):>13}{_eff(eff):>14}")
        html_rows.append([x.label, fmt_f(e, 2), fmt_f(tau, 2), _eff(eff)])
    lines.append("-" * 52)
    legend = [] if cmd.has("nolegend") else _legend(series)
    text = "\n".join([*head, *(["", *legend] if legend else []), "", *lines])
    html = pre(head) + html_table([["", "ESS", "Corr. time", "Efficiency"]], html_rows)
    M = Matrix(
        np.array(vals, dtype=float).reshape(len(vals), 3),
        [x.full for x in series],
        ["ESS", "Corr time", "Efficiency"],
    )
    s.r = {"ess": M, "skip": float(cmd.option("skip", 0) or 0), **_ess_r(cmd, n)}
    return [Block(text, html, data=M)]


def _ess_r(cmd: Command, n: int) -> dict[str, float]:
    """bayesstats ess's stored scalars besides r(ess) and r(skip)."""
    lag = cmd.option("corrlag")
    return {
        "mcmcsize": float(n),
        # [BAYES] bayesstats ess: corrlag() defaults to min(500, mcmcsize/2)
        "corrlag": float(lag) if lag is not None else float(min(500, n // 2)),
        "corrtol": float(cmd.option("corrtol", 0.01)),
    }


def _eff(x: float) -> str:
    return "." if not math.isfinite(x) else f"{x:.4f}"


def _ess_head(n: int, effs: np.ndarray, nchains: int = 1) -> list[str]:
    head = [f"{'Efficiency summaries':<24}"]
    if nchains > 1:  # as the talk's three-chain ess shows
        head = [f"{'Efficiency summaries':<24}{_right('Number of chains', f'{nchains:,}')}"]
        head.append(f"{'':<24}{_right('MCMC sample size', f'{n:,}')}")
    else:
        head[0] += _right("MCMC sample size", f"{n:,}")
    if len(effs):
        if effs.min() == effs.max():
            head.append(f"{'':<24}{_right('Efficiency', fmt_sig4(effs[0]))}")
        else:
            head += [
                f"{'':<24}{'Efficiency:  min':>16} ={fmt_sig4(effs.min()):>11}",
                f"{'':<24}{'avg':>16} ={fmt_sig4(effs.mean()):>11}",
                f"{'':<24}{'max':>16} ={fmt_sig4(effs.max()):>11}",
            ]
    return head


def _ess_layout(
    s, post: Posterior, cmd: Command, corrlag: int | None, corrtol: float, chain: int | None = None
) -> list[Output]:
    """``bayesstats ess`` of the model parameters, laid out as the estimation table (of one
    chain with ``sepchains``)."""
    eqs = model_layout(post, cmd, lambda d: list(ess_stata(d, corrlag, corrtol)), chain)
    rows = _layout_rows(eqs)
    vals = np.array([r.values for r in rows], dtype=float).reshape(len(rows), 3)
    table = _stat_table(
        eqs,
        "        ESS   Corr. time    Efficiency",
        lambda r: [
            (fmt_f(r.values[0], 2), 11),
            (fmt_f(r.values[1], 2), 13),
            (_eff(r.values[2]), 14),
        ],
        52,
        post,
    )
    nch = 1 if chain is not None else len(_chain_list(post, cmd))
    head = ([f"Chain {chain + 1}"] if chain is not None else []) + _ess_head(
        _size(post, cmd, chain), vals[:, 2], nch
    )
    text = "\n".join([*head, "", table.text()])
    html = pre(head) + table.html()
    M = Matrix(vals, [r.param for r in rows], ["ESS", "Corr time", "Efficiency"])
    s.r = {
        "ess": M,
        "skip": float(cmd.option("skip", 0) or 0),
        **_ess_r(cmd, _size(post, cmd, chain)),
    }
    return [Block(text, html, data=M)]


# ---------------------------------------------------------------------------------------------
# grubin


@command("bayesstats", "grubin")
def grubin(s, cmd: Command) -> list[Output]:
    post, series = _series(s, cmd)
    if series and series[0].draws.shape[0] < 2:
        raise StataError("need at least two chains; use option nchains() at estimation", 198)
    if not _named(cmd) and not cmd.has("sort") and post.model is not None:
        return _grubin_layout(s, post, cmd)
    parts = [gelman_rubin_parts(x.draws) for x in series]
    rcs = [p["Rc"] for p in parts]
    order = list(range(len(series)))
    if cmd.has("sort"):
        order.sort(key=lambda i: -rcs[i] if math.isfinite(rcs[i]) else math.inf)
    finite = [r for r in rcs if math.isfinite(r)]
    rc_max = max(finite) if finite else math.nan
    T = series[0].draws.shape[1] if series else 0
    head = [
        "Gelman–Rubin convergence diagnostic",
        "",
        f"Number of chains     = {post.nchains:>12,}",
        f"MCMC size, per chain = {T:>12,}",
        f"Max Gelman–Rubin Rc  = {fmt_sig4(rc_max) if math.isnan(rc_max) else f'{rc_max:.7g}':>12}",
    ]
    lines = ["-" * 34, f"{'':>12} |        Rc", "-" * 13 + "+" + "-" * 20]
    html_rows: list = []
    last = None
    for i in order:
        x = series[i]
        if not cmd.has("sort") and x.eq != last and x.eq:
            if last is not None:
                lines.append("-" * 13 + "+" + "-" * 20)
            lines.append(f"{x.eq[:12]:<12} |")
            html_rows.append(x.eq)
        last = x.eq
        lab = x.full if cmd.has("sort") else x.label
        lab = abbrev(lab)
        lines.append(
            f"{lab:>12} |  {rcs[i]:.6f}" if math.isfinite(rcs[i]) else f"{lab:>12} |         ."
        )
        html_rows.append([x.label, f"{rcs[i]:.6f}"])
    lines += ["-" * 34, "Convergence rule: Rc < 1.1"]
    legend = [] if cmd.has("nolegend") else _legend(series)
    text = "\n".join([*head, *(["", *legend] if legend else []), "", *lines])
    html = pre(head) + html_table([["", "Rc"]], html_rows)
    M = Matrix(np.array(rcs, dtype=float).reshape(1, -1), ["Rc"], [x.full for x in series])
    s.r = {"Rc": M, "Rc_max": rc_max, "nchains": float(post.nchains), "mcmcsize": float(T)}
    s.r.update(_grubin_matrices(parts, [x.full for x in series]))
    return [Block(text, html, data=M)]


def _grubin_matrices(parts: list[dict[str, float]], names: list[str]) -> dict[str, Matrix]:
    """r(B) r(W) r(V) r(t_df): the between and within variances, the pooled variance and its
    degrees of freedom behind each Rc (1 x k, as r(Rc))."""
    return {
        k: Matrix(np.array([p[k] for p in parts], dtype=float).reshape(1, -1), [k], names)
        for k in ("B", "W", "V", "t_df")
    }


# bayesstats ic and ppvalues live in their own modules; importing them registers them
from . import bayes_ic, bayespredict  # noqa: E402, F401


def _grubin_head(post: Posterior, T: int, rc_max: float) -> list[str]:
    rc = fmt_sig4(rc_max) if math.isnan(rc_max) else f"{rc_max:.7g}"
    return [
        "Gelman–Rubin convergence diagnostic",
        "",
        f"Number of chains     = {post.nchains:>12,}",
        f"MCMC size, per chain = {T:>12,}",
        f"Max Gelman–Rubin Rc  = {rc:>12}",
    ]


def _grubin_layout(s, post: Posterior, cmd: Command) -> list[Output]:
    """``bayesstats grubin`` of the model parameters, laid out as the estimation table (with
    ``melabel``'s labels after ``bayes, melabel``, as in the talk)."""
    keys = ("Rc", "B", "W", "V", "t_df")
    eqs = model_layout(
        post, cmd, lambda d: [gelman_rubin_parts(d)[k] for k in keys], mixed_labels=True
    )
    rows = _layout_rows(eqs)
    rcs = [r.values[0] for r in rows]
    finite = [r for r in rcs if math.isfinite(r)]
    rc_max = max(finite) if finite else math.nan
    T = _size(post, cmd) // max(post.nchains, 1)
    table = _stat_table(
        eqs,
        "        Rc",
        lambda r: [(fmt_g(r.values[0], 9), 10)],
        34,
        post,
    )
    head = _grubin_head(post, T, rc_max)
    lines = [*head, "", table.text(), "Convergence rule: Rc < 1.1"]
    html = pre(head) + table.html()
    M = Matrix(np.array(rcs, dtype=float).reshape(1, -1), ["Rc"], [r.param for r in rows])
    s.r = {"Rc": M, "Rc_max": rc_max, "nchains": float(post.nchains), "mcmcsize": float(T)}
    parts = [dict(zip(keys, r.values)) for r in rows]
    s.r.update(_grubin_matrices(parts, [r.param for r in rows]))
    return [Block("\n".join(lines), html, data=M)]
