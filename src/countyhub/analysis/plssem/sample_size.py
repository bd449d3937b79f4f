"""Minimum sample sizes of a PLS path model, shown before it is run.

* 10-times rule (Barclay, Higgins & Thompson 1995): n >= 10 x the largest number of arrows
  pointing at one construct: structural paths into an endogenous construct, or indicators of a
  formative (mode B) construct.
* Inverse square root method (Kock & Hadaya 2018, Information Systems Journal 28(1), 227-261):
  n > ((z_{1-alpha} + z_{power}) / |p_min|)^2, with 2.486 = 1.6449 + 0.8416 for a one-tailed 5 %
  test with 80 % power; p_min is the smallest path coefficient expected to be significant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from countyhub.analysis.plssem.syntax import ModelSpec


@dataclass(frozen=True)
class SampleSizes:
    ten_times: int
    largest_arrows: int
    arrows_into: str
    inverse_square_root: int
    p_min: float
    smallest_powered_path: float | None  # for the sample's n: 2.486 / sqrt(n)


def inverse_square_root(p_min: float, *, alpha: float = 0.05, power: float = 0.80) -> int:
    """The smallest n for which a path of |p_min| is significant with the given power."""
    if not 0 < abs(p_min) < 1:
        raise ValueError("p_min must lie strictly between 0 and 1 in absolute value")
    return math.ceil((_z(alpha, power) / abs(p_min)) ** 2)


def smallest_powered_path(n: int, *, alpha: float = 0.05, power: float = 0.80) -> float:
    return _z(alpha, power) / math.sqrt(n)


def _z(alpha: float, power: float) -> float:
    normal = NormalDist()
    return normal.inv_cdf(1 - alpha) + normal.inv_cdf(power)


def minimum_sample_sizes(
    spec: ModelSpec, *, p_min: float = 0.2, n: int | None = None
) -> SampleSizes:
    """Both rules for a parsed model; ``n`` (the usable rows) adds the smallest powered path."""
    arrows: dict[str, int] = {}
    for path in spec.paths:
        arrows[path.target] = arrows.get(path.target, 0) + 1
    for measure in spec.measurement:
        if measure.mode == "B":
            arrows[measure.construct] = max(
                arrows.get(measure.construct, 0), len(measure.indicators)
            )
    target, largest = max(arrows.items(), key=lambda item: item[1], default=("", 0))
    return SampleSizes(
        ten_times=10 * largest,
        largest_arrows=largest,
        arrows_into=target,
        inverse_square_root=inverse_square_root(p_min),
        p_min=p_min,
        smallest_powered_path=None if not n else smallest_powered_path(n),
    )
