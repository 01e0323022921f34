"""The talk's model against an independent long NUTS run (NumPyro, bench/reference/talk_nuts.json).

``bayes, rseed(317): mixed math homework i.schtype || schid: homework, covariance(unstructured)``
with default options (2,500 burn-in, 10,000 draws, one chain) must give, for each of the 7
parameters, a posterior mean and SD within 4 combined Monte Carlo standard errors of the
reference's: |ours - ref| <= 4 sqrt(mcse_ours² + mcse_ref²).

Our MCSEs use bayes_magic's own (Stata's) ESS:

* mean: SD / sqrt(ESS(x));
* SD, by the delta method on the variance (as ArviZ's ``mcse(method="sd")``, which the reference
  used): with c = (x - x̄)², s² = mean(c), Var(s²) ≈ Var(c) / ESS(c), and
  Var(s) ≈ Var(s²) / (4 s²), so MCSE(SD) = sqrt((mean(c²) - mean(c)²) / ESS(c) / (4 mean(c))).

The reference was made by ``bench/nuts_reference.py`` (random effects integrated out, so NUTS
sees no funnel; its likelihood and prior densities are checked there against scipy and against
``mixed``'s ML log likelihood). The seed is fixed and was not tuned.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from bayes_magic.diagnostics.mcmc import ess_stata
from bayes_magic.session import Session

REF = Path(__file__).resolve().parents[2] / "bench" / "reference" / "talk_nuts.json"
CMD = (
    "bayes, rseed(317) nodots: mixed math homework i.schtype || schid: homework, "
    "covariance(unstructured)"
)
NAMES = [
    "math:homework",
    "math:1.schtype",
    "math:_cons",
    "U:Sigma_1_1",
    "U:Sigma_2_1",
    "U:Sigma_2_2",
    "e.math:sigma2",
]
K = 4.0


def mcse_mean(x: np.ndarray) -> float:
    ess = ess_stata(x)[0]
    return float(x.reshape(-1).std(ddof=1) / math.sqrt(ess))


def mcse_sd(x: np.ndarray) -> float:
    c = (x - x.mean()) ** 2
    ess = ess_stata(c)[0]
    ec = c.mean()
    var_var = (np.mean(c * c) - ec * ec) / ess
    return float(math.sqrt(var_var / (4.0 * ec)))


@pytest.fixture(scope="module")
def ours() -> dict:
    s = Session()
    res = s.execute("use math\n" + CMD)
    assert res.error is None, res.error.render()
    post = s.e
    assert list(post.names) == NAMES
    d = np.asarray(post.draws, dtype=float)
    assert d.shape == (1, 10000, 7)
    out = {}
    for k, name in enumerate(NAMES):
        x = d[:, :, k]
        out[name] = {
            "mean": float(x.mean()),
            "sd": float(x.reshape(-1).std(ddof=1)),
            "mcse_mean": mcse_mean(x),
            "mcse_sd": mcse_sd(x),
        }
    return out


@pytest.fixture(scope="module")
def ref() -> dict:
    if not REF.exists():
        pytest.skip("no reference: run bench/nuts_reference.py in the bench venv")
    data = json.loads(REF.read_text())
    assert data["divergences"] == 0
    for r in data["posterior"].values():
        assert r["r_hat"] < 1.01
    return data["posterior"]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_mean_and_sd_agree_with_nuts(name: str, ours: dict, ref: dict) -> None:
    o, r = ours[name], ref[name]
    se_mean = math.hypot(o["mcse_mean"], r["mcse_mean"])
    se_sd = math.hypot(o["mcse_sd"], r["mcse_sd"])
    z_mean = (o["mean"] - r["mean"]) / se_mean
    z_sd = (o["sd"] - r["sd"]) / se_sd
    assert abs(z_mean) <= K, (
        f"{name}: mean {o['mean']:.5f} vs NUTS {r['mean']:.5f}, {z_mean:+.2f} combined MCSE"
    )
    assert abs(z_sd) <= K, (
        f"{name}: SD {o['sd']:.5f} vs NUTS {r['sd']:.5f}, {z_sd:+.2f} combined MCSE"
    )
