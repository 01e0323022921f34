"""One registry of command handlers, keyed by the parser's canonical names.

A handler is ``(session, command) -> list[Output]``. ``byable`` says how the ``by`` prefix
applies ([D] by): ``"repeat"`` runs the command once per group with a header line per group
(``summarize``, ``count``, ``list`` ...); ``"data"`` runs it once with the groups visible to
``_n``, ``_N`` and group statistics (``generate``, ``replace``, ``egen`` ...); None refuses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..report.output import Output
    from ..session import Session
    from ..syntax.ast import Command

__all__ = ["Handler", "HANDLERS", "command", "find"]

HandlerFunc = Callable[["Session", "Command"], "list[Output]"]


@dataclass(frozen=True)
class Handler:
    func: HandlerFunc
    byable: str | None = None
    #: commands that never change data or results (for cheaper bookkeeping)
    readonly: bool = False


HANDLERS: dict[tuple[str, str | None], Handler] = {}


def command(
    name: str, sub: str | None = None, *, byable: str | None = None, readonly: bool = False
) -> Callable[[HandlerFunc], HandlerFunc]:
    """Register a handler for ``name`` (and subcommand ``sub``)."""

    def deco(f: HandlerFunc) -> HandlerFunc:
        HANDLERS[(name, sub)] = Handler(f, byable, readonly)
        return f

    return deco


def find(name: str, sub: str | None) -> Handler | None:
    _load()
    return HANDLERS.get((name, sub)) or HANDLERS.get((name, None))


_loaded = False


def _load() -> None:
    """Import the handler modules (they register themselves)."""
    global _loaded
    if _loaded:
        return
    from . import (  # noqa: F401
        data,
        describe,
        generate,
        help,
        labels,
        listing,
        summarize,
        tabulate,
        unavailable,
    )

    _loaded = True
