"""Graph options that used to be accepted without effect: title suboptions, by()'s rescale
options, plain labels on log axes and ``#n`` axis labels."""

from __future__ import annotations

import matplotlib.colors as mcolors
import pytest

from bayes_magic.report.figure import log_ticks, nice_ticks
from tests.conftest import fails, run


def _fig(s):
    return s.graphs["Graph"]._fig


def _text(fig, content: str):
    found = [t for t in fig.texts if t.get_text() == content]
    assert len(found) == 1, [t.get_text() for t in fig.texts]
    return found[0]


def _box(fig, t):
    fig.canvas.draw()
    return t.get_window_extent().transformed(fig.transFigure.inverted())


def _plot_box(fig):
    from matplotlib.transforms import Bbox

    return Bbox.union([ax.get_position() for ax in fig.axes if ax.get_visible()])


# --- 1. title(), subtitle(), note(), caption(), xtitle(), ytitle() suboptions -------------


def test_title_default_look_unchanged(math_session):
    run(math_session, "scatter math homework, title(Tee) note(Nn)")
    fig = _fig(math_session)
    t, n = _text(fig, "Tee"), _text(fig, "Nn")
    assert t.get_fontsize() == 13.5 and t.get_ha() == "center"
    assert mcolors.to_rgba(t.get_color()) == (0, 0, 0, 1)
    assert t.get_position()[0] == pytest.approx(0.5, abs=0.1)
    assert n.get_fontsize() == 8 and n.get_ha() == "left"
    plot = _plot_box(fig)
    assert _box(fig, t).y0 > plot.y1 and _box(fig, n).y1 < plot.y0


def test_title_size_color_position(math_session):
    run(math_session, "scatter math homework, title(Tee, position(11) size(huge) color(red))")
    fig = _fig(math_session)
    t = _text(fig, "Tee")
    assert t.get_fontsize() == 18.0  # huge
    assert mcolors.to_rgba(t.get_color()) == (1.0, 0.0, 0.0, 1.0)
    assert t.get_ha() == "left"
    box, plot = _box(fig, t), _plot_box(fig)
    assert box.x1 < 0.5 and box.y0 > plot.y1  # top left


def test_title_position_6_goes_below(math_session):
    run(math_session, "scatter math homework, title(Tee, pos(6)) subtitle(Sub, size(small))")
    fig = _fig(math_session)
    t, sub = _text(fig, "Tee"), _text(fig, "Sub")
    plot = _plot_box(fig)
    assert _box(fig, t).y1 < plot.y0
    assert _box(fig, sub).y0 > plot.y1
    assert sub.get_fontsize() == 8.0


def test_note_caption_position_and_justification(math_session):
    run(
        math_session,
        "scatter math homework, note(Nn, position(5)) caption(Cc, justification(right) box)",
    )
    fig = _fig(math_session)
    n, c = _text(fig, "Nn"), _text(fig, "Cc")
    assert n.get_ha() == "right" and _box(fig, n).x0 > 0.5
    assert c.get_ha() == "right" and c.get_bbox_patch() is not None


def test_title_ring0_inside_plot(math_session):
    run(math_session, "scatter math homework, title(Tee, ring(0) position(1))")
    fig = _fig(math_session)
    box, plot = _box(fig, _text(fig, "Tee")), _plot_box(fig)
    assert plot.x0 < box.x0 and box.x1 <= plot.x1 + 1e-6
    assert plot.y0 < box.y0 and box.y1 <= plot.y1 + 1e-6


def test_title_side_position(math_session):
    run(math_session, "scatter math homework, title(Tee, position(3))")
    fig = _fig(math_session)
    box = _box(fig, _text(fig, "Tee"))
    assert box.x0 > max(ax.get_position().x1 for ax in fig.axes)


def test_axis_title_size_color(math_session):
    run(
        math_session,
        "scatter math homework, xtitle(Ex, size(vlarge) color(blue)) ytitle(Why, size(small))",
    )
    ax = _fig(math_session).axes[0]
    assert ax.xaxis.label.get_text() == "Ex"
    assert ax.xaxis.label.get_fontsize() == 14.0
    assert mcolors.to_rgba(ax.xaxis.label.get_color()) == (0.0, 0.0, 1.0, 1.0)
    assert ax.yaxis.label.get_fontsize() == 8.0


def test_by_title_suboptions(math_session):
    run(math_session, "scatter math homework, by(schtype, title(Bee, size(large) color(red)))")
    t = _text(_fig(math_session), "Bee")
    assert t.get_fontsize() == 12.0
    assert mcolors.to_rgba(t.get_color()) == (1.0, 0.0, 0.0, 1.0)


@pytest.mark.parametrize(
    "opt, rc",
    [
        ("title(T, size(bogus))", 111),
        ("title(T, position(13))", 198),
        ("note(T, ring(x))", 198),
        ("caption(T, justification(middle))", 198),
        ("xtitle(T, color(nosuchcolor))", None),
    ],
)
def test_title_suboption_errors(math_session, opt, rc):
    _, got = fails(math_session, f"scatter math homework, {opt}")
    if rc is not None:
        assert got == rc


# --- 2. by(..., yrescale xrescale rescale ixaxes iyaxes) ------------------------------------

SPLIT = "scatter math homework if (schtype==0 & math<45) | (schtype==1 & math>=55)"


def _panels(s):
    return [ax for ax in _fig(s).axes if ax.get_visible() and ax.has_data()]


def test_by_shared_scale_by_default(math_session):
    run(math_session, f"{SPLIT}, by(schtype)")
    a, b = _panels(math_session)
    assert a.get_ylim() == b.get_ylim()


def test_by_yrescale_own_y_scales(math_session):
    run(math_session, f"{SPLIT}, by(schtype, yrescale)")
    a, b = _panels(math_session)
    assert a.get_ylim()[1] < 50 < b.get_ylim()[0]
    assert a.get_xlim() == b.get_xlim()
    # each panel labels its own y axis
    assert all(lab.get_visible() for lab in b.get_yticklabels())
    assert [t.get_text() for t in b.get_yticklabels() if t.get_text()]


def test_by_xrescale_and_rescale(math_session):
    run(math_session, "scatter math homework if homework<3 | schtype==1, by(schtype, xrescale)")
    a, b = _panels(math_session)
    assert a.get_xlim() != b.get_xlim() and a.get_ylim() == b.get_ylim()
    run(math_session, f"{SPLIT} & (homework<3 | schtype==1), by(schtype, rescale)")
    a, b = _panels(math_session)
    assert a.get_xlim() != b.get_xlim() and a.get_ylim() != b.get_ylim()


def test_by_yrescale_label_count_per_panel(math_session):
    run(math_session, f"{SPLIT}, by(schtype, yrescale) ylabel(#3)")
    for ax in _panels(math_session):
        lo, hi = ax.get_ylim()
        inside = [v for v in ax.get_yticks() if lo <= v <= hi]
        assert 2 <= len(inside) <= 4


def test_by_iyaxes_ixaxes(math_session):
    run(math_session, "scatter math homework, by(schtype)")
    b = _panels(math_session)[1]
    assert not b.yaxis.get_tick_params()["labelleft"]
    run(math_session, "scatter math homework, by(schtype, iyaxes)")
    b = _panels(math_session)[1]
    assert b.yaxis.get_tick_params()["labelleft"]
    run(math_session, "scatter math homework, by(schtype, cols(1) ixaxes)")
    top = _panels(math_session)[0]
    assert top.xaxis.get_tick_params()["labelbottom"]


# --- 3. log axes labelled with plain numbers --------------------------------------------


def _labels(axis):
    axis.figure.canvas.draw()  # a drawn figure has its tick texts
    lo, hi = sorted(axis.get_view_interval())
    return [
        t.get_text()
        for t, v in zip(axis.get_majorticklabels(), axis.get_majorticklocs())
        if lo <= v <= hi
    ]


def test_log_axis_plain_labels(math_session):
    run(math_session, "scatter math homework, yscale(log) xscale(log)")
    ax = _fig(math_session).axes[0]
    ys = _labels(ax.yaxis)
    assert ys and all(t.replace(".", "").isdigit() for t in ys), ys
    assert "$" not in "".join(ys + _labels(ax.xaxis))
    assert ys == ["30", "40", "50", "60", "70"]
    minor = [t.get_text() for t in ax.yaxis.get_minorticklabels()]
    assert not any(minor)


def test_log_axis_wide_range_powers_of_ten(math_session):
    run(math_session, "scatter math schid, xscale(log) ylabel(#3)")
    assert "$" not in "".join(_labels(_fig(math_session).axes[0].xaxis))
    assert log_ticks(1, 5000) == [1.0, 10.0, 100.0, 1000.0]


def test_log_axis_survives_graph_save(math_session, tmp_path):
    path = tmp_path / "g.gph"
    run(math_session, f"scatter math homework, yscale(log)\ngraph save {path}")
    run(math_session, f"graph use {path}")


# --- 4. #n asks for about n nice labels -------------------------------------------------


def test_ylabel_count_3(math_session):
    run(math_session, "scatter math homework, ylabel(#3)")
    ax = _fig(math_session).axes[0]
    assert _labels(ax.yaxis) == ["40", "60", "80"]


@pytest.mark.parametrize("n", [2, 4, 5, 6, 8])
def test_label_count_near_n(math_session, n):
    run(math_session, f"scatter math homework, ylabel(#{n}) xlabel(#{n})")
    ax = _fig(math_session).axes[0]
    for axis in (ax.xaxis, ax.yaxis):
        got = len(_labels(axis))
        assert abs(got - n) <= max(1, n // 3), (n, _labels(axis))


def test_label_count_0_means_none(math_session):
    run(math_session, "scatter math homework, xlabel(#0)")
    assert _labels(_fig(math_session).axes[0].xaxis) == []


def test_nice_ticks():
    assert nice_ticks(30, 71, 3) == [40, 60, 80]
    assert nice_ticks(30, 71, 5) == [30, 40, 50, 60, 70]
    assert nice_ticks(12, 41, 5) == [10, 20, 30, 40]
    assert nice_ticks(1760, 4840, 5) == [2000, 3000, 4000, 5000]
    assert len(nice_ticks(30, 71, 2)) >= 2
    assert nice_ticks(0, 1, 0) == []
    assert nice_ticks(3, 3, 4) == [3]
