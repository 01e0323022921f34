"""``graph combine`` ([G-2] graph combine): layout, scaling, common axes, texts, files, errors.

Checked through the combined PNG (opened and measured), the pixels of each cell of the figure
(a graph's cell is drawn on, a hole is blank), and the graphs in memory, which combining must
leave as they were.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

from bayes_magic.commands.graph_combine import cells, grid_shape
from bayes_magic.report.figure import Figure
from bayes_magic.session import Session
from tests.commands.test_graphs import png_size
from tests.conftest import fails, run


@pytest.fixture
def s() -> Session:
    s = Session()
    run(s, "use math")
    run(s, "scatter math homework, name(a)")
    run(s, "histogram math, name(b)")
    run(s, "kdensity math, name(c) title(Density of math)")
    return s


def combine(s: Session, text: str) -> Figure:
    res = s.execute(text)
    if res.error is not None:
        raise AssertionError(res.error.render())
    figs = [o for o in res if isinstance(o, Figure)]
    assert len(figs) == 1
    return figs[0]


def cell_ink(fig: Figure) -> list[float]:
    """Share of non-white pixels inside each placed graph's cell (figure drawn untrimmed)."""
    from PIL import Image

    buf = io.BytesIO()
    fig._fig.savefig(buf, format="png", dpi=40)
    img = np.asarray(Image.open(buf).convert("L"), dtype=float)
    H, W = img.shape
    out = []
    for c in fig.data["cells"]:
        x0, y0, w, h = c["box"]
        part = img[int(H * (1 - y0 - h)) : int(H * (1 - y0)), int(W * x0) : int(W * (x0 + w))]
        out.append(float(np.mean(part < 200)))
    return out


@pytest.mark.parametrize(
    ("n", "shape"), [(1, (1, 1)), (2, (1, 2)), (3, (2, 2)), (4, (2, 2)), (5, (2, 3)), (7, (3, 3))]
)
def test_default_grid_is_near_square(n: int, shape: tuple[int, int]) -> None:
    assert grid_shape(n, None, None) == shape


def test_rows_cols_colfirst_and_holes() -> None:
    assert grid_shape(5, None, 1) == (5, 1)
    assert grid_shape(5, 2, None) == (2, 3)
    assert cells(3, None, None, False, set())[2] == [(0, 0), (0, 1), (1, 0)]
    assert cells(3, None, None, True, set())[2] == [(0, 0), (1, 0), (0, 1)]
    assert cells(3, None, None, False, {2})[2] == [(0, 0), (1, 0), (1, 1)]
    # a hole that needs one more cell grows the grid
    R, C, where = cells(4, None, 2, False, {1})
    assert (R, C) == (3, 2) and where[0] == (0, 1)


def test_three_graphs_in_a_two_by_two_grid(s: Session) -> None:
    fig = combine(s, "graph combine a b c, title(Three graphs) note(math.csv)")
    w, h = png_size(fig.png)
    assert 700 <= w <= 1300 and 500 <= h <= 1000, (w, h)
    assert fig.panels == 3 and fig.name == "Graph"
    assert (fig.data["rows"], fig.data["cols"]) == (2, 2)
    assert [(c["row"], c["col"]) for c in fig.data["cells"]] == [(1, 1), (1, 2), (2, 1)]
    assert fig.data["title"] == "Three graphs" and fig.data["note"] == "math.csv"
    texts = [t.get_text() for t in fig._fig.texts]
    assert "Three graphs" in texts and "math.csv" in texts
    assert all(ink > 0.02 for ink in cell_ink(fig))
    assert s.graphs["Graph"] is fig and list(s.graphs)[-1] == "Graph"


def test_layout_options(s: Session) -> None:
    fig = combine(s, "graph combine a b c, cols(1) name(tall)")
    assert (fig.data["rows"], fig.data["cols"]) == (3, 1)
    w, h = png_size(fig.png)
    assert h > w
    fig = combine(s, "graph combine a b c, rows(1) name(wide)")
    assert (fig.data["rows"], fig.data["cols"]) == (1, 3)
    w, h = png_size(fig.png)
    assert w > 2 * h
    fig = combine(s, "graph combine a b c, colfirst holes(2) name(holed)")
    assert [(c["row"], c["col"]) for c in fig.data["cells"]] == [(1, 1), (1, 2), (2, 2)]
    fig = combine(s, "graph combine a b, xsize(8) ysize(3) name(sized)")
    assert tuple(round(v, 3) for v in fig.size_inches) == (8.0, 3.0)


def test_iscale_and_altshrink(s: Session) -> None:
    default = combine(s, "graph combine a b, name(d1)").data["cells"][0]["scale"]
    assert 0.3 < default < 1
    half = combine(s, "graph combine a b, iscale(*.5) name(d2)").data["cells"][0]["scale"]
    assert half == pytest.approx(default / 2)
    assert combine(s, "graph combine a b, iscale(.6) name(d3)").data["cells"][0]["scale"] == 0.6
    assert combine(s, "graph combine a b, altshrink name(d4)").data["cells"][0]["scale"] == 1.0
    # the cells are drawn on whatever the scale
    for name in ("d1", "d2", "d3", "d4"):
        assert all(ink > 0.005 for ink in cell_ink(s.graphs[name]))  # blank: 0


def test_common_axes_leave_the_stored_graphs_alone(s: Session) -> None:
    a = s.graphs["a"]
    ax = next(x for x in a._fig.axes if x.has_data())
    before = (ax.get_xlim(), ax.get_ylim(), a.png)
    run(s, "scatter math homework if schtype == 1, name(pub)")
    fig = combine(s, "graph combine a pub, ycommon xcommon")
    lims = [
        (x.get_xlim(), x.get_ylim())
        for g in (s.graphs["a"], s.graphs["pub"])
        for x in g._fig.axes
        if x.has_data()
    ]
    lo_x = min(lim[0][0] for lim in lims)
    hi_y = max(lim[1][1] for lim in lims)
    assert fig.data["xcommon"][0] == pytest.approx(lo_x)
    assert fig.data["ycommon"][1] == pytest.approx(hi_y)
    assert (ax.get_xlim(), ax.get_ylim(), a.png) == before
    assert tuple(a._fig.get_size_inches()) == pytest.approx(a.size_inches)


def test_combined_graphs_export_and_combine_again(s: Session, tmp_path) -> None:
    run(s, "graph combine a b, name(ab)")
    out = tmp_path / "ab.png"
    assert "saved as PNG" in run(s, f'graph export "{out}", name(ab)')
    assert png_size(out.read_bytes())[0] > 600
    for ext in ("svg", "pdf"):
        path = tmp_path / f"ab.{ext}"
        run(s, f'graph export "{path}", name(ab)')
        assert path.stat().st_size > 10_000
    fig = combine(s, f'graph combine ab c, cols(1) saving("{tmp_path / "abc"}")')
    assert (tmp_path / "abc.png").exists() and fig.panels == 2
    res = s.execute("graph combine a b, nodraw name(quiet)")
    assert res.error is None and not [o for o in res if isinstance(o, Figure)]
    assert "quiet" in s.graphs


def test_errors(s: Session, tmp_path) -> None:
    graphs = dict(s.graphs)
    assert fails(s, "graph combine a nosuch") == ("file nosuch.gph not found", 601)
    run(s, "graph combine a b, name(g)")
    assert fails(s, "graph combine a b, name(g)") == ("graph g already exists", 110)
    run(s, "graph combine a b, name(g, replace)")
    assert fails(s, "graph combine a b, imargin(huge)")[1] == 198
    assert fails(s, "graph combine a b, iscale(0)")[1] == 198
    assert fails(s, "graph combine a b, colour(red)")[1] == 198
    assert fails(s, "graph combine")[1] == 198
    gph = tmp_path / "old.gph"
    gph.write_bytes(b"stata")
    msg, rc = fails(s, f'graph combine a "{gph}"')
    assert rc == 610 and "not a bayes_magic graph file" in msg
    for name in graphs:
        assert s.graphs[name] is graphs[name]


def test_graph_twoway_is_twoway(s: Session) -> None:
    a = combine(s, "graph twoway (scatter math homework) (lfit math homework), name(gt)")
    b = combine(s, "twoway (scatter math homework) (lfit math homework), name(tw)")
    sa, sb = a.data["panels"][0]["series"], b.data["panels"][0]["series"]
    assert [d["plot"] for d in sa] == [d["plot"] for d in sb] == ["scatter", "lfit"]
    for da, db in zip(sa, sb):
        np.testing.assert_array_equal(da["y"], db["y"])


def test_combine_and_use_graphs_saved_in_this_session(s: Session, tmp_path) -> None:
    """Stata's habit: saving() each graph, then graph combine the files."""
    a, b = tmp_path / "ga", tmp_path / "gb"
    run(s, f'scatter math homework, saving("{a}")')
    run(s, f'histogram math, saving("{b}.png")')
    run(s, "graph drop _all")
    fig = combine(s, f'graph combine "{a}.gph" "{b}", cols(1)')
    assert fig.panels == 2 and (fig.data["rows"], fig.data["cols"]) == (2, 1)
    used = combine(s, f'graph use "{a}", name(back)')
    assert used.name == "back" and s.graphs["back"] is used
    msg, rc = fails(s, f'graph use "{tmp_path / "never"}"')
    assert rc == 601 and "never.gph not found" in msg


def test_graph_save_and_use_in_a_new_session(s: Session, tmp_path) -> None:
    """graph save / saving(x.gph) write files that graph use and graph combine read in a
    later session, showing the same picture and data."""
    run(s, "scatter math homework, name(sa)")
    run(s, "histogram math, name(sh)")
    assert run(s, f'graph save sa "{tmp_path / "ga"}"') == f"(file {tmp_path / 'ga'}.gph saved)"
    assert fails(s, f'graph save sa "{tmp_path / "ga"}"')[1] == 602
    run(s, f'graph save "{tmp_path / "gh.gph"}"')  # the current graph: sh
    run(s, f'kdensity math, saving("{tmp_path / "gk.gph"}")')
    assert fails(s, f'graph save sa "{tmp_path / "ga.png"}"')[1] == 198
    assert fails(s, f'graph save nosuch "{tmp_path / "gn"}"')[1] == 111
    fresh = Session()
    used = combine(fresh, f'graph use "{tmp_path / "ga"}"')
    assert used.png == s.graphs["sa"].png
    before = s.graphs["sa"].data["panels"][0]["series"][0]
    after = used.data["panels"][0]["series"][0]
    np.testing.assert_array_equal(after["y"], before["y"])
    fig = combine(
        fresh, f'graph combine "{tmp_path / "ga"}" "{tmp_path / "gh.gph"}" "{tmp_path / "gk"}"'
    )
    assert fig.panels == 3
    assert fresh.graphs["Graph"] is fig
