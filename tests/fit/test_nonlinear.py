"""``menl`` (Lindstrom-Bates) against independent references.

* A model linear in its parameters and random effects is its own linearization, so ``menl``
  must reproduce ``mixed`` (itself checked against Stata and lme4 in test_mixed_reference.py)
  to the optimizer's precision, ML and REML, one or two random effects.
* The Orange trees: nlme's printed fits (tests/reference/nlme-orange.md), matched to the digits
  nlme prints. nlme's and nls's fixed-effects standard errors carry a factor sqrt(N/(N-p)) that
  Stata's ML standard errors do not (see that file); ours are compared after that factor.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import run


def _fit(data: str, *cmds: str) -> Session:
    s = Session()
    run(s, f"use {data}")
    for c in cmds:
        run(s, f"quietly {c}")
    return s


def _same(a: Session, b: Session, perm: list[int] | None = None) -> None:
    """Two fits' e(b), e(V) and e(ll) agree (``perm`` maps b's order to a's). e(V)'s
    variance-component block is an observed information: of models with several levels, a
    numerical Hessian good to about 1e-4 of its largest entries (fit/mixed.py), hence the
    absolute tolerance for covariances near zero."""
    ea, eb = a.e, b.e
    order = perm if perm is not None else list(range(len(eb.b)))
    np.testing.assert_allclose(ea.b, eb.b[order], rtol=1e-5, atol=1e-6)
    Vb = eb.V[np.ix_(order, order)]
    np.testing.assert_allclose(ea.V, Vb, rtol=2e-4, atol=1e-6 * np.abs(Vb).max())
    assert math.isclose(ea.scalars["ll"], eb.scalars["ll"], rel_tol=1e-9)


@pytest.mark.parametrize("method", ["", "reml"])
def test_linear_model_is_mixed_random_intercept(method: str) -> None:
    a = _fit("sleepstudy", f"menl Reaction = {{b0}} + {{b1}}*Days + {{U0[Subject]}}, {method}")
    b = _fit("sleepstudy", f"mixed Reaction Days || Subject:, {method}")
    # menl: /b0 /b1 lns1_1_1 lnsig_e; mixed: Days _cons lns1_1_1 lnsig_e
    _same(a, b, [1, 0, 2, 3])
    assert a.e.macros["title"] == f"Mixed-effects {'REML' if method else 'ML'} nonlinear regression"


@pytest.mark.parametrize("cov", ["unstructured", "independent"])
def test_linear_model_is_mixed_random_slope(cov: str) -> None:
    a = _fit(
        "sleepstudy",
        f"menl Reaction = {{b0}} + {{b1}}*Days + {{U1[Subject]}}*Days + {{U0[Subject]}}, "
        f"covariance(U1 U0, {cov})",
    )
    b = _fit("sleepstudy", f"mixed Reaction Days || Subject: Days, covariance({cov})")
    n = len(b.e.b)
    _same(a, b, [1, 0, *range(2, n)])


def test_linear_model_if_restriction_is_mixed() -> None:
    a = _fit("sleepstudy", "menl Reaction = {b0} + {b1}*Days + {U0[Subject]} if Days > 2")
    b = _fit("sleepstudy", "mixed Reaction Days if Days > 2 || Subject:")
    _same(a, b, [1, 0, 2, 3])
    assert a.e.scalars["N"] == 126


def _orange(re: str, extra: str = "") -> Session:
    """SSlogis(age, Asym, xmid, scal) with random effects on the parameters named in ``re``
    (A on Asym, B on xmid, C on scal), as nlme's ``random = Asym + xmid + scal ~ 1``."""
    a, b, c = (f"+{{{k}[Tree]}}" if k in re else "" for k in "ABC")
    expr = f"({{b1}}{a})/(1+exp(-(age-({{b2}}{b}))/({{b3}}{c})))"
    return _fit("orange", f"menl circumference = {expr}, initial(b1 190 b2 700 b3 350) {extra}")


def _sd(s: Session) -> dict[str, float]:
    from bayes_magic.commands import mixed_display as D

    rows = D.re_rows(s.e.fit.lme, 95, sd=True)
    return {r[0]: r[1] for r in rows if isinstance(r, tuple)}


def _sig(x: float, digits: int) -> float:
    return float(f"{x:.{digits}g}")


def test_orange_three_random_effects_as_nlme() -> None:
    """nlme's fm1Oran.nlme (tests/reference/nlme-orange.md), to its printed digits."""
    s = _orange("ABC", "covariance(A B C, unstructured)")
    b = s.e.b
    assert [_sig(v, 3) for v in b[:3]] == [192, 728, 357]
    scale = math.sqrt(35 / 32)  # nlme's standard errors, see the module docstring
    se = np.sqrt(np.diag(s.e.V)[:3]) * scale
    assert [_sig(v, 3) for v in se] == [14.1, 34.6, 30.5]
    sd = _sd(s)
    assert round(sd["sd(A)"], 2) == 27.05
    assert round(sd["sd(Residual)"], 2) == 7.32
    assert round(sd["corr(A,C)"], 3) == -0.992
    ll = s.e.scalars["ll"]
    assert round(ll) == -130
    assert round(-2 * ll + 2 * 10) == 280  # AIC, 10 parameters
    assert round(-2 * ll + 10 * math.log(35)) == 296  # BIC
    # Not to the printed digit: ours are 24.27, 36.58, -.327 and .442. These are the weakly
    # determined parameters (sd(B)'s standard error is near three times its estimate, and
    # nlme warns that its first LME step did not converge), where two implementations of the
    # same alternating algorithm stop at slightly different points of a flat ridge; they agree
    # to 0.1% (SDs) and .002 (correlations), as README's list of differences says.
    assert abs(sd["sd(B)"] / 24.25 - 1) <= 1e-3
    assert abs(sd["sd(C)"] / 36.60 - 1) <= 1e-3
    assert abs(sd["corr(A,B)"] - -0.328) <= 0.002
    assert abs(sd["corr(B,C)"] - 0.443) <= 0.002


def test_orange_random_asymptote_as_nlme() -> None:
    """fm2Oran.nlme: AIC 273, BIC 281, log likelihood -132, LR 3.19 against fm1Oran."""
    s = _orange("A")
    ll = s.e.scalars["ll"]
    assert round(ll) == -132
    assert round(-2 * ll + 2 * 5) == 273
    assert round(-2 * ll + 5 * math.log(35)) == 281
    big = _orange("ABC", "covariance(A B C, unstructured)")
    assert round(2 * (big.e.scalars["ll"] - ll), 2) == 3.19


def test_orange_without_random_effects_is_nls() -> None:
    """fm1Oran.nls: estimates 192.7 728.8 353.5, SEs 20.2 107.3 81.5, residual SE 23.4."""
    s = _orange("")
    assert [round(v, 1) for v in s.e.b[:3]] == [192.7, 728.8, 353.5]
    se = np.sqrt(np.diag(s.e.V)[:3]) * math.sqrt(35 / 32)
    assert [round(v, 1) for v in se] == [20.2, 107.3, 81.5]
    s2 = math.exp(2 * s.e.b[3]) * 35 / 32
    assert round(math.sqrt(s2), 1) == 23.4


@pytest.mark.parametrize("method", ["", "reml"])
def test_linear_combination_is_mixed(method: str) -> None:
    """``{xb: Days i.d2}``, factor levels and constant, is mixed's fixed-effects equation."""
    gen = "generate d2 = Days > 4"
    a = _fit("sleepstudy", gen, f"menl Reaction = {{xb: Days i.d2}} + {{U0[Subject]}}, {method}")
    b = _fit("sleepstudy", gen, f"mixed Reaction Days i.d2 || Subject:, {method}")
    assert a.e.bnames[:4] == ["xb:Days", "xb:0b.d2", "xb:1.d2", "xb:_cons"]
    _same(a, b)


def test_define_and_noconstant() -> None:
    """define() substitutes its expression; a combination's random-effect terms add them;
    ``noconstant`` drops the constant, here replaced by a scalar parameter."""
    a = _fit(
        "sleepstudy",
        "menl Reaction = {a:} + {c}, define(a: {xb: Days U0[Subject], noconstant})",
    )
    b = _fit("sleepstudy", "mixed Reaction Days || Subject:")
    assert a.e.bnames[:2] == ["xb:Days", "/:c"]
    _same(a, b)


def test_define_in_a_nonlinear_model() -> None:
    direct = _orange("A")
    defined = _fit(
        "orange",
        "menl circumference = {phi1:}/(1+exp(-(age-{b2})/{b3})), "
        "define(phi1: {b1}+{A[Tree]}) initial(b1 190 b2 700 b3 350)",
    )
    _same(defined, direct)


@pytest.mark.parametrize("method", ["", "reml"])
def test_nested_levels_are_mixed(method: str) -> None:
    """Pastes: batch, and cask within batch (``{V[batch>cask]}``), as ``mixed``'s
    ``|| batch: || cask:``."""
    a = _fit("pastes", f"menl strength = {{b0}} + {{U[batch]}} + {{V[batch>cask]}}, {method}")
    b = _fit("pastes", f"mixed strength || batch: || cask:, {method}")
    _same(a, b)
    assert a.e.macros["ivars"] == "batch cask"


def test_nested_levels_with_slopes_and_covariance() -> None:
    """An intercept at the outer level, and a correlated intercept and slope within it."""
    gen = "generate grp = mod(Subject, 3)"
    y = "generate double y = Reaction + 40*grp"  # groups of subjects that differ
    a = _fit(
        "sleepstudy",
        gen,
        y,
        "menl y = {b0} + {b1}*Days + {G[grp]} + {S[grp>Subject]}*Days "
        "+ {U[grp>Subject]}, covariance(S U, unstructured)",
    )
    b = _fit("sleepstudy", gen, y, "mixed y Days || grp: || Subject: Days, cov(unstructured)")
    n = len(b.e.b)
    _same(a, b, [1, 0, *range(2, n)])
    assert a.e.macros["vartypes"] == "Identity Unstructured"


def test_factorial_interaction_in_a_linear_combination_is_mixed() -> None:
    a = _fit("math", "menl math = {xb: c.homework##i.schtype} + {U0[schid]}")
    b = _fit("math", "mixed math c.homework##i.schtype || schid:")
    assert [n.split(":", 1)[1] for n in a.e.bnames[:7]] == [
        n.split(":", 1)[1] for n in b.e.bnames[:7]
    ]
    _same(a, b)


def test_results_do_not_depend_on_the_units_of_a_covariate() -> None:
    """A rate of order 1e-3 (age in days) and of order 1 (age in thousands of days): the
    same fit, to 1e-6 relative (the derivatives' steps are relative to each parameter)."""
    fits = []
    for x, r0 in (("age", 0.001), ("ak", 1.0)):
        s = _fit(
            "orange",
            "generate double ak = age/1000",
            f"menl circumference = ({{a}}+{{U[Tree]}})*(1-exp(-{{r}}*{x})), initial(a 200 r {r0})",
        )
        fits.append(s.e)
    a, b = fits
    np.testing.assert_allclose(a.b[0], b.b[0], rtol=1e-6)
    np.testing.assert_allclose(a.b[1] * 1000, b.b[1], rtol=1e-6)
    np.testing.assert_allclose(a.b[2:], b.b[2:], rtol=1e-6)
    assert a.scalars["ll"] == pytest.approx(b.scalars["ll"], abs=1e-6)
