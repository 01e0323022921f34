"""Regular-expression, string and programming functions ([FN] String functions, [FN]
Programming functions, [FN] Math functions) beyond the basic ones in :mod:`.evaluate`.

``regexm(s, re)`` remembers its match at each observation it was evaluated at, so that
``regexs(n)`` (the n-th subexpression, 0 the whole match) can be used in the same command, as
in ``generate y = regexs(1) if regexm(x, "([0-9]+)")``; ``ustrregexm()`` and ``ustrregexs()``
likewise. Stata's ``regex*`` functions take POSIX extended expressions (``[[:digit:]]`` classes
are translated), the ``ustrregex*`` ones ICU's, which Python's ``re`` module follows closely.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np

from ..errors import StataError
from ..syntax.ast import Call

__all__ = ["STRING_FUNCTIONS"]

_POSIX = {
    "[:alpha:]": "a-zA-Z",
    "[:digit:]": "0-9",
    "[:alnum:]": "a-zA-Z0-9",
    "[:upper:]": "A-Z",
    "[:lower:]": "a-z",
    "[:space:]": r" \t\n\r\f\v",
    "[:blank:]": r" \t",
    "[:punct:]": r"!-/:-@\[-`{-~",
    "[:xdigit:]": "0-9A-Fa-f",
    "[:cntrl:]": r"\x00-\x1f\x7f",
    "[:print:]": r"\x20-\x7e",
    "[:graph:]": r"\x21-\x7e",
}

#: the matches of the last regexm()/ustrregexm() by observation (0-based), per family
_LAST: dict[str, dict[int, re.Match | None]] = {"regex": {}, "ustrregex": {}}


def _compile(pattern: str, posix: bool, nocase: bool = False) -> re.Pattern:
    if posix:
        for k, v in _POSIX.items():
            pattern = pattern.replace(k, v)
    try:
        return re.compile(pattern, re.IGNORECASE if nocase else 0)
    except re.error as err:
        raise StataError(f"regular expression invalid: {err}", 198) from None


def _values(e: Call, ctx, kinds: str, lo: int, hi: int) -> list[np.ndarray]:
    """The arguments, checked: ``kinds`` gives s (string) or n (number) per position."""
    from .evaluate import _is_str, _mismatch, evaluate

    if not lo <= len(e.args) <= hi:
        raise StataError(f"{e.func}(): invalid number of arguments", 198, span=e.span)
    vals = [evaluate(a, ctx) for a in e.args]
    for v, k in zip(vals, kinds):
        if (k == "s") != _is_str(v):
            raise _mismatch(e)
    return vals


def _regexm(family: str) -> Callable:
    posix = family == "regex"

    def impl(e: Call, ctx) -> np.ndarray:
        vals = _values(e, ctx, "ssn", 2, 2 if posix else 3)
        rows = ctx.row_index()
        store = _LAST[family]
        store.clear()
        out = np.zeros(ctx.n)
        cache: dict[tuple[str, bool], re.Pattern] = {}
        for i in range(ctx.n):
            nocase = len(vals) == 3 and vals[2][i] == vals[2][i] and vals[2][i] != 0
            key = (str(vals[1][i]), nocase)
            if key not in cache:
                cache[key] = _compile(key[0], posix, nocase)
            m = cache[key].search(str(vals[0][i]))
            store[int(rows[i])] = m
            out[i] = 1.0 if m else 0.0
        return out

    return impl


def _regexs(family: str) -> Callable:
    def impl(e: Call, ctx) -> np.ndarray:
        (k,) = _values(e, ctx, "n", 1, 1)
        store = _LAST[family]
        rows = ctx.row_index()
        out = np.empty(ctx.n, dtype=object)
        for i in range(ctx.n):
            m = store.get(int(rows[i]))
            n = k[i]
            if m is None or n != n or not 0 <= n <= (m.re.groups if m else 0):
                out[i] = ""
                continue
            out[i] = m.group(int(n)) or ""
        return out

    return impl


def _regexr(family: str, count: int) -> Callable:
    posix = family == "regex"

    def impl(e: Call, ctx) -> np.ndarray:
        vals = _values(e, ctx, "sssn", 3, 3 if posix else 4)
        out = np.empty(ctx.n, dtype=object)
        for i in range(ctx.n):
            nocase = len(vals) == 4 and vals[3][i] == vals[3][i] and vals[3][i] != 0
            rx = _compile(str(vals[1][i]), posix, nocase)
            repl = str(vals[2][i]).replace("\\", "\\\\")
            # $1 ... in ustrregexr* replacements name subexpressions (ICU)
            if not posix:
                repl = re.sub(r"\$(\d)", r"\\g<\1>", repl)
            out[i] = rx.sub(repl, str(vals[0][i]), count=count)
        return out

    return impl


def _smap(kinds: str, f: Callable, *, out_str: bool, lo: int | None = None) -> Callable:
    def impl(e: Call, ctx) -> np.ndarray:
        vals = _values(e, ctx, kinds, len(kinds) if lo is None else lo, len(kinds))
        res = [f(*row) for row in zip(*vals)]
        return np.array(res, dtype=object if out_str else np.float64)

    return impl


def _proper(s: str) -> str:
    """Each letter after a non-letter upper-cased, the others lower-cased ([FN] strproper())."""
    out, prev = [], False
    for ch in s:
        out.append(ch.lower() if prev else ch.upper())
        prev = ch.isalpha()
    return "".join(out)


def _strmatch(s: str, pattern: str) -> float:
    """``*`` any characters, ``?`` one character; the whole string must match."""
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return float(re.fullmatch(rx, s, re.DOTALL) is not None)


def _subinword(s: str, old: str, new: str, n: float) -> str:
    if not old:
        return s
    if n == n and n < 1:
        return s
    rx = re.compile(rf"(?<!\S){re.escape(old)}(?!\S)")
    return rx.sub(lambda _m: new, s, count=0 if n != n else int(min(n, len(s) + 1)))


def _abbrev(s: str, n: float) -> str:
    """[FN] abbrev(): a name longer than n shown in n characters with ~ inside."""
    if n != n:
        return s
    k = max(int(n), 5)
    if len(s) <= k:
        return s
    return s[: k - 2] + "~" + s[-1]


def _plural(n: float, s: str, suffix: str | None = None) -> str:
    """[FN] plural(n, s [, s2]): s when n is ±1; else s with "s" added, or with s2 added
    ("+es"), taken off its end ("-c") or in its place ("mice")."""
    if n in (1.0, -1.0):
        return s
    if suffix is None:
        return s + "s"
    if suffix.startswith("+"):
        return s + suffix[1:]
    if suffix.startswith("-"):
        tail = suffix[1:]
        return s[: -len(tail)] if tail and s.endswith(tail) else s
    return suffix


def _strtoname(s: str, prefix: float = 1.0) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", s)
    if prefix == prefix and prefix != 0 and (not name or name[0].isdigit()):
        name = "_" + name
    return name[:32]


def _indexnot(s: str, chars: str) -> float:
    for i, ch in enumerate(s, 1):
        if ch not in chars:
            return float(i)
    return 0.0


def _char(n: float) -> str:
    return chr(int(n)) if n == n and 0 <= n < 256 else ""


def _num_vector(f: Callable[..., float], k: int) -> Callable:
    def impl(e: Call, ctx) -> np.ndarray:
        vals = _values(e, ctx, "n" * k, k, k)
        out = np.empty(ctx.n)
        for i in range(ctx.n):
            args = [float(v[i]) for v in vals]
            out[i] = math.nan if any(a != a for a in args) else f(*args)
        return out

    return impl


def _factorial(n: float) -> float:
    """[FN] factorial(n): n! for integers 0 to 170, else missing (beyond double's range)."""
    if n < 0 or n != math.floor(n) or n > 170:
        return math.nan
    return float(math.factorial(int(n)))


def _autocode(x: float, n: float, lo: float, hi: float) -> float:
    """[FN] autocode(x, n, x0, x1): the upper end of x's interval among n equal ones."""
    if n < 1 or hi <= lo or x < lo or x > hi:
        return math.nan
    n = int(n)
    width = (hi - lo) / n
    if x >= hi:
        return hi
    k = min(max(1, math.ceil((x - lo) / width)), n)
    # the division rounds either way near a boundary: x belongs to the first interval whose
    # upper end lo + k·width is at least x
    while k < n and x > lo + k * width:
        k += 1
    while k > 1 and x <= lo + (k - 1) * width:
        k -= 1
    return lo + k * width


def _recode_args(e: Call, ctx) -> list[np.ndarray]:
    from .evaluate import _args_num

    if len(e.args) < 2:
        raise StataError(f"{e.func}(): invalid number of arguments", 198, span=e.span)
    return _args_num(e, ctx, (2, 255))


def _by_cuts(e: Call, ctx, rule: Callable[[float, list[float]], float]) -> np.ndarray:
    """``f(x, x1, ..., xn)`` observation by observation; missing where x is."""
    vals = _recode_args(e, ctx)
    x, cuts = vals[0], vals[1:]
    out = np.full(ctx.n, math.nan)
    for i in range(ctx.n):
        if x[i] == x[i]:
            out[i] = rule(float(x[i]), [float(c[i]) for c in cuts])
    return out


def _recode(e: Call, ctx) -> np.ndarray:
    """[FN] recode(x, x1, ..., xn): the first xi with x <= xi, else xn."""
    return _by_cuts(e, ctx, lambda x, cuts: next((c for c in cuts if x <= c), cuts[-1]))


def _irecode(e: Call, ctx) -> np.ndarray:
    """[FN] irecode(x, x1, ..., xn): 0 if x <= x1, k if x_k < x <= x_{k+1}, n if x > xn."""
    return _by_cuts(e, ctx, lambda x, cuts: float(sum(1 for c in cuts if x > c)))


def _runiformint(e: Call, ctx) -> np.ndarray:
    from .evaluate import _args_num

    a, b = _args_num(e, ctx, 2)
    lo, hi = np.ceil(a), np.floor(b)
    out = np.full(ctx.n, np.nan)
    ok = ~np.isnan(lo) & ~np.isnan(hi) & (lo <= hi)
    u = ctx.rng.random(ctx.n)
    out[ok] = lo[ok] + np.floor(u[ok] * (hi[ok] - lo[ok] + 1))
    return out


def _constant(value: float) -> Callable:
    def impl(e: Call, ctx) -> np.ndarray:
        if e.args:
            raise StataError(f"{e.func}(): invalid number of arguments", 198, span=e.span)
        return np.full(ctx.n, value)

    return impl


STRING_FUNCTIONS: dict[str, Callable] = {
    "regexm": _regexm("regex"),
    "regexs": _regexs("regex"),
    "regexr": _regexr("regex", 1),
    "ustrregexm": _regexm("ustrregex"),
    "ustrregexs": _regexs("ustrregex"),
    "ustrregexrf": _regexr("ustrregex", 1),
    "ustrregexra": _regexr("ustrregex", 0),
    "strproper": _smap("s", _proper, out_str=True),
    "proper": _smap("s", _proper, out_str=True),
    "ustrtitle": _smap("s", _proper, out_str=True),
    "strltrim": _smap("s", str.lstrip, out_str=True),
    "strrtrim": _smap("s", str.rstrip, out_str=True),
    "ustrltrim": _smap("s", str.lstrip, out_str=True),
    "ustrrtrim": _smap("s", str.rstrip, out_str=True),
    "ustrtrim": _smap("s", str.strip, out_str=True),
    "stritrim": _smap("s", lambda s: re.sub(r" {2,}", " ", s), out_str=True),
    "itrim": _smap("s", lambda s: re.sub(r" {2,}", " ", s), out_str=True),
    "ustrupper": _smap("s", str.upper, out_str=True),
    "ustrlower": _smap("s", str.lower, out_str=True),
    "strreverse": _smap("s", lambda s: s[::-1], out_str=True),
    "reverse": _smap("s", lambda s: s[::-1], out_str=True),
    "ustrreverse": _smap("s", lambda s: s[::-1], out_str=True),
    "strrpos": _smap("ss", lambda s, t: float(s.rfind(t) + 1) if t else 0.0, out_str=False),
    "ustrpos": _smap("ss", lambda s, t: float(s.find(t) + 1), out_str=False),
    "ustrrpos": _smap("ss", lambda s, t: float(s.rfind(t) + 1) if t else 0.0, out_str=False),
    "strmatch": _smap("ss", _strmatch, out_str=False),
    "subinword": _smap("sssn", _subinword, out_str=True),
    "usubinstr": _smap(
        "sssn",
        lambda s, a, b, n: (
            s if not a else s.replace(a, b) if n != n else s.replace(a, b, int(min(n, len(s) + 1)))
        ),
        out_str=True,
    ),
    "abbrev": _smap("sn", _abbrev, out_str=True),
    "plural": _smap("nss", _plural, out_str=True, lo=2),
    "strtoname": _smap("sn", _strtoname, out_str=True, lo=1),
    "indexnot": _smap("ss", _indexnot, out_str=False),
    "char": _smap("n", _char, out_str=True),
    "uchar": _smap(
        "n", lambda n: chr(int(n)) if n == n and 0 <= n < 0x110000 else "", out_str=True
    ),
    "strlower": _smap("s", str.lower, out_str=True),
    "ustrleft": _smap("sn", lambda s, n: s[: max(int(n), 0)] if n == n else "", out_str=True),
    "ustrright": _smap(
        "sn", lambda s, n: (s[-int(n) :] if int(n) > 0 else "") if n == n else "", out_str=True
    ),
    "ustrwordcount": _smap("s", lambda s: float(len(s.split())), out_str=False),
    # numbers
    "factorial": _num_vector(_factorial, 1),
    "reldif": _num_vector(lambda x, y: abs(x - y) / (abs(y) + 1), 2),
    "atan2": _num_vector(math.atan2, 2),
    "autocode": _num_vector(_autocode, 4),
    "recode": _recode,
    "irecode": _irecode,
    "runiformint": _runiformint,
    # limits of the storage types ([FN] Programming functions)
    "maxbyte": _constant(100.0),
    "minbyte": _constant(-127.0),
    "maxint": _constant(32740.0),
    "minint": _constant(-32767.0),
    "maxlong": _constant(2147483620.0),
    "minlong": _constant(-2147483647.0),
    "maxfloat": _constant(1.70141173319e38),
    "minfloat": _constant(-1.70141173319e38),
    "maxdouble": _constant(8.988465674311579e307),
    "mindouble": _constant(-8.988465674311579e307),
    "epsdouble": _constant(2.220446049250313e-16),
    "epsfloat": _constant(1.1920928955078125e-07),
    "smallestdouble": _constant(2.2250738585072014e-308),
}
