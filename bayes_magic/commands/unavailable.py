"""Commands the language parses but this version cannot run yet.

They fail with an honest message (r(199)) instead of a wrong answer; each names the capability
it waits for.
"""

from __future__ import annotations

from ..errors import StataError
from ..syntax.ast import Command
from .registry import HANDLERS, command

#: command -> the capability it waits for (none at present; meglm was the last)
_PENDING: dict[str, str] = {}


def _make(name: str, what: str):
    def handler(s, cmd: Command) -> list:
        full = cmd.name + (f" {cmd.subcommand}" if cmd.subcommand else "")
        raise StataError(
            f"{full} is not available in this version of bayes_magic yet ({what})", 199
        )

    return handler


for _name, _what in _PENDING.items():
    if (_name, None) not in HANDLERS:
        command(_name, byable="repeat")(_make(_name, _what))
