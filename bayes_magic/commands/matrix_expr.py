"""Matrix expressions of ``matrix define`` ([P] matrix define): ``A + B``, ``A - B``,
``A * B`` (and a scalar times a matrix), ``A / #``, ``A # B`` (Kronecker), ``A'``, ``-A``,
row and column joins ``(A, B \\ C, D)`` and literals ``(1, 2 \\ 3, 4)``, matrix names,
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
    r"\s*(?:(?P<num>\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)|(?P<miss>\.(?!\d))"
    r"|(?P<name>[A-Za-z_]\w*)"
    r"|(?P<op>[-+*/#'(),\\]))"
)


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise StataError(f"matrix: {text[pos:].strip()[:20]} invalid", 198)
        out.append(m.group(m.lastgroup))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, s, text: str) -> None:
        self.s = s
        self.t = _tokens(text)
        self.i = 0

    def peek(self) -> str | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self, want: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            raise StataError("matrix: invalid expression", 198)
        self.i += 1
        return tok

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
            rows: list[list[np.ndarray]] = [[self.expr()]]
            while self.peek() in (",", "\\"):
                sep = self.take()
                if sep == ",":
                    rows[-1].append(self.expr())
                else:
                    rows.append([self.expr()])
            self.take(")")
            try:
                return np.vstack([np.hstack(r) for r in rows])
            except ValueError:
                raise StataError("conformability error", 503) from None
        if tok == ".":
            return np.array([[np.nan]])
        if re.fullmatch(r"[\d.].*", tok):
            return np.array([[float(tok)]])
        if self.peek() == "(" and tok in ("r", "e"):
            self.take("(")
            key = self.take()
            self.take(")")
            from .matrices import find_matrix

            return find_matrix(self.s, f"{tok}({key})")[1].values.astype(float)
        if self.peek() == "(":
            return self.call(tok)
        if tok in self.s.matrices:
            return self.s.matrices[tok].values.astype(float)
        v = self.s.scalars.get(tok)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return np.array([[float(v)]])
        raise StataError(f"matrix {tok} not found", 111)

    def call(self, name: str) -> np.ndarray:
        self.take("(")
        args: list[np.ndarray] = []
        if self.peek() != ")":
            args.append(self.expr())
            while self.peek() == ",":
                self.take()
                args.append(self.expr())
        self.take(")")
        return _function(name, args)


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
    v = p.expr()
    if p.peek() is not None:
        raise StataError("matrix: invalid expression", 198)
    rows = [f"r{i + 1}" for i in range(v.shape[0])]
    cols = [f"c{j + 1}" for j in range(v.shape[1])]
    m = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*'\s*", text)
    if m and m.group(1) in s.matrices:
        src = s.matrices[m.group(1)]
        rows, cols = list(src.colnames), list(src.rownames)
    return Matrix(v, rows, cols)
