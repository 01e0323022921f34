"""``describe`` ([D] describe), laid out as Stata 17+ prints it.

Columns (0-based): name at 0 (15 characters, longer names abbreviated with ``~``), storage type
at 16, display format at 24, value label at 35, variable label at 46; rules as wide as the line
(``set linesize``). Trailing blanks are not printed. ``fullnames`` prints long names whole
(pushing the rest of the row right); ``numbers``, ``replace`` and ``clear`` are refused.
"""

from __future__ import annotations

from ..dataset.dataset import Dataset
from ..dataset.varnames import expand_terms
from ..report.format import abbrev
from ..report.output import Block, html_table
from ..syntax.ast import Command, Varlist
from .data import refuse_options
from .registry import command

__all__ = ["describe_text"]


def _header(ds: Dataset, short: bool) -> list[str]:
    src = f"Contains data from {ds.filename}" if ds.filename else "Contains data"
    lines = [src]
    obs = f" Observations:{ds.nobs:>14,}"
    var = f"    Variables:{ds.nvars:>14,}"
    if ds.label:
        obs = obs.ljust(46) + ds.label
    if ds.timestamp:
        var = var.ljust(46) + ds.timestamp
    lines += [obs, var]
    return lines


def _footer(ds: Dataset) -> list[str]:
    lines = ["Sorted by: " + "  ".join(ds.sortedby)]
    if ds.changed:
        lines.append("     Note: Dataset has changed since last saved.")
    return lines


def _rows(ds: Dataset, names: list[str], *, full: bool = False) -> list[list[str]]:
    rows = []
    for v in names:
        i = ds.info[v]
        rows.append([v if full else abbrev(v, 15), i.type, i.format, i.vlabel, i.label])
    return rows


def _row_text(r: list[str]) -> str:
    # a long name or value-label name pushes the rest of the row right
    name = f"{r[0]:<16}" if len(r[0]) <= 15 else r[0] + " "
    line = f"{name}{r[1]:<8}{r[2]:<11}{r[3]:<11}{r[4]}"
    if len(r[3]) > 10:
        line = f"{name}{r[1]:<8}{r[2]:<11}{r[3]} {r[4]}"
    return line.rstrip()


def describe_text(
    ds: Dataset, names: list[str] | None, *, short: bool, linesize: int, full: bool = False
) -> str:
    rule = "-" * linesize
    head = [
        "Variable      Storage   Display    Value",
        "    name         type    format    label      Variable label",
    ]
    if names is not None:
        return "\n".join([*head, rule, *(_row_text(r) for r in _rows(ds, names, full=full))])
    lines = _header(ds, short)
    if short:
        return "\n".join(x.rstrip() for x in lines + _footer(ds))
    lines += [rule, *head, rule]
    lines += [_row_text(r) for r in _rows(ds, ds.varnames, full=full)]
    lines += [rule, *_footer(ds)]
    return "\n".join(x.rstrip() for x in lines)


def _simple(names: list[str], linesize: int) -> str:
    width = 14
    per_row = max(1, linesize // width)
    nrows = -(-len(names) // per_row)
    lines = []
    for r in range(nrows):
        cells = [
            abbrev(names[c * nrows + r], 12) for c in range(per_row) if c * nrows + r < len(names)
        ]
        lines.append("".join(f"{x:<{width}}" for x in cells).rstrip())
    return "\n".join(lines)


@command("describe", readonly=True)
def describe(s, cmd: Command) -> list:
    refuse_options(cmd, ("numbers", "replace", "clear"))
    ds = s.data
    if cmd.using is not None:
        from .data import load

        ds = load(s, cmd.using)
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    names = expand_terms(ds, terms) if terms else None
    if cmd.has("simple"):
        return [Block(_simple(names or ds.varnames, s.settings.linesize), kind="result")]
    s.r = {
        "N": ds.nobs,
        "k": ds.nvars,
        "changed": int(ds.changed),
        "varlist": " ".join(names or ds.varnames),
        "sortlist": " ".join(ds.sortedby),
    }
    full = cmd.has("fullnames")
    text = describe_text(ds, names, short=cmd.has("short"), linesize=s.settings.linesize, full=full)
    caption = None
    notes = None
    if names is None:
        caption = "\n".join(x.rstrip() for x in _header(ds, False))
        notes = _footer(ds)
    if cmd.has("short"):
        return [Block(text, html_table(None, [], caption=caption, notes=notes), kind="result")]
    html = html_table(
        [["Variable", "Storage type", "Display format", "Value label", "Variable label"]],
        _rows(ds, names or ds.varnames, full=full),
        align=["l", "l", "l", "l", "l"],
        caption=caption,
        notes=notes,
    )
    return [Block(text, html, data=None)]
