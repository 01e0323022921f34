"""``mean`` ([R] mean): the means, their covariance S/N (S/N_g within over() groups, zero
between them) and t intervals on N - 1 df, against numpy and scipy; frequency weights as
the expanded data; test/lincom on e(b); bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bayes_magic.session import Session
from tests.conftest import col, fails, run


@pytest.fixture
def s() -> Session:
    s = Session()
    run(s, "use math")
    return s


def test_means_and_covariance(s) -> None:
    out = run(s, "mean math homework")
    X = np.column_stack([col(s, "math"), col(s, "homework")])
    N = len(X)
    np.testing.assert_allclose(s.e.b, X.mean(0), rtol=1e-12)
    np.testing.assert_allclose(s.e.V, np.cov(X, rowvar=False) / N, rtol=1e-10)
    se = np.sqrt(np.diag(s.e.V))
    q = stats.t.ppf(0.975, N - 1)
    T = s.r["table"].values
    np.testing.assert_allclose(T[4], X.mean(0) - q * se, rtol=1e-10)
    np.testing.assert_allclose(T[5], X.mean(0) + q * se, rtol=1e-10)
    assert s.e.scalars["df_r"] == N - 1
    assert out.lstrip().startswith("Mean estimation") and "Number of obs = 519" in out
    row = next(ln for ln in out.splitlines() if ln.strip().startswith("math |"))
    want = f"{X[:, 0].mean():.7g}", f"{se[0]:.7g}".lstrip("0")  # %9.0g: 7 digits, no 0.
    assert row.startswith(f"        math |{want[0]:>11}{want[1]:>11}")


def test_over_groups_are_independent(s) -> None:
    run(s, "mean math homework, over(schtype)")
    g = col(s, "schtype")
    x = col(s, "math")
    means = [x[g == v].mean() for v in (0, 1)]
    np.testing.assert_allclose(s.e.b[:2], means, rtol=1e-12)
    var0 = x[g == 0].var(ddof=1) / (g == 0).sum()
    assert s.e.V[0, 0] == pytest.approx(var0, rel=1e-10)
    assert s.e.V[0, 1] == 0.0
    assert s.e.bnames[:2] == ["c.math@0.schtype", "c.math@1.schtype"]
    run(s, "lincom _b[c.math@1.schtype] - _b[c.math@0.schtype]")
    diff = means[1] - means[0]
    assert s.r["estimate"] == pytest.approx(diff, rel=1e-10)


def test_frequency_weights_and_bad_input(s) -> None:
    run(s, "generate w = 1 + mod(_n, 2)\nmean math [fw=w]")
    b, V = s.e.b.copy(), s.e.V.copy()
    run(s, "expand w\nmean math")
    np.testing.assert_allclose(s.e.b, b, rtol=1e-12)
    np.testing.assert_allclose(s.e.V, V, rtol=1e-10)
    run(s, 'generate str3 t = "a"')
    assert fails(s, "mean t")[1] == 109
    assert fails(s, "mean math [pw=w]")[1] == 101
    assert fails(s, "mean math if math > 1000") == ("no observations", 2000)


def test_lincom_and_test_use_t_on_df_r(s) -> None:
    """After mean, lincom and test use t and F on e(df_r) = N - 1, as after regress."""
    run(s, "mean math, over(schtype)")
    out = run(s, "lincom _b[c.math@1.schtype] - _b[c.math@0.schtype]")
    se = np.sqrt(s.e.V[0, 0] + s.e.V[1, 1])
    q = stats.t.ppf(0.975, s.e.scalars["df_r"])
    assert s.r["lb"] == pytest.approx(s.r["estimate"] - q * se, rel=1e-10)
    assert "P>|t|" in out
    out = run(s, "test _b[c.math@1.schtype] = 50")
    assert f"F(  1,   {int(s.e.scalars['df_r'])}) =" in out
