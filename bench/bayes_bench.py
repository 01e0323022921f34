"""Speed of ``bayes: mixed`` on the talk's model, side by side with PyMC, nutpie, NumPyro and Stan.

    /work/bench-venv/bin/python bench/bayes_bench.py          # writes bench/results/bayes_bench.md
    /work/bench-venv/bin/python bench/bayes_bench.py --quick  # short smoke run, prints only

The model is the talk's (``bayes: mixed math homework i.schtype || schid: homework,
covariance(unstructured)``, 519 students in 23 schools) with Stata's default priors: b ~ N(0,
10000) each, sigma2 ~ IG(0.01, 0.01), Sigma ~ IW(3, I(2)). The NUTS libraries get the same model
written the way their users write it: explicit random effects, non-centred (u_j = L z_j with
z_j ~ N(0, I)), Sigma = L L' with L11 = exp(a), L21 = c, L22 = exp(g) flat on (a, c, g) plus the
IW(3, I) log density and the log Jacobian, which for d = 2 reduce to
-3a - 4g - (Sigma_11 + Sigma_22) / (2 exp(2a + 2g)) (see bench/nuts_reference.py), and sigma2 by
each library's inverse gamma (sampled on the log scale). One extra NumPyro row integrates the
random effects out (the formulation of the NUTS reference), to show what NUTS does with that
help.

Each (tool, setting) runs in a fresh process of the bench venv. Times exclude Python imports
(logged on stderr) and include building the model, compiling it (or loading a compiled cache),
warm-up and sampling; "compile" is measured where the library separates it (nutpie's compile step,
pystan's build, PyMC's total minus its own ``sampling_time``, which also holds its start-up of
worker processes and convergence checks), from JAX's own compile events (NumPyro), and for
bayes_magic as the first run in the process minus an identical second run (loading numba's
cached machine code). On-disk compile caches are warm
(as on a user's second run) except in the "first-ever compile" column, measured in a separate
fresh process with every cache directory empty (numba, PyTensor, httpstan); for bayes_magic
that is the command line's time from process start to the first printed table. ESS is ArviZ's
rank-normalised bulk ESS for every tool (minimum over the 7 parameters: the 3 coefficients, the
3 elements of Sigma and sigma2); the Stata-style ESS (bayes_magic's ``ess_stata``, which Stata
prints) is shown too.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "bayes_bench.md"
NAMES = [
    "math:homework",
    "math:1.schtype",
    "math:_cons",
    "U:Sigma_1_1",
    "U:Sigma_2_1",
    "U:Sigma_2_2",
    "e.math:sigma2",
]
STATA = "mixed math homework i.schtype || schid: homework, covariance(unstructured)"

# ---------------------------------------------------------------------------------------------
# the runners (each in its own process; they print one JSON line and save the draws)

COMMON = r"""
import json, os, sys, time
T_START = time.perf_counter()
cfg = json.loads(sys.argv[1])
import numpy as np, pandas as pd
def load():
    df = pd.read_csv(cfg["data"])
    y = df["math"].to_numpy(float)
    hw = df["homework"].to_numpy(float)
    pub = (df["schtype"].to_numpy() == 1).astype(float)
    codes, g = np.unique(df["schid"].to_numpy(), return_inverse=True)
    return y, hw, pub, g.astype(np.int64), len(codes)
def done(draws, **kw):
    draws = np.asarray(draws, dtype=float)  # (chains, draws, 7) in Stata's order
    np.save(cfg["out"], draws)
    print(json.dumps({"shape": list(draws.shape), **kw}))
"""

RUN_BAYES_MAGIC = r"""
t0 = time.perf_counter()
from bayes_magic.session import Session
s = Session()
r = s.execute("use math"); assert r.error is None
t_import = time.perf_counter() - t0
opts = (f"rseed({cfg['seed']}) nodots nchains({cfg['chains']}) burnin({cfg['warmup']}) "
        f"mcmcsize({cfg['draws']})")
cmd = f"bayes, {opts}: " + cfg["stata"]
t1 = time.perf_counter(); r = s.execute(cmd); t2 = time.perf_counter()
assert r.error is None, r.error.render()
draws = np.asarray(s.e.draws)
assert list(s.e.names) == cfg["names"], s.e.names
cmd2 = cmd.replace(f"rseed({cfg['seed']})", f"rseed({cfg['seed'] + 1})")
t3 = time.perf_counter(); r = s.execute(cmd2); t4 = time.perf_counter()
total, warm = t2 - t1, t4 - t3
done(draws, import_s=t_import, total_s=total, sample_s=warm, compile_s=max(total - warm, 0.0),
     divergences=None, cores=1)
"""

# the shared pieces of the NUTS models: IW(3, I) on Sigma = L L' plus log Jacobian, in (a, c, g)
RUN_PYMC = r"""
t0 = time.perf_counter()
import pymc as pm, pytensor.tensor as pt
t_import = time.perf_counter() - t0
y, hw, pub, g, G = load()
t1 = time.perf_counter()
def build():
    with pm.Model() as m:
        beta = pm.Normal("beta", 0.0, 100.0, shape=3)
        sigma2 = pm.InverseGamma("sigma2", alpha=0.01, beta=0.01)
        a = pm.Flat("a"); c = pm.Flat("c"); lg = pm.Flat("g")
        L = pt.stack([pt.stack([pt.exp(a), pt.constant(0.0)]), pt.stack([c, pt.exp(lg)])])
        S = pm.Deterministic("Sigma", L @ L.T)
        iw = -3 * a - 4 * lg - 0.5 * (S[0, 0] + S[1, 1]) / pt.exp(2 * a + 2 * lg)
        pm.Potential("Sigma_prior", iw)
        z = pm.Normal("z", 0.0, 1.0, shape=(G, 2))
        u = z @ L.T
        mu = beta[0] * hw + beta[1] * pub + beta[2] + u[g, 0] + u[g, 1] * hw
        pm.Normal("y", mu, sigma=pt.sqrt(sigma2), observed=y)
    return m
m = build()
kw = {} if cfg["defaults"] else dict(draws=cfg["draws"], tune=cfg["warmup"], chains=cfg["chains"])
with m:
    if cfg.get("nutpie"):
        import nutpie
        tc = time.perf_counter()
        cm = nutpie.compile_pymc_model(m)
        t_compile = time.perf_counter() - tc
        ts = time.perf_counter()
        idata = nutpie.sample(cm, seed=cfg["seed"], progress_bar=False, **kw)
        t_sample = time.perf_counter() - ts
        cores = min(os.cpu_count(), idata.posterior.sizes["chain"])
    else:
        idata = pm.sample(random_seed=cfg["seed"], progressbar=False, **kw)
        t_sample = float(idata.posterior.attrs["sampling_time"])
        cores = min(os.cpu_count(), 4, idata.posterior.sizes["chain"])
        t_compile = None
total = time.perf_counter() - t1
if t_compile is None:
    t_compile = total - t_sample
post = idata.posterior
b = post["beta"].values; S = post["Sigma"].values; s2 = post["sigma2"].values
draws = np.stack([b[..., 0], b[..., 1], b[..., 2], S[..., 0, 0], S[..., 1, 0], S[..., 1, 1], s2],
                 -1)
div = int(idata.sample_stats["diverging"].values.sum())
done(draws, import_s=t_import, total_s=total, sample_s=t_sample, compile_s=t_compile,
     divergences=div, cores=cores)
"""

RUN_NUMPYRO = r"""
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")
t0 = time.perf_counter()
import jax, jax.numpy as jnp, numpyro, numpyro.distributions as dist
from numpyro.infer import MCMC, NUTS
numpyro.enable_x64()
t_import = time.perf_counter() - t0
y, hw, pub, g, G = load()
t1 = time.perf_counter()
y, hw, pub, gj = (jnp.asarray(v) for v in (y, hw, pub, g))
flat = lambda n: numpyro.sample(n, dist.ImproperUniform(dist.constraints.real, (), ()))
def sigma():
    a, c, lg = flat("a"), flat("c"), flat("g")
    L = jnp.array([[jnp.exp(a), 0.0], [c, jnp.exp(lg)]])
    S = L @ L.T
    iw = -3 * a - 4 * lg - 0.5 * (S[0, 0] + S[1, 1]) / jnp.exp(2 * a + 2 * lg)
    numpyro.factor("Sigma_prior", iw)
    numpyro.deterministic("Sigma", S)
    return L
def model():
    beta = numpyro.sample("beta", dist.Normal(0.0, 100.0).expand([3]).to_event(1))
    s2 = numpyro.sample("sigma2", dist.InverseGamma(0.01, 0.01))
    L = sigma()
    z = numpyro.sample("z", dist.Normal(0.0, 1.0).expand([G, 2]).to_event(2))
    u = z @ L.T
    mu = beta[0] * hw + beta[1] * pub + beta[2] + u[gj, 0] + u[gj, 1] * hw
    numpyro.sample("y", dist.Normal(mu, jnp.sqrt(s2)), obs=y)
if cfg.get("marginal"):
    sys.path.insert(0, cfg["bench_dir"])
    import nuts_reference as R
    d = R.load(cfg["data"])
    model = lambda: R.model(d)
chains = cfg["chains"]
# compile time as JAX reports it (tracing, lowering and XLA compilation events)
jit_s = [0.0]
def _listen(name, secs, **kw):
    if name.startswith("/jax/core/compile/"):
        jit_s[0] += secs
jax.monitoring.register_event_duration_secs_listener(_listen)
mc = MCMC(NUTS(model), num_warmup=cfg["warmup"], num_samples=cfg["draws"], num_chains=chains,
          chain_method="parallel" if chains > 1 else "sequential", progress_bar=False)
mc.run(jax.random.PRNGKey(cfg["seed"]), extra_fields=("diverging",))
smp = mc.get_samples(group_by_chain=True); jax.block_until_ready(smp)
total = time.perf_counter() - t1
div = int(np.asarray(mc.get_extra_fields()["diverging"]).sum())
b = np.asarray(smp["beta"]); S = np.asarray(smp["Sigma"]); s2 = np.asarray(smp["sigma2"])
draws = np.stack([b[..., 0], b[..., 1], b[..., 2], S[..., 0, 0], S[..., 1, 0], S[..., 1, 1], s2],
                 -1)
done(draws, import_s=t_import, total_s=total, sample_s=total - jit_s[0], compile_s=jit_s[0],
     divergences=div, cores=min(os.cpu_count(), chains))
"""

STAN_CODE = """
data {
  int<lower=1> N;
  int<lower=1> G;
  array[N] int<lower=1, upper=G> g;
  vector[N] y;
  vector[N] hw;
  vector[N] pub;
}
parameters {
  vector[3] beta;
  real<lower=0> sigma2;
  real a;
  real c;
  real lg;
  matrix[G, 2] z;
}
transformed parameters {
  matrix[2, 2] L = [[exp(a), 0], [c, exp(lg)]];
}
model {
  matrix[2, 2] S = L * L';
  matrix[G, 2] u = z * L';
  beta ~ normal(0, 100);
  sigma2 ~ inv_gamma(0.01, 0.01);
  // IW(3, I(2)) on Sigma = L L' plus the log Jacobian of (a, c, lg) -> Sigma
  target += -3 * a - 4 * lg - 0.5 * (S[1, 1] + S[2, 2]) / exp(2 * a + 2 * lg);
  to_vector(z) ~ std_normal();
  y ~ normal(beta[1] * hw + beta[2] * pub + beta[3] + u[g, 1] + u[g, 2] .* hw, sqrt(sigma2));
}
generated quantities {
  matrix[2, 2] Sigma = L * L';
}
"""

RUN_STAN = r"""
t0 = time.perf_counter()
import stan
t_import = time.perf_counter() - t0
y, hw, pub, g, G = load()
code = cfg["stan_code"] + cfg.get("stan_salt", "")
data = dict(N=len(y), G=G, g=(g + 1).tolist(), y=y.tolist(), hw=hw.tolist(), pub=pub.tolist())
t1 = time.perf_counter()
post = stan.build(code, data=data, random_seed=cfg["seed"])
t_compile = time.perf_counter() - t1
# httpstan keeps every seeded fit and hands it back when the same one is asked for again: drop
# them, so that sampling is really done
import shutil, httpstan.cache
shutil.rmtree(httpstan.cache.model_directory(post.model_name) / "fits", ignore_errors=True)
kw = {} if cfg["defaults"] else dict(num_chains=cfg["chains"], num_samples=cfg["draws"],
                                     num_warmup=cfg["warmup"])
ts = time.perf_counter()
fit = post.sample(**kw)
t_sample = time.perf_counter() - ts
total = time.perf_counter() - t1
nc = fit.num_chains
def grab(name):  # fit[name]: (..., draws*chains), chains interleaved as draw-major blocks
    v = np.asarray(fit[name])
    return v.reshape(v.shape[:-1] + (-1, nc)).swapaxes(-1, -2)
b = grab("beta"); S = grab("Sigma"); s2 = grab("sigma2")[0]
draws = np.stack([b[0], b[1], b[2], S[0, 0], S[1, 0], S[1, 1], s2], -1)
div = int(np.asarray(fit["divergent__"]).sum())
done(draws, import_s=t_import, total_s=total, sample_s=t_sample, compile_s=t_compile,
     divergences=div, cores=min(os.cpu_count(), nc))
"""

RUNNERS = {
    "bayes_magic": RUN_BAYES_MAGIC,
    "PyMC": RUN_PYMC,
    "nutpie": RUN_PYMC,
    "NumPyro": RUN_NUMPYRO,
    "NumPyro (marginalised)": RUN_NUMPYRO,
    "Stan (pystan)": RUN_STAN,
}


def run(tool: str, setting: dict, env: dict | None = None, timeout: float = 1800) -> dict:
    """One (tool, setting) in a fresh process of this interpreter; returns its JSON plus draws."""
    with tempfile.TemporaryDirectory() as tmp:
        cfg = {
            "data": str(ROOT / "bayes_magic" / "dataset" / "bundled" / "math.csv"),
            "out": os.path.join(tmp, "draws.npy"),
            "names": NAMES,
            "stata": STATA,
            "stan_code": STAN_CODE,
            "bench_dir": str(ROOT / "bench"),
            "nutpie": tool == "nutpie",
            "marginal": tool == "NumPyro (marginalised)",
            **setting,
        }
        code = textwrap.dedent(COMMON) + textwrap.dedent(RUNNERS[tool])
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        p = subprocess.run(
            [sys.executable, "-c", code, json.dumps(cfg)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
            cwd=tmp,
        )
        wall = time.perf_counter() - t0
        if p.returncode:
            lines = [ln for ln in (p.stderr or "failed").strip().splitlines() if ln.strip()]
            return {"error": lines[-1] if lines else "failed", "stderr": p.stderr[-3000:]}
        res = json.loads(p.stdout.strip().splitlines()[-1])
        res["draws"] = np.load(cfg["out"])
        res["process_s"] = wall
        res["load_before"] = load
        return res


def ess_numbers(draws: np.ndarray) -> dict:
    import arviz as az

    from bayes_magic.diagnostics.mcmc import ess_stata, split_rhat

    az.Numba.disable_numba()  # ArviZ 0.23's numba paths trip over numpy 2.4 (see nuts_reference)
    k7 = range(draws.shape[2])
    bulk = [float(az.ess(draws[:, :, k], method="bulk")) for k in k7]
    stata = [ess_stata(draws[:, :, k])[0] for k in k7]
    rhat = [split_rhat(draws[:, :, k]) for k in k7]
    kmin = int(np.argmin(bulk))
    return {
        "ess_bulk_min": min(bulk),
        "ess_bulk_argmin": NAMES[kmin],
        "ess_stata_min": min(stata),
        "rhat_max": max(rhat),
        "means": draws.mean(axis=(0, 1)).tolist(),
    }


# ---------------------------------------------------------------------------------------------
# bayes_magic's command line: first-ever compile and warm-cache first table


def cli_time(cache_dir: str) -> dict:
    """Wall time of ``python -m bayes_magic -e ...`` in a fresh process, and the time at which
    the posterior table's first line reached standard output (the CLI prints the log at the end,
    so the two nearly coincide)."""
    cmd = [sys.executable, "-m", "bayes_magic", "-e", "use math", "-e", "bayes, rseed(1): " + STATA]
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir, "PYTHONUNBUFFERED": "1"}
    t0 = time.perf_counter()
    p = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tempfile.gettempdir(),
    )
    first_table = None
    out = []
    assert p.stdout is not None and p.stderr is not None
    for line in p.stdout:
        out.append(line)
        if first_table is None and "Std. dev." in line:
            first_table = time.perf_counter() - t0
    p.wait()
    wall = time.perf_counter() - t0
    err = p.stderr.read()
    if p.returncode or first_table is None:
        return {"error": ((err or "".join(out)).strip().splitlines() or ["failed"])[-1]}
    return {"first_table_s": first_table, "wall_s": wall}


def cache_env(root: str) -> dict:
    """Every on-disk compile cache of the tools under ``root``: numba (bayes_magic, nutpie),
    PyTensor's compiledir (PyMC) and httpstan's models (XDG_CACHE_HOME)."""
    env = {
        "NUMBA_CACHE_DIR": os.path.join(root, "numba"),
        "PYTENSOR_FLAGS": "compiledir=" + os.path.join(root, "pytensor"),
        "XDG_CACHE_HOME": os.path.join(root, "xdg"),
    }
    for v in env.values():
        os.makedirs(v.split("=")[-1], exist_ok=True)
    return env


def first_ever(tool: str, setting: dict, warm_root: str) -> dict:
    """A small run with every on-disk cache empty (fresh temporary directories). Stan's built
    model is then copied into the bench's warm cache, so that it is not compiled twice."""
    with tempfile.TemporaryDirectory() as tmp:
        r = run(tool, setting, env=cache_env(tmp))
        if tool.startswith("Stan"):
            shutil.copytree(
                os.path.join(tmp, "xdg"), os.path.join(warm_root, "xdg"), dirs_exist_ok=True
            )
        return r


# ---------------------------------------------------------------------------------------------
# machine and versions


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    mem = f"{int(line.split()[1]) / 1024**2:.0f} GiB"
    except OSError:
        pass
    from importlib import metadata

    vers = {}
    for pkg in (
        "numba",
        "numpy",
        "scipy",
        "pandas",
        "arviz",
        "pymc",
        "pytensor",
        "nutpie",
        "numpyro",
        "jax",
        "pystan",
        "httpstan",
    ):
        try:
            vers[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            vers[pkg] = "not installed"
    try:
        rev = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "bayes_magic"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        vers["bayes_magic"] = rev + (" + uncommitted changes" if dirty else "")
    except OSError:
        vers["bayes_magic"] = "?"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": mem,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "date": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "versions": vers,
    }


# ---------------------------------------------------------------------------------------------

DEFAULTS = "library defaults"
EQUAL = "equal draws: 1 chain, 2,500 warm-up + 10,000 kept"
PEERS = ("PyMC", "nutpie", "NumPyro", "Stan (pystan)")


def settings(quick: bool) -> list[tuple[str, str, dict]]:
    """(setting label, tool, options). ``defaults=True`` leaves the sizes to the library."""
    seed = 317
    d = DEFAULTS
    rows = [
        (d, "bayes_magic", dict(seed=seed, chains=1, warmup=2500, draws=10000, defaults=True)),
        (d, "bayes_magic", dict(seed=seed, chains=4, warmup=2500, draws=10000, defaults=True)),
        (d, "PyMC", dict(seed=seed, defaults=True)),
        (d, "nutpie", dict(seed=seed, defaults=True)),
        # NumPyro has no default sizes: Stan's and PyMC's 1,000 + 1,000, with 4 chains
        (d, "NumPyro", dict(seed=seed, chains=4, warmup=1000, draws=1000, defaults=True)),
        (
            d,
            "NumPyro (marginalised)",
            dict(seed=seed, chains=4, warmup=1000, draws=1000, defaults=True),
        ),
        (d, "Stan (pystan)", dict(seed=seed, defaults=True)),
    ]
    if quick:
        for _, tool, opt in rows:
            if tool == "bayes_magic":
                opt.update(warmup=500, draws=2000)
            else:
                opt.update(chains=2, warmup=200, draws=200, defaults=False)
        return [r for r in rows if r[1] != "NumPyro (marginalised)"]
    eq = dict(seed=seed, chains=1, warmup=2500, draws=10000, defaults=False)
    for tool in ("bayes_magic", *PEERS):
        rows.append((EQUAL, tool, dict(eq)))
    return rows


def fmt(x, nd=1) -> str:
    if x is None:
        return ""
    if isinstance(x, str):
        return x
    return f"{x:,.{nd}f}"


def loadavg() -> str:
    try:
        return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "?"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--quick",
        action="store_true",
        help="short runs, library-default rows only, user's own caches; no file",
    )
    args = ap.parse_args()
    t_bench = time.perf_counter()
    info = machine()
    load_before = loadavg()
    lines: list[str] = []

    def emit(s: str = "") -> None:
        print(s)
        sys.stdout.flush()
        lines.append(s)

    def log(s: str) -> None:
        print("# " + s, file=sys.stderr)
        sys.stderr.flush()

    warm_root = tempfile.mkdtemp(prefix="bayes_bench_cache_")
    if not args.quick:
        # the bench's own caches (empty now, warmed below), so that nothing left by earlier runs
        # or by another virtual environment's numba version interferes
        os.environ.update(cache_env(warm_root))
    else:
        # a numba cache that outlives the run, so that repeated smoke runs do not recompile
        os.environ["NUMBA_CACHE_DIR"] = os.path.join(tempfile.gettempdir(), "bayes_bench_numba")
    cli: dict = {}
    cold: dict = {}
    if not args.quick:
        with tempfile.TemporaryDirectory() as tmp:
            cli["first_ever"] = cli_time(os.path.join(tmp, "numba"))
        log(f"bayes_magic first-ever: {cli['first_ever']}")
        if "error" not in cli["first_ever"]:
            cold["bayes_magic"] = cli["first_ever"]["first_table_s"]
        tiny = dict(seed=1, chains=1, warmup=100, draws=100, defaults=False)
        for tool in PEERS:
            r = first_ever(tool, tiny, warm_root)
            cold[tool] = r.get("compile_s") if "error" not in r else "failed: " + r["error"]
            log(f"first-ever compile {tool}: {cold[tool]}")
    # untimed warm-up runs fill the bench's caches
    for tool in ("bayes_magic",) + (() if args.quick else PEERS):
        r = run(tool, dict(seed=2, chains=1, warmup=100, draws=100, defaults=False))
        log(f"warm-up {tool}: " + r.get("error", "ok"))
    cli["warm"] = cli_time(os.environ["NUMBA_CACHE_DIR"])
    log(f"bayes_magic warm CLI: {cli['warm']}")

    results = []
    for label, tool, opt in settings(args.quick):
        r = run(tool, opt)
        if "error" in r:
            log(f"{tool} ({label}) failed: {r['error']}\n{r.get('stderr', '')}")
        else:
            r.update(ess_numbers(r.pop("draws")))
        results.append((label, tool, opt, r))
        log(
            f"{label} | {tool}: "
            + json.dumps({k: v for k, v in r.items() if k not in ("stderr", "means")})
        )

    emit(
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory']}; {info['os']}; "
        f"Python {info['python']}; {info['date']}; load average before {load_before}, "
        f"after {loadavg()}."
    )
    emit("Versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()) + ".")
    emit()
    head = (
        "| setting | tool | chains x draws (warm-up) | cores used | first-ever compile (s) "
        "| compile/JIT this run (s) | sampling (s) | total wall (s) | divergences "
        "| min bulk ESS (ArviZ) | min ESS (Stata-style) | min bulk ESS / s of total wall "
        "| min bulk ESS / s of sampling | bayes_magic's ESS/s ÷ this (total wall) |"
    )
    emit(head)
    emit("|" + "---|" * (head.count("|") - 1))
    base: dict[str, float] = {}
    for label, tool, opt, r in results:
        if "error" in r:
            emit(f"| {label} | {tool} | not run: {r['error'][:150]} | | | | | | | | | | | |")
            continue
        c, n = r["shape"][0], r["shape"][1]
        per_s = r["ess_bulk_min"] / r["total_s"]
        if tool == "bayes_magic" and label not in base:
            base[label] = per_s
        name = tool + (" nchains(4)" if tool == "bayes_magic" and c == 4 else "")
        ratio = base[label] / per_s if label in base else float("nan")
        warmup = opt.get("warmup")
        if opt.get("defaults") and tool in ("PyMC", "nutpie", "Stan (pystan)"):
            warmup = {"PyMC": 1000, "Stan (pystan)": 1000, "nutpie": 300}[tool]
        cold_s = cold.get("NumPyro" if tool.startswith("NumPyro") else tool)
        emit(
            f"| {label} | {name} | {c} x {n:,} ({fmt(warmup, 0)}) | {r['cores']} "
            f"| {fmt(cold_s)} | {fmt(r['compile_s'])} | {fmt(r['sample_s'])} "
            f"| {fmt(r['total_s'])} | {'' if r['divergences'] is None else r['divergences']} "
            f"| {r['ess_bulk_min']:,.0f} ({r['ess_bulk_argmin'].split(':')[1]}) "
            f"| {r['ess_stata_min']:,.0f} | {per_s:,.1f} "
            f"| {r['ess_bulk_min'] / r['sample_s']:,.0f} | {ratio:,.1f} |"
        )
    emit()
    emit(
        "bayes_magic from the command line, whole fresh process "
        '(`python -m bayes_magic -e "use math" -e "bayes, rseed(1): ' + STATA + '"`):'
    )
    emit()
    emit("| numba cache | time to the first printed table (s) | process wall time (s) |")
    emit("|---|---|---|")
    for key, lab in (("first_ever", "empty (first-ever compile)"), ("warm", "warm")):
        if key in cli:
            c = cli[key]
            if "error" in c:
                emit(f"| {lab} | failed: {c['error']} | |")
            else:
                emit(f"| {lab} | {c['first_table_s']:.1f} | {c['wall_s']:.1f} |")
    emit()
    emit(
        "Posterior means per run (every tool samples the same posterior), and the largest "
        "rank-normalised split R-hat:"
    )
    emit()
    emit("| setting | tool | " + " | ".join(n.split(":")[1] for n in NAMES) + " | max R-hat |")
    emit("|---|---|" + "---|" * (len(NAMES) + 1))
    for label, tool, _opt, r in results:
        if "error" in r:
            continue
        c = r["shape"][0]
        name = tool + (" nchains(4)" if tool == "bayes_magic" and c == 4 else "")
        emit(
            f"| {label} | {name} | "
            + " | ".join(f"{m:.2f}" for m in r["means"])
            + f" | {r['rhat_max']:.3f} |"
        )
    emit()
    loads = [r["load_before"] for *_, r in results if "load_before" in r]
    if loads:
        emit(
            f"1-minute load average just before each timed run: {min(loads):.2f} to "
            f"{max(loads):.2f} (2 cores; other work on the machine inflates the times)."
        )
    emit(f"Bench wall time: {(time.perf_counter() - t_bench) / 60:.1f} min.")
    shutil.rmtree(warm_root, ignore_errors=True)
    if not args.quick:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(
            "# `bayes: mixed` against NUTS samplers (output of bench/bayes_bench.py)\n\n"
            "    /work/bench-venv/bin/python bench/bayes_bench.py\n\n" + "\n".join(lines) + "\n"
        )
        log(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
