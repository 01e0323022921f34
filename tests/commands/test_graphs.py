"""Graphs: twoway plots, by(), histogram, kdensity, serrbar and graph export/dir/drop/display.

Each graph is checked through the PNG it renders (opened and measured), what its axes show, and
the numbers behind it against numpy/scipy and the formulas of the Stata manuals ([G-2] graph
twoway lfit/qfit/lfitci, [R] kdensity, [R] histogram, [R] serrbar).
"""

from __future__ import annotations

import io
import math
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from bayes_magic.report.figure import Figure
from bayes_magic.session import Session
from tests.conftest import fails, run

ROOT = Path(__file__).resolve().parents[2]


def draw(s: Session, text: str, name: str | None = None) -> Figure:
    """Run a graph command; return its Figure (checking its PNG opens and has a sane size).
    ``name`` keeps the graph under that name."""
    res = s.execute(f"{text}{',' if ',' not in text else ''} name({name})" if name else text)
    if res.error is not None:
        raise AssertionError(res.error.render())
    figs = [o for o in res if isinstance(o, Figure)]
    assert len(figs) == 1, f"{text!r} gave {len(figs)} figures"
    fig = figs[0]
    w, h = png_size(fig.png)
    assert 400 <= w <= 1100 and 300 <= h <= 800, (w, h)
    return fig


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (and the image must open with PIL)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", data[16:24])
    from PIL import Image

    img = Image.open(io.BytesIO(data))
    assert img.size == (w, h)
    img.load()
    return w, h


def series(fig: Figure, panel: int = 0, label: str | None = None, plot: str | None = None) -> dict:
    """The data behind one legend key of one panel."""
    for d in fig.data["panels"][panel]["series"]:
        if (label is None or d["label"] == label) and (plot is None or d["plot"] == plot):
            return d
    raise KeyError((label, plot))


def stata_pctile(x: np.ndarray, p: float) -> float:
    """[R] summarize's percentile: P = n p/100; x_(ceil P), or the average at an integer P."""
    xs = np.sort(x)
    P = len(xs) * p / 100
    if int(P) == P:
        return float((xs[int(P) - 1] + xs[int(P)]) / 2)
    return float(xs[math.ceil(P) - 1])


def stata_bandwidth(x: np.ndarray) -> float:
    """[R] kdensity, Methods and formulas: 0.9 min(sd, IQR/1.349) n^(-1/5)."""
    iqr = stata_pctile(x, 75) - stata_pctile(x, 25)
    return 0.9 * min(np.std(x, ddof=1), iqr / 1.349) * len(x) ** (-0.2)


def epanechnikov(z: np.ndarray) -> np.ndarray:
    return np.where(np.abs(z) < np.sqrt(5), 0.75 * (1 - z**2 / 5) / np.sqrt(5), 0.0)


# ---------------------------------------------------------------------------------------------
# twoway and the plot commands


def test_scatter_figure_axes_and_store(math_session) -> None:
    s = math_session
    fig = draw(s, "scatter math homework")
    assert fig.name == "Graph" and fig.panels == 1
    assert fig.description == "(graph Graph: twoway scatter math homework)"
    assert fig.text() == fig.description
    assert fig.axes_info == [
        {"title": "", "xlabel": "Time spent on math homework each week", "ylabel": "Math score"}
    ]
    assert fig.legend == []  # one key: no legend
    assert list(s.graphs) == ["Graph"] and s.graphs["Graph"] is fig
    d = series(fig)
    assert d["n"] == 519
    np.testing.assert_array_equal(d["x"], s.data.values("homework"))
    np.testing.assert_array_equal(d["y"], s.data.values("math"))
    assert "image/png" in fig._repr_mimebundle_() and fig.html().startswith("<img")


def test_twoway_scatter_lfit_slope_and_legend(math_session) -> None:
    s = math_session
    fig = draw(s, "twoway (scatter math homework) (lfit math homework)")
    x, y = s.data.values("homework"), s.data.values("math")
    slope, intercept = np.polyfit(x, y, 1)
    fit = series(fig, label="Fitted values")
    assert fit["slope"] == pytest.approx(slope, rel=1e-10)
    assert fit["intercept"] == pytest.approx(intercept, rel=1e-10)
    # [G-2] graph twoway lfit: n(3) points over the range of x
    np.testing.assert_allclose(fit["x"], [0, 3.5, 7])
    np.testing.assert_allclose(fit["y"], intercept + slope * fit["x"])
    assert fig.legend == ["Math score", "Fitted values"]
    assert fig.axes_info[0]["xlabel"] == "Time spent on math homework each week"
    # two different y keys: the legend names them, the y axis has no title
    assert fig.axes_info[0]["ylabel"] == ""


def test_twoway_bar_separated_plots_with_own_if(math_session) -> None:
    s = math_session
    fig = draw(
        s,
        'twoway scatter math homework if schtype == 1 || lfit math homework, title("A b") '
        'legend(order(1 "Public schools" 2 "Line"))',
    )
    assert series(fig, plot="scatter")["n"] == int((s.data.values("schtype") == 1).sum())
    assert series(fig, plot="lfit")["n"] == 519
    assert fig.legend == ["Public schools", "Line"]
    assert fig.data["title"] == "A b"


def test_by_graph_one_panel_per_group(math_session) -> None:
    s = math_session
    fig = draw(s, "twoway (scatter math homework) (lfit math homework), by(schtype)")
    assert fig.panels == 2
    assert [a["title"] for a in fig.axes_info] == ["Private", "Public"]
    assert all(a["xlabel"] == "Time spent on math homework each week" for a in fig.axes_info)
    assert fig.legend == ["Math score", "Fitted values"]
    assert fig.data["note"] == "Graphs by School type"
    x, y, g = (s.data.values(v) for v in ("homework", "math", "schtype"))
    for panel, value in enumerate((0, 1)):
        m = g == value
        assert series(fig, panel, plot="scatter")["n"] == m.sum()
        slope, intercept = np.polyfit(x[m], y[m], 1)
        fit = series(fig, panel, plot="lfit")
        assert fit["slope"] == pytest.approx(slope) and fit["intercept"] == pytest.approx(intercept)
    # shared axes, as Stata's by-graphs
    axes = fig._fig.axes
    assert axes[0].get_ylim() == axes[1].get_ylim() and axes[0].get_xlim() == axes[1].get_xlim()


def test_by_total_cols_and_legend_label(math_session) -> None:
    fig = draw(
        math_session,
        "twoway (scatter math homework) (qfit math homework), by(schtype, total cols(1)) "
        'legend(label(1 "Scores"))',
    )
    assert fig.panels == 3
    assert [a["title"] for a in fig.axes_info] == ["Private", "Public", "Total"]
    assert fig.legend == ["Scores", "Fitted values"]
    axes = [a for a in fig._fig.axes if a.get_visible()]
    xs = {round(a.get_position().x0, 3) for a in axes}
    assert len(xs) == 1  # one column
    # only the bottom panel carries the x title
    assert [a["xlabel"] for a in fig.axes_info][:2] == ["", ""]
    x, y = (math_session.data.values(v) for v in ("homework", "math"))
    np.testing.assert_allclose(series(fig, 2, plot="qfit")["coef"], np.polyfit(x, y, 2)[::-1])


def test_lfitci_band_is_the_t_interval_of_the_mean(math_session) -> None:
    s = math_session
    fig = draw(s, "twoway (lfitci math homework, level(90)) (scatter math homework)")
    assert fig.legend == ["90% CI", "Fitted values", "Math score"]
    band = series(fig, label="90% CI")
    x, y = s.data.values("homework"), s.data.values("math")
    n = len(x)
    b1, b0 = np.polyfit(x, y, 1)
    resid = y - (b0 + b1 * x)
    s2 = resid @ resid / (n - 2)
    at = band["x"]
    se = np.sqrt(s2 * (1 / n + (at - x.mean()) ** 2 / np.sum((x - x.mean()) ** 2)))
    t = stats.t.ppf(0.95, n - 2)
    np.testing.assert_allclose(band["lo"], b0 + b1 * at - t * se, rtol=1e-9)
    np.testing.assert_allclose(band["hi"], b0 + b1 * at + t * se, rtol=1e-9)
    assert len(at) == 100


def test_line_connected_styles_and_multiple_y(math_session) -> None:
    s = math_session
    run(s, "generate m2 = math / 2")
    fig = draw(
        s,
        'connected math m2 homework in 1/20, sort msymbol(Dh) mcolor(red "0 0 255") '
        "lpattern(dash) lwidth(thick)",
    )
    assert fig.legend == ["Math score", "m2"]
    d = series(fig, label="m2")
    assert d["n"] == 20 and np.all(np.diff(d["x"]) >= 0)  # sort
    line = fig._fig.axes[0].get_lines()[0]
    assert line.get_marker() == "D" and line.get_markerfacecolor() == "none"
    assert line.get_markeredgecolor()[:3] == (1.0, 0.0, 0.0)
    assert fig._fig.axes[0].get_lines()[1].get_markeredgecolor()[:3] == (0.0, 0.0, 1.0)


def test_titles_axis_labels_lines_and_legend_off(math_session) -> None:
    fig = draw(
        math_session,
        'scatter math homework, title("Math" "scores") subtitle("NELS") note("n = 519") '
        'caption("talk") xtitle("Homework") ytitle("") xlabel(0(2)8) ylabel(30 50 "fifty" 70, '
        "angle(0)) yline(50 60, lcolor(red) lpattern(dash)) xline(3) legend(off) scheme(s1mono)",
    )
    d = fig.data
    assert (d["title"], d["subtitle"], d["note"], d["caption"]) == (
        "Math\nscores",
        "NELS",
        "n = 519",
        "talk",
    )
    assert fig.axes_info[0]["xlabel"] == "Homework" and fig.axes_info[0]["ylabel"] == ""
    ax = fig._fig.axes[0]
    np.testing.assert_allclose(ax.get_xticks(), [0, 2, 4, 6, 8])
    np.testing.assert_allclose(ax.get_yticks(), [30, 50, 70])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["30", "fifty", "70"]
    hlines = [ln for ln in ax.get_lines() if ln.get_ydata()[0] == ln.get_ydata()[-1]]
    assert {float(ln.get_ydata()[0]) for ln in hlines} >= {50.0, 60.0}
    texts = [t.get_text() for t in fig._fig.texts]
    assert "Math\nscores" in texts and "n = 519" in texts


def test_range_area_bar_plots(math_session) -> None:
    s = math_session
    run(s, "generate lo = math - 5")
    run(s, "generate hi = math + 5")
    fig = draw(
        s,
        "twoway (rcap lo hi homework in 1/30) (rspike lo hi homework in 31/60) "
        '(rarea lo hi homework in 1/50) (area math homework in 1/20) (bar math homework in 1/20, color("128 0 0"))',
    )
    assert len(fig.legend) == 5
    r = series(fig, plot="rcap")
    np.testing.assert_allclose(r["hi"] - r["lo"], 10)
    assert series(fig, plot="rarea")["n"] == 50


def test_unknown_style_words_and_unavailable_options_fail(math_session) -> None:
    s = math_session
    draw(s, "scatter math homework")
    before = dict(s.graphs)
    assert fails(s, "scatter math homework, mcolor(foo)") == ("color foo not found", 111)
    assert fails(s, "scatter math homework, msymbol(Q)")[1] == 111
    assert fails(s, 'scatter math homework, text(50 "x")')[1] == 198
    assert fails(s, "scatter math homework, xaxis(2)")[1] == 198
    assert fails(s, "twoway histogram math, normal") == ("option normal not allowed", 198)
    assert fails(s, "twoway lfitci math homework, level(5)")[1] == 198
    assert fails(s, "scatter math homework, yline(50, lcolor(foo))")[1] == 111
    assert s.graphs == before
    import matplotlib.pyplot as plt

    assert plt.get_fignums() == []  # a failed graph leaves no open figure behind


def test_by_missing_string_groups_and_total(math_session) -> None:
    s = math_session
    run(s, "replace schtype = . in 1/10")
    run(s, 'generate str1 grp = cond(schid < 7500, "z", "a")')
    fig = draw(s, "scatter math homework, by(schtype, missing)")
    assert [a["title"] for a in fig.axes_info] == ["Private", "Public", "."]
    assert [p["series"][0]["n"] for p in fig.data["panels"]] == [192, 317, 10]
    fig = draw(s, "scatter math homework, by(grp schtype, total)")
    assert [a["title"] for a in fig.axes_info] == [
        "a, Private",
        "a, Public",
        "z, Private",
        "z, Public",
        "Total",
    ]
    assert fig.data["note"] == "Graphs by grp and School type"
    assert fig.data["panels"][-1]["series"][0]["n"] == 509  # missing schtype left out


def test_by_many_panels_share_axis_titles(math_session) -> None:
    fig = draw(math_session, "twoway (scatter math homework) (lfit math homework), by(schid)")
    assert fig.panels == 23
    visible = [a for a in fig._fig.axes if a.get_visible()]
    assert len(visible) == 23 and len(fig._fig.axes) == 25  # a 5 x 5 grid
    # one x title under all the panels instead of one per column
    assert all(a["xlabel"] == "" for a in fig.axes_info)
    assert "Time spent on math homework each week" in [t.get_text() for t in fig._fig.texts]
    assert fig.data["note"] == "Graphs by School ID"


def test_legend_layout_and_positions(math_session) -> None:
    s = math_session
    run(s, "generate m2 = math / 2")
    fig = draw(s, "twoway (scatter math homework) (scatter m2 homework) (lfit math homework)")
    # Stata fills the legend's rows first: 1 2 / 3
    (leg,) = fig._fig.legends
    assert [t.get_text() for t in leg.get_texts()] == ["Math score", "Fitted values", "m2"]
    assert fig.legend == ["Math score", "m2", "Fitted values"]
    fig = draw(s, "twoway (scatter math homework) (lfit math homework), legend(pos(3))")
    (leg,) = fig._fig.legends
    ax_box = fig._fig.axes[0].get_window_extent()
    assert leg.get_window_extent().x0 > ax_box.x1  # to the right of the plot region
    fig = draw(s, "twoway (scatter math homework) (lfit math homework), legend(ring(0) pos(1))")
    assert fig._fig.legends == [] and fig._fig.axes[0].get_legend() is not None
    fig = draw(s, "scatter math homework, legend(on)")
    assert fig.legend == ["Math score"]


def test_size_aspect_scales_and_twoway_if(math_session) -> None:
    s = math_session
    wide = draw(s, "scatter math homework, xsize(8) ysize(3)")
    w, h = png_size(wide.png)
    assert w > 700 and h < 350
    fig = draw(s, "scatter math homework, aspectratio(1) yscale(range(0 100)) xscale(reverse)")
    ax = fig._fig.axes[0]
    assert (
        ax.get_box_aspect() == 1 and ax.get_ylim()[0] <= 0 and ax.get_xlim()[0] > ax.get_xlim()[1]
    )
    fig = draw(s, "twoway (scatter math homework) (lfit math homework) if schtype == 0")
    n0 = int((s.data.values("schtype") == 0).sum())
    assert series(fig, plot="scatter")["n"] == series(fig, plot="lfit")["n"] == n0


def test_plot_commands_typed_alone(math_session) -> None:
    import bayes_magic.commands.graphs  # noqa: F401  (registers lfit ... alongside twoway)

    s = math_session
    fig = draw(s, "lfit math homework")
    assert fig.description == "(graph Graph: twoway lfit math homework)"
    assert fig.axes_info[0]["ylabel"] == "Fitted values"
    fig = draw(s, "line math homework, sort")
    assert np.all(np.diff(series(fig)["x"]) >= 0)


# ---------------------------------------------------------------------------------------------
# kdensity and histogram


def test_kdensity_default_bandwidth_kernel_and_grid(math_session) -> None:
    s = math_session
    fig = draw(s, "kdensity math")
    x = s.data.values("math")
    h = stata_bandwidth(x)
    assert s.r["bwidth"] == pytest.approx(h, rel=1e-12)
    assert s.r["kernel"] == "epanechnikov" and s.r["n"] == 50
    d = series(fig)
    # min(N, 50) points from min - h to max + h
    np.testing.assert_allclose(d["x"], np.linspace(x.min() - h, x.max() + h, 50))
    manual = epanechnikov((d["x"][:, None] - x[None, :]) / h).sum(axis=1) / (len(x) * h)
    np.testing.assert_allclose(d["y"], manual, rtol=1e-12)
    assert fig.data["title"] == "Kernel density estimate"
    assert fig.data["note"] == f"kernel = epanechnikov, bandwidth = {h:.4f}"
    assert fig.axes_info[0]["ylabel"] == "Density" and fig.axes_info[0]["xlabel"] == "Math score"
    assert fig.legend == []


def test_kdensity_options_normal_and_generate(math_session) -> None:
    s = math_session
    fig = draw(s, "kdensity math if schtype == 1, bwidth(3) kernel(gaussian) n(100) normal")
    x = s.data.values("math")[s.data.values("schtype") == 1]
    d = series(fig, label="Kernel density estimate")
    np.testing.assert_allclose(
        d["y"], stats.norm.pdf((d["x"][:, None] - x[None, :]) / 3).sum(axis=1) / (len(x) * 3)
    )
    assert len(d["x"]) == 100 and s.r["bwidth"] == 3
    assert fig.legend == ["Kernel density estimate", "Normal density"]
    nd = series(fig, label="Normal density")
    np.testing.assert_allclose(nd["y"], stats.norm.pdf(nd["x"], x.mean(), x.std(ddof=1)))
    run(s, "kdensity math, nograph generate(kx kd) n(40)")
    assert s.data.values("kx")[:40] == pytest.approx(
        np.linspace(30 - s.r["bwidth"], 71 + s.r["bwidth"], 40)
    )
    assert np.isnan(s.data.values("kd")[40:]).all()
    assert list(s.graphs) == ["Graph"]


def test_twoway_kdensity_key_and_points(math_session) -> None:
    fig = draw(math_session, "twoway (histogram math) (kdensity math, kernel(biweight))")
    assert fig.legend == ["Density", "kdensity math"]
    kd = series(fig, plot="kdensity")
    assert len(kd["x"]) == 300 and kd["kernel"] == "biweight"
    assert fig.axes_info[0]["xlabel"] == "Math score"


def test_histogram_default_bins_and_scales(math_session) -> None:
    s = math_session
    res = s.execute("histogram math")
    x = s.data.values("math")
    k = int(min(np.sqrt(519), 10 * np.log10(519)))
    assert k == 22
    width = (x.max() - x.min()) / k
    assert res.text().splitlines()[0] == f"(bin=22, start=30, width={width:.7f})"
    assert s.r == {"bin": 22.0, "start": 30.0, "width": pytest.approx(width)}
    fig = next(o for o in res if isinstance(o, Figure))
    d = series(fig)
    counts, edges = np.histogram(x, bins=k, range=(x.min(), x.max()))
    np.testing.assert_allclose(d["edges"], edges)
    np.testing.assert_allclose(d["counts"], counts)
    np.testing.assert_allclose(d["y"], counts / (519 * width))
    assert fig.axes_info[0]["ylabel"] == "Density" and fig.axes_info[0]["xlabel"] == "Math score"
    for opt, total in (("fraction", 1.0), ("frequency", 519.0), ("percent", 100.0)):
        f = draw(s, f"histogram math, bin(10) {opt}")
        assert series(f)["y"].sum() == pytest.approx(total)
        assert f.axes_info[0]["ylabel"] == opt.capitalize()


def test_histogram_width_discrete_and_overlays(math_session) -> None:
    s = math_session
    out = run(s, "histogram homework, discrete percent")
    assert out.splitlines()[0] == "(start=0, width=1)"
    fig = s.graphs["Graph"]
    d = series(fig)
    np.testing.assert_allclose(d["edges"][:2], [-0.5, 0.5])
    hw = s.data.values("homework")
    np.testing.assert_allclose(d["y"], [100 * np.mean(hw == v) for v in range(8)])
    run(s, "histogram math, width(5) start(25) frequency normal kdensity")
    fig = s.graphs["Graph"]
    assert series(fig)["edges"][0] == 25 and len(series(fig)["edges"]) == 11
    nd = series(fig, plot="normal")
    x = s.data.values("math")
    # the normal density on the frequency scale: N * width * phi
    np.testing.assert_allclose(nd["y"], 519 * 5 * stats.norm.pdf(nd["x"], x.mean(), x.std(ddof=1)))
    assert fig.legend == []
    assert fails(s, "histogram math, bin(5) width(2)")[1] == 198
    assert fails(s, "histogram math, start(40)")[1] == 198


# ---------------------------------------------------------------------------------------------
# serrbar and the talk


def test_serrbar_bars_are_mean_plus_minus_scale_se(math_session) -> None:
    s = math_session
    run(s, "quietly mixed math homework i.schtype || schid: homework, covariance(unstructured)")
    run(s, "predict u*, reffects reses(s*)")
    run(s, "egen tagme = tag(schid)")
    run(s, "egen rank = rank(u2) if tagme")
    fig = draw(s, "serrbar u2 s2 rank if tagme, scale(1.96)")
    tag = s.data.values("tagme") == 1
    u2, s2, rank = (s.data.values(v)[tag] for v in ("u2", "s2", "rank"))
    bars = series(fig, plot="rcap")
    assert bars["n"] == 23
    for i in (0, 5, 22):
        assert bars["x"][i] == rank[i]
        assert bars["lo"][i] == pytest.approx(u2[i] - 1.96 * s2[i])
        assert bars["hi"][i] == pytest.approx(u2[i] + 1.96 * s2[i])
    np.testing.assert_array_equal(series(fig, plot="scatter")["y"], u2)
    assert fig.legend == []
    assert fig.axes_info[0]["ylabel"] == "BLUP r.e. for schid: _cons"
    assert fig.axes_info[0]["xlabel"] == "rank"
    # scale(1) by default
    bars1 = series(draw(s, "serrbar u2 s2 rank if tagme, mvopts(msymbol(D))"), plot="rcap")
    np.testing.assert_allclose(bars1["hi"] - bars1["lo"], 2 * s2)
    # the talk's by-graph after it
    fig = draw(s, "twoway (scatter math homework) (lfit math homework), by(schtype)")
    assert fig.panels == 2 and list(s.graphs) == ["Graph"]


def test_serrbar_errors(math_session) -> None:
    s = math_session
    assert fails(s, "serrbar math homework") == ("too few variables specified", 102)
    assert fails(s, "serrbar math homework schid schtype") == ("too many variables specified", 103)
    assert fails(s, "serrbar math homework schid if math > 100") == ("no observations", 2000)


def test_qnorm_and_pnorm_against_scipy(math_session) -> None:
    """[R] Diagnostic plots: the sorted values against the normal of the sample's mean and
    SD at p_i = i/(N+1) (qnorm), and F[(x-m)/s] against p_i (pnorm), with the line y = x."""
    s = math_session
    x = np.sort(s.data.values("math"))
    n = len(x)
    p = np.arange(1, n + 1) / (n + 1)
    m, sd = x.mean(), x.std(ddof=1)
    fig = draw(s, "qnorm math, grid")
    dots = series(fig, plot="scatter")
    order = np.argsort(dots["x"], kind="stable")
    np.testing.assert_allclose(np.asarray(dots["x"])[order], m + sd * stats.norm.ppf(p))
    np.testing.assert_allclose(np.sort(dots["y"]), x)
    assert fig.axes_info[0]["xlabel"] == "Inverse Normal"
    fig = draw(s, "pnorm math")
    dots = series(fig, plot="scatter")
    np.testing.assert_allclose(np.sort(dots["x"]), p)
    np.testing.assert_allclose(np.sort(dots["y"]), stats.norm.cdf((x - m) / sd))
    line = series(fig, plot="line")
    np.testing.assert_allclose(line["x"], line["y"])
    assert fails(s, "qnorm math homework")[1] == 103
    assert fails(s, "qnorm math if math > 1000")[1] == 2000
    assert fails(s, "qnorm math in 1")[1] == 2001


# ---------------------------------------------------------------------------------------------
# graph export, dir, drop, display; names


def test_graph_export_png_svg_pdf(math_session, tmp_path) -> None:
    s = math_session
    fig = draw(s, "scatter math homework")
    png, svg, pdf = (tmp_path / f"g.{e}" for e in ("png", "svg", "pdf"))
    assert run(s, f"graph export {png}") == f"file {png} saved as PNG format"
    assert png.read_bytes() == fig.png
    run(s, f"graph export {svg}")
    assert svg.read_text().lstrip().startswith("<?xml") and "<svg" in svg.read_text()
    run(s, f'graph export "{pdf}"')
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert fails(s, f"graph export {png}") == (f"file {png} already exists", 602)
    run(s, f"graph export {png}, replace width(800)")
    w, h = png_size(png.read_bytes())
    w0, h0 = png_size(fig.png)
    assert w == 800 and h == round(h0 * 800 / w0)
    run(s, f"graph export {png}, replace width(300) height(200)")
    assert png_size(png.read_bytes()) == (300, 200)
    assert fails(s, f"graph export {tmp_path / 'g.xyz'}")[1] == 198
    assert fails(s, f"graph export {tmp_path / 'g'}")[1] == 198
    run(s, f"graph export {tmp_path / 'g'}, as(png)")
    assert (tmp_path / "g").read_bytes() == fig.png


def test_graph_export_without_graph_and_by_name(session, tmp_path) -> None:
    assert fails(session, f"graph export {tmp_path / 'a.png'}") == ("no graphs in memory", 111)
    run(session, "use math")
    draw(session, "scatter math homework, name(g1)")
    draw(session, "histogram math")
    assert list(session.graphs) == ["g1", "Graph"]
    run(session, f"graph export {tmp_path / 'a.png'}, name(g1)")
    assert (tmp_path / "a.png").read_bytes() == session.graphs["g1"].png
    assert fails(session, f"graph export {tmp_path / 'b.png'}, name(nope)") == (
        "graph nope not found",
        111,
    )
    assert not (tmp_path / "b.png").exists()


def test_graph_export_from_the_command_line(tmp_path) -> None:
    out = tmp_path / "x.png"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bayes_magic",
            "-e",
            "use math",
            "-e",
            "scatter math homework",
            "-e",
            f"graph export {out}, replace",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"file {out} saved as PNG format" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    png_size(out.read_bytes())


def test_graph_dir_drop_display_and_names(math_session) -> None:
    s = math_session
    assert run(s, "graph dir") == ""
    g1 = draw(s, "scatter math homework, name(g1)")
    draw(s, "kdensity math")
    assert run(s, "graph dir") == "  g1  Graph" and s.r["list"] == "g1 Graph"
    assert fails(s, "scatter math homework, name(g1)") == ("graph g1 already exists", 110)
    draw(s, "scatter math homework, name(g1, replace)")
    assert list(s.graphs) == ["Graph", "g1"]  # the current graph is the last one
    res = s.execute("graph display Graph")
    assert isinstance(res[0], Figure) and list(s.graphs) == ["g1", "Graph"]
    assert fails(s, "graph display nope") == ("graph nope not found", 111)
    assert fails(s, "graph drop nope") == ("graph nope not found", 111)
    run(s, "graph drop g1")
    assert list(s.graphs) == ["Graph"]
    run(s, "graph drop _all")
    assert s.graphs == {}
    assert fails(s, "scatter math homework, name(1x)")[1] == 198
    assert g1.name == "g1"


def test_nodraw_and_saving(math_session, tmp_path) -> None:
    s = math_session
    res = s.execute("scatter math homework, nodraw name(quiet)")
    assert res.error is None and not any(isinstance(o, Figure) for o in res)
    assert "quiet" in s.graphs
    path = tmp_path / "saved.png"
    assert (
        run(s, f"scatter math homework, saving({path})")
        == f"(file {path} saved)\n(graph Graph: twoway scatter math homework, saving({path}))"
    )
    assert path.read_bytes() == s.graphs["Graph"].png
    assert fails(s, f"scatter math homework, saving({path})")[1] == 602
    run(s, f"scatter math homework, saving({path}, replace)")
    assert fails(s, f"scatter math homework, saving({tmp_path / 'x.doc'})")[1] == 198
    run(s, f"scatter math homework, saving({tmp_path / 'x.gph'})")
    assert (tmp_path / "x.gph").stat().st_size > 0


# ---------------------------------------------------------------------------------------------
# errors: Stata's wording and codes, no change to data or graphs


@pytest.mark.parametrize(
    "text, message, rc",
    [
        ("scatter math nosuch", "variable nosuch not found", 111),
        ("scatter math", "too few variables specified", 102),
        ("twoway lfit math homework schid", "too many variables specified", 103),
        ("kdensity math homework", "too many variables specified", 103),
        ("scatter math homework if math > 1000", "no observations", 2000),
        ("histogram math if math > 1000", "no observations", 2000),
        ("kdensity math if math > 1000", "no observations", 2000),
        ("twoway (scatter math name)", "type mismatch", 109),
        ("histogram name", "type mismatch", 109),
        ("kdensity math, kernel(foo)", "kernel(foo) invalid", 198),
        ("scatter math homework, by(nosuch)", "variable nosuch not found", 111),
        ("scatter math homework, xlabel(0(-1)5)", "xlabel(): invalid numlist", 121),
    ],
)
def test_errors_leave_state_unchanged(math_session, text: str, message: str, rc: int) -> None:
    s = math_session
    run(s, 'generate str5 name = "a"')
    draw(s, "scatter math homework")
    graphs, r = dict(s.graphs), dict(s.r)
    df = s.data.df.copy()
    res = s.execute(text)
    assert res.error is not None and (res.error.message, res.error.rc) == (message, rc)
    assert "Traceback" not in res.text() and "internal error" not in res.text()
    assert s.graphs == graphs and list(s.graphs) == list(graphs) and s.r == r
    assert s.data.df.equals(df)


def test_twoway_is_not_byable(math_session) -> None:
    assert fails(math_session, "by schtype: scatter math homework")[1] == 190


# ---------------------------------------------------------------------------------------------
# marker labels, added text, jitter, connect(), recast(), horizontal, addplot()


def _panel_ax(fig: Figure):
    return next(a for a in fig._fig.axes if a.has_data())


def test_marker_labels(math_session) -> None:
    s = math_session
    run(s, 'label define sch 1 "Public" 0 "Private"')
    run(s, "label values schtype sch")
    fig = draw(s, "scatter math homework in 1/5, mlabel(schtype) mlabposition(12) mlabsize(large)")
    d = series(fig)
    kinds = ["Public" if v == 1 else "Private" for v in s.data.values("schtype")[:5]]
    assert list(d["labels"]) == kinds
    texts = [t for t in _panel_ax(fig).texts]
    assert [t.get_text() for t in texts] == kinds
    assert all(t.get_va() == "bottom" and t.get_fontsize() == 12 for t in texts)
    fig = draw(s, "scatter math homework in 1/3, mlabel(math)")
    assert [t.get_text() for t in _panel_ax(fig).texts] == [
        f"{v:g}" for v in s.data.values("math")[:3]
    ]
    assert fails(s, "line math homework, mlabel(schid)")[1] == 198
    assert fails(s, "scatter math homework, mlabel(nosuch)")[1] == 111
    assert fails(s, "scatter math homework, mlabel(schid) mlabposition(13)")[1] == 198


def test_added_text(math_session) -> None:
    s = math_session
    fig = draw(
        s,
        'scatter math homework, text(70 1 "first" 35 6 "two" "lines", placement(e) '
        'color(red) size(small)) text(50 3 "third")',
    )
    assert fig.data["texts"] == ["first", "two\nlines", "third"]
    texts = {t.get_text(): t for t in _panel_ax(fig).texts}
    assert texts["first"].xy == (1.0, 70.0) and texts["first"].get_ha() == "left"
    assert texts["first"].get_fontsize() == 8 and texts["third"].get_ha() == "center"
    # by(): the text is in every panel
    fig = draw(s, 'scatter math homework, by(schtype) text(60 2 "x")')
    assert [sum(t.get_text() == "x" for t in a.texts) for a in fig._fig.axes if a.has_data()] == [
        1,
        1,
    ]


def test_jitter(math_session) -> None:
    s = math_session
    x, y = s.data.values("homework"), s.data.values("math")
    a = series(draw(s, "scatter math homework, jitter(5) jitterseed(7)"))
    b = series(draw(s, "scatter math homework, jitter(5) jitterseed(7)"))
    np.testing.assert_array_equal(a["x"], b["x"])
    dx, dy = a["x"] - x, a["y"] - y
    assert np.abs(dx).max() <= 0.025 * np.ptp(x) and np.abs(dy).max() <= 0.025 * np.ptp(y)
    assert np.abs(dx).max() > 0.02 * np.ptp(x)  # the noise spans its range
    c = series(draw(s, "scatter math homework, jitter(5) jitterseed(8)"))
    assert not np.array_equal(a["x"], c["x"])
    np.testing.assert_array_equal(series(draw(s, "scatter math homework"))["x"], x)
    assert fails(s, "line math homework, jitter(5)")[1] == 198


def test_connect_recast_horizontal(math_session) -> None:
    s = math_session
    run(s, "sort homework math")
    ax = _panel_ax(draw(s, "scatter math homework in 1/20, connect(l)"))
    assert len(ax.lines) == 1 and ax.lines[0].get_marker() not in (None, "None", "")
    ax = _panel_ax(draw(s, "line math homework in 1/20, connect(J)"))
    assert ax.lines[0].get_drawstyle() == "steps-post"
    run(s, "gsort -math")
    ax = _panel_ax(draw(s, "line math homework in 1/30, connect(L)"))
    xs = ax.lines[0].get_xdata()
    assert np.isnan(xs).any()  # broken where homework goes back
    assert fails(s, "scatter math homework, connect(q)") == ("connectstyle q not found", 111)
    ax = _panel_ax(draw(s, "twoway lfit math homework, recast(scatter)"))
    assert len(ax.collections) == 1 and not ax.lines
    ax = _panel_ax(draw(s, "twoway scatter math homework in 1/10, recast(spike)"))
    assert len(ax.collections[0].get_segments()) == 10
    assert fails(s, "twoway scatter math homework, recast(rcap)")[1] == 198
    run(s, "gen lo = math - 5")
    run(s, "gen hi = math + 5")
    fig = draw(s, "twoway rcap lo hi homework in 1/5, horizontal")
    assert (
        fig.data["xtitle"] == "lo/hi"
        and fig.data["ytitle"] == "Time spent on math homework each week"
    )
    fig = draw(s, "twoway bar math homework in 1/4, horizontal")
    widths = sorted(p.get_width() for p in _panel_ax(fig).patches)
    assert widths == sorted(s.data.values("math")[:4])
    assert fails(s, "histogram math, horizontal")[1] == 198


def test_addplot(math_session) -> None:
    s = math_session
    fig = draw(s, "histogram math, addplot(kdensity math, lcolor(red))")
    assert [d["plot"] for d in fig.data["panels"][0]["series"]] == ["histogram", "kdensity"]
    assert fig.legend == ["Density", "kdensity math"] and fig.data["ytitle"] == "Density"
    fig = draw(s, "kdensity math, addplot(kdensity math if schtype == 1, below)")
    assert [d["n"] for d in fig.data["panels"][0]["series"]] == [
        int((s.data.values("schtype") == 1).sum()),
        519,
    ]
    assert fails(s, "twoway scatter math homework, addplot(line math homework)")[1] == 198
    assert fails(s, "histogram math, addplot()") == ("addplot(): plot required", 198)


# ---------------------------------------------------------------------------------------------
# README images (BAYES_MAGIC_DOC_IMAGES=1 writes them with the real commands)


@pytest.mark.skipif(not os.environ.get("BAYES_MAGIC_DOC_IMAGES"), reason="writes docs/img")
def test_write_readme_images(math_session) -> None:
    s = math_session
    out = ROOT / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    run(s, "quietly mixed math homework i.schtype || schid: homework, covariance(unstructured)")
    run(s, "predict u*, reffects reses(s*)")
    run(s, "egen tagme = tag(schid)")
    run(s, "egen rank = rank(u2) if tagme")
    steps = {
        "serrbar": "serrbar u2 s2 rank if tagme, scale(1.96) yline(0)",
        "twoway_by": "twoway (scatter math homework) (lfit math homework), by(schtype)",
        "kdensity": "kdensity math, normal",
        "histogram": "histogram math, normal",
    }
    for name, cmd in steps.items():
        draw(s, cmd, name=name)
        run(s, f"graph export {out / (name + '.png')}, replace")
        png_size((out / f"{name}.png").read_bytes())
    run(s, "scatter math homework, name(sc)")
    run(s, "graph combine sc histogram kdensity serrbar, title(graph combine)")
    run(s, f"graph export {out / 'graph_combine.png'}, replace")
    png_size((out / "graph_combine.png").read_bytes())
    # the Bayesian ones: the talk's model with its seed and sizes
    run(s, "quietly mixed math homework i.schtype || schid: homework, cov(un)")
    run(s, "estimates store m0")
    run(s, "quietly bayes, rseed(317): mixed math homework i.schtype || schid: homework, cov(un)")
    run(s, "quietly bayesstats summary {U0}")
    run(s, "svmat r(summary), names(u2b)")
    for name, cmd in (
        ("bayesgraph_diagnostics", "bayesgraph diagnostics {math:homework}"),
        ("bayesgraph_reffects", "bayesgraph reffects {U0}, blup(m0)"),
        ("bayesgraph_trace", "bayesgraph trace {math:homework}"),
        ("bayesgraph_ac", "bayesgraph ac {math:homework}, ci"),
        ("bayesgraph_histogram", "bayesgraph histogram {math:homework}"),
        ("bayesgraph_kdensity", "bayesgraph kdensity {math:homework}"),
        ("bayesgraph_cusum", "bayesgraph cusum {math:homework}"),
        ("bayesgraph_matrix", "bayesgraph matrix {math:homework} {math:_cons} {e.math:sigma2}"),
        (
            "twoway_kdensity",  # the talk's BLUP-versus-Bayes densities, built by hand
            'twoway (kdensity u2 if tagme) (kdensity u2b1), legend(order(1 "BLUP" '
            '2 "Full Bayesian"))',
        ),
        ("scatter", "scatter math homework"),
    ):
        run(s, cmd)
        run(s, f"graph export {out / (name + '.png')}, replace")
        png_size((out / f"{name}.png").read_bytes())


def test_colour_opacity(math_session) -> None:
    fig = draw(math_session, "scatter math homework, mcolor(red%30)")
    face = next(a for a in fig._fig.axes if a.has_data()).collections[0].get_facecolor()[0]
    assert face[3] == pytest.approx(0.3) and face[0] > 0.5


def test_histogram_addlabels(math_session) -> None:
    fig = draw(
        math_session, "histogram math, bin(5) frequency addlabels addlabopts(mlabcolor(red))"
    )
    ax = next(a for a in fig._fig.axes if a.has_data())
    heights = series(fig)["y"]
    assert [t.get_text() for t in ax.texts] == [f"{h:g}" for h in heights]
    assert sum(heights) == 519
    fig = draw(math_session, "histogram math, bin(5)")
    assert not next(a for a in fig._fig.axes if a.has_data()).texts
    assert fails(math_session, "histogram math, addlabopts(mlabcolor(red))")[1] == 198


def test_schemes(math_session) -> None:
    s = math_session
    cmd = "twoway (scatter math homework) (lfit math homework)"

    def first_colour(fig):
        ax = next(a for a in fig._fig.axes if a.has_data())
        return tuple(ax.collections[0].get_facecolor()[0][:3])

    colour = first_colour(draw(s, cmd))
    mono = first_colour(draw(s, f"{cmd}, scheme(s1mono)"))
    assert colour != mono and mono[0] == mono[1] == mono[2]  # grey
    run(s, "set scheme s2mono")
    grey = first_colour(draw(s, cmd))
    assert grey[0] == grey[1] == grey[2]
    assert first_colour(draw(s, f"{cmd}, scheme(s2color)")) == colour
    run(s, "set scheme s2color")
    assert fails(s, f"{cmd}, scheme(nosuch)") == ("scheme nosuch not found", 111)
    assert fails(s, "set scheme nosuch")[1] == 111


def test_lfitci_ciplot(math_session) -> None:
    from matplotlib.collections import PolyCollection

    def filled(fig) -> bool:
        ax = next(a for a in fig._fig.axes if a.has_data())
        return any(isinstance(c, PolyCollection) for c in ax.collections)

    s = math_session
    base = draw(s, "twoway lfitci math homework")
    assert filled(base)
    band = series(base, plot="lfitci")
    for ci in ("rline", "rcap", "rspike"):
        fig = draw(s, f"twoway lfitci math homework, ciplot({ci})")
        d = series(fig, plot="lfitci")
        np.testing.assert_allclose(d["lo"], band["lo"])
        assert not filled(fig)
    assert fails(s, "twoway lfitci math homework, ciplot(bar)")[1] == 198


def test_second_y_axis(math_session) -> None:
    s = math_session
    fig = draw(
        s,
        'twoway (scatter math homework) (lfit schid homework, yaxis(2)), ytitle("School", axis(2))',
    )
    assert [d["axis"] for d in fig.data["panels"][0]["series"]] == [1, 2]
    assert fig.data["ytitle"] == "Math score" and fig.data["ytitle2"] == "School"
    ax, tw = fig._fig.axes[0], fig.data["twins"][0]
    lo, hi = tw.get_ylim()
    fit = series(fig, plot="lfit")["y"]
    assert lo <= fit.min() and fit.max() <= hi and ax.get_ylim()[1] < 100 < hi
    assert fails(s, "scatter math homework, yaxis(3)")[1] == 198
    assert fails(s, "scatter math homework, xaxis(2)")[1] == 198


def test_second_y_axis_options_and_layout(math_session) -> None:
    s = math_session
    fig = draw(
        s,
        "twoway (scatter math homework) (lfit schid homework, yaxis(2)), "
        "yscale(log axis(2)) ylabel(#3, axis(2))",
    )
    ax, tw = fig._fig.axes[0], fig.data["twins"][0]
    assert tw.get_yscale() == "log" and ax.get_yscale() == "linear"
    # ylabel(#3, axis(2)) spaces labels over the second axis's data, not the first's
    ticks = [t for t in tw.get_yticks() if tw.get_ylim()[0] <= t <= tw.get_ylim()[1]]
    assert ticks and max(ticks) > 100
    # the picture leaves room for the right-hand axis's labels
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    r = FigureCanvasAgg(fig._fig).get_renderer()
    right = tw.get_tightbbox(r).transformed(fig._fig.transFigure.inverted()).x1
    assert right <= 1.0


def test_every_plot_on_the_second_axis(math_session) -> None:
    s = math_session
    fig = draw(s, 'scatter math homework, yaxis(2) ytitle("Score", axis(2))')
    ax = fig._fig.axes[0]
    assert fig.data["twins"] == [] and fig.data["ytitle"] == "Score"
    assert ax.yaxis.get_label_position() == "right" and ax.yaxis.get_ticks_position() == "right"


def test_both_y_axes_show_one_scale(math_session) -> None:
    s = math_session
    fig = draw(s, "scatter math homework, yaxis(1 2)")
    assert len(fig.data["twins"]) == 1
    mirror = fig.data["twins"][0]
    assert mirror.get_ylim() == fig._fig.axes[0].get_ylim()


def test_combine_ycommon_ignores_second_axes(math_session) -> None:
    s = math_session
    run(s, "twoway (scatter math homework) (lfit schid homework, yaxis(2)), name(g1)")
    run(s, "scatter math homework, name(g2)")
    res = s.execute("graph combine g1 g2, ycommon")
    assert res.error is None
    fig = next(o for o in res if isinstance(o, Figure))
    # the common range is the math scores', not stretched to the school ids on axis 2
    assert fig.data["ycommon"][1] < 100


def test_twoway_kdensity_range_and_boundary(math_session) -> None:
    s = math_session
    x = s.data.values("math")
    d = series(draw(s, "twoway kdensity math"), plot="kdensity")
    assert (d["x"].min(), d["x"].max()) == (x.min(), x.max())  # over the data's range
    d = series(draw(s, "twoway kdensity math, boundary"), plot="kdensity")
    h = d["bwidth"]
    assert d["x"].min() == pytest.approx(x.min() - h) and d["x"].max() == pytest.approx(x.max() + h)
    assert fails(s, "twoway kdensity math, boundary range(30 70)")[1] == 198
    assert fails(s, "kdensity math, boundary")[1] == 198
    d = series(draw(s, "kdensity math"), plot="kdensity")  # the command: one bwidth beyond
    assert d["x"].min() == pytest.approx(x.min() - d["bwidth"])


def test_a_variable_against_itself(math_session) -> None:
    """line y y (the 45-degree line of a predicted-against-observed plot) draws y against
    itself, as Stata (a new-user trial found it refused with r(102))."""
    fig = draw(math_session, "twoway (line math math, sort) (scatter math homework)")
    d = fig.data["panels"][0]["series"][0]
    np.testing.assert_array_equal(d["x"], d["y"])
    assert d["n"] == 519
