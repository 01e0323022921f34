"""``bayesmh y x, likelihood(normal(#))``: a known residual variance ([BAYES] bayesmh,
likelihood models). With a normal prior the posterior of β is normal in closed form,
N(Σ X'y/σ², Σ) with Σ = (X'X/σ² + I/10⁴)⁻¹. The posterior means are checked within 4 MCSE,
the standard deviations within 4 standard errors of a standard deviation estimated from ESS
draws (relative 1/√(2 ESS)), and the log marginal likelihood against the exact
log N(y | 0, σ² I + 10⁴ X X'). Laplace is exact for a normal posterior; what remains is the
sampling error of ½ log|Σ̂|, SD ½√(2d/T) = 0.01 for d = 2 and T = 10,000: we allow 5 SD,
0.05. No {sigma2} is reported."""

from __future__ import annotations

import numpy as np
from scipy import stats

from bayes_magic.commands.bayes_ic import lml
from bayes_magic.diagnostics.mcmc import ess_stata
from bayes_magic.session import Session
from tests.conftest import col, run


def test_known_variance_posterior() -> None:
    s = Session()
    out = run(
        s,
        "use math\nbayesmh math homework, likelihood(normal(80)) "
        "prior({math:}, normal(0,10000)) rseed(1)",
    )
    y = col(s, "math")
    X = np.column_stack([col(s, "homework"), np.ones(len(y))])
    S = np.linalg.inv(X.T @ X / 80 + np.eye(2) / 1e4)
    m = S @ X.T @ y / 80
    post = s.e
    for j, name in enumerate(["math:homework", "math:_cons"]):
        d = post.chains_of(name)
        mcse = d.std(ddof=1) / np.sqrt(ess_stata(d)[0])
        assert abs(d.mean() - m[j]) < 4 * mcse, (name, d.mean(), m[j], mcse)
        ess = ess_stata(d)[0]
        assert abs(d.std(ddof=1) / np.sqrt(S[j, j]) - 1) < 4 / np.sqrt(2 * ess)
    assert "math ~ normal(xb_math,80)" in out and "sigma2" not in out
    exact = stats.multivariate_normal.logpdf(
        y, np.zeros(len(y)), 80 * np.eye(len(y)) + 1e4 * X @ X.T
    )
    assert abs(lml(post) - exact) < 0.05, (lml(post), exact)
