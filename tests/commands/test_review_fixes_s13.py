"""Fixes from this session's new-user trials: clear refusals where the message pointed at the
wrong thing (a variable taken for a matrix, llf() read as a matrix, density priors), and
commands Stata has that this version names instead of calling them unknown."""

from __future__ import annotations

import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.fixture()
def radon() -> Session:
    s = Session()
    run(s, "use radon\ngenerate s2 = 2\nscalar v = .5")
    return s


def test_likelihood_variance_that_is_a_variable(radon: Session) -> None:
    for lik in ("normal(s2)", "normal(s2*2)"):
        msg, rc = fails(
            radon, f"bayesmh log_radon floor, likelihood({lik}) prior({{log_radon:}}, flat)"
        )
        assert rc == 198 and "the variance must be a number or a {parameter}" in msg
    # a scalar is a number
    run(
        radon,
        "quietly bayesmh log_radon floor, likelihood(normal(v)) prior({log_radon:}, flat) "
        "mcmcsize(50) burnin(10) rseed(1)",
    )
    assert radon.e.model.sigma2_fixed == 0.5


def test_llf_and_density_priors_are_named(radon: Session) -> None:
    msg, rc = fails(
        radon, "bayesmh log_radon floor, likelihood(llf(log_radon*2)) prior({log_radon:}, flat)"
    )
    assert rc == 198 and msg.startswith("likelihood(llf()): a likelihood written as an expression")
    for cmd in (
        "bayesmh log_radon floor, likelihood(normal({var})) prior({log_radon:}, flat) "
        "prior({var}, logdensity(-ln({var})))",
        "bayesmh log_radon = ({b0}+{b1}*floor), likelihood(normal({var})) "
        "prior({b0 b1}, flat) prior({var}, density(1/{var}))",
    ):
        msg, rc = fails(radon, cmd)
        assert rc == 198 and "density() and logdensity() priors are not available" in msg


def test_known_commands_are_refused_by_name(radon: Session) -> None:
    for cmd in ("bayesreps yrep*, nreps(3)", "table county, statistic(mean floor)", "etable"):
        msg, rc = fails(radon, cmd)
        assert rc == 199 and "is not available in this version of bayes_magic yet (" in msg
    run(radon, "tab floor")  # tabulate's abbreviations are unchanged


def test_first_compile_is_announced(monkeypatch) -> None:
    """With no compiled sampler in the process nor on disk the user is told a compile is
    under way; once compiled (or cached) nothing is said."""
    from types import SimpleNamespace

    from bayes_magic.sampler import driver
    from bayes_magic.sampler import linear as K

    s = Session()
    run(
        s,
        "use math\nquietly bayes, rseed(1) mcmcsize(50) burnin(10): mixed math homework || schid:",
    )
    shown: list[str] = []
    s.sink = lambda o: shown.append(o.text())
    run(s, "bayes, rseed(2) mcmcsize(50) burnin(10): mixed math homework || schid:")
    assert shown and not any("compiling the sampler" in t for t in shown)  # loaded now
    cold = SimpleNamespace(
        signatures=[],
        _cache=SimpleNamespace(_cache_file=SimpleNamespace(_index_path="/nonexistent")),
    )
    monkeypatch.setattr(K, "run_chunk", cold)
    assert driver.needs_compile(object()) is True  # the linear kernel's runner, cold
    monkeypatch.setattr(cold, "signatures", ["compiled"])
    assert driver.needs_compile(object()) is False
    monkeypatch.undo()
    # when a compile is due, the command says so before it samples
    monkeypatch.setattr(driver, "needs_compile", lambda model: True)
    shown.clear()
    run(s, "bayes, rseed(3) mcmcsize(50) burnin(10): mixed math homework || schid:")
    assert any("compiling the sampler" in t for t in shown)


def test_tabulate_summarize_against_pandas() -> None:
    """``tabulate g, summarize(y)`` ([R] tabulate, summarize()): means, SDs and frequencies
    per category and in total, in Stata's layout."""
    import pandas as pd

    from tests.conftest import col

    s = Session()
    out = run(s, "use math\ntabulate schtype, summarize(math)")
    df = pd.DataFrame({"g": col(s, "schtype"), "y": col(s, "math")})
    lines = out.strip("\n").splitlines()
    assert lines[0] == "            |       Summary of Math score"
    assert lines[1] == "School type |        Mean   Std. dev.       Freq."
    assert lines[2] == "-" * 12 + "+" + "-" * 36
    g = df.groupby("g")["y"]
    priv = lines[3].split("|")[1].split()
    assert float(priv[0]) == pytest.approx(g.mean()[0], rel=1e-7)
    assert float(priv[1]) == pytest.approx(g.std()[0], rel=1e-7)
    assert int(priv[2]) == g.size()[0]
    total = lines[-1].split("|")[1].split()
    assert float(total[1]) == pytest.approx(df.y.std(), rel=1e-7)
    assert s.r["N"] == len(df) and s.r["r"] == 2
    out = run(s, "tab schtype, summarize(math) nomeans nofreq")
    assert "Mean" not in out and "Std. dev." in out


def test_long_continuous_interaction_is_split_not_abbreviated() -> None:
    """``c.homework#c.homework`` is shown on two lines set off by blank lines (Stata's layout),
    not abbreviated to ``c.homework~k``."""
    s = Session()
    out = run(s, "use math\nregress math c.homework##c.homework, noheader")
    lines = out.splitlines()
    i = lines.index("  c.homework#|")
    assert lines[i - 1] == "             |" and lines[i + 2] == "             |"
    assert lines[i + 1].startswith("  c.homework |    ")
    assert "~" not in out


def test_estimates_table_keep_and_drop_factor_terms() -> None:
    s = Session()
    run(s, "use math\nquietly regress math homework i.schtype\nestimates store a")
    out = run(s, "estimates table a, keep(i.schtype)")
    assert "1.schtype" in out and "homework" not in out and "_cons" not in out
    out = run(s, "estimates table a, drop(i.schtype)")
    assert "schtype" not in out and "homework" in out


def test_small_fixes_from_the_trials() -> None:
    """summarize, meanonly leaves Stata's six results; iwishartprior(5 S) is echoed with the
    matrix's name."""
    s = Session()
    run(s, "use math\nsummarize math, meanonly")
    assert set(s.r) == {"N", "sum_w", "sum", "mean", "min", "max"}
    run(s, "matrix S = I(2)")
    out = run(
        s, "bayes, iwishartprior(5 S) dryrun: mixed math homework || schid: homework, cov(un)"
    )
    assert "{U:Sigma,m} ~ iwishart(2,5,S)" in out


def test_unreadable_continued_command_does_not_run_in_part() -> None:
    """A command continued with /// whose last line cannot be read is reported whole; its
    first line is not run on its own (it dropped 141 observations)."""
    s = Session()
    res = s.execute('use math\ncount\nkeep if homework > 2 ///\n  & schtype == "Public\ncount')
    assert res.error is not None and res.error.rc == 132  # too few quotes
    assert s.data.nobs == 519
    res = s.execute('#delimit ;\ncount;\ndisplay "x ;')
    assert res.error is not None and s.data.nobs == 519


def test_review_fixes_anova_margins_empty_cells() -> None:
    """anova refuses terms without their lower-order terms (its sums of squares would be of
    another model) and a variable crossed with itself; margins over an empty cell are
    (not estimable), as Stata shows them, and pwcompare refuses to compare them."""
    s = Session()
    run(s, "use math\ngenerate hw3 = min(homework, 3)")
    for cmd in ("anova math hw3#schtype", "anova math schid|schtype", "anova math schtype#schtype"):
        assert fails(s, cmd)[1] == 198, cmd
    assert fails(s, "quietly regress math i.schtype\nmargins schtype#schtype")[1] == 198
    run(s, "quietly regress math i.schtype##i.homework")
    out = run(s, "margins schtype#homework")
    assert "   Public#7  |  (not estimable)" in out
    assert "   Public#6  |       52.5" in out
    out = run(s, "margins schtype")
    assert "     Public  |  (not estimable)" in out
    assert fails(s, "pwcompare schtype")[1] in (198, 498)  # asbalanced refuses empty cells


def test_review_fixes_hausman_and_logs(tmp_path) -> None:
    s = Session()
    run(s, "use sleepstudy\nxtset Subject\nquietly xtreg Reaction Days, fe\nestimates store fe")
    run(s, "quietly xtreg Reaction Days, re\nestimates store re")
    assert fails(s, "hausman fe re, df(0)")[1] == 198
    run(s, "quietly regress Reaction Days, vce(robust)\nestimates store rob")
    assert fails(s, "hausman fe rob")[1] == 198
    run(s, "hausman fe rob, force")
    path = tmp_path / "a.txt"
    run(s, f"log using {path}")
    assert fails(s, f"log using {path}, append name(b)")[1] == 604
    run(s, "log close")
    assert path.read_text().startswith("{smcl}\n")  # not .log: SMCL, as Stata
