"""``xtlogit`` / ``xtprobit`` / ``xtcloglog, re`` against Rodríguez's Stata 17 log of
``xtlogit hosp loginc distance dropout college, i(mother) re`` on the bundled hospital data
(grodri.github.io multilevel/hospmle.html), which prints the same model fitted by ``melogit,
intpoints(12)`` too."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from bayes_magic.fit.glmm import integ_order
from bayes_magic.session import Session
from tests.conftest import col, fails, run

# the log's xtlogit table: estimate, std. err., interval
STATA_XT = {
    "loginc": (".5622009", ".0727497", ".4196141", ".7047876"),
    "distance": ("-.0765915", ".0323473", "-.1399911", "-.013192"),
    "dropout": ("-1.997753", ".2556249", "-2.498769", "-1.496737"),
    "college": ("1.03363", ".3884851", ".2722135", "1.795047"),
    "_cons": ("-3.36984", ".4794505", "-4.309546", "-2.430134"),
}
STATA_LNSIG2U = (".4372018", ".3161192", "-.1823805", "1.056784")
STATA_SIGMA_U = ("1.244335", ".1966791", ".912844", "1.696203")
STATA_RHO = (".3200274", ".0687907", ".2020988", ".4665343")
# the same model by Stata's melogit, intpoints(12), in the same log
STATA_ME = {
    "loginc": ".5622029",
    "distance": "-.0765916",
    "dropout": "-1.997762",
    "college": "1.033635",
    "_cons": "-3.369853",
}


def printed(value: float, figure: str) -> bool:
    decimals = len(figure.split(".")[1]) if "." in figure else 0
    return abs(value - float(figure)) <= 0.5 * 10.0**-decimals + 1e-12


@pytest.fixture(scope="module")
def hosp() -> tuple[Session, str]:
    s = Session()
    run(s, "use hospital")
    out = run(s, "xtlogit hosp loginc distance dropout college, i(mother) re")
    return s, out


def test_xtlogit_reproduces_the_logs_summary_figures(hosp) -> None:
    s, _out = hosp
    e = s.e
    assert e.cmd == "xtlogit" and e.macros["intmethod"] == "mvaghermite"
    assert e.scalars["n_quad"] == 12  # the xt commands' default
    assert printed(e.scalars["ll"], "-522.65042")
    assert printed(e.scalars["ll_c"], "-537.45771")  # the pooled logit ("comparison model")
    assert printed(e.scalars["chi2"], "110.06")
    assert printed(e.scalars["chi2_c"], "29.61")


def test_xtlogit_estimates_are_as_good_a_maximum_as_statas(hosp) -> None:
    """The likelihood is flat near its top: Stata's own xtlogit and melogit fits of this model
    (both 12-point mvaghermite, same log) differ by up to 1.3e-5 in the coefficients and 2.7e-5
    in ln σ²_u. Ours lie within twice that gap of the xtlogit figures, and our log likelihood at Stata's
    printed xtlogit estimates is no higher than at ours."""
    s, _out = hosp
    e = s.e
    b = dict(zip((n.split(":", 1)[1] for n in e.bnames), e.b))
    for name, (est, se, _lo, _hi) in STATA_XT.items():
        gap = abs(float(est) - float(STATA_ME[name])) + 0.5e-7
        assert abs(b[name] - float(est)) <= 2 * gap, name
        k = e.bnames.index(f"hosp:{name}")
        assert abs(math.sqrt(e.V[k, k]) / float(se) - 1) < 1e-4, name
    assert abs(b["lnsig2u"] - float(STATA_LNSIG2U[0])) < 3e-5
    fit = e.fit
    order = integ_order(fit)

    def loglik(beta: np.ndarray, lnsig2u: float) -> float:
        L = np.array([[math.exp(0.5 * lnsig2u)]])
        xb = (fit.design.X @ beta)[order]
        return float(np.sum(fit.integrator.loglik(xb, L, "mvaghermite", 12)))

    stata_beta = np.array([float(STATA_XT[n][0]) for n in fit.design.xnames])
    at_stata = loglik(stata_beta, float(STATA_LNSIG2U[0]))
    assert at_stata <= loglik(fit.beta, float(e.b[-1])) + 1e-9


def test_sigma_u_and_rho_are_statas_diparm_transforms() -> None:
    """Fed the log's ln σ²_u and its standard error, the rows below it come out as the log
    prints them: exp(θ/2) and e^θ/(π²/3 + e^θ), their derivatives times the SE, and the
    interval's ends transformed."""
    from bayes_magic.commands.xtbinary import _transform

    class E:
        scalars = {"s2e": math.pi**2 / 3}

    lv, se = float(STATA_LNSIG2U[0]), float(STATA_LNSIG2U[1])
    z = float(stats.norm.ppf(0.975))
    for which, figures in (("sigma_u", STATA_SIGMA_U), ("rho", STATA_RHO)):
        vals = _transform(E, which, lv, se, z)
        got = [vals[0], vals[1], vals[4], vals[5]]
        # the log's own ln σ²_u is rounded to 7 digits: allow a unit in the 7th
        assert all(abs(g - float(f)) <= 2e-7 + 1e-6 * abs(float(f)) for g, f in zip(got, figures))


def test_xtlogit_layout_is_the_logs(hosp) -> None:
    _s, out = hosp
    lines = out.splitlines()
    for want in (
        "Random-effects logistic regression                   Number of obs    =  1,060",
        "Group variable: mother                               Number of groups =    501",
        "Random effects u_i ~ Gaussian                        Obs per group:",
        "                                                                  min =      1",
        "                                                                  avg =    2.1",
        "                                                                  max =     10",
        "Integration method: mvaghermite                      Integration pts. =     12",
        "                                                     Wald chi2(4)     = 110.06",
        "Log likelihood = -522.65042                          Prob > chi2      = 0.0000",
        "LR test of rho=0: chibar2(01) = 29.61                  Prob >= chibar2 = 0.000",
    ):
        assert want in lines, want
    i = lines.index(
        "Log likelihood = -522.65042                          Prob > chi2      = 0.0000"
    )
    assert lines[i + 1] == "" and lines[i + 2].startswith("-" * 13 + "-")  # a blank, then the table
    labels = [ln.split("|")[0] for ln in lines if "|" in ln]
    assert "    /lnsig2u " in labels and "     sigma_u " in labels and "         rho " in labels
    assert "Fitting comparison model:" in out and "Fitting full model:" in out


def test_xtlogit_results_serve_the_logs_calculations(hosp) -> None:
    s, _out = hosp
    # the log's "scalar v2 = exp(_b[/lnsig2u]); di v2/(v2 + _pi^2/3)" is e(rho)
    out = run(s, "scalar v2 = exp(_b[/lnsig2u])\ndisplay v2/(v2 + _pi^2/3)")
    assert abs(float(out.split()[-1]) - s.e.scalars["rho"]) < 1e-7
    assert abs(s.e.scalars["sigma_u"] ** 2 - math.exp(s.e.b[-1])) < 1e-12
    run(s, "estimates store xt")
    table = run(s, "estimates table xt")
    assert "    /lnsig2u |" in table


def test_xtlogit_or_exponentiates_the_coefficients_only(hosp) -> None:
    s, _out = hosp
    out = run(s, "xtlogit, or")
    assert "Odds ratio" in out
    row = next(ln for ln in out.splitlines() if ln.startswith("    /lnsig2u |"))
    assert row.split()[2] == f"{s.e.b[-1]:.7f}".lstrip("0")  # ln σ²_u itself, not exp()
    loginc = next(ln for ln in out.splitlines() if ln.startswith("      loginc |"))
    assert abs(float(loginc.split()[2]) - math.exp(s.e.b[0])) < 1e-6


def test_predict_pu0_and_xb(hosp) -> None:
    s, _out = hosp
    run(s, "capture drop xb p0\npredict xb\npredict p0, pu0")
    xb, p0 = col(s, "xb"), col(s, "p0")
    assert np.allclose(p0, 1 / (1 + np.exp(-xb)), atol=1e-7)  # float storage
    b = s.e.b
    x = np.column_stack([col(s, v) for v in ("loginc", "distance", "dropout", "college")])
    assert np.allclose(xb, x @ b[:4] + b[4], atol=1e-5)


def test_xtprobit_and_xtcloglog_use_their_latent_variances() -> None:
    s = Session()
    run(s, "use hospital\nxtset mother")
    run(s, "quietly xtprobit hosp loginc distance dropout college")
    v = math.exp(s.e.b[-1])
    assert abs(s.e.scalars["rho"] - v / (1 + v)) < 1e-12
    assert s.e.macros["title"] == "Random-effects probit regression"
    run(s, "quietly meprobit hosp loginc distance dropout college || mother:, intpoints(12)")
    ll_me = s.e.scalars["ll"]
    run(s, "quietly xtprobit hosp loginc distance dropout college")
    assert abs(s.e.scalars["ll"] - ll_me) < 1e-6  # the same model and integration rule
    run(s, "predict p0, pu0\npredict xb")
    assert np.allclose(col(s, "p0"), stats.norm.cdf(col(s, "xb")), atol=1e-6)
    out = run(s, "xtcloglog hosp loginc distance dropout college, nolog vce(robust)")
    v = math.exp(s.e.b[-1])
    assert abs(s.e.scalars["rho"] - v / (math.pi**2 / 6 + v)) < 1e-12
    assert "Log pseudolikelihood" in out and "LR test" not in out
    assert "(Std. err. adjusted for 501 clusters in mother)" in out


def test_xt_binary_refusals() -> None:
    s = Session()
    run(s, "use hospital")
    assert fails(s, "xtlogit hosp loginc")[1] == 459  # no panel variable
    run(s, "xtset mother")
    msg, rc = fails(s, "xtlogit hosp loginc, fe")
    assert rc == 198 and "conditional" in msg
    assert fails(s, "xtlogit hosp loginc, pa")[1] == 198
    assert fails(s, "xtprobit hosp loginc, or") == ("option or not allowed", 198)
    assert fails(s, "xtlogit hosp loginc [fw=mother]")[1] == 101
    assert fails(s, "xtlogit hosp loginc || mother:")[1] == 198
    run(s, "generate str5 m = string(mother)")
    assert fails(s, "xtlogit hosp loginc, i(m)")[1] == 109
    run(s, "quietly xtlogit hosp loginc")
    assert fails(s, "predict p, pr")[1] == 198
