"""``estat vce`` ([R] estat vce): e(V), its correlations, the layout, and the posterior
covariance of the draws after ``bayes:``."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import fails, run


def test_covariance_correlation_and_layout() -> None:
    s = Session()
    run(s, "use hospital")
    run(s, "quietly logit hosp loginc distance")
    out = run(s, "estat vce").splitlines()
    np.testing.assert_array_equal(s.r["V"].values, s.e.V)
    assert out[1] == "Covariance matrix of coefficients of logit model"
    assert out[3] == "        e(V) |      loginc    distance       _cons"
    assert out[5].startswith("      loginc |   .00265922")
    run(s, "estat vce, correlation")
    sd = np.sqrt(np.diag(s.e.V))
    np.testing.assert_allclose(s.r["V"].values, s.e.V / np.outer(sd, sd), rtol=1e-12)
    assert fails(s, "estat vce, block")[1] == 198
    assert fails(s, "estat vce, correlation covariance")[1] == 198


def test_after_bayes_it_is_the_posterior_covariance() -> None:
    s = Session()
    run(s, "use math")
    run(s, "quietly bayes, rseed(1) mcmcsize(500) burnin(200): regress math homework")
    run(s, "estat vce")
    flat = s.e.draws.reshape(-1, s.e.draws.shape[2])
    np.testing.assert_allclose(s.r["V"].values, np.cov(flat, rowvar=False), rtol=1e-12)
    assert s.r["V"].rownames == list(s.e.bnames)


@pytest.mark.parametrize("fit", ["regress math homework", "mixed math homework || schid:"])
def test_ml_fits(fit) -> None:
    s = Session()
    run(s, "use math")
    run(s, f"quietly {fit}")
    run(s, "estat vce")
    np.testing.assert_array_equal(s.r["V"].values, s.e.V)
