"""County accounts engine: the worked example of notes/surveys.md §4.3, each rule by hand, bad rows."""

import csv
import json
from decimal import Decimal

import pytest

from countyhub.analysis.accounts import (
    COLUMNS,
    CountyAccounts,
    classify,
    contributions,
    flows_from_rows,
    read_flows,
)
from countyhub.analysis.errors import DataError

D = Decimal


def row(id, flow, amount, kind="", buyer="", seller="", origin="", cost="", use="", linked=""):
    return {
        "id": id,
        "date": "2024-06-01",
        "flow": flow,
        "amount": str(amount),
        "buyer_kind": kind,
        "buyer_region": buyer,
        "seller_region": seller,
        "goods_origin": origin,
        "cost_of_goods": str(cost),
        "use": use,
        "linked": linked,
    }


# notes/surveys.md §4.3, "Example County", one year, in yuan: one row per line of the table.
WORKED_EXAMPLE = [
    row("a", "sale", 1_000_000, "household", "home", "domestic", use="final"),
    row("a'", "fee", 30_000, "household", "home", "home"),
    row("b", "sale", 400_000, "household", "home", "home", "local", use="final"),
    row("c", "sale", 2_500_000, "enterprise", "domestic", "home", "local"),
    row("c'", "fee", 125_000, "enterprise", "home", "domestic"),
    row("c''", "sale", 150_000, "enterprise", "home", "domestic", use="intermediate", linked="yes"),
    row("d", "sale", 600_000, "household", "foreign", "home", "local"),
    row("e", "sale", 200_000, "government", "home", "home", "local", use="final"),
    row("e'", "sale", 300_000, "government", "domestic", "home", "local", use="final"),
    row("f", "sale", 800_000, "cooperative", "home", "domestic", use="capital"),
    row("g", "transfer", 500_000),
]


def fit(rows, county="Example County"):
    return CountyAccounts(flows_from_rows(rows), county=county).fit()


def write_csv(path, rows, columns=COLUMNS):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def example():
    return fit(WORKED_EXAMPLE)


def test_worked_example_gives_the_notes_totals(example):
    assert example["C"] == D(1_430_000)
    assert example["I"] == D(800_000)
    assert example["G"] == D(200_000)
    assert example["X_domestic"] == D(2_800_000)
    assert example["X_foreign"] == D(600_000)
    assert example["X"] == D(3_400_000)
    assert example["M"] == D(2_075_000)
    assert example["NX"] == D(1_325_000)
    assert example["Y"] == D(3_755_000)
    assert example.memo["transfers"] == D(500_000)
    assert example.memo["unlinked_intermediate_imports"] == D(0)


def test_worked_example_equals_local_value_added(example):
    # 30,000 (a') + 400,000 (b) + 2,225,000 (c net of c', c'') + 600,000 (d) + 200,000 (e)
    # + 300,000 (e') + 0 (f): the hand check of the notes.
    assert example["Y"] == D(30_000 + 400_000 + 2_225_000 + 600_000 + 200_000 + 300_000)


def test_wrong_answer_gross_gmv_is_rejected(example):
    gross = sum(
        D(r["amount"])
        for r in WORKED_EXAMPLE
        if r["id"] in ["a", "a'", "b", "c", "d", "e", "e'", "f"]
    )
    assert gross == D(5_830_000)
    assert example["Y"] != gross
    assert gross - example["Y"] == example["M"]  # GMV overstates Y by exactly the imports


def test_wrong_answer_transfer_counted_as_g_is_rejected(example):
    # Counting the incentive subsidy (g) as G would give G 700,000 and Y 4,255,000.
    assert example["G"] != D(700_000)
    assert example["Y"] != D(4_255_000)
    assert example.demand_count["transfer"] == 1


def test_wrong_answer_other_counties_budget_units_as_g_is_rejected(example):
    # (e') is an export to another county, never G: G would be 500,000 and X_domestic 2,500,000.
    assert example["G"] == D(200_000)
    assert example["X_domestic"] == D(2_800_000)
    single = fit([WORKED_EXAMPLE[8]])
    assert (single["G"], single["X_domestic"]) == (D(0), D(300_000))


def test_wrong_answer_capital_import_without_m_is_rejected(example):
    # (f) counted in I without its M would give Y 4,555,000.
    assert example["Y"] != D(4_555_000)
    single = fit([WORKED_EXAMPLE[9]])
    assert (single["I"], single["M"], single["Y"]) == (D(800_000), D(800_000), D(0))


def test_every_flow_lands_in_exactly_one_bucket_per_side(example):
    assert example.flows == len(WORKED_EXAMPLE)
    assert sum(example.demand_count.values()) == example.flows
    assert sum(example.import_count.values()) == example.flows


def test_shares_of_y_match_the_notes(example):
    shares = {k: round(v, 2) for k, v in example.shares().items()}
    assert shares == {"C": D("38.08"), "I": D("21.30"), "G": D("5.33"), "NX": D("35.29")}


def test_json_document_has_decimal_strings(example):
    document = json.loads(json.dumps(example.to_dict()))
    assert document["Y"] == "3755000.00"
    assert document["NX"] == "1325000.00"
    assert document["memo"] == {
        "transfers": "500000.00",
        "gmv": "5950000.00",
        "unlinked_intermediate_imports": "0.00",
        "intermediate_inputs": "275000.00",
        "outside_county": "0.00",
    }
    assert set(document) >= {"C", "I", "G", "X_domestic", "X_foreign", "M", "NX", "Y", "memo"}


def test_html_report_is_one_page_with_the_chart(example):
    page = example.to_html()
    assert page.startswith("<!doctype html>")
    assert "<svg" in page and "3755000.00" in page and "Example County" in page


# --- each rule by hand ---------------------------------------------------------------------------


def bucket(**kwargs):
    flow = next(iter(flows_from_rows([row("x", **kwargs)])))
    entry = classify(flow)
    return entry.demand, entry.imports, entry.imported


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # R1 household buys from outside: C and M.
        ({"flow": "sale", "amount": 100, "kind": "household", "buyer": "home", "seller": "foreign"},
         ("C", "M", D(100))),
        # R2 household buys local goods from a home seller: C only.
        ({"flow": "sale", "amount": 100, "kind": "household", "buyer": "home", "seller": "home",
              "origin": "local"}, ("C", "none", D(0))),
        # R3 home seller resells outside goods to another province: X_domestic, cost in M.
        ({"flow": "sale", "amount": 100, "kind": "household", "buyer": "domestic", "seller": "home",
              "origin": "outside", "cost": 70}, ("X_domestic", "M", D(70))),
        # R3 also for a home buyer of resold goods: only the margin is local.
        ({"flow": "sale", "amount": 100, "kind": "household", "buyer": "home", "seller": "home",
              "origin": "outside", "cost": 70}, ("C", "M", D(70))),
        # R4 buyer abroad.
        ({"flow": "sale", "amount": 100, "kind": "enterprise", "buyer": "foreign", "seller": "home",
              "origin": "local"}, ("X_foreign", "none", D(0))),
        # R5 home government, current use: G; capital: I; another county's unit: X_domestic.
        ({"flow": "sale", "amount": 100, "kind": "government", "buyer": "home", "seller": "home",
              "origin": "local", "use": "final"}, ("G", "none", D(0))),
        ({"flow": "sale", "amount": 100, "kind": "government", "buyer": "home", "seller": "domestic",
              "use": "capital"}, ("I", "M", D(100))),
        ({"flow": "sale", "amount": 100, "kind": "government", "buyer": "domestic", "seller": "home",
              "origin": "local", "use": "final"}, ("X_domestic", "none", D(0))),
        # R6 enterprise: capital I (+M from outside); intermediate linked M, unlinked memo.
        ({"flow": "sale", "amount": 100, "kind": "enterprise", "buyer": "home", "seller": "home",
              "origin": "local", "use": "capital"}, ("I", "none", D(0))),
        ({"flow": "sale", "amount": 100, "kind": "enterprise", "buyer": "home", "seller": "domestic",
              "use": "intermediate", "linked": "yes"}, ("intermediate", "M", D(100))),
        ({"flow": "sale", "amount": 100, "kind": "enterprise", "buyer": "home", "seller": "domestic",
              "use": "intermediate", "linked": "no"}, ("intermediate", "unlinked", D(100))),
        ({"flow": "sale", "amount": 100, "kind": "enterprise", "buyer": "home", "seller": "home",
              "origin": "local", "use": "intermediate"}, ("intermediate", "none", D(0))),
        # R7 inventory bought from outside: I and M.
        ({"flow": "sale", "amount": 100, "kind": "enterprise", "buyer": "home", "seller": "domestic",
              "use": "inventory"}, ("I", "M", D(100))),
        # R8 fees: a home enterprise to a payee outside is M; to a home payee nothing.
        ({"flow": "fee", "amount": 5, "kind": "enterprise", "buyer": "home", "seller": "domestic"},
         ("intermediate", "M", D(5))),
        ({"flow": "fee", "amount": 5, "kind": "enterprise", "buyer": "home", "seller": "home"},
         ("intermediate", "none", D(0))),
        # R1 fee paid by a home household: C, and M when the payee is outside.
        ({"flow": "fee", "amount": 5, "kind": "household", "buyer": "home", "seller": "home"},
         ("C", "none", D(0))),
        ({"flow": "fee", "amount": 5, "kind": "household", "buyer": "home", "seller": "domestic"},
         ("C", "M", D(5))),
        # R9 transfer: memo only.
        ({"flow": "transfer", "amount": 500}, ("transfer", "none", D(0))),
        # Neither side at home: outside the county.
        ({"flow": "sale", "amount": 100, "kind": "household", "buyer": "domestic", "seller": "domestic"},
         ("outside", "none", D(0))),
    ],
)  # fmt: skip
def test_rules_by_hand(kwargs, expected):
    assert bucket(**kwargs) == expected


def test_r10_refund_reverses_the_original_buckets():
    sale = row("s1", "sale", 100, "household", "domestic", "home", "outside", 60)
    refund = {**row("s1-r", "sale", -40, "household", "domestic", "home", "outside", -24),
              "date": "2024-07-03"}  # fmt: skip
    result = fit([sale, refund])
    assert (result["X_domestic"], result["M"], result["Y"]) == (D(60), D(36), D(24))
    assert result.refunds == 1
    assert result.memo["gmv"] == D(60)
    assert str(result.last_date) == "2024-07-03"


def test_a_full_refund_leaves_nothing():
    rows = [row("a", "sale", 250, "household", "home", "domestic"),
            row("a-r", "sale", -250, "household", "home", "domestic")]  # fmt: skip
    result = fit(rows)
    assert all(value == 0 for value in result.components.values())


def test_accounts_sum_equals_value_added_on_a_mixed_table():
    # Home sellers' sales of local goods 1,000 + 300, a home fee 20, imported inputs and fees 150:
    # Y is local value added, 1,170, whatever the buyers' kinds and regions.
    rows = [
        row("1", "sale", 1000, "household", "domestic", "home", "local"),
        row("2", "sale", 300, "household", "home", "home", "local"),
        row("3", "fee", 20, "household", "home", "home"),
        row("4", "sale", 100, "enterprise", "home", "domestic", use="intermediate", linked="yes"),
        row("5", "fee", 50, "enterprise", "home", "foreign"),
    ]
    assert fit(rows)["Y"] == D(1170)


# --- the CSV contract and bad rows ---------------------------------------------------------------


def test_csv_file_round_trip(tmp_path):
    path = write_csv(tmp_path / "flows.csv", WORKED_EXAMPLE)
    assert CountyAccounts(read_flows(path)).fit()["Y"] == D(3_755_000)


def test_missing_column_is_named(tmp_path):
    path = write_csv(tmp_path / "flows.csv", WORKED_EXAMPLE, [c for c in COLUMNS if c != "linked"])
    with pytest.raises(DataError, match=r"no column named 'linked'"):
        CountyAccounts(read_flows(path)).fit()


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        ({"amount": "1.000.000"}, "amount", "not a decimal"),
        ({"amount": "NaN"}, "amount", "not a finite"),
        ({"date": "2024/06/01"}, "date", "not a date"),
        ({"flow": "gift"}, "flow", "not one of sale, fee, transfer"),
        ({"buyer_kind": "family"}, "buyer_kind", "not one of household"),
        ({"buyer_region": ""}, "buyer_region", "is empty"),
        ({"goods_origin": ""}, "goods_origin", "needs local or outside"),
        ({"goods_origin": "outside", "cost_of_goods": ""}, "cost_of_goods", "is empty"),
        ({"goods_origin": "outside", "cost_of_goods": "999999"}, "cost_of_goods", "more than"),
        ({"id": ""}, "id", "is empty"),
    ],
)
def test_bad_cell_is_named_by_row_and_column(tmp_path, changes, column, message):
    rows = [dict(r) for r in WORKED_EXAMPLE]
    rows[6].update(changes)  # line d, on file line 8
    path = write_csv(tmp_path / "flows.csv", rows)
    with pytest.raises(DataError) as caught:
        CountyAccounts(read_flows(path)).fit()
    text = str(caught.value)
    assert "flows.csv: row 7 (file line 8)" in text
    assert f"column {column!r}" in text
    assert message in text


@pytest.mark.parametrize(
    ("bad", "column"),
    [
        (row("1", "sale", 10, "government", "home", "home", "local"), "use"),
        (row("1", "sale", 10, "enterprise", "home", "home", "local", use="final"), "use"),
        (row("1", "sale", 10, "enterprise", "home", "domestic", use="intermediate"), "linked"),
        (row("1", "fee", 10, "enterprise", "home", "home", "local"), "goods_origin"),
        (row("1", "sale", 10, "household", "home", "domestic", "local"), "goods_origin"),
        (row("1", "sale", -10, "household", "home", "home", "outside", 5), "cost_of_goods"),
    ],
)
def test_rows_the_rules_cannot_place_are_refused(bad, column):
    with pytest.raises(DataError, match=rf"row 1, id '1', column {column!r}"):
        fit([bad])


def test_all_bad_rows_are_reported_together():
    rows = [row(str(i), "sale", "x", "household", "home", "home", "local") for i in range(25)]
    with pytest.raises(DataError) as caught:
        fit(rows)
    lines = str(caught.value).splitlines()
    assert len(lines) == 21 and lines[-1] == "... and 5 more bad rows"


def test_cooperative_is_an_enterprise():
    assert bucket(flow="sale", amount=1, kind="cooperative", buyer="home", seller="home",
                  origin="local", use="capital") == ("I", "none", D(0))  # fmt: skip


# --- shares and growth contributions (notes §4 A3) -----------------------------------------------


def test_growth_contributions_in_percentage_points():
    year0 = {"C": D(100), "I": D(60), "G": D(30), "NX": D(-10)}
    year1 = {"C": D(110), "I": D(70), "G": D(32), "NX": D(-8)}
    growth, parts = contributions(year0, year1, parts=["C", "I", "G", "NX"])
    assert round(growth, 3) == D("13.333")
    by = {p.component: p for p in parts}
    assert [round(by[k].contribution_pp, 3) for k in ["C", "I", "G", "NX"]] == [
        D("5.556"), D("5.556"), D("1.111"), D("1.111")]  # fmt: skip
    assert [round(by[k].contribution_rate_percent, 2) for k in ["C", "I", "G", "NX"]] == [
        D("41.67"), D("41.67"), D("8.33"), D("8.33")]  # fmt: skip
    assert [round(by[k].share_percent, 2) for k in ["C", "I", "G", "NX"]] == [
        D("53.92"), D("34.31"), D("15.69"), D("-3.92")]  # fmt: skip
    assert sum(p.contribution_pp for p in parts) == growth


# --- the combined sums (_Totals.add_all) against flow by flow ------------------------------------


def flow_by_flow(flows, county="Example County"):
    """The reference: each flow classified and added in turn (the engine before add_all)."""
    from countyhub.analysis.accounts import AccountsResults, _Totals

    totals = _Totals()
    for flow in flows:
        totals.add(flow, classify(flow))
    return AccountsResults.from_totals(totals, county=county)


def dated(day, r):
    return {**r, "date": day}


# Refunds (whole, partial, of resold goods), zero amounts and costs, sub-fen amounts, dates out
# of order, every bucket on both sides.
MIXED = [
    *WORKED_EXAMPLE,
    dated("2024-01-03", row("r1", "sale", "-400000", "household", "home", "home", "local",
                            use="final")),
    row("s1", "sale", "100.10", "household", "domestic", "home", "outside", "60.05"),
    dated("2023-12-31", row("s1-r", "sale", "-40.10", "household", "domestic", "home", "outside",
                            "-24.005")),
    row("s2", "sale", "0", "household", "home", "home", "outside", "0"),
    row("s3", "sale", "12.345", "enterprise", "home", "home", "outside", "0", use="intermediate",
        linked="no"),
    row("s4", "sale", "99", "enterprise", "home", "home", "outside", "99", use="intermediate",
        linked="yes"),
    row("s4-r", "sale", "-99", "enterprise", "home", "home", "outside", "-99", use="intermediate",
        linked="yes"),
    row("s5", "sale", "70", "enterprise", "home", "domestic", use="intermediate", linked="no"),
    row("s6", "sale", "55", "household", "domestic", "foreign"),
    row("s7", "sale", "8.5", "government", "home", "home", "local", "0", use="inventory"),
    row("f1", "fee", "0.00", "enterprise", "home", "home"),
    row("f2", "fee", "-3", "household", "foreign", "domestic"),
    dated("2025-02-28", row("t1", "transfer", "-500.5")),
]  # fmt: skip


@pytest.mark.parametrize("rows", [WORKED_EXAMPLE, MIXED], ids=["worked-example", "mixed"])
def test_combined_sums_are_flow_by_flow_sums(rows, tmp_path):
    reference = flow_by_flow(flows_from_rows(rows)).to_dict()
    assert fit(rows).to_dict() == reference
    path = write_csv(tmp_path / "flows.csv", rows)
    document = CountyAccounts(read_flows(path), county="Example County").fit().to_dict()
    assert json.dumps(document) == json.dumps(reference)  # the same text, decimals and all
    if rows is WORKED_EXAMPLE:
        assert reference["Y"] == "3755000.00"


def test_bad_rows_among_refunds_are_reported_as_flow_by_flow(tmp_path):
    rows = [*MIXED, row("bad1", "sale", "1,5", "household", "home", "home", "local"),
            row("bad2", "sale", "-3", "household", "home", "home", "outside", "-4")]  # fmt: skip
    path = write_csv(tmp_path / "flows.csv", rows)
    with pytest.raises(DataError) as reference:
        flow_by_flow(read_flows(path))
    with pytest.raises(DataError) as combined:
        CountyAccounts(read_flows(path)).fit()
    assert str(combined.value) == str(reference.value)
    assert "row 25 (file line 26), id 'bad1', column 'amount'" in str(combined.value)
    assert "id 'bad2', column 'cost_of_goods'" in str(combined.value)


def test_an_unforeseen_imported_amount_is_classified_flow_by_flow(monkeypatch):
    from countyhub.analysis import accounts

    def halved(flow):  # imports half the amount: neither the amount, the cost nor a zero
        entry = classify(flow)
        return entry._replace(imported=flow.amount / 2) if entry.imports == "M" else entry

    monkeypatch.setattr(accounts, "classify", halved)
    rows = [row("1", "sale", 10, "household", "home", "domestic", use="final"),
            row("2", "sale", 30, "household", "home", "domestic", use="final")]  # fmt: skip
    assert fit(rows)["M"] == D(20)
