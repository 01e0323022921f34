"""``list`` ([D] list): the boxed table, ``noobs``, ``clean``, ``noheader``, ``separator()``,
``sepby()``, ``abbreviate()``, ``absolute`` and the ``mean``, ``sum`` and ``N`` rows under the
table.

Values are shown in each variable's display format (dates as dates) or by their value labels.
Observations are numbered within a ``by`` group unless ``absolute``. The summary rows are labelled
``Mean``, ``Sum`` and ``N`` in the observation-number column (their order and layout are
inferred from the manual, not checked against a log). Options this version cannot honour are
refused.
"""

from __future__ import annotations

import numpy as np

from ..dataset.varnames import expand_terms
from ..report.format import abbrev, fmt_g, fmt_number, parse_format
from ..report.output import Block, Output, Rule, html_table
from ..syntax.ast import Command, Varlist
from .data import refuse_options
from .registry import command

__all__ = ["cell_text", "list_table"]

#: list's options that are refused (display layout, dividers, labels as headers ...)
_REFUSED = (
    "display",
    "divider",
    "header",
    "nocompress",
    "string",
    "fvall",
    "labvar",
    "constant",
    "notrim",
    "nodotz",
    "subvarname",
    "linesize",
)
_SUMMARIES = (("mean", "Mean"), ("sum", "Sum"), ("N", "N"))


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


def _summaries(s, cmd: Command, names: list[str], rows: np.ndarray) -> list[tuple[str, list]]:
    """The ``mean``, ``sum`` and ``N`` rows: a label and one cell per variable (blank for
    strings and for variables outside the option's varlist)."""
    ds = s.data
    out = []
    for opt, label in _SUMMARIES:
        if not cmd.has(opt):
            continue
        given = cmd.option(opt)
        wanted = names if given is True else expand_terms(ds, given)
        cells = []
        for v in names:
            if v not in wanted or ds.is_string(v):
                cells.append("")
                continue
            x = ds.values(v)[rows]
            x = x[~np.isnan(x)]
            if opt == "N":
                cells.append(f"{len(x):,}")
            elif len(x):
                value = x.mean() if opt == "mean" else x.sum()
                cells.append(fmt_g(value, 9) if opt == "mean" else fmt_number(value, "%12.0g"))
            else:
                cells.append(".")
        out.append((label, cells))
    return out


@command("list", byable="repeat", readonly=True)
def list_(s, cmd: Command) -> list[Output]:
    refuse_options(cmd, _REFUSED)
    ds = s.data
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    names = expand_terms(ds, terms) if terms else ds.varnames
    rows = np.flatnonzero(s.touse(cmd))
    if len(rows) == 0 or not names:
        return []
    return list_table(s, cmd, names, rows)


def list_table(
    s,
    cmd: Command,
    names: list[str],
    rows: np.ndarray,
    *,
    lead: list[tuple[str, list[str]]] = (),  # type: ignore[assignment]
    noobs: bool = False,
) -> list[Output]:
    """The ``list`` table of ``names`` at ``rows``, honouring ``cmd``'s list options.

    ``lead`` puts computed columns (a header and one cell per row, right-aligned) ahead of the
    variables, as ``duplicates list`` does with ``group:`` and ``obs:``; ``noobs`` drops the
    observation numbers.
    """
    refuse_options(cmd, _REFUSED)
    ds = s.data
    nolabel = cmd.has("nolabel")
    ab = cmd.option("abbreviate", 8)
    summaries = _summaries(s, cmd, names, rows)
    cols = [(h, cells, max(len(h), *(len(c) for c in cells)), False) for h, cells in lead]
    summaries = [(lab, [""] * len(lead) + cells) for lab, cells in summaries]
    for j, v in enumerate(names):
        col = ds.df[v].to_numpy()
        cells = [cell_text(ds, v, col[r], nolabel=nolabel) for r in rows]
        fmt = parse_format(ds.info[v].format)
        left = fmt.kind == "s" and fmt.left
        below = [sm[1][len(lead) + j] for sm in summaries]
        width = max((len(c) for c in [*cells, *below]), default=1)
        head = v if len(v) <= max(ab, width) else abbrev(v, max(ab, width))
        width = max(width, len(head))
        cols.append((head, cells, width, left))
    # observation numbers: within the by group unless absolute
    first = 0 if s.restrict is None or cmd.has("absolute") else int(np.argmax(s.restrict))
    numbers = rows - first + 1
    layout = _Layout(cols, max(3, len(str(ds.nobs))), cmd, noobs=noobs)
    breaks = _breaks(ds, cmd, rows)
    lines = layout.text(numbers, breaks, summaries)
    return [Block("\n".join(lines), layout.html(numbers, breaks, summaries))]


def _breaks(ds, cmd: Command, rows: np.ndarray) -> set[int]:
    """Positions (in ``rows``) before which a separator line goes."""
    sep = cmd.option("separator", 5)
    sepby = expand_terms(ds, cmd.option("sepby")) if cmd.has("sepby") else []
    breaks = set()
    for k in range(1, len(rows)):
        if sep and k % sep == 0 and not sepby:
            breaks.add(k)
        if sepby and any(
            _differ(ds.df[v].iloc[rows[k]], ds.df[v].iloc[rows[k - 1]]) for v in sepby
        ):
            breaks.add(k)
    return breaks


def _differ(a, b) -> bool:
    """Whether two values differ, missing values being equal to each other (sepby())."""
    missing = [isinstance(x, float) and x != x for x in (a, b)]
    return (a != b) and not all(missing)


class _Layout:
    """The boxed (or ``clean``) table of ``list``."""

    def __init__(self, cols: list, obs_w: int, cmd: Command, *, noobs: bool = False) -> None:
        self.cols = cols
        self.obs_w = obs_w
        self.noobs = noobs or cmd.has("noobs")
        self.clean = cmd.has("clean")
        self.header = not cmd.has("noheader")

    def row(self, cells: list[str]) -> str:
        return "   ".join(
            c.ljust(w) if left else c.rjust(w) for c, (_, _, w, left) in zip(cells, self.cols)
        )

    def stub(self, number: int | str) -> str:
        if self.noobs:
            return "  "
        if isinstance(number, str):
            return f"{number:>{self.obs_w + 1}} "
        return f"{number:>{self.obs_w}}. "

    def clean_stub(self, number: int | str) -> str:
        if self.noobs:
            return "  "
        if isinstance(number, str):
            return f"{number:>{self.obs_w + 1}}   "
        return f"{number:>{self.obs_w}}.   "

    def text(self, numbers: np.ndarray, breaks: set[int], summaries: list) -> list[str]:
        header = self.row([h for h, *_ in self.cols])
        body = [[c[1][k] for c in self.cols] for k in range(len(numbers))]
        if self.clean:
            pre = " " * (self.obs_w + 4) if not self.noobs else "  "
            lines = [pre + header] if self.header else []
            lines += [self.clean_stub(n) + self.row(b) for n, b in zip(numbers, body)]
            lines += [self.clean_stub(lab) + self.row(c) for lab, c in summaries]
            return [ln.rstrip() for ln in lines]
        inner = len(header) + 2
        pad = " " * (self.obs_w + 2) if not self.noobs else "  "
        rule = pad + "|" + "-" * inner + "|"
        lines = [pad + "+" + "-" * inner + "+"]
        if self.header:
            lines += [pad + "| " + header + " |", rule]
        for k, (n, b) in enumerate(zip(numbers, body)):
            if k in breaks:
                lines.append(rule)
            lines.append(self.stub(n) + "| " + self.row(b) + " |")
        if summaries:
            lines.append(rule)
            lines += [self.stub(lab) + "| " + self.row(c) + " |" for lab, c in summaries]
        lines.append(pad + "+" + "-" * inner + "+")
        return lines

    def html(self, numbers: np.ndarray, breaks: set[int], summaries: list) -> str:
        rows: list = []
        for k, n in enumerate(numbers):
            if k in breaks:
                rows.append(Rule())
            rows.append(([] if self.noobs else [f"{n}."]) + [c[1][k] for c in self.cols])
        if summaries:
            rows.append(Rule())
            rows += [([] if self.noobs else [lab]) + cells for lab, cells in summaries]
        hdr = ([] if self.noobs else [""]) + [h for h, *_ in self.cols]
        align = ([] if self.noobs else ["r"]) + ["l" if left else "r" for *_, left in self.cols]
        return html_table(
            [hdr] if self.header else None, rows, align=align, stub=0 if self.noobs else 1
        )
