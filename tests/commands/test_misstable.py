"""``misstable summarize`` ([R] misstable): the counts of missing and nonmissing values, the
unique values, minimum and maximum, against pandas; only variables with missing values
unless ``all``; ``misstable patterns`` is refused honestly."""

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
    assert fails(s, "misstable patterns")[1] == 198
