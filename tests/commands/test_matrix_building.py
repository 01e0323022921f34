"""Building matrices as do-files do ([P] matrix define): scalar expressions as elements,
joins without parentheses, nullmat() accumulators, submatrices, element assignment, and
matrix list's format() widening its columns."""

from __future__ import annotations

import numpy as np

from bayes_magic.session import Session
from tests.conftest import fails, run


def _m(s: Session, name: str) -> np.ndarray:
    return s.matrices[name].values.astype(float)


def test_elements_may_be_scalar_expressions() -> None:
    s = Session()
    run(s, "use math\nquietly regress math homework\nlocal k 3")
    run(s, "matrix A = (e(N), e(r2), _b[homework], _se[homework], sqrt(4), `k'^2)")
    b = s.e.b[s.e.bnames.index("homework")]
    se = np.sqrt(s.e.V[0, 0])
    np.testing.assert_allclose(_m(s, "A"), [[519, s.e.scalars["r2"], b, se, 2, 9]])
    # a variable is neither a matrix nor a scalar (its observations are: homework[1])
    assert fails(s, "matrix C = (homework + 1, 2)") == ("matrix homework not found", 111)
    run(s, "matrix C = (homework[1], 2)")


def test_joins_accumulators_submatrices_and_assignment() -> None:
    s = Session()
    run(s, "forvalues i = 1/3 {\n matrix R = nullmat(R) \\ (`i', `i'^2)\n}")
    np.testing.assert_array_equal(_m(s, "R"), [[1, 1], [2, 4], [3, 9]])
    run(s, "matrix C = R, R[1..3, 2]")
    assert _m(s, "C").shape == (3, 3)
    run(s, 'matrix D = R[2..., "c2"]')
    np.testing.assert_array_equal(_m(s, "D"), [[4], [9]])
    run(s, "matrix R[1,1] = 99\nmatrix R[3,1] = (7, 8)")
    np.testing.assert_array_equal(_m(s, "R"), [[99, 1], [2, 4], [7, 8]])
    assert fails(s, "matrix E = (1, 2) \\ (3)")[1] == 503
    # a submatrix, a transpose or a multiple of one matrix keeps its names (review)
    run(s, "matrix G = C[1..2, 3]")
    assert list(s.matrices["G"].colnames) == ["c3"]
    assert fails(s, "matrix R[4,1] = 1")[1] == 503
    assert fails(s, "matrix X[1,1] = 1")[1] == 111


def test_matrix_list_format_widens_the_columns() -> None:
    s = Session()
    run(s, "use math\nquietly regress math homework")
    run(s, "matrix b = e(b)[1, 1..2]\nmatrix V2 = e(V)*2")
    assert list(s.matrices["b"].colnames) == ["homework", "_cons"]
    assert list(s.matrices["V2"].rownames) == ["homework", "_cons"]
    out = run(s, "matrix list e(b), format(%15.0g)").splitlines()
    assert out[-1].split() == ["y1", *(v.strip() for v in out[-1].split()[1:])]
    assert len(out[-1].split()) == 3  # the values no longer run together
