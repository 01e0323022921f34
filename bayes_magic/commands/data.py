"""Data management: use, save, clear, drop/keep, sort, rename, set, preserve/restore, count,
display, assert, format, do/run ([D] use, [D] save, [D] drop, [D] sort, [D] rename, [R] set,
[D] count, [P] display, [D] assert, [D] format, [R] do)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..dataset import io
from ..dataset.dataset import Dataset
from ..dataset.evaluate import evaluate, truth
from ..dataset.varnames import check_new_name, expand_terms, resolve
from ..errors import StataError
from ..report.format import check_format, fmt_g, fmt_number, pad_text
from ..report.output import Output, Text
from ..syntax.ast import Call, Command, Expr, ExprBody, Name, Str, Varlist, Words
from ..syntax.lexer import tokenize
from ..syntax.stream import TokenStream
from ..syntax.varlist import parse_varlist
from .registry import command

__all__ = ["plural", "refuse_options"]


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def refuse_options(cmd: Command, names: tuple[str, ...]) -> None:
    """Refuse the options of ``names`` that ``cmd`` was given: they parse (Stata has them) but
    this version cannot honour them, and an option is never silently ignored.

    Raises
    ------
    StataError
        ``option X is not available in bayes_magic yet`` (r(198)).
    """
    for o in cmd.options:
        if o.name in names:
            raise StataError(
                f"option {o.name} is not available in bayes_magic yet", 198, span=o.span
            )


# ---------------------------------------------------------------------------------------------
# use / sysuse / webuse / save / clear


def _check_clear(s, cmd: Command) -> None:
    if s.data.changed and not cmd.has("clear"):
        raise StataError("no; dataset in memory has changed since last saved", 4)


def _finish_load(s, cmd: Command, ds: Dataset, notes: list[str] | None = None) -> list[Output]:
    s.data = ds
    if cmd.using is not None:
        body = cmd.body
        if isinstance(body, Varlist) and body.terms:
            keep = expand_terms(ds, body.terms)
            ds.drop_vars([v for v in ds.varnames if v not in keep])
    if cmd.if_ is not None or cmd.in_ is not None:
        mask = s.touse(cmd)
        ds.keep_rows(mask)
    ds.changed = False
    outs = [Text(note) for note in notes or ()]
    return outs + ([Text(f"({ds.label})")] if ds.label else [])


def load(s, name: str, *, nolabel: bool = False, notes: list[str] | None = None) -> Dataset:
    """A notebook DataFrame by name, a file, or a bundled data set, in that order.

    ``notes`` receives what to tell the user (columns renamed to valid names).

    Raises
    ------
    StataError
        ``file x not found`` (r(601)); ``x is not a DataFrame`` (r(198)) when ``x`` names
        another kind of object in the namespace and no file.
    """
    obj = s.namespace.get(name) if name.isidentifier() else None
    if isinstance(obj, pd.DataFrame):
        ds = Dataset.from_dataframe(obj, notes=notes)
        ds.filename = None
        return ds
    path = io.resolve_path(name)
    if path.exists():
        return io.read(path, nolabel=nolabel, notes=notes)
    if len(path.parts) == 1 and path.suffix == ".dta" and path.stem in io.bundled_names():
        ds = io.load_bundled(path.stem)
        if nolabel:
            ds.value_labels = {}
            for i in ds.info.values():
                i.vlabel = ""
        return ds
    if obj is not None:
        raise StataError(f"{name} is not a DataFrame", 198)
    if s.namespace and name.isidentifier():  # in a notebook: the name may mean a DataFrame
        raise StataError(
            f"file {path} not found\n(no DataFrame named {name} in the notebook either)", 601
        )
    raise StataError(f"file {path} not found", 601)


@command("use")
def use(s, cmd: Command) -> list[Output]:
    _check_clear(s, cmd)
    name = (
        cmd.using
        if cmd.using is not None
        else (cmd.body.words[0] if isinstance(cmd.body, Words) and cmd.body.words else None)
    )
    if name is None:
        raise StataError("invalid file specification", 198)
    notes: list[str] = []
    ds = load(s, name, nolabel=cmd.has("nolabel"), notes=notes)
    return _finish_load(s, cmd, ds, notes)


@command("sysuse")
@command("webuse")
def sysuse(s, cmd: Command) -> list[Output]:
    words = cmd.body.words if isinstance(cmd.body, Words) else ()
    names = io.bundled_names()
    if not words or words[0] == "dir":
        # in columns, across then down, within the line width (as sysuse dir lists them)
        files = [f"{n}.dta" for n in names]
        w = max(len(f) for f in files) + 2
        per = max(1, (s.settings.linesize - 2) // w)
        rows = [files[k : k + per] for k in range(0, len(files), per)]
        text = "\n".join("  " + "".join(f"{f:<{w}}" for f in row).rstrip() for row in rows)
        return [Text(text, kind="result")]
    _check_clear(s, cmd)
    name = words[0].removesuffix(".dta")
    if name not in names:
        raise StataError(
            f'file "{name}.dta" not found\n(sysuse dir lists the data sets bundled with '
            "bayes_magic)",
            601,
        )
    ds = io.load_bundled(name)
    return _finish_load(s, cmd, ds)


@command("save")
def save(s, cmd: Command) -> list[Output]:
    # .dta is always written in format 118, with the value labels variables use
    refuse_options(cmd, ("all", "version"))
    words = cmd.body.words if isinstance(cmd.body, Words) else ()
    target = words[0] if words else s.data.filename
    if not target:
        raise StataError("invalid file specification", 198)
    path = io.resolve_path(target)
    outs: list[Output] = []
    if path.exists() and not cmd.has("replace"):
        raise StataError(f"file {path} already exists", 602)
    if not path.exists() and cmd.has("replace"):
        outs.append(Text(f"(file {path} not found)"))
    if s.data.nvars == 0 and not cmd.has("emptyok"):
        raise StataError("no variables defined", 111)
    if not path.parent.exists():
        raise StataError(f"file {path} could not be opened", 603)
    io.write(s.data, path, nolabel=cmd.has("nolabel"), orphans=cmd.has("orphans"))
    s.data.filename = str(path)
    s.data.changed = False
    s.data.timestamp = io.stamp()
    # another extension is still a Stata file, which Stata says
    as_dta = (
        " as .dta format" if path.suffix.lower() not in (".dta", ".csv", ".parquet", ".pq") else ""
    )
    outs.append(Text(f"file {path} saved{as_dta}"))
    return outs


@command("clear")
def clear(s, cmd: Command) -> list[Output]:
    words = cmd.body.words if isinstance(cmd.body, Words) else ()
    what = words[0] if words else ""
    if what not in (
        "",
        "all",
        "*",
        "results",
        "matrix",
        "mata",
        "programs",
        "ado",
        "rngstream",
        "frames",
        "estimates",
    ):
        raise StataError(f"{what} invalid", 198)
    if what in ("", "all", "*", "frames"):
        s.data = Dataset()
    if what in ("all", "*", "results", "estimates"):
        s.e = None
        s.r = {}
        if what != "results":
            s.estimates = {}
    if what in ("all", "*"):
        s.graphs = {}
        s.preserved = None
    return []


# ---------------------------------------------------------------------------------------------
# drop / keep


def _drop_keep(s, cmd: Command, keep: bool) -> list[Output]:
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    if terms and (cmd.if_ is not None or cmd.in_ is not None):
        raise StataError("invalid syntax", 198)
    if terms:
        names = expand_terms(s.data, terms)
        if keep:
            drop = [v for v in s.data.varnames if v not in names]
        else:
            drop = names
        if len(drop) == s.data.nvars:
            s.data = Dataset()
        else:
            s.data.drop_vars(drop)
        return []
    if cmd.if_ is None and cmd.in_ is None:
        raise StataError("varlist required", 100)
    mask = s.touse(cmd)
    # with "if", the condition is evaluated as true where missing (Stata's truth)
    n = s.data.keep_rows(mask if keep else ~mask)
    return [Text(f"({plural(n, 'observation')} deleted)")]


@command("expand")
def expand(s, cmd: Command) -> list[Output]:
    """``expand [=]exp [if] [in] [, generate(newvar)]`` ([D] expand): each observation becomes
    ``exp`` copies of itself (rounded down; below 1 or missing, it is kept once), the new ones
    appended at the end of the data."""
    body = cmd.body
    assert isinstance(body, ExprBody)
    gen = cmd.option("generate")
    if gen is not None:
        check_new_name(s.data, gen)
    mask = s.touse(cmd)
    rows = np.flatnonzero(mask)
    v = evaluate(body.expr, s.context(rows))
    if v.dtype == object:
        raise StataError("type mismatch", 109)
    times = np.where(np.isnan(v) | (v < 1), 1, np.floor(v)).astype(np.int64)
    copies = np.repeat(rows, times - 1)
    if len(copies) > 2_000_000_000:
        raise StataError("expand would create too many observations", 459)
    n0 = s.data.nobs
    s.data.append_copies(copies)
    if gen is not None:
        flag = np.zeros(s.data.nobs)
        flag[n0:] = 1
        s.data.set_values(gen, flag, "byte")
    return [Text(f"({plural(len(copies), 'observation')} created)")]


@command("drop", byable="data")
def drop(s, cmd: Command) -> list[Output]:
    return _drop_keep(s, cmd, keep=False)


@command("keep", byable="data")
def keep(s, cmd: Command) -> list[Output]:
    return _drop_keep(s, cmd, keep=True)


# ---------------------------------------------------------------------------------------------
# sort / gsort / rename


@command("sort")
def sort(s, cmd: Command) -> list[Output]:
    assert isinstance(cmd.body, Varlist)
    names = expand_terms(s.data, cmd.body.terms)
    if cmd.in_ is not None:
        # only the observations in range are sorted among themselves
        idx = np.flatnonzero(s.in_mask(cmd))
        order = np.arange(s.data.nobs)
        order[idx] = s.data.sort_order(names, rows=idx)
        s.data.reorder(order)
        s.data.sortedby = ()
        return []
    s.data.sort(names)
    return []


@command("gsort")
def gsort(s, cmd: Command) -> list[Output]:
    assert isinstance(cmd.body, Words)
    names, desc = [], []
    for w in cmd.body.words:
        d = w.startswith("-")
        name = w.lstrip("+-")
        if not name:
            raise StataError(f"{w} invalid name", 198)
        names.append(resolve(s.data, name))
        desc.append(d)
    s.data.sort(names, descending=desc, mfirst=cmd.has("mfirst"))
    gen = cmd.option("generate")
    if gen:
        check_new_name(s.data, gen)
        ds = s.data
        from ..session import group_bounds

        g = group_bounds(ds, names)
        s.data.set_values(gen, (g.ids + 1).astype(np.float64), "long")
        s.data.sortedby = (gen,)  # gsort.ado sorts by the new numbering last
    return []


@command("rename")
def rename(s, cmd: Command) -> list[Output]:
    """``rename old new``, ``rename (a b) (c d)``, wildcards (``rename s* s_*``, ``rename x#
    y#``, ``rename * *_old``) and ``rename varlist, upper|lower|proper`` ([D] rename group);
    ``dryrun`` lists the changes without making them."""
    assert isinstance(cmd.body, Words)
    words = list(cmd.body.words)
    refuse_options(cmd, ("addnumber", "renumber", "r"))
    case = [o for o in ("upper", "lower", "proper") if cmd.has(o)]
    if len(case) > 1:
        raise StataError(f"options {case[0]} and {case[1]} may not be combined", 198)
    if "=>" in words:
        k = words.index("=>")
        olds_t, news_t = words[:k], words[k + 1 :]
    elif len(words) == 2:
        olds_t, news_t = [words[0]], [words[1]]
    else:
        olds_t, news_t = words, []
    if case:
        if news_t:
            raise StataError(f"option {case[0]} may not be combined with new names", 198)
        pairs = _case_pairs(s, olds_t, case[0])
    elif not news_t:
        raise StataError("too few variables specified", 102)
    else:
        pairs = []
        for old, new in zip(olds_t, news_t):
            pairs += _wildcard_pairs(s, old, new)
    pairs = [(a, b) for a, b in pairs if a != b]
    olds = [a for a, _ in pairs]
    if len(set(olds)) != len(olds):
        raise StataError("a variable is renamed twice", 198)
    news = [b for _, b in pairs]
    if len(set(news)) != len(news):
        dup = next(n for n in news if news.count(n) > 1)
        raise StataError(f"{dup} would be the new name of two variables", 198)
    for new in news:
        if new not in olds:
            check_new_name(s.data, new)
    if cmd.has("dryrun"):
        lines = ["  oldname" + " " * 26 + "newname", "  " + "-" * 33 + " " + "-" * 32]
        lines += [f"  {a:<33} {b}" for a, b in pairs]
        return [Text("\n".join(lines), kind="result")]
    # two steps so that (a b) (b a) swaps
    tmp = {old: f"__bm_tmp_{k}" for k, old in enumerate(olds)}
    for old, t in tmp.items():
        s.data.rename(old, t)
    for old, new in pairs:
        s.data.rename(tmp[old], new)
    return []


def _case_pairs(s, olds: list[str], case: str) -> list[tuple[str, str]]:
    from ..dataset.varnames import expand

    names: list[str] = []
    for w in olds:
        names += [n for n in expand(s.data, w) if n not in names]
    f = {"upper": str.upper, "lower": str.lower, "proper": str.capitalize}[case]
    return [(n, f(n)) for n in names]


_WILD = re.compile(r"[*?#]")


def _wildcard_pairs(s, old: str, new: str) -> list[tuple[str, str]]:
    """The renames one old/new pattern pair stands for: ``*`` any characters, ``?`` one, ``#``
    digits, taken over in order into the new name."""
    if not _WILD.search(old):
        return [(resolve(s.data, old), new)]
    rx = "".join(
        "(.*)" if c == "*" else "(.)" if c == "?" else "([0-9]+)" if c == "#" else re.escape(c)
        for c in old
    )
    wild_new = _WILD.findall(new)
    n_old = len(_WILD.findall(old))
    if wild_new and len(wild_new) != n_old:
        raise StataError(f"{old} {new}: the new name has a different number of wildcards", 198)
    out = []
    for name in s.data.varnames:
        m = re.fullmatch(rx, name)
        if m is None:
            continue
        parts = iter(m.groups())
        target = "".join(next(parts) if c in "*?#" else c for c in new)
        out.append((name, target))
    if not out:
        raise StataError(f"variable {old} not found", 111)
    return out


# ---------------------------------------------------------------------------------------------
# set / preserve / restore


@command("set")
def set_(s, cmd: Command) -> list[Output]:
    assert isinstance(cmd.body, Words)
    words = list(cmd.body.words)
    key = words[0]
    args = words[1:]

    def one_int(lo: int, hi: int) -> int:
        if len(args) != 1 or not args[0].lstrip("-").isdigit():
            raise StataError(f"set {key}: invalid value", 198)
        v = int(args[0])
        if not lo <= v <= hi:
            raise StataError(f"{key} must be between {lo} and {hi}", 198)
        return v

    if len(key) >= 2 and "seed".startswith(key):
        s.set_seed(one_int(0, 2**31 - 1))
        return []
    if key == "rng":
        # [R] set rng: Stata 14+ chooses among its generators; bayes_magic has one (numpy's
        # PCG64, seeded by `set seed`), which `default` names; Stata's others are refused rather
        # than pretended
        if args == ["default"]:
            return []
        if len(args) == 1 and args[0] in ("mt64", "mt64s", "kiss32"):
            raise StataError(
                f"set rng {args[0]} is not available: bayes_magic has one random-number "
                "generator (set rng default)",
                198,
            )
        raise StataError(f"{' '.join(args) or 'nothing'} invalid; default expected", 198)
    if len(key) >= 2 and "type".startswith(key):
        if args not in (["float"], ["double"]):
            raise StataError(
                f"{' '.join(args) or 'nothing'} invalid; float or double expected", 198
            )
        s.settings.type = args[0]
        return []
    if key == "obs":
        n = one_int(0, 2**31 - 1)
        old = s.data.nobs
        if n < old:
            raise StataError(f"observations must be >= {old}", 198)
        s.data.extend(n)
        return [Text(f"Number of observations (_N) was {old:,}, now {n:,}.")]
    if len(key) >= 4 and "linesize".startswith(key):
        s.settings.linesize = one_int(40, 255)
        return []
    if key == "varabbrev":
        if args not in (["on"], ["off"]):
            raise StataError(f"{' '.join(args) or 'nothing'} invalid; on or off expected", 198)
        s.settings.varabbrev = s.data.varabbrev = args == ["on"]
        return []
    if key == "scheme":
        from .graph_style import check_scheme

        if len(args) < 1:
            raise StataError("set scheme: scheme name required", 198)
        s.settings.scheme = check_scheme(args[0])
        return []
    if key in (
        "more",
        "rmsg",
        "output",
        "trace",
        "graphics",
        "matsize",
        "maxvar",
        "niceness",
        "processors",
        "update_query",
    ):
        return []  # settings that change nothing this version shows
    if key in ("emptycells", "showbaselevels", "cformat", "pformat", "sformat", "level", "dp"):
        # they change results or their layout: refused rather than silently ignored
        hint = "; give level() to the command" if key == "level" else ""
        raise StataError(f"set {key} is not available in bayes_magic yet{hint}", 198)
    raise StataError(f"set {key} not allowed", 198)


@command("preserve")
def preserve(s, cmd: Command) -> list[Output]:
    if s.preserved is not None:
        raise StataError("already preserved", 621)
    s.preserved = s.data.copy()
    return []


@command("restore")
def restore(s, cmd: Command) -> list[Output]:
    """``restore [, not preserve]`` ([P] preserve); the options also as words."""
    words = cmd.body.words if isinstance(cmd.body, Words) else ()
    if cmd.has("not") and cmd.has("preserve"):
        raise StataError("options not and preserve may not be combined", 198)
    if cmd.has("not") or cmd.has("preserve"):
        words = ("not",) if cmd.has("not") else ("preserve",)
    if s.preserved is None:
        raise StataError("nothing to restore", 622)
    if words and words[0] == "not":
        s.preserved = None
        return []
    if words and words[0] != "preserve":
        raise StataError(f"{words[0]} invalid", 198)
    s.data = s.preserved
    if not words:
        s.preserved = None
    else:
        s.preserved = s.data.copy()
    return []


# ---------------------------------------------------------------------------------------------
# count / display / assert


@command("count", byable="repeat", readonly=True)
def count(s, cmd: Command) -> list[Output]:
    n = int(s.touse(cmd).sum())
    s.r = {"N": n}
    return [Text(f"  {n:,}")]


@command("display", readonly=True)
def display(s, cmd: Command) -> list[Output]:
    """``display`` ([P] display): strings and expressions, each expression in the ``%fmt`` just
    before it (else ``%10.0g``-like), ``as style`` (accepted; styles are not coloured in text),
    ``_n[(#)]``, ``_col(#)``, ``_skip(#)``, ``_dup(#) "text"``, ``_char(#)``."""
    e = getattr(cmd.body, "expr", None)
    if e is None:
        return [Text("")]
    assert isinstance(e, Call)
    ctx = s.context(np.array([0])) if s.data.nobs else scalar_context(s)
    parts: list[str] = []
    items = list(e.args)
    fmt = None
    dup = 1
    cont = False
    while items:
        item = items.pop(0)
        if isinstance(item, Name) and _directive_name(item.name) == "_continue":
            cont = True
        elif isinstance(item, Name) and item.name == "as":
            items.pop(0)  # the style: results are shown as plain text
        elif isinstance(item, Name) and item.name.startswith("%"):
            fmt = check_format(item.name, span=item.span)
        elif (text := _directive(item, ctx, parts)) is not None:
            if isinstance(item, Call) and _directive_name(item.func) == "_dup":
                dup = int(text)
            else:
                parts.append(text)
        else:
            text = _display_value(item, ctx, fmt)
            if fmt is None and (isinstance(item, Str) or "{" in text):
                from ..report.smcl import render  # {hline}, {col #}, {bf:...} ([P] smcl)

                col = len("".join(parts).split("\n")[-1])
                text = render(text, col, s.settings.linesize)
            parts.append(text * dup)
            fmt, dup = None, 1
    return [Text("".join(parts), cont=cont)]


#: display's directives and their shortest abbreviations ([P] display)
_DIRECTIVES = {"_skip": 2, "_column": 4, "_newline": 2, "_continue": 2, "_dup": 2, "_char": 5}


def _directive_name(name: str) -> str | None:
    """The directive ``name`` abbreviates (``_c`` is ``_continue``), None for other names."""
    return next((d for d, k in _DIRECTIVES.items() if len(name) >= k and d.startswith(name)), None)


def _directive(item: Expr, ctx, parts: list[str]) -> str | None:
    """The text of a display directive (``_dup(#)`` gives its count), None for a value."""
    if isinstance(item, Name):
        return "\n" if _directive_name(item.name) == "_newline" else None
    name = _directive_name(item.func) if isinstance(item, Call) else None
    if name is None or not item.args:
        return None
    k = evaluate(item.args[0], ctx)
    if k.dtype == object or len(item.args) != 1 or np.isnan(k[0]):
        raise StataError("invalid syntax", 198, span=item.span)
    k = int(k[0])
    if name == "_newline":
        return "\n" * k
    if name == "_column":
        current = len("".join(parts).split("\n")[-1])
        return " " * max(0, k - 1 - current)
    if name == "_skip":
        return " " * k
    return chr(k) if name == "_char" else str(k)


def _display_value(item: Expr, ctx, fmt) -> str:
    """A string or the value of an expression, in ``fmt`` when given (padded to its width)."""
    if isinstance(item, Str):
        v = np.array([item.value], dtype=object)
    else:
        v = evaluate(item, ctx)
    x = v[0] if len(v) else np.nan
    if fmt is None:
        return x if isinstance(x, str) else fmt_g(float(x), 10)
    if isinstance(x, str) != (fmt.kind == "s"):
        raise StataError("type mismatch", 109, span=getattr(item, "span", None))
    return pad_text(x, fmt) if isinstance(x, str) else fmt_number(float(x), fmt, pad=True)


def scalar_context(s):
    """A one-observation context for expressions of scalars (``display``, ``nlcom``)."""
    from ..dataset.evaluate import Context

    return Context(Dataset(pd.DataFrame(index=pd.RangeIndex(1))), None, None, s.lookup, s.rng)


@command("assert", byable="data", readonly=True)
def assert_(s, cmd: Command) -> list[Output]:
    mask = np.ones(s.data.nobs, dtype=bool) if cmd.in_ is None else s.in_mask(cmd)
    if cmd.if_ is not None:
        mask &= truth(evaluate(cmd.if_, s.context()))
    e = getattr(cmd.body, "expr", None)
    ok = truth(evaluate(e, s.context()))
    bad = int((mask & ~ok).sum())
    if bad:
        raise StataError(
            f"{plural(bad, 'contradiction')} in {plural(int(mask.sum()), 'observation')}\n"
            "assertion is false",
            9,
        )
    return []


@command("format")
def format_(s, cmd: Command) -> list[Output]:
    """``format varlist %fmt`` or ``format %fmt varlist``: set display formats ([D] format).

    Raises
    ------
    StataError
        ``invalid %format`` (r(120)) for a format Stata refuses or one of the wrong kind for a
        variable (a string format for a number, a numeric one for a string).
    """
    assert isinstance(cmd.body, Words)
    words, spans = list(cmd.body.words), list(cmd.body.spans)
    at = [k for k, w in enumerate(words) if w.startswith("%")]
    if not at:
        raise StataError(
            "format without a %fmt (listing formats) is not available in bayes_magic yet; "
            "describe shows them",
            198,
        )
    k = at[0]
    if len(at) > 1 or k not in (0, len(words) - 1) or len(words) < 2:
        raise StataError("invalid syntax", 198, span=spans[at[-1]])
    span = spans[k]
    f = check_format(words[k], span=span)
    # the varlist's tokens, spans kept pointing into the command line
    toks = [
        t
        for j, (w, sp) in enumerate(zip(words, spans))
        if j != k
        for t in tokenize(w, sp.start)[:-1]
    ]
    names = expand_terms(s.data, parse_varlist(TokenStream(cmd.text, toks), factor=False))
    for v in names:
        if f.center or (f.kind == "s") != s.data.is_string(v):
            raise StataError("invalid %format", 120, span=span)
    for v in names:
        s.data.info[v].format = words[k]
    s.data.changed = True
    return []


# ---------------------------------------------------------------------------------------------
# version / do / run / help / search


@command("version", readonly=True)
def version(s, cmd: Command) -> list[Output]:
    return []


def _run_file(s, cmd: Command, echo: bool) -> list[Output]:
    from pathlib import Path

    assert isinstance(cmd.body, Words)
    name = cmd.body.words[0]
    path = Path(name)
    if not path.suffix:
        path = path.with_suffix(".do")
    if not path.exists():
        raise StataError(f"file {path} not found", 601)
    # the file's own local macros ([P] macro: a do-file is a scope); run shows nothing
    from .temps import pop_scope, push_scope

    saved_locals, sink, outer = s.locals, s.sink, s.preserved
    s.locals = {}
    s.preserved = None  # the file's own preserve ([P] preserve: restored when it ends)
    if not echo:
        s.sink = None
    elif s.quiet and sink is not None:  # quietly do: only what noisily shows, as it runs
        s.sink = lambda o: sink(o) if getattr(o, "noisy", False) else None
    push_scope(s)  # its tempvars and tempfiles go when it ends
    try:
        res = s.execute(path.read_text(), echo=echo, stop=not cmd.has("nostop"))
    finally:
        if s.preserved is not None:  # preserved and not restored: the data come back
            s.data = s.preserved
        s.locals, s.sink, s.preserved = saved_locals, sink, outer
        pop_scope(s)
    outs = [o for o in res if not getattr(o, "final", False)]  # the error is raised below
    if echo:
        outs.append(Text("end of do-file", kind="result"))
    if res.error is not None and not cmd.has("nostop"):
        # the commands before the error keep their effects, as in Stata
        err = res.error
        raise StataError(
            err.message, err.rc, span=err.span, source=err.source, outputs=outs, keep_state=True
        )
    return outs


@command("exit")
def exit_(s, cmd: Command) -> list[Output]:
    """``exit [#] [, clear STATA]`` ([P] exit): ``exit`` ends the cell or do-file without an
    error (a notebook cannot leave Stata; the options are accepted); ``exit #`` ends it with
    return code # (which ``capture`` catches)."""
    from ..errors import ExitError

    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    text = " ".join(words)
    head, _, opts = text.partition(",")
    for word in opts.split():
        if word.lower() not in ("clear", "stata"):
            raise StataError(f"option {word} not allowed", 198)
    if head.strip():
        from .macros import evaluate_text

        try:
            rc = int(float(evaluate_text(s, head.strip())))
        except (StataError, ValueError, TypeError):
            raise StataError(f"'{head.strip()}' found where integer expected", 7) from None
        if rc:
            raise StataError("", rc)
    raise ExitError


#: the messages ``error #`` shows with the common return codes ([P] error; [U] 8)
_ERROR_MESSAGES = {
    1: "--Break--",
    3: "no dataset in use",
    9: "assertion is false",
    100: "varlist required",
    101: "varlist not allowed",
    102: "too few variables specified",
    103: "too many variables specified",
    109: "type mismatch",
    110: "already defined",
    133: "unknown function",
    198: "invalid syntax",
    199: "unrecognized command",
    301: "last estimates not found",
    459: "something that should be true of your data is not",
    601: "file not found",
    2000: "no observations",
    2001: "insufficient observations",
}


@command("error")
def error_(s, cmd: Command) -> list[Output]:
    """``error exp`` ([P] error): fail with return code exp and its standard message (none
    for codes without one); ``error 0`` does nothing."""
    from .macros import evaluate_text

    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    text = " ".join(words).strip()
    if not text:
        raise StataError("invalid syntax", 198)
    try:
        rc = int(float(evaluate_text(s, text)))
    except (StataError, ValueError, TypeError):
        raise StataError(f"'{text}' found where integer expected", 7) from None
    if rc < 0:
        raise StataError(f"{rc}: a return code is 0 or more", 198)
    if rc:
        raise StataError(_ERROR_MESSAGES.get(rc, ""), rc)
    return []


@command("program")
def program_(s, cmd: Command) -> list[Output]:
    """``program drop|dir|list`` ([P] program) with no programs defined: ``drop _all``,
    ``dir`` and ``list`` have nothing to do, ``drop name`` finds no program; defining one is
    not available yet (a ``program define`` block is skipped to its ``end`` before this)."""
    words = " ".join(cmd.body.words).split() if isinstance(cmd.body, Words) else []
    head = words[0].lower() if words else ""
    if head == "drop":
        names = [w for w in words[1:] if w != "_all"]
        if names:
            raise StataError(f"program {names[0]} not found", 111)
        return []
    if head in ("dir", "di", "l", "li", "lis", "list"):
        return []
    raise StataError(
        "program is not available in this version of bayes_magic yet (ado programs; loops, "
        "macros and do-files run)",
        199,
    )


@command("do")
def do(s, cmd: Command) -> list[Output]:
    return _run_file(s, cmd, echo=True)


@command("run")
def run(s, cmd: Command) -> list[Output]:
    _run_file(s, cmd, echo=False)
    return []


@command("help", readonly=True)
@command("search", readonly=True)
def help_(s, cmd: Command) -> list[Output]:
    from .help import help_text

    words = cmd.body.words if isinstance(cmd.body, Words) else ()
    return [Text(help_text(" ".join(words)), kind="result")]
