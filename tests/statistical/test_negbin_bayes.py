"""``bayes: menbreg`` and ``bayes: nbreg`` against NumPyro's NUTS on the same posteriors
(``bench/negbin_reference.py`` wrote ``bench/reference/epilepsy_nb_nuts.json``: 4 chains of
50,000 draws each, Stata's default priors), in both of ``menbreg``'s parameterizations.

A posterior mean must agree within K = 4 combined MCSEs (ours by batch means as Stata's
``bayesstats ess``, the reference's from ArviZ), a posterior SD within K combined MCSEs of
the SD; one seed, fixed in advance.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bayes_magic.session import Session
from tests.conftest import run
from tests.sampler.test_glmm_sampler import compare_with_nuts

REF = Path(__file__).resolve().parents[2] / "bench" / "reference" / "epilepsy_nb_nuts.json"


@pytest.mark.slow
@pytest.mark.parametrize("disp", ["mean", "constant"])
def test_menbreg_posterior_agrees_with_nuts(disp: str) -> None:
    ref = json.loads(REF.read_text())[disp]["posterior"]
    s = Session()
    run(s, "use epilepsy")
    run(
        s,
        "quietly bayes, rseed(1) mcmcsize(20000): "
        f"menbreg count zAge zBase Trt || patient:, dispersion({disp})",
    )
    assert set(ref) <= set(s.e.names)
    compare_with_nuts(s, ref, "mcse_mean")


@pytest.mark.slow
def test_nbreg_posterior_agrees_with_nuts() -> None:
    ref = json.loads(REF.read_text())["nbreg"]["posterior"]
    s = Session()
    run(s, "use epilepsy")
    run(s, "quietly bayes, rseed(1) mcmcsize(20000): nbreg count zAge zBase Trt")
    compare_with_nuts(s, ref, "mcse_mean")
