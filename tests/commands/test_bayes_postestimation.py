"""bayesstats ic, bayestest interval/model, bayespredict and bayesstats ppvalues as the talk
uses them, checked against direct computations from the stored draws."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.commands.bayes_ic import mu_draws
from bayes_magic.commands.bayespredict import load_predictions
from bayes_magic.session import Session
from tests.conftest import fails, run

TALK = "mixed math homework i.schtype || schid: homework, covariance(unstructured)"
SHORT = "mcmcsize(2000) burnin(1000) nodots"


@pytest.fixture(scope="module")
def s() -> Session:
    s = Session()
    run(s, "use math")
    # remargl: multilevel models report their log marginal likelihood only when asked
    run(s, f"quietly bayes, rseed(317) {SHORT} remargl: {TALK}")
    run(s, "estimates store m1")
    run(s, f"quietly bayes, rseed(317) {SHORT} remargl iwishartprior(10): {TALK}")
    run(s, "estimates store m3")
    run(s, "estimates restore m1")
    return s


def test_ic_table_and_matrix(s: Session) -> None:
    out = run(s, "bayesstats ic m1 m3")
    assert "             |        DIC    log(ML)    log(BF)" in out
    assert "Laplace–Metropolis" in out
    M = s.r["ic"]
    assert M.rownames == ["m1", "m3"] and np.isnan(M.values[0, 2])
    assert M.values[1, 2] == pytest.approx(M.values[1, 1] - M.values[0, 1])
    out = run(s, "bayesstats ic m*, diconly")
    assert "Deviance information criterion" in out and "log(ML)" not in out
    # DIC from its definition, on the stored draws
    post = s.estimates["m1"]
    mu = mu_draws(post).reshape(-1, post.design.n).mean(axis=0)
    s2 = post.chains_of("e.math:sigma2").mean()
    y = post.design.y
    d_at_mean = -2 * np.sum(-0.5 * (np.log(2 * np.pi * s2) + (y - mu) ** 2 / s2))
    dic = 2 * np.mean(-2 * post.loglik) - d_at_mean
    assert s.r["ic"].values[0, 0] == pytest.approx(dic, rel=1e-10)


def test_interval_probability_is_the_share_of_draws(s: Session) -> None:
    out = run(s, "bayestest interval {math:1.schtype}, upper(0)")
    assert "       prob1 : {math:1.schtype} < 0" in out
    x = s.e.chains_of("math:1.schtype")
    assert s.r["prob1"] == pytest.approx(np.mean(x < 0))
    run(s, "bayestest interval {math:homework}, lower(1) upper(3)")
    x = s.e.chains_of("math:homework")
    assert s.r["prob1"] == pytest.approx(np.mean((x > 1) & (x < 3)))
    assert fails(s, "bayestest interval {math:homework}")[1] == 198


def test_model_probabilities(s: Session) -> None:
    run(s, "bayestest model m1 m3")
    M = s.r["test"]
    assert M.values[:, 2].sum() == pytest.approx(1.0)
    lml = M.values[:, 0]
    assert M.values[0, 2] == pytest.approx(1 / (1 + np.exp(lml[1] - lml[0])))


def test_bayespredict_and_ppvalues(tmp_path, s: Session) -> None:
    f = tmp_path / "prdata"
    out = run(s, f'bayespredict {{_ysim}}, saving("{f}") rseed(1)')
    assert "saved" in out
    pred = load_predictions(str(f))
    post = s.e
    np.testing.assert_allclose(pred.mu, mu_draws(post))
    # the replicates' spread is the residual variance, draw by draw
    z = (pred.ysim - pred.mu) / np.sqrt(post.chains_of("e.math:sigma2"))[:, :, None]
    assert abs(z.std() - 1) < 0.01
    out = run(s, f'bayesstats ppvalues (@max({{_resid}})) using "{f}"')
    assert "Note: P(T>=T_obs) close to 0 or 1 indicates lack of fit." in out
    t_rep = (pred.ysim - pred.mu).max(axis=-1)
    t_obs = (pred.y - pred.mu).max(axis=-1)
    M = s.r["summary"]
    assert M.values[0] == pytest.approx(
        [t_rep.mean(), t_rep.std(ddof=1), t_obs.mean(), np.mean(t_rep >= t_obs)]
    )
    run(s, f'bayesstats ppvalues {{_ysim1[3]}} using "{f}"')
    assert s.r["summary"].values[0, 2] == pred.y[2]
    # {_mu1_3}: the name the summary rows carry
    run(s, f'bayesstats summary {{_mu1_3}} using "{f}"')
    assert s.r["summary"].values[0, 0] == pytest.approx(pred.mu[:, :, 2].mean())
    assert fails(s, f'bayesstats ppvalues {{_ysim}} using "{f}"')[1] == 198
    assert fails(s, 'bayesstats ppvalues (@max({_resid})) using "/nonexistent/x"')[1] == 601
    assert fails(s, f'bayespredict {{_ysim}}, saving("{f}")')[1] == 602


def test_bayespredict_mean_variable(s: Session) -> None:
    run(s, "bayespredict pm, mean rseed(2)")
    v = s.data.values("pm")
    mu = mu_draws(s.e).reshape(-1, s.e.design.n).mean(axis=0)
    np.testing.assert_allclose(v[s.data.mask_of(s.e.ids)], mu)
    assert s.data.info["pm"].label == "Posterior predictive mean of math"
    run(s, "drop pm")
    assert fails(s, "bayespredict math, mean")[1] == 110


def test_bayespredict_works_on_the_data_in_memory(tmp_path) -> None:
    """As Stata's: if/in select observations, the others stay missing; after the data change
    the predictions follow the data in memory (forecasts), and groups not in the fit get none."""
    s = Session()
    run(s, "use math")
    run(s, f"quietly bayes, rseed(317) {SHORT}: mixed math homework i.schtype || schid:")
    post = s.e
    run(s, "bayespredict all, mean rseed(1)")
    full = s.data.values("all").copy()
    np.testing.assert_allclose(full, mu_draws(post).reshape(-1, 519).mean(axis=0))
    run(s, "bayespredict pub if schtype == 1, mean")
    pub = s.data.values("pub")
    one = s.data.values("schtype") == 1
    assert np.isnan(pub[~one]).all()
    np.testing.assert_allclose(pub[one], full[one])
    run(s, "bayespredict first in 1/10, mean")
    assert (~np.isnan(s.data.values("first"))).sum() == 10
    # {_ysim} over a subset keeps the observation numbers for {_ysim[#]}
    f = tmp_path / "sub"
    run(s, f'bayespredict {{_ysim}} in 5/9, saving("{f}") rseed(3)')
    pred = load_predictions(str(f))
    assert pred.mu.shape[2] == 5 and list(pred.obs) == [5, 6, 7, 8, 9]
    run(s, f'bayesstats ppvalues {{_ysim[7]}} using "{f}"')
    assert s.r["summary"].values[0, 2] == s.data.values("math")[6]
    assert fails(s, f'bayesstats ppvalues {{_ysim[1]}} using "{f}"')[1] == 198
    # a forecast: one more hour of homework moves the mean by the posterior mean of its slope
    run(s, "replace homework = homework + 1 in 1/3")
    run(s, "bayespredict more in 1/3, mean")
    slope = post.chains_of("math:homework").mean()
    # (stored as float, as Stata stores new variables: 7 digits)
    np.testing.assert_allclose(s.data.values("more")[:3], full[:3] + slope, rtol=1e-6)
    # after dropping a school, the rest are predicted as before; a new school gets none
    run(s, "replace homework = homework - 1 in 1/3")
    keep = s.data.values("schid") != 6053
    run(s, "drop if schid == 6053")
    run(s, "bayespredict after, mean")
    np.testing.assert_allclose(s.data.values("after"), full[keep])
    run(s, "replace schid = 1 in 1")
    run(s, "bayespredict newgroup, mean")
    assert np.isnan(s.data.values("newgroup")[0]) and not np.isnan(s.data.values("newgroup")[1])


def test_joint_intervals(s: Session) -> None:
    out = run(
        s,
        "bayestest interval ({math:homework}, lower(0) upper(3)) ({math:_cons}, lower(45)), joint",
    )
    assert "prob1 : 0 < {math:homework} < 3 & 45 < {math:_cons}" in out
    h, c = s.e.chains_of("math:homework"), s.e.chains_of("math:_cons")
    assert s.r["prob1"] == pytest.approx(np.mean((h > 0) & (h < 3) & (c > 45)))
    run(s, "bayestest interval ({math:homework}, upper(2)) ({math:_cons}, lower(45))")
    assert s.r["prob2"] == pytest.approx(np.mean(c > 45))
    run(s, "bayestest interval {math:homework}, upper(2, inclusive)")
    assert s.r["prob1"] == pytest.approx(np.mean(h <= 2))


def test_svmat_and_matrix_list_as_in_the_talk(s: Session) -> None:
    run(s, "quietly bayesstats summary {U0}")
    out = run(s, "matrix list r(summary)")
    assert out.splitlines()[0] == "r(summary)[23,6]"
    run(s, "svmat r(summary), names(u2b)")
    M = s.r["summary"]
    v = s.data.values("u2b1")
    np.testing.assert_allclose(v[:23], M.values[:, 0].astype(np.float32), rtol=1e-6)
    assert np.isnan(v[23:]).all()
    run(s, "matrix A = r(summary)")
    assert "A[23,6]" in run(s, "matrix dir")
    assert fails(s, "svmat r(nosuch)")[1] == 111
    run(s, "drop u2b*")


def test_bayesstats_summary_of_a_prediction_file(tmp_path, s: Session) -> None:
    f = tmp_path / "pr"
    run(s, f'bayespredict {{_ysim}}, saving("{f}") rseed(4)')
    pred = load_predictions(str(f))
    out = run(s, f'bayesstats summary {{_ysim[1/3]}} (mx: @max({{_ysim}})) using "{f}"')
    assert "_ysim1_1 |" in out and "mx : @max({_ysim})" in out
    M = s.r["summary"]
    assert M.rownames == ["_ysim1_1", "_ysim1_2", "_ysim1_3", "mx"]
    np.testing.assert_allclose(M.values[:3, 0], pred.ysim[0, :, :3].mean(axis=0))
    assert M.values[3, 0] == pytest.approx(pred.ysim.max(axis=-1).mean())
    run(s, f'bayesstats summary {{_resid[2]}} using "{f}"')
    assert s.r["summary"].values[0, 0] == pytest.approx((pred.ysim - pred.mu)[0, :, 1].mean())
    assert fails(s, f'bayesstats summary {{_ysim}} {{math:_cons}} using "{f}"')[1] == 111
    assert fails(s, f'bayesstats summary ({{_ysim}}+1) using "{f}"')[1] == 198


def test_functions_saved_by_bayespredict(tmp_path, s: Session) -> None:
    f = tmp_path / "fn"
    run(s, f'bayespredict (mx: @max({{_ysim}})) (rmax: @max({{_resid}})), saving("{f}") rseed(6)')
    pred = load_predictions(str(f))
    run(s, f'bayesstats summary {{mx}} {{rmax}} using "{f}"')
    M = s.r["summary"]
    assert M.rownames == ["mx", "rmax"]
    assert M.values[0, 0] == pytest.approx(pred.ysim.max(axis=-1).mean())
    run(s, f'bayesstats ppvalues {{rmax}} using "{f}"')
    t_rep = (pred.ysim - pred.mu).max(axis=-1)
    t_obs = (pred.y - pred.mu).max(axis=-1)
    assert s.r["summary"].values[0] == pytest.approx(
        [t_rep.mean(), t_rep.std(ddof=1), t_obs.mean(), np.mean(t_rep >= t_obs)]
    )
    assert fails(s, f'bayespredict ({{_ysim}}+1), saving("{tmp_path / "g"}")')[1] == 198
    assert not (tmp_path / "g.bmpred").exists()


def test_excluded_random_effects_are_not_found() -> None:
    """After exclude({U0}), {U0} is not the variance's equation {U0:}: Stata's not found."""
    s = Session()
    run(s, "use cbpp")
    run(
        s,
        "quietly bayes, rseed(1) mcmcsize(300) burnin(200) exclude({U0}): "
        "melogit incidence i.period || herd:, binomial(size)",
    )
    for text in ("bayesstats summary {U0}", "bayesstats summary {U0[1]}"):
        m, r = fails(s, text)
        assert r == 111 and "excluded" in m
    assert "U0:sigma2" in run(s, "bayesstats summary {U0:sigma2}")
    out = run(s, "bayes, showreffects")
    assert "U0[herd]" not in out
    assert fails(s, "bayes, showreffects({U0})")[1] == 111


def test_numlists_of_random_effect_groups() -> None:
    """``{U0[1/3]}``, ``{U0[2(2)6]}`` (as bayes: mixed's help writes them) name those groups,
    in summary, ess and showreffects(); a group that is not there is named in the error."""
    s = Session()
    run(
        s,
        "use radon\nquietly bayes, rseed(1) mcmcsize(300) burnin(100): mixed log_radon floor || county:",
    )
    run(s, "bayesstats summary {U0[1/3]}")
    M = s.r["summary"]
    assert M.rownames == ["U0[1]", "U0[2]", "U0[3]"]
    i = s.e.re_names.index("U0[2]")
    assert M.values[1, 0] == pytest.approx(s.e.re_draws[:, :, i].mean(), rel=1e-12)
    run(s, "bayesstats ess {U0[2(2)6]}")
    assert len(s.r["ess"].rownames) == 3
    out = run(s, "bayes, showreffects({U0[1/3]}) noheader")
    assert "           3 |" in out and "           4 |" not in out
    msg, rc = fails(s, "bayesstats summary {U0[84/87]}")
    assert rc == 111 and "no group 86" in msg


def test_exclude_leaves_no_log_marginal_likelihood() -> None:
    """exclude(): the log marginal likelihood is not available, as [BAYES] bayesmh says (it
    was computed from the kept parameters alone, 3.27 nats off; a new-user trial)."""
    s = Session()
    run(s, "use math")
    model = "regress math homework i.schtype"
    run(s, f"quietly bayes, rseed(4) mcmcsize(1000) burnin(500) normalprior(10): {model}")
    assert s.e.scalars["lml"] == pytest.approx(s.e.scalars["lml"])  # a number
    out = run(
        s,
        f"bayes, rseed(4) mcmcsize(1000) burnin(500) normalprior(10) "
        f"exclude({{math:homework}}) nodots: {model}",
    )
    assert "math:homework" not in s.e.names
    assert s.e.scalars["lml"] != s.e.scalars["lml"]  # missing
    msg, rc = fails(s, "bayesstats ic")  # DIC needs the excluded draws (was KeyError)
    assert rc == 198 and "exclude()" in msg
    # shown without a value, as Stata's header does when it has none
    line = next(x for x in out.splitlines() if x.startswith("Log marginal-likelihood"))
    assert "=" not in line.split("max")[0]
