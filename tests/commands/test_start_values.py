"""``from()`` starting values ([R] maximize) for ``mixed`` and the me* commands, and matrix
literals (``matrix b = (1, 2 \\ 3, 4)``, [P] matrix define).

With ``iterate(0)`` the reported estimates are the starting values, so these tests see the
start itself; from the estimates of the same model the fit stays where it is; from elsewhere
it reaches the default start's maximum."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.fixture(scope="module")
def epi() -> Session:
    s = Session()
    run(s, "use epilepsy")
    return s


_UN = "count Trt visit || patient: visit, cov(un)"


def test_me_start_is_used_as_given(epi: Session) -> None:
    run(epi, "matrix s = (-.2, -.05, 1.7, .03, .9, -.1)")
    run(epi, f"quietly mepoisson {_UN} from(s, copy) iterate(0)")
    np.testing.assert_allclose(epi.e.b, [-0.2, -0.05, 1.7, 0.03, 0.9, -0.1], rtol=1e-12)
    assert epi.e.scalars["converged"] == 0


def test_me_by_name_skip_and_copy(epi: Session) -> None:
    run(epi, f"quietly mepoisson {_UN}")
    ll, b = epi.e.scalars["ll"], np.array(epi.e.b)
    run(epi, "matrix b0 = e(b)")
    for spec in ("b0", "b0, copy"):
        run(epi, f"quietly mepoisson {_UN} from({spec})")
        assert epi.e.scalars["ll"] == pytest.approx(ll, abs=1e-8)
        assert len(epi.e.fit.iterations) <= 3  # it starts at the maximum
        # the same maximum to the optimizer's tolerance: within 1e-3 standard errors
        assert np.all(np.abs(epi.e.b - b) <= 1e-3 * np.sqrt(np.diag(epi.e.V)))
    # exchangeable has no var(visit[patient]): r(111) unless skip
    msg, rc = fails(epi, "mepoisson count Trt visit || patient: visit, cov(exch) from(b0)")
    assert rc == 111 and "var(visit[patient])" in msg
    run(epi, "quietly mepoisson count Trt visit || patient: visit, cov(exch)")
    ll_exch = epi.e.scalars["ll"]
    run(epi, "quietly mepoisson count Trt visit || patient: visit, cov(exch) from(b0, skip)")
    assert epi.e.scalars["ll"] == pytest.approx(ll_exch, abs=1e-6)
    # values by name, the equation optional for the first equation's coefficients
    run(epi, f"quietly mepoisson {_UN} from(_cons=2.5 /:var(_cons[patient]) = 0.1) iterate(0)")
    assert epi.e.b[2] == 2.5 and epi.e.b[4] == pytest.approx(0.1, rel=1e-12)
    run(epi, f"quietly mepoisson {_UN} from(_cons=2.5 /:var(_cons[patient]) = 0.1)")
    assert epi.e.scalars["ll"] == pytest.approx(ll, abs=1e-6)


def test_me_family_parameters(epi: Session) -> None:
    run(epi, "quietly menbreg count Trt || patient:")
    ll = epi.e.scalars["ll"]
    run(epi, "quietly menbreg count Trt || patient:, from(/lnalpha = 1) iterate(0)")
    assert epi.e.b[2] == 1.0
    run(epi, "quietly menbreg count Trt || patient:, from(/lnalpha = 1)")
    assert epi.e.scalars["ll"] == pytest.approx(ll, abs=1e-6)
    s = Session()
    run(s, "use math")
    run(s, "generate byte hw = min(homework, 3)")
    run(s, "quietly meologit hw math || schid:, from(/cut1 = -1 /cut2 = 1 /cut3 = 3) iterate(0)")
    np.testing.assert_allclose(s.e.b[1:4], [-1.0, 1.0, 3.0])


@pytest.mark.parametrize(
    "spec, rc, words",
    [
        ("nosuch", 111, "matrix nosuch not found"),
        ("1 2 3", 198, "list of values is not allowed"),
        ("1 2 3, copy", 198, "list of values is not allowed"),
        ("b0, nope", 198, "nope invalid"),
        ("Trt = 1 zz = 2", 111, "zz is not a parameter"),
        ("b0 b0", 198, "one matrix"),
        ("/:var(_cons[patient]) = -1", 1400, "not feasible"),
        ("/:cov(visit[patient],_cons[patient]) = 5", 1400, "not feasible"),
    ],
)
def test_bad_init_specs(epi: Session, spec: str, rc: int, words: str) -> None:
    run(epi, "matrix b0 = (1, 2)")
    before = epi.e
    msg, got = fails(epi, f"mepoisson {_UN} from({spec})")
    assert got == rc and words in msg
    assert epi.e is before  # stored results untouched


def test_mixed_start_and_profiling() -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly mixed math homework || schid: homework, cov(un)")
    ll = s.e.scalars["ll"]
    run(s, "matrix b0 = e(b)")
    run(s, "quietly mixed math homework || schid: homework, cov(un) from(b0)")
    assert s.e.scalars["ll"] == pytest.approx(ll, abs=1e-8)
    assert len(s.e.fit.iterations) <= 2
    run(s, "quietly mixed math homework || schid: homework, cov(un) from(lns1_1_1:_cons = 0.5)")
    assert s.e.scalars["ll"] == pytest.approx(ll, abs=1e-6)
    # β and σ² are profiled out ([ME] mixed, Methods and formulas): the start sets the SDs
    # relative to the residual SD
    run(s, "matrix m = (2, 46, 1.5, 2)")
    run(s, "quietly mixed math homework || schid:, from(m, copy) iterate(0)")
    b = s.e.b
    assert b[2] - b[3] == pytest.approx(1.5 - 2.0, abs=1e-10)
    msg, rc = fails(s, "mixed math homework || schid:, from(b0)")
    assert rc == 111 and "lns1_1_2" in msg
    msg, rc = fails(s, "mixed math homework || schid:, from(1 2 3)")
    assert rc == 198 and "needs option copy" in msg
    msg, rc = fails(s, "mixed math homework || schid:, from(1 2 3, copy)")
    assert rc == 503 and "3 values given" in msg
    run(s, "quietly mixed math homework || schid:, from(2 46 1.5 2, copy) iterate(0)")
    assert s.e.b[2] - s.e.b[3] == pytest.approx(-0.5, abs=1e-10)


def test_from_elsewhere() -> None:
    s = Session()
    run(s, "use math")
    run(s, "matrix b0 = (1, 2)")
    for cmd in (
        "bayes, mcmcsize(100): mixed math homework || schid:, from(b0)",
        "bayes, mcmcsize(100): melogit white homework || schid:, from(b0)",
    ):
        msg, rc = fails(s, cmd)
        assert rc == 198 and "initial()" in msg
    msg, rc = fails(s, "menl math = {b0}+{b1}*homework, from(b0)")
    assert rc == 198


def test_matrix_literals() -> None:
    s = Session()
    run(s, "matrix A = (1, -2.5e1 \\ ., 4)")
    A = s.matrices["A"]
    assert A.rownames == ["r1", "r2"] and A.colnames == ["c1", "c2"]
    np.testing.assert_array_equal(A.values, [[1, -25], [np.nan, 4]])
    assert fails(s, "matrix B = (1, 2 \\ 3)")[1] == 503
    msg, rc = fails(s, "matrix B = (1, 2x)")
    assert rc == 198 and "invalid" in msg
    # names and equations ([P] matrix rownames), matrix input, and what is not here yet
    run(s, "matrix colnames A = x y")
    run(s, "matrix rownames A = a b")
    run(s, "matrix coleq A = e1 e2")
    assert s.matrices["A"].colnames == ["e1:x", "e2:y"] and s.matrices["A"].rownames == ["a", "b"]
    assert fails(s, "matrix colnames A = x")[1] == 503
    run(s, "matrix input B = (1 2 3 \\ 4 5 6)")
    np.testing.assert_array_equal(s.matrices["B"].values, [[1, 2, 3], [4, 5, 6]])
    # expressions ([P] matrix define): tests/commands/test_matrix_expr.py checks them
    A = s.matrices["A"].values
    for expr, want in (("A'", A.T), ("2*A", 2 * A), ("(A \\ A)", np.vstack([A, A]))):
        run(s, f"matrix C = {expr}")
        np.testing.assert_array_equal(s.matrices["C"].values, want)
