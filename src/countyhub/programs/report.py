"""The KPI dashboard as a PDF report: the same `Dashboard` object the page renders."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from countyhub.core.money import format_money
from countyhub.gs1.labels import label_font
from countyhub.programs.charts import format_value
from countyhub.programs.kpis import Dashboard

MM = 72 / 25.4
GREEN, RED, GREY = (0.18, 0.42, 0.23), (0.70, 0.15, 0.12), (0.85, 0.87, 0.85)


def dashboard_pdf(dashboard: Dashboard) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    font = label_font()
    width, height = A4
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    county = dashboard.county
    canvas.setTitle(f"{county.name} KPI {dashboard.year}")
    y = height - 20 * MM

    def heading(text: str, size: int = 13) -> None:
        nonlocal y
        if y < 40 * MM:
            canvas.showPage()
            y = height - 20 * MM
        canvas.setFont(font, size)
        canvas.setFillColorRGB(0, 0, 0)
        canvas.drawString(18 * MM, y, text)
        y -= 9 * MM

    heading(f"{county.name} · {_('KPI dashboard')} {dashboard.year}", 16)
    canvas.setFont(font, 9)
    canvas.drawString(18 * MM, y + 3 * MM, _("As of %(day)s") % {"day": dashboard.as_of})
    y -= 4 * MM
    for kpi in dashboard.kpis:
        heading_needed = y < 30 * MM
        if heading_needed:
            canvas.showPage()
            y = height - 20 * MM
        canvas.setFont(font, 10)
        canvas.setFillColorRGB(0, 0, 0)
        canvas.drawString(18 * MM, y, kpi.label)
        value = format_value(kpi.value, kpi.unit)
        target = format_value(kpi.target, kpi.unit) if kpi.target else "—"
        canvas.drawRightString(width - 18 * MM, y, f"{value}  /  {_('target')} {target}")
        y -= 4 * MM
        bar_width = width - 36 * MM
        canvas.setFillColorRGB(*GREY)
        canvas.rect(18 * MM, y - 2 * MM, bar_width, 3 * MM, stroke=0, fill=1)
        if kpi.target:
            share = max(min(float(kpi.value / kpi.target), 1.5), 0)
            canvas.setFillColorRGB(*(GREEN if kpi.met else RED))
            canvas.rect(18 * MM, y - 2 * MM, bar_width / 1.5 * share, 3 * MM, stroke=0, fill=1)
            canvas.setFillColorRGB(0, 0, 0)
            canvas.rect(18 * MM + bar_width / 1.5, y - 3 * MM, 0.6, 5 * MM, stroke=0, fill=1)
        if kpi.trend:
            peak = max([abs(v) for _m, v in kpi.trend] + [1])
            step = 60 * MM / len(kpi.trend)
            for index, (_month, amount) in enumerate(kpi.trend):
                bar = float(abs(amount) / peak) * 8 * MM
                canvas.setFillColorRGB(*(GREEN if amount >= 0 else RED))
                canvas.rect(
                    width - 78 * MM + index * step, y - 12 * MM, step * 0.7, bar, stroke=0, fill=1
                )
            canvas.setFillColorRGB(0.4, 0.4, 0.4)
            canvas.setFont(font, 7)
            canvas.drawString(18 * MM, y - 8 * MM, _("12-month trend") + " →")
        y -= 16 * MM
    heading(_("Funds per budget line"))
    canvas.setFont(font, 9)
    for use in dashboard.budget:
        canvas.drawString(
            20 * MM, y, f"{use.budget_line.name} ({use.budget_line.get_kind_display()})"
        )
        canvas.drawRightString(
            width - 18 * MM,
            y,
            f"{format_money(use.used)} / {format_money(use.budget_line.amount)}",
        )
        y -= 6 * MM
        if y < 20 * MM:
            canvas.showPage()
            canvas.setFont(font, 9)
            y = height - 20 * MM
    heading(_("Payouts per rule"))
    canvas.setFont(font, 9)
    for rule, total, payees in dashboard.payouts_by_rule:
        canvas.drawString(20 * MM, y, f"{rule.name} · {payees} " + _("payees"))
        canvas.drawRightString(width - 18 * MM, y, format_money(total))
        y -= 6 * MM
        if y < 20 * MM:
            canvas.showPage()
            canvas.setFont(font, 9)
            y = height - 20 * MM
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
