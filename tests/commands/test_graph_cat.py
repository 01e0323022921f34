"""``graph box``/``hbox`` ([G-2] graph box) and ``graph bar``/``hbar`` ([G-2] graph bar): what
is drawn against numpy and pandas (quartiles by summarize's definition, which is numpy's
``averaged_inverted_cdf``; adjacent and outside values by the 1.5 IQR rule; group statistics),
the options, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayes_magic.session import Session
from tests.conftest import col, fails, run


def _graph(s: Session, line: str):
    res = s.execute(line)
    assert res.error is None, res.error.render()
    fig = [o for o in res if hasattr(o, "data")][-1]
    return fig.data


def _math(s: Session) -> pd.DataFrame:
    run(s, "use math")
    return pd.DataFrame({v: col(s, v) for v in ("math", "homework", "schtype")})


def test_box_quartiles_whiskers_and_outside_values() -> None:
    s = Session()
    df = _math(s)
    d = _graph(s, "graph box math, over(homework)")
    boxes = d["boxes"]
    assert [b["group"][0] for b in boxes] == [f"{h:g}" for h in sorted(df.homework.unique())]
    for b, (_h, x) in zip(boxes, df.groupby("homework")["math"], strict=True):
        x = x.to_numpy()
        q = np.percentile(x, [25, 50, 75], method="averaged_inverted_cdf")
        assert (b["p25"], b["median"], b["p75"]) == pytest.approx(tuple(q))
        lo, hi = q[0] - 1.5 * (q[2] - q[0]), q[2] + 1.5 * (q[2] - q[0])
        assert b["lower_adjacent"] == x[x >= lo].min() and b["upper_adjacent"] == x[x <= hi].max()
        assert list(b["outside"]) == sorted(x[(x < lo) | (x > hi)])
    assert any(b["outside"].size for b in boxes)  # the data have outside values
    assert d["ytitle"] == ["Math score"] and d["legend"] == []


def test_box_two_variables_two_overs_and_relabel() -> None:
    s = Session()
    _math(s)
    d = _graph(s, 'graph hbox math homework, over(homework, relabel(1 "none")) over(schtype)')
    assert d["legend"] == ["Math score", "Time spent on math homework each week"]
    groups = {b["group"] for b in d["boxes"]}
    assert ("none", "Private") in groups and ("1", "Public") in groups
    assert fails(s, "graph box math, over(schid) over(schtype) over(homework)")[1] == 198


def test_bar_statistics_against_pandas() -> None:
    s = Session()
    df = _math(s)
    d = _graph(s, "graph bar math homework, over(schtype)")
    means = df.groupby("schtype")[["math", "homework"]].mean()
    got = {(b["group"][0], b["variable"]): b["height"] for b in d["bars"]}
    assert got[("Private", "math")] == pytest.approx(means.loc[0, "math"], rel=1e-12)
    assert got[("Public", "homework")] == pytest.approx(means.loc[1, "homework"], rel=1e-12)
    assert d["legend"] == ["mean of math", "mean of homework"]

    d = _graph(s, "graph bar (median) math (p90) homework, over(schtype)")
    got = {(b["stat"], b["group"][0]): b["height"] for b in d["bars"]}
    x = df.math[df.schtype == 1].to_numpy()
    assert got[("median", "Public")] == np.percentile(x, 50, method="averaged_inverted_cdf")
    h = df.homework[df.schtype == 0].to_numpy()
    assert got[("p90", "Private")] == np.percentile(h, 90, method="averaged_inverted_cdf")

    d = _graph(s, "graph bar (count), over(homework)")
    counts = df.homework.value_counts().sort_index()
    assert [b["height"] for b in d["bars"]] == list(counts.astype(float))
    assert d["ytitle"] == ["Frequency"]
    d = _graph(s, "graph hbar (percent), over(schtype)")
    share = 100 * df.schtype.value_counts(normalize=True).sort_index()
    assert [b["height"] for b in d["bars"]] == pytest.approx(list(share))


def test_bar_asyvars_stack_percentages_and_labels() -> None:
    s = Session()
    df = _math(s)
    d = _graph(s, "graph bar math, over(homework) over(schtype) asyvars")
    assert d["legend"][:3] == ["0", "1", "2"]
    cell = df[(df.homework == 3) & (df.schtype == 1)].math.mean()
    got = [b["height"] for b in d["bars"] if b["group"] == ("3", "Public")]
    assert got == [pytest.approx(cell, rel=1e-12)]
    d = _graph(s, "graph bar (sum) math homework, over(schtype) percentages stack")
    tot = df.groupby("schtype")[["math", "homework"]].sum()
    share = 100 * tot.math / (tot.math + tot.homework)
    got = [b["height"] for b in d["bars"] if b["variable"] == "math"]
    assert got == pytest.approx(list(share))
    d = _graph(s, "graph bar math, over(schtype) blabel(bar, format(%9.1f))")
    m = df.groupby("schtype").math.mean()
    assert d["blabels"] == [f"{m.loc[0]:.1f}", f"{m.loc[1]:.1f}"]


def test_bad_input() -> None:
    s = Session()
    run(s, 'use math\ngenerate str5 name = "a"')
    assert fails(s, "graph box name")[1] == 109
    assert fails(s, "graph bar (mode) math")[1] == 198
    assert fails(s, "graph box math, over(schtype) by(homework)")[1] == 198
    assert fails(s, "graph bar (mean)")[1] == 100


def test_missing_values_and_empty_samples() -> None:
    """Observations with a missing weight are dropped; (percent) is of the observations in the
    groups (the variable's nonmissing ones); an empty sample is r(2000), not an internal
    error."""
    import pandas as pd

    from bayes_magic.dataset.dataset import Dataset

    s = Session()
    df = pd.DataFrame(
        {
            "y": [1, 2, 3, np.nan, 5, 7, 9, 100],
            "g": [1, 1, 1, 1, 2, 2, 2, np.nan],
            "w": [1, 1, 1, 1, 1, 1, 1, np.nan],
        }
    )
    df.loc[4, "w"] = np.nan  # the 5 in group 2 has no weight
    s.data = Dataset.from_dataframe(df)
    d = _graph(s, "graph box y [aw=w], over(g)")
    two = next(b for b in d["boxes"] if b["group"] == ("2",))
    assert (two["p25"], two["median"], two["p75"]) == (7, 8, 9)
    d = _graph(s, "graph bar (percent), over(g)")
    assert sum(b["height"] for b in d["bars"]) == pytest.approx(100)
    d = _graph(s, "graph bar (percent) y, over(g)")
    assert [b["height"] for b in d["bars"]] == pytest.approx([50, 50])
    assert fails(s, "graph box y if y > 1000")[1] == 2000
    assert fails(s, "graph bar y if 0, over(g)")[1] == 2000
