"""The kernels' random numbers: right distributions, reproducible streams.

Each distribution is checked with a Kolmogorov-Smirnov test on 20,000 draws from a fixed seed
against scipy's distribution; at the 1e-3 level a correct generator fails such a test once in a
thousand seeds (the seed is fixed and was not searched for).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bayes_magic.sampler import rng


@pytest.mark.parametrize(
    ("kind", "a", "b", "dist"),
    [
        (0, 0, 0, stats.uniform()),
        (1, 0, 0, stats.norm()),
        (2, 0.3, 0, stats.gamma(0.3)),
        (2, 4.5, 0, stats.gamma(4.5)),
        (3, 7.0, 0, stats.chi2(7.0)),
        (4, 2.0, 0.5, stats.beta(2.0, 0.5)),
    ],
)
def test_distributions(kind: int, a: float, b: float, dist) -> None:
    s = rng.seed_states(20261126, 1)[0]
    x = rng.draws(s, kind, 20000, a, b)
    assert stats.kstest(x, dist.cdf).pvalue > 1e-3


def test_streams_are_reproducible_and_distinct() -> None:
    a = rng.seed_states(317, 3)
    b = rng.seed_states(317, 3)
    assert (a == b).all()
    x = [rng.draws(s.copy(), 1, 5, 0, 0) for s in a]
    assert not np.allclose(x[0], x[1])
    # chain 1 of 3 is the chain of a one-chain run
    one = rng.seed_states(317, 1)[0]
    assert (one == a[0]).all()
