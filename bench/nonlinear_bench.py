"""Speed of a nonlinear multilevel ``bayesmh`` model, side by side with NumPyro and PyMC.

    /work/bench-venv/bin/python bench/nonlinear_bench.py   # writes bench/results/nonlinear_bench.md

The model is the Orange trees' logistic growth with a random asymptote per tree
(``bench/nonlinear_reference.py`` has it in full), written in each tool as its users write it:
``bayesmh`` with the slide's syntax (``{U[Tree]}`` with prior ``normal({b1},{var_U})``), NumPyro
and PyMC with the asymptotes non-centred (NUTS needs it here: the centred form diverges). Each
tool runs in a fresh process with its compile cache warm (a second run; the first run's time is
reported too); times include building the model, compiling or loading compiled code, warm-up
and sampling. ESS is ArviZ's bulk ESS for every tool, the minimum over b1, b2, b3 and sigma2.
Draws: each library's defaults (bayes_magic: one chain of 2,500 + 10,000, Stata's; NumPyro:
one chain of 1,000 + 1,000 as its ``MCMC`` needs them given; PyMC: its default 4 chains of
1,000 + 1,000 on the machine's 2 cores), with ``target_accept`` 0.95 for both NUTS libraries.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import platform
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "nonlinear_bench.md"
DATA = ROOT / "bayes_magic" / "dataset" / "bundled" / "orange.csv"
PARAMS = ["b1", "b2", "b3", "sigma2"]

COMMON = f"""
import json, time, sys
t0 = time.perf_counter()
import numpy as np, pandas as pd
DATA = {str(DATA)!r}
def report(draws, extra):
    import arviz as az
    az.Numba.disable_numba()
    ess = {{k: float(np.asarray(az.ess(np.asarray(v), method="bulk")).reshape(-1)[0])
           for k, v in draws.items()}}
    print(json.dumps({{"wall": time.perf_counter() - t0, "ess": ess, **extra}}))
"""

RUN = {
    "bayes_magic": """
from bayes_magic.session import Session
s = Session()
s.execute("use orange")
r = s.execute(
    "bayesmh circumference = ({U[Tree]}/(1+exp(-(age-{b2})/{b3}))), "
    "likelihood(normal({e.circumference:sigma2})) "
    "prior({U[Tree]}, normal({b1},{var_U})) prior({b1 b2 b3}, normal(0,1e6)) "
    "prior({e.circumference:sigma2} {var_U}, igamma(.01,.01)) "
    "initial({b1} 200 {b2} 700 {b3} 350) rseed(1)"
)
assert r.error is None, r.error.render()
p = s.e
names = {"b1": "b1", "b2": "b2", "b3": "b3", "sigma2": "e.circumference:sigma2"}
report({k: p.chains_of(v) for k, v in names.items()}, {"sampling": p.info["seconds"],
       "draws": int(p.draws.shape[0] * p.draws.shape[1])})
""",
    "NumPyro": """
import jax, jax.numpy as jnp, numpyro, numpyro.distributions as dist
from numpyro.infer import MCMC, NUTS
jax.config.update("jax_enable_x64", True)
df = pd.read_csv(DATA)
codes, trees = pd.factorize(df["Tree"], sort=True)
age = jnp.asarray(df["age"].to_numpy(float)); y = jnp.asarray(df["circumference"].to_numpy(float))
def model():
    b1 = numpyro.sample("b1", dist.Normal(0.0, 1000.0))
    b2 = numpyro.sample("b2", dist.Normal(0.0, 1000.0))
    b3 = numpyro.sample("b3", dist.Normal(0.0, 1000.0))
    s2 = numpyro.sample("sigma2", dist.InverseGamma(0.01, 0.01))
    vu = numpyro.sample("var_U", dist.InverseGamma(0.01, 0.01))
    z = numpyro.sample("z", dist.Normal(0.0, 1.0).expand([len(trees)]))
    u = b1 + jnp.sqrt(vu) * z
    mu = u[codes] / (1 + jnp.exp(-(age - b2) / b3))
    numpyro.sample("y", dist.Normal(mu, jnp.sqrt(s2)), obs=y)
init = numpyro.infer.init_to_value(values={"b1": 190.0, "b2": 700.0, "b3": 350.0,
    "sigma2": 60.0, "var_U": 1000.0, "z": jnp.zeros(len(trees))})
mc = MCMC(NUTS(model, target_accept_prob=0.95, init_strategy=init), num_warmup=1000,
          num_samples=1000, progress_bar=False)
t1 = time.perf_counter()
mc.run(jax.random.PRNGKey(1))
s = {k: np.asarray(v)[None] for k, v in mc.get_samples().items()}
div = int(np.asarray(mc.get_extra_fields()["diverging"]).sum())
report({k: s[k] for k in ("b1", "b2", "b3", "sigma2")},
       {"sampling": time.perf_counter() - t1, "draws": 1000, "divergences": div})
""",
    "PyMC": """
import pymc as pm
df = pd.read_csv(DATA)
codes, trees = pd.factorize(df["Tree"], sort=True)
age = df["age"].to_numpy(float); y = df["circumference"].to_numpy(float)
with pm.Model():
    b1 = pm.Normal("b1", 0, 1000); b2 = pm.Normal("b2", 0, 1000); b3 = pm.Normal("b3", 0, 1000)
    s2 = pm.InverseGamma("sigma2", 0.01, 0.01); vu = pm.InverseGamma("var_U", 0.01, 0.01)
    z = pm.Normal("z", 0, 1, shape=len(trees))
    u = b1 + pm.math.sqrt(vu) * z
    pm.Normal("y", u[codes] / (1 + pm.math.exp(-(age - b2) / b3)), pm.math.sqrt(s2), observed=y)
    idata = pm.sample(target_accept=0.95, progressbar=False, random_seed=1,
                      initvals={"b1": 190.0, "b2": 700.0, "b3": 350.0})
post = idata.posterior
div = int(idata.sample_stats["diverging"].sum())
report({k: post[k].values for k in ("b1", "b2", "b3", "sigma2")},
       {"sampling": float(post.attrs.get("sampling_time", float("nan"))),
        "draws": int(post.sizes["chain"] * post.sizes["draw"]), "divergences": div})
""",
}


def run(tool: str) -> dict:
    code = textwrap.dedent(COMMON) + textwrap.dedent(RUN[tool])
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if out.returncode:
        raise RuntimeError(f"{tool} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tools", nargs="*", default=list(RUN))
    a = ap.parse_args()
    rows = []
    for tool in a.tools:
        first = run(tool)  # fills the compile caches
        r = run(tool)
        r["first_wall"] = first["wall"]
        r["min_ess"] = min(r["ess"].values())
        rows.append((tool, r))
        print(tool, json.dumps(r), file=sys.stderr)
    base = next((r for t, r in rows if t == "bayes_magic"), None)
    lines = [
        "# Nonlinear multilevel `bayesmh` (Orange trees) against NumPyro and PyMC",
        "",
        f"`/work/bench-venv/bin/python bench/nonlinear_bench.py`, {_dt.date.today()}, "
        f"{platform.platform()}.",
        "",
        "| tool | draws | wall, warm cache (s) | wall, first run (s) | sampling (s) | "
        "min bulk ESS | min ESS/s (wall) | divergences | bayes_magic is |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    base_rate = base["min_ess"] / base["wall"] if base else float("nan")
    for tool, r in rows:
        rate = r["min_ess"] / r["wall"]
        times = base_rate / rate
        lines.append(
            f"| {tool} | {r['draws']:,} | {r['wall']:.1f} | {r['first_wall']:.1f} | "
            f"{r['sampling']:.2f} | {r['min_ess']:,.0f} | {rate:,.0f} | "
            f"{r.get('divergences', '')} | {'1x' if tool == 'bayes_magic' else f'{times:.1f}x'} |"
        )
    lines += ["", "ESS per parameter:", ""]
    lines += [
        f"- {tool}: " + ", ".join(f"{k} {v:,.0f}" for k, v in r["ess"].items()) for tool, r in rows
    ]
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
