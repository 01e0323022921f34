"""Stata's ESS rule ([BAYES] bayesstats ess): 1 + 2 Σρ_k summed until |ρ_k| < corrtol, checked
against an AR(1) chain's closed form, and the cap on short or antithetic chains."""

from __future__ import annotations

import math

import numpy as np

from bayes_magic.diagnostics.mcmc import ess_stata


def _ar1(phi: float, T: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    e = rng.standard_normal(T)
    x = np.empty(T)
    x[0] = e[0] / math.sqrt(1 - phi * phi)
    for t in range(1, T):
        x[t] = phi * x[t - 1] + e[t]
    return x


def test_ar1_correlation_time_matches_the_truncated_closed_form() -> None:
    phi, T = 0.5, 200_000
    # ρ_k = φ^k; Stata stops at the first k with φ^k < .01 (k = 7): τ = 1 + 2 Σ_{k<7} φ^k
    expected = 1 + 2 * sum(phi**k for k in range(1, 7))
    _ess, tau, eff = ess_stata(_ar1(phi, T, 1))
    # τ̂'s standard error is about τ sqrt(2(2K + 1)/T) (Bartlett) with K = 6: 4 of them allowed
    se = expected * math.sqrt(2 * 13 / T)
    assert abs(tau - expected) < 4 * se
    assert eff == 1 / tau


def test_constant_and_independent_chains() -> None:
    assert ess_stata(np.full(100, 3.0))[0] == 100
    x = np.random.default_rng(2).standard_normal(10_000)
    ess = ess_stata(x)[0]
    assert 9_000 < ess <= 10_000 * math.log10(10_000)


def test_antithetic_chain_is_capped_at_t_log10_t() -> None:
    # AR(1) with φ = -.9: 1 + 2 Σ(-.9)^k ≈ .05, an ESS of 19 T without the cap
    T = 1_000
    ess, tau, _ = ess_stata(_ar1(-0.9, T, 3))
    assert ess == T * math.log10(T) and tau == 1 / math.log10(T)
