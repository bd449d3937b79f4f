"""Staggered difference-in-differences (Callaway & Sant'Anna 2021) beside the naive TWFE.

>>> model = StaggeredDiD(frame, unit="county", time="year", outcome="lemp", treated_from="g")
>>> result = model.fit()
>>> result.simple.att, result.event_time[0].std_error, result.twfe.coef
"""

from countyhub.analysis.did.model import StaggeredDiD
from countyhub.analysis.did.results import DiDResults, Estimate
from countyhub.analysis.did.twfe import TwoWayFixedEffects

__all__ = ["DiDResults", "Estimate", "StaggeredDiD", "TwoWayFixedEffects"]
