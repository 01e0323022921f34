"""``matrix define`` with expressions ([P] matrix define) against numpy: arithmetic,
transpose, joins, Kronecker, the functions, scalars and stored results; errors."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run

A = np.array([[1.0, 2.0], [3.0, 4.0]])


@pytest.fixture
def s() -> Session:
    s = Session()
    run(s, "matrix A = (1,2\\3,4)\nscalar k = 3")
    return s


def _m(s: Session, name: str) -> np.ndarray:
    return s.matrices[name].values


@pytest.mark.parametrize(
    ("expr", "want"),
    [
        ("A'*A + 2*I(2)", A.T @ A + 2 * np.eye(2)),
        ("k*A - A/2", 3 * A - A / 2),
        ("-A'", -A.T),
        ("(A, I(2) \\ J(1,4,.5))", np.vstack([np.hstack([A, np.eye(2)]), np.full((1, 4), 0.5)])),
        ("A # I(2)", np.kron(A, np.eye(2))),
        ("inv(A)", np.linalg.inv(A)),
        ("invsym(A'*A)", np.linalg.inv(A.T @ A)),
        ("diag((1,2,3))", np.diag([1.0, 2.0, 3.0])),
        ("vecdiag(A)", np.array([[1.0, 4.0]])),
        ("cholesky(A'*A)", np.linalg.cholesky(A.T @ A)),
        ("hadamard(A, A)", A * A),
        ("corr((4,2\\2,9))", np.array([[1, 2 / 6], [2 / 6, 1]])),
    ],
)
def test_expressions(s, expr, want) -> None:
    run(s, f"matrix B = {expr}")
    np.testing.assert_allclose(_m(s, "B"), want, rtol=1e-12)


def test_stored_results_and_errors(s) -> None:
    run(s, "use math\nregress math homework\nmatrix b = e(b)'\nmatrix V2 = 2*e(V)")
    np.testing.assert_allclose(_m(s, "b"), s.e.b[:, None], rtol=1e-12)
    np.testing.assert_allclose(_m(s, "V2"), 2 * s.e.V, rtol=1e-12)
    assert fails(s, "matrix C = A + I(3)") == ("conformability error", 503)
    assert fails(s, "matrix C = inv((1,1\\1,1))")[1] == 504
    assert fails(s, "matrix C = nosuch*2") == ("matrix nosuch not found", 111)
    assert fails(s, "matrix C = foo(A)")[1] == 198


def test_iwishart_scale_from_an_expression() -> None:
    s = Session()
    run(s, "use sleepstudy\nmatrix S = 10*I(2)")
    out = run(
        s,
        "bayes, rseed(1) mcmcsize(200) iwishartprior(4 S) dryrun: "
        "mixed Reaction Days || Subject: Days, cov(un)",
    )
    assert "iwishart(2,4,S)" in out  # shown by name, as typed
    run(
        s,
        "quietly bayes, rseed(1) mcmcsize(50) burnin(10) iwishartprior(4 S): "
        "mixed Reaction Days || Subject: Days, cov(un)",
    )
    assert s.e.model.levels[0].cov_prior.args[2].rows == ((10.0, 0.0), (0.0, 10.0))
