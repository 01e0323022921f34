"""Stata-style errors.

Every error a user can cause is a :class:`StataError`: a message worded as Stata words it, Stata's
return code (``r(198)`` invalid syntax, ``r(111)`` variable not found, ...), and, where the parser
knows it, the span of the offending text. The front ends print the message and ``r(#);`` and never a
Python traceback.

The error texts are part of the interface and are tested as exact strings.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["StataError", "Span", "BreakError"]


@dataclass(frozen=True)
class Span:
    """Half-open character range ``[start, end)`` into a command's text."""

    start: int
    end: int

    def __add__(self, other: Span) -> Span:
        return Span(min(self.start, other.start), max(self.end, other.end))


class StataError(Exception):
    """A user error with Stata's message and return code.

    Parameters
    ----------
    message
        The text Stata prints, e.g. ``"variable grp not found"``.
    rc
        Stata's return code, printed as ``r(rc);``.
    span
        Where the offending text is in ``source``; ``None`` when the error is not about one place.
    source
        The command text ``span`` points into. Filled in by the session when it is not known where
        the error is raised.
    """

    def __init__(
        self,
        message: str,
        rc: int = 198,
        *,
        span: Span | None = None,
        source: str | None = None,
        outputs: list | None = None,
        keep_state: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.rc = rc
        self.span = span
        self.source = source
        #: outputs shown before the error (a do-file's earlier commands)
        self.outputs = outputs or []
        #: the command's earlier effects stand (``do`` stops at an error but keeps what ran)
        self.keep_state = keep_state

    def with_source(self, source: str, offset: int = 0) -> StataError:
        """Attach the command text the span refers to (shifting the span by ``offset``)."""
        if self.source is None:
            self.source = source
            if self.span is not None and offset:
                self.span = Span(self.span.start + offset, self.span.end + offset)
        return self

    def pointer(self) -> str | None:
        """Two lines: the command and a caret line under the offending text, or ``None``."""
        if self.span is None or self.source is None:
            return None
        text = self.source
        start = max(0, min(self.span.start, len(text)))
        end = max(start + 1, min(self.span.end, len(text)))
        # show only the physical line holding the span
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", start)
        if line_end < 0:
            line_end = len(text)
        line = text[line_start:line_end]
        carets = " " * (start - line_start) + "^" * max(1, min(end, line_end) - start)
        return f"    {line}\n    {carets}"

    def render(self, *, point: bool = True) -> str:
        """The text Stata prints: the message (and a pointer when known), then ``r(#);``."""
        parts = [self.message] if self.message else []  # exit 4711: r(4711); alone
        if point:
            ptr = self.pointer()
            if ptr is not None:
                parts.append(ptr)
        parts.append(f"r({self.rc});")
        return "\n".join(parts)

    def __str__(self) -> str:
        return f"{self.message} r({self.rc});"

    def __repr__(self) -> str:
        return f"StataError({self.message!r}, rc={self.rc})"


class BreakError(StataError):
    """The user interrupted a command (Stata's ``--Break--``, ``r(1)``)."""

    def __init__(self) -> None:
        super().__init__("--Break--", 1)


class ExitError(Exception):
    """``exit`` ([P] exit): the rest of the cell or do-file is not run; not an error."""
