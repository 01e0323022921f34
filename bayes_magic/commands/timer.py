"""``timer on|off|clear|list [#]`` ([P] timer): up to 100 stopwatches of elapsed wall time;
``timer list`` shows each timer's total seconds, the times it was started and the average,
and leaves ``r(t#)`` and ``r(nt#)``."""

from __future__ import annotations

import time

from ..errors import StataError
from ..report.output import Output, Text
from ..syntax.ast import Command, Words
from .registry import command

__all__: list[str] = []


def _timers(s) -> dict[int, list[float]]:
    """timer # -> [total seconds, times stopped, start time or -1 when off]."""
    if not hasattr(s, "_timers"):
        s._timers = {}
    return s._timers


def _number(words: list[str], required: bool) -> int | None:
    if not words:
        if required:
            raise StataError("timer number required", 198)
        return None
    if len(words) > 1:
        raise StataError("invalid syntax", 198)
    try:
        k = int(words[0])
    except ValueError:
        raise StataError(f"{words[0]} found where integer expected", 7) from None
    if not 1 <= k <= 100:
        raise StataError("timer number must be between 1 and 100", 198)
    return k


@command("timer")
def timer(s, cmd: Command) -> list[Output]:
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    if not words:
        raise StataError("timer requires on, off, clear or list", 198)
    sub, rest = words[0].lower(), words[1:]
    timers = _timers(s)
    now = time.perf_counter()
    if sub == "on":
        k = _number(rest, True)
        t = timers.setdefault(k, [0.0, 0.0, -1.0])
        if t[2] >= 0:
            raise StataError(f"timer {k} already on", 198)
        t[2] = now
        return []
    if sub == "off":
        k = _number(rest, True)
        t = timers.get(k)
        if t is None or t[2] < 0:
            raise StataError(f"timer {k} not on", 198)
        t[0] += now - t[2]
        t[1] += 1
        t[2] = -1.0
        return []
    if sub == "clear":
        k = _number(rest, False)
        if k is None:
            timers.clear()
        else:
            timers.pop(k, None)
        return []
    if sub == "list":
        k = _number(rest, False)
        keys = [k] if k is not None else sorted(timers)
        lines = []
        r: dict[str, float] = {}
        for j in keys:
            t = timers.get(j)
            if t is None:
                continue
            total = t[0] + (now - t[2] if t[2] >= 0 else 0.0)
            n = int(t[1])
            avg = total / n if n else 0.0
            lines.append(f"{j:>4}:{total:>10.2f} /{n:>9} ={avg:>13.4f}")
            r[f"t{j}"], r[f"nt{j}"] = round(total, 3), float(n)
        s.r = r
        return [Text("\n".join(lines))] if lines else []
    raise StataError(f"timer {words[0]}: unknown subcommand", 198)
