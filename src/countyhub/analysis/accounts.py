"""County accounts: the platform's part in Y = C + I + G + NX (rules R1-R10 of notes/surveys.md §4).

The input is a table of *flows*, one row per payment, in a documented CSV contract
(docs/accounts.md) so that a researcher can feed flows from elsewhere as well as the platform's own.
Every flow lands in exactly one bucket on each of two sides:

- the *demand* side: ``C``, ``I``, ``G``, ``X_domestic``, ``X_foreign``, ``intermediate`` (a home
  enterprise's inputs: no final demand), ``transfer`` (memo only) or ``outside`` (neither party in
  the county: reported, not counted);
- the *import* side: ``M``, ``unlinked`` (an intermediate input from outside that went into nothing
  the county sold: memo, outside the identity) or ``none``.

A refund is a row with a negative amount: it is classified like the sale it reverses, so it
reverses the same buckets in the period it is dated. Reading is streaming (the csv module, one row
at a time), so a county's million order lines never sit in memory; amounts stay Decimal throughout.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from countyhub.analysis.errors import DataError
from countyhub.analysis.report import figure_svg, html_page, new_figure
from countyhub.analysis.results import Results
from countyhub.analysis.summary import Cell, Summary, SummaryTable

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

COLUMNS: Final = (
    "id",
    "date",
    "flow",
    "amount",
    "buyer_kind",
    "buyer_region",
    "seller_region",
    "goods_origin",
    "cost_of_goods",
    "use",
    "linked",
)
FLOWS: Final = ("sale", "fee", "transfer")
KINDS: Final = ("household", "government", "enterprise")
# Cooperatives and farms are enterprises in the accounts; the platform's buyer accounts say so.
KIND_ALIASES: Final = {"cooperative": "enterprise"}
REGIONS: Final = ("home", "domestic", "foreign")
ORIGINS: Final = ("local", "outside")
USES: Final = ("final", "capital", "intermediate", "inventory")
LINKED: Final = ("yes", "no")

DEMAND_BUCKETS: Final = (
    "C",
    "I",
    "G",
    "X_domestic",
    "X_foreign",
    "intermediate",
    "transfer",
    "outside",
)
IMPORT_BUCKETS: Final = ("M", "unlinked", "none")
COMPONENTS: Final = ("C", "I", "G", "X_domestic", "X_foreign", "X", "M", "NX", "Y")
MAX_REPORTED_ERRORS = 20
_CENT = Decimal("0.01")


class Flow(NamedTuple):
    """One payment of the flows table, already checked (see :func:`parse_row`).

    A NamedTuple, not a frozen dataclass: building a million of them is a third faster."""

    id: str
    date: dt.date
    flow: str
    amount: Decimal
    buyer_kind: str = ""
    buyer_region: str = ""
    seller_region: str = ""
    goods_origin: str = ""
    cost_of_goods: Decimal = Decimal(0)
    use: str = ""
    linked: str = ""


class Entry(NamedTuple):
    """Where one flow lands: one demand bucket and one import bucket, with the imported amount."""

    demand: str
    imports: str
    imported: Decimal
    rule: str


def classify(flow: Flow) -> Entry:
    """Apply rules R1-R10 to one flow; the amount's sign carries through, so refunds reverse."""
    if flow.flow == "transfer":
        return Entry("transfer", "none", Decimal(0), "R9 transfer: memo only")
    buyer_home = flow.buyer_region == "home"
    seller_home = flow.seller_region == "home"
    if not buyer_home and not seller_home:
        return Entry("outside", "none", Decimal(0), "neither party in the county")
    if flow.flow == "fee":
        return _classify_fee(flow, buyer_home=buyer_home, seller_home=seller_home)
    # The part of the sale that was produced outside the county: all of it when the seller is
    # outside, the cost of goods brought in and resold by a home seller (R3), else nothing.
    if not seller_home:
        imported = flow.amount
    elif flow.goods_origin == "outside":
        imported = flow.cost_of_goods
    else:
        imported = Decimal(0)
    imports = "M" if imported else "none"
    if not buyer_home:
        demand = "X_foreign" if flow.buyer_region == "foreign" else "X_domestic"
        rule = "R4 export abroad" if demand == "X_foreign" else "R3/R5 export to China"
        return Entry(demand, imports, imported, rule)
    if flow.buyer_kind == "household":
        return Entry("C", imports, imported, "R1/R2 home household: C")
    if flow.use in ("capital", "inventory"):
        return Entry("I", imports, imported, f"R5/R6/R7 home {flow.buyer_kind}, {flow.use}: I")
    if flow.buyer_kind == "government":
        # A government unit's current purchases are its final consumption, inputs included.
        return Entry("G", imports, imported, "R5 home government, current use: G")
    if not imported:
        return Entry("intermediate", "none", imported, "R6 intermediate input bought at home")
    if flow.linked == "yes":
        return Entry("intermediate", "M", imported, "R6 intermediate import, linked: M")
    return Entry("intermediate", "unlinked", imported, "R6 intermediate input, unlinked: memo")


def _classify_fee(flow: Flow, *, buyer_home: bool, seller_home: bool) -> Entry:
    """R1 (last-mile fees), R8 (service fees): the payer in buyer_*, the payee in seller_*."""
    imported = Decimal(0) if seller_home else flow.amount
    imports = "M" if imported else "none"
    if not buyer_home:
        demand = "X_foreign" if flow.buyer_region == "foreign" else "X_domestic"
        return Entry(demand, imports, imported, "fee paid to a home payee from outside: export")
    if flow.buyer_kind == "household":
        return Entry("C", imports, imported, "R1 fee paid by a home household: C")
    if flow.buyer_kind == "government":
        return Entry("G", imports, imported, "fee paid by a home government unit: G")
    return Entry("intermediate", imports, imported, "R8 fee paid by a home enterprise")


# --- reading -------------------------------------------------------------------------------------


class RowError(Exception):
    """One bad cell: the column and what is wrong with it."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def parse_row(row: Mapping[str, str | None]) -> Flow:
    """Check one row of the contract and return it as a Flow; RowError names the bad column."""
    # One pass over the cells; a million rows go through here (bench/bench_accounts.py).
    cells = {column: (row.get(column) or "").strip() for column in COLUMNS}

    def text(column: str) -> str:
        return cells[column]

    def choice(column: str, allowed: Sequence[str], *, required: bool) -> str:
        given = cells[column]
        value = given if given in allowed else given.lower()
        if column == "buyer_kind":
            value = KIND_ALIASES.get(value, value)
        if value in allowed:
            return value
        if value:
            raise RowError(column, f"{given!r} is not one of {', '.join(allowed)}")
        if required:
            raise RowError(column, f"is empty; use one of {', '.join(allowed)}")
        return ""

    flow_id = text("id")
    if not flow_id:
        raise RowError("id", "is empty")
    try:
        date = dt.date.fromisoformat(text("date"))
    except ValueError:
        raise RowError("date", f"{text('date')!r} is not a date YYYY-MM-DD") from None
    kind_of_flow = choice("flow", FLOWS, required=True)
    amount = _decimal(text("amount"), "amount", required=True)
    if kind_of_flow == "transfer":
        return Flow(flow_id, date, kind_of_flow, amount, buyer_kind=text("buyer_kind"))
    buyer_kind = choice("buyer_kind", KINDS, required=True)
    buyer_region = choice("buyer_region", REGIONS, required=True)
    seller_region = choice("seller_region", REGIONS, required=True)
    goods_origin = choice("goods_origin", ORIGINS, required=False)
    cost_text = text("cost_of_goods")
    use = choice("use", USES, required=False)
    linked = choice("linked", LINKED, required=False)
    if kind_of_flow == "fee":
        for column in ("goods_origin", "cost_of_goods"):
            if text(column):
                raise RowError(column, "must be empty for a fee (it is not goods)")
        return Flow(
            flow_id,
            date,
            kind_of_flow,
            amount,
            buyer_kind,
            buyer_region,
            seller_region,
            use=use,
            linked=linked,
        )
    cost = Decimal(0)
    if seller_region == "home":
        if not goods_origin:
            raise RowError("goods_origin", "is empty; a home seller's sale needs local or outside")
        if goods_origin == "outside":
            cost = _decimal(cost_text, "cost_of_goods", required=True)
            if cost and (cost < 0) != (amount < 0):
                raise RowError(
                    "cost_of_goods", f"{cost_text} must have the sign of the amount ({amount})"
                )
            if abs(cost) > abs(amount):
                raise RowError("cost_of_goods", f"{cost_text} is more than the amount ({amount})")
        elif cost_text and _decimal(cost_text, "cost_of_goods", required=True):
            raise RowError("cost_of_goods", "must be empty or 0 for local goods")
    elif goods_origin or cost_text:
        column = "goods_origin" if goods_origin else "cost_of_goods"
        raise RowError(column, "is for home sellers only; leave it empty for a seller outside")
    if buyer_region == "home" and buyer_kind != "household":
        if not use:
            raise RowError("use", f"is empty; a home {buyer_kind}'s purchase needs {_USE_HINT}")
        if buyer_kind == "enterprise" and use == "final":
            raise RowError(
                "use",
                "an enterprise has no final consumption; use intermediate, capital or inventory",
            )
        buys_import = seller_region != "home" or goods_origin == "outside"
        if use == "intermediate" and buyer_kind == "enterprise" and buys_import and not linked:
            raise RowError(
                "linked",
                "is empty; an intermediate input from outside needs yes (it went into goods the "
                "county sold) or no",
            )
    return Flow(
        flow_id,
        date,
        kind_of_flow,
        amount,
        buyer_kind,
        buyer_region,
        seller_region,
        goods_origin,
        cost,
        use,
        linked,
    )


_USE_HINT = ", ".join(USES)


def _decimal(value: str, column: str, *, required: bool) -> Decimal:
    if not value:
        if required:
            raise RowError(column, "is empty; give yuan as a decimal, e.g. 1250.50")
        return Decimal(0)
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise RowError(column, f"{value!r} is not a decimal number of yuan") from None
    if not number.is_finite():
        raise RowError(column, f"{value!r} is not a finite number")
    return number


def read_flows(path: str | Path) -> Iterator[Flow]:
    """Stream the flows of a CSV file; a DataError names each bad row (file line) and column.

    Bad rows do not stop the reading at the first one: up to 20 are collected and reported
    together (with the count of the rest), so a researcher fixes a file in one go. Rows that are
    fine are still yielded; the error comes at the end, so a consumer never uses partial totals
    without knowing (:meth:`CountyAccounts.fit` raises before returning results).
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise DataError(f"{path}: cannot be read: {exc.strerror}") from exc
    with handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in (reader.fieldnames or [])]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise DataError(
                f"{path}: no column named {', '.join(repr(c) for c in missing)}; "
                f"the flows table needs {', '.join(COLUMNS)} (docs/accounts.md)"
            )
        reader.fieldnames = header
        yield from _checked(reader, source=str(path), first_line=2)


def flows_from_rows(rows: Iterable[Mapping[str, Any]], *, source: str = "flows") -> Iterator[Flow]:
    """The flows of rows that are mappings of the contract's columns (values as text or numbers)."""
    text_rows = ({k: None if v is None else str(v) for k, v in row.items()} for row in rows)
    yield from _checked(text_rows, source=source, first_line=None)


def _checked(
    rows: Iterable[Mapping[str, str | None]], *, source: str, first_line: int | None
) -> Iterator[Flow]:
    errors: list[str] = []
    count = 0
    for position, row in enumerate(rows, start=1):
        try:
            yield parse_row(row)
        except RowError as exc:
            count += 1
            if len(errors) < MAX_REPORTED_ERRORS:
                where = f"row {position}"
                if first_line is not None:
                    where += f" (file line {position + first_line - 1})"
                flow_id = (row.get("id") or "").strip()
                named = f", id {flow_id!r}" if flow_id else ""
                errors.append(f"{source}: {where}{named}, column {exc.column!r}: {exc}")
    if errors:
        more = f"\n... and {count - len(errors)} more bad rows" if count > len(errors) else ""
        raise DataError("\n".join(errors) + more)


# --- model and results ---------------------------------------------------------------------------


@dataclass
class _Totals:
    demand: dict[str, Decimal] = field(
        default_factory=lambda: dict.fromkeys(DEMAND_BUCKETS, Decimal(0))
    )
    imports: dict[str, Decimal] = field(
        default_factory=lambda: dict.fromkeys(IMPORT_BUCKETS, Decimal(0))
    )
    demand_count: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DEMAND_BUCKETS, 0))
    import_count: dict[str, int] = field(default_factory=lambda: dict.fromkeys(IMPORT_BUCKETS, 0))
    gmv: Decimal = Decimal(0)
    flows: int = 0
    refunds: int = 0
    first: dt.date | None = None
    last: dt.date | None = None

    def add(self, flow: Flow, entry: Entry) -> None:
        self.flows += 1
        self.refunds += flow.amount < 0
        self.demand[entry.demand] += flow.amount
        self.demand_count[entry.demand] += 1
        self.imports[entry.imports] += entry.imported
        self.import_count[entry.imports] += 1
        if flow.flow == "sale" and entry.demand != "outside":
            self.gmv += flow.amount
        self.first = flow.date if self.first is None else min(self.first, flow.date)
        self.last = flow.date if self.last is None else max(self.last, flow.date)

    def add_all(self, flows: Iterable[Flow]) -> None:
        """``add(flow, classify(flow))`` for every flow, the same sums, in a third of the time.

        Where a flow lands depends only on its text columns and on whether its amount and cost
        are zero, and the imported amount is always the flow's own amount, its cost of goods or
        zero: so each such combination is classified once (:func:`_route`), and its flows only
        add their amounts. A combination whose imported amount is anything else is classified
        flow by flow."""
        routes: dict[tuple[object, ...], _Route | None] = {}
        demand, demand_count = self.demand, self.demand_count
        imports, import_count = self.imports, self.import_count
        count = refunds = 0
        gmv = self.gmv
        first, last = self.first, self.last
        for flow in flows:
            amount, cost, date = flow.amount, flow.cost_of_goods, flow.date
            key = (
                flow.flow,
                flow.buyer_kind,
                flow.buyer_region,
                flow.seller_region,
                flow.goods_origin,
                flow.use,
                flow.linked,
                not amount,
                not cost,
            )
            route = routes[key] if key in routes else routes.setdefault(key, _route(flow))
            if route is None:
                entry = classify(flow)
                bucket, imported_bucket = entry.demand, entry.imports
                imported, in_gmv = entry.imported, flow.flow == "sale" and bucket != "outside"
            else:
                bucket, imported_bucket, source, in_gmv = route
                imported = amount if source == 1 else cost if source == 2 else Decimal(0)
            count += 1
            refunds += amount < 0
            demand[bucket] += amount
            demand_count[bucket] += 1
            imports[imported_bucket] += imported
            import_count[imported_bucket] += 1
            if in_gmv:
                gmv += amount
            if first is None or last is None:
                first = last = date
            elif date < first:
                first = date
            elif date > last:
                last = date
        self.flows += count
        self.refunds += refunds
        self.gmv = gmv
        self.first, self.last = first, last


# demand bucket, import bucket, where the imported amount comes from (0: zero, 1: the amount,
# 2: the cost of goods), whether the flow counts in the GMV
_Route = tuple[str, str, int, bool]


def _route(flow: Flow) -> _Route | None:
    """Where flows like this one land (see :meth:`_Totals.add_all`); None if it cannot say."""
    entry = classify(flow)
    if entry.imported is flow.amount:
        source = 1
    elif entry.imported is flow.cost_of_goods:
        source = 2
    elif not entry.imported:  # classify's own zero (it has no other kind of zero)
        source = 0
    else:
        return None
    return entry.demand, entry.imports, source, flow.flow == "sale" and entry.demand != "outside"


class CountyAccounts:
    """The platform's part in a county's expenditure accounts, from a stream of flows.

    Parameters
    ----------
    flows : iterable of Flow
        From :func:`read_flows` (a CSV file) or :func:`flows_from_rows`; consumed once, in one pass.
    county : str
        The county the flows are about ("home"), shown in every output.
    """

    def __init__(self, flows: Iterable[Flow], *, county: str = "") -> None:
        self._flows = flows
        self.county = county

    def fit(self) -> AccountsResults:
        totals = _Totals()
        totals.add_all(self._flows)
        return AccountsResults.from_totals(totals, county=self.county)


def yuan(value: Decimal) -> str:
    """A Decimal as a plain string of yuan with at least two decimals (never exponent notation)."""
    if value.as_tuple().exponent >= -2:  # type: ignore[operator]
        value = value.quantize(_CENT)
    return format(value, "f")


@dataclass(frozen=True)
class AccountsResults(Results):
    """C, I, G, X, M, NX and Y of the platform's flows, the memo lines, and the flows per bucket."""

    components: Mapping[str, Decimal]
    memo: Mapping[str, Decimal]
    demand_count: Mapping[str, int]
    import_count: Mapping[str, int]
    flows: int
    refunds: int
    first_date: dt.date | None
    last_date: dt.date | None
    county: str = ""

    @classmethod
    def from_totals(cls, totals: _Totals, *, county: str) -> AccountsResults:
        d = totals.demand
        x = d["X_domestic"] + d["X_foreign"]
        m = totals.imports["M"]
        nx = x - m
        components = {
            "C": d["C"],
            "I": d["I"],
            "G": d["G"],
            "X_domestic": d["X_domestic"],
            "X_foreign": d["X_foreign"],
            "X": x,
            "M": m,
            "NX": nx,
            "Y": d["C"] + d["I"] + d["G"] + nx,
        }
        memo = {
            "transfers": d["transfer"],
            "gmv": totals.gmv,
            "unlinked_intermediate_imports": totals.imports["unlinked"],
            "intermediate_inputs": d["intermediate"],
            "outside_county": d["outside"],
        }
        return cls(
            components=components,
            memo=memo,
            demand_count=dict(totals.demand_count),
            import_count=dict(totals.import_count),
            flows=totals.flows,
            refunds=totals.refunds,
            first_date=totals.first,
            last_date=totals.last,
            county=county,
        )

    def __getitem__(self, name: str) -> Decimal:
        return self.components[name]

    def shares(self) -> dict[str, Decimal | None]:
        """Each of C, I, G, NX as a percentage of Y (None when Y is zero)."""
        y = self.components["Y"]
        return {k: (self.components[k] * 100 / y if y else None) for k in ("C", "I", "G", "NX")}

    def _lines(self) -> list[str]:
        period = f"{self.first_date} to {self.last_date}" if self.first_date else "no flows"
        return [
            f"county: {self.county or '(home)'}; flows: {self.flows} ({self.refunds} refunds); "
            f"dates: {period}",
            "rules R1-R10 (docs/accounts.md); Y = C + I + G + NX, NX = X - M; yuan, current prices",
            "a platform reconstruction, not official statistics: transfers, intermediate inputs "
            "and flows outside the county are memo lines outside Y",
        ]

    @property
    def summary(self) -> Summary:
        shares = self.shares()
        rows: list[tuple[str, Sequence[Cell]]] = []
        for name in COMPONENTS:
            share = shares.get(name)
            rows.append(
                (name, [yuan(self.components[name]), "" if share is None else f"{share:.2f}%"])
            )
        components = SummaryTable(
            title="Expenditure side",
            columns=["yuan", "share of Y"],
            rows=rows,
            note="X = X_domestic + X_foreign; NX = X - M; Y = C + I + G + NX",
        )
        memo = SummaryTable(
            title="Memo lines (outside Y)",
            columns=["yuan"],
            rows=[(name, [yuan(value)]) for name, value in self.memo.items()],
            note="gmv: sales with a party in the county, net of refunds",
        )
        counts = SummaryTable(
            title="Flows per bucket",
            columns=["flows"],
            rows=[(f"demand: {k}", [v]) for k, v in self.demand_count.items()]
            + [(f"imports: {k}", [v]) for k, v in self.import_count.items()],
            note="each flow is counted once on each side",
        )
        return Summary(
            title="County accounts: the platform's part in Y = C + I + G + NX",
            tables=[components, memo, counts],
            lines=self._lines(),
        )

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {k: yuan(v) for k, v in self.components.items()}
        document["memo"] = {k: yuan(v) for k, v in self.memo.items()}
        document["county"] = self.county
        document["flows"] = self.flows
        document["refunds"] = self.refunds
        document["first_date"] = self.first_date.isoformat() if self.first_date else None
        document["last_date"] = self.last_date.isoformat() if self.last_date else None
        document["counts"] = {"demand": dict(self.demand_count), "imports": dict(self.import_count)}
        document["unit"] = "yuan, current prices"
        return document

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd  # lazy: the streaming pass needs no pandas

        return pd.DataFrame(
            {"yuan": [self.components[k] for k in COMPONENTS]}, index=pd.Index(COMPONENTS)
        )

    def figure(self) -> Figure:
        fig = new_figure(width=6.0, height=3.4)
        ax = fig.subplots()
        names = ["C", "I", "G", "X", "-M", "Y"]
        values = [float(self.components[k]) for k in ("C", "I", "G", "X")]
        values += [-float(self.components["M"]), float(self.components["Y"])]
        colours = ["#2f6f9f"] * 4 + ["#c05621", "#1f2933"]
        ax.bar(names, values, color=colours)
        ax.axhline(0, color="#52606d", linewidth=0.8)
        ax.set_ylabel("yuan")
        ax.set_title("Platform flows by component", fontsize=9)
        return fig

    def to_html(self) -> str:
        """One self-contained page: the tables and the component chart as inline SVG."""
        sections = [
            self.summary.as_html(),
            figure_svg(
                self.figure(), caption="C, I, G and X add; imports M subtract; Y is the sum."
            ),
        ]
        subtitle = f"County: {self.county}" if self.county else ""
        return html_page("County accounts", sections, subtitle=subtitle)


# --- shares and growth contributions (notes §4.4, economics.md §2.1) ----------------------------


@dataclass(frozen=True)
class Contribution:
    """A component's share of this year's Y and its contribution to Y's growth."""

    component: str
    share_percent: Decimal | None
    contribution_pp: Decimal | None
    contribution_rate_percent: Decimal | None


def contributions(
    previous: Mapping[str, Decimal], current: Mapping[str, Decimal], *, parts: Sequence[str]
) -> tuple[Decimal | None, list[Contribution]]:
    """Growth of Y in percent and each part's share and contribution (percentage points).

    The contribution of a part is its change over the previous year's Y (so the contributions add
    up to Y's growth); its contribution rate is its change over Y's change (adding up to 100 %).
    ``Y`` of each year is the sum of ``parts``: pass a residual part to make it the published total.
    """
    y0 = sum((previous[p] for p in parts), Decimal(0))
    y1 = sum((current[p] for p in parts), Decimal(0))
    growth = (y1 - y0) * 100 / y0 if y0 else None
    rows = []
    for part in parts:
        change = current[part] - previous[part]
        rows.append(
            Contribution(
                component=part,
                share_percent=current[part] * 100 / y1 if y1 else None,
                contribution_pp=change * 100 / y0 if y0 else None,
                contribution_rate_percent=change * 100 / (y1 - y0) if y1 != y0 else None,
            )
        )
    return growth, rows
