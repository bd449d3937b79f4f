"""The facts of a payout line in words, for the run's page: each key a label in the reader's
language, money as money, lists joined (the CSV and XLSX keep the keys for the finance bureau's
software)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext, pgettext_lazy

from countyhub.core.money import format_money

# A context of their own: these words label one fact of a payout line ("Orders" lists numbers).
LABELS = {
    "order_numbers": pgettext_lazy("payout fact", "Orders"),
    "orders": pgettext_lazy("payout fact", "Number of orders"),
    "parcels": pgettext_lazy("payout fact", "Parcels"),
    "amount_per_parcel": pgettext_lazy("payout fact", "Amount per parcel"),
    "sales": pgettext_lazy("payout fact", "Sales"),
    "threshold": pgettext_lazy("payout fact", "Threshold"),
    "percent": pgettext_lazy("payout fact", "Percentage"),
    "uncapped": pgettext_lazy("payout fact", "Before the cap"),
    "cap": pgettext_lazy("payout fact", "Cap"),
    "capped": pgettext_lazy("payout fact", "Capped"),
    "certificate": pgettext_lazy("payout fact", "Certificate"),
    "course": pgettext_lazy("payout fact", "Course"),
    "completed_on": pgettext_lazy("payout fact", "Completed on"),
    "orders_to_reach": pgettext_lazy("payout fact", "Orders needed"),
    "reached_on": pgettext_lazy("payout fact", "Reached on"),
    "order_ids_no_longer_counted": pgettext_lazy("payout fact", "Orders no longer counted (ids)"),
    "earned_now": pgettext_lazy("payout fact", "Earned now"),
}
MONEY = frozenset({"amount_per_parcel", "sales", "threshold", "uncapped", "cap", "earned_now"})
# Database ids repeat what the order numbers say.
HIDDEN = frozenset({"order_ids"})


def _text(key: str, value: object) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if key in MONEY:
        try:
            return format_money(Decimal(str(value)))
        except InvalidOperation:
            return str(value)
    if key == "percent":
        return f"{value}%"
    return str(value)


def fact_lines(facts: dict) -> list[tuple[str, str]]:
    """(label, text) pairs of a payout line's facts; an unknown key reads as words."""
    return [
        (str(LABELS.get(key, key.replace("_", " ").capitalize())), _text(key, value))
        for key, value in facts.items()
        if key not in HIDDEN
    ]
