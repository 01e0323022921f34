"""``bayes: meologit`` and ``bayes: oprobit`` against NumPyro's NUTS on the same posteriors
(``bench/ordinal_reference.py`` wrote ``bench/reference/wine_nuts.json``: 4 chains of 50,000
draws each, Stata's default priors, cutpoints flat on the ordered region).

A posterior mean must agree within K = 4 combined MCSEs (ours by batch means as Stata's
``bayesstats ess``, the reference's from ArviZ), a posterior SD within K combined MCSEs of
the SD; one seed, fixed in advance.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bayes_magic.session import Session
from tests.conftest import run
from tests.sampler.test_glmm_sampler import compare_with_nuts

REF = Path(__file__).resolve().parents[2] / "bench" / "reference" / "wine_nuts.json"


@pytest.mark.slow
def test_meologit_posterior_agrees_with_nuts() -> None:
    ref = json.loads(REF.read_text())["meologit"]["posterior"]
    s = Session()
    run(s, "use wine")
    run(s, "quietly bayes, rseed(1) mcmcsize(20000): meologit rating temp contact || judge:")
    assert set(ref) <= set(s.e.names)
    compare_with_nuts(s, ref, "mcse_mean")


@pytest.mark.slow
def test_oprobit_posterior_agrees_with_nuts() -> None:
    ref = json.loads(REF.read_text())["oprobit"]["posterior"]
    s = Session()
    run(s, "use wine")
    run(s, "quietly bayes, rseed(1) mcmcsize(20000): oprobit rating temp contact")
    compare_with_nuts(s, ref, "mcse_mean")


def test_cutpoints_start_ordered_and_stay_ordered() -> None:
    """Dispersed starting values of several chains are put in order (typed ones that do not
    increase are an error, tests/commands/test_bayes_ordinal.py); every draw has increasing
    cutpoints (their prior is zero elsewhere)."""
    s = Session()
    run(s, "use wine")
    run(
        s,
        "quietly bayes, rseed(5) nchains(3) mcmcsize(500) burnin(200) "
        "initial({cut1} -6 {cut4} 9): meologit rating temp contact || judge:",
    )
    C = np.stack([s.e.chains_of(f"cut{j}") for j in range(1, 5)], axis=-1)
    assert np.all(np.diff(C, axis=-1) > 0)
