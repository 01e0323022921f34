"""lowess and twoway lowess ([R] lowess, Methods and formulas: windows of k = floor((N·bwidth
- 0.5)/2) observations each side in x order, tricube weights on Δ = 1.0001·the farther end),
checked where the smooth has a closed form or statsmodels computes it: a straight line is
reproduced exactly; at the middle observation with bwidth(1) the window is all the data, so
the unweighted smooth is the OLS line's value there, the mean option the mean of y, and the
tricube smooth statsmodels' WLS prediction with those weights."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.commands.graph_stats import lowess
from bayes_magic.session import Session
from tests.conftest import fails, run

sm = pytest.importorskip("statsmodels.api")


def _data(n: int = 41):
    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(0, 10, n))
    y = 2 + 0.5 * x + np.sin(x) + rng.normal(0, 0.3, n)
    return x, y


def test_a_line_is_reproduced() -> None:
    x, _ = _data()
    y = 3 - 2 * x
    for mean_w in (True, False):
        assert np.allclose(lowess(x, y, 0.3, weighted=mean_w), y)


def test_the_middle_observation_with_the_whole_window() -> None:
    x, y = _data()
    mid = len(x) // 2
    ols = sm.OLS(y, sm.add_constant(x)).fit()
    assert lowess(x, y, 1.0, weighted=False)[mid] == pytest.approx(
        ols.params[0] + ols.params[1] * x[mid], rel=1e-10
    )
    assert lowess(x, y, 1.0, weighted=False, mean=True)[mid] == pytest.approx(y.mean())
    delta = 1.0001 * max(x[-1] - x[mid], x[mid] - x[0])
    w = (1 - (np.abs(x - x[mid]) / delta) ** 3) ** 3
    wls = sm.WLS(y, sm.add_constant(x), weights=w).fit()
    assert lowess(x, y, 1.0)[mid] == pytest.approx(
        wls.params[0] + wls.params[1] * x[mid], rel=1e-10
    )


def test_the_commands() -> None:
    s = Session()
    run(s, "use math\nlowess math homework, generate(sm) nograph")
    x, y = s.data.values("homework"), s.data.values("math")
    assert np.allclose(s.data.values("sm"), lowess(x, y, 0.8), atol=1e-4)  # float storage
    run(s, "lowess math homework, bwidth(.5) adjust")
    assert s.graphs["Graph"].data["title"] == "Lowess smoother"
    run(s, "twoway scatter math homework || lowess math homework, mean noweight")
    assert fails(s, "lowess math homework, bwidth(2)")[1] == 198
    assert fails(s, "lowess math, nograph")[1] == 102
