"""Simulation-based calibration of ``bayes: mixed`` (see ``bench/sbc.py``): the ranks of the true
parameters among posterior draws must be uniform. A χ² test over 10 bins at the 0.001 level per
parameter; with a correct sampler it fails about once in 330 runs of this test (3 parameters)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


def _sbc():
    path = Path(__file__).resolve().parents[2] / "bench" / "sbc.py"
    spec = importlib.util.spec_from_file_location("sbc", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
def test_random_intercept_ranks_are_uniform() -> None:
    sbc = _sbc()
    ranks, _ = sbc.run(300)
    for name, (counts, p) in zip(sbc.PARAMS, sbc.uniformity(ranks)):
        assert p > 1e-3, (name, counts, p)
