"""Stata's lexical rules: comments, continuation, ``#delimit``, and tokens.

Two stages:

* :func:`split_commands` turns a program (a do-file, a notebook cell) into logical command lines,
  following Stata's rules ([U] 16.1.2 Comments and blank lines in do-files; [P] #delimit):
  ``/* */`` comments (nestable, may span lines), ``//`` comments (at the start of a line or after a
  blank), ``///`` continuation (the rest of the line is a comment and the next line continues the
  command), ``*`` comment lines, and ``#delimit ;`` / ``#delimit cr``.
* :func:`tokenize` turns one logical line into :class:`Token` objects that remember their span and
  whether blanks preceded them (Stata's syntax is blank-sensitive: ``i.x`` is not ``i. x``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import Span, StataError

__all__ = ["CommandSource", "Token", "split_commands", "tokenize"]


@dataclass(frozen=True)
class CommandSource:
    """One logical command: its text (comments blanked, continuations joined) and first line."""

    text: str
    line: int


def _quote_end(text: str, i: int) -> int:
    """Index just past the string starting at ``text[i]`` (``"..."`` or compound `` `"..."' ``)."""
    n = len(text)
    if text.startswith('`"', i):
        depth, j = 1, i + 2
        while j < n and depth:
            if text.startswith('`"', j):
                depth, j = depth + 1, j + 2
            elif text.startswith("\"'", j):
                depth, j = depth - 1, j + 2
            else:
                j += 1
        if depth:
            raise StataError("too few quotes", 132, span=Span(i, n), source=text)
        return j
    j = text.find('"', i + 1)
    nl = text.find("\n", i + 1)
    if j < 0 or (0 <= nl < j):
        end = n if nl < 0 else nl
        raise StataError("too few quotes", 132, span=Span(i, end), source=text)
    return j + 1


def _blank_before(text: str, i: int) -> bool:
    return i == 0 or text[i - 1] in " \t\n\r"


def _strip_comments(text: str) -> str:
    """Replace ``/* */``, ``//`` and ``///`` comments by blanks, keeping line structure.

    A ``///`` continuation becomes a single blank in place of the line break, so the two physical
    lines join. Newlines inside ``/* */`` are kept, so line numbers stay right, but the comment
    itself joins the text around it as Stata does.
    """
    out: list[str] = []
    i, n = 0, len(text)
    line_start = True  # nothing but blanks since the last line break
    # under #delimit ; a * comment runs to the next ; (split_commands takes it out there)
    semicolons = re.search(r"(?m)^\s*#d\w*\s+;", text) is not None
    while i < n:
        c = text[i]
        if c == "*" and line_start and not semicolons:
            # a * comment line: everything to its end, quotes included, is comment (with ///
            # it goes on to the next line)
            while True:
                nl = text.find("\n", i)
                if nl < 0:
                    i = n
                    break
                continued = text[i:nl].rstrip().endswith("///")
                i = nl if not continued else nl + 1
                if not continued:
                    break
                out.append("\x00")
            continue
        if c == "\n":
            line_start = True
        elif not c.isspace():
            line_start = False
        if c == '"' or text.startswith('`"', i):
            j = _quote_end(text, i)
            out.append(text[i:j])
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            if depth:
                raise StataError("unmatched /* comment", 198, span=Span(i, n), source=text)
            # keep line breaks inside the comment so line numbers stay right; they are
            # re-joined below because a /* */ comment never ends a command
            body = text[i:j]
            out.append(" " + "\x00" * body.count("\n"))
            i = j
        elif text.startswith("///", i) and _blank_before(text, i):
            nl = text.find("\n", i)
            if nl < 0:
                out.append(" ")
                i = n
            else:
                out.append(" \x00")  # continuation: the newline is swallowed
                i = nl + 1
        elif text.startswith("//", i) and _blank_before(text, i):
            nl = text.find("\n", i)
            i = n if nl < 0 else nl
        else:
            out.append(c)
            i += 1
    return "".join(out)


_DELIMIT = re.compile(r"^\s*#d(?:e(?:l(?:i(?:m(?:i(?:t)?)?)?)?)?)?\b\s*(.*?)\s*$")


def split_commands(program: str) -> list[CommandSource]:
    """Split a program into logical command lines.

    Parameters
    ----------
    program
        Text of a do-file or notebook cell.

    Returns
    -------
    list of CommandSource
        The non-blank commands in order. ``#delimit`` lines are consumed, not returned.

    Raises
    ------
    StataError
        ``r(132)`` for an unmatched quote (Stata's "too few quotes"), ``r(198)`` for an
        unclosed ``/*`` comment.
    """
    program = program.removeprefix("\ufeff")  # a UTF-8 byte-order mark (Notepad writes one)
    program = program.replace("\r\n", "\n").replace("\r", "\n")
    stripped = _strip_comments(program)
    # "\x00" marks a line break that does not end a command (inside /* */ or after ///)
    commands: list[CommandSource] = []
    delim_semicolon = False
    line_no = 1
    pending: list[str] = []  # parts of a ;-delimited command
    pending_line = 1
    physical = stripped.split("\n")
    for phys in physical:
        joined_lines = phys.count("\x00")
        logical = phys.replace("\x00", "")
        this_line = line_no
        line_no += 1 + joined_lines
        m = _DELIMIT.match(logical) if not pending else None
        if m:
            arg = m.group(1)
            if arg == ";":
                delim_semicolon = True
            elif arg in ("cr", ""):
                delim_semicolon = False
            else:
                raise StataError("invalid delimiter", 198, source=logical)
            continue
        if not delim_semicolon:
            if logical.strip().startswith("*"):
                continue
            if logical.strip():
                commands.append(CommandSource(logical.strip(), this_line))
            continue
        # ; mode: newlines are blanks, commands end at ; outside quotes
        rest = logical
        while True:
            k = _find_semicolon(rest)
            if k < 0:
                if rest.strip():
                    if not pending:
                        pending_line = this_line
                    pending.append(rest)
                break
            part = rest[:k]
            if not pending:
                pending_line = this_line
            pending.append(part)
            text = " ".join(p.strip() for p in pending if p.strip())
            pending = []
            if text and not text.startswith("*"):
                dm = _DELIMIT.match(text)
                if dm and dm.group(1) in ("cr", ""):
                    delim_semicolon = False
                    # the rest of this physical line is in cr mode again
                    tail = rest[k + 1 :].strip()
                    if tail and not tail.startswith("*"):
                        commands.append(CommandSource(tail, this_line))
                    break
                commands.append(CommandSource(text, pending_line))
            rest = rest[k + 1 :]
    if pending:
        text = " ".join(p.strip() for p in pending if p.strip())
        if text and not text.startswith("*"):
            # Stata ignores an unterminated last command in ; mode; say so instead
            raise StataError(
                "unexpected end of file: command not terminated by ;", 198, source=text
            )
    return commands


def _find_semicolon(text: str) -> int:
    i, n = 0, len(text)
    while i < n:
        if text[i] == '"' or text.startswith('`"', i):
            i = _quote_end(text, i)
            continue
        if text[i] == ";":
            return i
        i += 1
    return -1


# ---------------------------------------------------------------------------------------------
# tokens

NAME = "NAME"
NUMBER = "NUMBER"
STRING = "STRING"
PARAM = "PARAM"
FORMAT = "FORMAT"
OP = "OP"
END = "END"


@dataclass(frozen=True)
class Token:
    """A token of one command line.

    ``kind`` is one of ``NAME``, ``NUMBER``, ``STRING``, ``PARAM`` (a whole ``{...}`` reference),
    ``FORMAT`` (a display format such as ``%9.2f``, ``%-18s`` or ``%tdCCYY-NN-DD``), ``OP`` or
    ``END``; ``text`` is the source text (for ``STRING`` without its quotes, for
    ``PARAM`` without its braces); ``space`` says whether blanks came before it.
    """

    kind: str
    text: str
    start: int
    end: int
    space: bool

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)

    def is_op(self, *ops: str) -> bool:
        return self.kind == OP and self.text in ops

    def is_name(self, *names: str) -> bool:
        return self.kind == NAME and (not names or self.text in names)


_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[^\W\d]\w*")  # letters of any script (Stata 14+ is Unicode)
#: a display format: ``%``, flags, width and decimals, then a letter; a date format's details
#: may hold commas (``%tdMonth_dd,_CCYY``)
_FORMAT = re.compile(r"%-?t[A-Za-z][^\s()\[\]\"]*|%[-~]?\d*(?:\.\d+)?[A-Za-z][^\s,()\[\]\"]*")
_OPS3 = ("///",)
_OPS2 = ("==", "!=", "~=", ">=", "<=", "||", "##")
_OPS1 = set("+-*/^()[],:=#.@&|!~<>;?'`$")
_OPS1.add("\\")  # the row separator of matrix literals: (1, 2 \ 3, 4)


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Tokenize one logical command line.

    Parameters
    ----------
    text
        The line (or a slice of it).
    offset
        Added to every span, so tokens of a slice point into the whole line.

    Returns
    -------
    list of Token
        Ending with one ``END`` token.

    Raises
    ------
    StataError
        ``r(132)`` on an unmatched quote, ``r(198)`` on an unmatched brace or a character Stata
        does not accept.
    """
    toks: list[Token] = []
    i, n = 0, len(text)
    space = True
    while i < n:
        c = text[i]
        if c in " \t\n":
            space = True
            i += 1
            continue
        start = i
        if c == '"' or text.startswith('`"', i):
            try:
                j = _quote_end(text, i)
            except StataError as e:
                raise StataError(e.message, e.rc, span=Span(i + offset, n + offset)) from None
            inner = text[i + 1 : j - 1] if c == '"' else text[i + 2 : j - 2]
            toks.append(Token(STRING, inner, start + offset, j + offset, space))
            i = j
        elif c == "{":
            depth, j = 1, i + 1
            while j < n and depth:
                if text[j] == "{":
                    depth += 1
                elif text[j] == "}":
                    depth -= 1
                j += 1
            if depth:
                raise StataError("unmatched {", 198, span=Span(i + offset, n + offset))
            toks.append(Token(PARAM, text[i + 1 : j - 1], start + offset, j + offset, space))
            i = j
        elif c == "}":
            raise StataError("unmatched }", 198, span=Span(i + offset, i + 1 + offset))
        elif (c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit())) and (
            m := _NUMBER.match(text, i)
        ):
            j = m.end()
            toks.append(Token(NUMBER, text[i:j], start + offset, j + offset, space))
            i = j
        elif m := _NAME.match(text, i):
            j = m.end()
            toks.append(Token(NAME, text[i:j], start + offset, j + offset, space))
            i = j
        elif c == "%" and (m := _FORMAT.match(text, i)):
            j = m.end()
            toks.append(Token(FORMAT, text[i:j], start + offset, j + offset, space))
            i = j
        elif c == "%" and 0 < i < n - 1 and text[i - 1].isalnum() and text[i + 1].isdigit():
            # a colour's opacity, red%30 ([G-4] colorstyle)
            toks.append(Token(OP, "%", start + offset, start + 1 + offset, space))
            i += 1
        else:
            for op in (*_OPS3, *_OPS2):
                if text.startswith(op, i):
                    toks.append(Token(OP, op, start + offset, start + len(op) + offset, space))
                    i += len(op)
                    break
            else:
                if c in _OPS1:
                    toks.append(Token(OP, c, start + offset, start + 1 + offset, space))
                    i += 1
                else:
                    raise StataError(f"{c} invalid", 198, span=Span(i + offset, i + 1 + offset))
        space = False
    toks.append(Token(END, "", n + offset, n + offset, space))
    return toks
