"""``Posterior``: the MCMC results of ``bayes:`` and ``bayesmh``, for every postestimation command.

Draws are ``draws[chain, draw, parameter]`` with parameter names in Stata's ``{eq:name}`` form
(without braces), random effects ``re_draws[chain, draw, effect]`` named ``U0[6053]``, and the
log likelihood of each draw. It also carries the model, the command line, the seed and options,
acceptance rates per block and the estimation sample, so that ``estimates store/restore``,
``bayesstats``, ``bayestest``, ``bayesgraph`` and ``predict`` work on any stored result. It
behaves like :class:`~bayes_magic.fit.estimates.Estimates` for ``e()`` (posterior means as
``e(b)``), saves to and loads from disk with its spec, and converts to ArviZ's InferenceData.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Posterior", "load"]

_MAGIC = "bayes_magic.posterior.v1"


@dataclass
class Posterior:
    """The simulation results of one Bayesian estimation."""

    cmd: str  # "bayes" (prefix on mixed) or "bayesmh"
    cmdline: str
    names: list[str]  # reported parameters, e.g. "math:homework", "U:Sigma_1_1", "e.math:sigma2"
    draws: np.ndarray  # (chains, draws, params)
    re_names: list[str]
    re_draws: np.ndarray  # (chains, draws, effects)
    loglik: np.ndarray  # (chains, draws): log p(y | θ, b)
    logprior: np.ndarray | None = None  # (chains, draws): log p(θ) + log p(b | θ)
    sample: np.ndarray | None = None  # bool over the dataset
    model: Any = None  # the BayesLinearModel
    layout: Any = None
    info: dict[str, Any] = field(default_factory=dict)  # groups, acceptance, timing, seeds ...
    options: dict[str, Any] = field(default_factory=dict)  # display options given at estimation
    name: str | None = None
    spec: Any = None
    warnings: list[str] = field(default_factory=list)
    ids: np.ndarray | None = None  # observation ids of the estimation sample (e(sample))
    #: (chains,): log p(y | θ̄, b̄) + log p(θ̄) + log p(b̄ | θ̄) at each chain's posterior mean
    logpost_mean: np.ndarray | None = None

    def __repr__(self) -> str:  # the arrays are too big to print
        chains = f"{self.nchains} chain{'s' if self.nchains != 1 else ''}"
        return (
            f"<Posterior of {self.cmdline!r}: {chains} × {self.mcmcsize:,} draws of "
            f"{len(self.names)} parameters and {len(self.re_names)} random effects>"
        )

    # -- shape ----------------------------------------------------------------------------------
    @property
    def nchains(self) -> int:
        return self.draws.shape[0]

    @property
    def mcmcsize(self) -> int:
        return self.draws.shape[1]

    def linear_coef_names(self) -> list[str]:
        """The coefficients of the linear predictor: the layout's coefficients without the
        likelihood's own parameters that follow them (cutpoints, ln α)."""
        names = list(self.layout.coef_names)
        n_aux = len(getattr(self.model, "aux_names", []))
        return names[: len(names) - n_aux]

    def index(self, name: str) -> int:
        return self.names.index(name)

    def chains_of(self, name: str) -> np.ndarray:
        """Draws of one parameter or random effect: (chains, draws)."""
        if name in self.names:
            return self.draws[:, :, self.names.index(name)]
        if name in self.re_names:
            return self.re_draws[:, :, self.re_names.index(name)]
        raise KeyError(name)

    # -- Estimates-like interface for e(), _b[] and the estimates commands ---------------------
    @property
    def bnames(self) -> list[str]:
        return self.names

    @property
    def b(self) -> np.ndarray:
        return self.draws.reshape(-1, len(self.names)).mean(axis=0)

    @property
    def V(self) -> np.ndarray:
        flat = self.draws.reshape(-1, len(self.names))
        return np.atleast_2d(np.cov(flat, rowvar=False))

    @property
    def scalars(self) -> dict[str, float]:
        return self.info.get("scalars", {})

    @property
    def macros(self) -> dict[str, str]:
        return self.info.get("macros", {})

    def lookup(self, key: str) -> Any:
        if key == "sample":
            return self.sample.astype(np.float64)
        if key in self.scalars:
            return self.scalars[key]
        if key in self.macros:
            return self.macros[key]
        return None

    def coef_lookup(self, kind: str, key: str) -> float | None:
        key = key.replace(" ", "")
        eq0 = self.names[0].split(":")[0] if self.names else ""
        for cand in (key, f"{eq0}:{key}"):
            if cand in self.names:
                i = self.names.index(cand)
                return float(self.b[i]) if kind == "_b" else float(np.sqrt(self.V[i, i]))
        return None

    # -- files ------------------------------------------------------------------------------------
    def save(self, path: str | Path) -> tuple[Path, Path]:
        """Write the simulation results as Stata does (``saving(file)``): ``file.dta`` holds the
        draws (``_chain``, ``_index`` and one variable per parameter, labelled with its name),
        and ``file.bmpost`` everything needed to reload them with their model in a new
        session."""
        base = Path(path)
        if base.suffix in (".dta", ".bmpost"):
            base = base.with_suffix("")
        dta = base.with_suffix(".dta")
        full = base.with_suffix(".bmpost")
        C, T, _P = self.draws.shape
        cols: dict[str, np.ndarray] = {
            "_chain": np.repeat(np.arange(1, C + 1), T).astype(np.int16),
            "_index": np.tile(np.arange(1, T + 1), C).astype(np.int32),
        }
        labels = {}
        for i, n in enumerate(self.names):
            col = f"p{i + 1}"
            cols[col] = self.draws[:, :, i].reshape(-1)
            labels[col] = n[:80]
        import pandas as pd

        pd.DataFrame(cols).to_stata(
            dta,
            write_index=False,
            version=118,
            variable_labels=labels,
            data_label=f"simulation results of {self.cmd}"[:80],
        )
        with open(full, "wb") as f:
            pickle.dump((_MAGIC, self), f, protocol=pickle.HIGHEST_PROTOCOL)
        return dta, full

    # -- ArviZ ----------------------------------------------------------------------------------
    def to_xarray(self):
        """The draws as an ``xarray.Dataset`` with dims (chain, draw)."""
        import xarray as xr

        data = {n: (("chain", "draw"), self.draws[:, :, i]) for i, n in enumerate(self.names)}
        for i, n in enumerate(self.re_names):
            data[n] = (("chain", "draw"), self.re_draws[:, :, i])
        return xr.Dataset(
            data, coords={"chain": np.arange(self.nchains), "draw": np.arange(self.mcmcsize)}
        )

    def to_inference_data(self):
        """An ArviZ ``InferenceData`` with the posterior and the log likelihood."""
        try:
            import arviz as az
        except ModuleNotFoundError:
            raise ModuleNotFoundError(
                "InferenceData needs ArviZ: pip install arviz (or bayes_magic[notebook])"
            ) from None

        post = {n: self.draws[:, :, i] for i, n in enumerate(self.names)}
        for i, n in enumerate(self.re_names):
            post[n] = self.re_draws[:, :, i]
        return az.from_dict(posterior=post, sample_stats={"lp": self.loglik})

    def to_dataframe(self):
        """One row per draw: chain, draw, then every parameter (random effects included)."""
        import pandas as pd

        C, T, _P = self.draws.shape
        cols = {"chain": np.repeat(np.arange(1, C + 1), T), "draw": np.tile(np.arange(1, T + 1), C)}
        for i, n in enumerate(self.names):
            cols[n] = self.draws[:, :, i].reshape(-1)
        for i, n in enumerate(self.re_names):
            cols[n] = self.re_draws[:, :, i].reshape(-1)
        return pd.DataFrame(cols)


def load(path: str | Path) -> Posterior:
    """Read the results saved by :meth:`Posterior.save` (give either file or the stem)."""
    p = Path(path)
    if p.suffix != ".bmpost":
        p = p.with_suffix(".bmpost")
    with open(p, "rb") as f:
        magic, post = pickle.load(f)
    if magic != _MAGIC:
        raise ValueError(f"{path} is not a bayes_magic simulation file")
    return post
