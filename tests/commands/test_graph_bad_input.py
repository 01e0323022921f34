"""Bad input to the graph commands: a clear Stata error with its return code, never a Python
traceback, and nothing changed (data, stored graphs, files) when a command fails."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


def refused(s: Session, text: str, rc: int) -> str:
    """Run a command that must fail with ``rc``: no internal error, no new or changed graph,
    no change to the data. Returns the message."""
    graphs = dict(s.graphs)
    nobs, names = s.data.nobs, list(s.data.info)
    s.last_traceback = None
    msg, got = fails(s, text)
    assert got == rc, (text, msg, got)
    assert s.last_traceback is None, s.last_traceback
    assert s.graphs == graphs
    assert s.data.nobs == nobs and list(s.data.info) == names
    return msg


@pytest.fixture(scope="module")
def fitted() -> Session:
    s = Session()
    run(s, "use math")
    run(
        s, "quietly bayes, rseed(1) mcmcsize(300) burnin(100) nodots: mixed math homework || schid:"
    )
    return s


@pytest.fixture
def in_tmp(tmp_path: Path):
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


# ---------------------------------------------------------------------------------------------
# 1. non-finite draws in bayesgraph


@pytest.mark.parametrize(
    "cmd",
    [
        "bayesgraph histogram (r: 1/0)",
        "bayesgraph diagnostics (r: exp(1000*{math:homework}))",
        "bayesgraph matrix _ll (r: sqrt(-1))",
        "bayesgraph kdensity (r: ln(-{math:homework}))",
        "bayesgraph trace {math:homework} (r: 1/0), byparm",
    ],
)
def test_bayesgraph_all_missing_draws_is_no_observations(fitted: Session, cmd: str) -> None:
    msg = refused(fitted, cmd, 2000)
    assert "no observations" in msg and "missing in every draw" in msg


def test_bayesgraph_partly_missing_draws_are_left_out(fitted: Session) -> None:
    draws = fitted.e.chains_of("math:homework").reshape(-1)
    m = float(np.median(draws))
    expr = f"(r: sqrt({{math:homework}} - {m!r}))"
    kept = int(np.sum(draws - m >= 0))
    assert 0 < kept < len(draws)
    for sub in ("trace", "ac", "histogram", "kdensity", "cusum", "diagnostics"):
        fitted.last_traceback = None
        run(fitted, f"bayesgraph {sub} {expr}")
        assert fitted.last_traceback is None
    run(fitted, f"bayesgraph histogram {expr}")
    dens, edges = fitted.graphs["Graph"].data["r"]["hist"][1]
    assert np.isfinite(dens).all() and np.isfinite(edges).all()
    assert float(np.sum(dens * np.diff(edges))) == pytest.approx(1.0)
    run(fitted, f"bayesgraph cusum {expr}")
    assert len(fitted.graphs["Graph"].data["r"]["cusum"][1]) == kept
    run(fitted, f"bayesgraph matrix {{math:homework}} {expr}")
    run(fitted, f"bayesgraph histogram {{math:homework}} {expr}, combine")
    run(fitted, f"bayesgraph kdensity {expr}, show(both) normal")


def test_bayesmh_kdensity_of_a_missing_expression_is_refused() -> None:
    s = Session()
    run(s, "use math")
    run(
        s,
        "quietly bayesmh math homework, likelihood(normal({var})) "
        "prior({math:}, normal(0,100)) prior({var}, igamma(1,2)) rseed(1) mcmcsize(300)",
    )
    refused(s, "bayesgraph kdensity (log(-{var}))", 2000)
    run(s, "bayesgraph kdensity (log({var}))")


# ---------------------------------------------------------------------------------------------
# 2. histogram widths and bins


def test_histogram_width_must_be_positive(math_session: Session) -> None:
    s = math_session
    refused(s, "histogram math, discrete width(0)", 198)
    refused(s, "histogram math, discrete width(-1)", 198)
    refused(s, "histogram math, width(0)", 198)


def test_histogram_and_bayesgraph_bins_are_capped(fitted: Session) -> None:
    for cmd in (
        "histogram math, bin(1e9)",
        "histogram math, bin(1001)",
        "histogram math, width(1e-4)",
        "histogram math, discrete width(1e-6)",
        "bayesgraph histogram {math:homework}, bin(1e9)",
        "bayesgraph histogram {math:homework}, bin(1001)",
    ):
        assert "1,000" in refused(fitted, cmd, 198)
    run(fitted, "bayesgraph histogram {math:homework}, bin(25)")
    assert fitted.graphs["Graph"].data["math:homework"]["bins"] == 25


# ---------------------------------------------------------------------------------------------
# 3. graph size and aspect ratio


@pytest.mark.parametrize(
    "opt",
    [
        "aspectratio(0)",
        "aspectratio(-1)",
        "xsize(0)",
        "xsize(-5)",
        "xsize(1e9)",
        "ysize(1e6)",
        "ysize(100.5)",
        "scale(0)",
        "scale(-1)",
    ],
)
def test_size_and_aspect_options_are_checked(math_session: Session, opt: str) -> None:
    refused(math_session, f"scatter math homework, {opt}", 198)


def test_valid_sizes_still_draw(math_session: Session) -> None:
    s = math_session
    run(s, "scatter math homework, xsize(100) ysize(1) aspectratio(2) scale(1.2) name(big)")
    assert s.graphs["big"].size_inches[0] > 10


# ---------------------------------------------------------------------------------------------
# 4. upper limits


def test_too_many_axis_ticks(math_session: Session) -> None:
    s = math_session
    assert "too many" in refused(s, "scatter math homework, ylabel(0(1e-9)100)", 123)
    refused(s, "scatter math homework, xlabel(0(1e-300)1e300)", 123)
    refused(s, "scatter math homework, ylabel(#1e9)", 198)
    refused(s, "scatter math homework, ylabel(0(1)inf)", 198)


def test_graph_export_pixel_limits(math_session: Session, tmp_path: Path) -> None:
    s = math_session
    run(s, "scatter math homework")
    png = tmp_path / "x.png"
    for opt in ("width(1e9)", "width(1e6)", "width(16001)", "height(7)", "width(0)"):
        refused(s, f"graph export {png}, {opt}", 198)
        assert not png.exists()
    run(s, f"graph export {png}, width(8)")
    assert png.exists()


def test_graph_combine_limits(math_session: Session) -> None:
    s = math_session
    for n in ("g1", "g2", "g3"):
        run(s, f"scatter math homework, name({n})")
    refused(s, "graph combine g1, cols(1e9)", 198)
    refused(s, "graph combine g1, rows(1e9)", 198)
    refused(s, "graph combine g1 g2 g3, holes(99)", 198)
    refused(s, "graph combine g1 g2 g3, cols(1) holes(5)", 198)
    refused(s, "graph combine g1 g2 g3, rows(1) cols(1)", 198)
    refused(s, "graph combine g1 g2, xsize(0)", 198)
    refused(s, "graph combine g1 g2, ysize(1000)", 198)
    out = run(s, "graph combine g1 g2 g3, holes(4) name(ok)")
    assert "graph ok" in out
    assert s.graphs["ok"].data["rows"] * s.graphs["ok"].data["cols"] >= 4
    run(s, "graph combine g1 g2 g3, rows(40) name(tall)")
    assert s.graphs["tall"].size_inches[1] <= 100


# ---------------------------------------------------------------------------------------------
# 5. empty names and files


def test_bayesgraph_empty_name_and_saving(fitted: Session, in_tmp: Path) -> None:
    before = set(os.listdir(in_tmp))
    refused(fitted, "bayesgraph trace {math:homework}, name()", 198)
    refused(fitted, "bayesgraph trace {math:homework}, saving()", 198)
    refused(fitted, 'bayesgraph trace {math:homework}, saving("")', 198)
    rc = fails(fitted, "bayesgraph trace {math:homework}, saving(.)")[1]
    assert rc in (198, 603)
    sub = in_tmp / "sub"
    sub.mkdir()
    refused(fitted, f"bayesgraph trace {{math:homework}}, saving({sub}/)", 603)
    refused(fitted, f"bayesgraph trace {{math:homework}}, saving({in_tmp}/nosuch/)", 603)
    refused(fitted, "bayesgraph trace {math:homework}, saving(.png)", 198)
    assert set(os.listdir(in_tmp)) == before | {"sub"}
    assert list(sub.iterdir()) == []
    assert "True" not in fitted.graphs


def test_graph_save_and_use_need_a_file_name(math_session: Session, in_tmp: Path) -> None:
    s = math_session
    run(s, "scatter math homework")
    refused(s, 'graph save ""', 198)
    refused(s, "graph save .gph", 198)
    refused(s, f"graph save {in_tmp}/", 603)
    refused(s, 'graph use ""', 198)
    refused(s, 'graph export ""', 198)
    refused(s, "graph export .png", 198)
    refused(s, 'graph combine ""', 198)
    refused(s, 'scatter math homework, saving("")', 198)
    refused(s, f"scatter math homework, saving({in_tmp}/)", 603)
    refused(s, "scatter math homework, name()", 198)
    assert os.listdir(in_tmp) == []
    run(s, "graph save ok")
    assert (in_tmp / "ok.gph").exists()


# ---------------------------------------------------------------------------------------------
# 6. suboptions and values


def test_unknown_suboptions_of_name_and_saving(
    math_session: Session, fitted: Session, in_tmp: Path
) -> None:
    s = math_session
    assert "foo not allowed" in refused(s, "scatter math homework, name(g2, foo)", 198)
    assert "foo not allowed" in refused(s, "scatter math homework, saving(x.gph, foo)", 198)
    refused(fitted, "bayesgraph trace {math:homework}, name(g2, foo)", 198)
    refused(fitted, "bayesgraph trace {math:homework}, saving(x, foo)", 198)
    assert os.listdir(in_tmp) == []
    run(s, "scatter math homework, name(g2, replace) saving(x.gph, replace)")
    assert "g2" in s.graphs and (in_tmp / "x.gph").exists()


@pytest.mark.parametrize(
    "opt",
    [
        "legend(cols(0))",
        "legend(cols(-1))",
        "legend(rows(0))",
        "legend(cols(1.5))",
        "msize(-5)",
        "lwidth(-1)",
    ],
)
def test_bad_style_values(math_session: Session, opt: str) -> None:
    cmd = f"twoway (scatter math homework, {opt}) (lfit math homework, {opt})"
    refused(math_session, cmd, 198)


# ---------------------------------------------------------------------------------------------
# 7. kdensity generate()


def test_kdensity_generate_names(math_session: Session) -> None:
    s = math_session
    refused(s, "kdensity math, generate(a a)", 198)
    refused(s, "kdensity math, generate(math x)", 110)
    refused(s, "kdensity math, generate(x math)", 110)
    assert "a" not in s.data.info and "x" not in s.data.info
    run(s, "kdensity math, generate(x d) nograph")
    assert "x" in s.data.info and "d" in s.data.info


# ---------------------------------------------------------------------------------------------
# 8. byparm title


def test_byparm_title_clears_the_first_panel(fitted: Session) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from bayes_magic.commands import bayesgraph_figures as F
    from bayes_magic.commands.bayesgraph import traces
    from bayes_magic.syntax.parser import parse

    ts = traces(fitted.e, parse("bayesgraph trace _all, byparm"))
    d = F.combined("trace", ts, {}, byparm=True)
    fig = d.fig
    r = fig.canvas.get_renderer()
    sup = fig._suptitle.get_window_extent(r)
    first = fig.axes[0].get_tightbbox(r)
    assert first.y1 < sup.y0  # the first panel (with its title box) lies below the title
    import matplotlib.pyplot as plt

    plt.close(fig)
