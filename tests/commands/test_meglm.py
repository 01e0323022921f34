"""``meglm ..., family() link()`` ([ME] meglm): the same fits as the me* commands (whose numbers
the reference tests check against Stata, lme4 and direct quadrature), shown as Stata's
``_me_display`` shows a ``meglm`` fit, and the families and links it does not take yet refused.
"""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


@pytest.fixture(scope="module")
def cbpp() -> Session:
    s = Session()
    run(s, "use cbpp")
    return s


@pytest.mark.parametrize(
    "glm, me",
    [
        ("family(bernoulli) link(probit)", "meprobit"),
        ("f(be) l(clog)", "mecloglog"),
        ("family(binomial size)", "melogit"),
        ("family(poisson)", "mepoisson"),
        ("family(nbinomial constant)", "menbreg"),
    ],
)
def test_meglm_is_the_me_command_of_its_family_and_link(cbpp: Session, glm: str, me: str):
    y = "incidence"
    trials = " binomial(size)" if "binomial size" in glm else ""
    extra = " dispersion(constant)" if "constant" in glm else ""
    if "bernoulli" in glm or "(be)" in glm:
        run(cbpp, "capture drop any")
        run(cbpp, "generate byte any = incidence > 0")
        y = "any"
    run(cbpp, f"quietly {me} {y} i.period || herd:,{trials}{extra}")
    b, ll = np.array(cbpp.e.b), cbpp.e.scalars["ll"]
    out = run(cbpp, f"meglm {y} i.period || herd:, {glm} nolog")
    e = cbpp.e
    assert e.cmd == "meglm" and e.macros["cmd2"] == "meglm"
    assert e.macros["title"] == "Mixed-effects GLM"
    assert e.cmdline.startswith(f"meglm {y} i.period || herd:, family(")  # as typed
    np.testing.assert_array_equal(e.b, b)
    assert e.scalars["ll"] == ll
    lines = out.splitlines()
    assert lines[0].startswith("Mixed-effects GLM")
    # _me_display: the family and the link end in column 31
    assert len(lines[1]) == len(lines[2]) == 31
    assert lines[1].startswith("Family:") and lines[2].startswith("Link:")


def test_header_words(cbpp: Session) -> None:
    out = run(cbpp, "meglm incidence i.period || herd:, family(binomial size) nolog")
    assert out.splitlines()[1:4] == [
        "Family:                binomial",
        "Link:                     logit",
        "Binomial variable:         size",
    ]
    assert cbpp.e.macros["family"] == "binomial" and cbpp.e.macros["model"] == "logistic"
    out = run(cbpp, "meglm incidence i.period || herd:, family(binomial 40) link(cloglog) nolog")
    assert out.splitlines()[1:4] == [
        "Family:                binomial",
        "Link:     complementary log-log",
        "Binomial trials:             40",
    ]
    out = run(cbpp, "meglm incidence i.period || herd:, family(poisson) nolog")
    assert out.splitlines()[1:3] == [
        "Family:                 Poisson",
        "Link:                       log",
    ]
    assert out.rstrip().splitlines()[-1].startswith("LR test vs. Poisson model")
    # meglm alone replays the last me* fit, under its own name
    run(cbpp, "quietly mepoisson incidence i.period || herd:")
    assert run(cbpp, "meglm").startswith("Mixed-effects Poisson regression")


def test_postestimation_after_meglm(cbpp: Session) -> None:
    run(cbpp, "quietly mepoisson incidence i.period || herd:, exposure(size)")
    run(cbpp, "predict double mu_me, mu")
    run(cbpp, "quietly meglm incidence i.period || herd:, family(poisson) exposure(size) irr")
    run(cbpp, "predict double mu_glm, mu")
    df = cbpp.data.to_dataframe()
    np.testing.assert_array_equal(df["mu_glm"], df["mu_me"])
    run(cbpp, "estat ic")
    run(cbpp, "margins, predict(xb)")


def test_ordinal_family() -> None:
    s = Session()
    run(s, "use math")
    run(s, "generate byte hw = min(homework, 3)")
    run(s, "quietly meoprobit hw math || schid:")
    b = np.array(s.e.b)
    out = run(s, "meglm hw math || schid:, family(ordinal) link(probit) nolog")
    np.testing.assert_array_equal(s.e.b, b)
    assert "Family:                 ordinal" in out


@pytest.mark.slow
def test_bayes_meglm_is_bayes_of_the_same_model(cbpp: Session) -> None:
    opts = "rseed(7) mcmcsize(400) burnin(100) nodots"
    run(cbpp, f"quietly bayes, {opts}: mepoisson incidence i.period || herd:")
    mean = np.array(cbpp.e.draws).mean(axis=(0, 1))
    run(cbpp, f"quietly bayes, {opts}: meglm incidence i.period || herd:, family(poisson)")
    np.testing.assert_array_equal(np.array(cbpp.e.draws).mean(axis=(0, 1)), mean)
    msg, rc = fails(cbpp, f"bayes, {opts}: meglm incidence || herd:, family(gamma)")
    assert rc == 198 and "not available" in msg
