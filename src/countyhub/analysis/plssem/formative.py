"""Formative (mode B) constructs judged by formative criteria (Hair et al. 2022, ch. 5), never by
the reflective thresholds of alpha, rho and AVE:

- collinearity: each indicator's VIF, "possible" above 3 and "critical" above 5;
- the indicators' weights with their bootstrap significance (relative contribution) and, for a
  weight that is not significant, the loading (absolute contribution): kept when the loading is
  at least 0.5 or significant, otherwise a candidate for removal;
- convergent validity by redundancy analysis when a global single-item measure of the construct
  exists: the path from the formative construct to the global item in a model of just the two,
  at least 0.70.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from countyhub.analysis.errors import AnalysisError
from countyhub.analysis.plssem import engine
from countyhub.analysis.plssem.engine import Structure
from countyhub.analysis.summary import Cell, Summary, SummaryTable

VIF_POSSIBLE = 3.0
VIF_CRITICAL = 5.0
REDUNDANCY_THRESHOLD = 0.70
LOADING_FLOOR = 0.5


def vif_level(vif: float) -> str:
    if vif > VIF_CRITICAL:
        return "critical"
    if vif > VIF_POSSIBLE:
        return "possible"
    return "ok"


def redundancy_path(
    block_values: np.ndarray, global_values: np.ndarray, settings: Mapping[str, Any]
) -> float:
    """The path from a mode B composite of ``block_values`` to a single global item."""
    present = ~np.isnan(global_values)
    if present.sum() < block_values.shape[1] + 2:
        raise AnalysisError("redundancy analysis: too few rows with the global item")
    x = np.column_stack([block_values[present], global_values[present]])
    p = block_values.shape[1]
    structure = Structure(
        ("FORMATIVE", "GLOBAL"),
        tuple(f"x{i}" for i in range(p + 1)),
        (np.arange(p), np.array([p])),
        ("B", "A"),
        np.array([[0.0, 1.0], [0.0, 0.0]]),
    )
    r = engine.correlation(x)
    _, w = engine.fit_weights(r, structure, **settings)
    derived = engine.derive(r[None], w[None], structure)
    return float(derived.paths[0, 0, 1])


@dataclass(frozen=True)
class FormativeIndicator:
    construct: str
    indicator: str
    weight: float
    loading: float
    vif: float
    weight_pvalue: float | None = None
    weight_ci: tuple[float, float] | None = None
    loading_pvalue: float | None = None

    @property
    def verdict(self) -> str:
        """Hair et al.'s decision rule for keeping a formative indicator."""
        if self.weight_pvalue is None:
            return "bootstrap needed"
        if self.weight_pvalue < 0.05:
            return "keep (significant weight)"
        if self.loading >= LOADING_FLOOR:
            return "keep (loading >= 0.5)"
        if self.loading_pvalue is not None and self.loading_pvalue < 0.05:
            return "consider keeping (significant loading < 0.5)"
        return "consider removing"

    def to_dict(self) -> dict[str, Any]:
        return {
            "weight": self.weight,
            "loading": self.loading,
            "vif": self.vif,
            "vif_level": vif_level(self.vif),
            "weight_pvalue": self.weight_pvalue,
            "weight_ci_low": None if self.weight_ci is None else self.weight_ci[0],
            "weight_ci_high": None if self.weight_ci is None else self.weight_ci[1],
            "loading_pvalue": self.loading_pvalue,
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class FormativeAssessment:
    indicators: tuple[FormativeIndicator, ...]
    redundancy: dict[str, float]  # construct -> path to its global item

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for item in self.indicators:
            entry = out.setdefault(item.construct, {"indicators": {}, "redundancy": None})
            entry["indicators"][item.indicator] = item.to_dict()
        for construct, value in self.redundancy.items():
            out[construct]["redundancy"] = value
        return out

    @property
    def summary(self) -> Summary:
        rows: list[tuple[str, list[Cell]]] = []
        flagged = set()
        for item in self.indicators:
            label = f"{item.construct}: {item.indicator}"
            rows.append(
                (
                    label,
                    [
                        item.weight,
                        item.weight_pvalue,
                        item.loading,
                        item.vif,
                        vif_level(item.vif),
                        item.verdict,
                    ],
                )
            )
            if item.vif > VIF_POSSIBLE:
                flagged.add((label, "VIF"))
            if item.verdict == "consider removing":
                flagged.add((label, "verdict"))
        tables = [
            SummaryTable(
                "Formative indicators",
                ("weight", "weight p", "loading", "VIF", "collinearity", "verdict"),
                rows,
                note=f"VIF above {VIF_POSSIBLE:g}: possible, above {VIF_CRITICAL:g}: critical "
                "collinearity. A weight that is not significant is kept when its loading is at "
                f"least {LOADING_FLOOR:g} (Hair et al. 2022).",
                flagged=frozenset(flagged),
            )
        ]
        if self.redundancy:
            tables.append(
                SummaryTable(
                    "Redundancy analysis (convergent validity)",
                    ("path to global item",),
                    [(c, [v]) for c, v in self.redundancy.items()],
                    note=f"At least {REDUNDANCY_THRESHOLD:.2f} expected (flagged below).",
                    flagged=frozenset(
                        (c, "path to global item")
                        for c, v in self.redundancy.items()
                        if v < REDUNDANCY_THRESHOLD
                    ),
                )
            )
        lines = ["Mode B constructs are judged by these criteria, not by alpha, rho or AVE."]
        return Summary("Formative measurement", tables, lines)
