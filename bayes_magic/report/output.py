"""What commands show: objects that render as Stata text, HTML and LaTeX.

Every command returns a list of :class:`Output`. ``repr()`` (``text/plain``) is Stata's console
layout, ``_repr_html_`` a table for notebooks, ``_repr_latex_`` where it makes sense. The
front ends display these objects as they are, so the magics and the kernel show the same thing.
"""

from __future__ import annotations

import html as _html
from typing import Any

__all__ = ["Output", "Text", "Block", "LazyBlock", "html_table", "escape", "pre", "Rule"]


def escape(s: str) -> str:
    return _html.escape(s, quote=False)


def pre(lines: list[str]) -> str:
    """Lines of text (a table's header, say) as one escaped ``<pre>`` element."""
    return "<pre>" + escape("\n".join(lines)) + "</pre>"


_PRE_STYLE = "font-family: var(--jp-code-font-family, monospace); margin: 0; line-height: 1.3"


class Output:
    """Base class of everything a command shows."""

    #: "text" for plain messages, "result" for tables, "note" for notes, "error" for errors
    kind: str = "result"

    def text(self) -> str:
        raise NotImplementedError

    def html(self) -> str:
        return f'<pre style="{_PRE_STYLE}">{escape(self.text())}</pre>'

    def latex(self) -> str | None:
        return None

    # IPython display protocol -------------------------------------------------------------------
    def __repr__(self) -> str:
        return self.text()

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_latex_(self) -> str | None:
        return self.latex()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        bundle = {"text/plain": self.text(), "text/html": self.html()}
        if self.kind == "result":  # a table stands apart from what came before, as in Stata
            if getattr(self, "lead", True):  # (a text ending in a blank line has set it apart)
                bundle["text/plain"] = "\n" + bundle["text/plain"]
            bundle["text/html"] = f'<div style="margin-top: 0.8em">{bundle["text/html"]}</div>'
        tex = self.latex()
        if tex:
            bundle["text/latex"] = tex
        return bundle


class Text(Output):
    """Plain lines: messages such as ``(1 real change made)`` or ``  519``."""

    def __init__(self, text: str, kind: str = "text", *, cont: bool = False) -> None:
        self._text = text
        self.kind = kind
        #: ``display ..., _continue``: the next text goes on the same line
        self.cont = cont

    def text(self) -> str:
        return self._text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and other._text == self._text


class Block(Output):
    """A result with its text and HTML built by the command's formatter.

    ``data`` carries the numbers behind the display (a DataFrame or dict) for users who want
    them, and for tests.
    """

    def __init__(
        self,
        text: str,
        html: str | None = None,
        *,
        latex: str | None = None,
        data: Any = None,
        kind: str = "result",
    ) -> None:
        self._text = text
        self._html = html
        self._latex = latex
        self.data = data
        self.kind = kind

    def text(self) -> str:
        return self._text

    def html(self) -> str:
        return self._html if self._html is not None else super().html()

    def latex(self) -> str | None:
        return self._latex


class LazyBlock(Output):
    """A result whose text and HTML are laid out on first display (``quietly`` never pays)."""

    def __init__(
        self, render: Any, *, data: Any = None, kind: str = "result", results: Any = None
    ) -> None:
        self._render = render
        self._done: tuple[str, str] | None = None
        self.data = data
        self.kind = kind
        #: the ``r()`` results that showing this block leaves (``r(table)`` of a coefficient
        #: table), posted by the session when the command runs, shown or ``quietly``
        self.results = results

    def _get(self) -> tuple[str, str]:
        if self._done is None:
            self._done = self._render()
        return self._done

    def text(self) -> str:
        return self._get()[0]

    def html(self) -> str:
        return self._get()[1]


class Rule:
    """A horizontal rule between rows of an :func:`html_table`."""


def html_table(
    header: list[list[str]] | None,
    rows: list[list[str] | Rule | str],
    *,
    align: list[str] | None = None,
    caption: str | None = None,
    notes: list[str] | None = None,
    stub: int = 1,
) -> str:
    """A compact HTML table.

    Parameters
    ----------
    header
        Header rows (lists of cells); a cell may span columns when given as ``(text, span)``.
    rows
        Body rows: cell lists, :class:`Rule` for a rule, or a string for a full-width group
        heading.
    align
        ``"l"``, ``"r"`` or ``"c"`` per column (default: first left, others right).
    caption
        Lines shown above the table.
    notes
        Lines shown below the table.
    stub
        Number of leading label columns (drawn with a rule on their right).
    """
    ncol = max(
        [len(r) for r in rows if isinstance(r, list)]
        + [sum(c[1] if isinstance(c, tuple) else 1 for c in h) for h in (header or [])]
        + [1]
    )
    if align is None:
        align = ["l"] * stub + ["r"] * (ncol - stub)
    cell = "padding: 1px 8px; white-space: pre; font-variant-numeric: tabular-nums"
    parts = ['<div class="bayes-magic">']
    if caption:
        parts.append(f'<pre style="{_PRE_STYLE}">{escape(caption)}</pre>')
    parts.append('<table style="border-collapse: collapse; margin: 2px 0">')
    if header:
        parts.append("<thead>")
        for h in header:
            parts.append("<tr>")
            col = 0
            for c in h:
                text, span = c if isinstance(c, tuple) else (c, 1)
                a = (
                    "center"
                    if span > 1
                    else {"l": "left", "r": "right", "c": "center"}[align[min(col, ncol - 1)]]
                )
                border = "border-right: 1px solid #999;" if col + span == stub else ""
                parts.append(
                    f'<th colspan="{span}" style="{cell}; text-align: {a};'
                    f' border-bottom: 1px solid #999;{border}">{escape(text)}</th>'
                )
                col += span
            parts.append("</tr>")
        parts.append("</thead>")
    parts.append("<tbody>")
    rule_next = False
    for r in rows:
        if isinstance(r, Rule):
            rule_next = True
            continue
        top = "border-top: 1px solid #999;" if rule_next else ""
        rule_next = False
        if isinstance(r, str):
            parts.append(
                f'<tr><td colspan="{ncol}" style="{cell}; text-align: left; {top}'
                f'font-weight: bold">{escape(r)}</td></tr>'
            )
            continue
        parts.append("<tr>")
        for j, c in enumerate(r):
            a = {"l": "left", "r": "right", "c": "center"}[align[min(j, ncol - 1)]]
            border = "border-right: 1px solid #999;" if j == stub - 1 else ""
            parts.append(f'<td style="{cell}; text-align: {a}; {top}{border}">{escape(c)}</td>')
        parts.append("</tr>")
    parts.append("</tbody></table>")
    if notes:
        parts.append(f'<pre style="{_PRE_STYLE}">{escape(chr(10).join(notes))}</pre>')
    parts.append("</div>")
    return "".join(parts)
