"""Random numbers inside compiled kernels, from an explicit state.

Each chain carries its own ``xoshiro256**`` state (Blackman & Vigna 2018, *Scrambled linear
pseudorandom number generators*), four uint64 words seeded from
``numpy.random.SeedSequence(rseed).spawn(nchains)``. Because the state is an argument and a result
of the kernels, not a global, a chain's draws are the same whether chains run one after another
or in parallel processes, and chain 1 of 3 equals a one-chain run (DESIGN.md, the rseed contract).

Normal deviates use the polar method (Marsaglia & Bray 1964); gamma deviates Marsaglia & Tsang
(2000), with the ``U^(1/a)`` boost for shapes below one.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

__all__ = ["seed_states", "next_u64", "uniform", "normal", "gamma", "chi2", "beta"]


def seed_states(rseed: int | None, nchains: int) -> np.ndarray:
    """One xoshiro256** state (4 uint64) per chain from ``rseed`` (None: fresh entropy)."""
    ss = np.random.SeedSequence(rseed)
    out = np.empty((nchains, 4), dtype=np.uint64)
    for c, child in enumerate(ss.spawn(nchains)):
        st = child.generate_state(4, dtype=np.uint64)
        if not st.any():  # the all-zero state is the one invalid state
            st[0] = np.uint64(1)
        out[c] = st
    return out


@njit(cache=True, inline="always")
def _rotl(x: np.uint64, k: int) -> np.uint64:
    return (x << uint64(k)) | (x >> uint64(64 - k))


@njit(cache=True)
def next_u64(s: np.ndarray) -> np.uint64:
    result = _rotl(s[1] * uint64(5), 7) * uint64(9)
    t = s[1] << uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


@njit(cache=True)
def uniform(s: np.ndarray) -> float:
    """A double in (0, 1): 53 random bits, never exactly 0."""
    return ((next_u64(s) >> uint64(11)) + 0.5) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def normal(s: np.ndarray) -> float:
    while True:
        u = 2.0 * uniform(s) - 1.0
        v = 2.0 * uniform(s) - 1.0
        r = u * u + v * v
        if 0.0 < r < 1.0:
            return u * np.sqrt(-2.0 * np.log(r) / r)


@njit(cache=True)
def gamma(s: np.ndarray, shape: float) -> float:
    """Gamma(shape, scale=1)."""
    if shape < 1.0:
        return _gamma_ge1(s, shape + 1.0) * uniform(s) ** (1.0 / shape)
    return _gamma_ge1(s, shape)


@njit(cache=True)
def _gamma_ge1(s: np.ndarray, shape: float) -> float:
    d = shape - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    while True:
        x = normal(s)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = uniform(s)
        if u < 1.0 - 0.0331 * x * x * x * x:
            return d * v
        if np.log(u) < 0.5 * x * x + d * (1.0 - v + np.log(v)):
            return d * v


@njit(cache=True)
def chi2(s: np.ndarray, df: float) -> float:
    return 2.0 * gamma(s, 0.5 * df)


@njit(cache=True)
def beta(s: np.ndarray, a: float, b: float) -> float:
    x = gamma(s, a)
    y = gamma(s, b)
    return x / (x + y)


@njit(cache=True)
def fill_normal(s: np.ndarray, out: np.ndarray) -> None:
    for i in range(out.shape[0]):
        out[i] = normal(s)


@njit(cache=True)
def draws(s: np.ndarray, kind: int, n: int, a: float, b: float) -> np.ndarray:
    """Many draws at once (for tests): 0 uniform, 1 normal, 2 gamma(a), 3 chi2(a), 4 beta(a, b)."""
    out = np.empty(n)
    for i in range(n):
        if kind == 0:
            out[i] = uniform(s)
        elif kind == 1:
            out[i] = normal(s)
        elif kind == 2:
            out[i] = gamma(s, a)
        elif kind == 3:
            out[i] = chi2(s, a)
        else:
            out[i] = beta(s, a, b)
    return out
