"""``misstable summarize`` and ``misstable patterns`` ([R] misstable) against numpy counts:
missing and nonmissing values, unique values, minimum and maximum, only variables with
missing values unless ``all``; the patterns and their frequencies."""

from __future__ import annotations

import numpy as np

from bayes_magic.session import Session
from tests.conftest import col, fails, run


def test_summarize_counts() -> None:
    s = Session()
    run(s, "use math\nreplace math = . in 1/10\nreplace homework = . in 5/20")
    out = run(s, "misstable summarize")
    assert "homework |" in out and "math |" in out and "schid |" not in out
    x = col(s, "math")
    ok = x[~np.isnan(x)]
    assert s.r["N_eq_dot"] == 10 and s.r["N_lt_dot"] == len(ok)
    assert s.r["K_uniq"] == len(np.unique(ok))
    assert (s.r["min"], s.r["max"]) == (ok.min(), ok.max())
    lines = out.splitlines()
    assert all(len(ln) <= 79 for ln in lines)
    assert "schid |" in run(s, "misstable summarize, all")
    assert run(s, "misstable summarize schid").strip() == "(variables nonmissing or string)"
    assert fails(s, "misstable patterns, exok")[1] == 198


def test_patterns_against_pandas() -> None:
    s = Session()
    run(s, "use math\nreplace math = . in 1/10\nreplace homework = . in 5/20")
    out = run(s, "misstable patterns, frequency")
    m, h = np.isnan(col(s, "math")), np.isnan(col(s, "homework"))
    counts = {
        (1, 1): int((~m & ~h).sum()),
        (1, 0): int((~m & h).sum()),  # columns: math (fewer missing), then homework
        (0, 0): int((m & h).sum()),
        (0, 1): int((m & ~h).sum()),
    }
    assert s.r["N_complete"] == counts[(1, 1)] and s.r["K"] == 2
    lines = [ln for ln in out.splitlines() if ln.strip() and ln.strip()[0].isdigit()]
    got = {}
    for ln in lines:
        left, _, pat = ln.partition("|")
        if pat.strip():
            got[tuple(int(x) for x in pat.split())] = int(left.replace(",", ""))
    assert "(1) math  (2) homework" in out
    assert got == {(a, b): counts[(a, b)] for (a, b) in counts if counts[(a, b)]}
    pct = run(s, "misstable patterns")
    assert f"{round(100 * counts[(1, 1)] / 519):>11}%  |  1  1" in pct
