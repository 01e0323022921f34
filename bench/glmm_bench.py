"""Speed of ``bayes: melogit`` and ``bayes: mepoisson`` side by side with NumPyro and PyMC.

    /work/bench-venv/bin/python bench/glmm_bench.py      # writes bench/results/glmm_bench.md

Three models with Stata's default priors (coefficients normal(0, 10000), the random-intercept
variance igamma(0.01, 0.01)), as in bench/glmm_reference.py: cbpp (binomial, 56 observations,
15 herds), Bangladesh (Bernoulli, 1,934 women, 60 districts) and epilepsy (Poisson, 236 visits
of 59 patients, every covariate patient-level). The NUTS libraries get the
model as their users write it: explicit random effects, non-centred, sigma2 by the library's
inverse gamma. Every tool runs with its defaults: bayes_magic one chain of 2,500 burn-in +
10,000 draws; NumPyro 4 chains of 1,000 + 1,000 (``chain_method="parallel"`` over the machine's
2 cores); PyMC ``pm.sample()`` (4 chains of 1,000 + 1,000 on 2 cores).

Each (tool, model) runs in a fresh process. Wall time excludes Python imports and includes
building the model, compiling it or loading a compiled cache (on-disk caches warm, as on a
user's second session), warm-up and sampling. ESS is ArviZ's bulk ESS for every tool, the
minimum over the coefficients and the variance.
"""

from __future__ import annotations

import datetime as _dt
import json
import platform
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "glmm_bench.md"

MODELS = {
    "cbpp": ("incidence i.period || herd:, binomial(size)", "cbpp"),
    "bangladesh": ("c_use urban age child1 child2 child3 || district:", "bangladesh"),
    "epilepsy": ("count zBase Trt zAge || patient:", "epilepsy"),
}

COMMON = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np, pandas as pd
    cfg = json.loads(sys.argv[1])
    root = cfg["root"]
    data = f"{root}/bayes_magic/dataset/bundled/{cfg['data']}.csv"
    df = pd.read_csv(data)
    if cfg["data"] == "cbpp":
        X = np.column_stack([(df.period == k).astype(float) for k in (2, 3, 4)]
                            + [np.ones(len(df))])
        y, n = df.incidence.to_numpy(float), df["size"].to_numpy(float)
        ids = np.sort(df.herd.unique()); g = np.searchsorted(ids, df.herd.to_numpy())
    elif cfg["data"] == "epilepsy":
        X = np.column_stack([df[c].to_numpy(float) for c in ("zBase", "Trt", "zAge")]
                            + [np.ones(len(df))])
        y, n = df["count"].to_numpy(float), np.ones(len(df))
        ids = np.sort(df.patient.unique()); g = np.searchsorted(ids, df.patient.to_numpy())
    else:
        cols = ["urban", "age", "child1", "child2", "child3"]
        X = np.column_stack([df[c].to_numpy(float) for c in cols] + [np.ones(len(df))])
        y, n = df.c_use.to_numpy(float), np.ones(len(df))
        ids = np.sort(df.district.unique()); g = np.searchsorted(ids, df.district.to_numpy())
    G = len(ids)
    poisson = cfg["data"] == "epilepsy"
    import arviz as az
    def min_ess(arr):  # arr: (chains, draws, params)
        return float(min(az.ess(arr[:, :, j]) for j in range(arr.shape[2])))
    """
)

RUN = {
    "bayes_magic": """
from bayes_magic.session import Session
s = Session(); s.execute(f"use {cfg['data']}")
t0 = time.perf_counter()
r = s.execute(f"quietly bayes, rseed(1): {cfg['command']} " + cfg["cmd"])
wall = time.perf_counter() - t0
assert r.error is None, r.error
post = s.e
arr = post.draws
print(json.dumps({"wall": wall, "ess": min_ess(arr)}))
""",
    "NumPyro": """
import os
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")
import jax, jax.numpy as jnp, numpyro, numpyro.distributions as dist
from numpyro.infer import MCMC, NUTS
numpyro.set_host_device_count(4)
def model(X, y, n, g, G):
    b = numpyro.sample("b", dist.Normal(0.0, 100.0).expand([X.shape[1]]).to_event(1))
    s2 = numpyro.sample("s2", dist.InverseGamma(0.01, 0.01))
    z = numpyro.sample("z", dist.Normal(0.0, 1.0).expand([G]).to_event(1))
    eta = X @ b + jnp.sqrt(s2) * z[g]
    if poisson:
        numpyro.sample("y", dist.Poisson(jnp.exp(eta)), obs=y)
    else:
        numpyro.sample("y", dist.Binomial(total_count=n, logits=eta), obs=y)
t0 = time.perf_counter()
mcmc = MCMC(NUTS(model), num_warmup=1000, num_samples=1000, num_chains=4,
            chain_method="parallel", progress_bar=False)
mcmc.run(jax.random.PRNGKey(1), jnp.asarray(X), jnp.asarray(y), jnp.asarray(n),
         jnp.asarray(g), G)
s = mcmc.get_samples(group_by_chain=True)
wall = time.perf_counter() - t0
arr = np.concatenate([np.asarray(s["b"]), np.asarray(s["s2"])[:, :, None]], axis=2)
print(json.dumps({"wall": wall, "ess": min_ess(arr)}))
""",
    "PyMC": """
import pymc as pm
t0 = time.perf_counter()
with pm.Model():
    b = pm.Normal("b", 0.0, 100.0, shape=X.shape[1])
    s2 = pm.InverseGamma("s2", alpha=0.01, beta=0.01)
    z = pm.Normal("z", 0.0, 1.0, shape=G)
    eta = pm.math.dot(X, b) + pm.math.sqrt(s2) * z[g]
    if poisson:
        pm.Poisson("y", mu=pm.math.exp(eta), observed=y.astype(int))
    else:
        pm.Binomial("y", n=n.astype(int), logit_p=eta, observed=y.astype(int))
    idata = pm.sample(progressbar=False, random_seed=1, cores=2)
wall = time.perf_counter() - t0
post = idata.posterior
arr = np.concatenate([post["b"].values, post["s2"].values[:, :, None]], axis=2)
print(json.dumps({"wall": wall, "ess": min_ess(arr)}))
""",
}


def run(tool: str, model: str) -> dict:
    cmd, data = MODELS[model]
    command = "mepoisson" if data == "epilepsy" else "melogit"
    cfg = {"root": str(ROOT), "data": data, "cmd": cmd, "command": command}
    code = COMMON + RUN[tool]
    p = subprocess.run(
        [sys.executable, "-c", code, json.dumps(cfg)], capture_output=True, text=True
    )
    if p.returncode != 0:
        return {"error": p.stderr[-2000:]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    rows = []
    for model in MODELS:
        base = None
        for tool in RUN:
            r = run(tool, model)
            print(model, tool, r, flush=True)
            if "error" in r:
                rows.append((model, tool, None, None, None, None))
                continue
            rate = r["ess"] / r["wall"]
            base = rate if tool == "bayes_magic" else base
            rows.append((model, tool, r["wall"], r["ess"], rate, base / rate if base else None))
    lines = [
        "# `bayes: melogit` and `bayes: mepoisson` against NumPyro and PyMC",
        "",
        f"`{sys.executable} bench/glmm_bench.py`, {_dt.date.today().isoformat()}, "
        f"Python {platform.python_version()} (bench/glmm_bench.py says how).",
        "",
        "| model | tool | wall (s) | min bulk ESS | min ESS/s | bayes_magic is |",
        "|---|---|---|---|---|---|",
    ]
    for model, tool, wall, ess, rate, ratio in rows:
        if wall is None:
            lines.append(f"| {model} | {tool} | failed | | | |")
            continue
        rel = "1x" if tool == "bayes_magic" else f"{ratio:.1f}x faster"
        lines.append(f"| {model} | {tool} | {wall:.2f} | {ess:,.0f} | {rate:,.0f} | {rel} |")
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
