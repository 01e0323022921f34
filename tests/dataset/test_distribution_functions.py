"""[FN] Statistical functions added for an introductory-statistics lab: binomial, Poisson, F,
t, chi2, beta and gamma functions against scipy, and each inverse against its function."""

from __future__ import annotations

import pytest
from scipy import special, stats

from bayes_magic.session import Session
from tests.conftest import run


@pytest.mark.parametrize(
    ("expr", "ref"),
    [
        ("binomial(11, 3, .5)", stats.binom.cdf(3, 11, 0.5)),
        ("binomialp(11, 3, .3)", stats.binom.pmf(3, 11, 0.3)),
        ("binomialtail(11, 8, .5)", stats.binom.sf(7, 11, 0.5)),
        ("poisson(3, 2)", stats.poisson.cdf(2, 3)),
        ("poissonp(3, 2)", stats.poisson.pmf(2, 3)),
        ("poissontail(3, 3)", stats.poisson.sf(2, 3)),
        ("invF(2, 30, .95)", stats.f.ppf(0.95, 2, 30)),
        ("invFtail(2, 30, .05)", stats.f.isf(0.05, 2, 30)),
        ("Fden(2, 10, 1)", stats.f.pdf(1, 2, 10)),
        ("tden(5, .3)", stats.t.pdf(0.3, 5)),
        ("chi2den(3, 1)", stats.chi2.pdf(1, 3)),
        ("ibeta(2, 3, .4)", special.betainc(2, 3, 0.4)),
        ("ibetatail(2, 3, .4)", special.betaincc(2, 3, 0.4)),
        ("betaden(2, 3, .4)", stats.beta.pdf(0.4, 2, 3)),
        ("gammap(2, 1)", special.gammainc(2, 1)),
        ("gammaptail(2, 1)", special.gammaincc(2, 1)),
        ("lnnormalden(.5)", stats.norm.logpdf(0.5)),
    ],
)
def test_against_scipy(expr: str, ref: float) -> None:
    s = Session()
    run(s, f"scalar v = {expr}")
    got = float(run(s, "display %21.15g v").strip())
    assert got == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize(
    ("inverse", "forward"),
    [
        ("invbinomial(10, 3, .4)", "binomial(10, 3, x)"),
        ("invbinomialtail(10, 4, .2)", "binomialtail(10, 4, x)"),
        ("invpoisson(2, .4)", "poisson(x, 2)"),
        ("invpoissontail(3, .3)", "poissontail(x, 3)"),
        ("invibeta(2, 3, .7)", "ibeta(2, 3, x)"),
        ("invgammap(2, .6)", "gammap(2, x)"),
    ],
)
def test_inverses(inverse: str, forward: str) -> None:
    s = Session()
    p = float(inverse.rsplit(",", 1)[1].rstrip(")"))
    run(s, f"scalar x = {inverse}\nscalar back = {forward}")
    assert float(run(s, "display %21.15g back").strip()) == pytest.approx(p, rel=1e-9)
