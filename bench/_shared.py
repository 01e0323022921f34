"""Pieces the benchmark scripts share (they run from the bench venv, as ``python bench/x.py``,
which puts this folder on ``sys.path``).

* :func:`posterior_summary`: a NUTS reference run's mean, SD, median, MCSEs (ArviZ), bulk ESS
  and R-hat of each parameter, the numbers ``tests/statistical`` hold our sampler to.
* :func:`speed_table`: each tool of a speed benchmark in fresh processes, the median run, and
  the markdown table written to ``bench/results``.
"""

from __future__ import annotations

import datetime as _dt
import json
import platform
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _f(v) -> float:
    return float(np.asarray(v).reshape(-1)[0])


def posterior_summary(name: str, cols: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Per parameter (draws as chains x draws): mean, SD, median, the MCSEs of the mean and
    the SD, bulk ESS and R-hat; printed, one line each, under ``name``."""
    import arviz as az

    az.Numba.disable_numba()
    out = {}
    for k, x in cols.items():
        out[k] = {
            "mean": float(x.mean()),
            "sd": float(x.std()),
            "median": float(np.median(x)),
            "mcse_mean": _f(az.mcse(x, method="mean")),
            "mcse_sd": _f(az.mcse(x, method="sd")),
            "ess_bulk": _f(az.ess(x, method="bulk")),
            "rhat": _f(az.rhat(x)),
        }
    for k, v in out.items():
        print(f"{name} {k:>15} mean {v['mean']:9.4f} sd {v['sd']:8.4f} mcse {v['mcse_mean']:.4f}")
    return out


def _run(common: str, code: str) -> dict:
    cfg = {"root": str(ROOT)}
    p = subprocess.run(
        [sys.executable, "-c", common + code, json.dumps(cfg)], capture_output=True, text=True
    )
    if p.returncode != 0:
        return {"error": p.stderr[-2000:]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def speed_table(
    common: str, tools: dict[str, str], title: str, script: str, out: Path, *, warm: bool
) -> None:
    """Run every tool's code (after ``common``; it prints ``{"wall": s, "ess": n}``) three
    times in fresh processes, once more first and uncounted with ``warm``; write the median
    run's wall time, minimum ESS and ESS per second, relative to bayes_magic's, to ``out``."""
    rows = []
    base = None
    for tool, code in tools.items():
        if warm:
            _run(common, code)  # warms the on-disk caches (numba, JAX, PyTensor); not counted
        runs = [_run(common, code) for _ in range(3)]
        print(tool, runs, flush=True)
        ok = [r for r in runs if "error" not in r]
        if not ok:
            rows.append((tool, None, None, None, None))
            continue
        rates = [r["ess"] / r["wall"] for r in ok]
        med = ok[rates.index(statistics.median_low(rates))]
        rate = med["ess"] / med["wall"]
        base = rate if tool == "bayes_magic" else base
        rows.append((tool, med["wall"], med["ess"], rate, base / rate if base else None))
    lines = [
        f"# {title}",
        "",
        f"`{sys.executable} bench/{script}`, {_dt.date.today().isoformat()}, "
        f"Python {platform.python_version()} (bench/{script} says how).",
        "",
        "| tool | wall (s) | min bulk ESS | min ESS/s | bayes_magic is |",
        "|---|---|---|---|---|",
    ]
    for tool, wall, ess, rate, ratio in rows:
        if wall is None:
            lines.append(f"| {tool} | failed | | | |")
            continue
        rel = "1x" if tool == "bayes_magic" else f"{ratio:.1f}x faster"
        lines.append(f"| {tool} | {wall:.2f} | {ess:,.0f} | {rate:,.0f} | {rel} |")
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
