"""Matrix expressions of ``matrix define`` ([P] matrix define): ``A + B``, ``A - B``,
``A * B`` (and a scalar times a matrix), ``A / #``, ``A # B`` (Kronecker), ``A'``, ``-A``,
row and column joins ``(A, B \\ C, D)`` (also without the parentheses) and literals
``(1, 2 \\ 3, 4)`` whose elements may be scalar expressions (``(e(N), _b[x], sqrt(2))``),
submatrices ``A[1, 2..3]``, matrix names,
``r(name)``/``e(b)``/``e(V)``, scalars and the functions ``I(n)``, ``J(r, c, v)``, ``inv()``,
``invsym()``, ``diag()``, ``vecdiag()``, ``cholesky()``, ``corr()``, ``hadamard()`` and
``nullmat()``.
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import StataError
from ..matrix import Matrix

__all__ = ["evaluate_matrix"]

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)|(?P<dots>\.\.\.?)"
    r"|(?P<miss>\.(?!\d))|(?P<name>[A-Za-z_]\w*)|(?P<str>\"[^\"]*\")"
    r"|(?P<op>[-+*/#'(),\\\[\]])|(?P<other>\S))"
)
_JOINS = (",", "\\", ")")


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """The tokens with their positions (anything else is a one-character token, read only
    when an element falls back to a scalar expression)."""
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            break
        out.append((m.group(m.lastgroup), m.start(m.lastgroup), m.end()))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, s, text: str) -> None:
        self.s = s
        self.text = text
        self.toks = _tokens(text)
        self.t = [tok for tok, _a, _b in self.toks]
        self.i = 0

    def peek(self) -> str | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self, want: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            raise StataError("matrix: invalid expression", 198)
        self.i += 1
        return tok

    def joined(self, closing: str | None) -> np.ndarray:
        """Rows joined by ``\\`` of elements joined by ``,`` up to ``closing`` (``)``, or the
        end of the text): each element a matrix expression or, failing that, a scalar
        expression (``(e(N), _b[x], sqrt(2))``, [P] matrix define)."""
        rows: list[list[np.ndarray]] = [[self.element(closing)]]
        while self.peek() in (",", "\\"):
            sep = self.take()
            if sep == ",":
                rows[-1].append(self.element(closing))
            else:
                rows.append([self.element(closing)])
        if closing is not None:
            self.take(closing)
        parts = [[a for a in r if a.size] for r in rows]
        try:
            done = [np.hstack(r) for r in parts if r]
            return np.vstack(done) if done else np.zeros((0, 0))
        except ValueError:
            raise StataError("conformability error", 503) from None

    def element(self, closing: str | None) -> np.ndarray:
        start = self.i
        first: StataError | None = None
        try:
            v = self.expr()
            if self.peek() is None or self.peek() in _JOINS:
                return v
        except StataError as err:
            if err.rc not in (111, 198):  # conformability, singularity: the answer
                raise
            first = err
        # a scalar expression: its text up to the next , \\ or ) at its own depth
        self.i = start
        depth = 0
        while self.peek() is not None:
            tok = self.peek()
            if tok in ("(", "["):
                depth += 1
            elif tok in (")", "]"):
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and tok in (",", "\\"):
                break
            self.i += 1
        if self.i == start:
            raise StataError("matrix: invalid expression", 198)
        # a variable is no scalar (x[1], an observation's value, is): not a matrix either
        for k in range(start, self.i):
            tok = self.t[k]
            nxt = self.t[k + 1] if k + 1 < len(self.t) else None
            prev = self.t[k - 1] if k > start else None
            stored = prev == "(" and k - 2 >= start and self.t[k - 2] in ("e", "r")  # e(N)
            if tok in self.s.data.info and nxt != "[" and prev != "[" and not stored:
                raise first if first is not None else StataError(f"matrix {tok} not found", 111)
        a, b = self.toks[start][1], self.toks[self.i - 1][2]
        try:
            return np.array([[_scalar_value(self.s, self.text[a:b])]])
        except StataError:
            if first is not None:  # neither reading: the matrix expression's message
                raise first from None
            raise

    def expr(self) -> np.ndarray:
        v = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            w = self.term()
            if v.shape != w.shape:
                raise StataError("conformability error", 503)
            v = v + w if op == "+" else v - w
        return v

    def term(self) -> np.ndarray:
        v = self.unary()
        while self.peek() in ("*", "/", "#"):
            op = self.take()
            w = self.unary()
            if op == "*":
                if v.shape == (1, 1) or w.shape == (1, 1):
                    v = v * w
                elif v.shape[1] != w.shape[0]:
                    raise StataError("conformability error", 503)
                else:
                    v = v @ w
            elif op == "/":
                if w.shape != (1, 1):
                    raise StataError("conformability error", 503)
                v = v / w[0, 0]
            else:
                v = np.kron(v, w)
        return v

    def unary(self) -> np.ndarray:
        if self.peek() == "-":
            self.take()
            return -self.unary()
        v = self.primary()
        while self.peek() == "'":
            self.take()
            v = v.T
        return v

    def primary(self) -> np.ndarray:
        tok = self.take()
        if tok == "(":
            return self.joined(")")
        if tok == ".":
            return np.array([[np.nan]])
        if re.fullmatch(r"\d.*|\.\d.*", tok):
            return np.array([[float(tok)]])
        if not re.fullmatch(r"[A-Za-z_]\w*", tok):
            raise StataError("matrix: invalid expression", 198)
        if self.peek() == "(" and tok in ("r", "e"):
            self.take("(")
            key = self.take()
            self.take(")")
            from .matrices import find_matrix

            M = find_matrix(self.s, f"{tok}({key})")[1]
            return self.subscript(M)
        if self.peek() == "(":
            return self.call(tok)
        if tok in self.s.matrices:
            return self.subscript(self.s.matrices[tok])
        v = self.s.scalars.get(tok)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return np.array([[float(v)]])
        raise StataError(f"matrix {tok} not found", 111)

    def subscript(self, M: Matrix) -> np.ndarray:
        """``A[r, c]`` with ranges ``1..3``, ``2...`` (to the end) and names ``"c1"``
        ([P] matrix define, Submatrix extraction); the matrix itself without brackets."""
        X = M.values.astype(float)
        if self.peek() != "[":
            return X
        self.take("[")
        parts: list[list[str]] = [[]]
        while self.peek() not in ("]", None):
            tok = self.take()
            if tok == ",":
                parts.append([])
            else:
                parts[-1].append(tok)
        self.take("]")
        if len(parts) != 2:
            raise StataError("matrix: subscripts [row, column] expected", 198)
        rows = _index(parts[0], list(M.rownames), X.shape[0])
        cols = _index(parts[1], list(M.colnames), X.shape[1])
        return X[np.ix_(rows, cols)]

    def call(self, name: str) -> np.ndarray:
        self.take("(")
        if name == "nullmat":  # a matrix not yet defined is nothing to join to
            target = self.peek()
            bare = self.i + 1 < len(self.t) and self.t[self.i + 1] == ")"
            if target is not None and bare and target not in self.s.matrices:
                self.i += 2
                return np.zeros((0, 0))
        args: list[np.ndarray] = []
        if self.peek() != ")":
            args.append(self.expr())
            while self.peek() == ",":
                self.take()
                args.append(self.expr())
        self.take(")")
        return _function(name, args)


def _index(toks: list[str], names: list[str], n: int) -> list[int]:
    """Positions of a subscript: ``#``, ``#..#``, ``#...`` (to the end) or a quoted name."""
    text = "".join(toks)
    if text.startswith('"') and text.endswith('"'):
        name = text[1:-1]
        if name not in names:
            raise StataError(f"{name} not found", 111)
        return [names.index(name)]
    m = re.fullmatch(r"(\d+)(?:(\.\.\.)|\.\.(\d+))?", text)
    if m is None:
        raise StataError(f"matrix: subscript {text} invalid", 198)
    a = int(m.group(1))
    b = n if m.group(2) else int(m.group(3)) if m.group(3) else a
    if not 1 <= a <= b <= n:
        raise StataError("matrix: subscript invalid", 503)
    return list(range(a - 1, b))


def _scalar_value(s, text: str) -> float:
    """A scalar expression's value (``e(N)``, ``_b[x]``, ``sqrt(2)``) as a 1 x 1 element."""
    from .macros import evaluate_text

    v = evaluate_text(s, text.strip())
    try:
        return float(v)
    except (TypeError, ValueError):
        raise StataError("type mismatch", 109) from None


def _scalar_arg(a: np.ndarray, what: str) -> float:
    if a.shape != (1, 1):
        raise StataError(f"{what}: a number expected", 198)
    return float(a[0, 0])


def _function(name: str, args: list[np.ndarray]) -> np.ndarray:
    n = len(args)
    if name == "I" and n == 1:
        d = _scalar_arg(args[0], "I()")
        if d != int(d) or d < 1:
            raise StataError("I(): dimension must be a positive integer", 198)
        return np.eye(int(d))
    if name == "J" and n == 3:
        r, c, v = (_scalar_arg(a, "J()") for a in args)
        if r != int(r) or c != int(c) or r < 1 or c < 1:
            raise StataError("J(): dimensions must be positive integers", 198)
        return np.full((int(r), int(c)), v)
    if name in ("inv", "invsym", "cholesky", "corr", "vecdiag", "diag", "nullmat") and n == 1:
        A = args[0]
        if name == "nullmat":
            return A
        if name == "diag":
            if 1 not in A.shape:
                raise StataError("diag(): a row or column vector expected", 503)
            return np.diag(A.ravel())
        if name == "vecdiag":
            if A.shape[0] != A.shape[1]:
                raise StataError("matrix not square", 505)
            return np.diag(A)[None, :]
        if A.shape[0] != A.shape[1]:
            raise StataError("matrix not square", 505)
        if name == "corr":
            sd = np.sqrt(np.diag(A))
            return A / np.outer(sd, sd)
        if name == "cholesky":
            try:
                return np.linalg.cholesky((A + A.T) / 2)
            except np.linalg.LinAlgError:
                raise StataError("matrix not positive definite", 506) from None
        if name == "inv":
            try:
                return np.linalg.inv(A)
            except np.linalg.LinAlgError:
                raise StataError("matrix has missing values or is singular", 504) from None
        return np.linalg.pinv((A + A.T) / 2)  # invsym: a generalized inverse when singular
    if name == "hadamard" and n == 2:
        if args[0].shape != args[1].shape:
            raise StataError("conformability error", 503)
        return args[0] * args[1]
    raise StataError(f"matrix function {name}() with {n} argument(s) is not available", 198)


def evaluate_matrix(s, text: str) -> Matrix:
    """The value of a matrix expression, with rows r1 ... and columns c1 ... (a plain
    transpose of a named matrix swaps its names)."""
    p = _Parser(s, text)
    v = p.joined(None)  # A \\ B and A, B join without parentheses too
    if p.peek() is not None or p.i < len(p.t):
        raise StataError("matrix: invalid expression", 198)
    rows = [f"r{i + 1}" for i in range(v.shape[0])]
    cols = [f"c{j + 1}" for j in range(v.shape[1])]
    named = _names_kept(s, text)
    if named is not None and (len(named[0]), len(named[1])) == v.shape:
        rows, cols = named
    return Matrix(v, rows, cols)


_ONE_REF = re.compile(
    r"\s*(?:[-+]?[\d.]+(?:[eE][-+]?\d+)?\s*\*\s*)?"
    r"(?P<ref>[A-Za-z_]\w*|[re]\s*\(\s*\w+\s*\))\s*(?P<sub>\[[^\]]*\])?\s*(?P<t>')?"
    r"\s*(?:[*/]\s*[-+]?[\d.]+(?:[eE][-+]?\d+)?)?\s*"
)


def _names_kept(s, text: str) -> tuple[list[str], list[str]] | None:
    """The row and column names of an expression that is one matrix, perhaps a submatrix,
    transposed or scaled by a number (``A[1..2, 2]``, ``e(V)*2``, ``b'``): Stata keeps its
    names; None for anything else (which is named r1 ... and c1 ...)."""
    m = _ONE_REF.fullmatch(text)
    if m is None:
        return None
    from .matrices import find_matrix

    ref = re.sub(r"\s+", "", m.group("ref"))
    try:
        M = find_matrix(s, ref)[1]
    except StataError:
        return None
    rows, cols = list(M.rownames), list(M.colnames)
    if m.group("sub"):
        inner = m.group("sub")[1:-1]
        parts = inner.split(",")
        if len(parts) != 2:
            return None
        try:
            ri = _index([parts[0].replace(" ", "")], rows, len(rows))
            ci = _index([parts[1].replace(" ", "")], cols, len(cols))
        except StataError:
            return None
        rows, cols = [rows[i] for i in ri], [cols[j] for j in ci]
    if m.group("t"):
        rows, cols = cols, rows
    return rows, cols
