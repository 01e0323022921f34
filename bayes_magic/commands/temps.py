"""``tempvar``, ``tempname`` and ``tempfile`` ([P] macro): local macros holding names that
nothing else uses, for variables, scalars and matrices, and files.

Names are ``__000000``, ``__000001`` ... as Stata's; files live in the temporary directory
(``c(tmpdir)``). What a do-file creates is removed when it ends: its temporary variables are
dropped, its files erased ([P] macro, Temporary objects). Those created interactively last
until the session ends (files are erased when Python exits).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import tempfile
from pathlib import Path

from ..errors import StataError
from ..report.output import Output
from ..syntax.ast import Command, Words
from .registry import command

__all__ = ["pop_scope", "push_scope"]

_NAME = re.compile(r"[A-Za-z_]\w{0,30}")
#: files made interactively (outside any do-file), erased at exit
_SESSION_FILES: list[Path] = []


@atexit.register
def _erase_session_files() -> None:  # pragma: no cover - runs at interpreter exit
    for p in _SESSION_FILES:
        with contextlib.suppress(OSError):
            p.unlink()


def _scopes(s) -> list[dict[str, list]]:
    return s.temp_scopes


def push_scope(s) -> None:
    """A do-file starts: its temporary objects are its own."""
    _scopes(s).append({"vars": [], "files": []})


def pop_scope(s) -> None:
    """A do-file ends: drop its temporary variables and erase its temporary files."""
    scope = _scopes(s).pop()
    gone = [v for v in scope["vars"] if v in s.data.info]
    if gone:
        s.data.drop_vars(gone)
    for p in scope["files"]:
        with contextlib.suppress(OSError):
            p.unlink()


def _next(s) -> int:
    k = s.temp_counter
    s.temp_counter = k + 1
    return k


def _names(cmd: Command) -> list[str]:
    assert isinstance(cmd.body, Words)
    words = list(cmd.body.words)
    for w in words:
        if not _NAME.fullmatch(w):
            raise StataError(f"{w} invalid name", 198)
    return words


@command("tempvar", readonly=True)
@command("tempname", readonly=True)
def tempvar(s, cmd: Command) -> list[Output]:
    for name in _names(cmd):
        temp = f"__{_next(s):06X}"
        # unused: not a variable (a saved file may hold one), scalar or matrix already
        while temp in s.data.info or temp in s.scalars or temp in s.matrices:
            temp = f"__{_next(s):06X}"
        s.locals[name] = temp
        if cmd.name == "tempvar" and _scopes(s):
            _scopes(s)[-1]["vars"].append(temp)
    return []


@command("tempfile", readonly=True)
def tempfile_(s, cmd: Command) -> list[Output]:
    for name in _names(cmd):
        path = Path(tempfile.gettempdir()) / f"St{os.getpid()}.{_next(s):06x}"
        s.locals[name] = str(path)
        (_scopes(s)[-1]["files"] if _scopes(s) else _SESSION_FILES).append(path)
    return []
