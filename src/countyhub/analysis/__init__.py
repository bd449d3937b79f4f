"""Pure-Python analysis engine (numpy, scipy, pandas; matplotlib only for figures).

Never imports Django: the web apps hand it plain tables and render the results objects it returns.
Every estimator follows specify -> ``fit()`` -> frozen results object derived from
:class:`countyhub.analysis.results.Results`: ``summary`` (text, HTML and dict renderers),
``to_dict()``, ``to_frame()`` and ``to_html()``.
"""

from countyhub.analysis.errors import AnalysisError, DataError

__all__ = ["AnalysisError", "DataError"]
