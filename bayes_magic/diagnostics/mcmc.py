"""MCMC diagnostics as Stata computes them, and the rank-normalized ones ArviZ users expect.

Stata ([BAYES] bayesstats ess; notes in tests/reference/stata-methods.md):

* autocorrelations ρ_k = γ_k/γ_0 with γ_k = (1/T) Σ (θ_t − θ̄)(θ_{t+k} − θ̄);
* correlation time τ = 1 + 2 Σ_{k=1}^{K} ρ_k, where K is ``corrlag`` (default min(500, T/2))
  or the lag before the first one with |ρ_k| < ``corrtol`` (default 0.01), whichever comes
  first (so independent draws have τ = 1 and efficiency 1, as Stata prints for Gibbs draws);
* ESS = T/τ, efficiency = ESS/T = 1/τ; with several chains ESS is the sum over chains;
* MCSE = posterior SD / √ESS, or batch means with ``batch(#)``;
* the Gelman-Rubin Rc with Brooks and Gelman's (1998) degrees-of-freedom correction,
  Rc = √((d+3)/(d+1) · V̂/W), V̂ = (N−1)/N W + (M+1)/(MN) B, d = 2V̂²/Var̂(V̂) (Gelman & Rubin
  1992, as in R's ``coda::gelman.diag``).

Also: rank-normalized split-R̂ and bulk ESS (Vehtari, Gelman, Simpson, Carpenter and Bürkner
2021, *Rank-normalization, folding, and localization: an improved R̂*), and HPD intervals (the
shortest interval holding the credible mass, Chen and Shao 1999). Too-short chains give NaN.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "autocorr",
    "ess_stata",
    "mcse",
    "gelman_rubin",
    "split_rhat",
    "ess_bulk",
    "hpd",
    "quantile",
    "summary_row",
]


def autocorr(x: np.ndarray, maxlag: int) -> np.ndarray:
    """ρ_0..ρ_maxlag of one chain, with γ_k divided by T (as Stata does)."""
    x = np.asarray(x, dtype=float)
    T = len(x)
    d = x - x.mean()
    nfft = 1 << (2 * T - 1).bit_length()
    f = np.fft.rfft(d, nfft)
    acov = np.fft.irfft(f * np.conj(f), nfft)[: maxlag + 1] / T
    if acov[0] <= 0:
        out = np.full(maxlag + 1, np.nan)
        out[0] = 1.0
        return out
    return acov / acov[0]


def _tau(x: np.ndarray, corrlag: int | None, corrtol: float) -> float:
    T = len(x)
    if T < 4:
        return float("nan")
    lag = min(500, T // 2) if corrlag is None else min(corrlag, T // 2)
    rho = autocorr(x, lag)
    if np.isnan(rho[1:]).all():
        return float("nan")
    s = 0.0
    for k in range(1, lag + 1):
        if abs(rho[k]) < corrtol:
            break  # the lag that falls under the tolerance is not summed
        s += rho[k]
    # Stata's sum can reach 0 or below on short or antithetic chains (an ESS of many times T);
    # like Stan and ArviZ, keep the ESS at most T log10(T)
    return max(1.0 + 2.0 * s, 1.0 / max(math.log10(T), 1.0))


def ess_stata(
    chains: np.ndarray, corrlag: int | None = None, corrtol: float = 0.01
) -> tuple[float, float, float]:
    """(ESS, correlation time, efficiency) of draws ``chains[chain, draw]`` as Stata reports them.

    ESS is summed over chains; the correlation time is total draws / ESS.
    """
    chains = np.atleast_2d(np.asarray(chains, dtype=float))
    total = chains.size
    ess = 0.0
    for c in chains:
        if np.ptp(c) == 0:
            ess += len(c)
            continue
        tau = _tau(c, corrlag, corrtol)
        if not np.isfinite(tau):
            return float("nan"), float("nan"), float("nan")
        ess += len(c) / tau
    return ess, total / ess, ess / total


def mcse(chains: np.ndarray, ess: float | None = None, batch: int = 0) -> tuple[float, float]:
    """(mean, MCSE): with ``batch`` > 0, batch means (mean of batch means and their SE)."""
    x = np.asarray(chains, dtype=float)
    if batch > 0:
        flat = x.reshape(-1)
        m = len(flat) // batch
        means = flat[: m * batch].reshape(m, batch).mean(axis=1)
        se = float(means.std(ddof=1) / math.sqrt(m)) if m > 1 else float("nan")
        return float(means.mean()), se
    if ess is None:
        ess = ess_stata(x)[0]
    sd = float(x.reshape(-1).std(ddof=1))
    return float(x.mean()), sd / math.sqrt(ess) if ess and ess > 0 else float("nan")


def gelman_rubin_parts(chains: np.ndarray) -> dict[str, float]:
    """Stata's Gelman–Rubin quantities for draws ``chains[chain, draw]`` (Brooks and Gelman
    1998; [BAYES] bayesstats grubin, Stored results): ``B`` the between-chain variance
    N·var(chain means), ``W`` the mean within-chain variance, ``V`` the pooled variance
    (N−1)/N·W + (M+1)/(MN)·B, ``t_df`` the degrees of freedom d of V's t approximation, and
    ``Rc`` = sqrt((d+3)/(d+1)·V/W)."""
    x = np.asarray(chains, dtype=float)
    M, N = x.shape
    nan = float("nan")
    if M < 2 or N < 2:
        return {"Rc": nan, "B": nan, "W": nan, "V": nan, "t_df": nan}
    means = x.mean(axis=1)
    s2 = x.var(axis=1, ddof=1)
    W = float(s2.mean())
    B = float(N * means.var(ddof=1))
    V = (N - 1) / N * W + (M + 1) / (M * N) * B
    if W <= 0:
        return {"Rc": nan, "B": B, "W": W, "V": V, "t_df": nan}
    var_w = s2.var(ddof=1) / M
    var_b = 2.0 * B * B / (M - 1)
    cov_wb = (N / M) * (np.cov(s2, means**2)[0, 1] - 2.0 * means.mean() * np.cov(s2, means)[0, 1])
    var_v = (
        ((N - 1) / N) ** 2 * var_w
        + ((M + 1) / (M * N)) ** 2 * var_b
        + 2.0 * (M + 1) * (N - 1) / (M * N * N) * cov_wb
    )
    d = 2.0 * V * V / var_v if var_v > 0 else np.inf
    corr = (d + 3.0) / (d + 1.0) if np.isfinite(d) else 1.0
    return {"Rc": float(math.sqrt(corr * V / W)), "B": B, "W": W, "V": V, "t_df": float(d)}


def gelman_rubin(chains: np.ndarray) -> float:
    """Stata's Rc for draws ``chains[chain, draw]`` (at least two chains)."""
    return gelman_rubin_parts(chains)["Rc"]


def _ndtri(p: np.ndarray) -> np.ndarray:
    """The standard normal quantile, vectorized (Acklam's approximation, error < 1.2e-9)."""
    a = [
        -3.969683028665376e01,
        2.209460984245205e02,
        -2.759285104469687e02,
        1.383577518672690e02,
        -3.066479806614716e01,
        2.506628277459239e00,
    ]
    b = [
        -5.447609879822406e01,
        1.615858368580409e02,
        -1.556989798598866e02,
        6.680131188771972e01,
        -1.328068155288572e01,
    ]
    c = [
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e00,
        -2.549732539343734e00,
        4.374664141464968e00,
        2.938163982698783e00,
    ]
    d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00]
    p = np.asarray(p, dtype=float)
    out = np.empty_like(p)
    lo = p < 0.02425
    hi = p > 1 - 0.02425
    mid = ~(lo | hi)
    q = p[mid] - 0.5
    r = q * q
    out[mid] = (
        (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
        * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    )
    for mask, sign, pp in ((lo, 1.0, p[lo]), (hi, -1.0, 1 - p[hi])):
        qq = np.sqrt(-2 * np.log(pp))
        out[mask] = (
            sign
            * (((((c[0] * qq + c[1]) * qq + c[2]) * qq + c[3]) * qq + c[4]) * qq + c[5])
            / ((((d[0] * qq + d[1]) * qq + d[2]) * qq + d[3]) * qq + 1)
        )
    return out


def _rank_normalize(x: np.ndarray) -> np.ndarray:
    flat = x.reshape(-1)
    order = np.argsort(flat, kind="mergesort")
    ranks = np.empty(len(flat))
    ranks[order] = np.arange(1, len(flat) + 1)
    # average ranks of ties
    _, inv, counts = np.unique(flat, return_inverse=True, return_counts=True)
    if (counts > 1).any():
        sums = np.bincount(inv, weights=ranks)
        ranks = sums[inv] / counts[inv]
    return _ndtri((ranks - 0.375) / (len(flat) + 0.25)).reshape(x.shape)


def _split(x: np.ndarray) -> np.ndarray:
    _M, N = x.shape
    h = N // 2
    return np.concatenate([x[:, :h], x[:, N - h :]], axis=0)


def _rhat_basic(x: np.ndarray) -> float:
    _M, N = x.shape
    means = x.mean(axis=1)
    W = x.var(axis=1, ddof=1).mean()
    B = N * means.var(ddof=1)
    if W <= 0:
        return float("nan")
    return float(math.sqrt(((N - 1) / N * W + B / N) / W))


def split_rhat(chains: np.ndarray) -> float:
    """Rank-normalized split R̂ (max of the bulk and folded versions), Vehtari et al. 2021."""
    x = np.atleast_2d(np.asarray(chains, dtype=float))
    if x.shape[1] < 4:
        return float("nan")
    s = _split(x)
    bulk = _rhat_basic(_rank_normalize(s))
    folded = np.abs(s - np.median(s))
    tail = _rhat_basic(_rank_normalize(folded))
    return float(max(bulk, tail))


def _ess_geyer(x: np.ndarray) -> float:
    """ESS with Geyer's initial monotone sequence over chains (as Stan and ArviZ compute it)."""
    M, N = x.shape
    acov = np.stack([autocorr(c, N - 1) * c.var() for c in x])
    mean_var = acov[:, 0].mean() * N / (N - 1)
    var_plus = mean_var * (N - 1) / N + (x.mean(axis=1).var(ddof=1) if M > 1 else 0.0)
    if var_plus <= 0:
        return float("nan")
    rho = 1.0 - (mean_var - acov.mean(axis=0)) / var_plus
    rho[0] = 1.0
    t = 0
    pairs = []
    while t + 1 < N:
        pairs.append(rho[t] + rho[t + 1])
        if pairs[-1] < 0:
            pairs.pop()
            break
        t += 2
    for i in range(1, len(pairs)):
        pairs[i] = min(pairs[i], pairs[i - 1])
    tau = -1.0 + 2.0 * sum(pairs)
    tau = max(tau, 1.0 / math.log10(M * N))
    return float(M * N / tau)


def ess_bulk(chains: np.ndarray) -> float:
    """Bulk ESS on rank-normalized split chains (Vehtari et al. 2021)."""
    x = np.atleast_2d(np.asarray(chains, dtype=float))
    if x.shape[1] < 4:
        return float("nan")
    return _ess_geyer(_rank_normalize(_split(x)))


def quantile(x: np.ndarray, p: float) -> float:
    """Stata's percentile rule (as ``summarize`` and ``centile``): with P = T·p, the average of
    x_(P) and x_(P+1) when P is a whole number, else x_(⌈P⌉)."""
    xs = np.sort(np.asarray(x, dtype=float).reshape(-1))
    T = len(xs)
    P = T * p
    r = round(P)
    if abs(P - r) < 1e-9 and 1 <= r < T:
        return float((xs[r - 1] + xs[r]) / 2)
    k = min(max(math.ceil(P - 1e-9), 1), T)
    return float(xs[k - 1])


def hpd(x: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The shortest interval holding ⌈level·T⌉ of the sorted draws."""
    xs = np.sort(np.asarray(x, dtype=float).reshape(-1))
    T = len(xs)
    m = math.ceil(level * T)
    if m >= T:
        return float(xs[0]), float(xs[-1])
    widths = xs[m - 1 :] - xs[: T - m + 1]
    j = int(np.argmin(widths))
    return float(xs[j]), float(xs[j + m - 1])


def summary_row(
    chains: np.ndarray,
    *,
    level: float = 95.0,
    use_hpd: bool = False,
    batch: int = 0,
    corrlag: int | None = None,
    corrtol: float = 0.01,
) -> dict[str, float]:
    """Mean, Std. dev., MCSE, Median and the credible interval of one parameter."""
    x = np.atleast_2d(np.asarray(chains, dtype=float))
    flat = x.reshape(-1)
    ess, tau, eff = ess_stata(x, corrlag, corrtol)
    mean, se = mcse(x, ess, batch)
    if use_hpd:
        lo, hi = hpd(flat, level / 100)
    else:
        a = (1 - level / 100) / 2
        lo, hi = quantile(flat, a), quantile(flat, 1 - a)
    return {
        "mean": mean,
        "sd": float(flat.std(ddof=1)) if len(flat) > 1 else float("nan"),
        "mcse": se,
        "median": quantile(flat, 0.5),
        "lo": lo,
        "hi": hi,
        "ess": ess,
        "tau": tau,
        "eff": eff,
    }
