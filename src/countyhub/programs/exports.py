"""A payout run for the finance bureau: one table, written as CSV or XLSX."""

from __future__ import annotations

import io

from countyhub.core.spreadsheets import SafeCsvWriter, safe_row
from countyhub.programs.models import PayoutRun

HEADER = [
    "run",
    "period",
    "rule",
    "rule kind",
    "budget line",
    "line kind",
    "facts month",
    "payee",
    "seller id",
    "bank",
    "account holder",
    "account number",
    "entitlement",
    "already paid",
    "amount",
    "currency",
    "facts",
    "how it was computed",
    "budget note",
    "status",
]


def fact_items(facts: dict) -> list[tuple[str, str]]:
    """The facts of a payout line as (name, text) pairs; lists are joined with commas."""
    return [
        (key, ", ".join(map(str, value)) if isinstance(value, list) else str(value))
        for key, value in facts.items()
    ]


def run_rows(run: PayoutRun) -> list[list[object]]:
    rows = []
    lines = run.lines.select_related("rule__budget_line", "seller").order_by("pk")
    for line in lines:
        seller = line.seller
        fact_text = "; ".join(f"{key}={text}" for key, text in fact_items(line.facts))
        rows.append(
            [
                run.pk,
                f"{run.period_start:%Y-%m}",
                line.rule.name,
                line.rule.kind,
                line.rule.budget_line.name,
                line.kind,
                f"{line.fact_period:%Y-%m}",
                line.payee_name,
                seller.pk if seller else "",
                seller.bank_name if seller else "",
                seller.bank_account_name if seller else "",
                seller.bank_account_number if seller else "",
                line.entitlement,
                line.already_paid,
                line.amount,
                run.county.program_set.values_list("currency", flat=True).first() or "CNY",
                fact_text,
                line.explanation,
                line.budget_note,
                run.status,
            ]
        )
    return rows


def run_csv(run: PayoutRun) -> bytes:
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(HEADER)
    writer.writerows(run_rows(run))
    # A byte-order mark so that spreadsheet programs read the Chinese names as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def run_xlsx(run: PayoutRun) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"payouts {run.period_start:%Y-%m}"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    amount_columns = [HEADER.index(n) + 1 for n in ("entitlement", "already paid", "amount")]
    for row in run_rows(run):
        sheet.append(safe_row(row))
    for column in amount_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = "#,##0.00"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
