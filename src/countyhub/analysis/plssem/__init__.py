"""PLS-SEM: lavaan-style syntax -> :class:`PLSModel` -> ``fit()`` -> :class:`PLSResults`.

The estimation is our own (see :mod:`.engine`): exact against seminr and SmartPLS, and fast enough
to bootstrap thousands of resamples as one batch of correlation matrices.
"""

from countyhub.analysis.plssem.model import ModelError, PLSModel
from countyhub.analysis.plssem.syntax import ModelSyntaxError, parse_model

__all__ = ["ModelError", "ModelSyntaxError", "PLSModel", "parse_model"]
