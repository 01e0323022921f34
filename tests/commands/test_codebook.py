"""``codebook`` ([D] codebook): range, units, unique values, missing count, mean, standard
deviation, Stata's percentiles and tabulations against numpy; strings; ``compact``."""

from __future__ import annotations

import numpy as np

from bayes_magic.session import Session
from tests.commands.test_graphs import stata_pctile
from tests.conftest import col, fails, run


def test_continuous_and_categorical() -> None:
    s = Session()
    run(s, "use exam\nreplace student = . in 1/3")
    out = run(s, "codebook student schgend")
    x = col(s, "student")
    ok = x[~np.isnan(x)]
    assert f"Range: [{ok.min():.0f},{ok.max():.0f}]" in out and "Units: 1" in out
    assert f"Unique values: {len(np.unique(ok)):,}" in out and "Missing .: 3/4,059" in out
    pcts = [stata_pctile(ok, q) for q in (10, 25, 50, 75, 90)]
    row = next(ln for ln in out.splitlines() if ln.strip().startswith(f"{pcts[0]:g}"))
    assert [float(t) for t in row.split()] == pcts
    lines = out.splitlines()
    colon = lambda ln: ln.index(":")  # noqa: E731
    units = next(ln for ln in lines if "Units:" in ln)
    assert units.rindex(":") == 59 and colon(units) == 22
    assert '"girls"' in out and "Tabulation: Freq.  Value" in out


def test_labels_compact_and_bad_input() -> None:
    s = Session()
    run(s, "use math\nlabel define st 0 Private 1 Public\nlabel values schtype st")
    out = run(s, "codebook schtype")
    n0 = int((col(s, "schtype") == 0).sum())
    assert "Tabulation: Freq.   Numeric  Label" in out and f"{n0:>5}         0  Private" in out
    out = run(s, "codebook, compact")
    assert out.splitlines()[0].startswith("Variable") and "math" in out
    assert fails(s, "codebook, problems")[1] == 198
