"""The insides of graph options, which the parser keeps raw ([G-3] twoway_options).

The option tables of :mod:`bayes_magic.syntax.tables` keep the text between the parentheses of
``title()``, ``xlabel()``, ``legend()``, ``by()`` ...; this module reads it: quoted strings
(also compound quotes), ``name(...)`` groups, words, and the comma before suboptions.

References: [G-3] title_options, [G-3] axis_label_options, [G-3] legend_options,
[G-3] added_line_options, [G-3] by_option, [G-3] name_option, [G-3] saving_option.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import StataError

__all__ = [
    "Tok",
    "tokens",
    "split_sub",
    "sub_options",
    "text_option",
    "AxisLabels",
    "axis_labels",
    "AddedLine",
    "added_lines",
    "Legend",
    "legend",
    "ByOption",
    "by_option",
    "name_option",
    "saving_option",
    "number",
    "MAX_TICKS",
]

#: the most numbers a numlist may hold in Stata ([P] numlist: ``max(1600)`` is the largest)
MAX_TICKS = 1600


@dataclass(frozen=True)
class Tok:
    """One item of an option's text.

    ``kind`` is ``"str"`` (``text`` is the string without its quotes), ``"word"``, ``"call"``
    (``text`` is the name before the parenthesis, ``inner`` what is inside it), ``"group"`` (a
    parenthesis without a name) or ``"comma"``.
    """

    kind: str
    text: str
    inner: str = ""


def _balanced(raw: str, i: int, what: str) -> int:
    """The index just after the parenthesis closing the one at ``raw[i]``."""
    depth = 0
    k = i
    while k < len(raw):
        c = raw[k]
        if c == '"':
            end = raw.find('"', k + 1)
            if end < 0:
                break
            k = end
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return k + 1
        k += 1
    raise StataError(f"{what}: unmatched parenthesis", 198)


def _compound(raw: str, i: int, what: str) -> tuple[str, int]:
    """A compound-quoted string ```"..."'`` starting at ``raw[i]`` (nesting allowed)."""
    depth = 0
    k = i
    while k < len(raw):
        if raw.startswith('`"', k):
            depth += 1
            k += 2
            continue
        if raw.startswith("\"'", k):
            depth -= 1
            k += 2
            if depth == 0:
                return raw[i + 2 : k - 2], k
            continue
        k += 1
    raise StataError(f"{what}: unmatched quote", 198)


def tokens(raw: str, what: str = "option") -> list[Tok]:
    """Split an option's text into strings, words, ``name(...)`` calls and commas."""
    out: list[Tok] = []
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c.isspace():
            i += 1
        elif c == ",":
            out.append(Tok("comma", ","))
            i += 1
        elif raw.startswith('`"', i):
            text, i = _compound(raw, i, what)
            out.append(Tok("str", text))
        elif c == '"':
            end = raw.find('"', i + 1)
            if end < 0:
                raise StataError(f"{what}: unmatched quote", 198)
            out.append(Tok("str", raw[i + 1 : end]))
            i = end + 1
        elif c == "(":
            end = _balanced(raw, i, what)
            out.append(Tok("group", "", raw[i + 1 : end - 1].strip()))
            i = end
        elif c == ")":
            raise StataError(f"{what}: unmatched parenthesis", 198)
        else:
            j = i
            while j < n and not raw[j].isspace() and raw[j] not in ',"()':
                j += 1
            word = raw[i:j]
            if j < n and raw[j] == "(":
                end = _balanced(raw, j, what)
                out.append(Tok("call", word, raw[j + 1 : end - 1].strip()))
                i = end
            else:
                out.append(Tok("word", word))
                i = j
    return out


def split_sub(raw: str, what: str = "option") -> tuple[list[Tok], list[Tok]]:
    """The tokens before the first top-level comma, and the suboption tokens after it."""
    toks = tokens(raw, what)
    for k, t in enumerate(toks):
        if t.kind == "comma":
            return toks[:k], toks[k + 1 :]
    return toks, []


def _abbrev(word: str, spec: str) -> bool:
    """Whether ``word`` spells ``spec`` with at least its capitalised letters (``POSition``)."""
    least = len(spec) - len(spec.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789")) or len(spec)
    w = word.lower()
    return len(w) >= least and spec.lower().startswith(w)


def sub_options(toks: list[Tok], specs: tuple[str, ...]) -> dict[str, str | bool]:
    """Suboptions by their full (lower-case) names: ``inner`` text for ``name(...)``, ``True``
    for a bare word. Names not in ``specs`` are kept under their own spelling (graphs accept
    and ignore the look-and-feel suboptions they do not draw)."""
    out: dict[str, str | bool] = {}
    for t in toks:
        if t.kind not in ("word", "call"):
            continue
        name = next((sp.lower() for sp in specs if _abbrev(t.text, sp)), t.text.lower())
        out[name] = t.inner if t.kind == "call" else True
    return out


def strict_sub_options(toks: list[Tok], specs: tuple[str, ...], what: str) -> dict[str, str | bool]:
    """:func:`sub_options` for options whose suboptions Stata checks (``name(g, replace)``,
    ``saving(f, replace)``): anything else is ``option foo not allowed`` (r(198))."""
    for t in toks:
        if t.kind == "comma":
            continue
        if t.kind not in ("word", "call") or not any(_abbrev(t.text, sp) for sp in specs):
            shown = t.text or t.inner or ","
            raise StataError(f"{what}: option {shown} not allowed", 198)
    return sub_options(toks, specs)


def number(word: str, what: str = "option") -> float:
    """A number as Stata writes it (``5``, ``-.5``, ``1e3``); never infinite or NaN (Stata has
    no such numbers)."""
    try:
        v = float(word)
    except ValueError:
        raise StataError(f"{what}: {word} is not a number", 198) from None
    if v != v or v in (float("inf"), float("-inf")):
        raise StataError(f"{what}: {word} is not a number", 198)
    return v


def text_option(raw: str | bool | None) -> list[str] | None:
    """The lines of ``title()``, ``note()``, ``xtitle()`` ...: quoted strings (one line each) or
    unquoted text; ``None`` when the option is absent, ``[]`` for ``title("")``."""
    if raw is None or raw is True:
        return None
    main, _ = split_sub(str(raw), "title")
    if not main:
        return []
    if all(t.kind == "str" for t in main):
        lines = [t.text for t in main]
        return [] if lines == [""] else lines
    return [str(raw).split(",", 1)[0].strip()]


# ---------------------------------------------------------------------------------------------
# axis labels ([G-3] axis_label_options)


@dataclass
class AxisLabels:
    """What ``xlabel()``/``ylabel()`` ask for.

    ``ticks`` are explicit positions (with ``texts`` for those given a label), ``count`` the
    ``#n`` request, ``minmax``/``none`` the keywords; the suboptions ``angle()``, ``grid``,
    ``nogrid``, ``valuelabel`` and ``format()`` follow.
    """

    ticks: list[float] = field(default_factory=list)
    texts: dict[float, str] = field(default_factory=dict)
    count: int | None = None
    minmax: bool = False
    none: bool = False
    angle: float | None = None
    grid: bool | None = None
    valuelabel: bool = False
    fmt: str | None = None
    add: bool = False


def _rule(first: float, step: float, last: float, what: str) -> list[float]:
    if step == 0 or (last - first) * step < 0:
        raise StataError(f"{what}: invalid numlist", 121)
    span = (last - first) / step + 1e-9
    if not span < MAX_TICKS:  # (also catches an overflowing span)
        raise StataError(
            f"{what}: invalid numlist has too many elements (at most {MAX_TICKS:,})", 123
        )
    count = int(span) + 1
    return [round(first + k * step, 12) for k in range(count)]


def axis_labels(raw: str | bool, what: str = "xlabel()") -> AxisLabels:
    """Read ``xlabel(rule_or_values [, suboptions])``: ``0(10)100``, ``0 10 25``, ``1/5``,
    ``#6``, ``minmax``, ``none``, ``10 "ten" 20 "twenty"``."""
    out = AxisLabels()
    if raw is True or not raw:
        return out
    main, sub = split_sub(str(raw), what)
    k = 0
    while k < len(main):
        t = main[k]
        if t.kind == "word" and t.text.lower() == "none":
            out.none = True
        elif t.kind == "word" and t.text.lower() == "minmax":
            out.minmax = True
        elif t.kind == "word" and t.text.startswith("#"):
            n = number(t.text[1:], what)
            if n != int(n) or not 0 <= n <= MAX_TICKS:
                raise StataError(f"{what}: {t.text} invalid; # must be an integer 0 to 1600", 198)
            out.count = int(n)
        elif t.kind == "call":
            if k + 1 >= len(main) or main[k + 1].kind != "word":
                raise StataError(f"{what}: invalid numlist", 121)
            first = number(t.text, what)
            out.ticks += _rule(first, number(t.inner, what), number(main[k + 1].text, what), what)
            k += 1
        elif t.kind == "word" and "/" in t.text.strip("/"):
            a, b = t.text.split("/", 1)
            lo, hi = number(a, what), number(b, what)
            out.ticks += _rule(lo, 1.0 if hi >= lo else -1.0, hi, what)
        elif t.kind == "word":
            out.ticks.append(number(t.text, what))
        elif t.kind == "str":
            if not out.ticks:
                raise StataError(f"{what}: label text must follow a value", 198)
            prev = out.ticks[-1]
            out.texts[prev] = (out.texts[prev] + "\n" if prev in out.texts else "") + t.text
        else:
            raise StataError(f"{what}: invalid label specifier", 198)
        if len(out.ticks) > MAX_TICKS:
            raise StataError(
                f"{what}: invalid numlist has too many elements (at most {MAX_TICKS:,})", 123
            )
        k += 1
    subs = sub_options(sub, ("ANGle", "grid", "nogrid", "VALuelabel", "Format", "add"))
    if "angle" in subs:
        a = str(subs["angle"]).lower()
        out.angle = {"horizontal": 0.0, "vertical": 90.0, "h": 0.0, "v": 90.0}.get(a)
        if out.angle is None:
            out.angle = number(a, what)
    if "grid" in subs:
        out.grid = True
    if "nogrid" in subs:
        out.grid = False
    out.valuelabel = "valuelabel" in subs or "valuelabels" in subs
    out.add = "add" in subs
    if isinstance(subs.get("format"), str):
        out.fmt = str(subs["format"])
    return out


# ---------------------------------------------------------------------------------------------
# added lines ([G-3] added_line_options)


@dataclass
class AddedLine:
    """``yline(50 60, lcolor(red) lpattern(dash) lwidth(thick))``."""

    values: list[float]
    style: dict[str, str | bool]


def added_lines(raw: str | bool, what: str = "yline()") -> AddedLine:
    main, sub = split_sub(str(raw) if raw is not True else "", what)
    values: list[float] = []
    k = 0
    while k < len(main):
        t = main[k]
        if t.kind == "call" and k + 1 < len(main) and main[k + 1].kind == "word":
            values += _rule(
                number(t.text, what), number(t.inner, what), number(main[k + 1].text, what), what
            )
            k += 2
            continue
        if t.kind != "word":
            raise StataError(f"{what}: invalid numlist", 121)
        values.append(number(t.text, what))
        k += 1
    if not values:
        raise StataError(f"{what}: invalid numlist", 121)
    style = sub_options(sub, ("LColor", "LPattern", "LWidth", "LStyle"))
    return AddedLine(values, style)


@dataclass
class AddedText:
    """``text(y x "text" ["line 2" ...] [y x "text" ...] [, textbox options])``: the pieces
    (y, x, lines) and the suboptions ``size()``, ``color()``, ``placement()``,
    ``orientation()``, ``justification()``."""

    pieces: list[tuple[float, float, list[str]]]
    style: dict[str, str | bool]


def added_texts(raw: str | bool, what: str = "text()") -> AddedText:
    """Parse one ``text()`` option ([G-3] added_text_options)."""
    main, sub = split_sub(str(raw) if raw is not True else "", what)
    pieces: list[tuple[float, float, list[str]]] = []
    k = 0
    while k < len(main):
        if k + 2 >= len(main) or main[k].kind != "word" or main[k + 1].kind != "word":
            raise StataError(f'{what}: expected y x "text"', 198)
        y, x = number(main[k].text, what), number(main[k + 1].text, what)
        k += 2
        lines = []
        while k < len(main) and main[k].kind == "str":
            lines.append(main[k].text)
            k += 1
        if not lines:
            raise StataError(f'{what}: expected y x "text"', 198)
        pieces.append((y, x, lines))
    if not pieces:
        raise StataError(f'{what}: expected y x "text"', 198)
    style = sub_options(
        sub, ("SIze", "Color", "PLACEment", "ORientation", "JUSTification", "box", "nobox")
    )
    return AddedText(pieces, style)


# ---------------------------------------------------------------------------------------------
# legends ([G-3] legend_options)


@dataclass
class Legend:
    """The legend's contents and place, merged over every ``legend()`` given."""

    show: bool | None = None
    order: list[tuple[int | None, str | None]] | None = None
    labels: dict[int, str] = field(default_factory=dict)
    rows: int | None = None
    cols: int | None = None
    position: int | None = None
    ring: int | None = None
    title: str | None = None
    #: the look ([G-3] legend_options): text size and colour, the frame and its region
    size: str | None = None
    color: str | None = None
    box: bool | None = None
    region: dict[str, str | bool] = field(default_factory=dict)

    def merge(self, raw: str | bool) -> None:
        """Add one ``legend(...)`` option's contents."""
        if raw is True or not raw:
            return
        for t in tokens(str(raw), "legend()"):
            if t.kind == "comma":
                continue
            name = t.text.lower()
            if t.kind == "word" and name in ("off", "on"):
                self.show = name == "on"
            elif t.kind == "call" and _abbrev(name, "order"):
                self.order = _legend_order(t.inner)
            elif t.kind == "call" and _abbrev(name, "LABel"):
                inner = tokens(t.inner, "legend(label())")
                if len(inner) < 2 or inner[0].kind != "word":
                    raise StataError("legend(label()): invalid syntax", 198)
                key = int(number(inner[0].text, "legend(label())"))
                self.labels[key] = "\n".join(x.text for x in inner[1:] if x.kind == "str")
            elif t.kind == "call" and _abbrev(name, "ROWs"):
                self.rows, self.cols = _count(t.inner, "legend(rows())"), None
            elif t.kind == "call" and _abbrev(name, "COLs"):
                self.cols, self.rows = _count(t.inner, "legend(cols())"), None
            elif t.kind == "call" and _abbrev(name, "POSition"):
                self.position = int(number(t.inner, "legend(position())")) % 12
                if self.show is None:
                    self.show = True
            elif t.kind == "call" and name == "ring":
                self.ring = int(number(t.inner, "legend(ring())"))
            elif t.kind == "call" and _abbrev(name, "TItle"):
                lines = text_option(t.inner)
                self.title = "\n".join(lines) if lines else None
            elif t.kind == "call" and _abbrev(name, "SIze"):
                self.size = t.inner.strip()
            elif t.kind == "call" and _abbrev(name, "COLor"):
                self.color = t.inner.strip()
            elif t.kind == "word" and name in ("box", "nobox"):
                self.box = name == "box"
            elif t.kind == "call" and _abbrev(name, "REGion"):
                self.region.update(
                    sub_options(tokens(t.inner, "legend(region())"), ("LColor", "FColor", "COLor"))
                )
            # symxsize(), stack, colfirst ... change only the look: accepted, not drawn


def _count(raw: str, what: str) -> int:
    """A positive whole number, as ``legend(rows(#))``/``legend(cols(#))`` take."""
    v = number(raw.strip(), what)
    if v != int(v) or v < 1:
        raise StataError(f"{what} must be a positive integer", 198)
    return int(v)


def _legend_order(inner: str) -> list[tuple[int | None, str | None]]:
    out: list[tuple[int | None, str | None]] = []
    for t in tokens(inner, "legend(order())"):
        if t.kind == "str":
            if not out:
                raise StataError("legend(order()): text must follow a key number or -", 198)
            key, text = out[-1]
            out[-1] = (key, t.text if text is None else text + "\n" + t.text)
        elif t.kind == "word" and t.text == "-":
            out.append((None, None))
        elif t.kind == "word":
            out.append((int(number(t.text, "legend(order())")), None))
        else:
            raise StataError("legend(order()): invalid syntax", 198)
    return out


def legend(raws: list[str | bool]) -> Legend:
    """The legend options merged in order ([G-4] Concept: repeated options, merged-implicit)."""
    out = Legend()
    for r in raws:
        out.merge(r)
    return out


# ---------------------------------------------------------------------------------------------
# by(), name(), saving()


@dataclass
class ByOption:
    """``by(varlist [, total missing cols(#) rows(#) note() title() legend() ...])``."""

    varnames: list[str]
    total: bool = False
    missing: bool = False
    cols: int | None = None
    rows: int | None = None
    subs: dict[str, str | bool] = field(default_factory=dict)


def by_option(raw: str | bool) -> ByOption:
    main, sub = split_sub("" if raw is True else str(raw), "by()")
    names = [t.text for t in main if t.kind == "word"]
    if not names or len(names) != len(main):
        raise StataError("by(): varlist required", 100)
    subs = sub_options(
        sub,
        ("TOTal", "MISSing", "COLs", "ROWs", "note", "TItle", "SUBtitle", "CAPtion", "LEGend"),
    )
    out = ByOption(names, total="total" in subs, missing="missing" in subs, subs=subs)
    if isinstance(subs.get("cols"), str):
        out.cols = int(number(str(subs["cols"]), "by(cols())"))
    if isinstance(subs.get("rows"), str):
        out.rows = int(number(str(subs["rows"]), "by(rows())"))
    for k in ("cols", "rows"):
        v = getattr(out, k)
        if v is not None and v < 1:
            raise StataError(f"by({k}()) must be a positive integer", 198)
    return out


_GRAPH_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")


def name_option(raw: str | bool | None) -> tuple[str, bool]:
    """``name(name [, replace])`` as (name, replace); ``Graph`` when the option is absent
    ([G-3] name_option). ``name()`` without a name and suboptions other than ``replace`` are
    r(198)."""
    if raw is None:
        return "Graph", True
    if raw is True or not str(raw).strip():
        raise StataError("option name() incorrectly specified: graph name required", 198)
    main, sub = split_sub(str(raw), "name()")
    if not main:
        raise StataError("option name() incorrectly specified: graph name required", 198)
    if len(main) != 1 or main[0].kind != "word" or not _GRAPH_NAME.fullmatch(main[0].text):
        text = str(raw).split(",", 1)[0].strip()
        raise StataError(f"{text} invalid name", 198)
    replace = "replace" in strict_sub_options(sub, ("replace",), "name()")
    return main[0].text, replace or main[0].text == "Graph"


def saving_option(raw: str | bool) -> tuple[str, bool]:
    """``saving(filename [, replace])`` as (filename, replace) ([G-3] saving_option);
    r(198) without a file name or with suboptions other than ``replace``."""
    main, sub = split_sub("" if raw is True else str(raw), "saving()")
    if len(main) != 1 or main[0].kind not in ("word", "str") or not main[0].text.strip():
        raise StataError("option saving() incorrectly specified: filename required", 198)
    return main[0].text, "replace" in strict_sub_options(sub, ("replace",), "saving()")
