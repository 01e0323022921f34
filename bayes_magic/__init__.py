"""bayes_magic: Stata's Bayesian multilevel workflow in Jupyter, on pandas, with a numba sampler.

``%load_ext bayes_magic`` registers the ``%%bayes`` magics. Importing the package is light: it
loads neither numba nor matplotlib and compiles nothing.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "Session", "load_ipython_extension"]


def __getattr__(name: str):
    if name == "Session":
        from .session import Session

        return Session
    raise AttributeError(name)


def load_ipython_extension(ipython) -> None:
    """Register the magics (``%load_ext bayes_magic``)."""
    from .magics import load_ipython_extension as _load

    _load(ipython)
