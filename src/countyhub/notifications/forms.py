from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from countyhub.notifications.kinds import KINDS
from countyhub.notifications.models import Audience, Channel, Kind, NotificationContact


def field_name(kind: str, channel: str) -> str:
    return f"{kind}__{channel}"


class PreferencesForm(forms.Form):
    """A checkbox per kind and channel the user may receive, their language and phone."""

    language = forms.ChoiceField(label=_("language of the messages"), choices=settings.LANGUAGES)
    phone = forms.CharField(
        label=NotificationContact._meta.get_field("phone").verbose_name,
        required=False,
        max_length=30,
        validators=NotificationContact._meta.get_field("phone").validators,
    )

    def __init__(
        self,
        *args: Any,
        choices: dict[tuple[str, str], bool],
        thresholds: dict[Any, Decimal | None],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.choices = choices
        self.thresholds = thresholds
        for seller, threshold in thresholds.items():
            self.fields[f"threshold_{seller.pk}"] = forms.DecimalField(
                label=_("%(seller)s: tell me when a product has less than") % {"seller": seller},
                help_text=_("Empty: below %(default)s.")
                % {"default": settings.COUNTYHUB_LOW_STOCK_THRESHOLD},
                required=False,
                min_value=0,
                max_digits=12,
                decimal_places=3,
                initial=threshold.normalize() if threshold is not None else None,
            )
        for (kind, channel), wanted in choices.items():
            self.fields[field_name(kind, channel)] = forms.BooleanField(
                label=f"{Kind(kind).label}: {Channel(channel).label}",
                required=False,
                initial=wanted,
            )

    def groups(self) -> list[tuple[str, list[tuple[str, list[Any]]]]]:
        """Per audience (as a buyer, seller, operator): each kind's label and its channels'
        checkboxes (e-mail, then SMS)."""
        grouped: dict[str, list[tuple[str, list[Any]]]] = {}
        for kind in dict.fromkeys(kind for kind, _channel in self.choices):
            boxes = [
                self[field_name(kind, channel)]
                for channel in Channel
                if (kind, channel) in self.choices
            ]
            grouped.setdefault(KINDS[kind].audience, []).append((Kind(kind).label, boxes))
        return [(Audience(audience).label, rows) for audience, rows in grouped.items()]

    def chosen(self) -> dict[tuple[str, str], bool]:
        return {key: bool(self.cleaned_data.get(field_name(*key))) for key in self.choices}

    def threshold_fields(self) -> list[Any]:
        return [self[f"threshold_{seller.pk}"] for seller in self.thresholds]

    def chosen_thresholds(self) -> dict[Any, Decimal | None]:
        return {
            seller: self.cleaned_data.get(f"threshold_{seller.pk}") for seller in self.thresholds
        }
