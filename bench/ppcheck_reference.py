"""The talk's posterior predictive check under a sampler nobody here wrote.

    /work/bench-venv/bin/python bench/ppcheck_reference.py      # bench/reference/talk_ppcheck.json

The talk checks its Gibbs ``bayesmh`` model (the same posterior as ``bayes: mixed math homework
i.schtype || schid: homework, covariance(unstructured)`` with Stata's default priors) with

    bayespredict {_ysim}, saving(prdata)
    bayesstats ppvalues (@max({_resid})) using prdata

whose statistic is T(y) = max_i (y_i - mu_i), mu_i = x_i'b + z_i'u_j, averaged over the posterior:
E(T_obs) = E[max_i (y_i - mu_i) | y], and P(T>=T_obs) = P(max_i (y_rep_i - mu_i) >= T_obs | y).

Here the posterior is NumPyro NUTS on (b, Sigma, sigma2) with the random effects integrated out,
the model and checks of ``nuts_reference.py``, and each school's random effects are then drawn
from their exact conditional posterior,

    u_j | b, Sigma, sigma2, y ~ N(m_j, P_j^-1),  P_j = Sigma^-1 + Z_j'Z_j / sigma2,
                                                 m_j = P_j^-1 Z_j'(y_j - X_j b) / sigma2,

so (b, Sigma, sigma2, u) is a draw from the joint posterior. y_rep = mu + N(0, sigma2) noise.
The script also reports E(T_obs) when the random effects are left out of mu, and when b and u
come from different draws (u paired with the b of another draw), the two readings of ``{_resid}``
we could not rule out for the talk's figure, and, from a Gibbs sampler laid out as the talk's
blocks (as slow to mix as Stata's), E(T_obs) when b of one draw meets u of the next.
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

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")  # before jax
sys.path.insert(0, str(Path(__file__).resolve().parent))

import arviz as az
import jax
import numpy as np
import numpyro
import nuts_reference as ref
from numpyro.infer import MCMC, NUTS

OUT = ref.ROOT / "bench" / "reference" / "talk_ppcheck.json"
# the talk's figures (../shared/reference/math.md)
TALK = {"T_mean": 22.35586, "T_sd": 2.773591, "E_T_obs": 21.27055, "P": 0.6135}


def random_effects(d: dict, b: np.ndarray, S: np.ndarray, s2: np.ndarray, rng) -> np.ndarray:
    """Exact conditional draws of u (draws, G, 2) given (b, Sigma, sigma2) per draw."""
    Sinv = np.linalg.inv(S)  # (D, 2, 2)
    P = Sinv[:, None] + d["ZtZ"][None] / s2[:, None, None, None]  # (D, G, 2, 2)
    Ztr = d["Zty"][None] - np.einsum("gak,dk->dga", d["ZtX"], b)  # (D, G, 2)
    C = np.linalg.inv(P)
    m = np.einsum("dgab,dgb->dga", C, Ztr) / s2[:, None, None]
    L = np.linalg.cholesky(C)
    return m + np.einsum("dgab,dgb->dga", L, rng.standard_normal(m.shape))


def statistics(d: dict, draws: np.ndarray, rng, chunk: int = 5000) -> dict[str, np.ndarray]:
    """Per draw: T_obs (joint draws), T_rep, and T_obs without u and with u of another draw."""
    b, S, s2 = draws[:, :3], np.empty((len(draws), 2, 2)), draws[:, 6]
    S[:, 0, 0], S[:, 1, 1] = draws[:, 3], draws[:, 5]
    S[:, 1, 0] = S[:, 0, 1] = draws[:, 4]
    y, X, Z, g = d["y"], d["X"], d["Z"], d["g"]
    shuffle = rng.permutation(len(draws))
    out = {k: np.empty(len(draws)) for k in ("T_obs", "T_rep", "T_obs_no_u", "T_obs_u_unpaired")}
    u_all = np.empty((len(draws), d["G"], 2))
    for lo in range(0, len(draws), chunk):
        sl = slice(lo, lo + chunk)
        u_all[sl] = random_effects(d, b[sl], S[sl], s2[sl], rng)
    for lo in range(0, len(draws), chunk):
        sl = slice(lo, lo + chunk)
        xb = b[sl] @ X.T  # (D, n)
        zu = np.einsum("dna,na->dn", u_all[sl][:, g], Z)
        mu = xb + zu
        out["T_obs"][sl] = (y - mu).max(axis=1)
        noise = rng.standard_normal(mu.shape) * np.sqrt(s2[sl])[:, None]
        out["T_rep"][sl] = noise.max(axis=1)  # max(y_rep - mu)
        out["T_obs_no_u"][sl] = (y - xb).max(axis=1)
        zu_other = np.einsum("dna,na->dn", u_all[shuffle[sl]][:, g], Z)
        out["T_obs_u_unpaired"][sl] = (y - xb - zu_other).max(axis=1)
    return out


def stata_like_gibbs(d: dict, seed: int, burn: int = 2500, n_draws: int = 10000):
    """Gibbs with the talk's blocks, in Stata's order: b | rest (normal); then, split, U0_j and
    U1_j | rest (univariate normals, each given the other through the MVN prior); sigma2 | rest
    (inverse gamma); Sigma | u (inverse Wishart). Keeps (b, u) of each iteration."""
    from scipy import stats

    rng = np.random.default_rng(seed)
    y, X, Z, g, G, n = d["y"], d["X"], d["Z"], d["g"], d["G"], d["n"]
    b, u, s2, S = np.array([2.0, -4.0, 49.0]), np.zeros((G, 2)), 50.0, 10.0 * np.eye(2)
    keep_b, keep_u = np.empty((n_draws, 3)), np.empty((n_draws, G, 2))
    for it in range(burn + n_draws):
        r = y - (u[g] * Z).sum(axis=1)
        C = np.linalg.inv(d["XtX"] / s2 + np.eye(3) / ref.B_SD**2)
        b = C @ (X.T @ r / s2) + np.linalg.cholesky(C) @ rng.standard_normal(3)
        Si, e = np.linalg.inv(S), y - X @ b
        for k in (0, 1):
            o = 1 - k
            rk = e - u[g, o] * Z[:, o]
            prec = Si[k, k] + np.bincount(g, Z[:, k] ** 2, G) / s2
            mean = (-Si[k, o] * u[:, o] + np.bincount(g, Z[:, k] * rk, G) / s2) / prec
            u[:, k] = mean + rng.standard_normal(G) / np.sqrt(prec)
        res = e - (u[g] * Z).sum(axis=1)
        s2 = 1.0 / rng.gamma(ref.IG_SHAPE + n / 2, 1.0 / (ref.IG_SCALE + res @ res / 2))
        S = stats.invwishart.rvs(ref.IW_DF + G, np.eye(2) + u.T @ u, random_state=rng)
        if it >= burn:
            keep_b[it - burn], keep_u[it - burn] = b, u
    return keep_b, keep_u


def gibbs_pairing(d: dict, seeds=(317, 318, 319)) -> dict:
    """E(T_obs) from the Stata-like Gibbs sampler with b_t paired with u_{t+lag}."""
    y, X, Z, g = d["y"], d["X"], d["Z"], d["g"]
    out = {}
    for seed in seeds:
        B, U = stata_like_gibbs(d, seed)
        row = {"ess_homework": float(az.ess(B[None, :, 0], method="bulk"))}
        for lag in (0, 1):
            j = np.minimum(np.arange(len(B)) + lag, len(B) - 1)
            mu = B @ X.T + (U[j][:, g] * Z).sum(axis=2)
            t = (y - mu).max(axis=1)
            row[f"E_T_obs_lag{lag}"] = float(t.mean())
            row[f"mcse_lag{lag}"] = float(az.mcse(t[None, :], method="mean"))
            # the talk's 21.27 from this run, in this run's MCSE
            row[f"talk_in_mcse_lag{lag}"] = (TALK["E_T_obs"] - float(t.mean())) / float(
                az.mcse(t[None, :], method="mean")
            )
        out[str(seed)] = row
    return out


def summary(x: np.ndarray, chains: int) -> dict:
    xc = x.reshape(chains, -1)
    return {
        "mean": float(x.mean()),
        "sd": float(x.std(ddof=1)),
        "mcse_mean": float(az.mcse(xc, method="mean")),
        "ess_bulk": float(az.ess(xc, method="bulk")),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=3000)
    ap.add_argument("--draws", type=int, default=50000)
    ap.add_argument("--seed", type=int, default=5151)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()

    az.Numba.disable_numba()  # see nuts_reference.summarize
    d = ref.load()
    check = ref.check_likelihood(d)
    if not check["ok"]:
        sys.exit("the marginal likelihood check failed; no reference written")

    mc = MCMC(
        NUTS(ref.model, target_accept_prob=0.9),
        num_warmup=args.warmup,
        num_samples=args.draws,
        num_chains=args.chains,
        chain_method="parallel",
        progress_bar=False,
    )
    t0 = time.perf_counter()
    mc.run(jax.random.PRNGKey(args.seed), d, extra_fields=("diverging",))
    samples = mc.get_samples(group_by_chain=True)
    draws = ref.to_stata_order(samples).reshape(-1, 7)  # chain-major
    divergences = int(np.asarray(mc.get_extra_fields()["diverging"]).sum())
    t_nuts = time.perf_counter() - t0

    rng = np.random.default_rng(args.seed)
    t1 = time.perf_counter()
    st = statistics(d, draws, rng)
    t_stats = time.perf_counter() - t1
    res = {k: summary(v, args.chains) for k, v in st.items()}
    p = (st["T_rep"] >= st["T_obs"]).astype(float)
    res["P(T>=T_obs)"] = summary(p, args.chains)
    for k, name in (("T_obs_no_u", "no_u"), ("T_obs_u_unpaired", "u_unpaired")):
        res[f"P(T>=T_obs_{name})"] = summary((st["T_rep"] >= st[k]).astype(float), args.chains)

    print(f"NUTS {args.chains} x {args.draws:,} draws, {divergences} divergences, {t_nuts:.0f} s")
    print("| statistic | mean | sd | MCSE | ESS |")
    print("|---|---|---|---|---|")
    for k, r in res.items():
        cells = f"{r['mean']:.4f} | {r['sd']:.4f} | {r['mcse_mean']:.4f} | {r['ess_bulk']:,.0f}"
        print(f"| {k} | {cells} |")
    print(f"the talk: {TALK}")
    gibbs = gibbs_pairing(d)
    print("Stata-like Gibbs, 2,500 + 10,000, b_t with u_t (lag 0) and with u_t+1 (lag 1):")
    for seed, row in gibbs.items():
        print(f"  seed {seed}: " + ", ".join(f"{k} {v:.3f}" for k, v in row.items()))

    out = {
        "what": "E[max_i(y_i - mu_i) | y] and P(max_i(y_rep_i - mu_i) >= max_i(y_i - mu_i) | y) "
        "for the talk's model, mu_i = x_i'b + z_i'u_j",
        "posterior": "numpyro NUTS on (b, Sigma, sigma2), random effects integrated out "
        "(nuts_reference.py's model); u drawn from its exact conditional per draw",
        "settings": {
            "chains": args.chains,
            "warmup": args.warmup,
            "draws_per_chain": args.draws,
            "seed": args.seed,
        },
        "command": "/work/bench-venv/bin/python bench/ppcheck_reference.py",
        "divergences": divergences,
        "likelihood_check": check,
        "run_time_s": {"nuts": round(t_nuts, 1), "statistics": round(t_stats, 1)},
        "versions": {
            "python": platform.python_version(),
            "numpyro": numpyro.__version__,
            "jax": jax.__version__,
            "arviz": az.__version__,
            "numpy": np.__version__,
        },
        "date": _dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "talk": TALK,
        "results": res,
        "stata_like_gibbs_pairing": gibbs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
