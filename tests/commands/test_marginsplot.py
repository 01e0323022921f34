"""``marginsplot`` ([R] marginsplot): the last margins as connected markers with capped
confidence intervals, one plot per distinction that is not on the x axis.

Checked through the PNG (opened and measured) and the data behind each plot: the markers are
``r(b)``, the caps ``r(b) ± z·se`` from ``r(V)``; titles, legend and axes as Stata draws them.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bayes_magic.session import Session
from tests.commands.test_graphs import draw, series
from tests.conftest import fails, run


@pytest.fixture
def fitted() -> Session:
    s = Session()
    run(s, "use hospital")
    run(s, "quietly logit hosp loginc distance i.dropout")
    return s


def test_levels_over_at_values(fitted) -> None:
    s = fitted
    run(s, "quietly margins dropout, at(loginc=(4 5 6))")
    b = s.r["b"].values.ravel()
    se = np.sqrt(np.diag(s.r["V"].values))
    res = s.execute("marginsplot")
    assert res.text().splitlines()[0] == "Variables that uniquely identify margins: loginc dropout"
    fig = draw(s, "marginsplot")
    assert fig.description == "(graph Graph: marginsplot)"
    assert fig.data["title"] == "Predictive margins of dropout with 95% CIs"
    assert fig.axes_info == [{"title": "", "xlabel": "Log of income", "ylabel": "Pr(hosp)"}]
    assert fig.legend == ["dropout=0", "dropout=1"]
    z = stats.norm.ppf(0.975)
    for level in (0, 1):
        line = series(fig, label=f"dropout={level}", plot="connected")
        rows = [k for k in range(6) if k % 2 == level]  # _at#dropout: 1#0, 1#1, 2#0 ...
        np.testing.assert_allclose(line["x"], [4, 5, 6])
        np.testing.assert_allclose(line["y"], b[rows], rtol=1e-12)
    caps = [d for d in fig.data["panels"][0]["series"] if d["plot"] == "rcap"]
    assert len(caps) == 2
    np.testing.assert_allclose(caps[0]["hi"], b[[0, 2, 4]] + z * se[[0, 2, 4]], rtol=1e-10)
    np.testing.assert_allclose(caps[0]["lo"], b[[0, 2, 4]] - z * se[[0, 2, 4]], rtol=1e-10)


def test_level_and_plot_options(fitted) -> None:
    s = fitted
    run(s, "quietly margins dropout")
    b = s.r["b"].values.ravel()
    se = np.sqrt(np.diag(s.r["V"].values))
    fig = draw(s, "marginsplot, level(50) plotopts(lpattern(dash)) ciopts(lcolor(red))")
    assert fig.data["title"] == "Predictive margins of dropout with 50% CIs"
    caps = series(fig, plot="rcap")
    np.testing.assert_allclose(caps["hi"], b + stats.norm.ppf(0.75) * se, rtol=1e-10)
    ax = next(a for a in fig._fig.axes if a.has_data())
    assert any(ln.get_linestyle() == "--" for ln in ax.get_lines())  # plotopts(lpattern(dash))
    reds = [
        c
        for art in [*ax.collections, *ax.get_lines()]
        for c in np.atleast_2d(
            art.get_color() if hasattr(art, "get_color") else art.get_edgecolor()
        )
        if len(c) >= 3 and tuple(np.round(c[:3], 2)) == (1.0, 0.0, 0.0)
    ]
    assert reds  # ciopts(lcolor(red))


def test_effects_on_the_x_axis_and_options(fitted) -> None:
    s = fitted
    run(s, "quietly margins, dydx(*) level(90)")
    fig = draw(s, "marginsplot")
    assert fig.data["title"] == "Average marginal effects with 90% CIs"
    assert fig.axes_info[0]["xlabel"] == "Effects with respect to"
    assert fig.axes_info[0]["ylabel"] == "Effects on Pr(hosp)"
    assert fig.legend == []
    line = series(fig, plot="connected")
    np.testing.assert_allclose(line["x"], [1, 2, 3])
    np.testing.assert_allclose(line["y"], s.r["b"].values.ravel())
    fig = draw(s, "marginsplot, noci recast(scatter) title(Effects)")
    assert [d["plot"] for d in fig.data["panels"][0]["series"]] == ["scatter"]
    assert fig.data["title"] == "Effects"
    run(s, "quietly margins, dydx(loginc) at(distance=(0 5 10))")
    fig = draw(s, "marginsplot, recastci(rarea)")
    assert fig.data["title"] == "Average marginal effects of loginc with 95% CIs"
    assert {d["plot"] for d in fig.data["panels"][0]["series"]} == {"rarea", "connected"}


@pytest.mark.parametrize(
    ("text", "rc"),
    [
        ("marginsplot, xdimension(loginc)", 198),
        ("marginsplot, recast(pie)", 198),
        ("marginsplot, ciopts(nosuch(1))", 198),
    ],
)
def test_bad_input(fitted, text, rc) -> None:
    s = fitted
    run(s, "quietly margins dropout")
    assert fails(s, text)[1] == rc


def test_before_margins() -> None:
    s = Session()
    run(s, "use hospital")
    assert fails(s, "marginsplot") == ("previous command was not margins", 301)
