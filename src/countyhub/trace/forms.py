"""Forms of the trace back office: a batch, and one short form per farming step, with defaults."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from countyhub.catalog.models import Product


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class BatchForm(forms.Form):
    product = forms.ModelChoiceField(label=_("product"), queryset=Product.objects.none())
    lot = forms.CharField(label=_("lot number"), max_length=20)
    quantity = forms.DecimalField(label=_("quantity"), min_value=Decimal("0.001"), decimal_places=3)
    plot = forms.CharField(label=_("field or plot"), max_length=100)
    production_date = forms.DateField(
        label=_("production or harvest date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    expiry_date = forms.DateField(
        label=_("expiry date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    latitude = forms.DecimalField(
        label=_("latitude"), required=False, min_value=-90, max_value=90, decimal_places=5
    )
    longitude = forms.DecimalField(
        label=_("longitude"), required=False, min_value=-180, max_value=180, decimal_places=5
    )
    serial_count = forms.IntegerField(
        label=_("serialised units"), required=False, min_value=0, max_value=500, initial=0
    )

    def __init__(self, *args: Any, products: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products
        self.fields["lot"].initial = timezone.localdate().strftime("L%Y%m%d")


class StepForm(forms.Form):
    event_time = forms.DateTimeField(
        label=_("when"), widget=DateTimeLocalInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )

    def __init__(self, *args: Any, batch: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batch = batch
        self.fields["event_time"].initial = timezone.localtime().replace(second=0, microsecond=0)


class PlantingForm(StepForm):
    crop = forms.CharField(label=_("crop"), max_length=100)
    variety = forms.CharField(
        label=pgettext_lazy("crop", "variety"), max_length=100, required=False
    )
    area_mu = forms.FloatField(label=_("area (mu)"), min_value=0.01, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["crop"].initial = self.batch.product.name


DOSE_UNITS = [("KGM", _("kg")), ("GRM", _("g")), ("LTR", _("litres"))]


class FertilisingForm(StepForm):
    product = forms.CharField(label=_("fertiliser"), max_length=100)
    dose = forms.FloatField(label=_("dose"), min_value=0.001)
    dose_unit = forms.ChoiceField(label=_("dose unit"), choices=DOSE_UNITS, initial="KGM")
    per_area_mu = forms.FloatField(label=_("per area (mu)"), min_value=0.01, required=False)


class SprayingForm(StepForm):
    product = forms.CharField(label=_("spray product"), max_length=100)
    pre_harvest_interval_days = forms.IntegerField(
        label=_("pre-harvest interval (days)"), min_value=0, max_value=365
    )
    dose = forms.FloatField(label=_("dose"), min_value=0.001, required=False)
    dose_unit = forms.ChoiceField(label=_("dose unit"), choices=DOSE_UNITS, initial="LTR")


class IrrigationForm(StepForm):
    volume_m3 = forms.FloatField(label=_("water (m³)"), min_value=0.01)
    method = forms.ChoiceField(
        label=_("irrigation method"),
        choices=[("drip", _("drip")), ("sprinkler", _("sprinkler")), ("flood", _("flood"))],
    )


class HarvestForm(StepForm):
    quantity_kg = forms.FloatField(label=_("harvested weight (kg)"), min_value=0.001)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        quantity = self.batch.quantity
        if self.batch.unit == "jin":
            quantity = quantity / 2
        if self.batch.unit in ("kg", "jin"):
            self.fields["quantity_kg"].initial = float(quantity)


class InspectionForm(StepForm):
    title = forms.CharField(label=_("report title"), max_length=100)
    report_number = forms.CharField(label=_("report number"), max_length=60)
    issuer = forms.CharField(label=_("issuer"), max_length=200)
    result = forms.ChoiceField(
        label=_("result"), choices=[("pass", _("pass")), ("fail", _("fail"))], initial="pass"
    )
    certifications = forms.MultipleChoiceField(
        label=_("certificates checked"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        valid = [c for c in self.batch.product.certifications.all() if c.is_valid_on(today)]
        self.fields["certifications"].choices = [
            (str(c.pk), f"{c.get_kind_display()} {c.number}") for c in valid
        ]
        self.fields["certifications"].initial = [str(c.pk) for c in valid]
        self.fields["title"].initial = _("pesticide residue test")


class PackingForm(StepForm):
    packed_quantity = forms.DecimalField(
        label=_("packed quantity"), min_value=Decimal("0.001"), decimal_places=3
    )
    packhouse = forms.CharField(label=_("packhouse"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["packed_quantity"].initial = self.batch.quantity.normalize()


STEP_FORMS: dict[str, type[StepForm]] = {
    "planting": PlantingForm,
    "fertilising": FertilisingForm,
    "spraying": SprayingForm,
    "irrigation": IrrigationForm,
    "harvest": HarvestForm,
    "inspection": InspectionForm,
    "packing": PackingForm,
}


class ImportForm(forms.Form):
    document = forms.FileField(label=_("EPCIS document (JSON)"))


class LabelSheetForm(forms.Form):
    rows = forms.IntegerField(label=_("rows"), min_value=1, max_value=20, initial=7)
    columns = forms.IntegerField(label=_("columns"), min_value=1, max_value=8, initial=3)
    count = forms.IntegerField(label=_("labels"), min_value=1, max_value=1000, initial=21)


def initial_from(row: Any) -> dict[str, Any]:
    """A recorded event's values as a step form's initial data, for its correction."""
    data = row.document
    values: dict[str, Any] = {"event_time": timezone.localtime(row.event_time).replace(tzinfo=None)}

    def county(name: str) -> Any:
        return data.get(f"county:{name}")

    quantities = data.get("quantityList") or [{}]
    documents = [d for d in data.get("county:documents", []) if isinstance(d, dict)]
    report = next((d for d in documents if d.get("county:documentKind") == "lab_report"), {})
    report_number = str(report.get("county:documentURI", "")).rsplit(":", 1)[-1]
    by_step = {
        "planting": {"crop": county("crop"), "variety": county("variety"),
                     "area_mu": county("areaMu")},
        "fertilising": {"product": county("fertiliserProduct"), "dose": county("dose"),
                        "dose_unit": county("doseUnit"), "per_area_mu": county("areaMu")},
        "spraying": {"product": county("sprayProduct"),
                     "pre_harvest_interval_days": county("preHarvestIntervalDays"),
                     "dose": county("dose"), "dose_unit": county("doseUnit")},
        "irrigation": {"volume_m3": county("irrigationVolumeM3"),
                       "method": county("irrigationMethod")},
        "harvest": {"quantity_kg": quantities[0].get("quantity")},
        "packing": {"packed_quantity": quantities[0].get("quantity"),
                    "packhouse": (data.get("readPoint") or {}).get("county:placeName")},
        "inspection": {"title": report.get("county:title"), "issuer": report.get("county:issuer"),
                       "result": report.get("county:result"),
                       "report_number": report_number},
    }  # fmt: skip
    values.update({k: v for k, v in by_step.get(row.kind, {}).items() if v is not None})
    return values


class ContainerForm(forms.Form):
    """When a case or pallet was packed or unpacked (default: now)."""

    event_time = forms.DateTimeField(
        label=_("when"), widget=DateTimeLocalInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event_time"].initial = timezone.localtime().replace(second=0, microsecond=0)


class PackCaseForm(ContainerForm):
    units = forms.MultipleChoiceField(
        label=_("units (serial numbers)"), required=False, widget=forms.CheckboxSelectMultiple
    )
    quantity = forms.DecimalField(
        label=_("quantity of the lot"),
        required=False,
        min_value=Decimal("0.001"),
        decimal_places=3,
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].choices = [(str(unit.pk), unit.serial) for unit in units]
        if not self.fields["units"].choices:
            del self.fields["units"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("units") and not data.get("quantity") and not self.errors:
            field = "units" if "units" in self.fields else "quantity"
            self.add_error(field, _("Choose units or a quantity to pack."))
        return data


class PackPalletForm(ContainerForm):
    cases = forms.ModelMultipleChoiceField(
        label=_("cases"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, cases: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = cases
        self.fields["cases"].label_from_instance = lambda case: case.sscc
