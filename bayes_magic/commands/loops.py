"""``foreach`` and ``forvalues`` ([P] foreach, [P] forvalues): the loop's header and the
values its local macro takes. The session runs the block's commands once per value
(:meth:`bayes_magic.session.Session.execute`), substituting macros in each as it runs.

* ``foreach name in list {``: the words of the list (a quoted string is one word);
* ``foreach name of local|global macro {``: the words of the macro;
* ``foreach name of varlist|newlist|numlist list {``: the variables (wildcards ``*``, ``?``
  and ranges ``a-b`` expanded), the new names, or the numbers;
* ``forvalues name = #1/#2 {``, ``#1(#d)#2``, ``#1 #t to #2``, ``#1 #t : #2``;
* ``while exp {`` and ``if exp {`` (with ``else if exp {`` and ``else {`` on the lines after
  the previous ``}``) ([P] while, [P] if); ``continue`` and ``continue, break`` in loops.

The block's commands follow on lines of their own, up to a ``}`` on a line of its own.
"""

from __future__ import annotations

import math
import re

from ..errors import StataError
from .macros import macro_value, split_words

__all__ = [
    "block_end",
    "block_kind",
    "if_chain",
    "is_loop",
    "jump_of",
    "loop_values",
    "one_line_if",
    "open_blocks",
    "prefix_block",
    "prefixed_block",
]

_FOREACH = re.compile(r"\s*foreach\s+(\w+)\s+(.*?)\s*\{\s*$", re.S)
_FORVALUES = re.compile(r"\s*forv(?:a|al|alu|alue|alues)?\s+(\w+)\s*=\s*(.*?)\s*\{\s*$", re.S)
_HEAD = re.compile(r"\s*(foreach|forv(?:a|al|alu|alue|alues)?)\b")


_WHILE = re.compile(r"\s*while\s+(.*?)\s*\{\s*$", re.S)
_IF = re.compile(r"\s*if\s+(.*?)\s*\{\s*$", re.S)
_ELSE = re.compile(r"\s*else\b\s*(.*?)\s*$", re.S)


def is_loop(text: str) -> bool:
    """Whether ``text`` starts a ``foreach`` or ``forvalues`` block."""
    return _HEAD.match(text) is not None


#: quietly, noisily, capture as Stata abbreviates them (qui, n, cap)
_NOISILY = r"n(?:o|oi|ois|oisi|oisil|oisily)?"
_PREFIX = rf"(?:qui(?:e|et|etl|etly)?|{_NOISILY}|cap(?:t|tu|tur|ture)?)"
_PREFIX_BLOCK = re.compile(rf"\s*({_PREFIX})((?:\s+{_PREFIX})*)\s*\{{\s*$")


def prefix_block(text: str) -> tuple[str, bool] | None:
    """``quietly {``, ``noisily {``, ``capture [noisily] {`` ([P] quietly, [P] capture): the
    prefix's full name and whether ``noisily`` follows ``capture``; None for another line."""
    m = _PREFIX_BLOCK.match(text)
    if m is None:
        return None
    words = [m.group(1), *m.group(2).split()]
    kinds = [
        "quietly" if w.startswith("qui") else "capture" if w.startswith("cap") else "noisily"
        for w in words
    ]
    if "capture" in kinds:  # capture quietly { }, quietly capture { }: a captured block
        k = kinds.index("capture")
        return "capture", k + 1 < len(kinds) and kinds[k + 1] == "noisily"
    return kinds[-1], False  # the innermost of quietly / noisily decides


_PREFIXED = re.compile(rf"\s*((?:{_PREFIX}\s+)+)((?:foreach|forv\w*|while|if)\b.*\{{\s*)$", re.S)


def prefixed_block(text: str) -> tuple[str, str] | None:
    """``quietly forvalues i = 1/3 {``, ``capture noisily foreach ... {``: the prefix as a block
    header (``quietly {``) and the block's own header; None for another line."""
    m = _PREFIXED.match(text)
    if m is None:
        return None
    return m.group(1).strip() + " {", m.group(2)


def block_kind(text: str) -> str | None:
    """``"loop"`` (foreach, forvalues), ``"while"``, ``"if"`` or ``"prefix"`` (``quietly {``
    ...) for a line that opens a block ([P] foreach, forvalues, while, if, quietly, capture);
    None otherwise."""
    if prefix_block(text) is not None:
        return "prefix"
    if is_loop(text):
        return "loop"
    if _WHILE.match(text):
        return "while"
    if _IF.match(text):
        return "if"
    return None


def while_condition(text: str) -> str:
    m = _WHILE.match(text)
    assert m is not None
    return m.group(1)


def if_chain(texts: list[str], start: int) -> tuple[list[tuple[str | None, list[str]]], int]:
    """``if exp {`` ... ``}`` with its ``else if exp {`` and ``else {`` blocks (each on the
    line after the previous block's ``}``, as [P] if writes them): the (condition, lines) of
    each branch (None for ``else``) and the index of the chain's last ``}``.

    Raises
    ------
    StataError
        r(198) for a block without its ``}`` or a bare ``else`` line.
    """
    branches: list[tuple[str | None, list[str]]] = []
    i = start
    cond = _IF.match(texts[i])
    assert cond is not None
    while True:
        j = block_end(texts, i)
        branches.append((cond.group(1) if cond else None, texts[i + 1 : j]))
        if cond is None or j + 1 >= len(texts):
            return branches, j
        other = _ELSE.match(texts[j + 1])
        if other is None:
            return branches, j
        rest = other.group(1)
        if rest == "{":
            cond, i = None, j + 1
        elif _IF.match(rest):
            cond, i = _IF.match(rest), j + 1
        elif rest:  # else command: one line
            branches.append((None, [rest]))
            return branches, j + 1
        else:
            raise StataError("else: a block { ... }, if exp { ... } or a command must follow", 198)


def one_line_if(text: str) -> tuple[str, str] | None:
    """``if exp command`` on one line ([P] if): the expression (the longest run of words
    from the start that parses as one, leaving a command) and the command; None for a line
    that is not an ``if``."""
    from ..syntax.expr import parse_expr_text

    m = re.match(r"\s*if\s+(.*)$", text, re.S)
    if m is None or text.rstrip().endswith("{"):
        return None
    words = m.group(1).split(" ")
    for k in range(len(words) - 1, 0, -1):
        cond, command = " ".join(words[:k]), " ".join(words[k:]).strip()
        if not cond.strip() or not command:
            continue
        try:
            parse_expr_text(cond)
        except StataError:
            continue
        return cond, command
    raise StataError("if: an expression and a command must follow", 198)


def jump_of(text: str) -> str | None:
    """``continue`` (the next pass of the loop) or ``continue, break`` (out of it): "next"
    or "break"; None for another command."""
    m = re.fullmatch(r"\s*continue\s*(,\s*break\s*)?", text)
    if m is None:
        return None
    return "break" if m.group(1) else "next"


def _depth_change(text: str) -> int:
    """+1 for a line that opens a block (ends with ``{``), -1 for a ``}`` line, else 0."""
    t = text.strip()
    return 1 if t.endswith("{") else -1 if t == "}" else 0


def open_blocks(texts: list[str]) -> int:
    """How many blocks ``texts`` leave open (the kernel's console asks for more lines)."""
    return sum(_depth_change(t) for t in texts)


def block_end(texts: list[str], start: int) -> int:
    """The index of the ``}`` that closes the block opened at ``texts[start]``.

    Raises
    ------
    StataError
        r(198) when the block has no closing brace.
    """
    depth = 0
    for i in range(start, len(texts)):
        change = _depth_change(texts[i])
        depth += change
        if change < 0 and depth == 0:
            return i
    raise StataError("} expected: the loop's block does not end", 198)


def loop_values(s, text: str) -> tuple[str, list[str]]:
    """The loop's local macro and the values it takes, in order.

    Raises
    ------
    StataError
        r(198) for a header that is not a loop's; r(121)/r(124) for a bad numlist or range.
    """
    m = _FORVALUES.match(text)
    if m:
        return m.group(1), _range(m.group(2))
    m = _FOREACH.match(text)
    if not m:
        raise StataError("invalid syntax: the loop's header must end with {", 198)
    name, spec = m.group(1), m.group(2)
    if spec.startswith("in ") or spec == "in":
        return name, split_words(spec[2:])
    of = re.match(r"of\s+(\w+)\s*(.*)$", spec, re.S)
    if of is None:
        raise StataError(f"foreach: {spec.split()[0] if spec else 'in or of'} invalid", 198)
    kind, rest = of.group(1).lower(), of.group(2)
    if kind in ("loc", "loca", "local"):
        return name, split_words(s.locals.get(rest.strip(), ""))
    if kind in ("gl", "glo", "glob", "globa", "global"):
        return name, split_words(s.globals.get(rest.strip(), ""))
    if kind in ("var", "varl", "varli", "varlis", "varlist"):
        return name, _varlist(s, rest)
    if kind in ("new", "newl", "newli", "newlis", "newlist"):
        return name, rest.split()
    if kind in ("num", "numl", "numli", "numlis", "numlist"):
        from ..syntax.numlist import numlist

        return name, [macro_value(x) for x in numlist(rest)]
    raise StataError(f"foreach: of {kind} invalid", 198)


def _varlist(s, text: str) -> list[str]:
    from ..dataset.varnames import expand, resolve

    names = s.data.varnames
    out: list[str] = []
    for part in text.split():
        if "-" in part and not part.startswith("-"):
            a, b = (resolve(s.data, x) for x in part.split("-", 1))
            i, j = names.index(a), names.index(b)
            out += names[min(i, j) : max(i, j) + 1]
        else:
            out += expand(s.data, part)
    return out


def _range(text: str) -> list[str]:
    num = r"-?(?:\d+\.?\d*|\.\d+)"
    text = text.strip()
    m = re.fullmatch(rf"({num})\s*/\s*({num})", text)
    if m:
        a, b = float(m.group(1)), float(m.group(2))
        step = 1.0
    else:
        m = re.fullmatch(rf"({num})\s*\(\s*({num})\s*\)\s*({num})", text)
        if m:
            a, step, b = (float(g) for g in m.groups())
        else:
            m = re.fullmatch(rf"({num})\s+({num})\s*(?:to|:)\s*({num})", text)
            if m is None:
                raise StataError(f"invalid range: {text}", 198)
            a, t, b = (float(g) for g in m.groups())
            step = t - a
    if step == 0:
        raise StataError(f"invalid range: {text}", 198)
    n = math.floor((b - a) / step + 1e-9) + 1
    return [macro_value(round(a + k * step, 12)) for k in range(max(n, 0))]
