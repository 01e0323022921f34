"""A long NUTS run of the talk's model with NumPyro: the reference posterior for the sampler tests.

    /work/bench-venv/bin/python bench/nuts_reference.py          # bench/reference/talk_nuts.json
    /work/bench-venv/bin/python bench/nuts_reference.py --quick  # checks + a short run, prints

The model (``bayes, rseed(317): mixed math homework i.schtype || schid: homework,
covariance(unstructured)`` on the bundled ``math`` data, 519 students in 23 schools), with
Stata's default priors for ``bayes: mixed``:

    math_ij = b_hw*homework_ij + b_pub*1[schtype_ij == 1] + b_cons + u0_j + u1_j*homework_ij + e_ij
    e_ij ~ N(0, sigma2),  (u0_j, u1_j) ~ MVN(0, Sigma)
    b_hw, b_pub, b_cons ~ N(0, variance 10000)
    sigma2 ~ InverseGamma(shape 0.01, scale 0.01)
    Sigma ~ InverseWishart(df 3, scale I(2)):
        p(Sigma) ∝ |Sigma|^{-(df+d+1)/2} exp(-tr(Sigma^{-1})/2), d = 2

How it is sampled (7 unconstrained coordinates):

* The random effects are integrated out analytically, which leaves the posterior of
  (b, Sigma, sigma2) unchanged and removes the funnel geometry: y_j ~ N(X_j b, V_j) with
  V_j = sigma2 I + Z_j Sigma Z_j'. With Sigma = L L' and M_j = sigma2 I + L'Z_j'Z_j L (2x2),
  Woodbury gives log|V_j| = (n_j - 2) log sigma2 + log|M_j| and
  r'V_j^{-1}r = (r'r - (L'Z_j'r)' M_j^{-1} (L'Z_j'r)) / sigma2, all from per-school cross-products.
* Sigma: L lower triangular with L11 = exp(a), L21 = c, L22 = exp(g). The log density of
  (a, c, g) is log IW(L L') + log|d Sigma / d L| + log|d L / d(a, c, g)|, where for d = 2 the
  Cholesky map has Jacobian 2^d prod_i L_ii^(d - i + 1) = 4 L11^2 L22 and the exp maps add
  a + g: in all log IW(L L') + log 4 + 3a + 2g.
* sigma2: NumPyro's ``InverseGamma(0.01, 0.01)`` (its ``rate`` is scipy's ``scale``), sampled
  on log sigma2 with the Jacobian by NumPyro's automatic transform.
* b: ``Normal(0, 100)`` (SD 100 = variance 10,000).

Checks run before sampling (all printed, stored in the JSON, and the script stops if one fails):
the marginal log likelihood equals a dense multivariate-normal evaluation at random parameter
values, and its maximum equals the ML log likelihood that ``mixed`` reports (-1817.4205); the
IW log density equals scipy's ``invwishart.logpdf`` (df 3 and 6); the IG log density equals
scipy's; and NUTS on the Sigma prior alone (the same a, c, g coordinates and Jacobian) recovers
IW(6, I): E[Sigma] = I/(6 - 2 - 1) = I/3, and the quantiles of IW(3, I) (whose mean is infinite,
df - d - 1 = 0) match scipy's draws.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
import pandas as pd
from numpyro.infer import MCMC, NUTS
from scipy import optimize, stats

numpyro.enable_x64()

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bayes_magic" / "dataset" / "bundled" / "math.csv"
OUT = ROOT / "bench" / "reference" / "talk_nuts.json"
NAMES = [
    "math:homework",
    "math:1.schtype",
    "math:_cons",
    "U:Sigma_1_1",
    "U:Sigma_2_1",
    "U:Sigma_2_2",
    "e.math:sigma2",
]
IW_DF, IW_D = 3.0, 2
IG_SHAPE, IG_SCALE = 0.01, 0.01
B_SD = 100.0
MIXED_ML_LL = -1817.4205  # bayes_magic's `mixed` (and statsmodels MixedLM), bench/README.md


# ---------------------------------------------------------------------------------------------
# data and the marginal likelihood


def load(path: Path = DATA) -> dict:
    """Per-school cross-products of X = [homework, public, 1] and Z = [1, homework]."""
    df = pd.read_csv(path)
    y = df["math"].to_numpy(float)
    hw = df["homework"].to_numpy(float)
    pub = (df["schtype"].to_numpy() == 1).astype(float)
    X = np.column_stack([hw, pub, np.ones_like(hw)])
    Z = np.column_stack([np.ones_like(hw), hw])
    codes, g = np.unique(df["schid"].to_numpy(), return_inverse=True)
    G = len(codes)
    ZtZ = np.zeros((G, 2, 2))
    ZtX = np.zeros((G, 2, 3))
    Zty = np.zeros((G, 2))
    nj = np.zeros(G)
    for j in range(G):
        m = g == j
        ZtZ[j] = Z[m].T @ Z[m]
        ZtX[j] = Z[m].T @ X[m]
        Zty[j] = Z[m].T @ y[m]
        nj[j] = m.sum()
    return dict(
        y=y,
        X=X,
        Z=Z,
        g=g,
        G=G,
        n=len(y),
        nj=nj,
        ZtZ=ZtZ,
        ZtX=ZtX,
        Zty=Zty,
        XtX=X.T @ X,
        Xty=X.T @ y,
        yty=float(y @ y),
    )


def chol2(a, c, g):
    """L = [[exp(a), 0], [c, exp(g)]]."""
    return jnp.array([[jnp.exp(a), 0.0], [c, jnp.exp(g)]])


def marginal_loglik(d: dict, beta, L, s2):
    """log p(y | b, Sigma = L L', sigma2) with the random effects integrated out (Woodbury)."""
    ZtZ, ZtX, Zty = (jnp.asarray(d[k]) for k in ("ZtZ", "ZtX", "Zty"))
    rr = d["yty"] - 2.0 * beta @ jnp.asarray(d["Xty"]) + beta @ jnp.asarray(d["XtX"]) @ beta
    Ztr = Zty - ZtX @ beta  # (G, 2)
    LtZtr = Ztr @ L  # rows: L' Z_j'r
    M = s2 * jnp.eye(2) + jnp.einsum("ai,gab,bj->gij", L, ZtZ, L)  # L' Z'Z L + s2 I
    det = M[:, 0, 0] * M[:, 1, 1] - M[:, 0, 1] * M[:, 1, 0]
    # v' M^{-1} v for the 2x2 symmetric M
    v0, v1 = LtZtr[:, 0], LtZtr[:, 1]
    q = (M[:, 1, 1] * v0 * v0 - 2.0 * M[:, 0, 1] * v0 * v1 + M[:, 0, 0] * v1 * v1) / det
    n = d["n"]
    logdet = (n - 2.0 * d["G"]) * jnp.log(s2) + jnp.sum(jnp.log(det))
    quad = (rr - jnp.sum(q)) / s2
    return -0.5 * (n * jnp.log(2.0 * jnp.pi) + logdet + quad)


def dense_loglik(d: dict, beta, Sigma, s2) -> float:
    """The same by brute force: one dense n x n multivariate normal (for the check only)."""
    Zfull = np.zeros((d["n"], 2 * d["G"]))
    for j in range(d["G"]):
        m = d["g"] == j
        Zfull[m, 2 * j : 2 * j + 2] = d["Z"][m]
    V = s2 * np.eye(d["n"]) + Zfull @ np.kron(np.eye(d["G"]), Sigma) @ Zfull.T
    return float(stats.multivariate_normal(d["X"] @ beta, V).logpdf(d["y"]))


# ---------------------------------------------------------------------------------------------
# priors


def logpdf_iwishart(S, df, Psi):
    """log IW(S | df, Psi), normalised, d = 2 (as scipy's invwishart)."""
    dd = S.shape[-1]
    _, logdetS = jnp.linalg.slogdet(S)
    _, logdetP = jnp.linalg.slogdet(Psi)
    tr = jnp.trace(Psi @ jnp.linalg.inv(S))
    lmgamma = dd * (dd - 1) / 4.0 * jnp.log(jnp.pi) + sum(
        jax.scipy.special.gammaln((df - i) / 2.0) for i in range(dd)
    )
    return (
        df / 2.0 * logdetP
        - df * dd / 2.0 * jnp.log(2.0)
        - lmgamma
        - (df + dd + 1) / 2.0 * logdetS
        - 0.5 * tr
    )


def sigma_prior_factor(a, c, g, df=IW_DF):
    """Adds log IW(L L' | df, I) + log Jacobian of (a, c, g) -> Sigma; returns Sigma."""
    L = chol2(a, c, g)
    Sigma = L @ L.T
    logjac = jnp.log(4.0) + 3.0 * a + 2.0 * g
    numpyro.factor("Sigma_prior", logpdf_iwishart(Sigma, df, jnp.eye(2)) + logjac)
    return L, Sigma


def _flat_coords():
    a = numpyro.sample("a", dist.ImproperUniform(dist.constraints.real, (), ()))
    c = numpyro.sample("c", dist.ImproperUniform(dist.constraints.real, (), ()))
    g = numpyro.sample("g", dist.ImproperUniform(dist.constraints.real, (), ()))
    return a, c, g


def model(d: dict):
    beta = numpyro.sample("beta", dist.Normal(0.0, B_SD).expand([3]).to_event(1))
    s2 = numpyro.sample("sigma2", dist.InverseGamma(IG_SHAPE, IG_SCALE))
    a, c, g = _flat_coords()
    L, Sigma = sigma_prior_factor(a, c, g)
    numpyro.deterministic("Sigma", Sigma)
    numpyro.factor("loglik", marginal_loglik(d, beta, L, s2))


def prior_model(df: float):
    a, c, g = _flat_coords()
    _, Sigma = sigma_prior_factor(a, c, g, df)
    numpyro.deterministic("Sigma", Sigma)


# ---------------------------------------------------------------------------------------------
# checks


def check_likelihood(d: dict) -> dict:
    rng = np.random.default_rng(1)
    worst = 0.0
    for _ in range(3):
        beta = rng.normal([2.0, -4.0, 49.0], [1.0, 2.0, 2.0])
        L = np.array([[rng.uniform(3, 10), 0.0], [rng.normal(-3, 1), rng.uniform(1, 4)]])
        s2 = rng.uniform(40, 70)
        fast = float(marginal_loglik(d, jnp.asarray(beta), jnp.asarray(L), s2))
        slow = dense_loglik(d, beta, L @ L.T, s2)
        worst = max(worst, abs(fast - slow))

    f = jax.jit(lambda t: -marginal_loglik(d, t[:3], chol2(t[3], t[4], t[5]), jnp.exp(t[6])))
    grad = jax.jit(
        jax.grad(lambda t: -marginal_loglik(d, t[:3], chol2(t[3], t[4], t[5]), jnp.exp(t[6])))
    )
    t0 = np.array([2.0, -4.0, 49.0, np.log(7.0), -3.0, np.log(3.0), np.log(55.0)])
    opt = optimize.minimize(
        lambda t: float(f(t)),
        t0,
        jac=lambda t: np.asarray(grad(t)),
        method="BFGS",
        options={"gtol": 1e-8},
    )
    ml = -float(opt.fun)
    return {
        "max_abs_diff_vs_dense_mvn": worst,
        "ml_loglik": ml,
        "mixed_ml_loglik": MIXED_ML_LL,
        "ok": bool(worst < 1e-6 and abs(ml - MIXED_ML_LL) < 1e-3),
    }


def check_prior_densities() -> dict:
    rng = np.random.default_rng(2)
    worst_iw = 0.0
    for df in (3.0, 6.0):
        for S in stats.invwishart(df, np.eye(2)).rvs(size=20, random_state=rng):
            ours = float(logpdf_iwishart(jnp.asarray(S), df, jnp.eye(2)))
            ref = float(stats.invwishart(df, np.eye(2)).logpdf(S))
            worst_iw = max(worst_iw, abs(ours - ref))

    # the log Jacobian of (a, c, g) -> (Sigma_11, Sigma_21, Sigma_22), by automatic
    # differentiation, against the closed form log 4 + 3a + 2g
    def vech(t):
        S = chol2(t[0], t[1], t[2]) @ chol2(t[0], t[1], t[2]).T
        return jnp.array([S[0, 0], S[1, 0], S[1, 1]])

    worst_jac = 0.0
    for t in rng.normal(0.0, 1.0, size=(20, 3)):
        ad = float(jnp.linalg.slogdet(jax.jacfwd(vech)(jnp.asarray(t)))[1])
        worst_jac = max(worst_jac, abs(ad - (np.log(4.0) + 3.0 * t[0] + 2.0 * t[2])))
    xs = np.array([0.05, 0.4, 1.0, 2.3, 7.5, 55.0])
    ig = np.asarray(dist.InverseGamma(IG_SHAPE, IG_SCALE).log_prob(jnp.asarray(xs)))
    worst_ig = float(np.max(np.abs(ig - stats.invgamma(IG_SHAPE, scale=IG_SCALE).logpdf(xs))))
    bn = np.asarray(dist.Normal(0.0, B_SD).log_prob(jnp.asarray(xs)))
    worst_n = float(np.max(np.abs(bn - stats.norm(0, np.sqrt(10000.0)).logpdf(xs))))
    return {
        "iwishart_max_abs_diff_vs_scipy": worst_iw,
        "igamma_max_abs_diff_vs_scipy": worst_ig,
        "normal_max_abs_diff_vs_scipy": worst_n,
        "log_jacobian_max_abs_diff_vs_autodiff": worst_jac,
        "ok": bool(worst_iw < 1e-10 and worst_ig < 1e-10 and worst_n < 1e-10 and worst_jac < 1e-10),
    }


def check_prior_sampling(seed: int = 3) -> dict:
    """NUTS on the Sigma prior alone through the (a, c, g) coordinates and their Jacobian."""
    out = {}
    ok = True
    probs = [0.1, 0.25, 0.5, 0.75, 0.9]
    for df in (6.0, 3.0):
        mc = MCMC(
            NUTS(prior_model, target_accept_prob=0.95),
            num_warmup=2000,
            num_samples=50000,
            num_chains=1,
            progress_bar=False,
        )
        mc.run(jax.random.PRNGKey(seed), df)
        S = np.asarray(mc.get_samples()["Sigma"])
        ref = stats.invwishart(df, np.eye(2)).rvs(size=400000, random_state=seed)
        el = {"11": (0, 0), "21": (1, 0), "22": (1, 1)}
        rec = {"divergences": int(np.asarray(mc.get_extra_fields()["diverging"]).sum())}
        # quantiles in units of the sampling error of a 50,000-draw quantile (rough: ESS/draws
        # of NUTS here is near 1, so the binomial SE of the CDF at the quantile is a fair guide)
        zmax = 0.0
        for k, (i, j) in el.items():
            qs_nuts = np.quantile(S[:, i, j], probs)
            cdf_ref = np.array([np.mean(ref[:, i, j] <= q) for q in qs_nuts])
            z = (cdf_ref - np.array(probs)) / np.sqrt(
                np.array(probs) * (1 - np.array(probs)) / len(S)
            )
            zmax = max(zmax, float(np.max(np.abs(z))))
            rec[f"Sigma_{k}_quantiles_nuts"] = [round(float(v), 5) for v in qs_nuts]
            rec[f"Sigma_{k}_quantiles_scipy"] = [
                round(float(v), 5) for v in np.quantile(ref[:, i, j], probs)
            ]
        rec["max_abs_z_of_ref_cdf_at_nuts_quantiles"] = zmax
        if df == 6.0:
            m = S.mean(axis=0)
            rec["E_Sigma_nuts"] = m.round(4).tolist()
            rec["E_Sigma_theory"] = (np.eye(2) / (df - 2 - 1)).tolist()
            ok &= bool(np.max(np.abs(m - np.eye(2) / 3)) < 0.02)
        ok &= zmax < 6.0  # loose: NUTS draws are autocorrelated
        out[f"iwishart_df{int(df)}"] = rec
    out["ok"] = bool(ok)
    return out


# ---------------------------------------------------------------------------------------------
# the run


def summarize(draws: np.ndarray) -> dict:
    """draws (chains, draws, 7) -> ArviZ's summary numbers per parameter."""
    import arviz as az

    # ArviZ 0.23's numba path of mcse(method="sd") calls float() on a 1-element array, which
    # numpy 2.4 refuses; the pure-numpy path computes the same numbers.
    az.Numba.disable_numba()
    res = {}
    for k, name in enumerate(NAMES):
        x = draws[:, :, k]
        res[name] = {
            "mean": float(x.mean()),
            "sd": float(x.reshape(-1).std(ddof=1)),
            "mcse_mean": float(az.mcse(x, method="mean")),
            "mcse_sd": float(az.mcse(x, method="sd")),
            "ess_bulk": float(az.ess(x, method="bulk")),
            "ess_tail": float(az.ess(x, method="tail")),
            "r_hat": float(az.rhat(x)),
            "q2.5": float(np.quantile(x, 0.025)),
            "median": float(np.median(x)),
            "q97.5": float(np.quantile(x, 0.975)),
        }
    return res


def to_stata_order(samples: dict) -> np.ndarray:
    b = np.asarray(samples["beta"])
    S = np.asarray(samples["Sigma"])
    s2 = np.asarray(samples["sigma2"])
    return np.stack(
        [b[..., 0], b[..., 1], b[..., 2], S[..., 0, 0], S[..., 1, 0], S[..., 1, 1], s2], axis=-1
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="checks and 4 x 2,000 draws; no file")
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=5000)
    ap.add_argument("--draws", type=int, default=400000)
    ap.add_argument("--seed", type=int, default=4242)
    ap.add_argument("--target-accept", type=float, default=0.9)
    ap.add_argument("--out", type=Path, default=OUT, help="where the JSON goes")
    args = ap.parse_args()
    if args.quick:
        args.warmup, args.draws = 1000, 2000

    t_start = time.perf_counter()
    d = load()
    checks = {"likelihood": check_likelihood(d), "prior_densities": check_prior_densities()}
    print(json.dumps(checks, indent=1))
    if not args.quick:
        checks["prior_sampling"] = check_prior_sampling()
        print(json.dumps(checks["prior_sampling"], indent=1))
    if not all(c["ok"] for c in checks.values()):
        sys.exit("a check failed; no reference written")
    t_checks = time.perf_counter() - t_start

    kernel = NUTS(model, target_accept_prob=args.target_accept)
    mc = MCMC(
        kernel,
        num_warmup=args.warmup,
        num_samples=args.draws,
        num_chains=args.chains,
        chain_method="parallel",
        progress_bar=False,
    )
    t0 = time.perf_counter()
    mc.run(jax.random.PRNGKey(args.seed), d, extra_fields=("diverging", "num_steps"))
    samples = mc.get_samples(group_by_chain=True)
    jax.block_until_ready(samples)
    t_run = time.perf_counter() - t0
    extra = mc.get_extra_fields(group_by_chain=True)
    divergences = int(np.asarray(extra["diverging"]).sum())
    steps = np.asarray(extra["num_steps"])
    draws = to_stata_order(samples)
    summ = summarize(draws)

    print(
        f"\nNUTS: {args.chains} chains x {args.draws:,} draws after {args.warmup:,} warm-up, "
        f"{t_run:.1f} s, divergences {divergences}, mean leapfrog steps {steps.mean():.2f}"
    )
    print("| parameter | mean | sd | mcse(mean) | mcse(sd) | ess_bulk | r_hat |")
    print("|---|---|---|---|---|---|---|")
    for name, r in summ.items():
        print(
            f"| {name} | {r['mean']:.5f} | {r['sd']:.5f} | {r['mcse_mean']:.5f} "
            f"| {r['mcse_sd']:.5f} | {r['ess_bulk']:,.0f} | {r['r_hat']:.5f} |"
        )
    if args.quick:
        return

    import arviz as az

    out = {
        "model": "bayes: mixed math homework i.schtype || schid: homework, "
        "covariance(unstructured) -- Stata's default priors",
        "priors": {
            "b": "normal(0, 10000) each",
            "sigma2": "igamma(0.01, 0.01)",
            "Sigma": "iwishart(df 3, scale I(2))",
        },
        "parameterisation": "random effects integrated out (Woodbury); Sigma = L L', "
        "L11 = exp(a), L21 = c, L22 = exp(g), flat on (a, c, g) plus "
        "log IW(LL') + log 4 + 3a + 2g; sigma2 via numpyro InverseGamma",
        "settings": {
            "sampler": "numpyro NUTS",
            "chains": args.chains,
            "warmup": args.warmup,
            "draws_per_chain": args.draws,
            "target_accept_prob": args.target_accept,
            "seed": args.seed,
            "chain_method": "parallel (4 XLA host devices on 2 cores)",
            "float64": True,
        },
        "command": "/work/bench-venv/bin/python bench/nuts_reference.py",
        "divergences": divergences,
        "mean_leapfrog_steps": float(steps.mean()),
        "run_time_s": round(t_run, 1),
        "checks_time_s": round(t_checks, 1),
        "checks": checks,
        "versions": {
            "python": platform.python_version(),
            "numpyro": numpyro.__version__,
            "jax": jax.__version__,
            "arviz": az.__version__,
            "numpy": np.__version__,
            "scipy": sys.modules["scipy"].__version__,
        },
        "date": _dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "names": NAMES,
        "posterior": summ,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
