"""``menbreg`` as a user meets it: Stata's layout (``/lnalpha`` or ``/lndelta`` between the
coefficients and the variance components, the "Overdispersion:" header line), stored results,
replay, ``irr``, ``exposure()``, ``predict`` (``mu``, ``eta``, ``reffects``), ``margins`` of the
fixed portion, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import col, fails, run


@pytest.fixture(scope="module")
def epi() -> Session:
    s = Session()
    run(s, "use epilepsy")
    run(s, "menbreg count zAge zBase i.Trt || patient:")
    return s


def test_layout(epi) -> None:
    out = run(epi, "menbreg")
    lines = out.splitlines()
    assert lines[0].startswith("Mixed-effects nbinomial regression")
    assert lines[0].endswith("Number of obs     =        236")
    assert lines[1].split() == ["Overdispersion:", "mean"]
    i = next(k for k, ln in enumerate(lines) if ln.strip().startswith("/lnalpha"))
    assert lines[i - 1].startswith("-------------+")
    assert lines[i][37:54].strip() == ""  # no z or P>|z|
    assert lines[i + 1].startswith("-------------+")
    assert lines[i + 2] == "patient      |"
    assert lines[i + 3].startswith("   var(_cons)|")
    assert lines[-1].startswith("LR test vs. nbinomial model: chibar2(01) =")


def test_stored_results(epi) -> None:
    e = epi.e
    assert e.macros["cmd"] == "meglm" and e.macros["cmd2"] == "menbreg"
    assert e.macros["family"] == "nbinomial" and e.macros["link"] == "log"
    assert e.macros["dispersion"] == "mean"
    assert e.macros["title"] == "Mixed-effects nbinomial regression"
    assert e.bnames[-2:] == ["/:lnalpha", "/:var(_cons[patient])"]
    b = dict(zip(e.bnames, e.b))
    out = run(epi, "display exp(_b[/lnalpha])")
    assert float(out) == pytest.approx(np.exp(b["/:lnalpha"]), rel=1e-6)
    # the LR test compares with the model without random effects, which has a larger α
    assert e.scalars["chi2_c"] == pytest.approx(2 * (e.scalars["ll"] - e.scalars["ll_c"]))
    assert e.scalars["chi2_c"] > 0


def test_irr_constant_dispersion_and_exposure() -> None:
    s = Session()
    run(s, "use epilepsy")
    out = run(s, "menbreg count zAge zBase Trt || patient:, irr dispersion(constant) nolog")
    assert out.splitlines()[1].split() == ["Overdispersion:", "constant"]
    assert "count |         IRR  Std. err." in out
    b = dict(zip(s.e.bnames, s.e.b))
    row = next(ln for ln in out.splitlines() if ln.strip().startswith("zBase |"))
    assert float(row.split("|")[1].split()[0]) == pytest.approx(np.exp(b["count:zBase"]), 1e-6)
    row = next(ln for ln in out.splitlines() if ln.strip().startswith("/lndelta |"))
    assert float(row.split("|")[1].split()[0]) == pytest.approx(b["/:lndelta"], abs=1e-6)
    assert s.e.macros["dispersion"] == "constant"
    # exposure(Base): ln(Base) enters with coefficient 1, as offset(lnBase)
    run(s, "generate double lnBase = ln(Base)")
    run(s, "menbreg count zAge || patient:, exposure(Base) nolog")
    ll_exp, b_exp = s.e.scalars["ll"], np.array(s.e.b)
    out = run(s, "menbreg count zAge || patient:, offset(lnBase) nolog")
    assert s.e.scalars["ll"] == pytest.approx(ll_exp, abs=1e-8)
    np.testing.assert_allclose(s.e.b, b_exp, rtol=1e-6, atol=1e-8)
    assert "lnBase |          1  (offset)" in out


def test_predict(epi) -> None:
    s = epi
    run(s, "menbreg count zAge zBase i.Trt || patient:, nolog")
    out = run(s, "predict double m")
    assert "(option mu assumed)" in out
    run(s, "predict double eta, eta")
    run(s, "predict double xb, xb")
    run(s, "predict double u, reffects")
    run(s, "predict double mf, mu fixedonly")
    np.testing.assert_allclose(col(s, "m"), np.exp(col(s, "eta")), rtol=1e-12)
    np.testing.assert_allclose(col(s, "eta"), col(s, "xb") + col(s, "u"), atol=1e-12)
    np.testing.assert_allclose(col(s, "mf"), np.exp(col(s, "xb")), rtol=1e-12)
    # the empirical Bayes means of one patient: E(u | y) by quadrature written here
    e = s.e
    b = dict(zip(e.bnames, e.b))
    alpha, sd = np.exp(b["/:lnalpha"]), np.sqrt(b["/:var(_cons[patient])"])
    df = s.data.to_dataframe()
    first = df.patient == df.patient.iloc[0]
    y, xb = df["count"][first].to_numpy(), col(s, "xb")[first.to_numpy()]
    from scipy import stats

    u = np.linspace(-10 * sd, 10 * sd, 20001)
    mu = np.exp(xb[None, :] + u[:, None])
    logf = stats.nbinom.logpmf(y[None, :], 1 / alpha, 1 / (1 + alpha * mu)).sum(axis=1)
    w = np.exp(logf + stats.norm.logpdf(u, 0, sd) - np.max(logf))
    assert col(s, "u")[first.to_numpy()][0] == pytest.approx(np.sum(u * w) / np.sum(w), abs=1e-5)
    run(s, "drop m eta xb u mf")


def test_margins_of_the_fixed_portion(epi) -> None:
    s = epi
    run(s, "menbreg count zAge zBase i.Trt || patient:, nolog")
    out = run(s, "margins Trt, predict(mu fixedonly)")
    assert "Expression: Predicted mean, fixed portion only, predict(mu fixedonly)" in out
    run(s, "preserve")
    run(s, "replace Trt = 1")
    run(s, "predict double m1, mu fixedonly")
    want = float(np.mean(col(s, "m1")))
    run(s, "restore")
    assert float(s.r["b"].values[0, 1]) == pytest.approx(want, rel=1e-10)


def test_bad_input_changes_nothing(epi) -> None:
    s = epi
    run(s, "menbreg count zAge zBase i.Trt || patient:, nolog")
    before = s.data.to_dataframe().copy()
    est = s.e
    for text, msg, rc in [
        ("predict p, pr", "option pr not allowed", 198),
        ("predict p, outcome(1)", "option outcome() not allowed", 198),
        ("menbreg count zAge || patient:, or", "option or not allowed", 198),
        ("menbreg count zAge || patient:, dispersion(big)", "dispersion(big) invalid", 198),
        ("mepoisson count zAge || patient:, dispersion(mean)", "option dispersion() not", 198),
        ("menbreg count zAge || patient:, binomial(visit)", "option binomial() not allowed", 198),
        ("menbreg count zAge || patient:, vce(bootstrap)", "vce(bootstrap) is not available", 198),
        ("menbreg zAge zBase || patient:", "zAge must be greater than or equal to zero", 459),
        ("menbreg count zAge", "menbreg requires at least one random-effects", 198),
        ("menbreg count zAge || patient:, exposure(zAge)", "zAge has values <= 0", 459),
    ]:
        m, r = fails(s, text)
        assert m.startswith(msg) and r == rc, (text, m, r)
    assert s.e is est
    assert s.data.to_dataframe().equals(before)


def test_singular_information_leaves_every_se_missing(epi) -> None:
    """A random slope whose variance goes to zero with a free correlation: the information is
    singular, and ln α's standard error is missing like the coefficients' (not 0)."""
    out = run(epi, "menbreg count zAge zBase i.Trt || patient: visit, cov(un) nolog")
    rows = {
        ln.split("|")[0].strip(): ln.split("|")[1].split() for ln in out.splitlines() if "|" in ln
    }
    assert len(rows["zAge"]) == 1
    assert len(rows["/lnalpha"]) == 1


def test_replay_store_and_lrtest(epi) -> None:
    s = epi
    run(s, "menbreg count zAge zBase i.Trt || patient:, nolog")
    run(s, "estimates store nb")
    first = run(s, "menbreg")
    run(s, "mepoisson count zAge zBase i.Trt || patient:, nolog")
    assert fails(s, "menbreg")[1] == 301
    run(s, "estimates store po")
    # the Poisson model is the negative binomial at α = 0: a boundary LR test
    out = run(s, "lrtest nb po")
    assert "LR chi2(1)" in out
    # Stata's boundary note, wrapped at 79 columns as Stata prints it
    assert "Note: The reported degrees of freedom assumes" in out
    assert max(len(ln) for ln in out.splitlines()) <= 79
    run(s, "estimates restore nb")
    assert run(s, "menbreg") == first
