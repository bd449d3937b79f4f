"""What every results object offers, whatever the estimator (linearmodels' and statsmodels' lesson).

A results object is frozen and keeps full precision. It has

- ``summary``: a :class:`~countyhub.analysis.summary.Summary` (text, HTML and dict renderers);
- ``to_dict()``: the JSON document the command line writes with ``--json``;
- ``to_frame()``: the estimates as one labelled pandas DataFrame;
- ``str(result)``: the summary as text; ``_repr_html_()``: the summary as HTML (Jupyter).

Statistics are named one way in attributes and JSON keys alike: ``statistic`` (the test statistic,
t or z), ``pvalue``, ``std_error``, ``ci_low`` / ``ci_high``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from countyhub.analysis.summary import Summary

if TYPE_CHECKING:
    # Annotations only: `countyhub analyze sem` renders results without ever importing pandas.
    import pandas as pd


class Results(ABC):
    """The base of every results class; subclasses give ``summary``, ``to_dict``, ``to_frame``."""

    @property
    @abstractmethod
    def summary(self) -> Summary:
        """The tables and the settings lines, ready for any renderer."""

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """The results as plain JSON-ready data (NaN becomes null)."""

    @abstractmethod
    def to_frame(self) -> pd.DataFrame:
        """The estimates as one labelled DataFrame, at full precision."""

    def __str__(self) -> str:
        return self.summary.as_text()

    def _repr_html_(self) -> str:
        return self.summary.as_html()
