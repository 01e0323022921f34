"""``lincom`` ([R] lincom) and the linear forms ``test`` shares with it.

* lincom of one coefficient is its row of the coefficient table; ``_cons + 3*homework`` is the
  linear prediction at homework = 3 with ``predict, stdp``'s standard error (another code
  path); its t² after ``regress`` is ``test``'s F of the same hypothesis; ``or`` exponentiates.
* Stata's layout, ``r()``, and bad input.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.fixture
def fitted() -> Session:
    s = Session()
    run(s, "use math")
    run(s, "quietly regress math homework i.schtype")
    return s


def test_one_coefficient_is_its_table_row(fitted) -> None:
    s = fitted
    table = run(s, "regress")
    out = run(s, "lincom homework")
    row = next(ln for ln in table.splitlines() if ln.startswith("    homework"))
    assert out.splitlines()[-2] == "         (1) |" + row.split("|", 1)[1]
    assert out.splitlines()[0] == " ( 1)  homework = 0"
    assert out.splitlines()[1] == ""
    assert "        math | Coefficient  Std. err.      t    P>|t|" in out


def test_prediction_at_a_point_and_test(fitted) -> None:
    s = fitted
    run(s, "lincom _cons + 3*homework + 1.schtype")
    est, se = s.r["estimate"], s.r["se"]
    run(s, "preserve")
    run(s, "replace homework = 3")
    run(s, "replace schtype = 1")
    run(s, "predict double xb3, xb")
    run(s, "predict double se3, stdp")
    assert est == pytest.approx(float(s.data.values("xb3")[0]), rel=1e-12)
    assert se == pytest.approx(float(s.data.values("se3")[0]), rel=1e-10)
    run(s, "restore")
    run(s, "lincom _b[homework] - 2*1.schtype - 4")
    t = s.r["t"]
    assert s.r["df"] == 516
    assert s.r["p"] == pytest.approx(2 * stats.t.sf(abs(t), 516), rel=1e-10)
    run(s, "test homework - 2*1.schtype = 4")
    assert s.r["F"] == pytest.approx(t * t, rel=1e-10)


def test_odds_ratios_and_z_after_ml() -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly logit schtype homework math")
    out = run(s, "lincom homework + math, or level(90)")
    b = s.e.b[0] + s.e.b[1]
    se = math.sqrt(s.e.V[0, 0] + s.e.V[1, 1] + 2 * s.e.V[0, 1])
    assert s.r["estimate"] == pytest.approx(b, rel=1e-12)
    assert s.r["se"] == pytest.approx(se, rel=1e-12)
    assert s.r["z"] == pytest.approx(b / se, rel=1e-12) and "df" not in s.r
    lo = math.exp(b - stats.norm.ppf(0.95) * se)
    assert "  Odds ratio  Std. err.      z    P>|z|     [90% conf. interval]" in out
    assert f"{lo:.7f}"[1:] in out.splitlines()[-2]
    np.testing.assert_allclose(s.r["lb"], b - stats.norm.ppf(0.95) * se)
    out = run(s, "lincom homework, eform")  # a bare eform: Stata's "exp(b)" column
    assert "      exp(b)  Std. err." in out


@pytest.mark.parametrize(
    ("text", "rc"),
    [
        ("lincom homework^2", 198),
        ("lincom exp(homework)", 198),
        ("lincom nosuch", 111),
        ("lincom", 198),
        ("lincom homework, or irr", 198),
        ("lincom homework, cformat(%9.2f)", 198),
    ],
)
def test_bad_input(fitted, text, rc) -> None:
    run(fitted, "lincom homework")
    before = dict(fitted.r)
    assert fails(fitted, text)[1] == rc
    assert fitted.r == before  # r() left as it was


def test_after_bayes_points_to_bayesstats() -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly bayes, rseed(1) mcmcsize(200) burnin(100): regress math homework")
    msg, rc = fails(s, "lincom homework")
    assert rc == 321 and "bayesstats summary" in msg


def test_one_blank_line_before_the_table_in_a_log(fitted) -> None:
    """Stata's log: the constraint (or nlcom's legend), one blank line, the table."""
    for cmd, first in (
        ("lincom homework*2", " ( 1)  2*homework = 0"),
        ("nlcom 2*_b[homework]", ""),
    ):
        lines = fitted.execute(cmd, echo=True).log().splitlines()
        i = next(k for k, ln in enumerate(lines) if ln.startswith("-----"))
        assert lines[i - 1] == "" and lines[i - 2] != "", (cmd, lines[: i + 1])
        if first:
            assert lines[i - 2] == first


def test_odds_ratios_are_the_default_after_logistic() -> None:
    """[R] lincom: ``or`` is the default after ``logistic``; after ``logit`` the
    coefficients are shown."""
    s = Session()
    run(s, "use hospital\nquietly logistic hosp loginc college")
    b = s.e.b
    names = [n.split(":")[-1] for n in s.e.bnames]
    total = b[names.index("loginc")] + b[names.index("college")]
    out = s.execute("lincom loginc + college").log()
    assert "Odds ratio" in out and f"{np.exp(total):.6f}"[:8] in out
    assert out == s.execute("lincom loginc + college, or").log().replace(", or", "")
    run(s, "quietly logit hosp loginc college")
    out = s.execute("lincom loginc + college").log()
    assert "Coefficient" in out and s.r["estimate"] == pytest.approx(total, rel=1e-8)


def test_interaction_names_in_either_order() -> None:
    """Stata finds ``1.schtype#c.homework`` when the model has ``c.homework#1.schtype``."""
    s = Session()
    run(s, "use math\nquietly regress math c.homework##i.schtype")
    names = [n.split(":")[-1] for n in s.e.bnames]
    b = s.e.b[names.index("c.homework#1.schtype")]
    run(s, "lincom 1.schtype#c.homework")
    assert s.r["estimate"] == pytest.approx(b, rel=1e-12)
    run(s, "scalar z = _b[1.schtype#c.homework]")
    assert (
        s.execute("display z").log().strip()
        == s.execute("display _b[c.homework#1.schtype]").log().strip()
    )
    assert fails(s, "lincom 1.schtype#c.ses")[1] == 111
