"""``codebook [varlist] [if] [in] [, tabulate(#) compact]`` ([D] codebook): each variable's
type, value label, range and units, unique values and missing count, then a tabulation (at
most ``tabulate()`` unique values, 9 by default), or the mean, standard deviation and
percentiles (10, 25, 50, 75, 90) of a continuous variable, or examples of a string one;
``compact`` gives one line per variable (Obs, Unique, Mean, Min, Max, Label).
"""

from __future__ import annotations

import math

import numpy as np

from ..dataset.stats import percentile
from ..dataset.varnames import expand_terms
from ..errors import StataError
from ..report.format import fmt_g
from ..report.output import Block, Output
from ..syntax.ast import Command, Varlist
from .registry import command

__all__: list[str] = []

_RULE = "-" * 79


def _units(x: np.ndarray) -> str:
    """The largest power of ten (10⁻⁸ ... 10⁸) that divides every value."""
    if len(x) == 0:
        return "."
    for e in range(8, -9, -1):
        u = 10.0**e
        q = x / u
        if np.all(np.abs(q - np.round(q)) < 1e-9 * np.maximum(1, np.abs(q))):
            return fmt_g(u, 9).strip()
    return fmt_g(10.0**-8, 9).strip()


def _left(label: str, value: str) -> str:
    return f"{label:>22}: {value}"


def _pair(label: str, value: str, rlabel: str, rvalue: str) -> str:
    return f"{_left(label, value):<47}{rlabel:>12}: {rvalue}"


@command("codebook", readonly=True)
def codebook(s, cmd: Command) -> list[Output]:
    ds = s.data
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    names = expand_terms(ds, terms) if terms else list(ds.varnames)
    if not names:
        raise StataError("no variables defined", 111)
    for o in ("problems", "mv", "notes", "header", "all", "languages"):
        if cmd.has(o):
            raise StataError(f"codebook, {o} is not available in bayes_magic yet", 198)
    touse = s.touse(cmd)
    tab = int(cmd.option("tabulate", 9))
    if cmd.has("compact"):
        return [_compact(s, names, touse)]
    blocks = []
    for v in names:
        blocks.append("\n".join(_one(s, v, touse, tab)))
    text = "\n\n".join(blocks)
    return [Block(text, f"<pre>{text}</pre>", kind="result")]


def _one(s, v: str, touse: np.ndarray, tab: int) -> list[str]:
    ds = s.data
    info = ds.info[v]
    label = info.label or ""
    lines = [_RULE, f"{v}{label:>{79 - len(v)}}" if label else v, _RULE, ""]
    N = int(touse.sum())
    if ds.is_string(v):
        x = np.asarray(ds.values(v), dtype=object)[touse]
        ok = x[x != ""]
        longest = max((len(str(a)) for a in ok), default=0)
        t = info.type
        kind = f"String ({t})" + (f", but longest is str{longest}" if t != f"str{longest}" else "")
        lines += [_left("Type", kind), ""]
        uniq = sorted(set(ok.tolist()))
        miss = f"{N - len(ok):,}/{N:,}"
        lines.append(_pair("Unique values", f"{len(uniq):,}", 'Missing ""', miss))
        lines.append("")
        if uniq and len(uniq) <= tab:
            lines.append(_left("Tabulation", "Freq.  Value"))
            for u in uniq:
                lines.append(f'{"":>24}{int(np.sum(ok == u)):>5,}  "{u}"')
        elif uniq:
            picks = [uniq[round(q * (len(uniq) - 1))] for q in (0.2, 0.4, 0.6, 0.8)]
            picks = list(dict.fromkeys(picks))
            lines.append(_left("Examples", f'"{picks[0]}"'))
            lines += [f'{"":>24}"{p}"' for p in picks[1:]]
        if any(" " in str(a).strip() for a in ok):
            lines += ["", _left("Warning", "Variable has embedded blanks.")]
        return lines
    x = np.asarray(ds.values(v), dtype=float)[touse]
    ok = x[~np.isnan(x)]
    lines.append(_left("Type", f"Numeric ({info.type})"))
    vl = info.vlabel
    labels = ds.value_labels.get(vl, {}) if vl else {}
    if vl:
        lines.append(_left("Label", vl))
    lines.append("")
    lo = fmt_g(float(ok.min()), 9).strip() if len(ok) else "."
    hi = fmt_g(float(ok.max()), 9).strip() if len(ok) else "."
    lines.append(_pair("Range", f"[{lo},{hi}]", "Units", _units(ok)))
    uniq = np.unique(ok)
    lines.append(_pair("Unique values", f"{len(uniq):,}", "Missing .", f"{N - len(ok):,}/{N:,}"))
    lines.append("")
    if 0 < len(uniq) <= tab:
        head = "Freq.   Numeric  Label" if labels else "Freq.  Value"
        lines.append(_left("Tabulation", head))
        for u in uniq:
            n = int(np.sum(ok == u))
            if labels:
                lab = labels.get(float(u), labels.get(int(u), "") if float(u).is_integer() else "")
                lines.append(f"{'':>24}{n:>5,}{fmt_g(float(u), 9).strip():>10}  {lab}".rstrip())
            else:
                lines.append(f"{'':>24}{n:>5,}  {fmt_g(float(u), 9).strip()}")
        if len(ok) < N:  # the missing values' row
            dot = f"{'.':>10}" if labels else "  ."
            lines.append(f"{'':>24}{N - len(ok):>5,}{dot}")
        return lines
    if len(ok):
        mean = float(ok.mean())
        sd = float(ok.std(ddof=1)) if len(ok) > 1 else math.nan
        lines.append(_left("Mean", fmt_g(mean, 9).strip()))
        lines.append(_left("Std. dev.", fmt_g(sd, 9).strip()))
        lines.append("")
        pcts = [percentile(ok, None, q) for q in (10, 25, 50, 75, 90)]
        widths = (8, 10, 10, 10, 10)
        heads = ("10%", "25%", "50%", "75%", "90%")
        lines.append(f"{'Percentiles':>22}:" + "".join(f"{h:>{w}}" for h, w in zip(heads, widths)))
        cells = "".join(f"{fmt_g(p, 9).strip():>{w}}" for p, w in zip(pcts, widths))
        lines.append(" " * 23 + cells)
    return lines


def _compact(s, names: list[str], touse: np.ndarray) -> Block:
    ds = s.data
    lines = [
        "Variable      Obs Unique      Mean       Min       Max  Label",
        _RULE,
    ]
    for v in names:
        label = ds.info[v].label or ""
        name = v if len(v) <= 12 else v[:10] + "~" + v[-1]
        if ds.is_string(v):
            x = np.asarray(ds.values(v), dtype=object)[touse]
            ok = x[x != ""]
            n_u = len(set(ok.tolist()))
            lines.append(f"{name:<12}{len(ok):>5,}{n_u:>7,}{'':>30}  {label}".rstrip())
            continue
        x = np.asarray(ds.values(v), dtype=float)[touse]
        ok = x[~np.isnan(x)]
        if len(ok):
            stats_ = (float(ok.mean()), float(ok.min()), float(ok.max()))
            cells = "".join(f"{fmt_g(q, 9).strip():>10}" for q in stats_)
        else:
            cells = f"{'.':>10}" * 3
        lines.append(f"{name:<12}{len(ok):>5,}{len(np.unique(ok)):>7,}{cells}  {label}".rstrip())
    lines.append(_RULE)
    text = "\n".join(lines)
    return Block(text, f"<pre>{text}</pre>", kind="result")
