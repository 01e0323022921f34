"""The graphs in memory: ``graph export`` ([G-2] graph export), ``graph display``
([G-2] graph display), ``graph dir`` ([G-2] graph dir), ``graph drop`` ([G-2] graph drop),
``graph close``, ``graph save``/``graph use`` ([G-2] graph save, graph use) and the files
``saving()`` writes ([G-3] saving_option).

``.gph`` files are bayes_magic's own graph files (the drawn graph and what it shows, pickled):
``graph save``, ``saving(file.gph)``, ``graph use`` and ``graph combine file.gph`` read and write
them in any session. Stata's own ``.gph`` format is not documented; such files are refused
(r(610)), as are ours in Stata.
"""

from __future__ import annotations

import os
from typing import Any

from ..dataset.io import checked_path
from ..errors import StataError
from ..report.output import Output, Text
from ..syntax.ast import Command
from .registry import command

__all__ = [
    "EXPORT_FORMATS",
    "write",
    "check_target",
    "with_suffix",
    "target_of",
    "keep_graph",
    "remember_saved",
    "saved_graph",
    "save_gph",
    "load_gph",
]

_GPH_MAGIC = "bayes_magic graph file, version 1"


#: file formats graph export writes: suffix -> the name Stata's message uses
EXPORT_FORMATS = {
    "png": "PNG",
    "svg": "SVG",
    "pdf": "PDF",
    "eps": "EPS",
    "ps": "PS",
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "tif": "TIFF",
    "tiff": "TIFF",
}


def _current(s, name: str | None) -> tuple[str, Any]:
    if not s.graphs:
        raise StataError("no graphs in memory", 111)
    if name is None:
        name = next(reversed(s.graphs))
    if name not in s.graphs:
        raise StataError(f"graph {name} not found", 111)
    return name, s.graphs[name]


def with_suffix(path: str) -> str:
    """``saving()``'s file name: a PNG unless a suffix says otherwise (``.gph`` included)."""
    base = os.path.basename(path)
    if "." not in base:
        return path + ".png"
    return path


#: the size limits of graph export's width() and height(), in pixels ([G-3] png_options)
MIN_PIXELS, MAX_PIXELS = 8, 16_000


def _pixels(width: Any, height: Any) -> None:
    for v, what in ((width, "width"), (height, "height")):
        if v is not None and not MIN_PIXELS <= int(v) <= MAX_PIXELS:
            raise StataError(
                f"{what}({v}) invalid; {what}() must contain an integer between "
                f"{MIN_PIXELS} and {MAX_PIXELS:,}",
                198,
            )


def check_target(path: str, replace: bool) -> None:
    checked_path(path)
    path = with_suffix(path)
    fmt = path.rsplit(".", 1)[-1].lower()
    if fmt not in EXPORT_FORMATS and fmt != "gph":
        raise StataError(f"file suffix .{fmt} not recognized; use .png, .svg, .pdf or .gph", 198)
    if os.path.exists(path) and not replace:
        raise StataError(f"file {path} already exists", 602)


def target_of(raw: Any) -> tuple[str, bool] | None:
    """``saving(file[, replace])`` as (path, replace), checked before anything is drawn."""
    from .graph_syntax import saving_option

    if raw is None:
        return None
    target = saving_option(raw)
    check_target(*target)
    return target


_GRAPH_SUFFIXES = (".gph", ".png", ".svg", ".pdf", ".eps", ".ps", ".jpg", ".jpeg", ".tif", ".tiff")


def _file_key(path: str) -> str:
    from pathlib import Path

    p = Path(path).expanduser()
    if p.suffix.lower() in _GRAPH_SUFFIXES:
        p = p.with_suffix("")
    return str(p.resolve())


def remember_saved(s, path: str, fig: Any) -> None:
    """Note a graph written by ``saving()``, for ``graph combine file`` and ``graph use``."""
    s.saved_graphs[_file_key(path)] = fig


def saved_graph(s, name: str) -> Any | None:
    """The graph saved to ``name``: by ``saving()`` in this session (``g1``, ``g1.gph``,
    ``g1.png`` ...), else a ``.gph`` file on disk written by ``graph save`` in any session."""
    checked_path(name)
    fig = s.saved_graphs.get(_file_key(name))
    if fig is not None:
        return fig
    full = os.path.expanduser(name)
    suffix = os.path.splitext(full)[1].lower()
    if suffix and suffix != ".gph" and os.path.exists(full):
        raise StataError(f"file {name} is not a graph file (.gph files hold graphs)", 610)
    path = full if suffix == ".gph" else full + ".gph"
    return load_gph(path) if os.path.exists(path) else None


def save_gph(fig_out: Any, path: str) -> None:
    """Write a graph as a bayes_magic ``.gph`` file (atomically)."""
    import pickle

    from .bayespredict import write_atomic

    try:
        write_atomic(path, (_GPH_MAGIC, fig_out))
    except OSError as exc:
        raise StataError(
            f"file {path} could not be opened" + (f": {exc.strerror}" if exc.strerror else ""), 603
        ) from None
    except (pickle.PicklingError, AttributeError, TypeError):
        raise StataError(
            f"graph {getattr(fig_out, 'name', '')} cannot be written as a .gph file; "
            "use graph export for a picture",
            198,
        ) from None


def load_gph(path: str) -> Any:
    """Read a ``.gph`` file written by bayes_magic; r(610) for anything else."""
    import pickle

    try:
        with open(path, "rb") as f:
            magic, fig = pickle.load(f)
    except OSError as exc:
        raise StataError(
            f"file {path} could not be opened" + (f": {exc.strerror}" if exc.strerror else ""), 603
        ) from None
    except Exception:  # Stata's own .gph, damaged, or another program's
        magic, fig = None, None
    if magic != _GPH_MAGIC:
        raise StataError(
            f"file {path} is not a bayes_magic graph file (graphs saved by Stata cannot be read)",
            610,
        )
    return fig


def keep_graph(s, out: Any, target: tuple[str, bool] | None, nodraw: bool) -> list[Output]:
    """Write a drawn graph's ``saving()`` file, keep it in ``s.graphs`` under its name as the
    current graph, and show it unless ``nodraw``."""
    outs: list[Output] = []
    if target is not None:
        path = with_suffix(target[0])
        write(out, path, path.rsplit(".", 1)[-1].lower())
        remember_saved(s, path, out)
        outs.append(Text(f"(file {path} saved)"))
    s.graphs.pop(out.name, None)
    s.graphs[out.name] = out
    if not nodraw:
        outs.append(out)
    return outs


def write(
    fig_out: Any, path: str, fmt: str, width: int | None = None, height: int | None = None
) -> None:
    """Write a Figure as ``fmt``; PNG/JPEG/TIFF of ``width`` x ``height`` pixels when given."""
    if fmt == "gph":
        save_gph(fig_out, path)
        return
    try:
        if fmt in ("png", "jpg", "jpeg", "tif", "tiff") and (width or height or fmt != "png"):
            import io

            from PIL import Image

            img = Image.open(io.BytesIO(fig_out.png))
            if width or height:
                w0, h0 = img.size
                w = width or max(1, round(w0 * height / h0))
                h = height or max(1, round(h0 * width / w0))
                if max(w, h) > MAX_PIXELS:
                    raise StataError(
                        f"the graph would be {int(w)} x {int(h)} pixels; width and height may "
                        f"be at most {MAX_PIXELS:,} pixels (give both width() and height())",
                        198,
                    )
                img = img.resize((int(w), int(h)), Image.LANCZOS)
            if fmt != "png":
                img = img.convert("RGB")
            img.save(
                path,
                format={"jpg": "JPEG", "jpeg": "JPEG", "tif": "TIFF", "tiff": "TIFF"}.get(
                    fmt, "PNG"
                ),
            )
        else:
            fig_out.export(path, fmt)
    except OSError:
        raise StataError(f"file {path} could not be opened", 603) from None


@command("graph", "export")
def graph_export(s, cmd: Command) -> list[Output]:
    """``graph export newfile.suffix [, name() as() replace width() height()]``
    ([G-2] graph export): PNG, SVG, PDF (also EPS, PS, JPEG, TIFF); ``file ... already
    exists`` (r(602)) without ``replace``."""
    words = getattr(cmd.body, "words", ())
    if not words:
        raise StataError("invalid file specification", 198)
    path = words[0]
    checked_path(path)
    _pixels(cmd.option("width"), cmd.option("height"))
    _name, fig_out = _current(s, cmd.option("name"))
    fmt = (cmd.option("as") or "").lower()
    if not fmt:
        base = os.path.basename(path)
        if "." not in base:
            raise StataError(
                "you must specify a file suffix (.png, .svg, .pdf ...) or option as()", 198
            )
        fmt = base.rsplit(".", 1)[-1].lower()
    if fmt not in EXPORT_FORMATS:
        raise StataError(f"export format {fmt} not recognized; use png, svg or pdf", 198)
    if os.path.exists(path) and not cmd.has("replace"):
        raise StataError(f"file {path} already exists", 602)
    write(fig_out, path, fmt, cmd.option("width"), cmd.option("height"))
    return [Text(f"file {path} saved as {EXPORT_FORMATS[fmt]} format")]


@command("graph", "display")
def graph_display(s, cmd: Command) -> list[Output]:
    """``graph display [name]``: show a graph in memory again and make it current."""
    words = getattr(cmd.body, "words", ())
    name, fig_out = _current(s, words[0] if words else None)
    s.graphs.pop(name)
    s.graphs[name] = fig_out
    return [fig_out]


@command("graph", "use")
def graph_use(s, cmd: Command) -> list[Output]:
    """``graph use filename [, name(name) nodraw]``: show again a graph this session saved
    with ``saving()`` and make it the current graph ([G-2] graph use)."""
    import copy

    from .graph_syntax import name_option

    words = getattr(cmd.body, "words", ())
    if not words:
        raise StataError("invalid file specification", 198)
    checked_path(words[0])
    fig = saved_graph(s, words[0])
    if fig is None:
        path = words[0] if "." in os.path.basename(words[0]) else words[0] + ".gph"
        raise StataError(f"file {path} not found", 601)
    name, replace = name_option(cmd.option("name"))
    if name in s.graphs and not replace:
        raise StataError(f"graph {name} already exists", 110)
    out = copy.copy(fig)
    out.name = name
    out.description = f"(graph {name}: graph use {words[0]})"
    s.graphs.pop(name, None)
    s.graphs[name] = out
    return [] if cmd.has("nodraw") else [out]


@command("graph", "save")
def graph_save(s, cmd: Command) -> list[Output]:
    """``graph save [graphname] filename [, replace asis live]`` ([G-2] graph save): write a
    graph in memory (the current one by default) as a ``.gph`` file that ``graph use`` and
    ``graph combine`` read in any later session."""
    words = list(getattr(cmd.body, "words", ()))
    if not words or len(words) > 2:
        raise StataError("invalid file specification", 198)
    name = words[0] if len(words) == 2 else None
    checked_path(words[-1])
    path = os.path.expanduser(words[-1])
    if "." not in os.path.basename(path):
        path += ".gph"
    if not path.lower().endswith(".gph"):
        raise StataError(
            "graph save writes .gph files; use graph export for PNG, SVG or PDF files", 198
        )
    _name, fig_out = _current(s, name)
    if os.path.exists(path) and not cmd.has("replace"):
        raise StataError(f"file {path} already exists", 602)
    save_gph(fig_out, path)
    remember_saved(s, path, fig_out)
    return [Text(f"(file {path} saved)")]


@command("graph", "dir")
def graph_dir(s, cmd: Command) -> list[Output]:
    """``graph dir``: the names of the graphs in memory (also in ``r(list)``)."""
    names = list(s.graphs)
    s.r = {"list": " ".join(names)}
    return [Text("  " + "  ".join(names))] if names else []


@command("graph", "drop")
def graph_drop(s, cmd: Command) -> list[Output]:
    """``graph drop name [name ...]`` or ``graph drop _all``; ``graph NAME not found``
    (r(111)) for a name not in memory."""
    words = list(getattr(cmd.body, "words", ()))
    if words == ["_all"]:
        s.graphs.clear()
        return []
    for w in words:
        if w not in s.graphs:
            raise StataError(f"graph {w} not found", 111)
    for w in words:
        s.graphs.pop(w)
    return []


@command("graph", "close")
def graph_close(s, cmd: Command) -> list[Output]:
    """``graph close``: there are no graph windows to close (graphs stay in memory)."""
    return []
