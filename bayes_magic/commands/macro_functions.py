"""Macro extended functions ([P] macro, Macro extended functions; [P] macro lists), for
``local name : function ...`` and the inline `` `:function ...' ``.

* about text: ``word count text``, ``word # of text``, ``length|strlen|ustrlen local|global
  name``, ``subinstr local|global name "from" "to" [, all word count(local|global name)]``,
  ``display [%fmt] exp``;
* about variables: ``variable label var``, ``value label var``, ``type var``, ``format var``,
  ``label lblname|(var) # [maxlength] [, strict]``;
* about matrices: ``rownames``, ``colnames``, ``rowfullnames``, ``colfullnames``, ``roweq``,
  ``coleq`` of a matrix (``A``, ``e(b)``, ``r(table)``);
* macro lists (their operands are local macros' names): ``list uniq|dups|sort|retokenize|clean
  A``, ``list sizeof A``, ``list posof "word" in A``, ``list A | B``, ``A & B``, ``A - B``,
  ``A == B``, ``A === B``, ``A in B``.
"""

from __future__ import annotations

import re

from ..errors import StataError

__all__ = ["extended_function"]

_DISPLAY = ("di", "dis", "disp", "displ", "displa", "display")


def extended_function(s, text: str) -> str:
    """The value of the extended function ``text``.

    Raises
    ------
    StataError
        r(198) for a function that is not known or is written wrongly; r(111) for a variable or
        matrix that does not exist.
    """
    from .macros import evaluate_text, split_words

    words = text.split()
    low = [w.lower() for w in words]
    if low[:2] == ["word", "count"]:
        return str(len(split_words(text.split(None, 2)[2] if len(words) > 2 else "")))
    if len(low) >= 3 and low[0] == "word" and low[2] == "of":
        k = int(evaluate_text(s, words[1]))
        items = split_words(text.split(None, 3)[3] if len(words) > 3 else "")
        return items[k - 1] if 1 <= k <= len(items) else ""
    if low and low[0] in _DISPLAY:
        return _display(s, text.split(None, 1)[1] if len(words) > 1 else "")
    if low[:1] in (["length"], ["strlen"], ["ustrlen"]) and len(low) == 3:
        value = _macro(s, low[1], words[2])
        return str(len(value) if low[0] == "ustrlen" else len(value.encode("utf-8")))
    if low[:1] == ["subinstr"]:
        return _subinstr(s, text.split(None, 1)[1] if len(words) > 1 else "")
    if low[:1] in (["variable"], ["var"]) and len(low) == 3 and low[1] in ("label", "l", "lab"):
        return _var(s, words[2]).label
    if low[:2] == ["value", "label"] and len(low) == 3:
        return _var(s, words[2]).vlabel or ""
    if low[:1] == ["type"] and len(low) == 2:
        return str(_var(s, words[1]).type)
    if low[:1] == ["format"] and len(low) == 2:
        return str(_var(s, words[1]).format)
    if low[:1] in (["label"], ["lab"], ["labe"]) and len(words) >= 3:
        return _label(s, text.split(None, 1)[1])
    if low and low[0] in _MATRIX_NAMES and len(words) == 2:
        return _matrix_names(s, low[0], words[1])
    if low[:1] == ["list"]:
        return _list(s, text.split(None, 1)[1] if len(words) > 1 else "")
    raise StataError(
        f"extended macro function {' '.join(words[:2]) or '(none)'} is not available in "
        "bayes_magic yet",
        198,
    )


def _display(s, rest: str) -> str:
    from ..report.format import check_format, fmt_g, fmt_number
    from .macros import evaluate_text

    fmt = None
    if rest.startswith("%"):
        fmt_text, _, rest = rest.partition(" ")
        fmt = check_format(fmt_text)
    v = evaluate_text(s, rest)
    if isinstance(v, str):
        return v
    if fmt is None:
        return fmt_g(float(v), 10).strip()
    return fmt_number(float(v), fmt, pad=True)  # as display shows it


def _macro(s, kind: str, name: str) -> str:
    if kind not in ("local", "global"):
        raise StataError(f"{kind} invalid: local or global expected", 198)
    return (s.locals if kind == "local" else s.globals).get(name, "")


def _quoted(text: str) -> tuple[str, str]:
    """The first quoted string of ``text`` (``"..."`` or `` `"..."' ``) and what follows."""
    m = re.match(r'\s*(?:`"(.*?)"\'|"([^"]*)")(.*)', text, flags=re.S)
    if m is None:
        raise StataError("quoted string expected", 198)
    return (m.group(1) if m.group(1) is not None else m.group(2)), m.group(3)


def _subinstr(s, rest: str) -> str:
    """``subinstr local|global name "from" "to" [, all word count(local|global name)]``: the
    first occurrence replaced unless ``all``; with ``word`` only whole words."""
    m = re.match(r"\s*(\w+)\s+(\w+)(.*)", rest, flags=re.S)
    if m is None:
        raise StataError("invalid syntax", 198)
    value = _macro(s, m.group(1).lower(), m.group(2))
    old, tail = _quoted(m.group(3))
    new, tail = _quoted(tail)
    opts = tail.strip()
    if opts and not opts.startswith(","):
        raise StataError(f"{opts.split()[0]} invalid", 198)
    opts = opts[1:]
    every = bool(re.search(r"\ball\b", opts))
    word = bool(re.search(r"\bw(?:o|or|ord)?\b", opts))
    count = re.search(r"\bc(?:o|ou|oun|ount)?\(\s*(local|global)\s+(\w+)\s*\)", opts)
    leftover = re.sub(r"\ball\b|\bw(?:o|or|ord)?\b", "", opts)
    leftover = leftover.replace(count.group(0), "") if count else leftover
    if leftover.strip():
        raise StataError(f"option {leftover.split()[0]} not allowed", 198)
    if not old:
        out, n = value, 0
    else:
        pat = (r"(?<!\S)" + re.escape(old) + r"(?!\S)") if word else re.escape(old)
        out, n = re.subn(pat, new.replace("\\", "\\\\"), value, count=0 if every else 1)
    if count:
        store = s.locals if count.group(1) == "local" else s.globals
        store[count.group(2)] = str(n)
    return out


def _var(s, name: str):
    from ..dataset.varnames import resolve

    return s.data.info[resolve(s.data, name)]


def _label(s, rest: str) -> str:
    """``label lblname # [maxlength] [, strict]`` or ``label (varname) # ...``: the value's
    label; without one, the number itself (nothing with ``strict``)."""
    from .macros import evaluate_text, macro_value

    main, _, opts = rest.partition(",")
    if opts.strip() and opts.strip() != "strict":
        raise StataError(f"option {opts.split()[0]} not allowed", 198)
    parts = main.split()
    if len(parts) not in (2, 3):
        raise StataError("invalid syntax", 198)
    name = parts[0]
    if name.startswith("(") and name.endswith(")"):
        name = _var(s, name[1:-1]).vlabel
    labels = s.data.value_labels.get(name, {}) if name else {}
    if name and name not in s.data.value_labels:
        raise StataError(f"value label {name} not found", 111)
    v = evaluate_text(s, parts[1])
    if isinstance(v, str):
        raise StataError("type mismatch", 109)
    text = labels.get(int(v), None) if v == int(v) else None
    if text is None:
        text = "" if opts.strip() else macro_value(v)
    if len(parts) == 3:
        text = text[: int(evaluate_text(s, parts[2]))]
    return text


_MATRIX_NAMES = ("rownames", "colnames", "rowfullnames", "colfullnames", "roweq", "coleq")


def _matrix_names(s, fn: str, ref: str) -> str:
    """Row or column names of a matrix: without equations (``rownames``), with them
    (``rowfullnames``), or only the equations (``roweq``, ``_`` where there is none)."""
    from .matrices import find_matrix

    M = find_matrix(s, ref)[1]
    names = M.rownames if fn.startswith("row") else M.colnames
    if fn.endswith("fullnames"):
        return " ".join(names)
    if fn.endswith("eq"):
        return " ".join(n.rpartition(":")[0] or "_" for n in names)
    return " ".join(n.rpartition(":")[2] for n in names)


# -- macro lists ----------------------------------------------------------------------------------
def _join(items: list[str]) -> str:
    """A list's words, blank-separated; a word with blanks (or none) keeps its quotes."""
    out = []
    for w in items:
        if w and not re.search(r"\s", w):
            out.append(w)
        else:
            out.append(f'"{w}"' if '"' not in w else f'`"{w}"\'')
    return " ".join(out)


def _list(s, rest: str) -> str:
    from .macros import split_words

    def items(name: str) -> list[str]:
        if not re.fullmatch(r"\w+", name):
            raise StataError(f"{name} invalid name", 198)
        return split_words(s.locals.get(name, ""))

    words = rest.split()
    low = [w.lower() for w in words]
    if len(words) == 2 and low[0] in ("uniq", "dups", "sort", "retokenize", "clean", "sizeof"):
        A = items(words[1])
        if low[0] == "sizeof":
            return str(len(A))
        if low[0] == "uniq":
            return _join(list(dict.fromkeys(A)))
        if low[0] == "dups":
            seen: set[str] = set()
            dups = []
            for w in A:
                if w in seen:
                    dups.append(w)
                seen.add(w)
            return _join(dups)
        return _join(sorted(A) if low[0] == "sort" else A)
    if low[:1] == ["posof"]:
        word, tail = _quoted(rest[rest.lower().index("posof") + 5 :])
        m = re.fullmatch(r"\s*in\s+(\w+)\s*", tail)
        if m is None:
            raise StataError('invalid syntax: list posof "word" in name', 198)
        A = items(m.group(1))
        return str(A.index(word) + 1 if word in A else 0)
    m = re.fullmatch(r"\s*(\w+)\s*(\||&|-|===|==|\bin\b)\s*(\w+)\s*", rest)
    if m is None:
        raise StataError(f"list {words[0] if words else ''} invalid", 198)
    A, op, B = items(m.group(1)), m.group(2), items(m.group(3))
    if op == "|":
        return _join(A + [w for w in B if w not in A])
    if op == "&":
        return _join([w for w in A if w in B])
    if op == "-":
        return _join([w for w in A if w not in B])
    if op == "==":
        return "1" if A == B else "0"
    if op == "===":
        return "1" if set(A) == set(B) else "0"
    return "1" if all(w in B for w in A) else "0"  # in
