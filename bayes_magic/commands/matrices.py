"""Matrices as stored results: ``matrix list``, ``matrix A = r(summary)``, ``matrix drop``,
``matrix dir`` ([P] matrix) and ``svmat`` ([P] matrix mkmat), the talk's way of turning
``bayesstats summary``'s ``r(summary)`` into variables (``svmat r(summary), names(u2b)``).
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import StataError
from ..matrix import Matrix
from ..report.format import check_format, fmt_g, fmt_number
from ..report.output import Block, Output, Text, html_table
from ..syntax.ast import Command, Words
from .registry import command

__all__ = ["find_matrix"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")


def find_matrix(s, ref: str) -> tuple[str, Matrix]:
    """``r(name)``, ``e(b)``, ``e(V)`` or a named matrix."""
    ref = ref.replace(" ", "")
    m = re.fullmatch(r"([re])\((\w+)\)", ref)
    if m:
        kind, key = m.groups()
        if kind == "e" and s.e is not None:
            from .returns import e_matrices

            found = e_matrices(s.e).get(key)
            if found is not None:
                return ref, found
        got = s.r.get(key) if kind == "r" else getattr(s.e, "info", {}).get(key)
        if isinstance(got, Matrix):
            return ref, got
        raise StataError(f"matrix {ref} not found", 111)
    if ref in s.matrices:
        return ref, s.matrices[ref]
    raise StataError(f"matrix {ref} not found", 111)


def _literal(text: str, blanks: bool = False) -> Matrix:
    """``matrix A = (1, 2 \\ 3, 4)``: rows separated by ``\\``, elements by commas (with
    ``blanks``, ``matrix input``'s, by blanks or commas); numbers and ``.`` (missing). Rows are
    named r1 ..., columns c1 ... ([P] matrix define)."""
    rows = []
    for row in text.split("\\"):
        cells = []
        for cell in re.split(r"[\s,]+", row.strip()) if blanks else row.split(","):
            cell = cell.strip()
            if re.fullmatch(r"[A-Za-z_]\w*", cell):  # matrix input takes numbers only
                raise StataError(f"matrix input: {cell} is not a number", 198)
            try:
                cells.append(float("nan") if cell == "." else float(cell))
            except ValueError:
                raise StataError(
                    f"matrix: {cell or 'an empty element'} is not a number "
                    "(only numbers and . in a matrix literal here)",
                    198,
                ) from None
        rows.append(cells)
    if len({len(r) for r in rows}) != 1:
        raise StataError("conformability error", 503)
    vals = np.array(rows, dtype=float)
    return Matrix(
        vals,
        [f"r{i + 1}" for i in range(vals.shape[0])],
        [f"c{j + 1}" for j in range(vals.shape[1])],
    )


def _matrix_ref(text: str) -> str:
    """One matrix: ``name``, ``r(name)`` or ``e(name)`` (blanks inside the parentheses
    allowed); ``if`` and ``in`` are r(101), anything more r(198)."""
    text = text.strip()
    m = re.fullmatch(r"(\w+\s*\([^()]*\)|[^\s()]+)(.*)", text, flags=re.S)
    extra = m.group(2).split() if m else text.split()
    if extra and extra[0] in ("if", "in"):
        raise StataError(f"{extra[0]} not allowed", 101)
    if m is None or extra:
        raise StataError("invalid syntax", 198)
    return m.group(1)


def _words(cmd: Command) -> str:
    return cmd.body.words[0] if isinstance(cmd.body, Words) and cmd.body.words else ""


_NAMING = {"colnames": 4, "rownames": 4, "coleq": 4, "roweq": 4}  # minimal abbreviations


def _rename(s, sub: str, rest: str) -> None:
    """``matrix colnames A = names``, ``rownames``, ``coleq``, ``roweq`` ([P] matrix
    rownames): one name (or equation) per column or row; ``eq:name`` sets both."""
    name, eq_sign, names = rest.partition("=")
    name = name.strip()
    if not eq_sign or not name:
        raise StataError("invalid syntax", 198)
    if name not in s.matrices:
        raise StataError(f"matrix {name} not found", 111)
    M = s.matrices[name]
    words = names.split()
    cols = sub.startswith("col")
    old = list(M.colnames if cols else M.rownames)
    if len(words) != len(old):
        raise StataError("conformability error", 503)
    if sub.endswith("eq"):  # the equation part of each name
        new = [f"{w}:{o.split(':', 1)[-1]}" for w, o in zip(words, old)]
    else:
        new = [
            w if ":" in w or ":" not in o else f"{o.split(':', 1)[0]}:{w}"
            for w, o in zip(words, old)
        ]
    s.matrices[name] = Matrix(M.values, M.rownames if cols else new, new if cols else M.colnames)


def _assign(s, name: str, row: str, col: str, src: str) -> None:
    """``matrix A[i,j] = exp`` ([P] matrix define, Submatrix substitution): the element, or
    a matrix placed with its top-left corner at (i, j); i and j are numbers (expressions) or
    quoted row and column names."""
    from .macros import evaluate_text
    from .matrix_expr import evaluate_matrix

    if name not in s.matrices:
        raise StataError(f"matrix {name} not found", 111)
    M = s.matrices[name]

    def position(text: str, names: list[str]) -> int:
        text = text.strip()
        if text.startswith('"') and text.endswith('"'):
            if text[1:-1] not in names:
                raise StataError(f"{text[1:-1]} not found", 111)
            return names.index(text[1:-1])
        try:
            k = int(float(evaluate_text(s, text)))
        except (TypeError, ValueError):
            raise StataError(f"{text}: subscript invalid", 198) from None
        return k - 1

    i, j = position(row, list(M.rownames)), position(col, list(M.colnames))
    V = evaluate_matrix(s, src).values.astype(float)
    X = M.values.astype(float).copy()
    if i < 0 or j < 0 or i + V.shape[0] > X.shape[0] or j + V.shape[1] > X.shape[1]:
        raise StataError("conformability error", 503)
    X[i : i + V.shape[0], j : j + V.shape[1]] = V
    s.matrices[name] = Matrix(X, M.rownames, M.colnames)


@command("matrix")
def matrix(s, cmd: Command) -> list[Output]:
    text = _words(cmd).strip()
    head, _, rest = text.partition(" ")
    sub = next((f for f, k in _NAMING.items() if len(head) >= k and f.startswith(head)), None)
    if sub is not None:
        _rename(s, sub, rest)
        return []
    if head in ("input", "inp", "inpu"):  # matrix input A = (1 2 \ 3 4)
        name, _, src = rest.partition("=")
        name, src = name.strip(), src.strip()
        if not _NAME.fullmatch(name) or not (src.startswith("(") and src.endswith(")")):
            raise StataError("invalid syntax", 198)
        s.matrices[name] = _literal(src[1:-1], blanks=True)
        return []
    if "=" in text and head not in ("list", "drop", "dir"):
        name, _, src = text.partition("=")
        name = name.strip()
        if name.startswith("define "):
            name = name[7:].strip()
        if not name or not src.strip():
            raise StataError("invalid syntax", 198)  # matrix = S, matrix A =
        cell = re.fullmatch(r"([A-Za-z_]\w*)\s*\[(.+),(.+)\]", name)
        if cell is not None:
            _assign(s, cell.group(1), cell.group(2), cell.group(3), src.strip())
            return []
        if not _NAME.fullmatch(name):
            raise StataError(f"{name} invalid name", 198)
        src = src.strip()
        numeric = re.fullmatch(r"\(\s*[-+\d.eE,\s\\]*\)", src) is not None
        if numeric:
            s.matrices[name] = _literal(src[1:-1])
        elif re.fullmatch(r"[\w\s]+|[re]\s*\(\s*\w+\s*\)", src):  # a matrix by name
            s.matrices[name] = find_matrix(s, _matrix_ref(src))[1]
        else:
            from .matrix_expr import evaluate_matrix

            s.matrices[name] = evaluate_matrix(s, src)
        return []
    if head in ("list", "l", "li", "lis"):
        if not rest.strip():
            raise StataError("matrix name required", 198)
        return [_list(s, cmd, _matrix_ref(rest))]
    if head == "drop":
        names = rest.split()
        if names == ["_all"]:
            s.matrices.clear()
            return []
        for n in names:
            if n not in s.matrices:
                raise StataError(f"matrix {n} not found", 111)
        for n in names:
            del s.matrices[n]
        return []
    if head == "dir":
        if rest.strip():
            raise StataError("invalid syntax", 198)
        lines = [f"{n:>12}[{m.shape[0]},{m.shape[1]}]" for n, m in s.matrices.items()]
        return [Text("\n".join(lines))] if lines else []
    raise StataError(f"matrix {head}: subcommand not available in bayes_magic", 198)


def _list(s, cmd: Command, ref: str) -> Output:
    """``matrix list`` as Stata lays it out ([P] matrix utility): column equations on a line of
    their own above the names (each name in 10 characters, abbreviated with ``~``), row names
    in full, ``symmetric`` matrices as their lower triangle, six columns to a panel."""
    from ..report.format import abbrev

    name, M = find_matrix(s, ref)
    fmt = cmd.option("format")
    if fmt is not None:
        check_format(str(fmt))

    def cell(x: float) -> str:
        return fmt_number(x, str(fmt)).strip() if fmt is not None else fmt_g(x, 10)

    # a column is the format's width and a blank (%10.0g: 11), never narrower
    cw = 11
    if fmt is not None:
        m = re.match(r"%-?0?(\d+)", str(fmt))
        cw = max(11, int(m.group(1)) + 1) if m else 11
    per = max(1, 6 * 11 // cw)  # columns to a panel: as many as fit the 78-column line

    r, c = M.shape
    sym = (
        r == c
        and r > 1
        and list(M.rownames) == list(M.colnames)
        and np.array_equal(M.values, M.values.T, equal_nan=True)
    )
    head = f"{'symmetric ' if sym else ''}{name}[{r},{c}]"
    lines = [] if cmd.has("noheader") else [head]
    w = max([len(n) for n in M.rownames] + [1])
    split = [n.rpartition(":") for n in M.colnames]
    eqs = any(sep for _eq, sep, _nm in split)
    for start in range(0, c, per):
        cols = range(start, min(c, start + per))
        if eqs:
            lines.append(
                " " * (w + 1)
                + "".join(f"{abbrev(split[j][0], cw - 2) + split[j][1]:>{cw}}" for j in cols)
            )
        lines.append(" " * (w + 1) + "".join(f"{abbrev(split[j][2], cw - 1):>{cw}}" for j in cols))
        for i in range(r):
            shown = [j for j in cols if not sym or j <= i]
            if sym and not shown:
                continue
            lines.append(
                f"{M.rownames[i]:>{w}} " + "".join(f"{cell(M.values[i, j]):>{cw}}" for j in shown)
            )
    html = html_table(
        [["", *M.colnames]],
        [[M.rownames[i], *(cell(x) for x in M.values[i])] for i in range(r)],
        caption=head,
    )
    return Block("\n".join(line.rstrip() for line in lines), html, data=M)


@command("svmat")
def svmat(s, cmd: Command) -> list[Output]:
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    vtype = "float"
    if words and words[0] in ("byte", "int", "long", "float", "double"):
        vtype = words.pop(0)
    if len(words) != 1:
        raise StataError("matrix name required", 198)
    ref, M = find_matrix(s, words[0])
    names_opt = str(cmd.option("names", "")).strip()
    r, c = M.shape
    if names_opt in ("", "col"):
        if names_opt == "col":
            names = [re.sub(r"\W", "_", n)[:32] for n in M.colnames]
        else:
            stub = re.sub(r"\W", "", ref.split("(")[-1].rstrip(")")) or "c"
            names = [f"{stub}{j + 1}" for j in range(c)]
    elif names_opt == "eqcol":
        names = [re.sub(r"\W", "_", n)[:32] for n in M.colnames]
    elif names_opt.startswith("matcol"):
        names = [re.sub(r"\W", "_", ref + n)[:32] for n in M.colnames]
    else:
        if not _NAME.fullmatch(names_opt):
            raise StataError(f"{names_opt} invalid name", 198)
        names = [f"{names_opt}{j + 1}" for j in range(c)]
    from ..dataset.varnames import check_new_name

    for n in names:
        check_new_name(s.data, n)
    if r > s.data.nobs:
        s.data.extend(r - s.data.nobs)
    for j, n in enumerate(names):
        col = np.full(s.data.nobs, np.nan)  # observations past the matrix's rows stay missing
        col[:r] = M.values[:, j]
        s.data.set_values(n, col, vtype)
    return []
