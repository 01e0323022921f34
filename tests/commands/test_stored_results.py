"""``return list``, ``ereturn list``, ``matrix list`` layouts, ``estimates replay`` of Bayesian
results, and the bad-input cases of ``bayestest interval`` and ``bayesstats summary``."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.fixture(scope="module")
def s() -> Session:
    s = Session()
    run(s, "use math")
    run(
        s,
        "quietly bayes, rseed(1) mcmcsize(1000) burnin(200) nodots: mixed math homework || schid:",
    )
    return s


def test_return_list_layout() -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly summarize math")
    lines = run(s, "return list").splitlines()
    assert lines[:3] == ["", "scalars:", "                  r(N) =  519"]
    mean = next(x for x in lines if "r(mean)" in x)
    assert mean == f"               r(mean) =  {s.r['mean']:.16g}"
    assert not any("r(skewness)" in x for x in lines)  # only with detail, as Stata
    run(s, "quietly summarize math, detail")
    lines = run(s, "return list").splitlines()
    skew = next(x for x in lines if "r(skewness)" in x)
    assert skew.split("=  ")[1].startswith(".")  # no 0 before the point, as Stata lists it


def test_ereturn_list_after_mixed_and_bayes(s: Session) -> None:
    m = Session()
    run(m, "use math")
    run(m, "quietly mixed math homework || schid:")
    text = run(m, "ereturn list")
    assert '                e(cmd) : "mixed"' in text
    assert "                  e(b) :  1 x 4" in text and "                  e(V) :  4 x 4" in text
    assert text.rstrip().endswith("functions:\n             e(sample)")
    text = run(s, "ereturn list")
    for key in ("mean", "sd", "mcse", "median", "ess"):
        assert f"e({key}) :  1 x 4" in text
    assert "e(cri) :  2 x 4" in text and "e(Cov) :  4 x 4" in text
    # the matrices are the posterior summaries
    run(s, "quietly bayesstats summary")
    summ = s.r["summary"].values
    run(s, "matrix M = e(mean)")
    np.testing.assert_allclose(s.matrices["M"].values[0], summ[:, 0])
    run(s, "matrix C = e(cri)")
    np.testing.assert_allclose(s.matrices["C"].values, summ[:, 4:6].T)


def test_group_counts_and_vce_after_mixed_and_me() -> None:
    """[ME] mixed and [ME] meglm, Stored results: e(N_g), e(g_min), e(g_avg), e(g_max) are
    1-by-levels matrices named by the level variables (``_all`` for ``R.x``); e(vce) oim."""
    m = Session()
    run(m, "use math")
    run(m, "quietly mixed math homework || _all: R.schtype || schid:")
    df = m.data.to_dataframe()
    sizes = df.groupby("schid").size()
    assert m.e.macros["ivars"] == "_all schid" and m.e.macros["vce"] == "oim"
    for key, want in (
        ("N_g", [1, sizes.size]),
        ("g_min", [len(df), sizes.min()]),
        ("g_avg", [len(df), sizes.mean()]),
        ("g_max", [len(df), sizes.max()]),
    ):
        run(m, f"matrix G = e({key})")
        assert m.matrices["G"].colnames == ["_all", "schid"]
        np.testing.assert_allclose(m.matrices["G"].values[0], want)
    run(m, "use epilepsy")
    run(m, "quietly mepoisson count Trt || patient:")
    run(m, "matrix G = e(N_g)")
    assert m.matrices["G"].colnames == ["patient"] and m.matrices["G"].values[0, 0] == 59
    assert m.e.macros["vce"] == "oim" and "e(g_avg) :  1 x 1" in run(m, "ereturn list")


def test_matrix_list_puts_equations_above_names(s: Session) -> None:
    lines = run(s, "matrix list e(b)").splitlines()
    assert lines[0] == "e(b)[1,4]"
    assert lines[1].split() == ["math:", "math:", "U0:", "e.math:"]
    assert lines[2].split() == ["homework", "_cons", "sigma2", "sigma2"]
    run(s, "quietly bayesstats summary")
    lines = run(s, "matrix list r(summary)").splitlines()
    assert [x.split()[0] for x in lines[2:]] == [
        "math:homework",
        "math:_cons",
        "U0:sigma2",
        "e.math:sigma2",
    ]
    lines = run(s, "matrix list e(V)").splitlines()
    assert lines[0] == "symmetric e(V)[4,4]"
    assert [len(x.split()) for x in lines[3:]] == [2, 3, 4, 5]  # lower triangle


def test_estimates_replay_of_bayesian_results(s: Session) -> None:
    run(s, "estimates store b1")
    text = run(s, "estimates replay b1")
    assert "Model b1" in text and "Bayesian multilevel regression" in text
    assert "homework" in text


def test_bayestest_bounds_and_mcse_format(s: Session) -> None:
    h = s.e.chains_of("math:homework")
    run(s, "bayestest interval {math:homework}, lower(2.3) upper(.)")
    assert s.r["prob1"] == pytest.approx(np.mean(h > 2.3))
    text = run(s, "bayestest interval {math:homework}, upper(2.4)")
    mcse = f"{s.r['summary'].values[0, 2]:.7f}".lstrip("0")[:8]
    assert mcse.startswith(".0") and mcse[:6] in text and "e-" not in text
    assert fails(s, "bayestest interval {math:homework}, upper(0) lower(5)")[1] == 198


def test_batch_and_invalid_expressions(s: Session, capfd) -> None:
    msg, rc = fails(s, "bayesstats summary {math:homework}, batch(800)")
    assert rc == 198 and "half the MCMC sample size (500)" in msg
    run(s, "bayesstats summary {math:homework}, batch(50)")
    out = run(s, "bayesstats summary (a: 1/0)")
    assert "a |         .          ." in out
    assert "RuntimeWarning" not in capfd.readouterr().err
