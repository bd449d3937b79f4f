"""Specify -> fit: a PLS path model bound to its data, validated before any estimation."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from countyhub.analysis.errors import AnalysisError
from countyhub.analysis.plssem import data as data_io
from countyhub.analysis.plssem import higher_order as hoc
from countyhub.analysis.plssem.engine import SCHEMES, Structure
from countyhub.analysis.plssem.results import PLSResults, estimate
from countyhub.analysis.plssem.syntax import (
    MeasurementSpec,
    ModelSpec,
    ModelSyntaxError,
    parse_model,
)

INTERACTION_METHODS = ("two-stage", "product-indicator")


class ModelError(AnalysisError):
    """The model does not fit the data or is not a PLS path model."""


def _close(name: str, candidates: Sequence[str]) -> str:
    matches = difflib.get_close_matches(name, candidates, n=3)
    return f"; did you mean {', '.join(map(repr, matches))}?" if matches else ""


def indicator_columns(spec: ModelSpec) -> list[str]:
    """The data columns the model reads (a higher-order construct's indicators are constructs)."""
    hocs = hoc.higher_order(spec)
    return [item for m in spec.measurement if m.construct not in hocs for item in m.indicators]


def check_against_columns(spec: ModelSpec, columns: Sequence[str], source: str = "data") -> None:
    """Name every indicator that is not a column, at its line and column in the model."""
    available = set(columns)
    hocs = hoc.higher_order(spec)
    for measure in spec.measurement:
        if measure.construct in hocs:
            continue
        for item, (line, column) in zip(
            measure.indicators, measure.indicator_positions, strict=True
        ):
            if item not in available:
                raise ModelSyntaxError(
                    f"indicator {item!r} of {measure.construct!r} is not a column of {source}"
                    + _close(item, list(columns)),
                    line,
                    column,
                )


def _check_higher_order(spec: ModelSpec) -> set[str]:
    """Check the higher-order constructs; return their dimensions (the LOCs)."""
    measured = {m.construct: m for m in spec.measurement}
    hocs = hoc.higher_order(spec)
    owner: dict[str, str] = {}
    for measure in spec.measurement:
        positions = zip(measure.indicators, measure.indicator_positions, strict=True)
        for item, (line, column) in positions:
            if item not in measured:
                continue
            if measure.construct not in hocs:
                raise ModelSyntaxError(
                    f"{item!r} is a construct: a higher-order construct's indicators must all be "
                    f"constructs, and {measure.construct!r} mixes them with columns",
                    line,
                    column,
                )
            if item in hocs:
                raise ModelSyntaxError(
                    f"{item!r} is itself a higher-order construct: only second-order "
                    "constructs are supported",
                    line,
                    column,
                )
            if item in owner:
                raise ModelSyntaxError(
                    f"construct {item!r} is a dimension of both {owner[item]!r} and "
                    f"{measure.construct!r}",
                    line,
                    column,
                )
            owner[item] = measure.construct
    for path in spec.paths:
        for name in (*path.source.split(":"), path.target):
            if name in owner:
                raise ModelSyntaxError(
                    f"{name!r} is a construct, not an indicator: as a dimension of the "
                    f"higher-order construct {owner[name]!r} it cannot appear in the structural "
                    f"model; use {owner[name]!r}",
                    path.line,
                    path.column,
                )
        if hocs and ":" in path.source:
            raise ModelSyntaxError(
                f"{path.source!r}: interactions in a model with a higher-order construct are "
                "not supported",
                path.line,
                path.column,
            )
    return set(owner)


def _check_structure(spec: ModelSpec) -> None:
    measured = {m.construct: m for m in spec.measurement}
    dimensions = _check_higher_order(spec)
    hocs = hoc.higher_order(spec)
    owner: dict[str, str] = {}
    for measure in spec.measurement:
        if measure.construct in hocs:
            continue
        for item, (line, column) in zip(
            measure.indicators, measure.indicator_positions, strict=True
        ):
            if item in owner:
                first = measured[owner[item]]
                raise ModelSyntaxError(
                    f"indicator {item!r} is used by both {first.construct!r} (line {first.line}) "
                    f"and {measure.construct!r}",
                    line,
                    column,
                )
            owner[item] = measure.construct
    if not spec.paths:
        raise ModelError("the model has no structural paths: add lines like 'OUTCOME ~ CAUSE'")
    for path in spec.paths:
        for name in (*path.source.split(":"), path.target):
            if name not in measured:
                raise ModelSyntaxError(
                    f"structural variable {name!r} is not measured: give it indicators with "
                    f"'{name} =~ ...' or '{name} <~ ...'" + _close(name, list(measured)),
                    path.line,
                    path.column,
                )
    in_paths = {name for p in spec.paths for name in p.source.split(":")}
    in_paths |= {p.target for p in spec.paths}
    for path in spec.paths:
        iv, _, moderator = path.source.partition(":")
        if moderator and iv == moderator:
            raise ModelSyntaxError(
                f"{path.source!r}: an interaction needs two different constructs",
                path.line,
                path.column,
            )
    for measure in spec.measurement:
        if measure.construct not in in_paths and measure.construct not in dimensions:
            raise ModelSyntaxError(
                f"construct {measure.construct!r} is measured but appears in no structural path",
                measure.line,
                1,
            )
    cycle = _find_cycle(spec)
    if cycle:
        raise ModelError(
            "the structural model has a cycle: "
            + " -> ".join(cycle)
            + "; PLS path models must be recursive"
        )


def _find_cycle(spec: ModelSpec) -> list[str] | None:
    successors: dict[str, list[str]] = {}
    for path in spec.paths:
        successors.setdefault(path.source, []).append(path.target)
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = finished
    trail: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        trail.append(node)
        for nxt in successors.get(node, []):
            if state.get(nxt) == 1:
                return [*trail[trail.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        trail.pop()
        state[node] = 2
        return None

    for node in successors:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def build_structure(spec: ModelSpec) -> Structure:
    """The index form; paths from interactions not yet measured (before stage 1) are left out."""
    constructs = tuple(m.construct for m in spec.measurement)
    indicators = tuple(indicator_columns(spec))
    blocks = []
    start = 0
    for measure in spec.measurement:
        blocks.append(np.arange(start, start + len(measure.indicators)))
        start += len(measure.indicators)
    adjacency = np.zeros((len(constructs), len(constructs)))
    for path in spec.paths:
        if path.source in constructs:
            adjacency[constructs.index(path.source), constructs.index(path.target)] = 1.0
    modes = tuple(m.mode for m in spec.measurement)
    return Structure(constructs, indicators, tuple(blocks), modes, adjacency)


def _check_sample_size(structure: Structure, n: int, source: str) -> None:
    needs = [
        (len(structure.predecessors[k]), f"the regression of {structure.constructs[k]}")
        for k in structure.endogenous
    ]
    for k, block in enumerate(structure.blocks):
        if structure.modes[k] == "B":
            needs.append((len(block), f"mode B construct {structure.constructs[k]}"))
    size, what = max(needs)
    if n < size + 2:
        raise ModelError(
            f"{source}: {n} usable rows; {what} needs at least {size + 2} ({size} predictors)"
        )


@dataclass(frozen=True)
class PLSModel:
    """A PLS path model and its data, validated; call :meth:`fit` to estimate it.

    Examples
    --------
    >>> model = PLSModel.from_syntax("A =~ a1 + a2\\nB =~ b1 + b2\\nB ~ A", frame)  # doctest: +SKIP
    >>> result = model.fit(scheme="path")  # doctest: +SKIP
    """

    spec: ModelSpec
    structure: Structure
    table: data_io.IndicatorTable
    prepared: data_io.PreparedData
    interaction: str = "two-stage"  # how A:B terms are measured: INTERACTION_METHODS

    @classmethod
    def from_syntax(
        cls,
        text: str,
        data: Any,
        *,
        missing: str = "mean",
        na: data_io.NaMarkers = None,
        interaction: str = "two-stage",
    ) -> PLSModel:
        """Parse ``text`` and bind it to ``data`` (a file path, a DataFrame or a column mapping).

        ``missing`` is "mean" (each missing cell replaced by its column's mean, as seminr and
        SmartPLS do by default) or "listwise" (rows with any missing indicator dropped). Missing
        cells are blank cells (NaN in a frame) and the ``na`` markers (one or several, e.g. -99).
        ``interaction`` is how an interaction term ``A:B`` is measured: "two-stage" (one
        indicator, the product of A's and B's stage-1 scores) or "product-indicator" (every
        product of A's and B's standardized indicators), as seminr's ``two_stage`` and
        ``product_indicator``.
        """
        if interaction not in INTERACTION_METHODS:
            raise AnalysisError(
                f"interaction method {interaction!r}: use one of {', '.join(INTERACTION_METHODS)}"
            )
        spec = parse_model(text)
        _check_structure(spec)
        columns = indicator_columns(spec)
        if isinstance(data, str | Path):
            check_against_columns(spec, data_io.read_header(data), str(data))
            table = data_io.read_indicators(data, columns, na=na)
        elif isinstance(data, data_io.IndicatorTable):
            check_against_columns(spec, data.names, data.source)
            table = data_io.IndicatorTable(
                tuple(columns),
                data.values[:, [data.names.index(c) for c in columns]],
                data.source,
                data.row_labels,
            )
        else:
            available = list(data.columns) if hasattr(data, "columns") else list(data)
            source = getattr(data, "attrs", {}).get("source", "data")
            check_against_columns(spec, available, source)
            table = data_io.table_from_frame(data, columns, na=na)
        prepared = data_io.prepare(table, missing)
        structure = build_structure(hoc.first_stage_spec(spec) if hoc.higher_order(spec) else spec)
        _check_sample_size(structure, prepared.values.shape[0], table.source)
        return cls(spec, structure, table, prepared, interaction)

    @property
    def n(self) -> int:
        return int(self.prepared.values.shape[0])

    def fit(
        self,
        *,
        scheme: str = "path",
        max_iter: int = 300,
        tol: float = 1e-7,
        consistent: bool = False,
    ) -> PLSResults:
        """Estimate the model with the PLS algorithm.

        Parameters
        ----------
        scheme : {"path", "factorial", "centroid"}
            Inner weighting scheme.
        max_iter : int
            Most passes after the first (seminr's and SmartPLS's 300).
        tol : float
            Stop when the sum of absolute outer-weight changes is below this (1e-7).
        consistent : bool
            Consistent PLS (PLSc, Dijkstra & Henseler 2015): correct the construct correlations
            of reflective (``=~``) constructs by their rho_A and re-estimate the paths, R² and
            loadings from them; formative (``<~``) constructs are not corrected. See
            :mod:`countyhub.analysis.plssem.consistent`.
        """
        if scheme not in SCHEMES:
            raise AnalysisError(f"weighting scheme {scheme!r}: use one of {', '.join(SCHEMES)}")
        if max_iter < 1 or tol <= 0:
            raise AnalysisError("max_iter must be at least 1 and tol positive")
        if self.higher_order:
            return self._fit_higher_order(
                scheme=scheme, max_iter=max_iter, tol=tol, consistent=consistent
            )
        if not self.interactions:
            model = self
        elif self.interaction == "product-indicator":
            model = self._with_product_indicators()
        else:
            model = self._with_interactions(scheme)
        return estimate(model, scheme=scheme, max_iter=max_iter, tol=tol, consistent=consistent)

    @property
    def higher_order(self) -> dict[str, tuple[str, ...]]:
        """Each higher-order construct with its dimensions (lower-order constructs)."""
        return hoc.higher_order(self.spec)

    def _fit_higher_order(
        self, *, scheme: str, max_iter: int, tol: float, consistent: bool
    ) -> PLSResults:
        """The two-stage approach (seminr's ``higher_composite``): stage 1 with each HOC replaced
        by its dimensions, stage 2 with the HOC measured by the dimensions' stage-1 scores."""
        spec1 = hoc.first_stage_spec(self.spec)
        stage1_model = PLSModel(spec1, self.structure, self.table, self.prepared, self.interaction)
        first = estimate(stage1_model, scheme=scheme, max_iter=max_iter, tol=tol)
        spec2 = hoc.second_stage_spec(self.spec)
        columns = indicator_columns(spec2)
        items1 = self.structure.indicators
        constructs1 = self.structure.constructs
        items = tuple((i, items1.index(c)) for i, c in enumerate(columns) if c in items1)
        dimensions = tuple(
            (i, constructs1.index(c)) for i, c in enumerate(columns) if c not in items1
        )
        prepared = self.prepared
        kept = (
            ~np.isnan(prepared.raw).any(axis=1)
            if prepared.missing == "listwise"
            else np.ones(prepared.raw.shape[0], dtype=bool)
        )
        n_raw = prepared.raw.shape[0]
        values = np.empty((prepared.values.shape[0], len(columns)))
        raw = np.full((n_raw, len(columns)), np.nan)
        table_values = np.full((n_raw, len(columns)), np.nan)
        for position, item in items:
            values[:, position] = prepared.values[:, item]
            raw[:, position] = prepared.raw[:, item]
            table_values[:, position] = self.table.values[:, self.table.names.index(items1[item])]
        for position, construct in dimensions:
            values[:, position] = first.scores[:, construct]
            raw[kept, position] = first.scores[:, construct]
            table_values[kept, position] = first.scores[:, construct]
        table = data_io.IndicatorTable(
            tuple(columns), table_values, self.table.source, self.table.row_labels
        )
        prepared2 = data_io.PreparedData(
            values, raw, prepared.missing, prepared.dropped_rows, prepared.filled_cells
        )
        model2 = PLSModel(spec2, build_structure(spec2), table, prepared2, self.interaction)
        result = estimate(model2, scheme=scheme, max_iter=max_iter, tol=tol, consistent=consistent)
        plan = hoc.FirstStage(self.structure, scheme, max_iter, tol, items, dimensions)
        return dataclasses.replace(
            result, higher_order=self.higher_order, first_stage=first, first_stage_plan=plan
        )

    def _with_product_indicators(self) -> PLSModel:
        """The product-indicator approach (Kenny & Judd 1984; seminr's ``product_indicator``):
        each interaction A:B is measured by every product of one of A's and one of B's
        standardized indicators ("a1*b1", ...), in mode A."""
        prepared = self.prepared
        z = (prepared.values - prepared.values.mean(axis=0)) / prepared.values.std(axis=0, ddof=1)
        names = self.structure.indicators
        blocks = {m.construct: m.indicators for m in self.spec.measurement}
        columns, labels, measures = [], [], []
        for term in self.interactions:
            iv, moderator = term.split(":")
            path = next(p for p in self.spec.paths if p.source == term)
            term_labels = []
            for a in blocks[iv]:
                for b in blocks[moderator]:
                    columns.append(z[:, names.index(a)] * z[:, names.index(b)])
                    term_labels.append(f"{a}*{b}")
            labels += term_labels
            measures.append(
                MeasurementSpec(
                    term,
                    "A",
                    tuple(term_labels),
                    path.line,
                    tuple((path.line, path.column) for _ in term_labels),
                )
            )
        return self._with_columns(np.column_stack(columns), tuple(labels), tuple(measures))

    @property
    def interactions(self) -> tuple[str, ...]:
        """Interaction terms ("A:B") not yet built into indicator data, in order of appearance."""
        measured = {m.construct for m in self.spec.measurement}
        sources = [p.source for p in self.spec.paths if ":" in p.source]
        return tuple(dict.fromkeys(t for t in sources if t not in measured))

    def _with_interactions(self, scheme: str) -> PLSModel:
        """The two-stage approach (Henseler & Chin 2010; seminr's ``two_stage``): estimate the
        main-effects model (stage 1), then measure each interaction A:B by one indicator, the
        product of A's and B's standardized stage-1 scores, in the full model (stage 2)."""
        main_spec = ModelSpec(
            self.spec.measurement,
            tuple(p for p in self.spec.paths if ":" not in p.source),
            self.spec.text,
        )
        main = PLSModel(main_spec, build_structure(main_spec), self.table, self.prepared)
        # seminr runs stage 1 with its defaults (it does not forward max_iter).
        stage1 = estimate(main, scheme=scheme, max_iter=300, tol=1e-7)
        names = stage1.structure.constructs
        columns, measures = [], []
        for term in self.interactions:
            iv, moderator = term.split(":")
            columns.append(
                stage1.scores[:, names.index(iv)] * stage1.scores[:, names.index(moderator)]
            )
            path = next(p for p in self.spec.paths if p.source == term)
            measures.append(
                MeasurementSpec(
                    term, "A", (f"{term}_intxn",), path.line, ((path.line, path.column),)
                )
            )
        products = np.column_stack(columns)
        return self._with_columns(
            products, tuple(m.indicators[0] for m in measures), tuple(measures)
        )

    def _with_columns(
        self, products: np.ndarray, labels: tuple[str, ...], measures: tuple[MeasurementSpec, ...]
    ) -> PLSModel:
        """This model with ``products`` appended as the indicators of the interaction terms."""
        prepared = self.prepared
        # The raw table keeps the rows listwise deletion dropped: their products are missing.
        kept = (
            ~np.isnan(prepared.raw).any(axis=1)
            if prepared.missing == "listwise"
            else np.ones(prepared.raw.shape[0], dtype=bool)
        )
        raw_products = np.full((prepared.raw.shape[0], products.shape[1]), np.nan)
        raw_products[kept] = products
        spec = ModelSpec(self.spec.measurement + measures, self.spec.paths, self.spec.text)
        table = data_io.IndicatorTable(
            self.table.names + labels,
            np.hstack([self.table.values, raw_products]),
            self.table.source,
            self.table.row_labels,
        )
        with_products = data_io.PreparedData(
            np.hstack([prepared.values, products]),
            np.hstack([prepared.raw, raw_products]),
            prepared.missing,
            prepared.dropped_rows,
            prepared.filled_cells,
        )
        return PLSModel(spec, build_structure(spec), table, with_products, self.interaction)
