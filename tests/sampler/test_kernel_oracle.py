"""The compiled kernel's log likelihood and log prior, recorded with every draw, against a direct
scipy computation at the same draws (the talk's model with Stata's default priors)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bayes_magic.session import Session
from tests.conftest import run


@pytest.fixture(scope="module")
def post():
    s = Session()
    run(s, "use math")
    run(
        s,
        "quietly bayes, rseed(11) mcmcsize(200) burnin(200): "
        "mixed math homework i.schtype || schid: homework, covariance(unstructured)",
    )
    return s.e


def test_loglik_and_logprior_match_scipy(post) -> None:
    d = post.design
    lv = d.levels[0]
    y, X = d.y, d.X
    # the kernel orders each level's effects as the parameters {U0} (intercept) then {U1}
    Z = lv.Z[:, [lv.znames.index("_cons"), lv.znames.index("homework")]]
    G = lv.G
    for t in (0, 57, 199):
        theta = post.draws[0, t]
        beta = theta[:3]
        S = np.array([[theta[3], theta[4]], [theta[4], theta[5]]])
        s2 = theta[6]
        b = post.re_draws[0, t].reshape(G, 2)  # group by group: U0[g], U1[g]
        mu = X @ beta + (Z * b[lv.groups]).sum(axis=1)
        ll = stats.norm.logpdf(y, mu, np.sqrt(s2)).sum()
        lp = (
            stats.norm.logpdf(beta, 0, 100).sum()
            + stats.invwishart.logpdf(S, df=3, scale=np.eye(2))
            + stats.invgamma.logpdf(s2, 0.01, scale=0.01)
            + stats.multivariate_normal.logpdf(b, np.zeros(2), S).sum()
        )
        assert post.loglik[0, t] == pytest.approx(ll, rel=1e-10)
        assert post.logprior[0, t] == pytest.approx(lp, rel=1e-10)
