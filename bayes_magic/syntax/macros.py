"""Macro substitution ([P] macro, [U] 18.3 Macros), done on a command's text before it is
parsed, as Stata does.

* `` `name' `` is the local macro ``name``; substitution works from the innermost out, so
  `` ``i'' `` is the local whose name is the value of ``i``;
* ``$name`` and ``${name}`` are globals;
* `` `=exp' `` is the value of the expression ``exp`` (``evaluate`` gives its text),
  `` `r(name)' ``, `` `e(name)' ``, `` `c(name)' `` the stored results', and
  `` `:function ...' `` the value of a macro extended function (``extended`` gives it;
  compound-quoted words inside, as a list macro holds them, are part of it);
* an undefined macro is empty; ``\\``` and ``\\$`` stand for a literal backtick and dollar
  sign; compound quotes `` `"..."' `` are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from ..errors import StataError

__all__ = ["expand", "has_macros"]

_LOCAL = re.compile(r"`(?:=([^`']*)|([rec]\(\w*\))|(\w+)|:((?:`\"[^\"]*\"'|[^`'])+))'")
_GLOBAL = re.compile(r"\$(?:\{(\w+)\}|([A-Za-z_]\w*))")
_BACKTICK, _DOLLAR = "\x00bq\x00", "\x00dl\x00"


def has_macros(text: str) -> bool:
    """Whether ``text`` has anything to substitute (so most commands skip the work)."""
    return "`" in text or "$" in text


def expand(
    text: str,
    locals_: Mapping[str, str],
    globals_: Mapping[str, str],
    evaluate: Callable[[str], str],
    extended: Callable[[str], str] | None = None,
) -> str:
    """``text`` with its macros substituted.

    Raises
    ------
    StataError
        r(198) when substitution does not end (a macro that expands to itself).
    """
    if not has_macros(text):
        return text
    text = text.replace("\\`", _BACKTICK).replace("\\$", _DOLLAR)

    def local(m: re.Match) -> str:
        if m.group(1) is not None:
            return evaluate(m.group(1))
        if m.group(2) is not None:  # `r(mean)', `e(cmd)', `c(N)': the stored result
            return evaluate(m.group(2))
        if m.group(4) is not None:
            if extended is None:
                raise StataError("extended macro functions are not available here", 198)
            return extended(m.group(4))
        return locals_.get(m.group(3), "")

    def global_(m: re.Match) -> str:
        return globals_.get(m.group(1) or m.group(2), "")

    for _ in range(200):
        new = _GLOBAL.sub(global_, _LOCAL.sub(local, text))
        if new == text:
            return new.replace(_BACKTICK, "`").replace(_DOLLAR, "$")
        text = new
    raise StataError("macro substitution does not end (a macro refers to itself)", 198)
