"""SMCL directives in displayed text, rendered as plain text ([P] smcl).

``display "{hline 20}"`` draws a line; ``{col #}`` moves to a column, ``{space #}`` adds
blanks; ``{c |}``, ``{c +}`` and the box corners become ``|``, ``+`` and ``-`` as in a text
log; ``{bf:text}``, ``{it:text}``, ``{res:text}`` ... keep their text; style switches
(``{res}``, ``{txt}``, ``{err}`` ...) and paragraph marks (``{p}``, ``{p_end}``) print
nothing; ``{ralign #:text}``, ``{lalign #:text}``, ``{center #:text}`` and ``{dup #:text}``
align or repeat. Text that is not a directive stays as typed.
"""

from __future__ import annotations

import re

__all__ = ["render"]

_BOX = {
    "|": "|",
    "-": "-",
    "+": "+",
    "TT": "-",
    "BT": "-",
    "LT": "|",
    "RT": "|",
    "TLC": "+",
    "TRC": "+",
    "BLC": "+",
    "BRC": "+",
    "-(": "{",
    ")-": "}",
}
_TEXT = {"bf", "it", "sf", "ul", "res", "result", "txt", "text", "err", "error", "cmd", "com"}
_TEXT |= {"hi", "inp", "input", "help", "helpb", "manhelp", "browse", "stata", "search"}
_SWITCHES = _TEXT | {"p", "p_end", "pstd", "phang", "pmore", "reset", "smcl", "asis", "s6hlp"}
_INNER = re.compile(r"\{([^{}]*)\}")


def _directive(body: str, col: int, linesize: int) -> str | None:
    name, _, arg = body.partition(" ")
    head, colon, text = body.partition(":")
    if colon:
        word, _, num = head.partition(" ")
        word = word.strip()
        if word in _TEXT:
            return text
        if word in ("ralign", "lalign", "center", "rcenter", "dup") and num.strip().isdigit():
            n = int(num)
            if word == "dup":
                return text * n
            if word == "ralign":
                return f"{text:>{n}}"
            if word == "lalign":
                return f"{text:<{n}}"
            return f"{text:^{n}}"
        return None
    name = name.strip()
    if name == "hline":
        n = int(arg) if arg.strip().isdigit() else max(linesize - col, 0)
        return "-" * n
    if name == "col" and arg.strip().isdigit():
        return " " * max(int(arg) - 1 - col, 0)
    if name == "space" and arg.strip().isdigit():
        return " " * int(arg)
    if name == "c":
        return _BOX.get(arg.strip())
    if name in _SWITCHES or name.split(" ")[0] in ("p", "ul"):
        return ""
    return None


def render(text: str, col: int = 0, linesize: int = 79) -> str:
    """``text`` with its SMCL directives rendered; ``col`` is the column the text starts in
    (for ``{col #}`` and a ``{hline}`` to the margin)."""
    if "{" not in text:
        return text
    out, pos = [], 0
    done = "".join
    while True:
        m = _INNER.search(text, pos)
        if m is None:
            out.append(text[pos:])
            break
        out.append(text[pos : m.start()])
        here = col + len(done(out).split("\n")[-1])
        piece = _directive(m.group(1), here, linesize)
        out.append(m.group(0) if piece is None else piece)
        pos = m.end()
    result = done(out)
    # {bf:{it:x}}: the outer directive's text held an inner one, rendered above; once more
    return render(result, col, linesize) if result != text and _INNER.search(result) else result
