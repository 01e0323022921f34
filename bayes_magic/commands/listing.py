"""``list`` ([D] list): the boxed table, ``noobs``, ``clean``, ``separator()``, ``sepby()``."""

from __future__ import annotations

import numpy as np

from ..dataset.varnames import expand_terms
from ..report.format import fmt_number, parse_format
from ..report.output import Block, Output, Rule, html_table
from ..syntax.ast import Command, Varlist
from .describe import abbrev
from .registry import command

__all__ = ["cell_text"]


def cell_text(ds, var: str, v: object, *, nolabel: bool = False) -> str:
    """A value as ``list`` shows it: value label, formatted number, or the string."""
    inf = ds.info[var]
    if inf.type.startswith("str"):
        return str(v)
    x = float(v)  # type: ignore[arg-type]
    if x != x:
        return "."
    if not nolabel and inf.vlabel and x == int(x):
        lab = ds.value_labels.get(inf.vlabel, {}).get(int(x))
        if lab is not None:
            return lab
    return fmt_number(x, inf.format).strip()


@command("list", byable="repeat", readonly=True)
def list_(s, cmd: Command) -> list[Output]:
    ds = s.data
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    names = expand_terms(ds, terms) if terms else ds.varnames
    rows = np.flatnonzero(s.touse(cmd))
    if len(rows) == 0 or not names:
        return []
    nolabel = cmd.has("nolabel")
    ab = cmd.option("abbreviate", 8)
    cols = []
    for v in names:
        col = ds.df[v].to_numpy()
        cells = [cell_text(ds, v, col[r], nolabel=nolabel) for r in rows]
        fmt = parse_format(ds.info[v].format)
        left = fmt.kind == "s" and fmt.left
        width = max((len(c) for c in cells), default=1)
        head = v if len(v) <= max(ab, width) else abbrev(v, max(ab, width))
        width = max(width, len(head))
        cols.append((head, cells, width, left))
    sep = cmd.option("separator", 5)
    sepby = expand_terms(ds, cmd.option("sepby")) if cmd.has("sepby") else []
    noobs = cmd.has("noobs")
    clean = cmd.has("clean")
    obs_w = max(3, len(str(ds.nobs)))

    def fmt_row(cells: list[str]) -> str:
        return "   ".join(
            c.ljust(w) if left else c.rjust(w) for c, (_, _, w, left) in zip(cells, cols)
        )

    header = fmt_row([h for h, *_ in cols])
    breaks = set()
    for k in range(1, len(rows)):
        if sep and k % sep == 0 and not sepby:
            breaks.add(k)
        if sepby and any(ds.df[v].iloc[rows[k]] != ds.df[v].iloc[rows[k - 1]] for v in sepby):
            breaks.add(k)
    lines: list[str] = []
    html_rows: list = []
    if clean:
        pre = " " * (obs_w + 4) if not noobs else "  "
        lines.append((pre + header).rstrip())
        for k, r in enumerate(rows):
            p = f"{r + 1:>{obs_w}}.   " if not noobs else "  "
            lines.append((p + fmt_row([c[1][k] for c in cols])).rstrip())
    else:
        inner = len(header) + 2
        pad = " " * (obs_w + 2) if not noobs else "  "
        lines += [
            pad + "+" + "-" * inner + "+",
            pad + "| " + header + " |",
            pad + "|" + "-" * inner + "|",
        ]
        for k, r in enumerate(rows):
            if k in breaks:
                lines.append(pad + "|" + "-" * inner + "|")
            p = f"{r + 1:>{obs_w}}. " if not noobs else "  "
            lines.append(p + "| " + fmt_row([c[1][k] for c in cols]) + " |")
        lines.append(pad + "+" + "-" * inner + "+")
    for k, r in enumerate(rows):
        if k in breaks:
            html_rows.append(Rule())
        html_rows.append(([] if noobs else [f"{r + 1}."]) + [c[1][k] for c in cols])
    hdr = ([] if noobs else [""]) + [h for h, *_ in cols]
    align = ([] if noobs else ["r"]) + ["l" if left else "r" for *_, left in cols]
    html = html_table([hdr], html_rows, align=align, stub=0 if noobs else 1)
    return [Block("\n".join(lines), html)]
