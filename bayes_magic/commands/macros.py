"""``local``, ``global`` and ``macro list|drop`` ([P] macro).

The session substitutes macros in every command's text before parsing it
(:func:`bayes_magic.syntax.macros.expand`); these commands define them. Their text is read as
typed, not through the command grammar (a macro's value may be any text):

* ``local name [text]``: the text, without one pair of enclosing quotes (``"..."`` or
  `` `"..."' ``); nothing clears the macro;
* ``local name = exp``: the value of the expression (numbers with up to 16 significant digits
  and no leading zero, as Stata stores them; strings as they are);
* ``local name : extended function`` (:mod:`~bayes_magic.commands.macro_functions`);
* ``local ++name`` and ``local --name`` add or take one;
* ``global`` the same for globals; ``macro list`` shows them, ``macro drop name ... | _all``
  removes them.
"""

from __future__ import annotations

import fnmatch
import math
import re

from ..errors import StataError
from ..report.output import Output, Text

__all__ = ["evaluate_text", "macro_command", "macro_value", "split_words"]

_NAME = re.compile(r"[A-Za-z_]\w{0,31}|\d+")
_KIND = {"local": 3, "global": 2}  # minimal abbreviations: loc, gl


def macro_value(x) -> str:
    """How a value is stored in a macro: strings as they are, numbers as Stata's ``%17.0g``
    without the padding (``.3333333333333333``, ``2``, ``.`` for missing)."""
    if isinstance(x, str):
        return x
    x = float(x)
    if math.isnan(x):
        return "."
    if x == int(x) and abs(x) < 1e16:
        return str(int(x))
    text = f"{x:.16g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{mant}e{exp[0]}{exp[1:].zfill(2)}"
    return re.sub(r"^(-?)0\.", r"\1.", text)


def split_words(text: str) -> list[str]:
    """The words of a list: blanks separate them, and a quoted string ``"..."`` or
    `` `"..."' `` is one word (its quotes dropped)."""
    out = []
    for m in re.finditer(r'`"(.*?)"\'|"([^"]*)"|(\S+)', text):
        out.append(next(g for g in m.groups() if g is not None))
    return out


def _unquote(text: str) -> str:
    t = text.strip()
    if t.startswith('`"') and t.endswith("\"'"):
        return t[2:-2]
    if len(t) >= 2 and t[0] == t[-1] == '"' and '"' not in t[1:-1]:
        return t[1:-1]
    return t


def macro_command(s, text: str) -> list[Output] | None:
    """Run ``text`` if it is a ``local``/``global``/``macro`` command (None otherwise)."""
    m = re.match(r"\s*([A-Za-z]+)\b(.*)", text, flags=re.S)
    if m is None:
        return None
    word, rest = m.group(1).lower(), m.group(2)
    if word in ("ma", "mac", "macr", "macro"):
        return _macro(s, rest)
    kind = next((k for k, n in _KIND.items() if len(word) >= n and k.startswith(word)), None)
    if kind is None:
        return None
    store = s.locals if kind == "local" else s.globals
    rest = rest.strip()
    step = re.fullmatch(r"(\+\+|--)(\w+)", rest)
    if step:  # local ++i
        name = step.group(2)
        old = store.get(name, "")
        try:
            value = float(old) if old.strip() else 0.0
        except ValueError:
            raise StataError(f"{old} found where number expected", 7) from None
        store[name] = macro_value(value + (1 if step.group(1) == "++" else -1))
        return []
    nm = re.match(r"(\w+)(.*)", rest, flags=re.S)
    if nm is None or not _NAME.fullmatch(nm.group(1)):
        raise StataError(f"{rest.split()[0] if rest.split() else 'nothing'} invalid name", 198)
    name, body = nm.group(1), nm.group(2)
    stripped = body.strip()
    if stripped.startswith("="):
        store[name] = macro_value(evaluate_text(s, stripped[1:]))
    elif stripped.startswith(":"):
        from .macro_functions import extended_function

        store[name] = extended_function(s, stripped[1:].strip())
    else:
        if body and not body[0].isspace():
            raise StataError(f"{name}{body.split()[0]} invalid name", 198)
        if stripped:
            store[name] = _unquote(stripped)
        else:
            store.pop(name, None)
    return []


def evaluate_text(s, text: str):
    """The value of an expression over the data in memory's first observation (as
    ``display``), a number or a string."""
    import numpy as np

    from ..dataset.evaluate import evaluate
    from ..syntax.expr import parse_expr_text
    from .data import scalar_context

    if not text.strip():
        raise StataError("invalid syntax", 198)
    ctx = s.context(np.array([0])) if s.data.nobs else scalar_context(s)
    v = evaluate(parse_expr_text(text.strip()), ctx)
    return v[0] if len(v) else float("nan")


def _macro(s, rest: str) -> list[Output]:
    words = rest.split()
    sub = words[0].lower() if words else ""
    if sub in ("l", "li", "lis", "list", "dir"):
        wanted = words[1:]  # names, _names for locals, wildcards; all without

        def shown(full: str) -> bool:
            return not wanted or any(fnmatch.fnmatchcase(full, w) for w in wanted)

        lines = [f"{n + ':':<12} {v}" for n, v in sorted(s.globals.items()) if shown(n)]
        lines += [f"{'_' + n + ':':<12} {v}" for n, v in sorted(s.locals.items()) if shown("_" + n)]
        return [Text("\n".join(lines))] if lines else []
    if sub == "drop":
        names = words[1:]
        if not names:
            raise StataError("nothing found where name expected", 198)
        if names == ["_all"]:
            s.globals.clear()
            return []
        for n in names:
            store, pat = (s.locals, n[1:]) if n.startswith("_") else (s.globals, n)
            for k in [k for k in store if fnmatch.fnmatchcase(k, pat)]:
                del store[k]
        return []
    raise StataError(f"macro {sub}: subcommand not available in bayes_magic", 198)
