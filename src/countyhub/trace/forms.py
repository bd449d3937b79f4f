"""Forms of the trace back office: a batch, and one short form per farming step, with defaults."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from countyhub.catalog.models import Product
from countyhub.gs1 import coldchain
from countyhub.trace.identifiers import KG_PER_UNIT
from countyhub.trace.models import IrrigationMethod
from countyhub.trace.selectors import packing_balance


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


class TreatmentForm(StepForm):
    """A hive or livestock treatment, with the withdrawal period (休药期) on its label."""

    product = forms.CharField(label=_("treatment product"), max_length=100)
    withdrawal_days = forms.IntegerField(
        label=_("withdrawal period (days)"), min_value=0, max_value=365
    )
    dose = forms.FloatField(label=_("dose"), min_value=0.001, required=False)
    dose_unit = forms.ChoiceField(label=_("dose unit"), choices=DOSE_UNITS, initial="GRM")


class ActivityForm(StepForm):
    """A step recorded as what was done and with what (feeding, inoculation, making...)."""

    description = forms.CharField(label=_("what was done"), max_length=200)
    material = forms.CharField(label=_("material used"), max_length=100, required=False)


class IrrigationForm(StepForm):
    volume_m3 = forms.FloatField(label=_("water (m³)"), min_value=0.01)
    method = forms.ChoiceField(
        label=_("irrigation method"),
        choices=IrrigationMethod.choices,
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
    """Nothing is pre-set that the inspector did not see: the standard or certificates checked
    and the result are what is entered."""

    title = forms.CharField(label=_("report title"), max_length=100)
    report_number = forms.CharField(label=_("report number"), max_length=60)
    issuer = forms.CharField(label=pgettext_lazy("inspection report", "issuer"), max_length=200)
    standard = forms.CharField(
        label=_("standard checked"),
        max_length=100,
        required=False,
        help_text=_("e.g. GB 2763-2021; or tick the certificates checked"),
    )
    certifications = forms.MultipleChoiceField(
        label=_("certificates checked"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    result = forms.ChoiceField(
        label=_("result"),
        choices=[("", _("choose the result")), ("pass", _("pass")), ("fail", _("fail"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        valid = [c for c in self.batch.product.certifications.all() if c.is_valid_on(today)]
        self.fields["certifications"].choices = [
            (str(c.pk), f"{c.get_kind_display()} {c.number}") for c in valid
        ]
        if not valid:
            del self.fields["certifications"]
        self.fields["title"].initial = _("pesticide residue test")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("standard") and not data.get("certifications") and not self.errors:
            self.add_error("standard", _("Name the standard or tick the certificates checked."))
        return data


class PackingForm(StepForm):
    harvest_used_kg = forms.DecimalField(
        label=_("harvest used (kg)"), min_value=Decimal("0.001"), decimal_places=3
    )
    packed_quantity = forms.DecimalField(
        label=_("packed quantity"), min_value=Decimal("0.001"), decimal_places=3
    )
    packhouse = forms.CharField(label=_("packhouse"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Defaults: pack all that is left (the usual case: one packing session per lot).
        harvested, packed_kg, packed_units = packing_balance(self.batch, excluding=None)
        self.fields["packed_quantity"].label = _("packed quantity (%(unit)s)") % {
            "unit": self.batch.get_unit_display()
        }
        left_units = self.batch.quantity - Decimal(str(packed_units))
        left_kg = Decimal(str(round(max(harvested - packed_kg, 0), 3)))
        if self.batch.unit in KG_PER_UNIT:  # packed by weight: no more than the harvest left
            left_units = min(left_units, left_kg / KG_PER_UNIT[self.batch.unit])
        self.fields["packed_quantity"].initial = left_units.normalize()
        if left_kg:
            self.fields["harvest_used_kg"].initial = left_kg.normalize()


STEP_FORMS: dict[str, type[StepForm]] = {
    "planting": PlantingForm,
    "fertilising": FertilisingForm,
    "spraying": SprayingForm,
    "irrigation": IrrigationForm,
    "hives_placed": ActivityForm,
    "feeding": ActivityForm,
    "treatment": TreatmentForm,
    "processing": ActivityForm,
    "inoculation": ActivityForm,
    "fruiting": ActivityForm,
    "making": ActivityForm,
    "harvest": HarvestForm,
    "inspection": InspectionForm,
    "packing": PackingForm,
}


class ImportForm(forms.Form):
    document = forms.FileField(label=_("EPCIS document (JSON)"))


class EventsExportForm(forms.Form):
    since = forms.DateField(
        label=pgettext_lazy("date range", "from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=pgettext_lazy("date range", "to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


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
    inputs = data.get("inputQuantityList") or [{}]
    outputs = data.get("outputQuantityList") or quantities
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
        "treatment": {"product": county("treatmentProduct"),
                      "withdrawal_days": county("withdrawalPeriodDays"),
                      "dose": county("dose"), "dose_unit": county("doseUnit")},
        "harvest": {"quantity_kg": quantities[0].get("quantity")},
        "packing": {"packed_quantity": outputs[0].get("quantity"),
                    "harvest_used_kg": inputs[0].get("quantity"),
                    "packhouse": (data.get("readPoint") or {}).get("county:placeName")},
        "inspection": {"title": report.get("county:title"), "issuer": report.get("county:issuer"),
                       "result": report.get("county:result"),
                       "standard": report.get("county:standard"),
                       "report_number": report_number},
    }  # fmt: skip
    activity = {"description": county("description"), "material": county("material")}
    values.update({k: v for k, v in by_step.get(row.kind, activity).items() if v is not None})
    return values


TIME_HEADERS = {"time", "datetime", "date", "timestamp", "时间", "日期", "记录时间"}
TEMPERATURE_HEADERS = {"temperature", "temp", "°c", "temperature (°c)", "温度", "温度(℃)", "温度℃"}


def _decode(raw: bytes) -> str:
    """Loggers' exports come as UTF-8 (with or without BOM) or, from Chinese Excel, GB18030."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def _column(header: list[str], names: set[str], fallback: int) -> int:
    for index, cell in enumerate(header):
        if cell.strip().lower() in names:
            return index
    return fallback


def read_logger_csv(name: str, raw: bytes) -> list[coldchain.Reading]:
    """A logger's CSV export (time, temperature in °C; a header row is optional) as readings.
    Every bad row is named by file, line and column; nothing is read unless all rows are good."""
    try:
        rows = list(csv.reader(io.StringIO(_decode(raw))))
    except (UnicodeDecodeError, csv.Error) as error:
        raise forms.ValidationError(f"{name}: not a readable CSV file ({error})") from error
    rows = [
        (number, row) for number, row in enumerate(rows, start=1) if any(c.strip() for c in row)
    ]
    if not rows:
        raise forms.ValidationError(f"{name}: the file holds no readings")
    time_column, value_column = 0, 1
    header = rows[0][1]
    if not _is_number(header[value_column] if len(header) > 1 else ""):
        time_column = _column(header, TIME_HEADERS, 0)
        value_column = _column(header, TEMPERATURE_HEADERS, 1)
        rows = rows[1:]
    names = (header[time_column], header[value_column]) if len(header) > 1 else ("1", "2")
    readings, problems = [], []
    for number, row in rows:
        try:
            moment = _reading_time(row[time_column])
        except (IndexError, ValueError):
            problems.append(_problem(name, number, names[0], row, time_column, _("not a time")))
            continue
        try:
            celsius = float(row[value_column].strip().replace("℃", "").replace("°C", ""))
            if not -60 <= celsius <= 80:
                raise ValueError
        except (IndexError, ValueError):
            problems.append(
                _problem(name, number, names[1], row, value_column, _("not a temperature in °C"))
            )
            continue
        readings.append(coldchain.Reading(moment, celsius))
    if problems:
        more = len(problems) - 10
        raise forms.ValidationError(
            problems[:10] + ([_("… and %(count)s more") % {"count": more}] if more > 0 else [])
        )
    return readings


def _is_number(text: str) -> bool:
    try:
        float(text.strip().replace("℃", ""))
    except ValueError:
        return False
    return True


def _reading_time(text: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(text.strip().replace("/", "-"))
    if timezone.is_naive(moment):  # the logger's clock: the county's local time
        moment = timezone.make_aware(moment)
    return moment


def _problem(name: str, line: int, column: str, row: list[str], index: int, what: str) -> str:
    value = row[index] if index < len(row) else ""
    return f"{name}, line {line}, column {column}: {value!r} {what}"


class ColdChainForm(forms.Form):
    logger = forms.CharField(
        label=_("logger serial number"),
        max_length=22,
        help_text=_("As printed on the logger, e.g. TL-0001"),
    )
    required_min = forms.FloatField(label=_("lowest allowed (°C)"), required=False, initial=0)
    required_max = forms.FloatField(label=_("highest allowed (°C)"), required=False, initial=8)
    readings = forms.FileField(
        label=_("readings (CSV: time, temperature)"), widget=forms.ClearableFileInput()
    )

    def clean_readings(self) -> list[coldchain.Reading]:
        upload = self.cleaned_data["readings"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return read_logger_csv(upload.name, upload.read())


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


class ReceiveForm(ContainerForm):
    """Take a case or pallet in at one of the user's village stations."""

    station = forms.ModelChoiceField(label=_("village station"), queryset=None)

    def __init__(self, *args: Any, stations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations
        if stations.count() == 1:
            self.fields["station"].initial = stations.first()
