"""Stata's coefficient tables: the layout shared by ``mixed``, ``bayes:`` and ``bayesmh``.

A table is a stub column (the equation name over row labels, 12 characters, right-aligned) and
value columns. Rows are grouped by equation; factor variables get a heading row and their levels
(``Private  |          0  (base)``); blank ``|`` rows separate factor blocks, as Stata prints
them. Text follows Stata's console layout; HTML shows the same cells.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .format import abbrev, fmt_f, fmt_g
from .output import Rule, html_table

__all__ = [
    "CoefRow",
    "Equation",
    "CoefTable",
    "ml_table",
    "fmt_coef",
    "restyle",
    "stat_columns",
    "DISPLAY_OPTIONS",
    "DISPLAY_REFUSED",
    "table_results",
]


def fmt_coef(x: float) -> str:
    return fmt_g(x, 9)


@dataclass
class CoefRow:
    """One row: a plain coefficient, a factor level, a base or omitted level, or a heading."""

    label: str
    values: list[float] = field(default_factory=list)
    #: "coef", "level", "base", "omitted", "empty" (a factor level left without observations),
    #: "omitted_var", "heading", "blank", "re" (a variance component of an ``me*`` table),
    #: or "base_outcome" (``mlogit``'s base outcome: its equation reads ``(base outcome)``)
    kind: str = "coef"
    #: the parameter behind the row (``math:homework``), for tables that return a matrix
    param: str | None = None


@dataclass
class Equation:
    name: str
    rows: list[CoefRow]


def fmt_stat(x: float) -> str:
    """A z or t statistic in %9.2f, or in exponential form when it does not fit (a standard
    error near zero), as Stata shows a number too wide for its format."""
    text = fmt_f(x, 2)
    return text if len(text) <= 8 else f"{x:.1e}"


def _level_text(level: float) -> str:
    return str(int(level)) if level == int(level) else f"{level:g}"


class CoefTable:
    """A coefficient table in Stata's layout.

    Parameters
    ----------
    equations
        Equations in order, each with its rows.
    header
        The header line's cells after the stub (already laid out to ``width``).
    row_format
        Turns a row's values into the text after the stub.
    html_header
        Column names for the HTML table.
    """

    def __init__(
        self,
        equations: list[Equation],
        header: str,
        row_format: Callable[[CoefRow], str],
        html_header: list[str],
        html_cells: Callable[[CoefRow], list[str]],
        *,
        stub_title: str | None = None,
        pre_header: str | None = None,
        named: bool = False,
        width: int = 78,
        blocks: bool = False,
        level_stub: int = 11,
        base_width: int = 11,
        stub: int = 12,
        base_zero: bool = True,
        base_text: str = "0",
    ) -> None:
        self.equations = equations
        self.header = header
        self.row_format = row_format
        self.html_header = html_header
        self.html_cells = html_cells
        self.stub_title = stub_title
        self.pre_header = pre_header
        #: print a single equation's name above its rows (margins' ``loginc |``), not as the
        #: stub's title
        self.named = named
        self.width = width
        #: Bayesian tables show the equation block line even for one equation, right-align level
        #: rows in the full stub, and print a base level's 0 in a 10-character column
        self.blocks = blocks
        self.level_stub = level_stub + (stub - 12)
        self.base_width = base_width
        #: the stub's width (12 in Stata's tables; wider for ``melabel``'s ``var(homework)``)
        self.stub = stub
        #: base levels print ``0  (base)``, or only ``(base)`` in tables of other numbers
        self.base_zero = base_zero
        #: the base and omitted levels' value: 0, or 1 in exponentiated tables (odds ratios)
        self.base_text = base_text
        #: ``coeflegend``: each row's ``_b[name]`` instead of its statistics
        self.legend: Callable[[CoefRow], str] | None = None
        #: ``allbaselevels``: an interaction's base cells too (Stata shows only the estimated
        #: cells of an interaction, and main effects' base levels)
        self.all_base = False

    def _shown(self, rows: list[CoefRow]) -> list[CoefRow]:
        """The rows drawn: an interaction's base cells are left out when each of its factors
        has its main effect in the model (the base is implied), unless ``allbaselevels``."""
        if self.all_base:
            return rows
        mains = {
            p.split(".", 1)[1] for p in (r.param for r in rows) if p and "#" not in p and "." in p
        }

        def implied(r: CoefRow) -> bool:
            if r.kind != "base" or "#" not in (r.param or r.label):
                return False
            parts = (r.param or "").split("#")
            factors = [x.split(".", 1)[1] for x in parts if "." in x and x[0].isdigit()]
            return bool(factors) and all(f in mains for f in factors)

        return [r for r in rows if not implied(r)]

    def text(self) -> str:
        sw = self.stub
        w = self.width + (sw - 12)
        rule = "-" * w
        sep = "-" * (sw + 1) + "+" + "-" * (w - sw - 2)
        lines = [rule]
        if self.pre_header is not None:
            lines.append(f"{'':>{sw}} |" + self.pre_header)
        single = len(self.equations) == 1 and not self.blocks and not self.named
        title = (
            self.stub_title
            if self.stub_title is not None
            else (self.equations[0].name if single else "")
        )
        head = abbrev(title, sw)
        lines.append(f"{head:>{sw}} |" + self.header)
        lines.append(sep)
        for k, eq in enumerate(self.equations):
            if not single:
                if k:
                    lines.append(sep)
                if eq.name:
                    name = abbrev(eq.name, sw)
                    base = eq.rows and eq.rows[0].kind == "base_outcome"
                    lines.append(f"{name:<{sw}} |" + ("  (base outcome)" if base else ""))
            for r in self._shown(eq.rows):
                if r.kind == "base_outcome":  # mlogit's base outcome: on its name's line
                    continue
                lines.append(self._row(r))
        lines.append(rule)
        return "\n".join(line.rstrip() for line in lines)

    def _row(self, r: CoefRow) -> str:
        k = self.stub
        if r.kind == "blank":
            return f"{'':>{k}} |"
        if r.kind == "heading":
            if len(r.label) > k and "#" in r.label:
                # Stata breaks a long interaction heading after each "#": "schtype#|"
                pieces = r.label.split("#")
                head = [f"{abbrev(x + '#', k + 1):>{k + 1}}|" for x in pieces[:-1]]
                return "\n".join([*head, f"{abbrev(pieces[-1], k):>{k}} |"])
            return f"{abbrev(r.label, k):>{k}} |"
        if r.kind == "re":  # me* variance rows: ``   var(_cons)|``, right-aligned to the bar
            if len(r.label) > k + 1 and r.label.startswith("cov(") and "," in r.label:
                # a long covariance breaks after its comma: ``   cov(urban,|`` /
                # ``       _cons)|`` with the numbers, as Stata 17 lays it out
                first, rest = r.label.split(",", 1)
                return (
                    f"{abbrev(first + ',', k + 1):>{k + 1}}|\n"
                    + f"{abbrev(rest, k + 1):>{k + 1}}|"
                    + self.row_format(r)
                )
            return f"{abbrev(r.label, k + 1):>{k + 1}}|" + self.row_format(r)
        if r.kind in ("offset", "exposure"):  # ``ln(size) |          1  (exposure)``
            return f"{abbrev(r.label, k):>{k}} |" + f"{'1':>{self.base_width}}  ({r.kind})"
        if r.kind == "notest":  # a margin over an empty cell ([R] margins)
            n = self.level_stub
            return f"{abbrev(r.label, n):>{n}}{' ' * (k + 1 - n)}|  (not estimable)"
        if r.kind in ("level", "base", "omitted", "empty"):
            n = self.level_stub
            stub = f"{abbrev(r.label, n):>{n}}{' ' * (k + 1 - n)}|"
        elif len(r.label) > k and "#" in r.label and r.kind == "coef":
            # a long interaction of continuous variables: broken after each "#", the numbers
            # on its last line (c.homework#| / c.homework |), as Stata lays it out
            pieces = r.label.split("#")
            head = [f"{abbrev(x + '#', k + 1):>{k + 1}}|" for x in pieces[:-1]]
            stub = "\n".join([*head, f"{abbrev(pieces[-1], k):>{k}} |"])
        else:
            stub = f"{abbrev(r.label, k):>{k}} |"
        if r.kind in ("base", "omitted", "omitted_var", "empty") and self.legend is not None:
            return stub + f"{self.base_text:>{self.base_width}}  {self.legend(r)}"
        if r.kind == "base":
            if not self.base_zero:
                return stub + "  (base)"
            return stub + f"{self.base_text:>{self.base_width}}  (base)"
        if r.kind in ("omitted", "omitted_var", "empty"):
            word = "empty" if r.kind == "empty" else "omitted"
            return stub + f"{self.base_text:>{self.base_width}}  ({word})"
        return stub + self.row_format(r)

    def html(self, caption: str | None = None, notes: list[str] | None = None) -> str:
        rows: list = []
        single = len(self.equations) == 1 and not self.blocks and not self.named
        for k, eq in enumerate(self.equations):
            if not single:
                if k:
                    rows.append(Rule())
                if eq.name:
                    rows.append(eq.name)
            for r in self._shown(eq.rows):
                if r.kind == "blank":
                    continue
                if r.kind == "base_outcome":
                    rows.append(["", "(base outcome)"] + [""] * (len(self.html_header) - 2))
                    continue
                if r.kind == "heading":
                    rows.append([r.label] + [""] * (len(self.html_header) - 1))
                elif r.kind in ("offset", "exposure"):
                    rows.append([r.label, "1", f"({r.kind})"] + [""] * (len(self.html_header) - 3))
                elif r.kind == "notest":
                    rows.append(
                        ["  " + r.label, "(not estimable)"] + [""] * (len(self.html_header) - 2)
                    )
                elif r.kind in ("base", "omitted", "omitted_var", "empty"):
                    rows.append(
                        [
                            "  " + r.label,
                            self.base_text,
                            f"({r.kind.split('_')[0]})",
                        ]
                        + [""] * (len(self.html_header) - 3)
                    )
                else:
                    lab = ("  " + r.label) if r.kind == "level" else r.label
                    rows.append([lab, *self.html_cells(r)])
        title = self.equations[0].name if single else ""
        return html_table([[title, *self.html_header]], rows, caption=caption, notes=notes)


def exponentiate(rows: list[CoefRow]) -> None:
    """Turn rows of ``b se z p lo hi`` into exp(b), exp(b)·se (the delta method), the same z
    and p, and the interval's exponentiated ends: odds ratios, IRRs, RRRs ([R] Estimation
    options, eform)."""
    from .format import exp_or_inf

    for r in rows:
        if r.values:
            b, se, z, p, lo, hi = r.values
            e = exp_or_inf(b)
            r.values = [e, e * se, z, p, exp_or_inf(lo), exp_or_inf(hi)]


def ml_table(equations: list[Equation], level: float = 95) -> CoefTable:
    """The ``Coefficient  Std. err.  z  P>|z|  [95% conf. interval]`` table of ML commands."""
    ci = f"[{_level_text(level)}% conf. interval]"
    header = f" {'Coefficient':>11}  {'Std. err.':>9}{'z':>7}{'P>|z|':>9}     {ci}"

    def fmt_row(r: CoefRow) -> str:
        b, se, z, p, lo, hi = r.values
        return (
            f"{fmt_coef(b):>11}{fmt_coef(se):>11}{fmt_stat(z):>9}{fmt_f(p, 3):>8}"
            f"{fmt_coef(lo):>13}{fmt_coef(hi):>12}"
        )

    def cells(r: CoefRow) -> list[str]:
        b, se, z, p, lo, hi = r.values
        return [fmt_coef(b), fmt_coef(se), fmt_stat(z), fmt_f(p, 3), fmt_coef(lo), fmt_coef(hi)]

    return CoefTable(
        equations,
        header,
        fmt_row,
        ["Coefficient", "Std. err.", "z", "P>|z|", f"[{_level_text(level)}% conf.", "interval]"],
        cells,
    )


#: display options ([R] Estimation options) the ML tables do not honour yet: refused
DISPLAY_REFUSED = ("noemptycells", "fvwrap", "fvwrapon")
#: the display options :func:`restyle` applies (allowed on replay too)
DISPLAY_OPTIONS = (
    "noci",
    "nopvalues",
    "noomitted",
    "vsquish",
    "baselevels",
    "allbaselevels",
    "nofvlabel",
    "cformat",
    "pformat",
    "sformat",
    "nolstretch",
    "coeflegend",
    *DISPLAY_REFUSED,
)


def restyle(table: CoefTable, opts: dict, *, eq_names: bool = False) -> CoefTable:
    """Apply the display options of an ML coefficient table (values ``b se z p lo hi``):
    ``noci``, ``nopvalues``, ``cformat()``, ``pformat()``, ``sformat()``, ``coeflegend``,
    ``noomitted``, ``vsquish`` and ``nofvlabel`` ([R] Estimation options). ``eq_names`` writes
    the legend's names with their equation (``_b[math:homework]``).

    Base levels of main effects are always shown (``baselevels`` changes nothing); those of
    interactions with ``allbaselevels`` only. ``nolstretch`` changes nothing (the stub never
    stretches).
    """
    from ..errors import StataError
    from .format import check_format

    table.all_base = bool(opts.get("allbaselevels"))
    for key in DISPLAY_REFUSED:
        if opts.get(key):
            raise StataError(f"option {key} is not available in bayes_magic yet", 198)
    keys = ("noci", "nopvalues", "cformat", "pformat", "sformat", "coeflegend")
    if not any(opts.get(k) for k in (*keys, "noomitted", "vsquish", "nofvlabel")):
        return table
    for key in ("cformat", "pformat", "sformat"):
        if opts.get(key):
            check_format(str(opts[key]))
    if opts.get("noomitted") or opts.get("vsquish") or opts.get("nofvlabel"):
        for eq in table.equations:
            rows = []
            for r in eq.rows:
                if opts.get("noomitted") and r.kind in ("omitted", "omitted_var", "empty"):
                    continue
                if opts.get("vsquish") and r.kind == "blank":
                    continue
                if (
                    opts.get("nofvlabel")
                    and r.kind in ("level", "base", "omitted", "empty")
                    and r.param
                ):
                    r.label = r.param.split(".", 1)[0].rstrip("bno") or r.label
                rows.append(r)
            eq.rows = rows
    head = table.header
    first = head[1:12].strip() or "Coefficient"
    se_title = head[12:23].strip() or "Std. err."
    zt = "t" if "P>|t|" in head else "z"
    ci = head[39:].strip()
    beta = ci == "Beta"  # regress, beta: the standardized coefficient instead of the interval
    if opts.get("coeflegend"):

        def name_of(r: CoefRow) -> str:
            if not r.param:
                return ""
            eq = next((e.name for e in table.equations if r in e.rows), "")
            return f"_b[{eq}:{r.param}]" if eq_names and eq else f"_b[{r.param}]"

        table.header = f" {first:>11}  Legend"
        table.pre_header = None

        def legend_row(r: CoefRow) -> str:
            return f"{fmt_coef(r.values[0]) if r.values else '':>11}  {name_of(r)}"

        table.row_format = legend_row
        table.html_header = [first, "Legend"]
        table.html_cells = lambda r: [fmt_coef(r.values[0]), name_of(r)]
        table.legend = name_of
        return table
    cols = stat_columns(
        first,
        zt,
        ci,
        se_title=se_title,
        beta=beta,
        noci=bool(opts.get("noci")),
        nopvalues=bool(opts.get("nopvalues")),
        cformat=opts.get("cformat") or None,
        pformat=opts.get("pformat") or None,
        sformat=opts.get("sformat") or None,
    )
    table.header, table.row_format, table.html_header, table.html_cells = cols
    return table


def ml_columns(
    first: str, zt: str, ci: str, vcetype: str | None = None, *, beta: bool = False
) -> tuple[str, Callable[[CoefRow], str], list[str], Callable[[CoefRow], list[str]], str | None]:
    """:func:`stat_columns` of an ML table with its variance estimator's title (``Robust``)
    centred over the standard errors, as Stata's, and that title line (None without)."""
    pre = f"{'':{max(18 - len(vcetype) // 2, 12)}}{vcetype}" if vcetype else None
    header, fmt_row, titles, cells = stat_columns(
        first,
        zt,
        ci,
        se_title="std. err." if vcetype else "Std. err.",
        html_se=f"{vcetype} std. err." if vcetype else None,
        beta=beta,
    )
    return header, fmt_row, titles, cells, pre


def stat_columns(
    first: str,
    zt: str,
    ci: str,
    *,
    se_title: str = "Std. err.",
    html_se: str | None = None,
    beta: bool = False,
    margin: bool = False,
    noci: bool = False,
    nopvalues: bool = False,
    cformat: str | None = None,
    pformat: str | None = None,
    sformat: str | None = None,
) -> tuple[str, Callable[[CoefRow], str], list[str], Callable[[CoefRow], list[str]]]:
    """The header, row formatter, HTML header and HTML cells of an ML table whose rows hold
    ``b se z p lo hi``: ``Coefficient  Std. err.  z  P>|z|  [95% conf. interval]``, with
    ``beta`` a Beta column (``lo``) instead of the interval, ``margin`` margins' header
    (``     Margin   std. err.``), and the display options ``noci``, ``nopvalues`` and
    ``cformat()``/``pformat()``/``sformat()`` ([R] Estimation options)."""
    from .format import fmt_number

    def num(x: float, fmt: str | None, default: Callable[[float], str], width: int) -> str:
        if x != x:
            return f"{'':>{width}}"
        return f"{fmt_number(x, fmt).strip() if fmt else default(x):>{width}}"

    def two(x: float) -> str:
        return fmt_stat(x)

    def three(x: float) -> str:
        return fmt_f(x, 3)

    def cells(r: CoefRow) -> list[str]:
        b, se, z, p, lo, hi = r.values
        out = [num(b, cformat, fmt_coef, 11), num(se, cformat, fmt_coef, 11)]
        if not nopvalues:
            out += [num(z, sformat, two, 9), num(p, pformat, three, 8)]
        if beta:  # the constant's Beta is missing: "."
            out.append(num(lo, cformat, fmt_coef, 25) if lo == lo else f"{'.':>25}")
        elif not noci:
            out += [num(lo, cformat, fmt_coef, 13), num(hi, cformat, fmt_coef, 12)]
        return out

    header = f"{first:>11}   {se_title:>9}" if margin else f" {first:>11}  {se_title:>9}"
    titles = [first, html_se or se_title]
    if not nopvalues:
        header += f"{zt:>7}{f'P>|{zt}|':>9}"
        titles += [zt, f"P>|{zt}|"]
    if beta:
        header += f"{'Beta':>25}"
        titles.append("Beta")
    elif not noci:
        header += f"     {ci}"
        titles += [ci.rsplit(" ", 1)[0], "interval]"]
    return header, lambda r: "".join(cells(r)), titles, lambda r: [c.strip() for c in cells(r)]


#: the rows of a table that stand for a parameter of ``e(b)``, in ``e(b)``'s order
_PARAM_KINDS = ("coef", "level", "base", "omitted", "empty", "omitted_var", "re", "notest")


def table_results(
    table: CoefTable,
    names: list[str],
    level: float,
    *,
    stat: str = "z",
    df: float | list[float] | None = None,
    eform: bool = False,
) -> dict:
    """``r(table)`` and ``r(level)`` of a displayed coefficient table, as ``_coef_table``
    leaves them ([R] Stored results; [P] _coef_table): one column per parameter row, named
    by ``names`` (``e(b)``'s stripe, in the table's order; rows past the end of ``names``, such
    as ``nbreg``'s ``alpha``, are transformations and stay out), and the rows ``b se z
    pvalue ll ul df crit eform`` holding what the table shows (odds ratios under ``eform``).
    Base and omitted levels are ``b`` = 0 (1 under ``eform``), ``se`` = 0 and missing
    statistics; ``df`` is missing for z statistics; ``crit`` is the critical value of the
    interval; ``eform`` is 1 in the exponentiated columns (not variance components or
    cutpoints)."""
    import numpy as np
    from scipy import stats

    from ..matrix import Matrix

    nan = float("nan")
    rows = [r for eq in table.equations for r in eq.rows if r.kind in _PARAM_KINDS]
    rows = rows[: len(names)]
    k = len(rows)
    dfs = list(df) if isinstance(df, list) else [nan if df is None else float(df)] * k
    M = np.full((9, k), nan)
    for j, r in enumerate(rows):
        # eform exponentiates the coefficients, not the variance components and cutpoints
        ef = eform and r.kind != "re" and not (r.param or "").startswith("/")
        if r.kind in ("base", "omitted", "empty", "omitted_var") or not r.values:
            M[0, j], M[1, j] = (1.0 if ef else 0.0), 0.0
        else:
            M[:6, j] = [float(v) for v in r.values[:6]]
        d = dfs[j]
        M[6, j] = d
        q = 0.5 + level / 200
        M[7, j] = float(stats.norm.ppf(q)) if d != d else float(stats.t.ppf(q, d))
        M[8, j] = 1.0 if ef else 0.0
    rownames = ["b", "se", stat, "pvalue", "ll", "ul", "df", "crit", "eform"]
    return {"level": float(level), "table": Matrix(M, rownames, list(names[:k]))}
