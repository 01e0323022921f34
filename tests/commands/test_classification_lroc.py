"""``estat classification`` and ``lroc`` ([R] estat classification, [R] lroc) after logit
and probit: the 2x2 table and its rates from the predicted probabilities (numpy), the area
under the ROC curve against the Mann-Whitney statistic (scipy), frequency weights as the
expanded data, and Stata's layout."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bayes_magic.session import Session
from tests.commands.test_graphs import draw, series
from tests.conftest import col, fails, run


@pytest.fixture
def fitted() -> Session:
    s = Session()
    run(s, "use hospital")
    run(s, "quietly logit hosp loginc distance dropout college")
    run(s, "predict double p")
    return s


def test_classification_table(fitted) -> None:
    s = fitted
    out = run(s, "estat classification, cutoff(0.3)").splitlines()
    y, p = col(s, "hosp"), col(s, "p")
    pos = p >= 0.3
    a, b = np.sum(pos & (y == 1)), np.sum(pos & (y == 0))
    c, d = np.sum(~pos & (y == 1)), np.sum(~pos & (y == 0))
    assert s.r["ctable"].values[:2, :2].tolist() == [[a, b], [c, d]]
    assert s.r["P_p1"] == pytest.approx(100 * a / (a + c))
    assert s.r["P_corr"] == pytest.approx(100 * (a + d) / len(y))
    assert out[0] == "Logistic model for hosp"  # one blank line before it in the log, as Stata
    assert out[3] == "Classified |         D            ~D  |      Total"
    assert out[5] == f"     +     |{a:>10}{b:>14}  |{a + b:>11}"
    assert out[10] == "Classified + if predicted Pr(D) >= .3"
    assert out[13] == f"{'Sensitivity':<32}{'Pr( +| D)':<10}{100 * a / (a + c):7.2f}%"
    run(s, "estat classification if dropout == 1")
    assert s.r["N"] == np.sum(col(s, "dropout") == 1)


def test_roc_area_is_the_mann_whitney_statistic(fitted) -> None:
    s = fitted
    fig = draw(s, "lroc")
    y, p = col(s, "hosp"), col(s, "p")
    u = stats.mannwhitneyu(p[y == 1], p[y == 0]).statistic
    assert s.r["area"] == pytest.approx(u / (np.sum(y == 1) * np.sum(y == 0)), rel=1e-12)
    curve = series(fig, plot="connected")
    assert curve["x"][0] == 0 and curve["y"][-1] == 1 and np.all(np.diff(curve["x"]) >= 0)
    assert fig.axes_info[0]["xlabel"] == "1 - specificity"
    run(s, "quietly probit hosp loginc distance dropout college")
    out = run(s, "lroc, nograph")
    assert "Probit model for hosp" in out and "Area under ROC curve   =" in out


def test_frequency_weights_are_the_expanded_data() -> None:
    s = Session()
    run(s, "use hospital")
    run(s, "generate f = 1 + mod(_n, 3)")
    run(s, "quietly logit hosp loginc distance [fw=f]")
    run(s, "lroc, nograph")
    area = s.r["area"]
    run(s, "estat classification")
    table = s.r["ctable"].values.copy()
    run(s, "expand f")
    run(s, "quietly logit hosp loginc distance")
    run(s, "lroc, nograph")
    assert s.r["area"] == pytest.approx(area, rel=1e-10)
    run(s, "estat classification")
    np.testing.assert_array_equal(s.r["ctable"].values, table)


def test_not_after_other_models() -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly regress math homework")
    assert fails(s, "lroc")[1] == 321
    assert fails(s, "estat classification")[1] == 321


def test_lsens_against_classification(fitted) -> None:
    """lsens: sensitivity and specificity at each cutoff (0, each predicted probability, 1),
    positive where Pr >= cutoff, as estat classification classifies (a new-user trial found
    lsens missing)."""
    s = fitted
    run(s, "lsens, genprob(c) gensens(se) genspec(sp) nograph")
    y, p = col(s, "hosp"), col(s, "p")
    c, se, sp = col(s, "c"), col(s, "se"), col(s, "sp")
    k = int(np.flatnonzero(c >= 0.3)[0])
    assert se[k] == pytest.approx(np.mean(p[y == 1] >= c[k]), abs=1e-6)
    assert sp[k] == pytest.approx(np.mean(p[y == 0] < c[k]), abs=1e-6)
    run(s, f"estat classification, cutoff({c[k]:.10f})")
    assert s.r["P_p1"] / 100 == pytest.approx(se[k], abs=1e-6)
    assert (c[0], se[0], sp[0]) == (0, 1, 0) and np.nanmax(c) == 1
    assert fails(s, "lsens, genprob(c) nograph")[1] == 110
    run(s, "lsens, genprob(c) replace")
