"""A cursor over the tokens of one command line, with Stata-style error helpers."""

from __future__ import annotations

from ..errors import Span, StataError
from .lexer import END, NAME, NUMBER, OP, Token, tokenize

__all__ = ["TokenStream"]

_CLOSE = {"(": ")", "[": "]"}


class TokenStream:
    """Tokens of ``text[lo:hi]`` with a position; spans always point into the whole ``text``."""

    def __init__(self, text: str, tokens: list[Token] | None = None) -> None:
        self.text = text
        self.toks = tokens if tokens is not None else tokenize(text)
        if not self.toks or self.toks[-1].kind != END:
            end = self.toks[-1].end if self.toks else 0
            self.toks = [*self.toks, Token(END, "", end, end, True)]
        self.i = 0

    # -- looking ------------------------------------------------------------------------------
    def peek(self, k: int = 0) -> Token:
        j = min(self.i + k, len(self.toks) - 1)
        return self.toks[j]

    @property
    def at_end(self) -> bool:
        return self.peek().kind == END

    def at_op(self, *ops: str) -> bool:
        return self.peek().is_op(*ops)

    def at_name(self, *names: str) -> bool:
        return self.peek().is_name(*names)

    # -- moving -------------------------------------------------------------------------------
    def next(self) -> Token:
        t = self.peek()
        if t.kind != END:
            self.i += 1
        return t

    def accept_op(self, *ops: str) -> Token | None:
        if self.at_op(*ops):
            return self.next()
        return None

    def expect_op(self, op: str, what: str | None = None) -> Token:
        t = self.peek()
        if not t.is_op(op):
            raise self.error(what or f"{op} expected", t)
        return self.next()

    def expect_name(self, what: str = "nothing found where name expected") -> Token:
        t = self.peek()
        if t.kind != NAME:
            if t.kind == END:
                raise self.error(what, t)
            # the whole word as typed: "1bad", not the number the lexer split off
            text, k = t.text or t.kind, 1
            while self.peek(k).kind in (NAME, NUMBER) and not self.peek(k).space:
                text += self.peek(k).text
                k += 1
            raise self.error(f"{text} invalid name", t)
        return self.next()

    # -- slices -------------------------------------------------------------------------------
    def source(self, start: int, end: int) -> str:
        return self.text[start:end]

    def rest_text(self) -> str:
        """Source text from the current token to the end."""
        return self.text[self.peek().start :].strip()

    def balanced(self) -> tuple[list[Token], Span]:
        """Consume a ``( ... )`` or ``[ ... ]`` group; return its inner tokens and outer span."""
        open_tok = self.next()
        close = _CLOSE[open_tok.text]
        depth, inner = 1, []
        while True:
            t = self.peek()
            if t.kind == END:
                raise self.error(
                    f"unmatched open {'parenthesis' if close == ')' else 'bracket'}",
                    open_tok,
                )
            self.next()
            if t.kind == OP and t.text in _CLOSE:
                depth += 1
            elif t.kind == OP and t.text in (")", "]"):
                depth -= 1
                if depth == 0:
                    if t.text != close:
                        raise self.error(f"unmatched close {_name(t.text)}", t)
                    return inner, Span(open_tok.start, t.end)
            inner.append(t)

    def sub(self, tokens: list[Token]) -> TokenStream:
        """A stream over ``tokens`` (a slice of this one), sharing the text."""
        end = tokens[-1].end if tokens else self.peek().start
        return TokenStream(self.text, [*tokens, Token(END, "", end, end, True)])

    def split_top(self, op: str) -> list[list[Token]]:
        """Split the remaining tokens at ``op`` outside brackets (consumes everything)."""
        parts: list[list[Token]] = [[]]
        depth = 0
        while not self.at_end:
            t = self.next()
            if t.kind == OP and t.text in ("(", "["):
                depth += 1
            elif t.kind == OP and t.text in (")", "]"):
                depth -= 1
            if depth == 0 and t.is_op(op):
                parts.append([])
            else:
                parts[-1].append(t)
        return parts

    # -- errors -------------------------------------------------------------------------------
    def error(self, message: str, at: Token | Span | None = None, rc: int = 198) -> StataError:
        if at is None:
            at = self.peek()
        span = at if isinstance(at, Span) else at.span
        if span.end == span.start:
            span = Span(span.start, span.start + 1)
        return StataError(message, rc, span=span, source=self.text)


def _name(close: str) -> str:
    return "parenthesis" if close == ")" else "bracket"
