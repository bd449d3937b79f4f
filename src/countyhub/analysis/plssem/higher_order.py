"""Higher-order (second-order) constructs by the two-stage approach, as seminr's
``higher_composite(method = two_stage)``.

A higher-order construct (HOC) is written like any construct, with constructs on the right:
``REP =~ COMP + LIKE`` (mode A over its dimensions) or ``REP <~ COMP + LIKE`` (mode B).

Stage 1 estimates the model with the HOC replaced by its lower-order constructs (LOCs): every path
into the HOC goes into each LOC, every path out of it leaves from each LOC (interaction paths are
left out). Stage 2 estimates the model in which the HOC is measured by the LOCs' stage-1 scores
(standardized linear combinations of the items), as indicators named after the LOCs.

Because the stage-1 scores are linear in the standardized items, the stage-2 indicator
correlation matrix is V'RV, with R the items' correlation matrix and V the items' loadings on the
stage-2 indicators (a unit column for an item, the stage-1 weights for a score). The bootstrap
therefore re-runs both stages on every resample's R (:class:`FirstStage`).

References
----------
Sarstedt, M., Hair, J. F., Cheah, J.-H., Becker, J.-M., & Ringle, C. M. (2019). How to specify,
estimate, and validate higher-order constructs in PLS-SEM. Australasian Marketing Journal 27(3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from countyhub.analysis.plssem import engine
from countyhub.analysis.plssem.engine import Structure
from countyhub.analysis.plssem.syntax import ModelSpec, PathSpec


def higher_order(spec: ModelSpec) -> dict[str, tuple[str, ...]]:
    """Each higher-order construct with its dimensions (its indicators are all constructs)."""
    measured = {m.construct for m in spec.measurement}
    return {
        m.construct: m.indicators
        for m in spec.measurement
        if m.indicators and all(item in measured for item in m.indicators)
    }


def first_stage_spec(spec: ModelSpec) -> ModelSpec:
    """The model with each HOC replaced by its dimensions (seminr's ``expand_hoc_to_locs``)."""
    hocs = higher_order(spec)
    paths = [p for p in spec.paths if ":" not in p.source]
    for hoc, dimensions in hocs.items():
        rewired: list[PathSpec] = []
        for path in paths:
            if path.target == hoc:
                rewired += [PathSpec(path.source, d, path.line, path.column) for d in dimensions]
            elif path.source == hoc:
                rewired += [PathSpec(d, path.target, path.line, path.column) for d in dimensions]
            else:
                rewired.append(path)
        paths = list(dict.fromkeys(rewired))
    measurement = tuple(m for m in spec.measurement if m.construct not in hocs)
    return ModelSpec(measurement, tuple(paths), spec.text)


def second_stage_spec(spec: ModelSpec) -> ModelSpec:
    """The model with each HOC measured by its dimensions' score columns; LOCs left out."""
    hocs = higher_order(spec)
    dimensions = {d for ds in hocs.values() for d in ds}
    measurement = tuple(m for m in spec.measurement if m.construct not in dimensions)
    return ModelSpec(measurement, spec.paths, spec.text)


@dataclass(frozen=True)
class FirstStage:
    """What a resample re-estimates before stage 2: the stage-1 structure and settings, and
    where each stage-2 indicator comes from (an item's position, or a LOC's construct index)."""

    structure: Structure
    scheme: str
    max_iter: int
    tol: float
    items: tuple[tuple[int, int], ...]  # (stage-2 position, stage-1 indicator) of each item
    dimensions: tuple[tuple[int, int], ...]  # (stage-2 position, stage-1 construct) of each score

    def transform(self, r: np.ndarray) -> np.ndarray:
        """Stage-2 indicator correlations (B, p2, p2) from stage-1 item correlations (B, p, p)."""
        fit = engine.estimate_weights(
            r, self.structure, scheme=self.scheme, tol=self.tol, max_iter=self.max_iter
        )
        w = engine.fix_signs(fit.weights, r, self.structure)
        batch, p = r.shape[0], r.shape[1]
        v = np.zeros((batch, p, len(self.items) + len(self.dimensions)))
        for position, item in self.items:
            v[:, item, position] = 1.0
        for position, construct in self.dimensions:
            v[:, :, position] = w[:, :, construct]
        out: np.ndarray = np.einsum("bpi,bpq,bqj->bij", v, r, v)
        out[fit.failed] = np.nan
        return out
