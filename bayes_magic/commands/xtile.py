"""``xtile newvar = exp [if] [in] [weight] [, nquantiles(#) cutpoints(varname)]`` ([D] pctile):
the quantile group of each observation: 1 up to the first cutpoint, k between the (k-1)th and
the kth (inclusive above), the percentiles as ``summarize, detail`` computes them (weights
allowed) or a variable's values as the cutpoints."""

from __future__ import annotations

import numpy as np

from ..dataset.evaluate import evaluate
from ..dataset.stats import percentile
from ..dataset.varnames import check_new_name, resolve
from ..errors import StataError
from ..report.output import Output
from ..syntax.ast import Assignment, Command
from .registry import command
from .summarize import weights

__all__ = ["xtile"]


@command("xtile")
def xtile(s, cmd: Command) -> list[Output]:
    body = cmd.body
    assert isinstance(body, Assignment)
    ds = s.data
    check_new_name(ds, body.name)
    nq, cut = cmd.option("nquantiles"), cmd.option("cutpoints")
    if nq is not None and cut is not None:
        raise StataError("nquantiles() and cutpoints() may not be specified together", 198)
    w, touse = weights(s, cmd, s.touse(cmd))
    x = evaluate(body.expr, s.context())
    if x.dtype == object:
        raise StataError("type mismatch", 109)
    x = np.asarray(x, dtype=float)
    use = touse & ~np.isnan(x)
    if cut is not None:
        cv = np.asarray(ds.values(resolve(ds, cut)), dtype=float)
        cuts = np.unique(cv[~np.isnan(cv)])
    else:
        k = int(nq) if nq is not None else 2
        if k < 2:
            raise StataError("nquantiles() must be greater than or equal to 2", 198)
        if k > use.sum() + 1:
            raise StataError(
                "nquantiles() must be less than or equal to number of observations plus one", 198
            )
        ww = None if w is None else np.asarray(w, dtype=float)[use]
        cuts = np.array([percentile(x[use], ww, 100.0 * j / k) for j in range(1, k)])
    out = np.full(ds.nobs, np.nan)
    out[use] = 1 + np.searchsorted(cuts, x[use], side="left")
    ds.set_values(body.name, out, "byte" if len(cuts) < 100 else "int")
    return []
