"""``prior({y:i.x}, ...)``: a factor-variable term names every coefficient of its levels
([BAYES] bayesmh, Referring to model parameters), in interactions too; the prior reaches the
sampler (a near-degenerate prior pins the coefficients)."""

from __future__ import annotations

import numpy as np

from bayes_magic.diagnostics.mcmc import ess_stata
from bayes_magic.session import Session
from tests.conftest import fails, run


def test_factor_term_prior_reaches_every_level() -> None:
    s = Session()
    run(s, "use math")
    out = run(
        s,
        "bayes, rseed(2) mcmcsize(500) prior({math:i.homework}, normal(3, 1e-6)): "
        "regress math i.homework",
    )
    levels = [n for n in s.e.names if n.endswith(".homework") and "b." not in n]
    assert len(levels) >= 5
    for n in levels:
        # prior SD .001 against the likelihood's SE (at least .5 here): the exact posterior mean
        # is within 1e-6/.25 · |β̂ − 3| < 1e-4 of 3 (|β̂ − 3| < 20); the draws' mean within 4
        # MCSE of that (the default prior would leave the coefficients near their OLS values)
        d = s.e.chains_of(n)
        mcse = d.std(ddof=1) / np.sqrt(ess_stata(d)[0])
        assert abs(d.mean() - 3.0) < 4 * mcse + 1e-4, (n, d.mean(), mcse)
    assert "1.homework 2.homework" in out and "} ~ normal(3,1e-6)" in out


def test_interaction_term_and_unknown_factor() -> None:
    s = Session()
    run(s, "use hospital")
    out = run(
        s,
        "bayes, rseed(1) prior({hosp:i.college#c.loginc}, normal(0,4)) dryrun: "
        "logit hosp i.college##c.loginc",
    )
    assert "{hosp:1.college#c.loginc} ~ normal(0,4)" in out
    assert fails(s, "bayes, prior({hosp:i.dropout}, normal(0,4)) dryrun: logit hosp i.college") == (
        "parameter {hosp:i.dropout} not found",
        111,
    )


def test_ibn_term() -> None:
    s = Session()
    run(s, "use epilepsy")
    out = run(
        s,
        "bayes, dryrun prior({count:ibn.visit}, normal(0,4)): poisson count ibn.visit Trt, nocons",
    )
    assert "{count:1.visit 2.visit 3.visit 4.visit} ~ normal(0,4)" in out
