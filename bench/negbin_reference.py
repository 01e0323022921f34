"""Negative binomial models of ``bayes:`` under a sampler nobody here wrote.

    /work/bench-venv/bin/python bench/negbin_reference.py   # bench/reference/epilepsy_nb_nuts.json

The models are Stata's defaults for the epilepsy data (Thall & Vail 1990, brms' version,
bundled as ``epilepsy``):

    bayes: menbreg count zAge zBase Trt || patient:                         (mean)
    bayes: menbreg count zAge zBase Trt || patient:, dispersion(constant)   (constant)
    bayes: nbreg count zAge zBase Trt                                       (nbreg)

that is, coefficients and {lnalpha} (or {lndelta}) ~ normal(0,10000), {U0} ~
normal(0,{U0:sigma2}) and {U0:sigma2} ~ igamma(.01,.01) ([BAYES] bayes: menbreg, default
priors); the count is negative binomial with mean μ = exp(xβ + U0) and variance μ(1 + αμ)
(mean dispersion) or μ(1 + δ) (constant dispersion) ([ME] menbreg, Methods and formulas).
NumPyro's NUTS samples the same posteriors, the patients' effects non-centred
(U0_j = sqrt(sigma2) z_j); the log probabilities are written here with lnΓ. The script writes
the posterior mean, SD and the MCSE of the mean (ArviZ) of each parameter;
``tests/statistical/test_negbin_bayes.py`` holds our sampler to these within a stated multiple
of the two MCSEs combined.
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
from jax.scipy.special import gammaln
from numpyro.infer import MCMC, NUTS

jax.config.update("jax_enable_x64", True)
numpyro.set_host_device_count(4)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bayes_magic" / "dataset" / "bundled" / "epilepsy.csv"
OUT = ROOT / "bench" / "reference" / "epilepsy_nb_nuts.json"
COVARIATES = ["zAge", "zBase", "Trt"]


def model(X, y, patient, npat, disp, random=True):
    beta = numpyro.sample("beta", dist.Normal(0.0, 100.0).expand([X.shape[1]]))
    la = numpyro.sample("lnalpha", dist.Normal(0.0, 100.0))
    eta = X @ beta
    if random:
        s2 = numpyro.sample("sigma2", dist.InverseGamma(0.01, 0.01))
        z = numpyro.sample("z", dist.Normal(0.0, 1.0).expand([npat]))
        eta = eta + jnp.sqrt(s2) * z[patient]
    mu = jnp.exp(eta)
    a = jnp.exp(la)
    if disp == "mean":  # size m = 1/α, p = 1/(1 + αμ)
        m = 1.0 / a
        logp, log1mp = -jnp.log1p(a * mu), jnp.log(a * mu) - jnp.log1p(a * mu)
    else:  # size m = μ/δ, p = 1/(1 + δ)
        m = mu / a
        logp, log1mp = -jnp.log1p(a), la - jnp.log1p(a)
    ll = gammaln(y + m) - gammaln(y + 1.0) - gammaln(m) + m * logp + y * log1mp
    numpyro.factor("ll", jnp.sum(ll))


def run(name: str, disp: str, a, random: bool = True) -> dict:
    df = pd.read_csv(DATA)
    X = np.column_stack([df[COVARIATES].to_numpy(float), np.ones(len(df))])
    X = jnp.asarray(X)
    y = jnp.asarray(df["count"].to_numpy(float))
    codes, patient = np.unique(df["patient"].to_numpy(), return_inverse=True)
    npat = len(codes)
    init = {"beta": jnp.array([0.0, 0.7, -0.2, 1.8]), "lnalpha": -2.0 if disp == "mean" else 0.2}
    if random:
        init.update(sigma2=0.25, z=jnp.zeros(npat))
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
    mc.run(jax.random.PRNGKey(a.seed), X, y, jnp.asarray(patient), npat, disp, random)
    s = {k: np.asarray(v) for k, v in mc.get_samples(group_by_chain=True).items()}
    secs = time.time() - t0
    cols = {f"count:{c}": s["beta"][:, :, j] for j, c in enumerate([*COVARIATES, "_cons"])}
    cols["lnalpha" if disp == "mean" else "lndelta"] = s["lnalpha"]
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
        "mean": run("mean", "mean", a),
        "constant": run("constant", "constant", a),
        "nbreg": run("nbreg", "mean", a, random=False),
    }
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
