"""``bayesmh depvar = (expression)``: the model summary, the table, stored results, the
postestimation commands that work on it, and the errors of models it cannot take."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run

ORANGE = (
    "bayesmh circumference = ({U[Tree]}/(1+exp(-(age-{b2})/{b3}))), "
    "likelihood(normal({e.circumference:sigma2})) "
    "prior({U[Tree]}, normal({b1},{var_U})) prior({b1 b2 b3}, normal(0,1e6)) "
    "prior({e.circumference:sigma2} {var_U}, igamma(.01,.01)) "
    "initial({b1} 200 {b2} 700 {b3} 350) rseed(17) burnin(1000) mcmcsize(2000)"
)
SLIDE = (
    "bayesmh circumference = ({C[Tree]}/(1+exp(-(age-{B[Tree]})/{s}))), "
    "likelihood(normal({e.circumference:sigma2})) "
    "prior({C[Tree] B[Tree]}, mvnormal(2,{c},{b},{Sigma,m})) prior({c b}, normal(0,1e6)) "
    "prior({s}, normal(0,1e6)) prior({e.circumference:sigma2}, igamma(.01,.01)) "
    "prior({Sigma,m}, iwishart(2,3,I(2))) initial({c} 200 {b} 700 {s} 350) "
    "rseed(3) burnin(1000) mcmcsize(2000)"
)


@pytest.fixture(scope="module")
def orange() -> Session:
    s = Session()
    run(s, "use orange")
    run(s, ORANGE)
    return s


def test_model_summary_and_table(orange) -> None:
    s = Session()
    run(s, "use orange")
    text = run(s, ORANGE)
    assert (
        "Likelihood:\n  circumference ~ normal(<expr1>,{e.circumference:sigma2})\n\nPriors:\n"
        "                 {U[Tree]} ~ normal({b1},{var_U})\n"
        "                   {b2 b3} ~ normal(0,1e6)\n"
        "  {e.circumference:sigma2} ~ igamma(.01,.01)\n\nHyperpriors:\n"
        "     {b1} ~ normal(0,1e6)\n  {var_U} ~ igamma(.01,.01)\n\n"
        "Expression:\n  expr1 : {U[Tree]}/(1+exp(-(age-{b2})/{b3}))\n" in text
    )
    assert "Bayesian multilevel regression" in text
    assert "Group variable: Tree                             Number of groups =          5" in text
    rows = [ln.split("|")[0].strip() for ln in text.splitlines() if "|" in ln]
    assert rows[2:] == ["b2", "b3", "e.circumfe~e", "sigma2", "b1", "var_U"]
    assert s.e.names == ["b2", "b3", "e.circumference:sigma2", "b1", "var_U"]
    assert s.e.re_names == [f"U[{t}]" for t in range(1, 6)]


def test_stored_results_and_postestimation(orange) -> None:
    s = orange
    assert s.e.macros["cmd"] == "bayesmh"
    assert s.e.scalars["N"] == 35
    b = s.e.b
    assert 600 < b[0] < 900 and 250 < b[1] < 450  # xmid and scale in days
    text = run(s, "bayesstats summary {U} (asym: {b1}/10)")
    assert "U[Tree]" in text and "asym" in text
    np.testing.assert_allclose(
        s.r["summary"].values[-1, 0], s.e.chains_of("b1").mean() / 10, rtol=1e-12
    )
    run(s, "bayesstats ess")
    run(s, "bayestest interval {b3}, lower(250) upper(450)")
    assert 0.5 < s.r["summary"].values[0, 0] <= 1.0
    ic = run(s, "bayesstats ic")
    assert "DIC" in ic
    # DIC = 2 D̄ - D(θ̄): D(θ̄) from the likelihood at the posterior means, here recomputed
    post = s.e
    y = s.data.values("circumference")
    age = s.data.values("age")
    tree = s.data.values("Tree").astype(int) - 1
    m = {n: post.chains_of(n).mean() for n in post.names}
    u = np.array([post.chains_of(f"U[{t}]").mean() for t in range(1, 6)])
    mu = u[tree] / (1 + np.exp(-(age - m["b2"]) / m["b3"]))
    s2 = m["e.circumference:sigma2"]
    ll = float(np.sum(-0.5 * (np.log(2 * np.pi * s2) + (y - mu) ** 2 / s2)))
    dic = 2 * np.mean(-2 * post.loglik) + 2 * ll
    np.testing.assert_allclose(s.r["ic"].values[0, 0], dic, rtol=1e-10)
    run(s, "bayesgraph diagnostics {b2}")
    run(s, "bayesgraph trace {U[3]}")
    run(s, "estimates store nl")
    run(s, "bayesmh, hpd showreffects({U[1 2]})")


def test_saved_results_reload(orange, tmp_path) -> None:
    s = orange
    path = tmp_path / "nl"
    run(s, f'estimates save "{path}", replace')
    t = Session()
    run(t, "use orange")
    run(t, f'estimates use "{path}"')
    a = run(s, "bayesstats summary {b2} {U[2]}")
    b = run(t, "bayesstats summary {b2} {U[2]}")
    assert a == b
    run(t, "bayesstats ic")


def test_matrix_prior_and_hyperparameters() -> None:
    s = Session()
    run(s, "use orange")
    text = run(s, SLIDE)
    assert "{C[Tree] B[Tree]} ~ mvnormal(2,{c},{b},{Sigma,m})" in text
    assert "  {Sigma,m} ~ iwishart(2,3,I(2))" in text
    assert s.e.names[-3:] == ["Sigma_1_1", "Sigma_2_1", "Sigma_2_2"]
    assert s.e.re_names[:2] == ["C[1]", "B[1]"]
    run(s, "bayesstats summary {Sigma,m}")
    assert s.r["summary"].values.shape[0] == 3
    # every draw of the covariance matrix is positive definite
    d = s.e.draws[0]
    i = [s.e.names.index(f"Sigma_{a}") for a in ("1_1", "2_1", "2_2")]
    assert np.all(d[:, i[0]] > 0) and np.all(d[:, i[0]] * d[:, i[2]] > d[:, i[1]] ** 2)


def test_same_seed_same_draws_and_chains() -> None:
    draws = []
    for _ in range(2):
        s = Session()
        run(s, "use orange")
        run(s, ORANGE.replace("mcmcsize(2000)", "mcmcsize(300) nchains(2)"))
        draws.append(s.e.draws.copy())
    np.testing.assert_array_equal(draws[0], draws[1])
    assert draws[0].shape == (2, 300, 5)
    assert not np.array_equal(draws[0][0], draws[0][1])


def test_expression_text_as_typed() -> None:
    from bayes_magic.spec.bayes_nonlinear import _expr_text

    assert _expr_text("({b1=200}/(1+exp(-(age-{b2=700})/{b3=350})))") == (
        "{b1=200}/(1+exp(-(age-{b2=700})/{b3=350}))"
    )
    assert _expr_text("({b1}+{C[Tree]})/(1+exp(-age))") == "({b1}+{C[Tree]})/(1+exp(-age))"


def test_poisson_outcome_must_be_counts(math_session) -> None:
    s = math_session
    run(s, "generate half = math/2 + 0.25")
    assert fails(
        s, "bayesmh half = ({a} + {b}*homework), likelihood(poisson) prior({a b}, normal(0,100))"
    ) == ("half must contain nonnegative integers", 459)


def test_logit_outcome_nonzero_is_success(math_session) -> None:
    s = math_session
    cmd = (
        "bayesmh {y} = ({{a}} + {{b}}*homework), likelihood(logit) "
        "prior({{a b}}, normal(0,100)) rseed(1) burnin(500) mcmcsize(500)"
    )
    run(s, "generate pass1 = math > 50")
    run(s, "generate pass2 = 2 * pass1")  # 0/2: Stata reads every nonzero as success
    run(s, cmd.format(y="pass1"))
    first = s.e.draws.copy()
    run(s, cmd.format(y="pass2"))
    np.testing.assert_array_equal(s.e.draws, first)


def test_lincomb_terms_priors_blocks_and_nested_names() -> None:
    s = Session()
    run(s, "use pastes")
    run(
        s,
        "bayesmh strength = ({xb: i.batch} + {C[batch>cask]}), likelihood(normal({s2})) "
        "prior({xb:_cons}, normal(60,100)) prior({xb:2.batch 3.batch 4.batch 5.batch "
        "6.batch 7.batch 8.batch 9.batch 10.batch}, normal(0,100)) "
        "prior({C[batch>cask]}, normal(0,{vc})) prior({s2} {vc}, igamma(.01,.01)) "
        "block({xb:}) rseed(1) burnin(300) mcmcsize(300) blocksummary",
    )
    assert "xb:_cons" in s.e.names
    text = run(s, "bayesmh, showreffects({C[batch>cask]}) noheader")
    assert text.count("#") >= 30  # every cask, named batch#cask
    run(s, "bayesstats summary {C[batch>cask]}")
    assert s.r["summary"].values.shape[0] == 30


def test_logit_likelihood(math_session) -> None:
    s = math_session
    run(s, "generate pass = math > 50")
    run(
        s,
        "bayesmh pass = ({a} + {b}*homework), likelihood(logit) prior({a b}, normal(0,100)) "
        "rseed(1) burnin(500) mcmcsize(1000)",
    )
    assert s.e.names == ["a", "b"]
    assert s.e.macros["title"] == "Bayesian logistic regression"
    assert 0 < s.e.b[1] < 2


BAD = [
    (
        "bayesmh circumference = ({b1}/(1+exp(-(age-{b2})/{b3}))), likelihood(normal({s2})) "
        "prior({b1 b2}, normal(0,1e6)) prior({s2}, igamma(.01,.01))",
        "prior for {b3} not specified",
        198,
    ),
    (
        "bayesmh circumference = ({b1}*age), likelihood(normal({s2})) "
        "prior({b1 b4}, normal(0,1e6)) prior({s2}, igamma(.01,.01))",
        "parameter {b4} not found in the model",
        111,
    ),
    (
        "bayesmh circumference = ({b1}/(1+exp(-(age-{b2})/{b3}))), likelihood(normal({s2})) "
        "prior({b1 b2 b3}, normal(0,1e6)) prior({s2}, igamma(.01,.01))",
        "initial values not feasible: the log posterior is missing at the initial values; "
        "specify initial()",
        498,
    ),
    (
        "bayesmh circumference = ({U[Tree]}), likelihood(normal({s2})) "
        "prior({s2}, igamma(.01,.01))",
        "prior for {U[Tree]} not specified",
        198,
    ),
    (
        "bayesmh circumference = ({b1}*age), likelihood(t({s2}, 5)) "
        "prior({b1}, normal(0,1e6)) prior({s2}, igamma(.01,.01))",
        "likelihood(t({s2},5)) is not available with a substitutable expression in "
        "bayes_magic yet; normal(), mvnormal(), logit, probit and poisson are available",
        198,
    ),
    (
        "bayesmh (circumference = ({b1}*age)) (age = ({b2})), likelihood(mvnormal({S,m})) "
        "prior({b1 b2}, normal(0,1e6))",
        "prior for {S,m} not specified",
        198,
    ),
    (
        "bayesmh (circumference = ({b1}*age)) (age = ({b2})), likelihood(mvnormal({S,m})) "
        "prior({b1 b2}, normal(0,1e6)) prior({S,m}, iwishart(3,4,I(3)))",
        "iwishart(3,4,I(3)): a 2 x 2 scale matrix expected",
        503,
    ),
    (
        "bayesmh circumference = ({b1}*age), likelihood(mvnormal({S,m})) "
        "prior({b1}, normal(0,1e6)) prior({S,m}, iwishart(1,2,I(1)))",
        "likelihood(mvnormal()) requires two or more equations",
        198,
    ),
    (
        "bayesmh (circumference = ({b1}*age)) (age = ({b2}), likelihood(logit)), "
        "likelihood(normal({s2})) prior({b1 b2}, normal(0,1e6)) prior({s2}, igamma(.01,.01))",
        "equations with different likelihood families are not available in bayes_magic yet",
        198,
    ),
    (
        "bayesmh circumference = ({U[Tree]}*age), likelihood(normal({s2})) "
        "prior({U[Tree]}, mvnormal(1,{m},{S,m})) prior({s2} {m}, igamma(.01,.01)) "
        "prior({S,m}, wishart(1,2,I(1)))",
        "prior wishart() for {S,m} is not available in bayes_magic yet; iwishart() and "
        "jeffreys() are available",
        198,
    ),
    (
        "bayesmh circumference = ({b1}*age), likelihood(normal({s2})) "
        "prior({b1}, normal(0,1e6)) prior({s2}, igamma(.01,.01)) block({b1}, gibbs)",
        "block() suboption gibbs is not available with a substitutable expression in "
        "bayes_magic yet",
        198,
    ),
    (
        "bayesmh circumference = ({b1}*age), likelihood(normal({s2})) "
        "prior({b1}, normal(0,1e6)) prior({s2}, igamma(.01,.01)) block({b9})",
        "block(): parameter {b9} not found in the model",
        111,
    ),
    (
        "bayesmh circumference = ({b1}*age), likelihood(normal({s2})) "
        "prior({b1}, normal(0,1e6)) prior({b1} {s2}, igamma(.01,.01))",
        "prior for {b1} specified more than once",
        198,
    ),
]


@pytest.mark.parametrize(("cmd", "msg", "rc"), BAD)
def test_bad_models_leave_everything_as_it_was(orange, cmd: str, msg: str, rc: int) -> None:
    s = orange
    before = s.e
    data = s.data.df.copy()
    assert fails(s, cmd) == (msg, rc)
    assert s.e is before
    assert s.data.df.equals(data)


def test_functions_of_parameters_refused_by_name(orange) -> None:
    msg, rc = fails(
        orange,
        "bayesmh circumference = (lnfactorial({b1})), likelihood(normal({s2})) "
        "prior({b1}, normal(0,1e6)) prior({s2}, igamma(.01,.01))",
    )
    assert rc == 198 and msg.startswith("lnfactorial() of parameters is not available")


def test_bayespredict_evaluates_the_expression_at_each_draw(orange, tmp_path) -> None:
    from bayes_magic.commands.bayespredict import load_predictions

    s = orange
    path = tmp_path / "pred"
    run(s, f'bayespredict {{_mu}} {{_ysim}}, saving("{path}", replace) rseed(4)')
    pred = load_predictions(str(path))
    post = s.e
    age = s.data.values("age")
    tree = s.data.values("Tree").astype(int) - 1
    b2, b3 = post.chains_of("b2")[0], post.chains_of("b3")[0]
    U = np.stack([post.chains_of(f"U[{t}]")[0] for t in range(1, 6)], axis=1)
    mu = U[:, tree] / (1 + np.exp(-(age[None] - b2[:, None]) / b3[:, None]))
    np.testing.assert_allclose(pred.mu[0], mu, rtol=1e-12)
    # replicates: mu plus normal noise of the draw's variance
    z = (pred.ysim[0] - mu) / np.sqrt(post.chains_of("e.circumference:sigma2")[0])[:, None]
    assert abs(z.mean()) < 0.02 and abs(z.std() - 1) < 0.02  # 70,000 standard normals
    text = run(s, f'bayesstats ppvalues (@max({{_resid}})) using "{path}"')
    assert "P(T>=T_obs)" in text
    # the posterior predictive mean: the mean curve, plus the replicates' noise averaged over
    # 2,000 draws (SD about sqrt(70/2000) = .19; 4 of those allowed)
    run(s, "bayespredict pm, mean rseed(2)")
    np.testing.assert_allclose(s.data.values("pm"), mu.mean(axis=0), atol=0.75)


def test_dryrun_shows_the_model_only(orange) -> None:
    s = orange
    before = s.e
    text = run(
        s,
        "bayesmh circumference = ({b1}*age), likelihood(normal({s2})) "
        "prior({b1}, normal(0,1e6)) prior({s2}, igamma(.01,.01)) dryrun",
    )
    assert text.startswith("Model summary") and "MCMC" not in text
    assert s.e is before
