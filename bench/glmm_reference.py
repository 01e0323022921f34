"""Long NUTS runs (NumPyro) of four ``bayes: melogit`` and ``mepoisson`` models: reference
posteriors for the GLMM sampler's tests.

    /work/bench-venv/bin/python bench/glmm_reference.py [model ...]   # reference/glmm_nuts.json

The models, with Stata's default priors for ``bayes: melogit`` (coefficients normal(0, 10000),
the random-intercept variance igamma(0.01, 0.01)):

* cbpp: ``bayes: melogit incidence i.period || herd:, binomial(size)`` (56 observations, 15
  herds), incidence_ij ~ Binomial(size_ij, logit⁻¹(x_ij'b + u_j)), u_j ~ N(0, sigma2).
* bangladesh: ``bayes: melogit c_use urban age child1 child2 child3 || district:`` (1,934 women,
  60 districts), c_use_ij ~ Bernoulli(logit⁻¹(x_ij'b + u_j)).
* bangladesh_district: ``bayes: melogit c_use urban age d_illit || district:``, with the
  district-level covariate d_illit (constant within districts).
* epilepsy: ``bayes: mepoisson count zBase Trt zAge || patient:`` (236 visits of 59 patients,
  Thall & Vail 1990), count_ij ~ Poisson(exp(x_j'b + u_j)): every covariate is patient-level.

NUTS samples the random effects non-centred (u_j = sqrt(sigma2) z_j, z_j ~ N(0, 1)), which is
the same posterior without the funnel between sigma2 and the u_j; sigma2 is NumPyro's
``InverseGamma(0.01, 0.01)`` (its ``rate`` is the scale), sampled on the log scale with the
Jacobian by NumPyro's transform. Each model: 4 chains of 25,000 draws after 2,000 warmup
(target acceptance .95). Means, SDs and MCSE (SD / sqrt(ESS), NumPyro's ESS) of every
coefficient, the variance and the first five random effects go into the JSON, with the MCSE of
each SD by the delta method on the variance (as ArviZ's ``mcse(method="sd")``).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
import pandas as pd
from numpyro.diagnostics import effective_sample_size
from numpyro.infer import MCMC, NUTS

numpyro.set_host_device_count(4)
jax.config.update("jax_enable_x64", True)

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "bayes_magic" / "dataset" / "bundled"
OUT = HERE / "reference" / "glmm_nuts.json"


def model(X, y, n, g, G, poisson=False):
    p = X.shape[1]
    b = numpyro.sample("b", dist.Normal(0.0, 100.0).expand([p]).to_event(1))
    s2 = numpyro.sample("s2", dist.InverseGamma(0.01, 0.01))
    z = numpyro.sample("z", dist.Normal(0.0, 1.0).expand([G]).to_event(1))
    u = numpyro.deterministic("u", jnp.sqrt(s2) * z)
    eta = X @ b + u[g]
    if poisson:
        numpyro.sample("y", dist.Poisson(jnp.exp(eta)), obs=y)
    else:
        numpyro.sample("y", dist.Binomial(total_count=n, logits=eta), obs=y)


def cbpp():
    df = pd.read_csv(DATA / "cbpp.csv")
    P = np.column_stack([(df.period == k).astype(float) for k in (2, 3, 4)])
    X = np.column_stack([P, np.ones(len(df))])
    names = ["2.period", "3.period", "4.period", "_cons"]
    herds = np.sort(df.herd.unique())
    g = np.searchsorted(herds, df.herd.to_numpy())
    return (
        "cbpp",
        "incidence",
        X,
        df.incidence.to_numpy(float),
        df["size"].to_numpy(float),
        g,
        names,
        herds,
    )


def _bangladesh(name: str, cols: list[str]):
    df = pd.read_csv(DATA / "bangladesh.csv")
    X = np.column_stack([df[c].to_numpy(float) for c in cols] + [np.ones(len(df))])
    ds = np.sort(df.district.unique())
    g = np.searchsorted(ds, df.district.to_numpy())
    return name, "c_use", X, df.c_use.to_numpy(float), np.ones(len(df)), g, [*cols, "_cons"], ds


def bangladesh():
    return _bangladesh("bangladesh", ["urban", "age", "child1", "child2", "child3"])


def bangladesh_district():
    """A district-level covariate (d_illit, the district's illiteracy rate) beside the women's:
    the coefficient the shift step serves."""
    return _bangladesh("bangladesh_district", ["urban", "age", "d_illit"])


def epilepsy():
    """A Poisson model whose covariates are all patient-level: zBase, Trt and zAge are
    constant within patients (the coefficients the shift step serves)."""
    df = pd.read_csv(DATA / "epilepsy.csv")
    cols = ["zBase", "Trt", "zAge"]
    X = np.column_stack([df[c].to_numpy(float) for c in cols] + [np.ones(len(df))])
    names = [*cols, "_cons"]
    ids = np.sort(df.patient.unique())
    g = np.searchsorted(ids, df.patient.to_numpy())
    return ("epilepsy", "count", X, df["count"].to_numpy(float), None, g, names, ids)


MODELS = {
    "cbpp": cbpp,
    "bangladesh": bangladesh,
    "bangladesh_district": bangladesh_district,
    "epilepsy": epilepsy,
}


def run(spec, draws=25_000, warmup=2_000, chains=4, seed=20261126):
    name, dep, X, y, n, g, names, ids = spec
    G = len(ids)
    kernel = NUTS(model, target_accept_prob=0.95)
    mcmc = MCMC(
        kernel,
        num_warmup=warmup,
        num_samples=draws,
        num_chains=chains,
        chain_method="parallel",
        progress_bar=False,
    )
    t0 = time.time()
    poisson = n is None
    n = np.ones(len(y)) if poisson else n
    mcmc.run(
        jax.random.PRNGKey(seed),
        jnp.asarray(X),
        jnp.asarray(y),
        jnp.asarray(n),
        jnp.asarray(g),
        G,
        poisson,
    )
    secs = time.time() - t0
    s = mcmc.get_samples(group_by_chain=True)
    out = {}

    def put(label, arr):
        a = np.asarray(arr)
        ess = float(effective_sample_size(a))
        sd = float(a.std())
        # MCSE of the SD by the delta method on the variance (as ArviZ's mcse(method="sd")):
        # c = (x - mean)², Var(s²) ≈ Var(c) / ESS(c), Var(s) ≈ Var(s²) / (4 s²)
        c = (a - a.mean()) ** 2
        ess_c = float(effective_sample_size(c))
        mcse_sd = float(np.sqrt((np.mean(c * c) - c.mean() ** 2) / ess_c / (4 * c.mean())))
        out[label] = {
            "mean": float(a.mean()),
            "sd": sd,
            "ess": ess,
            "mcse": sd / np.sqrt(ess),
            "mcse_sd": mcse_sd,
        }

    for j, nm in enumerate(names):
        put(f"{dep}:{nm}", s["b"][:, :, j])
    put("U0:sigma2", s["s2"])
    for j in range(5):
        put(f"U0[{int(ids[j])}]", s["u"][:, :, j])
    div = int(np.asarray(mcmc.get_extra_fields()["diverging"]).sum())
    return name, {
        "draws": draws,
        "chains": chains,
        "warmup": warmup,
        "seed": seed,
        "seconds": secs,
        "divergences": div,
        "posterior": out,
    }


def main(names: list[str]):
    """Run the models named (all by default); others already in the JSON are kept."""
    old = json.loads(OUT.read_text())["models"] if OUT.exists() and names else {}
    result = {
        "what": "NumPyro NUTS reference posteriors of bayes: melogit models",
        "script": "bench/glmm_reference.py",
        "date": _dt.date.today().isoformat(),
        "versions": {
            "numpyro": numpyro.__version__,
            "jax": jax.__version__,
            "python": platform.python_version(),
        },
        "models": old,
    }
    for key in names or list(MODELS):
        name, res = run(MODELS[key]())
        result["models"][name] = res
        print(name, f"{res['seconds']:.1f}s", "divergences", res["divergences"])
        for k, v in res["posterior"].items():
            stats = f"{v['mean']:10.5f} {v['sd']:9.5f}  mcse {v['mcse']:.5f}  ess {v['ess']:.0f}"
            print(f"  {k:24s} {stats}")
    OUT.write_text(json.dumps(result, indent=1))
    print("wrote", OUT)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
