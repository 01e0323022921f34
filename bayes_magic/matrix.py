"""Stata matrices as stored results: ``r(summary)``, ``e(b)`` ... with row and column names."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Matrix"]


@dataclass
class Matrix:
    """A matrix with Stata's row and column names (``math:homework``, ``Mean`` ...)."""

    values: np.ndarray
    rownames: list[str]
    colnames: list[str]

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape  # type: ignore[return-value]

    def to_dataframe(self):  # pandas is imported only when asked for
        import pandas as pd

        return pd.DataFrame(self.values, index=self.rownames, columns=self.colnames)
