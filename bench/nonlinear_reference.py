"""The nonlinear multilevel model of ``bayesmh`` under a sampler nobody here wrote.

    /work/bench-venv/bin/python bench/nonlinear_reference.py   # bench/reference/orange_nuts.json

The model is the logistic growth curve of the Orange trees (R's ``Orange``, bundled as
``orange``), with a random asymptote per tree, written as ``bayesmh`` takes it:

    bayesmh circumference = ({U[Tree]}/(1+exp(-(age-{b2})/{b3}))),
        likelihood(normal({e.circumference:sigma2}))
        prior({U[Tree]}, normal({b1},{var_U}))
        prior({b1 b2 b3}, normal(0,1e6))
        prior({e.circumference:sigma2} {var_U}, igamma(.01,.01))

Here NumPyro's NUTS samples the same posterior, with the asymptotes non-centred
(U_j = b1 + sqrt(var_U) z_j) so that NUTS has no funnel to fall into. It writes the posterior
mean, SD and the MCSE of the mean (ArviZ) of each parameter; ``tests/statistical/
test_nonlinear_bayesmh.py`` holds our sampler to these within a stated multiple of the two
MCSEs combined.
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

import arviz as az
import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
import pandas as pd
from numpyro.infer import MCMC, NUTS

jax.config.update("jax_enable_x64", True)
numpyro.set_host_device_count(4)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bayes_magic" / "dataset" / "bundled" / "orange.csv"
OUT = ROOT / "bench" / "reference" / "orange_nuts.json"


def _f(v) -> float:
    """ArviZ's one-variable answers as a number (it returns a length-one array here)."""
    return float(np.asarray(v).reshape(-1)[0])


def model(age, tree, ntree, y=None):
    b1 = numpyro.sample("b1", dist.Normal(0.0, 1000.0))
    b2 = numpyro.sample("b2", dist.Normal(0.0, 1000.0))
    b3 = numpyro.sample("b3", dist.Normal(0.0, 1000.0))
    s2 = numpyro.sample("sigma2", dist.InverseGamma(0.01, 0.01))
    vu = numpyro.sample("var_U", dist.InverseGamma(0.01, 0.01))
    z = numpyro.sample("z", dist.Normal(0.0, 1.0).expand([ntree]))
    u = numpyro.deterministic("U", b1 + jnp.sqrt(vu) * z)
    mu = u[tree] / (1.0 + jnp.exp(-(age - b2) / b3))
    numpyro.sample("y", dist.Normal(mu, jnp.sqrt(s2)), obs=y)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=50_000)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--seed", type=int, default=20261126)
    a = ap.parse_args()
    df = pd.read_csv(DATA)
    codes, trees = pd.factorize(df["Tree"], sort=True)
    args = (
        jnp.asarray(df["age"].to_numpy(float)),
        jnp.asarray(codes),
        len(trees),
        jnp.asarray(df["circumference"].to_numpy(float)),
    )
    init = {"b1": 190.0, "b2": 700.0, "b3": 350.0, "sigma2": 60.0, "var_U": 1000.0}
    kernel = NUTS(
        model,
        target_accept_prob=0.995,
        init_strategy=numpyro.infer.init_to_value(values={**init, "z": jnp.zeros(len(trees))}),
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
    mc.run(jax.random.PRNGKey(a.seed), *args)
    s = {k: np.asarray(v) for k, v in mc.get_samples(group_by_chain=True).items()}
    secs = time.time() - t0  # after the draws are on the host (JAX runs asynchronously)
    # ArviZ 0.23's numba path of mcse(method="sd") calls float() on a one-element array
    az.Numba.disable_numba()
    out = {}
    for name in ("b1", "b2", "b3", "sigma2", "var_U"):
        x = np.asarray(s[name])
        out[name] = {
            "mean": float(x.mean()),
            "sd": float(x.std()),
            "median": float(np.median(x)),
            "mcse_mean": _f(az.mcse(x, method="mean")),
            "mcse_sd": _f(az.mcse(x, method="sd")),
            "ess_bulk": _f(az.ess(x, method="bulk")),
            "rhat": _f(az.rhat(x)),
        }
    U = np.asarray(s["U"])
    for j, t in enumerate(trees):
        x = U[:, :, j]
        out[f"U[{t}]"] = {
            "mean": float(x.mean()),
            "sd": float(x.std()),
            "mcse_mean": _f(az.mcse(x, method="mean")),
        }
    div = int(np.asarray(mc.get_extra_fields(group_by_chain=True)["diverging"]).sum())
    result = {
        "model": __doc__.split("\n\n")[2].strip(),
        "sampler": f"NumPyro {numpyro.__version__} NUTS, target_accept 0.995, non-centred",
        "chains": a.chains,
        "draws_per_chain": a.draws,
        "warmup": 5_000,
        "seed": a.seed,
        "divergences": div,
        "seconds": round(secs, 1),
        "machine": platform.platform(),
        "date": _dt.date.today().isoformat(),
        "posterior": out,
    }
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    for k, v in out.items():
        print(f"{k:>8} mean {v['mean']:10.4f} sd {v['sd']:10.4f} mcse {v['mcse_mean']:.4f}")
    print(f"divergences {div}; {secs:.0f} s; wrote {OUT}")


if __name__ == "__main__":
    main()
