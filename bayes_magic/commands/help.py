"""Short help generated from the grammar: the syntax line and the options with abbreviations.

Used by ``help``/``search`` and by the kernel's inspection (Shift-Tab).
"""

from __future__ import annotations

from ..syntax.grammar import COMMANDS, Grammar, lookup
from ..syntax.options import OptionTable

__all__ = ["help_text", "syntax_line"]

_BUILTIN_NOTES = {
    "bayesparallel": "bayesparallel is built in: `bayesparallel, nproc(#): bayes ...: command` "
    "runs the chains of nchains() in # parallel processes.",
}


def _spelling(name: str, n: int) -> str:
    """``summarize`` with minimum 2 as ``su[mmarize]``."""
    return name if n >= len(name) else f"{name[:n]}[{name[n:]}]"


def syntax_line(g: Grammar, cmd: str) -> str:
    parts = [cmd]
    if g.body is not None:
        parts.append("...")
    if g.if_:
        parts.append("[if]")
    if g.in_:
        parts.append("[in]")
    if g.weights:
        parts.append("[weight]")
    if g.using != "no":
        parts.append("using filename" if g.using == "required" else "[using filename]")
    tbl = g.options if isinstance(g.options, OptionTable) else None
    if tbl is None or tbl.specs:
        parts.append("[, options]")
    return " ".join(parts)


def _options(tbl: OptionTable) -> list[str]:
    out = []
    for s in tbl.specs:
        arg = "" if type(s.arg).__name__ == "Flag" else "()"
        out.append(f"  {_spelling(s.name, s.min)}{arg}")
    return out


def help_text(topic: str) -> str:
    topic = topic.strip()
    if not topic:
        names = sorted({c.name for c in COMMANDS})
        return "Commands:\n" + "\n".join(
            "  " + "  ".join(f"{n:<14}" for n in names[i : i + 5]).rstrip()
            for i in range(0, len(names), 5)
        )
    if topic in _BUILTIN_NOTES:
        return _BUILTIN_NOTES[topic]
    words = topic.split()
    g = lookup(words[0])
    if g is None:
        return f"help for {topic} not found; type help for the list of commands"
    lines = []
    if g.subcommands:
        subs = [x for x in g.subcommands if len(words) < 2 or x.matches(words[1])]
        for sg in subs:
            cmd = f"{_spelling(g.name, g.min)} {_spelling(sg.name, sg.min)}"
            lines.append(syntax_line(sg, cmd))
            if len(subs) == 1 and isinstance(sg.options, OptionTable) and sg.options.specs:
                lines.append("options:")
                lines += _options(sg.options)
        return "\n".join(lines)
    lines.append(syntax_line(g, _spelling(g.name, g.min)))
    if isinstance(g.options, OptionTable) and g.options.specs:
        lines.append("options:")
        lines += _options(g.options)
    return "\n".join(lines)
