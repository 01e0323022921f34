"""``ologit`` and ``oprobit`` against statsmodels' OrderedModel (an independent ML fit of the
same likelihood): estimates, standard errors, log likelihood and the sandwich variance; and
identities that must hold exactly (two outcomes are ``logit``; probabilities sum to one)."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import col, fails, run

CATS = "generate mcat = 1 + (math > 45) + (math > 55) + (math > 65)"


@pytest.fixture(scope="module")
def math_cats() -> Session:
    s = Session()
    run(s, "use math")
    run(s, CATS)
    run(s, "generate pub = schtype == 1")
    return s


def _statsmodels(s: Session, distr: str, cov_type: str = "nonrobust"):
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    df = s.data.df
    m = OrderedModel(df["mcat"].astype(int), df[["homework", "pub"]].astype(float), distr=distr)
    res = m.fit(method="newton", disp=False, maxiter=200, tol=1e-12, cov_type=cov_type)
    th = res.params.to_numpy()
    cuts = np.cumsum(np.r_[th[2], np.exp(th[3:])])  # statsmodels: first cut, log increments
    return res, th[:2], cuts


@pytest.mark.parametrize(("cmd", "distr"), [("ologit", "logit"), ("oprobit", "probit")])
def test_against_statsmodels(math_cats: Session, cmd: str, distr: str) -> None:
    run(math_cats, f"quietly {cmd} mcat homework pub")
    res, beta, cuts = _statsmodels(math_cats, distr)
    e = math_cats.e
    assert e.bnames == ["mcat:homework", "mcat:pub", "/:cut1", "/:cut2", "/:cut3"]
    np.testing.assert_allclose(e.b[:2], beta, rtol=1e-5)
    np.testing.assert_allclose(e.b[2:], cuts, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.sqrt(np.diag(e.V))[:2], res.bse.to_numpy()[:2], rtol=1e-4)
    assert e.scalars["ll"] == pytest.approx(res.llf, abs=1e-7)
    # the constant-only model: sum over outcomes of n_j log(n_j / N)
    n = np.bincount(col(math_cats, "mcat").astype(int))[1:]
    assert e.scalars["ll_0"] == pytest.approx(float(np.sum(n * np.log(n / n.sum()))), rel=1e-12)
    assert e.scalars["chi2"] == pytest.approx(2 * (e.scalars["ll"] - e.scalars["ll_0"]))


def test_robust_variance_against_statsmodels(math_cats: Session) -> None:
    """vce(robust): statsmodels' HC0 sandwich times Stata's N/(N-1) (the coefficients' block,
    which does not depend on how the cutpoints are parametrized)."""
    run(math_cats, "quietly ologit mcat homework pub, vce(robust)")
    res, _, _ = _statsmodels(math_cats, "logit", cov_type="HC0")
    N = 519
    want = res.cov_params().to_numpy()[:2, :2] * N / (N - 1)
    np.testing.assert_allclose(math_cats.e.V[:2, :2], want, rtol=1e-4)
    assert math_cats.e.macros["vcetype"] == "Robust"


def test_two_outcomes_is_logit(math_cats: Session) -> None:
    run(math_cats, "generate hi = math > 50")
    run(math_cats, "quietly ologit hi homework pub")
    b_o, V_o = math_cats.e.b.copy(), math_cats.e.V.copy()
    run(math_cats, "quietly logit hi homework pub")
    b_l, V_l = math_cats.e.b, math_cats.e.V
    np.testing.assert_allclose(b_o[:2], b_l[:2], rtol=1e-7)
    assert b_o[2] == pytest.approx(-b_l[2], rel=1e-7)  # /cut1 = -_cons
    np.testing.assert_allclose(np.diag(V_o), np.diag(V_l), rtol=1e-6)
    run(math_cats, "drop hi")


def test_predict_probabilities(math_cats: Session) -> None:
    run(math_cats, "quietly oprobit mcat homework i.schtype")
    run(math_cats, "capture drop p* q a b xb se")
    run(math_cats, "predict double p1-p4")
    run(math_cats, "predict double a, outcome(#2)")
    run(math_cats, "predict double b, outcome(2)")
    run(math_cats, "predict double xb, xb")
    run(math_cats, "predict double se, stdp")
    P = np.column_stack([col(math_cats, f"p{j}") for j in range(1, 5)])
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(col(math_cats, "a"), P[:, 1])
    np.testing.assert_allclose(col(math_cats, "b"), P[:, 1])
    from scipy.stats import norm

    e = math_cats.e
    xb = col(math_cats, "xb")
    np.testing.assert_allclose(P[:, 0], norm.cdf(e.b[3] - xb), rtol=1e-10)  # b: hw, 0b, 1, cuts
    assert math_cats.data.info["p1"].label == "Pr(mcat==1)"
    h, pub = col(math_cats, "homework"), col(math_cats, "schtype")
    V = e.V[np.ix_([0, 2], [0, 2])]  # homework and 1.schtype (0b.schtype is the base)
    se = np.sqrt(h * h * V[0, 0] + 2 * h * pub * V[0, 1] + pub * pub * V[1, 1])
    np.testing.assert_allclose(col(math_cats, "se"), se, rtol=1e-10, atol=1e-14)
    msg = "outcome() must be either a value of mcat or #1, #2, ..."
    assert fails(math_cats, "predict z, outcome(9)") == (msg, 111)
    assert fails(math_cats, "predict z, outcome()") == (msg, 111)
    assert fails(math_cats, "predict z, outcome(#5)") == (
        "there is no outcome #5\nthere are only 4 categories",
        111,
    )
    msg, rc = fails(math_cats, "predict z1 z2, outcome(#1)")
    assert rc == 198 and "multiple new variables" in msg
    msg, rc = fails(math_cats, "predict z1 z2")
    assert rc == 102 and msg.startswith("mcat has 4 outcomes and so you must specify 4")
    assert fails(math_cats, "predict z*, xb") == (
        "option xb requires that you specify 1 new variable",
        198,
    )
    assert math_cats.data.info["xb"].label == "Linear prediction (cutpoints excluded)"


@pytest.mark.parametrize(
    ("cmd", "rc", "msg"),
    [
        ("oprobit mcat homework, or", 198, "option or not allowed"),
        ("ologit mcat homework, noconstant", 198, "noconstant not allowed"),
        ("ologit mcat homework || schid:", 198, "see meologit"),
        ("ologit mcat homework [aw=homework]", 101, "aweights"),
        ("ologit mcat homework if mcat == 1", 2000, "outcome does not vary"),
        ("bayes: ologit mcat homework, vce(robust)", 198, "not allowed with the bayes prefix"),
    ],
)
def test_bad_input(math_cats: Session, cmd: str, rc: int, msg: str) -> None:
    run(math_cats, "quietly ologit mcat homework")
    before = math_cats.e
    got, code = fails(math_cats, cmd)
    assert code == rc and msg in got
    assert math_cats.e is before


def test_display(math_cats: Session) -> None:
    out = run(math_cats, "ologit mcat homework i.schtype, or")
    assert out.splitlines()[0] == "Iteration 0:  Log likelihood = -687.75048"
    assert "Ordered logistic regression" in out and "Pseudo R2" in out
    assert "        mcat |  Odds ratio  Std. err.      z    P>|z|     [95% conf. interval]" in out
    assert "    Private  |          1  (base)" in out
    cut = next(ln for ln in out.splitlines() if ln.strip().startswith("/cut1"))
    assert len(cut.split()) == 6  # label, |, b, se, two limits: no z or p
    assert "Ordered probit regression" in run(math_cats, "oprobit mcat homework, nolog")
    assert "Ordered probit regression" in run(math_cats, "oprobit")
    lines = run(math_cats, "ologit mcat, nolog").splitlines()  # the constant-only model
    rules = [i for i, ln in enumerate(lines) if ln.startswith("-------------+")]
    assert len(rules) == 1 and lines[rules[0] + 1].strip().startswith("/cut1")


def test_cutpoints_by_stata_names_and_stored_results(math_cats: Session) -> None:
    run(math_cats, "quietly ologit mcat homework")
    e = math_cats.e
    assert run(math_cats, "display _b[/:cut2] - _b[/cut2]") == "0"
    out = run(math_cats, "test [/]cut1 = [/]cut2")
    assert "( 1)  [/]cut1 - [/]cut2 = 0" in out
    out = run(math_cats, "estimates table, keep(homework /cut1)")
    assert "cut1" in out and "cut2" not in out
    assert e.scalars["k_eq"] == 4 and e.scalars["k_cat"] == 4
    out = run(math_cats, "matrix list e(cat)")
    assert out.split()[-4:] == ["1", "2", "3", "4"]


def test_lrtest_refuses_other_estimators_and_outcomes(math_cats: Session) -> None:
    run(math_cats, "quietly ologit mcat homework pub")
    run(math_cats, "estimates store ol")
    run(math_cats, "quietly oprobit mcat homework")
    assert fails(math_cats, "lrtest ol .") == (
        "test involves different estimators: ologit vs. oprobit",
        498,
    )
    assert "LR chi2(1)" in run(math_cats, "lrtest ol ., force")
    run(math_cats, "quietly ologit pub homework")
    assert fails(math_cats, "lrtest ol .") == ("dependent variables differ: mcat vs. pub", 498)
    assert "LR chi2" in run(math_cats, "lrtest ol ., force")  # force skips both checks, as Stata


def test_robust_table_html_says_so(math_cats: Session) -> None:
    res = math_cats.execute("ologit mcat homework, vce(cluster schid) nolog")
    assert res.error is None
    html = res._repr_mimebundle_()["text/html"]
    assert "Robust std. err." in html
    assert "(Std. err. adjusted for 23 clusters in schid)" in html


def test_margins_of_an_outcome_by_the_delta_method(math_cats: Session) -> None:
    """margins schtype, predict(outcome(2)): the average predicted probability with schtype
    set to each level, and its delta-method standard error from a numerical gradient in
    (β, κ) of the same average (computed here from the formula, not from bayes_magic)."""
    from scipy.special import expit

    run(math_cats, "quietly ologit mcat homework i.schtype")
    e = math_cats.e
    run(math_cats, "margins schtype, predict(outcome(2))")
    b, V = math_cats.r["b"].values.ravel(), math_cats.r["V"].values
    h = col(math_cats, "homework")
    keep = [0, 2, 3, 4, 5]  # homework, 1.schtype, the three cuts (0b.schtype is a zero)
    theta = e.b[keep]
    Vt = e.V[np.ix_(keep, keep)]

    def margin(t: np.ndarray, public: float) -> float:
        eta = t[0] * h + t[1] * public
        return float(np.mean(expit(t[3] - eta) - expit(t[2] - eta)))

    for k, public in enumerate((0.0, 1.0)):
        assert b[k] == pytest.approx(margin(theta, public), rel=1e-10)
        g = np.array(
            [
                (margin(theta + d, public) - margin(theta - d, public)) / 2e-6
                for d in np.eye(len(theta)) * 1e-6
            ]
        )
        assert np.sqrt(V[k, k]) == pytest.approx(np.sqrt(g @ Vt @ g), rel=1e-6)
    msg, rc = fails(math_cats, "margins, predict(stdp)")
    assert rc == 198 and "outcome(#k)" in msg


def test_margins_of_every_outcome(math_cats: Session) -> None:
    """Stata's default after ologit: the _predict dimension. Each outcome's margins equal those
    of predict(outcome(#j)); the probabilities sum to one at each level, so their joint
    covariance has rows summing to zero (a check on the cross-outcome covariances)."""
    run(math_cats, "quietly ologit mcat homework i.schtype")
    out = run(math_cats, "margins schtype")
    assert "1._predict: Pr(mcat==1), predict(pr outcome(1))" in out
    assert "    _predict#|" in out and "  1#Private  |" in out
    b, V = math_cats.r["b"].values.ravel(), math_cats.r["V"].values
    assert math_cats.r["b"].colnames[0] == "1._predict#0.schtype"
    by_level = b.reshape(4, 2)  # outcome by schtype level
    np.testing.assert_allclose(by_level.sum(axis=0), 1.0, atol=1e-12)
    S = np.kron(np.ones((1, 4)), np.eye(2))  # sums over outcomes per level
    np.testing.assert_allclose(S @ V @ S.T, 0.0, atol=1e-12)
    for j in range(4):
        run(math_cats, f"quietly margins schtype, predict(outcome(#{j + 1}))")
        np.testing.assert_allclose(math_cats.r["b"].values.ravel(), by_level[j], rtol=1e-12)
        np.testing.assert_allclose(
            np.diag(math_cats.r["V"].values), np.diag(V)[2 * j : 2 * j + 2], rtol=1e-10
        )
    out = run(math_cats, "margins, dydx(homework)")
    assert "homework     |\n    _predict |" in out
    assert "dydx() of a factor variable" in fails(math_cats, "margins, dydx(schtype)")[0]


def test_offset_against_statsmodels(math_cats: Session) -> None:
    """offset(): added to xβ with coefficient 1 (statsmodels' OrderedModel offset); the
    constant-only model keeps it; predictions and margins include it."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    run(math_cats, "capture drop o")
    run(math_cats, "generate o = homework/3")
    out = run(math_cats, "ologit mcat pub, offset(o) nolog")
    assert "           o |          1  (offset)" in out
    df = math_cats.data.df
    m = OrderedModel(
        df["mcat"].astype(int),
        df[["pub"]].astype(float),
        offset=df["o"].to_numpy(float),
        distr="logit",
    )
    res = m.fit(method="newton", disp=False, maxiter=200, tol=1e-12)
    th = res.params.to_numpy()
    e = math_cats.e
    np.testing.assert_allclose(e.b[0], th[0], rtol=1e-6)
    np.testing.assert_allclose(e.b[1:], np.cumsum(np.r_[th[1], np.exp(th[2:])]), rtol=1e-6)
    assert e.scalars["ll"] == pytest.approx(res.llf, abs=1e-7)
    assert e.macros["offset"] == "o"
    # the constant-only model with the offset: cutpoints alone
    m0 = OrderedModel(
        df["mcat"].astype(int),
        np.zeros((len(df), 0)),
        offset=df["o"].to_numpy(float),
        distr="logit",
    )
    assert e.scalars["ll_0"] == pytest.approx(
        m0.fit(method="newton", disp=False, maxiter=200, tol=1e-12).llf, abs=1e-6
    )
    run(math_cats, "capture drop q*")
    run(math_cats, "predict double q*")
    P = res.model.predict(
        res.params, exog=df[["pub"]].astype(float), offset=df["o"].to_numpy(float)
    )
    np.testing.assert_allclose(
        np.column_stack([col(math_cats, f"q{j}") for j in range(1, 5)]), P, atol=1e-7
    )


def test_margins_predict_pr_is_the_first_outcome(math_cats: Session) -> None:
    run(math_cats, "quietly ologit mcat homework")
    run(math_cats, "quietly margins, predict(pr)")
    first = math_cats.r["b"].values.ravel()[0]
    run(math_cats, "quietly margins, predict(outcome(#1))")
    assert math_cats.r["b"].values.ravel()[0] == first


def test_predict_scores(math_cats: Session) -> None:
    """Equation-level scores: at the estimates Σ score·x = 0 for each coefficient and Σ score
    = 0 for each cutpoint (the likelihood equations), and the xb score is the numerical
    derivative of each observation's log probability in xβ."""
    from scipy.special import expit

    run(math_cats, "quietly ologit mcat homework pub")
    run(math_cats, "capture drop sc*")
    run(math_cats, "predict double sc*, scores")
    S = np.column_stack([col(math_cats, f"sc{j}") for j in range(1, 5)])
    h, pub = col(math_cats, "homework"), col(math_cats, "pub")
    assert abs(S[:, 0] @ h) < 1e-6 and abs(S[:, 0] @ pub) < 1e-6
    np.testing.assert_allclose(S[:, 1:].sum(axis=0), 0.0, atol=1e-6)
    e = math_cats.e
    k = np.concatenate([[-np.inf], e.b[2:], [np.inf]])
    y = col(math_cats, "mcat").astype(int) - 1
    xb = e.b[0] * h + e.b[1] * pub

    def logp(eta):
        return np.log(expit(k[y + 1] - eta) - expit(k[y] - eta))

    num = (logp(xb + 1e-6) - logp(xb - 1e-6)) / 2e-6
    np.testing.assert_allclose(S[:, 0], num, atol=1e-6)
    assert math_cats.data.info["sc2"].label == "equation-level score for /cut1 from ologit"
