"""What the group-level shift step buys: ESS with and without it.

    /work/venv/bin/python bench/shift_ess.py      # writes bench/results/shift_ess.md

``bayes, rseed(1): mepoisson count zBase Trt zAge || patient:`` on the bundled epilepsy data
(every covariate patient-level) and ``bayes, rseed(1): melogit c_use urban age d_illit ||
district:`` on Bangladesh (d_illit district-level), 10,000 draws each, once as shipped and once
with the shift steps limited to the random effects' own variables (``_cons`` with ``U0``), the
kernel before the group-level shifts. Stata's ESS (``bayesstats ess``) of every coefficient and
the variance.
"""

from __future__ import annotations

import datetime as _dt
import sys
from pathlib import Path

import bayes_magic.sampler.glmm_driver as GD
from bayes_magic.diagnostics.mcmc import ess_stata
from bayes_magic.session import Session

OUT = Path(__file__).resolve().parent / "results" / "shift_ess.md"
MODELS = {
    "epilepsy": ("use epilepsy", "mepoisson count zBase Trt zAge || patient:"),
    "bangladesh": ("use bangladesh", "melogit c_use urban age d_illit || district:"),
}
_ORIGINAL = GD._shift_pairs


def _own_variables_only(bm, d):
    pairs, mult = _ORIGINAL(bm, d)
    keep = [
        r
        for r in range(len(pairs))
        if bm.levels[pairs[r, 0]].effects[pairs[r, 1]] == d.xnames[pairs[r, 2]]
    ]
    return pairs[keep], mult[keep]


def run(use: str, cmd: str, shift_all: bool) -> dict[str, float]:
    GD._shift_pairs = _ORIGINAL if shift_all else _own_variables_only
    s = Session()
    s.execute(use)
    r = s.execute(f"quietly bayes, rseed(1): {cmd}")
    assert r.error is None, r.error.render()
    post = s.e
    return {n: ess_stata(post.draws[:, :, j])[0] for j, n in enumerate(post.names)}


def main() -> None:
    lines = [
        "# ESS with and without the group-level shift steps",
        "",
        f"`{sys.executable} bench/shift_ess.py`, {_dt.date.today().isoformat()} "
        "(bench/shift_ess.py says how). ESS of 10,000 draws.",
        "",
        "| model | parameter | without | with |",
        "|---|---|---|---|",
    ]
    for model, (use, cmd) in MODELS.items():
        before = run(use, cmd, False)
        after = run(use, cmd, True)
        for name in before:
            lines.append(f"| {model} | {name} | {before[name]:,.0f} | {after[name]:,.0f} |")
        lo_b, lo_a = min(before.values()), min(after.values())
        lines.append(f"| {model} | **minimum** | **{lo_b:,.0f}** | **{lo_a:,.0f}** |")
        print(model, "min ESS", round(lo_b), "->", round(lo_a), flush=True)
    GD._shift_pairs = _ORIGINAL
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
