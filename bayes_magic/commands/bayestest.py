"""``bayestest interval`` ([BAYES] bayestest interval): posterior probabilities of intervals.

Each test is the 0/1 series of whether a draw lies in the interval (``lower(a)``: θ > a,
``upper(b)``: θ < b, both: a < θ < b; ``inclusive`` makes the bounds ≥/≤); its mean is the
probability, reported with its standard deviation and MCSE (SD/√ESS of the indicator series).
``joint`` tests all intervals at once. ``bayestest model`` lives in :mod:`.bayes_ic`.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..diagnostics.mcmc import ess_stata
from ..errors import StataError
from ..matrix import Matrix
from ..posterior import Posterior
from ..report.format import abbrev, fmt_g
from ..report.output import Block, Output, html_table, pre
from ..syntax.ast import Command, IntervalItem, JointItem, LabeledExpr, ParamList
from . import bayes_ic  # noqa: F401  (registers bayestest model)
from .bayes_display import fmt_sig4
from .bayes_params import resolve_items
from .registry import command

__all__: list[str] = []


def _bound(v) -> tuple[float, bool] | None:
    """``lower()``/``upper()`` values arrive as (number, inclusive) or a number."""
    if v is None:
        return None
    x, inc = (float(v[0]), bool(v[1])) if isinstance(v, tuple) else (float(v), False)
    return None if np.isnan(x) else (x, inc)  # lower(.)/upper(.): no bound, as in Stata


def _fmt_num(x: float) -> str:
    return f"{x:g}"


def _test(x, lo, hi, inclusive: bool, equal: float | None = None) -> tuple[np.ndarray, str]:
    """The indicator series of one interval (or of ``==#``) and its legend text."""
    cond = np.ones(x.draws.shape, dtype=bool)
    desc = "{" + x.full + "}" if x.expr is None else f"({x.expr})"
    if equal is not None:
        return x.draws == equal, f"{desc} == {_fmt_num(equal)}"
    if lo is not None:
        a, inc = lo
        inc = inc or inclusive
        cond &= x.draws >= a if inc else x.draws > a
        desc = f"{_fmt_num(a)} {'<=' if inc else '<'} {desc}"
    if hi is not None:
        b, inc = hi
        inc = inc or inclusive
        cond &= x.draws <= b if inc else x.draws < b
        desc = f"{desc} {'<=' if inc else '<'} {_fmt_num(b)}"
    return cond, desc


def _targets(s, cmd: Command, target) -> list:
    """The series an interval is about: parameters and expressions of the current results,
    or simulated values and functions of them in a ``bayespredict`` file (``using``)."""
    if cmd.using is not None:
        from .bayespredict import load_predictions, summary_series

        return summary_series(load_predictions(cmd.using), [target])
    post = s.e
    if not isinstance(post, Posterior):
        raise StataError("last estimates not found", 301)
    return resolve_items(post, [target])


def _row_name(target, k: int) -> str:
    """A labelled expression names its row (``(pm: {math:homework})``); others are prob#."""
    return target.label if isinstance(target, LabeledExpr) and target.label else f"prob{k}"


@command("bayestest", "interval")
def interval(s, cmd: Command) -> list[Output]:
    """``bayestest interval`` ([BAYES] bayestest interval), with ``lower() upper() inclusive
    joint skip() chains() sepchains nolegend`` and ``using`` a prediction file."""
    from types import SimpleNamespace

    from .bayesstats import _chains

    if cmd.using is None and not isinstance(s.e, Posterior):
        raise StataError("last estimates not found", 301)
    items = cmd.body.items if isinstance(cmd.body, ParamList) else ()
    if not items:
        raise StataError("parameter or expression required", 198)
    glo, ghi = _bound(cmd.option("lower")), _bound(cmd.option("upper"))
    inclusive = cmd.has("inclusive")
    # (target, series, lower, upper, equal, group): a joint test's series share a group; every
    # other series is a test of its own ({math:} is one test per coefficient)
    tests: list[tuple] = []
    fresh = itertools.count()
    targets: list = []

    def add(it, group: tuple | None) -> None:
        eq = None
        if isinstance(it, IntervalItem):
            opts = {o.name: o.value for o in it.options}
            lo, hi, target, eq = (
                _bound(opts.get("lower")),
                _bound(opts.get("upper")),
                it.target,
                it.equal,
            )
            if eq is not None and (lo is not None or hi is not None):
                raise StataError("a point hypothesis (==#) takes no lower() or upper()", 198)
        else:
            lo, hi, target = glo, ghi, it
        if eq is None and lo is None and hi is None:
            raise StataError("one of lower() or upper() is required", 198)
        if lo is not None and hi is not None and lo[0] > hi[0]:
            raise StataError(
                f"lower({_fmt_num(lo[0])}) must not be greater than upper({_fmt_num(hi[0])})",
                198,
            )
        label = target.label if isinstance(target, LabeledExpr) else None
        if label and any(isinstance(t, LabeledExpr) and t.label == label for t in targets):
            raise StataError(f"label {label} specified more than once", 198)
        targets.append(target)
        for x in _targets(s, cmd, target):
            tests.append((target, x, lo, hi, eq, ("one", next(fresh)) if group is None else group))

    joint_all = cmd.has("joint")
    for k, it in enumerate(items):
        joint = joint_all or isinstance(it, JointItem)
        for member in it.items if isinstance(it, JointItem) else (it,):
            add(member, ("joint", 0 if joint_all else k) if joint else None)
    nchains = tests[0][1].draws.shape[0]
    _chains(SimpleNamespace(nchains=nchains), [t[1] for t in tests], cmd)  # chains(), skip()
    if cmd.has("sepchains") and nchains > 1:
        from .bayesstats import _chain_list

        chosen = _chain_list(SimpleNamespace(nchains=nchains), cmd)
        outs: list[Output] = []
        for pos, c in enumerate(chosen):
            one = [(t, x.chain(pos), *rest) for t, x, *rest in tests]
            outs += _interval_table(s, cmd, one, inclusive, title=f"Chain {c + 1}")
        return outs
    return _interval_table(s, cmd, tests, inclusive)


def _interval_table(s, cmd: Command, tests, inclusive: bool, title: str | None = None):
    groups: dict[tuple, list] = {}
    for t in tests:
        groups.setdefault(t[5], []).append(t)
    conds = []
    for k, members in enumerate(groups.values(), start=1):
        parts = [_test(x, lo, hi, inclusive, eq) for _t, x, lo, hi, eq, _g in members]
        if len(parts) == 1:
            conds.append((_row_name(members[0][0], k), *parts[0]))
        else:  # a joint test: all of its hypotheses at once
            joint = np.logical_and.reduce([c for c, _ in parts])
            conds.append((f"prob{k}", joint, " & ".join(d for _, d in parts)))
    rows, vals = [], []
    for name, cond, desc in conds:
        z = cond.astype(float)
        flat = z.reshape(-1)
        mean = float(flat.mean())
        sd = float(flat.std(ddof=1)) if flat.size > 1 else float("nan")
        ess = ess_stata(z)[0] if sd > 0 else float("nan")
        mcse = sd / np.sqrt(ess) if sd > 0 else 0.0
        rows.append((name, desc, mean, sd, mcse))
        vals.append([mean, sd, mcse])
    from .bayesstats import _size_lines

    n = conds[0][1].size
    head = _size_lines(title or "Interval tests", conds[0][1].shape[0], n)
    if not cmd.has("nolegend"):
        head += ["", *(f"{name:>12} : {desc}" for name, desc, *_ in rows)]
    lines = ["-" * 48, f"{'':>12} |       Mean    Std. dev.      MCSE", "-" * 13 + "+" + "-" * 34]
    for name, _desc, mean, sd, mcse in rows:
        lab = abbrev(name)
        lines.append(f"{lab:>12} |{fmt_sig4(mean):>11}{sd:>13.5f}{fmt_g(mcse, 9):>10}")
    lines.append("-" * 48)
    text = "\n".join([*head, "", *lines])
    html = pre(head) + html_table(
        [["", "Mean", "Std. dev.", "MCSE"]],
        [[name, fmt_sig4(m), f"{sd:.5f}", fmt_g(e, 9)] for name, _d, m, sd, e in rows],
    )
    M = Matrix(np.array(vals), [r[0] for r in rows], ["Mean", "Std. dev.", "MCSE"])
    s.r = {
        "summary": M,
        "mcmcsize": float(n),
        **{f"prob{k}": v[0] for k, v in enumerate(vals, start=1)},
    }
    return [Block(text, html, data=M)]
