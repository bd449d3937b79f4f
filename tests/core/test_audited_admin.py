"""Every write of the admin leaves an audit row: each admin of `admin.site` is walked for real
(its add and change forms submitted as a browser would, with valid data; its deletions and
actions run), and each request that writes a record must also write an audit entry. What cannot
be walked is listed with the reason; a new admin fails here until it is walked or listed."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from countyhub.channels.gov832 import (
    BuyerUnit,
    DocumentKind,
    QualificationDocument,
    Recommendation,
    Reservation,
)
from countyhub.core.models import AuditEntry, Membership, Role
from countyhub.impact.models import ReferencePrice
from tests.core.audit_walk import assert_audited, form_data, form_errors
from tests.core.conftest import Site

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
ADMIN_IDS = [model._meta.label_lower for model, _admin in REGISTERED]

# Admins that are not walked, with the reason.
ADMINS_NOT_WALKED = {}

# Changes the walk makes where appending to the first text field is not possible or allowed.
CHANGES: dict[str, Any] = {
    "core.membership": lambda site, data: {"station": str(site.other_station.pk)},
    "programs.kpitarget": lambda site, data: {"target": "250"},
    "trace.traceprofile": lambda site, data: {"division_code": "520999"},
    "notifications.stockthreshold": lambda site, data: {"threshold": "7"},
    "shop.shippingrate": lambda site, data: {"first_fee": "9.00"},
    "channels.reservation": lambda site, data: {"percent": "20"},
}

# New records for the add forms: what must differ from the copied record to be a valid new one.
ADDITIONS: dict[str, Any] = {
    "auth.user": lambda site: {
        "username": "new-user",
        "password1": "a-long-pass-word-42",
        "password2": "a-long-pass-word-42",
    },
    "core.county": lambda site: {"slug": "new-county", "name": "新县"},
    "core.province": lambda site: {"name": "新省"},
    "core.provinceofficial": lambda site: {
        "user": str(site.world.users["trainer"].pk),
        "province": str(site.world.county.province_id),
    },
    "core.membership": lambda site: {
        "user": str(site.world.users["buyer"].pk),
        "county": str(site.world.county.pk),
        "role": Role.ANALYST,
        "station": "",
    },
    "catalog.brand": lambda site: {
        "slug": "new-brand",
        "name": "新品牌",
        "parent": str(site.world.product.brand_id),
    },
    "catalog.category": lambda site: {"slug": "new-category", "name": "新类别"},
    "shop.shippingrate": lambda site: {"region_code": "11", "region_name": ""},
    "catalog.product": lambda site: {"gtin": "", "seller_sku": "", "name": "新商品"},
    "catalog.household": lambda site: {"head_name": "新农户", "phone": "13900000001"},
    "training.course": lambda site: {"county": str(site.world.county.pk), "title": "新课程"},
    "programs.incentiverule": lambda site: {"county": str(site.world.county.pk), "name": "新规则"},
    "programs.task": lambda site: {"program": str(site.rule.budget_line.program_id)},
    "programs.kpitarget": lambda site: {
        "county": str(site.world.county.pk),
        "kpi": "village_coverage",
        "year": "2031",
        "target": "60",
    },
    "trace.traceprofile": lambda site: {"county": str(site.world.county.pk)},
    "notifications.stockthreshold": lambda site: {
        "seller": str(site.world.other_seller.pk),
        "product": "",
        "threshold": "3",
    },
}

ADDITIONS["channels.reservation"] = lambda site: {"year": "2031"}


@pytest.fixture(autouse=True)
def _reference_price(site):
    """A price the walk's county observed, for the living-costs comparison."""
    product = site.world.product
    ReferencePrice.objects.create(
        county=site.world.county, year=2026, product=product, unit=product.unit,
        price="24.00", place="县城超市", source="价格监测",
    )  # fmt: skip


@pytest.fixture(autouse=True)
def _gov832_records(site):
    """The 832 records of the walk's county: a recommendation, a document, a unit, a share."""
    seller = site.world.seller
    Recommendation.objects.create(
        seller=seller, department="县乡村振兴局", recommended_on="2026-03-01"
    )
    QualificationDocument.objects.create(
        seller=seller,
        kind=DocumentKind.BUSINESS_LICENCE,
        number="91130732MA0000000X",
        valid_from="2026-01-01",
        valid_until="2030-12-31",
    )
    unit = BuyerUnit.objects.create(
        county=site.world.county,
        name="县第一中学食堂",
        kind="school",
        level="county",
        region_code="130732",
    )
    Reservation.objects.create(unit=unit, year=2026, canteen_food_total="800000.00", percent="15")


# Add forms that are not submitted, with the reason.
ADDS_NOT_DRIVEN = {
    "trace.traceprofile": "one profile per county, made with the county's first batch",
}

# Admin actions that only read.
READING_ACTIONS = frozenset({"export_as_csv"})


def sample(site: Site, model: Any) -> Any:
    """A record of the model in the site's county (the walk's county admin sees only those)."""
    named = {
        "core.membership": Membership.objects.get(
            user=site.world.users["station_operator"], role=Role.STATION_OPERATOR
        ),
        "shop.order": site.order,
        "programs.incentiverule": site.rule,
        "auth.user": site.world.users["buyer"],
        "core.county": site.world.county,
    }
    label = model._meta.label_lower
    if label in named:
        return named[label]
    queryset = model._default_manager.all()
    if any(f.name == "county" for f in model._meta.fields):
        queryset = queryset.filter(county=site.world.county)
    record = queryset.order_by("pk").first()
    assert record is not None, f"the walk has no {label}: add one to the `site` fixture"
    return record


def admin_url(model: Any, view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def first_text_field(model_admin: Any, request: Any, obj: Any, data: dict[str, Any]) -> str:
    """A free-text field of the form that the walk may change without breaking validation."""
    form = model_admin.get_form(request, obj)
    for name, field in form.base_fields.items():
        model_field = next((f for f in obj._meta.fields if f.name == name), None)
        if (
            type(field).__name__ == "CharField"
            and name in data
            and model_field is not None
            and not model_field.unique
            and not model_field.choices
            and len(str(data[name])) < (model_field.max_length or 200) - 1
        ):
            return name
    raise AssertionError(f"{obj._meta.label}: no text field to change; add it to CHANGES")


def walked(model: Any) -> bool:
    return model._meta.label_lower not in ADMINS_NOT_WALKED


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=ADMIN_IDS)
def test_every_admin_change_is_audited(site, client, rf, model, model_admin):
    if not walked(model):
        pytest.skip(ADMINS_NOT_WALKED[model._meta.label_lower])
    client.force_login(site.superuser)
    request = rf.get("/")
    request.user = site.superuser
    if not model_admin.has_change_permission(request):
        return  # read-only: nothing to submit (Django answers a POST with the view page)
    record = sample(site, model)
    url = admin_url(model, "change", record.pk)
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page.content.decode(), f"{model._meta.model_name}_form")
    label = model._meta.label_lower
    if label in CHANGES:
        data.update(CHANGES[label](site, data))
    else:
        name = first_text_field(model_admin, request, record, data)
        data[name] = f"{data[name]}改"
    data["_save"] = "Save"
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, data)
    assert response.status_code == 302, form_errors(response.content.decode())
    assert_audited(captured, f"changing {label} in the admin", must_write=True)
    assert AuditEntry.objects.filter(actor=site.superuser).exists()


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=ADMIN_IDS)
def test_every_admin_addition_is_audited(site, client, rf, model, model_admin):
    label = model._meta.label_lower
    if not walked(model):
        pytest.skip(ADMINS_NOT_WALKED[label])
    request = rf.get("/")
    request.user = site.superuser
    if not model_admin.has_add_permission(request):
        client.force_login(site.superuser)
        assert client.post(admin_url(model, "add"), {"_save": "Save"}).status_code == 403
        return
    if label in ADDS_NOT_DRIVEN:
        pytest.skip(ADDS_NOT_DRIVEN[label])
    client.force_login(site.superuser)
    record = sample(site, model)
    copied = {}
    if model_admin.has_change_permission(request, record):
        change_page = client.get(admin_url(model, "change", record.pk)).content.decode()
        # The record's own fields; its inline rows (prefixed "name-0-...") are not copied.
        copied = {
            k: v
            for k, v in form_data(change_page, f"{model._meta.model_name}_form").items()
            if "-" not in k
        }
    add_page = client.get(admin_url(model, "add"))
    data = form_data(add_page.content.decode(), f"{model._meta.model_name}_form")
    data.update({k: v for k, v in copied.items() if k in data})
    if label in ADDITIONS:
        data.update(ADDITIONS[label](site))
    else:
        name = first_text_field(model_admin, request, record, data)
        data[name] = f"{data[name]}新"
    data["_save"] = "Save"
    with CaptureQueriesContext(connection) as captured:
        response = client.post(admin_url(model, "add"), data)
    assert response.status_code == 302, form_errors(response.content.decode())
    assert_audited(captured, f"adding a {label} in the admin", must_write=True)


def _actions() -> list[tuple[Any, Any, str]]:
    site_wide = [name for name, _function in admin.site.actions]
    return [
        (model, model_admin, action)
        for model, model_admin in REGISTERED
        for name in (*site_wide, *(model_admin.actions or ()))
        if (action := name if isinstance(name, str) else name.__name__) not in READING_ACTIONS
    ]


ACTIONS = _actions()

# Actions that write nothing on the walk's record, and why.
ACTIONS_WRITING_NOTHING = {
    "catalog.product:put_on_sale": "the record is on sale already",
    "catalog.seller:reactivate": "the record is active already",
    "catalog.household:reactivate": "the record is active already",
    "shop.order:confirm_delivery": "an order awaiting payment is not delivered: refused",
}


@pytest.mark.parametrize(
    ("model", "model_admin", "action"),
    ACTIONS,
    ids=[f"{model._meta.label_lower}:{action}" for model, _a, action in ACTIONS],
)
def test_every_admin_action_is_audited(site, client, rf, model, model_admin, action):
    label = model._meta.label_lower
    if not walked(model):
        pytest.skip(ADMINS_NOT_WALKED[label])
    client.force_login(site.superuser)
    request = rf.get("/")
    request.user = site.superuser
    if action not in model_admin.get_actions(request):
        return  # not offered (a read-only admin has no "delete selected")
    record = sample(site, model)
    post = {"action": action, "_selected_action": [record.pk], "post": "yes"}
    with CaptureQueriesContext(connection) as captured:
        client.post(admin_url(model, "changelist"), post)
    # Deleting a record that others point to (PROTECT) is refused: then nothing is written.
    must_write = action != "delete_selected" and f"{label}:{action}" not in ACTIONS_WRITING_NOTHING
    assert_audited(captured, f"the admin action {action} on {label}", must_write=must_write)


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=ADMIN_IDS)
def test_every_admin_deletion_is_audited(site, client, rf, model, model_admin):
    label = model._meta.label_lower
    if not walked(model):
        pytest.skip(ADMINS_NOT_WALKED[label])
    request = rf.get("/")
    request.user = site.superuser
    client.force_login(site.superuser)
    if not model_admin.has_delete_permission(request):
        # Kept records and read-only admins: refused to the superuser too, nothing written.
        kept = model._default_manager.order_by("pk").first()
        if kept is None:
            return  # the walk's site has none of these (station desk days, scans, containers)
        with CaptureQueriesContext(connection) as captured:
            response = client.post(admin_url(model, "delete", kept.pk), {"post": "yes"})
        assert response.status_code == 403
        assert_audited(captured, f"deleting a {label} in the admin", must_write=False)
        assert model._default_manager.filter(pk=kept.pk).exists()
        return
    record = sample(site, model)
    with CaptureQueriesContext(connection) as captured:
        client.post(admin_url(model, "delete", record.pk), {"post": "yes"})
    # A record that others point to is kept (PROTECT): then nothing is written at all.
    assert_audited(captured, f"deleting a {label} in the admin", must_write=False)
