"""Ordered-outcome models of ``bayes:`` under a sampler nobody here wrote.

    /work/bench-venv/bin/python bench/ordinal_reference.py   # bench/reference/wine_nuts.json

The models are Stata's defaults for the wine data (R's ordinal ``wine``, bundled as ``wine``):

    bayes: meologit rating temp contact || judge:    (meologit)
    bayes: oprobit rating temp contact               (oprobit)

that is, coefficients ~ normal(0,10000), cutpoints ~ 1 (flat) on the ordered region,
{U0} ~ normal(0,{U0:sigma2}) and {U0:sigma2} ~ igamma(.01,.01) ([BAYES] bayes: meologit,
default priors). NumPyro's NUTS samples the same posteriors, the judges' effects non-centred
(U0_j = sqrt(sigma2) z_j) so that NUTS has no funnel to fall into; the cutpoints are an
``ordered_vector`` with an improper flat density. The script writes the posterior mean, SD and
the MCSE of the mean (ArviZ) of each parameter; ``tests/statistical/test_ordinal_bayes.py``
holds our sampler to these within a stated multiple of the two MCSEs combined.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")  # before jax

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
import pandas as pd
from _shared import posterior_summary
from numpyro.distributions import constraints
from numpyro.infer import MCMC, NUTS

jax.config.update("jax_enable_x64", True)
numpyro.set_host_device_count(4)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bayes_magic" / "dataset" / "bundled" / "wine.csv"
OUT = ROOT / "bench" / "reference" / "wine_nuts.json"


def _cdf(link: str, z):
    return jax.nn.sigmoid(z) if link == "logit" else jax.scipy.stats.norm.cdf(z)


def model(X, y, judge, nj, link, random, J):
    beta = numpyro.sample("beta", dist.Normal(0.0, 100.0).expand([X.shape[1]]))
    cut = numpyro.sample(
        "cut", dist.ImproperUniform(constraints.ordered_vector, (), event_shape=(J - 1,))
    )
    eta = X @ beta
    if random:
        s2 = numpyro.sample("sigma2", dist.InverseGamma(0.01, 0.01))
        z = numpyro.sample("z", dist.Normal(0.0, 1.0).expand([nj]))
        eta = eta + jnp.sqrt(s2) * z[judge]
    k = jnp.concatenate([jnp.array([-jnp.inf]), cut, jnp.array([jnp.inf])])
    p = _cdf(link, k[y + 1] - eta) - _cdf(link, k[y] - eta)
    numpyro.factor("ll", jnp.sum(jnp.log(p)))


def run(name: str, link: str, random: bool, a) -> dict:
    df = pd.read_csv(DATA)
    X = jnp.asarray(df[["temp", "contact"]].to_numpy(float))
    y = jnp.asarray(df["rating"].to_numpy() - 1)
    judge = jnp.asarray(df["judge"].to_numpy() - 1)
    init = {"beta": jnp.zeros(2), "cut": jnp.array([-1.5, 1.5, 4.0, 6.0])}
    if random:
        init.update(sigma2=1.0, z=jnp.zeros(9))
    kernel = NUTS(
        model, target_accept_prob=0.95, init_strategy=numpyro.infer.init_to_value(values=init)
    )
    mc = MCMC(
        kernel,
        num_warmup=5_000,
        num_samples=a.draws,
        num_chains=a.chains,
        chain_method="parallel",
        progress_bar=False,
    )
    t0 = time.time()
    mc.run(jax.random.PRNGKey(a.seed), X, y, judge, 9, link, random, 5)
    s = {k: np.asarray(v) for k, v in mc.get_samples(group_by_chain=True).items()}
    secs = time.time() - t0
    cols = {"rating:temp": s["beta"][:, :, 0], "rating:contact": s["beta"][:, :, 1]}
    for j in range(4):
        cols[f"cut{j + 1}"] = s["cut"][:, :, j]
    if random:
        cols["U0:sigma2"] = s["sigma2"]
    out = posterior_summary(name, cols)
    div = int(np.asarray(mc.get_extra_fields(group_by_chain=True)["diverging"]).sum())
    print(f"{name}: divergences {div}; {secs:.0f} s")
    return {
        "sampler": f"NumPyro {numpyro.__version__} NUTS, target_accept 0.95, non-centred",
        "chains": a.chains,
        "draws_per_chain": a.draws,
        "warmup": 5_000,
        "seed": a.seed,
        "divergences": div,
        "seconds": round(secs, 1),
        "posterior": out,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=50_000)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--seed", type=int, default=20261127)
    a = ap.parse_args()
    result = {
        "models": __doc__.split("\n\n")[1].strip(),
        "machine": platform.platform(),
        "date": _dt.date.today().isoformat(),
        "meologit": run("meologit", "logit", True, a),
        "oprobit": run("oprobit", "probit", False, a),
    }
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
