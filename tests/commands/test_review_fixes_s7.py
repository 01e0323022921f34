"""Fixes from a trial of every documented option of the postestimation commands."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run

FIT = "bayes, rseed(2) mcmcsize(300) burnin(100) nodots"


@pytest.fixture(scope="module")
def fitted() -> Session:
    s = Session()
    run(s, "use math")
    run(s, f"quietly {FIT}: mixed math homework i.schtype || schid:")
    return s


def test_bayesgraph_saving_into_a_missing_folder(fitted: Session, tmp_path) -> None:
    s = fitted
    graphs = dict(s.graphs)
    msg, rc = fails(s, f'bayesgraph trace {{math:homework}}, saving("{tmp_path}/no/x")')
    assert rc == 603 and "could not be opened" in msg
    assert s.graphs == graphs  # nothing drawn or kept


def test_marginal_likelihood_of_multilevel_models_needs_remargl() -> None:
    """[BAYES] bayes, remargl: multilevel models do not report log(ML) by default; the
    header, bayesstats ic and bayestest model agree."""
    s = Session()
    run(s, "use math")
    run(s, f"quietly {FIT}: mixed math homework || schid:")
    run(s, "estimates store a")
    out = run(s, "bayesstats ic a")
    assert np.isnan(s.r["ic"].values[0, 1])
    assert "log(ML) of multilevel model a is not computed" in out and "remargl" in out
    run(s, f"quietly {FIT} remargl: mixed math homework || schid:")
    run(s, "estimates store b")
    run(s, "bayesstats ic b")
    assert s.r["ic"].values[0, 1] == pytest.approx(s.e.scalars["lml"])
    out = run(s, "bayestest model a b")
    assert "Marginal likelihood of a is missing" in out


def test_harmonic_mean_marginal_likelihood() -> None:
    from scipy.special import logsumexp

    s = Session()
    run(s, "use math")
    # a single-level model reports log(ML) without remargl
    run(
        s,
        "quietly bayesmh math homework, likelihood(normal({var})) "
        "prior({math:}, normal(0,100)) prior({var}, igamma(1,2)) rseed(1) mcmcsize(500) nchains(2)",
    )
    ll = s.e.loglik
    per_chain = [-(logsumexp(-c) - np.log(c.size)) for c in ll]
    out = run(s, "bayesstats ic, marglmethod(hmean)")
    assert "harmonic mean" in out
    assert s.r["ic"].values[0, 2] == pytest.approx(np.mean(per_chain))
    run(s, "bayesstats ic, marglmethod(hmean) chains(2)")
    assert s.r["ic"].values[0, 1] == pytest.approx(per_chain[1])
    run(s, "estimates store h")
    run(s, "bayestest model h, marglmethod(hmean) chains(1)")
    assert s.r["test"].values[0, 0] == pytest.approx(per_chain[0])
    out = run(s, "bayestest model h, sepchains")
    assert "Chain 1" in out and "Chain 2" in out
    out = run(s, "bayestest model h")
    assert "Avg log(ML)" in s.r["test"].colnames[0]
    # the wider label keeps a space after the column's bar, as bayesstats ic's
    assert "             | Avg log(ML)        P(M)    P(M|y)" in out.splitlines()


def test_namelist_star() -> None:
    s = Session()
    run(s, "use math")
    run(
        s,
        "quietly bayesmh math homework, likelihood(normal({var})) "
        "prior({math:}, normal(0,100)) prior({var}, igamma(1,2)) rseed(1) mcmcsize(300)",
    )
    run(s, "estimates store m1")
    run(s, "estimates store m2")
    run(s, "bayesstats ic *")
    assert s.r["ic"].rownames == ["m1", "m2"]
    run(s, "bayestest model _all")
    assert s.r["test"].rownames == ["m1", "m2"]


def test_bayestest_interval_joint_groups_and_point_hypotheses(fitted: Session) -> None:
    """[BAYES] bayestest interval: ``((testspec) (testspec), joint)`` and ``exspec==#``."""
    s = fitted
    hw, s2 = s.e.chains_of("math:homework"), s.e.chains_of("e.math:sigma2")
    out = run(
        s,
        "bayestest interval ({math:homework}, lower(1)) "
        "(({math:homework}, lower(0) upper(3)) ({e.math:sigma2}, upper(60)), joint)",
    )
    assert "prob2 : 0 < {math:homework} < 3 & {e.math:sigma2} < 60" in out
    assert s.r["prob1"] == pytest.approx(np.mean(hw > 1))
    assert s.r["prob2"] == pytest.approx(np.mean((hw > 0) & (hw < 3) & (s2 < 60)))
    # a point hypothesis of a discrete quantity (of a continuous one it has probability 0)
    out = run(s, "bayestest interval ((round({math:homework}))==2) {math:homework}==2")
    assert "prob1 : (round({math:homework})) == 2" in out
    assert 0 < s.r["prob1"] < 1 and s.r["prob1"] == pytest.approx(np.mean(np.floor(hw + 0.5) == 2))
    assert "prob2 : {math:homework} == 2" in out and s.r["prob2"] == 0
    # a target that names several parameters is one test each, not a joint test
    run(s, "bayestest interval {math:}, lower(0)")
    assert s.r["summary"].rownames == ["prob1", "prob2", "prob3"]
    assert s.r["prob1"] == pytest.approx(np.mean(hw > 0))
    # an expression that starts with a parameter is still an expression
    run(s, "bayestest interval ({math:homework}+1, lower(2)) ((pm: {math:homework}), upper(2))")
    assert s.r["prob1"] == pytest.approx(np.mean(hw + 1 > 2))
    assert s.r["prob2"] == pytest.approx(np.mean(hw < 2))  # r(prob#) by position
    assert fails(s, "bayestest interval ({math:homework}==2, lower(1))")[1] == 198
    assert (
        fails(s, "bayestest interval (({math:homework}) ({e.math:sigma2}, upper(6)), joint)")[1]
        == 198
    )
    assert fails(s, "bayestest interval {math:homework}==x")[1] == 198
    assert fails(s, "bayestest interval {math:homework}==1e999")[1] == 198


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    s = Session()
    for text in (
        "display " + "(" * 150 + "1" + ")" * 150,
        "display " + "-" * 1000 + "1",
    ):
        res = s.execute(text)
        assert res.error is not None and res.error.rc == 130
    assert s.last_traceback is None
    assert run(s, "display " + "(" * 60 + "2" + ")" * 60).strip() == "2"


@pytest.mark.parametrize("spec", ["{U0[999]}", "{U0[abc]}", "{U0[7472.5]}"])
def test_unknown_random_effect_group_is_not_found(fitted: Session, spec: str) -> None:
    """It used to fall through to {U0:sigma2}, the level's variance."""
    msg, rc = fails(fitted, f"bayesstats summary {spec}")
    assert rc == 111 and "random effect" in msg
    assert fails(fitted, f"bayestest interval {spec}, lower(0)")[1] == 111


def test_summary_numbers_factor_levels_as_ess_and_grubin(fitted: Session) -> None:
    """After bayes: (the talk's ess and grubin, and bayes, melabel) levels are numbered."""
    for cmd in ("bayesstats summary", "bayesstats ess", "bayes, melabel"):
        out = run(fitted, cmd)
        base = next(line for line in out.splitlines() if "(base)" in line)
        assert base.split("|")[0].split()[-1] == "0" and "Private" not in out, cmd


def test_skip_that_leaves_one_draw(fitted: Session) -> None:
    for cmd in (
        "bayesstats summary {math:homework}, skip(20000)",
        "bayesstats ess, skip(299)",
        "bayestest interval {math:homework}, lower(0) skip(400)",
    ):
        msg, rc = fails(fitted, cmd)
        assert rc == 198 and "fewer than two draws" in msg, cmd


BAYESMH3 = (
    "bayesmh math homework, likelihood(normal({var})) prior({math:}, normal(0,100)) "
    "prior({var}, igamma(1,2)) rseed(1) mcmcsize(300) nchains(3)"
)


@pytest.fixture(scope="module")
def three_chains() -> Session:
    s = Session()
    run(s, "use math")
    run(s, f"quietly {BAYESMH3}")
    return s


def test_ppvalues_chains_and_sepchains(three_chains: Session, tmp_path) -> None:
    from bayes_magic.commands.bayespredict import load_predictions

    s = three_chains
    f = tmp_path / "q"
    run(s, f'bayespredict {{_ysim}} (ym: @mean({{_ysim}})), saving("{f}") rseed(16)')
    pred = load_predictions(str(f))
    t_rep = pred.ysim.mean(axis=-1)
    t_obs = pred.y.mean()
    out = run(s, f'bayesstats ppvalues {{ym}} using "{f}", chains(2 3)')
    assert "Number of chains =          2" in out
    assert s.r["summary"].values[0, 0] == pytest.approx(t_rep[1:].mean())
    assert s.r["summary"].values[0, 3] == pytest.approx(np.mean(t_rep[1:] >= t_obs))
    out = run(s, f'bayesstats ppvalues {{ym}} using "{f}", sepchains')
    assert all(f"Chain {c}" in out for c in (1, 2, 3))
    assert s.r["summary"].values[0, 0] == pytest.approx(t_rep[2].mean())
    assert fails(s, f'bayesstats ppvalues {{ym}} using "{f}", chains(4)')[1] == 198
    assert fails(s, f'bayesstats ppvalues (m: {{_ysim}}) using "{f}"')[1] == 198
    assert fails(s, "bayesstats ppvalues {ym} using .")[1] == 198


def test_bayespredict_chains_and_mcse_options(three_chains: Session, tmp_path) -> None:
    from bayes_magic.commands.bayespredict import load_predictions
    from bayes_magic.diagnostics.mcmc import ess_stata, mcse

    s = three_chains
    f = tmp_path / "c2"
    run(s, f'bayespredict {{_ysim}}, saving("{f}") chains(2) rseed(3)')
    assert load_predictions(str(f)).mu.shape[0] == 1
    run(s, "bayespredict pm, mean chains(2) mcse(se) batch(10)")
    run(s, "bayespredict pm_all, mean mcse(se2) corrlag(3) corrtol(0.2)")
    post = s.e
    hw = post.chains_of("math:homework")
    cons = post.chains_of("math:_cons")
    mu = cons + hw * float(s.data.df["homework"].iloc[0])
    assert s.data.df["pm"].iloc[0] == pytest.approx(mu[1].mean())
    # batch(10): the standard error of the means of 30 batches of 10 draws, by hand
    means = mu[1].reshape(30, 10).mean(axis=1)
    want = means.std(ddof=1) / np.sqrt(30)
    assert s.data.df["se"].iloc[0] == pytest.approx(want, rel=1e-6)  # stored as float
    want = mcse(mu, ess_stata(mu, 3, 0.2)[0])[1]
    assert s.data.df["se2"].iloc[0] == pytest.approx(want, rel=1e-6)
    assert want != pytest.approx(mcse(mu, ess_stata(mu)[0])[1], rel=1e-3)  # the options count
    run(s, "drop pm pm_all se se2")


@pytest.mark.parametrize(
    ("cmd", "rc"),
    [
        ("bayespredict lo lo, cri", 110),
        ("bayespredict pm, mean median", 198),
        ("bayespredict str5 pm, mean", 109),
        ("bayespredict pm {_ysim}, mean", 198),
        ("bayespredict pm, std saving(f)", 198),
        ("bayespredict pm, median batch(10)", 198),
        ("bayespredict {_ysim[600]}, saving(nothere)", 198),
        ("bayespredict {_ysim[3]} in 10/20, saving(nothere)", 198),
        ("bayespredict {_ysim[0]}, saving(nothere)", 198),
        ("bayespredict {_ysim}, saving(.)", 198),
        ('bayespredict {_ysim}, saving("")', 198),
    ],
)
def test_bayespredict_bad_input(three_chains: Session, tmp_path, cmd: str, rc: int) -> None:
    s = three_chains
    before = list(s.data.df.columns)
    assert fails(s, cmd)[1] == rc
    assert list(s.data.df.columns) == before
    assert not (tmp_path / "nothere.bmpred").exists()


def test_bayespredict_storage_type(three_chains: Session) -> None:
    s = three_chains
    run(s, "bayespredict double pmd, mean")
    assert s.data.info["pmd"].type == "double"
    run(s, "drop pmd")


def test_bayestest_model_prior_and_empty_chains() -> None:
    s = Session()
    run(s, "use math")
    run(s, f"quietly {FIT} remargl: mixed math homework || schid:")
    run(s, "estimates store b1")
    for cmd in (
        "bayestest model b1, prior(abc)",
        "bayestest model b1, prior()",
        "bayesstats ic, chains()",
        "bayestest model b1, chains()",
    ):
        assert fails(s, cmd)[1] == 198, cmd
    assert s.last_traceback is None


def test_vsquish_and_nofvlabel_in_bayesian_tables() -> None:
    s = Session()
    run(s, "use math")
    run(
        s,
        "quietly bayesmh math homework i.schtype, likelihood(normal({var})) "
        "prior({math:}, normal(0,100)) prior({var}, igamma(1,2)) rseed(1) mcmcsize(300)",
    )
    for cmd in ("bayesstats summary", "bayesstats ess", "bayes"):
        plain = run(s, cmd)
        assert "Private" in plain, cmd
        assert "Private" not in run(s, f"{cmd}, nofvlabel"), cmd
        squished = run(s, f"{cmd}, vsquish")
        blanks = [ln for ln in squished.splitlines() if ln.strip() == "|"]
        assert not blanks and len(squished.splitlines()) < len(plain.splitlines()), cmd


def test_rseed_range() -> None:
    s = Session()
    run(s, "use math")
    msg, rc = fails(s, f"{FIT.replace('rseed(2)', 'rseed(1e30)')}: mixed math homework || schid:")
    assert rc == 198 and "2147483647" in msg


def test_unicode_in_file_names_and_labels(fitted: Session, tmp_path) -> None:
    s = fitted
    f = tmp_path / "é"
    run(s, f'bayesgraph trace {{math:homework}}, saving("{f}")')
    assert (tmp_path / "é.png").exists()
    out = run(s, "bayesstats summary (é: {math:homework})")
    assert "é : {math:homework}" in out
    # variable names stay ASCII: a clear error, not a tokenizer failure on the character
    msg, rc = fails(s, "generate é = 1")
    assert rc == 198 and "invalid name" in msg


def test_bayesgraph_look_options(three_chains: Session) -> None:
    """graphopts given directly, graph#opts, chain#opts and the diagnostics panel containers
    restyle what is drawn ([BAYES] bayesgraph)."""
    from matplotlib.colors import to_rgba

    from bayes_magic.commands import graph_style as G

    s = three_chains
    red, green, black = (to_rgba(G.color(c)) for c in ("red", "green", "black"))

    def data_lines(ax, chain=None):
        return [
            ln
            for ln in ax.lines
            if (ln.get_gid() or "").startswith("data:")
            and (chain is None or ln.get_gid() == f"data:{chain}")
        ]

    run(s, "bayesgraph trace {var}, lcolor(red) lwidth(thick)")
    ax = s.graphs["Graph"]._fig.axes[0]
    assert all(to_rgba(ln.get_color()) == red for ln in data_lines(ax))
    assert all(ln.get_linewidth() == G.width("thick") for ln in data_lines(ax))
    run(s, "bayesgraph diagnostics {var}, traceopts(lcolor(green)) chain2opts(lcolor(black))")
    axes = s.graphs["Graph"]._fig.axes
    assert to_rgba(data_lines(axes[0], 1)[0].get_color()) == green  # trace panel
    assert to_rgba(data_lines(axes[3], 1)[0].get_color()) != green  # not the density
    assert all(to_rgba(data_lines(a, 2)[0].get_color()) == black for a in (axes[0], axes[3]))
    run(s, "bayesgraph trace {var} {math:homework}, combine graph2opts(lcolor(red) title(Two))")
    axes = s.graphs["Graph"]._fig.axes
    assert axes[1].get_title() == "Two"
    assert all(to_rgba(ln.get_color()) == red for ln in data_lines(axes[1]))
    assert not any(to_rgba(ln.get_color()) == red for ln in data_lines(axes[0]))
    run(s, "bayesgraph matrix {var} {math:homework}, mcolor(red) msize(large)")
    dots = next(c for a in s.graphs["Graph"]._fig.axes for c in a.collections)
    assert tuple(dots.get_facecolor()[0])[:3] == red[:3]
    assert dots.get_sizes()[0] == pytest.approx(G.msize("large") ** 2 / 4)
    run(s, "bayesgraph histogram {var}, chains(1) fcolor(green) lcolor(black)")
    bar = s.graphs["Graph"]._fig.axes[0].patches[0]
    assert to_rgba(bar.get_facecolor()) == green and to_rgba(bar.get_edgecolor()) == black
    graphs = dict(s.graphs)
    assert fails(s, "bayesgraph trace {var}, lcolor(nosuchcolor)")[1] == 111
    assert fails(s, "bayesgraph diagnostics {var}, bychain")[1] == 198
    assert s.graphs == graphs


def test_bayesgraph_bychain(three_chains: Session) -> None:
    s = three_chains
    run(s, "bayesgraph trace {var} {math:homework}, bychain name(bc, replace)")
    for k, ref in ((1, "var"), (2, "math:homework")):
        fig = s.graphs[f"bc{k}"]
        assert fig.panels == 3 and fig._fig._suptitle.get_text() == ref
        titles = [a["title"] for a in fig.axes_info]
        assert titles == ["Chain 1", "Chain 2", "Chain 3"]
        draws = s.e.chains_of(ref if ref == "math:homework" else "var")
        for ax, c in zip(fig._fig.axes, range(3)):
            np.testing.assert_array_equal(ax.lines[0].get_ydata(), draws[c])
    for bad in ("combine", "byparm", "sepchains"):
        assert fails(s, f"bayesgraph trace {{var}}, bychain {bad}")[1] == 198


def test_bayespredict_index_of_an_observation_predicted(three_chains: Session, tmp_path) -> None:
    f = tmp_path / "sub"
    run(three_chains, f'bayespredict {{_ysim[20]}} in 10/20, saving("{f}") rseed(1)')
    run(three_chains, f'bayesstats summary {{_ysim[20]}} using "{f}"')


@pytest.mark.parametrize(
    ("cmd", "rc"),
    [("save .", 198), ('use ""', 198), ("use .", 198), ("save {tmp}/", 603), ("save .dta", 198)],
)
def test_one_file_name_check_for_every_command(cmd: str, rc: int, tmp_path) -> None:
    """use/save, estimates, bayespredict and graphs share dataset.io.checked_path: `save dir/`
    used to write dir.dta beside the folder, `save .` was an internal error."""
    s = Session()
    run(s, "use math")
    assert fails(s, cmd.format(tmp=tmp_path))[1] == rc
    assert s.last_traceback is None and not list(tmp_path.parent.glob(f"{tmp_path.name}.dta"))


def test_relative_line_width_tiny_markers_and_graphopts_with_byparm(three_chains: Session) -> None:
    from bayes_magic.commands import graph_style as G

    assert G.width("*2") == pytest.approx(2 * G.width("medium"))
    assert G.msize("vtiny") < G.msize("tiny")
    cmd = "bayesgraph trace {var} {math:homework}, byparm graphopts(lcolor(red))"
    assert fails(three_chains, cmd)[1] == 198


def test_twoway_plot_options_after_all_plots_apply_to_each() -> None:
    """[G-2] graph twoway: `twoway (scatter ...) (scatter ...), mcolor(red)` colours both
    (Stata's _parse expand hands the option to each plot, after its own)."""
    from matplotlib.colors import to_rgba

    s = Session()
    run(s, "use math")
    run(s, "generate m2 = math/2")
    run(s, "twoway (scatter math homework) (scatter m2 homework, mcolor(blue)), mcolor(red)")
    ax = s.graphs["Graph"]._fig.axes[0]
    assert len(ax.collections) == 2  # the two scatters
    assert {tuple(to_rgba(c.get_facecolor()[0])) for c in ax.collections} == {to_rgba("red")}


def test_plot_command_with_bars_is_a_twoway_graph() -> None:
    """`scatter y x || lfit y x` and `twoway a || b ||, opts` ([G-2] graph twoway)."""
    s = Session()
    run(s, "use math")
    run(s, "scatter math homework || lfit math homework, lcolor(red)")
    fig = s.graphs["Graph"]._fig
    ax = fig.axes[0]
    assert len(ax.collections) == 1 and len(ax.lines) == 1  # the scatter and the fitted line
    run(s, "twoway scatter math homework || lfit math homework ||, legend(off) title(Both)")
    fig = s.graphs["Graph"]._fig
    assert fig.axes[0].get_legend() is None and not fig.legends
    assert "Both" in [t.get_text() for t in fig.texts] + [a.get_title() for a in fig.axes]


def test_twoway_function() -> None:
    """[G-2] graph twoway function: f(x) over range() at n() points, a line."""
    from scipy import stats

    s = Session()
    run(s, "use math")
    run(s, "twoway function y = normalden(x, 1, 2), range(-4 4) n(81)")
    ln = s.graphs["Graph"]._fig.axes[0].lines[0]
    x, y = ln.get_xdata(), ln.get_ydata()
    assert len(x) == 81 and x[0] == -4 and x[-1] == 4
    np.testing.assert_allclose(y, stats.norm.pdf(x, 1, 2))
    run(s, "twoway (function x^2, range(math)) (scatter math homework)")
    ln = s.graphs["Graph"]._fig.axes[0].lines[0]
    assert ln.get_xdata()[0] == s.data.df["math"].min() and len(ln.get_xdata()) == 300
    for bad in ("range(2 1)", "n(1)", "range(a b c)"):
        assert fails(s, f"twoway function y = x, {bad}")[1] == 198, bad
    assert fails(s, "function y = x")[1] == 199  # twoway function only


def test_stata_text_markup_in_graphs() -> None:
    """[G-4] text: {&beta} symbols, {it:} {bf:} {sub:} {sup:}; a $ is a dollar sign."""
    from bayes_magic.report.figure import stata_markup

    assert stata_markup("{&beta}{&Sigma}{&le}") == "βΣ≤"
    assert stata_markup("{&sigma}{sup:2}") == r"σ$^{\mathrm{2}}$"
    assert stata_markup("{it:a b}") == r"$\mathit{a\ b}$"
    assert stata_markup("costs $5") == r"costs \$5"
    assert stata_markup("{math:homework}") == "{math:homework}"  # parameter names untouched
    s = Session()
    run(s, "use math")
    run(s, 'scatter math homework, title("{&beta}{sub:1} costs $5") xtitle({&mu})')
    fig = s.graphs["Graph"]._fig
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    assert r"β$_{\mathrm{1}}$ costs \$5" in texts and "μ" in texts


def test_marker_fill_and_outline() -> None:
    """[G-3] marker_options: mfcolor() fills, mlcolor() outlines, mlwidth() thickens."""
    from matplotlib.colors import to_rgba

    s = Session()
    run(s, "use math")
    run(s, "scatter math homework, mfcolor(white) mlcolor(red) mlwidth(thick)")
    dots = s.graphs["Graph"]._fig.axes[0].collections[0]
    assert tuple(dots.get_facecolor()[0]) == to_rgba("white")
    assert tuple(dots.get_edgecolor()[0]) == to_rgba("red")
    from bayes_magic.commands import graph_style as G

    assert dots.get_linewidths()[0] == G.width("thick")


def test_legend_look() -> None:
    """[G-3] legend_options: size(), color(), nobox, region(lcolor() fcolor())."""
    from matplotlib.colors import to_rgba

    from bayes_magic.commands import graph_style as G

    s = Session()
    run(s, "use math")
    run(
        s,
        "twoway (scatter math homework) (lfit math homework), "
        "legend(size(large) color(red) region(lcolor(none) fcolor(gs14)))",
    )
    leg = s.graphs["Graph"]._fig.legends[0]
    assert all(t.get_fontsize() == G.textsize("large") for t in leg.get_texts())
    assert all(to_rgba(t.get_color()) == to_rgba("red") for t in leg.get_texts())
    assert leg.get_frame().get_edgecolor()[3] == 0  # no outline
    assert to_rgba(leg.get_frame().get_facecolor())[:3] == to_rgba(G.color("gs14"))[:3]
    run(s, "twoway (scatter math homework) (lfit math homework), legend(nobox)")
    assert not s.graphs["Graph"]._fig.legends[0].get_frame_on()
    assert (
        fails(s, "twoway (scatter math homework) (lfit math homework), legend(size(x))")[1] == 111
    )
