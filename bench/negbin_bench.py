"""Speed of ``bayes: menbreg`` side by side with NumPyro and PyMC.

    /work/bench-venv/bin/python bench/negbin_bench.py   # writes bench/results/negbin_bench.md

The model is ``bayes: menbreg count zAge zBase Trt || patient:`` on the epilepsy data (236
seizure counts, 59 patients) with Stata's default priors: coefficients and {lnalpha}
normal(0, 10000), the patients' variance igamma(0.01, 0.01), as in bench/negbin_reference.py.
The NUTS libraries get the model as their users write it: explicit random effects,
non-centred, the count NumPyro's ``NegativeBinomial2`` / PyMC's ``NegativeBinomial`` with mean
μ and size 1/α. Every tool runs with its defaults: bayes_magic one chain of 2,500 burn-in +
10,000 draws; NumPyro 4 chains of 1,000 + 1,000 (``chain_method="parallel"`` over the
machine's 2 cores); PyMC ``pm.sample()`` (4 chains of 1,000 + 1,000 on 2 cores).

Each tool runs in a fresh process, once to warm its on-disk caches (not counted) and then three
times; the table shows the median run. Wall time excludes Python imports and includes building
the model, compiling it or loading a compiled cache (caches warm, as on a user's second
session), warm-up and sampling. ESS is ArviZ's bulk ESS for every tool, the minimum over the
coefficients, ln α and the variance.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from _shared import speed_table

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "negbin_bench.md"

COMMON = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np, pandas as pd
    cfg = json.loads(sys.argv[1])
    df = pd.read_csv(f"{cfg['root']}/bayes_magic/dataset/bundled/epilepsy.csv")
    X = np.column_stack([df[["zAge", "zBase", "Trt"]].to_numpy(float), np.ones(len(df))])
    y = df["count"].to_numpy()
    g = np.unique(df["patient"].to_numpy(), return_inverse=True)[1]
    G = int(g.max()) + 1
    import arviz as az
    def min_ess(arr):  # arr: (chains, draws, params)
        return float(min(az.ess(arr[:, :, j]) for j in range(arr.shape[2])))
    """
)

RUN = {
    "bayes_magic": """
from bayes_magic.session import Session
s = Session(); s.execute("use epilepsy")
t0 = time.perf_counter()
r = s.execute("quietly bayes, rseed(1): menbreg count zAge zBase Trt || patient:")
wall = time.perf_counter() - t0
assert r.error is None, r.error
print(json.dumps({"wall": wall, "ess": min_ess(s.e.draws)}))
""",
    "NumPyro": """
import os
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")
import jax, jax.numpy as jnp, numpyro, numpyro.distributions as dist
from numpyro.infer import MCMC, NUTS
numpyro.set_host_device_count(4)
def model(X, y, g):
    b = numpyro.sample("b", dist.Normal(0.0, 100.0).expand([X.shape[1]]).to_event(1))
    la = numpyro.sample("la", dist.Normal(0.0, 100.0))
    s2 = numpyro.sample("s2", dist.InverseGamma(0.01, 0.01))
    z = numpyro.sample("z", dist.Normal(0.0, 1.0).expand([G]).to_event(1))
    mu = jnp.exp(X @ b + jnp.sqrt(s2) * z[g])
    numpyro.sample("y", dist.NegativeBinomial2(mu, jnp.exp(-la)), obs=y)
t0 = time.perf_counter()
mcmc = MCMC(NUTS(model), num_warmup=1000, num_samples=1000, num_chains=4,
            chain_method="parallel", progress_bar=False)
mcmc.run(jax.random.PRNGKey(1), jnp.asarray(X), jnp.asarray(y), jnp.asarray(g))
s = mcmc.get_samples(group_by_chain=True)
wall = time.perf_counter() - t0
arr = np.concatenate([np.asarray(s["b"]), np.asarray(s["la"])[:, :, None],
                      np.asarray(s["s2"])[:, :, None]], axis=2)
print(json.dumps({"wall": wall, "ess": min_ess(arr)}))
""",
    "PyMC": """
import pymc as pm
t0 = time.perf_counter()
with pm.Model():
    b = pm.Normal("b", 0.0, 100.0, shape=X.shape[1])
    la = pm.Normal("la", 0.0, 100.0)
    s2 = pm.InverseGamma("s2", alpha=0.01, beta=0.01)
    z = pm.Normal("z", 0.0, 1.0, shape=G)
    mu = pm.math.exp(pm.math.dot(X, b) + pm.math.sqrt(s2) * z[g])
    pm.NegativeBinomial("y", mu=mu, alpha=pm.math.exp(-la), observed=y)
    idata = pm.sample(progressbar=False, random_seed=1, cores=2)
wall = time.perf_counter() - t0
post = idata.posterior
arr = np.concatenate([post["b"].values, post["la"].values[:, :, None],
                      post["s2"].values[:, :, None]], axis=2)
print(json.dumps({"wall": wall, "ess": min_ess(arr)}))
""",
}


def main() -> None:
    speed_table(
        COMMON,
        RUN,
        "`bayes: menbreg` against NumPyro and PyMC (epilepsy data)",
        "negbin_bench.py",
        OUT,
        warm=True,
    )


if __name__ == "__main__":
    main()
