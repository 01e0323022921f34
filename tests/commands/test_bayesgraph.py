"""bayesgraph ([BAYES] bayesgraph) as a user types it: layouts, numbers drawn, files, errors.

Graphs are read through what :class:`BayesFigure` keeps (panel titles, axis labels, legends,
the plotted numbers) and through the PNG files ``saving()`` writes.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np
import pytest

from bayes_magic.commands.bayesgraph_plots import (
    BayesFigure,
    default_bins,
    default_lags,
    halves,
    kdensity,
)
from bayes_magic.diagnostics.mcmc import autocorr, quantile
from bayes_magic.report.figure import Figure
from bayes_magic.session import Session
from tests.conftest import fails, run

TALK = "mixed math homework i.schtype || schid: homework, covariance(unstructured)"
N = 500  # draws per chain of the module's fit


@pytest.fixture(scope="module")
def fitted() -> Session:
    """One short fit of the talk's model (stored as bayes1) and its mixed twin (m0)."""
    s = Session()
    run(s, "use math")
    run(s, f"quietly mixed {TALK[6:]}")
    run(s, "estimates store m0")
    run(s, f"quietly bayes, rseed(17) mcmcsize({N}) burnin(300): {TALK}")
    run(s, "estimates store bayes1")
    return s


@pytest.fixture(scope="module")
def two_chains() -> Session:
    s = Session()
    run(s, "use math")
    run(s, f"quietly bayes, rseed(5) mcmcsize(300) burnin(200) nchains(2): {TALK}")
    return s


def graphs(s: Session, text: str) -> list[BayesFigure]:
    res = s.execute(text)
    if res.error is not None:
        raise AssertionError(res.error.render())
    figs = [o for o in res if isinstance(o, BayesFigure)]
    assert figs, f"{text!r} drew nothing"
    return figs


def one(s: Session, text: str) -> BayesFigure:
    figs = graphs(s, text)
    assert len(figs) == 1
    return figs[0]


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def titles(fig: BayesFigure) -> list[str]:
    return [a["title"] for a in fig.axes_info]


# ---------------------------------------------------------------------------------------------
# diagnostics


def test_diagnostics_layout_and_file(fitted: Session, tmp_path: Path) -> None:
    f = tmp_path / "diag.png"
    res = fitted.execute(f"bayesgraph diagnostics {{math:homework}}, saving({f})")
    assert res.error is None
    fig = next(o for o in res if isinstance(o, BayesFigure))
    assert fig.text() == "(graph Graph: diagnostics of {math:homework})"
    assert f"(file {f} saved)" in res.text()
    assert fig.panels == 4 and len(fig.axes_info) == 4
    assert titles(fig) == ["Trace", "Histogram", "Autocorrelation", "Density"]
    assert fig.suptitle == "math:homework"
    assert fig.axes_info[0]["xlabel"] == "Iteration number"
    assert fig.axes_info[2]["xlabel"] == "Lag"
    assert fig.legends[3] == ["all", "1-half", "2-half"]
    assert fig.figure_legend == []  # one chain: no chain legend
    assert fitted.graphs["Graph"] is fig
    # the file is the figure's PNG, of the default size or so (tight bounding box)
    w, h = png_size(f)
    assert f.read_bytes() == fig.png
    assert 500 < w < 700 and 350 < h < 500
    import matplotlib.image as mpimg

    assert mpimg.imread(str(f)).shape[:2] == (h, w)
    # Stata's legend place: 11 o'clock, or 1 o'clock for draws skewed to the right
    for p in ("math:homework", "U:Sigma_1_1"):
        x = fitted.e.chains_of(p)[0]
        d = one(fitted, f"bayesgraph diagnostics {{{p}}}")
        loc = d._fig.axes[3].get_legend()._loc
        assert loc == (1 if x.max() + x.min() > 2 * x.mean() else 2)  # upper right / left


def test_density_halves_split_rule(fitted: Session) -> None:
    post = fitted.e
    for skip, T in ((0, N), (2, math.ceil(N / 3))):  # an even and an odd number of draws
        fig = one(fitted, f"bayesgraph diagnostics {{math:_cons}}, skip({skip})")
        d = fig.data["math:_cons"]
        x = post.chains_of("math:_cons")[0, :: skip + 1]
        assert len(x) == T
        nn = T // 2
        assert d["halves"] == (nn, T - nn + 1)  # the middle draw nn is in both halves
        first, second = halves(x)
        assert np.array_equal(first, x[:nn]) and np.array_equal(second, x[nn - 1 :])
        for lab, v in (("all", x), ("1-half", first), ("2-half", second)):
            g, dens = d["density"][lab]
            g0, d0, _ = kdensity(v)
            np.testing.assert_allclose(g, g0)
            np.testing.assert_allclose(dens, d0)


def test_ac_values_are_autocorr(fitted: Session) -> None:
    x = fitted.e.chains_of("e.math:sigma2")[0]
    fig = one(fitted, "bayesgraph ac {e.math:sigma2}")
    d = fig.data["e.math:sigma2"]
    L = min(N // 2 - 2, 40)
    assert d["lags"] == L == default_lags(N)
    np.testing.assert_allclose(d["ac"][1], autocorr(x, L)[1:])
    # as Stata's bayesgraph: dropped lines, and the Bartlett band only when asked for
    assert "band" not in d
    ax = fig._fig.axes[0]
    assert len(ax.collections[0].get_segments()) == L
    d = one(fitted, "bayesgraph ac {e.math:sigma2}, ci").data["e.math:sigma2"]
    assert len(d["band"]) == L and np.all(d["band"] > 0)
    assert np.all(np.diff(d["band"]) >= 0)  # Bartlett's band widens with the lag
    assert fig.axes_info[0]["xlabel"] == "Lag"
    assert fig.axes_info[0]["ylabel"] == "Autocorrelation"
    fig = one(fitted, "bayesgraph ac {e.math:sigma2}, lags(5)")
    np.testing.assert_allclose(fig.data["e.math:sigma2"]["ac"][1], autocorr(x, 5)[1:])
    ticks = fig._fig.axes[0].get_xticks()
    assert np.all(ticks == np.round(ticks))  # lags are whole numbers (no 2.5)
    # the same numbers in the diagnostics panel
    fig = one(fitted, "bayesgraph diagnostics {e.math:sigma2}, lags(7)")
    np.testing.assert_allclose(fig.data["e.math:sigma2"]["ac"][1], autocorr(x, 7)[1:])


def test_kdensity_is_statas_epanechnikov() -> None:
    rng = np.random.default_rng(3)
    x = rng.gamma(2.0, 1.5, 800)
    g, d, h = kdensity(x, n=60)
    sd = x.std(ddof=1)
    # summarize's quartiles: x_(ceil(np)), or the mean of two when np is whole (Hyndman-Fan 2)
    iqr = np.subtract(*np.percentile(x, [75, 25], method="averaged_inverted_cdf"))
    assert h == pytest.approx(0.9 * min(sd, iqr / 1.349) * len(x) ** -0.2)
    z = (g[:, None] - x[None, :]) / h
    k = np.where(np.abs(z) < np.sqrt(5), 0.75 * (1 - z * z / 5) / np.sqrt(5), 0.0)
    np.testing.assert_allclose(d, k.sum(axis=1) / (len(x) * h), atol=1e-12)
    assert g[0] == x.min() and g[-1] == x.max()


# ---------------------------------------------------------------------------------------------
# single graphs


def test_trace_skip_and_values(fitted: Session) -> None:
    post = fitted.e
    fig = one(fitted, "bayesgraph trace {math:homework}, skip(1)")
    d = fig.data["math:homework"]
    np.testing.assert_array_equal(d["iters"], np.arange(1, N + 1, 2))
    np.testing.assert_array_equal(d["trace"][1], post.chains_of("math:homework")[0, ::2])
    assert titles(fig) == ["math:homework"]
    assert fig.axes_info[0]["xlabel"] == "Iteration number"
    assert fig.text() == "(graph Graph: trace of {math:homework})"


def test_histogram_bins(fitted: Session) -> None:
    fig = one(fitted, "bayesgraph histogram {math:homework}")
    dens, edges = fig.data["math:homework"]["hist"][1]
    k = int(min(math.sqrt(N), 10 * math.log10(N)))
    assert len(dens) == k == default_bins(N)
    assert np.sum(dens * np.diff(edges)) == pytest.approx(1.0)
    assert fig.axes_info[0]["ylabel"] == "Density"
    fig = one(fitted, "bayesgraph histogram {math:homework}, bin(7) normal")
    assert len(fig.data["math:homework"]["hist"][1][0]) == 7


def test_kdensity_and_cusum(fitted: Session) -> None:
    x = fitted.e.chains_of("math:1.schtype")[0]
    fig = one(fitted, "bayesgraph kdensity {math:1.schtype}")
    # Stata 16+: the overall density only, no legend, unless show() asks for the halves
    assert fig.legends[0] == [] and list(fig.data["math:1.schtype"]["density"]) == ["overall"]
    assert fig.text() == "(graph Graph: density of {math:1.schtype})"
    fig = one(fitted, "bayesgraph kdensity {math:1.schtype}, show(both)")
    assert fig.legends[0] == ["overall", "1st-half", "2nd-half"]
    fig = one(fitted, "bayesgraph kdensity {math:1.schtype}, show(first)")
    assert fig.legends[0] == ["overall", "1st-half"]
    assert fails(fitted, "bayesgraph kdensity {math:1.schtype}, show(all)")[1] == 198
    fig = one(fitted, "bayesgraph cusum {math:1.schtype}")
    np.testing.assert_allclose(fig.data["math:1.schtype"]["cusum"][1], np.cumsum(x - x.mean()))
    assert fig.axes_info[0]["ylabel"] == "Cumulative sum"


def test_random_effects_and_expressions(fitted: Session) -> None:
    post = fitted.e
    fig = one(fitted, "bayesgraph trace {U0[6053]}")
    assert titles(fig) == ["U0[6053]"]
    np.testing.assert_array_equal(fig.data["U0[6053]"]["trace"][1], post.chains_of("U0[6053]")[0])
    figs = graphs(fitted, "bayesgraph histogram {U1[6053]} {U1[7474]}")
    assert [titles(f) for f in figs] == [["U1[6053]"], ["U1[7474]"]]
    fig = one(fitted, "bayesgraph trace {U0}, byparm")
    assert fig.panels == sum(r.startswith("U0[") for r in post.re_names) == 23
    assert titles(fig)[0] == "U0[6053]"
    expr = "(corr: {U:Sigma_2_1}/sqrt({U:Sigma_1_1}*{U:Sigma_2_2}))"
    fig = one(fitted, f"bayesgraph trace {expr}")
    want = post.chains_of("U:Sigma_2_1") / np.sqrt(
        post.chains_of("U:Sigma_1_1") * post.chains_of("U:Sigma_2_2")
    )
    np.testing.assert_allclose(fig.data["corr"]["trace"][1], want[0])
    assert titles(fig) == ["corr"] and fig.text() == "(graph Graph: trace of corr)"


def test_loglikelihood_and_bayesmh() -> None:
    from tests.commands.test_bayes_commands import BAYESMH

    s = Session()
    run(s, "use math")
    run(s, "quietly " + BAYESMH.replace("rseed(317)", "rseed(317) mcmcsize(300) burnin(200)"))
    fig = one(s, "bayesgraph trace _loglikelihood")
    assert fig.text() == "(graph Graph: trace of _loglikelihood)"
    np.testing.assert_array_equal(fig.data["_loglikelihood"]["trace"][1], s.e.loglik[0])
    figs = graphs(s, "bayesgraph diagnostics {Sigma,m}")
    assert [f.suptitle for f in figs] == ["Sigma_1_1", "Sigma_2_1", "Sigma_2_2"]
    run(s, f"quietly {TALK}")
    run(s, "estimates store m0")
    run(s, "quietly " + BAYESMH.replace("rseed(317)", "rseed(317) mcmcsize(300) burnin(200)"))
    figs = graphs(s, "bayesgraph reffects, blup(m0)")
    assert [f.data[st]["effect"] for f, st in zip(figs, ("U0", "U1"))] == ["_cons", "homework"]


# ---------------------------------------------------------------------------------------------
# several parameters


def test_several_parameters_one_graph_each(fitted: Session, tmp_path: Path) -> None:
    res = fitted.execute(
        f"bayesgraph trace {{math:homework}} {{math:_cons}}, name(tr) saving({tmp_path / 'tr'})"
    )
    assert res.error is None
    figs = [o for o in res if isinstance(o, BayesFigure)]
    assert [f.name for f in figs] == ["tr1", "tr2"]
    assert figs[1].text() == "(graph tr2: trace of {math:_cons})"
    assert fitted.graphs["tr1"] is figs[0] and fitted.graphs["tr2"] is figs[1]
    assert (tmp_path / "tr1.png").read_bytes() == figs[0].png
    assert (tmp_path / "tr2.png").exists()
    # _all: the model parameters only; showreffects adds random effects
    figs = graphs(fitted, "bayesgraph kdensity _all")
    assert len(figs) == len(fitted.e.names) == 7
    figs = graphs(fitted, "bayesgraph kdensity _all, showreffects({U0[6053]})")
    assert len(figs) == 7 + 1 and titles(figs[-1]) == ["U0[6053]"]


@pytest.mark.parametrize("how", ["combine", "byparm"])
def test_combine_and_byparm(fitted: Session, how: str) -> None:
    fig = one(fitted, f"bayesgraph histogram _all, {how}")
    assert fig.panels == 7 == len(fig.axes_info)
    assert titles(fig) == fitted.e.names
    assert fig.text().startswith("(graph Graph: histogram of {math:homework} {math:1.schtype}")
    assert fig.text().endswith("and 3 more)")
    assert fig.suptitle == {"combine": "Histogram plots", "byparm": "Histograms"}[how]
    notes = [t.get_text() for t in fig._fig.texts]
    assert ("Graphs by parameter" in notes) == (how == "byparm")
    fig = one(fitted, f"bayesgraph trace {{math:homework}} {{math:_cons}} {{e.math:sigma2}}, {how}")
    cols = {round(a.get_position().x0, 3) for a in fig._fig.axes if a.get_visible()}
    assert len(cols) == (1 if how == "byparm" else 2)  # byparm stacks traces in one column
    assert fig.suptitle == "Trace plots"
    fig = one(fitted, f"bayesgraph ac {{math:homework}} {{math:_cons}}, {how} title(Two)")
    assert fig.panels == 2 and fig.suptitle == "Two"
    assert fig.text() == "(graph Graph: autocorrelation of {math:homework} {math:_cons})"


def test_matrix(fitted: Session) -> None:
    fig = one(fitted, "bayesgraph matrix {math:homework} {math:_cons} {e.math:sigma2}")
    assert fig.panels == 6 == len(fig.axes_info)
    assert [t for t in titles(fig) if t] == ["math:homework", "math:_cons", "e.math:sigma2"]
    assert fig.data["pairs"] == [
        ("math:homework", "math:_cons"),
        ("math:homework", "e.math:sigma2"),
        ("math:_cons", "e.math:sigma2"),
    ]
    assert [a["xlabel"] for a in fig.axes_info[-3:]] == [
        "math:homework",
        "math:_cons",
        "e.math:sigma2",
    ]
    assert fig.text() == (
        "(graph Graph: scatterplot matrix of {math:homework} {math:_cons} {e.math:sigma2})"
    )
    msg, rc = fails(fitted, "bayesgraph matrix {math:homework}")
    assert rc == 198 and "at least two parameters" in msg


def test_title_and_name(fitted: Session) -> None:
    fig = one(fitted, 'bayesgraph diagnostics {math:homework}, title("Homework effect")')
    assert fig.suptitle == "Homework effect"
    fig = one(fitted, 'bayesgraph trace {math:homework}, title("One" "two", size(small))')
    assert titles(fig) == ["One\ntwo"]
    fig = one(fitted, "bayesgraph trace {math:homework}, name(h1)")
    assert fig.name == "h1" and fitted.graphs["h1"] is fig
    msg, rc = fails(fitted, "bayesgraph trace {math:homework}, name(h1)")
    assert (msg, rc) == ("graph h1 already exists", 110)
    fig2 = one(fitted, "bayesgraph trace {math:homework}, name(h1, replace)")
    assert fitted.graphs["h1"] is fig2
    assert list(fitted.graphs)[-1] == "h1"


def test_graph_combine_of_bayesgraphs(fitted: Session) -> None:
    """The Stata idiom: name each bayesgraph, then ``graph combine`` them."""
    one(fitted, "bayesgraph trace {math:homework}, name(tr, replace)")
    one(fitted, "bayesgraph diagnostics {math:_cons}, name(dg, replace)")
    res = fitted.execute("graph combine tr dg, cols(1) title(Two bayesgraphs)")
    assert res.error is None, res.error
    (fig,) = [o for o in res if isinstance(o, Figure)]
    assert fig.panels == 2 and fig.data["graphs"] == ["tr", "dg"]
    assert (fig.data["rows"], fig.data["cols"]) == (2, 1)
    assert fitted.graphs["tr"].panels == 1 and fitted.graphs["dg"].panels == 4


# ---------------------------------------------------------------------------------------------
# several chains


def test_several_chains(two_chains: Session) -> None:
    post = two_chains.e
    assert post.nchains == 2
    fig = one(two_chains, "bayesgraph trace {math:homework}")
    assert fig.legends[0] == ["Chain 1", "Chain 2"]
    for c in (1, 2):
        np.testing.assert_array_equal(
            fig.data["math:homework"]["trace"][c], post.chains_of("math:homework")[c - 1]
        )
    fig = one(two_chains, "bayesgraph diagnostics {math:homework}")
    assert fig.figure_legend == ["Chain 1", "Chain 2"]
    d = fig.data["math:homework"]
    assert set(d["density"]) == {1, 2} and set(d["ac"]) == {1, 2}
    np.testing.assert_allclose(
        d["ac"][2], autocorr(post.chains_of("math:homework")[1], default_lags(300))[1:]
    )
    fig = one(two_chains, "bayesgraph histogram {math:homework}, chains(2)")
    assert list(fig.data["math:homework"]["hist"]) == [2] and fig.legends[0] == []
    figs = graphs(two_chains, "bayesgraph kdensity {math:homework}, sepchains")
    assert [f.text() for f in figs] == [
        "(graph Graph: density of {math:homework}, chain 1)",
        "(graph Graph: density of {math:homework}, chain 2)",
    ]
    assert figs[1].legends[0] == []
    fig = one(two_chains, "bayesgraph cusum _all, byparm")
    assert fig.figure_legend == ["Chain 1", "Chain 2"]
    msg, rc = fails(two_chains, "bayesgraph trace {math:homework}, chains(3)")
    assert rc == 198 and "chain 3" in msg


# ---------------------------------------------------------------------------------------------
# errors


def test_errors(fitted: Session, tmp_path: Path) -> None:
    s = Session()
    run(s, "use math")
    assert fails(s, "bayesgraph diagnostics {math:homework}") == ("last estimates not found", 301)
    run(s, f"quietly {TALK}")
    assert fails(s, "bayesgraph trace {math:homework}") == ("last estimates not found", 301)
    assert fails(fitted, "bayesgraph trace {math:nosuch}")[1] == 111
    assert fails(fitted, "bayesgraph trace {math:homework}, combine byparm")[1] == 198
    assert fails(fitted, "bayesgraph diagnostics _all, byparm")[1] == 198
    assert fails(fitted, "bayesgraph ac {math:homework}, lags(600)")[1] == 198
    assert fails(fitted, "bayesgraph trace {math:homework}, traceopts(lcolor(red))")[1] == 198
    assert fails(fitted, "bayesgraph trace {math:homework}, blup(m0)")[1] == 198
    assert fails(fitted, "bayesgraph trace {math:homework}, saving(x.jpg)")[1] == 198
    run(fitted, f"bayesgraph trace {{math:homework}}, saving({tmp_path / 'tr.gph'})")
    assert Session().execute(f"graph use {tmp_path / 'tr.gph'}").error is None
    assert fails(fitted, "bayesgraph trace")[1] == 198
    f = tmp_path / "exists.png"
    f.write_bytes(b"")
    assert fails(fitted, f"bayesgraph trace {{math:homework}}, saving({f})") == (
        f"file {f} already exists",
        602,
    )
    run(fitted, f"bayesgraph trace {{math:homework}}, saving({f}, replace)")
    assert f.stat().st_size > 0


def test_failed_graph_keeps_session(fitted: Session) -> None:
    before = dict(fitted.graphs)
    fails(fitted, "bayesgraph trace {math:homework} {math:nosuch}, name(zz)")
    assert fitted.graphs == before


# ---------------------------------------------------------------------------------------------
# BLUPs against the posterior


def test_reffects_numbers(fitted: Session) -> None:
    post, fit = fitted.estimates["bayes1"], fitted.estimates["m0"].fit
    run(fitted, "estimates restore bayes1")
    figs = graphs(fitted, "bayesgraph reffects, blup(m0)")
    assert len(figs) == 2  # {U0} and {U1}
    lv = fit.design.levels[0]
    gids = [str(int(t[0])) for t in lv.ids]
    for fig, stub, effect in zip(figs, ("U0", "U1"), ("_cons", "homework")):
        c = fig.data[stub]
        assert c["effect"] == effect and c["level"] == "schid" and c["groups"] == gids
        k = lv.znames.index(effect)
        np.testing.assert_allclose(c["blup"], fit.blups()[0][:, k])
        np.testing.assert_allclose(c["se"], np.sqrt(fit.blup_variances()[0][:, k, k]))
        means = [post.chains_of(f"{stub}[{g}]").mean() for g in gids]
        np.testing.assert_allclose(c["mean"], means)
        d = post.chains_of(f"{stub}[{gids[3]}]")
        assert c["lower"][3] == quantile(d, 0.025) and c["upper"][3] == quantile(d, 0.975)
        assert fig.panels == 2
        assert fig.legends[0] == ["BLUP (mixed)", "Posterior mean (bayes)"]
        assert fig.axes_info[1]["xlabel"] == "BLUP (mixed)"
        assert fig.axes_info[1]["ylabel"] == "Posterior mean (bayes)"
        assert "45° line" in fig.legends[1]
    assert figs[0].text() == (
        "(graph Graph: reffects {U0}, BLUPs of m0 against posterior means of bayes1)"
    )
    assert figs[0].suptitle == "{U0}: random intercepts by schid"
    assert figs[1].suptitle == "{U1}: random coefficients of homework by schid"


def test_reffects_options_and_errors(fitted: Session, tmp_path: Path) -> None:
    s = fitted
    run(s, "quietly mixed math homework || schid:")
    run(s, "estimates store m1")
    f = tmp_path / "re.png"
    res = s.execute(f"bayesgraph reffects {{U1}}, blup(m0) bayes(bayes1) clevel(90) saving({f})")
    assert res.error is None
    fig = next(o for o in res if isinstance(o, BayesFigure))
    assert fig.data["U1"]["clevel"] == 90 and "90% credible interval" in fig.legends[1]
    assert fig.text().endswith("posterior means of bayes1)")
    assert f.read_bytes() == fig.png
    # the current results are mixed ones now
    assert fails(s, "bayesgraph reffects, blup(m0)") == ("last estimates not found", 301)
    assert fails(s, "bayesgraph reffects, bayes(bayes1)") == ("option blup() required", 198)
    assert fails(s, "bayesgraph reffects, blup(nosuch) bayes(bayes1)")[1] == 111
    assert fails(s, "bayesgraph reffects, blup(bayes1) bayes(bayes1)")[1] == 498
    assert fails(s, "bayesgraph reffects, blup(m0) bayes(m0)")[1] == 498
    msg, rc = fails(s, "bayesgraph reffects, blup(m1) bayes(bayes1)")
    assert rc == 498 and "not the same model" in msg
    run(s, "quietly mixed math homework i.schtype if schid != 6053 || schid: homework, cov(un)")
    run(s, "estimates store m2")
    msg, rc = fails(s, "bayesgraph reffects, blup(m2) bayes(bayes1)")
    assert rc == 498 and "groups" in msg
    assert fails(s, "bayesgraph reffects {U7}, blup(m0) bayes(bayes1)")[1] == 111
    assert fails(s, "bayesgraph reffects {U0[6053]}, blup(m0) bayes(bayes1)")[1] == 111
    assert fails(s, "bayesgraph reffects, blup(m0) bayes(bayes1) byparm")[1] == 198
    run(s, "estimates restore bayes1")


def test_axis_titles_subtitle_and_note(fitted: Session) -> None:
    fig = one(fitted, 'bayesgraph kdensity {math:homework}, xtitle("beta") ytitle(Density) note(n)')
    assert fig.axes_info[0]["xlabel"] == "beta" and fig.axes_info[0]["ylabel"] == "Density"
    assert "n" in [t.get_text() for t in fig._fig.texts]
    fig = one(fitted, 'bayesgraph trace {math:homework}, subtitle("talk model")')
    assert "talk model" in [t.get_text() for t in fig._fig.texts]
