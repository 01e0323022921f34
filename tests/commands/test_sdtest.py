"""``sdtest`` and ``sdtesti`` ([R] sdtest): the variance ratio and one-sample chi2 tests against
scipy's F and chi2 distributions; ``sdtesti`` on the summaries of data agrees with ``sdtest``
on the data; the lines under the table as sdtest.ado prints them."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bayes_magic.session import Session
from tests.conftest import col, fails, run


@pytest.fixture(scope="module")
def exam() -> Session:
    s = Session()
    run(s, "sysuse exam, clear\nkeep if school <= 6")
    return s


def test_variance_ratio_by_group(exam) -> None:
    out = run(exam, "sdtest normexam, by(sex)")
    y = col(exam, "normexam")
    sex = np.asarray(exam.data.values("sex"))
    a, b = y[sex == "F"], y[sex == "M"]
    F = a.var(ddof=1) / b.var(ddof=1)
    p_l = stats.f.cdf(F, len(a) - 1, len(b) - 1)
    assert exam.r["F"] == pytest.approx(F, rel=1e-12)
    assert exam.r["p_l"] == pytest.approx(p_l, rel=1e-9)
    assert exam.r["p"] == pytest.approx(2 * min(p_l, 1 - p_l), rel=1e-9)
    lines = out.strip("\n").splitlines()
    assert lines[0] == "Variance ratio test"
    assert lines[-5] == "    ratio = sd(F) / sd(M)" + " " * 41 + f"f = {F:8.4f}"
    assert lines[-4].startswith("H0: ratio = 1") and len(lines[-4]) == 78
    assert lines[-4].endswith(f"Degrees of freedom = {len(a) - 1}, {len(b) - 1}")
    immediate = dict(exam.r)
    run(
        exam,
        f"sdtesti {len(a)} {a.mean()!r} {a.std(ddof=1)!r} {len(b)} {b.mean()!r} "
        f"{b.std(ddof=1)!r}".replace("np.float64(", "").replace(")", ""),
    )
    for key in ("F", "p", "sd", "df_1", "df_2"):
        assert exam.r[key] == pytest.approx(immediate[key], rel=1e-9)


def test_one_sample_and_two_variables(exam) -> None:
    y = col(exam, "normexam")
    out = run(exam, "sdtest normexam == 1.2")
    chi2 = (len(y) - 1) * y.var(ddof=1) / 1.44
    assert exam.r["chi2"] == pytest.approx(chi2, rel=1e-12)
    assert exam.r["p_u"] == pytest.approx(stats.chi2.sf(chi2, len(y) - 1), rel=1e-9)
    assert "H0: sd = 1.2" in out and "Ha: sd != 1.2" in out
    run(exam, "sdtest normexam == standlrt")
    x = col(exam, "standlrt")
    assert exam.r["F"] == pytest.approx(y.var(ddof=1) / x.var(ddof=1), rel=1e-12)


def test_errors(exam) -> None:
    assert fails(exam, "sdtest normexam")[1] == 100
    assert fails(exam, "sdtest normexam == 1, by(sex)")[1] == 198
    assert fails(exam, "sdtest normexam, by(school)")[1] == 420
    assert fails(exam, "sdtesti 10 . 2")[1] == 198
