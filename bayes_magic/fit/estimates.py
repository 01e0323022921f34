"""Estimation results as Stata stores them: ``e()`` scalars, macros, ``e(b)``, ``e(V)``.

An :class:`Estimates` object is what ``estimates store`` keeps and ``estimates restore`` puts
back; expressions read it through ``e(name)``, ``_b[name]`` and ``_se[name]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Estimates", "over_columns", "vce_entries"]


def over_columns(
    design: Any, beta: np.ndarray, V: np.ndarray, *, equation: bool = True
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``e(b)``'s names, ``e(b)`` and ``e(V)`` of a single-equation fit over every column of
    its design, base and omitted levels as zeros (``y:1b.x``, as Stata stores them; without
    the equation name, as ``regress`` stores them, when not ``equation``)."""
    names = [f"{design.depvar}:{c.name}" if equation else c.name for c in design.columns]
    b = np.zeros(len(design.columns))
    b[design.coef_index] = beta
    Vf = np.zeros((len(b), len(b)))
    Vf[np.ix_(design.coef_index, design.coef_index)] = V
    return names, b, Vf


def vce_entries(
    fit: Any,
    vcetype: str | None,
    weight_exp: str | None,
    macros: dict[str, str],
    scalars: dict[str, float],
) -> None:
    """Add the e() macros and scalars of a fit's variance estimator and weights to ``macros``
    and ``scalars``: e(vcetype), e(clustvar), e(N_clust), e(wtype), e(wexp) ([U] 20.22;
    [P] ereturn)."""
    d = fit.design
    if vcetype:
        macros["vcetype"] = vcetype
    if fit.vce == "cluster":
        macros["clustvar"] = d.cluster_var or ""
        scalars["N_clust"] = float(fit.n_clust)
    if d.weights is not None:
        macros["wtype"] = d.weight_kind
        if weight_exp:
            macros["wexp"] = f"= {weight_exp}"


#: the fits by ordinary least squares: regress's postestimation (predict, estat, replay) applies
OLS_COMMANDS = ("regress", "anova")
#: results whose tests and intervals use t on e(df_r) (nlcom, post keeps its command's df)
T_COMMANDS = (*OLS_COMMANDS, "nlcom", "mean", "margins")


@dataclass
class Estimates:
    """Results of one estimation command.

    Attributes
    ----------
    cmd
        The command (``mixed``).
    cmdline
        The command as typed.
    bnames
        Stata's names of ``e(b)``: ``equation:name`` (``math:homework``, ``lns1_1_1:_cons``).
    b, V
        Coefficient vector and its covariance.
    sample
        Which rows of the dataset the fit used, in the row order of the fit.
    ids
        The observation ids (``Dataset.ids``) of those rows: ``e(sample)`` follows the
        observations through ``sort``, ``drop`` and ``keep``, and is 0 in other data.
    scalars, macros
        ``e(N)``, ``e(ll)`` ... and ``e(depvar)``, ``e(title)`` ...
    fit
        The estimator's own result object (``MixedFit``), for postestimation.
    """

    cmd: str
    cmdline: str
    bnames: list[str]
    b: np.ndarray
    V: np.ndarray
    sample: np.ndarray
    scalars: dict[str, float] = field(default_factory=dict)
    macros: dict[str, str] = field(default_factory=dict)
    fit: Any = None
    options: dict[str, Any] = field(default_factory=dict)
    spec: Any = None  # the model spec, for predictions on new data
    name: str | None = None  # the name it is stored under, if any
    ids: np.ndarray | None = None

    def __repr__(self) -> str:  # the fit's arrays (X, Z, ...) are too big to print
        n = self.scalars.get("N")
        obs = f", N = {n:,.0f}" if n is not None and n == n else ""
        return f"<Estimates of {self.cmdline!r}: {len(self.bnames)} coefficients{obs}>"

    @classmethod
    def of_fit(
        cls,
        name: str,
        line: str,
        bnames: list[str],
        b: np.ndarray,
        V: np.ndarray,
        scalars: dict[str, float],
        macros: dict[str, str],
        *,
        fit: Any,
        command: Any,
        spec: Any = None,
    ) -> Estimates:
        """The results of an ML ``fit``: its design's estimation sample, and the options of
        ``command`` (kept for replay)."""
        return cls(
            name,
            line,
            bnames,
            b,
            V,
            fit.design.sample.copy(),
            scalars,
            macros,
            fit=fit,
            options={o.name: o.value for o in command.options},
            spec=spec,
        )

    def lookup(self, key: str) -> Any:
        if key == "sample":
            return self.sample.astype(np.float64)
        if key in self.scalars:
            return self.scalars[key]
        if key in self.macros:
            return self.macros[key]
        if key == "cmd":
            return self.cmd
        if key == "cmdline":
            return self.cmdline
        return None

    def _index(self, key: str) -> int | None:
        key = key.replace(" ", "")
        if key.startswith("/") and ":" not in key:  # a free parameter: _b[/cut1] is /:cut1
            key = "/:" + key[1:]
        if key in self.bnames:
            return self.bnames.index(key)
        # _b[homework] means the first equation's homework; _b[lns1_1_1:_cons] is explicit
        eq0 = self.bnames[0].split(":")[0] if self.bnames else ""
        full = f"{eq0}:{key}"
        if full in self.bnames:
            return self.bnames.index(full)

        # a factor level may be written without its base or omitted marker (1b.x, 3o.x, o.x)
        def unmarked(name: str) -> str:  # 1b.x#2o.z -> 1.x#2.z; o.x -> x
            parts = [re.sub(r"^(\d*)[bno]+\.", r"\1.", p) for p in name.split("#")]
            return "#".join(p[1:] if p.startswith(".") else p for p in parts)

        for i, nm in enumerate(self.bnames):
            eq, colon, nm_ = nm.rpartition(":")
            bare = f"{eq}{colon}{unmarked(nm_)}"
            if bare in (key, full) or bare == f"{eq0}:{unmarked(key)}" or unmarked(nm) == key:
                return i
        # an interaction's parts in another order (1.a#c.x for c.x#1.a), as Stata accepts
        eq_k, colon_k, key_ = key.rpartition(":")
        if "#" in key_:
            want = sorted(unmarked(key_).split("#"))
            for i, nm in enumerate(self.bnames):
                eq, _c, nm_ = nm.rpartition(":")
                same_eq = eq == eq_k if colon_k else eq in ("", eq0)
                if same_eq and sorted(unmarked(nm_).split("#")) == want:
                    return i
        return None

    def coef_lookup(self, kind: str, key: str) -> float | None:
        i = self._index(key)
        if i is None:
            return None
        if kind == "_b":
            return float(self.b[i])
        v = self.V[i, i]
        return float(np.sqrt(v)) if v >= 0 else None
