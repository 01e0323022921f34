"""Speed of ``bayes: meologit`` side by side with NumPyro and PyMC.

    /work/bench-venv/bin/python bench/ordinal_bench.py   # writes bench/results/ordinal_bench.md

The model is ``bayes: meologit rating temp contact || judge:`` on the wine data (72 ratings,
9 judges) with Stata's default priors: coefficients normal(0, 10000), cutpoints flat on the
ordered region, the judges' variance igamma(0.01, 0.01), as in bench/ordinal_reference.py. The
NUTS libraries get the model as their users write it: explicit random effects, non-centred,
the cutpoints an ordered vector (NumPyro's ``ImproperUniform``, PyMC's ``Flat`` with the
``ordered`` transform). Every tool runs with its defaults: bayes_magic one chain of 2,500
burn-in + 10,000 draws; NumPyro 4 chains of 1,000 + 1,000 (``chain_method="parallel"`` over the
machine's 2 cores); PyMC ``pm.sample()`` (4 chains of 1,000 + 1,000 on 2 cores).

Each tool runs in a fresh process, three times; the table shows the median run. Wall time
excludes Python imports and includes building the model, compiling it or loading a compiled
cache (on-disk caches warm, as on a user's second session), warm-up and sampling. ESS is
ArviZ's bulk ESS for every tool, the minimum over the coefficients, the cutpoints and the
variance.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from _shared import speed_table

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "ordinal_bench.md"

COMMON = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np, pandas as pd
    cfg = json.loads(sys.argv[1])
    df = pd.read_csv(f"{cfg['root']}/bayes_magic/dataset/bundled/wine.csv")
    X = df[["temp", "contact"]].to_numpy(float)
    y = df["rating"].to_numpy() - 1
    g = df["judge"].to_numpy() - 1
    G = 9
    import arviz as az
    def min_ess(arr):  # arr: (chains, draws, params)
        return float(min(az.ess(arr[:, :, j]) for j in range(arr.shape[2])))
    """
)

RUN = {
    "bayes_magic": """
from bayes_magic.session import Session
s = Session(); s.execute("use wine")
t0 = time.perf_counter()
r = s.execute("quietly bayes, rseed(1): meologit rating temp contact || judge:")
wall = time.perf_counter() - t0
assert r.error is None, r.error
print(json.dumps({"wall": wall, "ess": min_ess(s.e.draws)}))
""",
    "NumPyro": """
import os
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")
import jax, jax.numpy as jnp, numpyro, numpyro.distributions as dist
from numpyro.distributions import constraints
from numpyro.infer import MCMC, NUTS
numpyro.set_host_device_count(4)
def model(X, y, g):
    b = numpyro.sample("b", dist.Normal(0.0, 100.0).expand([X.shape[1]]).to_event(1))
    c = numpyro.sample("c", dist.ImproperUniform(constraints.ordered_vector, (), (4,)))
    s2 = numpyro.sample("s2", dist.InverseGamma(0.01, 0.01))
    z = numpyro.sample("z", dist.Normal(0.0, 1.0).expand([G]).to_event(1))
    eta = X @ b + jnp.sqrt(s2) * z[g]
    numpyro.sample("y", dist.OrderedLogistic(eta, c), obs=y)
t0 = time.perf_counter()
init = numpyro.infer.init_to_value(values={"c": jnp.array([-1.5, 1.5, 4.0, 6.0])})
mcmc = MCMC(NUTS(model, init_strategy=init), num_warmup=1000, num_samples=1000, num_chains=4,
            chain_method="parallel", progress_bar=False)
mcmc.run(jax.random.PRNGKey(1), jnp.asarray(X), jnp.asarray(y), jnp.asarray(g))
s = mcmc.get_samples(group_by_chain=True)
wall = time.perf_counter() - t0
arr = np.concatenate([np.asarray(s["b"]), np.asarray(s["c"]), np.asarray(s["s2"])[:, :, None]],
                     axis=2)
print(json.dumps({"wall": wall, "ess": min_ess(arr)}))
""",
    "PyMC": """
import pymc as pm
t0 = time.perf_counter()
with pm.Model():
    b = pm.Normal("b", 0.0, 100.0, shape=2)
    c = pm.Flat("c", shape=4, transform=pm.distributions.transforms.ordered,
                initval=np.array([-1.5, 1.5, 4.0, 6.0]))
    s2 = pm.InverseGamma("s2", alpha=0.01, beta=0.01)
    z = pm.Normal("z", 0.0, 1.0, shape=G)
    eta = pm.math.dot(X, b) + pm.math.sqrt(s2) * z[g]
    pm.OrderedLogistic("y", eta=eta, cutpoints=c, observed=y)
    idata = pm.sample(progressbar=False, random_seed=1, cores=2)
wall = time.perf_counter() - t0
post = idata.posterior
arr = np.concatenate([post["b"].values, post["c"].values, post["s2"].values[:, :, None]], axis=2)
print(json.dumps({"wall": wall, "ess": min_ess(arr)}))
""",
}


def main() -> None:
    speed_table(
        COMMON,
        RUN,
        "`bayes: meologit` against NumPyro and PyMC (wine data)",
        "ordinal_bench.py",
        OUT,
        warm=False,
    )


if __name__ == "__main__":
    main()
