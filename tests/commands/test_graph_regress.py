"""``rvfplot``, ``rvpplot``, ``lvr2plot`` and ``avplot`` after ``regress`` ([R] regress
postestimation diagnostic plots): the plotted points against statsmodels' OLS (residuals,
fitted values, leverage; the added-variable regression of the Frisch-Waugh-Lovell theorem,
whose slope is the coefficient), the titles and the note; bad input."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.commands.test_graphs import draw, series
from tests.conftest import col, fails, run

sm = pytest.importorskip("statsmodels.api")


@pytest.fixture
def fitted() -> tuple[Session, object]:
    s = Session()
    run(s, "use math\ngenerate pub = schtype == 1\nregress math homework pub")
    X = sm.add_constant(np.column_stack([col(s, "homework"), col(s, "pub")]))
    return s, sm.OLS(col(s, "math"), X).fit()


def _pairs(d: dict) -> np.ndarray:
    xy = np.column_stack([d["x"], d["y"]])
    return xy[np.lexsort((xy[:, 1], xy[:, 0]))]


def test_rvf_and_rvp(fitted) -> None:
    s, ref = fitted
    fig = draw(s, "rvfplot, yline(0)")
    got = _pairs(series(fig, plot="scatter"))
    want = np.column_stack([ref.fittedvalues, ref.resid])
    np.testing.assert_allclose(got, want[np.lexsort((want[:, 1], want[:, 0]))], atol=1e-9)
    assert fig.axes_info[0]["xlabel"] == "Fitted values"
    assert fig.axes_info[0]["ylabel"] == "Residuals"
    fig = draw(s, "rvpplot homework")
    got = _pairs(series(fig, plot="scatter"))
    want = np.column_stack([col(s, "homework"), ref.resid])
    np.testing.assert_allclose(got, want[np.lexsort((want[:, 1], want[:, 0]))], atol=1e-9)


def test_lvr2plot(fitted) -> None:
    s, ref = fitted
    fig = draw(s, "lvr2plot")
    h = ref.get_influence().hat_matrix_diag
    nr2 = ref.resid**2 / np.sum(ref.resid**2)
    got = _pairs(series(fig, plot="scatter"))
    want = np.column_stack([nr2, h])
    np.testing.assert_allclose(got, want[np.lexsort((want[:, 1], want[:, 0]))], atol=1e-12)
    assert fig.axes_info[0]["ylabel"] == "Leverage"


def test_avplot(fitted) -> None:
    s, ref = fitted
    fig = draw(s, "avplot homework")
    X = sm.add_constant(col(s, "pub"))
    ey = sm.OLS(col(s, "math"), X).fit().resid
    ex = sm.OLS(col(s, "homework"), X).fit().resid
    got = _pairs(series(fig, plot="scatter"))
    want = np.column_stack([ex, ey])
    np.testing.assert_allclose(got, want[np.lexsort((want[:, 1], want[:, 0]))], atol=1e-9)
    line = series(fig, plot="line")
    slope = np.polyfit(line["x"], line["y"], 1)[0]
    assert slope == pytest.approx(ref.params[1], rel=1e-9)  # Frisch-Waugh-Lovell
    assert fig.axes_info[0]["xlabel"] == "e( homework | X )"
    se, t = ref.bse[1], ref.tvalues[1]
    assert fig.data["note"] == f"coef = {ref.params[1]:.7g}, se = {se:.7g}, t = {t:.2f}".replace(
        "= 0.", "= ."
    )


def test_bad_input(fitted) -> None:
    s, _ref = fitted
    assert fails(s, "avplot schid")[1] == 198
    assert fails(s, "rvpplot")[1] in (100, 103, 198)
    run(s, "logit pub homework")
    assert fails(s, "rvfplot") == ("rvfplot not allowed after logit", 321)


def test_avplots_combines_each_regressors_avplot() -> None:
    """avplots: one added-variable plot per regressor, combined; the temporary graphs are not
    left behind (a new-user trial found avplots missing)."""
    from bayes_magic.session import Session
    from tests.conftest import fails, run

    s = Session()
    run(s, "use exam\nquietly regress normexam standlrt schavg")
    run(s, 'avplots, title("AV") msize(small)')
    g = s.graphs["Graph"]
    assert g.data["graphs"] == ["_avplots1", "_avplots2"] and g.data["title"] == "AV"
    assert not [n for n in s.graphs if n.startswith("_avplots")]
    run(s, "scatter normexam standlrt, name(_avplots1)")  # the user's own graph stays
    run(s, "avplots")
    assert s.graphs["_avplots1"].description.endswith("scatter normexam standlrt, name(_avplots1))")
    run(s, "quietly regress normexam")  # no regressors
    assert fails(s, "avplots")[1] == 198
