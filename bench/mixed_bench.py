"""Fit time and peak memory of ``mixed`` against statsmodels' MixedLM, side by side.

    python bench/mixed_bench.py            # all cases, prints a markdown table
    python bench/mixed_bench.py --quick    # the small data sets only

Each (case, tool) runs in a fresh subprocess: the time is the best of 20 fits (3 for the
simulated data) after one warm-up fit (data already in memory, design building included), the
memory is the process's peak resident set size above the interpreter's baseline after imports
and data loading.
Both tools fit the same model by ML with an unstructured 2x2 random intercept and slope
(sleepstudy, math, simulated) — statsmodels' default — and their log likelihoods are printed
so that it is plain they agree. Needs ``pip install statsmodels`` (not a test dependency).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap

CASES = {
    "math": dict(
        data="use math",
        stata="mixed math homework i.schtype || schid: homework, covariance(unstructured)",
        formula="math ~ homework + C(schtype)",
        group="schid",
        re="~homework",
    ),
    "sleepstudy": dict(
        data="use sleepstudy",
        stata="mixed Reaction Days || Subject: Days, covariance(unstructured)",
        formula="Reaction ~ Days",
        group="Subject",
        re="~Days",
    ),
    "sim200k": dict(
        data="simulate",
        stata="mixed y x || g: x, covariance(unstructured)",
        formula="y ~ x",
        group="g",
        re="~x",
    ),
}

SIMULATE = """
import numpy as np, pandas as pd
rng = np.random.default_rng(20261126)
G, per = case.get("groups", 2000), 100
g = np.repeat(np.arange(G), per)
x = rng.normal(size=G * per)
u = rng.multivariate_normal([0, 0], [[4.0, -0.6], [-0.6, 1.0]], size=G)
y = 1.0 + 0.5 * x + u[g, 0] + u[g, 1] * x + rng.normal(scale=2.0, size=G * per)
df = pd.DataFrame({"y": y, "x": x, "g": g})
"""

RUNNER = """
import json, resource, sys, time
import numpy as np, pandas as pd
case = json.loads(sys.argv[1]); tool = sys.argv[2]
if case["data"] == "simulate":
    exec(case["simulate"])
else:
    from bayes_magic.dataset.io import load_bundled
    df = load_bundled(case["data"].split()[1]).to_dataframe()
if tool == "bayes_magic":
    import bayes_magic.commands.mixed, bayes_magic.fit.mixed  # noqa: F401 (imports before baseline)
    from bayes_magic.session import Session
    s = Session(namespace={"df": df}); s.execute("use df")
    def fit():
        r = s.execute("quietly " + case["stata"])
        assert r.error is None, r.error
        return s.e.scalars["ll"]
else:
    import warnings
    import statsmodels.formula.api as smf
    import statsmodels.regression.mixed_linear_model  # noqa: F401
    warnings.simplefilter("ignore")
    def fit():
        m = smf.mixedlm(case["formula"], df, groups=df[case["group"]], re_formula=case["re"])
        return m.fit(reml=False).llf
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
ll = fit()
times = []
reps = 3 if case["data"] == "simulate" else 20
for _ in range(reps):
    t = time.perf_counter(); ll = fit(); times.append(time.perf_counter() - t)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"time": min(times), "ll": float(ll), "mem_mb": (peak - base) / 1024}))
"""


def run(case: dict, tool: str) -> dict:
    arg = json.dumps({**case, "simulate": SIMULATE})
    p = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(RUNNER), arg, tool],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if p.returncode:
        return {"error": p.stderr.strip().splitlines()[-1] if p.stderr else "failed"}
    return json.loads(p.stdout.strip().splitlines()[-1])


def scaling() -> None:
    """Time and memory of bayes_magic as the simulated data grow (100 obs per group)."""
    print("| n | groups | fit time (s) | peak memory above baseline (MB) | MB per 100k obs |")
    print("|---|---|---|---|---|")
    for groups in (500, 1000, 2000, 4000):
        r = run({**CASES["sim200k"], "groups": groups}, "bayes_magic")
        n = groups * 100
        print(
            f"| {n:,} | {groups:,} | {r['time']:.3f} | {r['mem_mb']:.1f} "
            f"| {r['mem_mb'] / n * 1e5:.1f} |"
        )
        sys.stdout.flush()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--scaling", action="store_true", help="memory and time against n")
    args = ap.parse_args()
    if args.scaling:
        scaling()
        return
    names = ["math", "sleepstudy"] + ([] if args.quick else ["sim200k"])
    print("| data | n | tool | fit time (s) | peak memory above baseline (MB) | log likelihood |")
    print("|---|---|---|---|---|---|")
    ns = {"math": 519, "sleepstudy": 180, "sim200k": 200000}
    for name in names:
        res = {}
        for tool in ("bayes_magic", "statsmodels"):
            r = run(CASES[name], tool)
            res[tool] = r
            if "error" in r:
                print(f"| {name} | {ns[name]:,} | {tool} | error: {r['error']} | | |")
                continue
            print(
                f"| {name} | {ns[name]:,} | {tool} | {r['time']:.4f} | {r['mem_mb']:.1f} "
                f"| {r['ll']:.4f} |"
            )
        if all("time" in r for r in res.values()):
            ratio = res["statsmodels"]["time"] / res["bayes_magic"]["time"]
            print(f"| {name} | | speed-up | {ratio:.1f}x | | |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
