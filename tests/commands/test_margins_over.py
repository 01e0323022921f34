"""``margins, over()``: margins within the groups of a variable ([R] margins, option over()),
checked against the averages computed here from e(b) and e(V): after ``regress`` the mean of
xb over the group's observations, with the variance x̄'Vx̄; after ``logit`` the mean predicted
probability with the delta method's gradient, the group mean of p(1-p)x."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from bayes_magic.session import Session
from tests.commands.test_graphs import draw, series
from tests.conftest import col, fails, run


@pytest.fixture
def s() -> Session:
    s = Session()
    run(s, "use math")
    run(s, "generate big = homework > 2")
    return s


def test_regress_over_a_variable_outside_the_model(s: Session) -> None:
    run(s, "quietly regress math homework i.schtype")
    out = run(s, "margins, over(big)")
    assert "         big |" in out
    e = s.e
    X = np.column_stack([col(s, "homework"), col(s, "schtype") == 0, col(s, "schtype") == 1])
    X = np.column_stack([X, np.ones(len(X))])  # homework 0b.schtype 1.schtype _cons
    b, V = s.r["b"].values.ravel(), s.r["V"].values
    for k, g in enumerate((0, 1)):
        xbar = X[col(s, "big") == g].mean(axis=0)
        assert b[k] == pytest.approx(float(xbar @ e.b), rel=1e-12)
        assert V[k, k] == pytest.approx(float(xbar @ e.V @ xbar), rel=1e-10)
    assert s.r["b"].colnames == ["0.big", "1.big"]


def test_logit_marginlist_within_groups(s: Session) -> None:
    run(s, "quietly logit big math i.schtype")
    run(s, "margins schtype, over(big)")  # schtype set to each level, within each big group
    e = s.e
    b, V = s.r["b"].values.ravel(), s.r["V"].values
    assert s.r["b"].colnames[:2] == ["0.schtype#0.big", "0.schtype#1.big"]
    m, big = col(s, "math"), col(s, "big")
    k = 0
    for level in (0, 1):
        for g in (0, 1):
            X = np.column_stack(
                [m, np.full(len(m), level == 0), np.full(len(m), level == 1), np.ones(len(m))]
            )[big == g]
            p = expit(X @ e.b)
            grad = (p * (1 - p)) @ X / len(p)
            assert b[k] == pytest.approx(p.mean(), rel=1e-12)
            assert V[k, k] == pytest.approx(float(grad @ e.V @ grad), rel=1e-8)
            k += 1


def test_refused_combinations(s: Session) -> None:
    run(s, "quietly regress math homework")
    assert fails(s, "margins, over(big) atmeans")[1] == 198
    assert fails(s, "margins, over(big schid)")[1] == 198
    assert fails(s, "margins, over(nope)")[1] == 111
    assert fails(s, "margins, over(big) at((mean) homework)")[1] == 198  # means within groups
    run(s, "generate z = homework/2 - 1")
    assert fails(s, "margins, over(z)") == (
        "z: factor variables may not contain noninteger or negative values",
        452,
    )


def test_over_header_and_marginsplot(s: Session) -> None:
    run(s, "quietly logit big math i.schtype")
    out = run(s, "margins schtype, over(big)")
    assert "Over:       big" in out
    b = s.r["b"].values.ravel()
    fig = draw(s, "marginsplot")
    assert fig.legend == ["big=0", "big=1"]  # one line per over() group, schtype on x
    for g in (0, 1):  # r(b): 0.schtype#0.big, 0.schtype#1.big, 1.schtype#0.big, ...
        line = series(fig, label=f"big={g}", plot="connected")
        np.testing.assert_allclose(line["x"], [0, 1])
        np.testing.assert_allclose(line["y"], b[[g, 2 + g]], rtol=1e-12)
    run(s, "margins, over(big) post")  # post works with over() too: e(b) is r(b)
    assert s.e.cmd == "margins" and np.allclose(s.e.b, s.r["b"].values[0])


def test_several_at_values_within_over_groups() -> None:
    """``margins, at(homework=(1 3)) over(schtype)``: each scenario within each group, in
    Stata's ``_at#schtype`` order; each equals the one-scenario margins."""
    s = Session()
    run(s, "use math\nquietly regress math c.homework##i.schtype")
    out = run(s, "margins, at(homework=(1 3)) over(schtype)")
    both = s.r["b"]
    assert both.colnames == [
        "1._at#0.schtype",
        "1._at#1.schtype",
        "2._at#0.schtype",
        "2._at#1.schtype",
    ]
    assert " _at#schtype |" in out and "   2#Public  |" in out
    for k, h in enumerate((1, 3)):
        run(s, f"margins, at(homework={h}) over(schtype)")
        assert list(both.values[0, 2 * k : 2 * k + 2]) == pytest.approx(
            list(s.r["b"].values[0]), rel=1e-12
        )
