"""Commands the language parses but this version cannot run yet.

They fail with an honest message (r(199)) instead of a wrong answer; each names the capability
it waits for.
"""

from __future__ import annotations

from ..errors import StataError
from ..syntax.ast import Command
from .registry import HANDLERS, command

#: command -> the capability it waits for
_PENDING: dict[str, str] = {
    "bayesreps": "replicated outcomes; bayespredict {_ysim}, saving() simulates them",
    "table": "Stata 17's tables; tabulate, tabstat and collapse give the numbers",
    "etable": "estimation tables; estimates table lays out stored results",
    "dtable": "descriptive tables; tabstat and summarize give the statistics",
    "collect": "the collection system behind table",
}


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
