"""Simulation-based calibration of ``bayes: mixed`` (Talts, Betancourt, Simpson, Vehtari and
Gelman 2018, *Validating Bayesian inference algorithms with simulation-based calibration*).

A small random-intercept model, y_gi = μ + u_g + e_gi with 6 groups of 5 observations, and proper
priors given through Stata's options (``normalprior(1) igammaprior(3 2)``): μ ~ N(0, 1),
var(u) ~ IG(3, 2), σ² ~ IG(3, 2). Each replication draws the parameters and the data from the
prior, fits the model, and records the rank of each true value among L = 99 thinned posterior
draws. If the sampler is right, every rank is uniform on 0..99; a χ² test over 10 bins checks it.

    python bench/sbc.py            # 400 replications, writes bench/results/sbc.md
    python bench/sbc.py --reps 100 # quicker
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from bayes_magic.dataset.dataset import Dataset
from bayes_magic.session import Session

G, NG, L, THIN = 6, 5, 99, 10
PARAMS = ["y:_cons", "U0:sigma2", "e.y:sigma2"]


def replicate(rng: np.random.Generator, seed: int) -> list[int]:
    mu = rng.normal(0.0, 1.0)
    tau2 = stats.invgamma.rvs(3.0, scale=2.0, random_state=rng)
    s2 = stats.invgamma.rvs(3.0, scale=2.0, random_state=rng)
    g = np.repeat(np.arange(1, G + 1), NG)
    u = rng.normal(0.0, np.sqrt(tau2), G)
    y = mu + u[g - 1] + rng.normal(0.0, np.sqrt(s2), G * NG)
    s = Session()
    s.data = Dataset.from_dataframe(pd.DataFrame({"y": y, "g": g}))
    res = s.execute(
        f"bayes, normalprior(1) igammaprior(3 2) rseed({seed}) burnin(500) "
        f"mcmcsize({L}) thinning({THIN}) nodots: mixed y || g:"
    )
    if res.error is not None:
        raise RuntimeError(res.error.render())
    truth = [mu, tau2, s2]
    return [int((s.e.chains_of(p).reshape(-1) < t).sum()) for p, t in zip(PARAMS, truth)]


def run(reps: int, seed: int = 20261126) -> tuple[np.ndarray, float]:
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    ranks = np.array([replicate(rng, 1000 + r) for r in range(reps)])
    return ranks, time.perf_counter() - t0


def uniformity(ranks: np.ndarray, bins: int = 10) -> list[tuple[np.ndarray, float]]:
    out = []
    for j in range(ranks.shape[1]):
        counts = np.bincount(ranks[:, j] * bins // (L + 1), minlength=bins)
        out.append((counts, float(stats.chisquare(counts).pvalue)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=400)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "sbc.md"))
    a = ap.parse_args()
    ranks, secs = run(a.reps)
    lines = [
        "# Simulation-based calibration of `bayes: mixed`",
        "",
        f"`python bench/sbc.py --reps {a.reps}`: {a.reps} replications, ranks among {L} draws "
        f"(thinning {THIN}), {secs:.0f} s.",
        "",
        "| parameter | counts in 10 rank bins | χ² p-value |",
        "|---|---|---|",
    ]
    for p, (counts, pv) in zip(PARAMS, uniformity(ranks)):
        lines.append(f"| `{{{p}}}` | {' '.join(str(c) for c in counts)} | {pv:.3f} |")
    text = "\n".join(lines) + "\n"
    Path(a.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
