"""Every write leaves an audit row: each admin of `admin.site` and each page of the URL
resolver is driven for real (forms submitted as a browser would, with valid data), and each
request that writes a record must also write an audit entry. What cannot be driven, or writes
without auditing by design, is listed below with the reason; a new admin or a new view fails
here until it is driven or listed."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from countyhub.catalog.models import Certification, SellerHousehold
from countyhub.core.models import AuditEntry, Membership, Role
from countyhub.programs import services as programs_services
from countyhub.programs.incentives import approve_run, evaluate_period
from countyhub.programs.models import Spending, Task
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout
from countyhub.training import services as training_services
from tests.factories.catalog import HouseholdFactory
from tests.factories.core import MembershipFactory, UserFactory, VillageFactory
from tests.factories.programs import RuleFactory, make_order
from tests.factories.trace import make_batch
from tests.factories.training import SessionFactory

# Tables a request may write without an audit entry: the log-in session and the admin's own
# history of its pages (django_admin_log), which are not records of the county.
NOT_RECORDS = frozenset({"django_session", "django_admin_log"})
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


def tables_written(captured: CaptureQueriesContext) -> set[str]:
    return {
        match.group(1)
        for query in captured.captured_queries
        if (match := WRITE.match(query["sql"]))
    } - NOT_RECORDS


def assert_audited(captured: CaptureQueriesContext, what: str, *, must_write: bool) -> None:
    written = tables_written(captured)
    if must_write:
        assert written, f"{what} wrote nothing: the walk did not drive a change"
    if written:
        assert "core_auditentry" in written, f"{what} wrote {sorted(written)} with no audit row"


# --- a county with one record of each kind -------------------------------------------------


@dataclass
class Site:
    world: Any
    admin: Any
    second_admin: Any
    superuser: Any
    order: Any
    rule: Any
    run: Any
    spending: Any
    task: Any
    session: Any
    enrollment: Any
    certificate: Any
    batch: Any
    other_village: Any


@pytest.fixture
def site(world, settings, tmp_path) -> Site:
    settings.MEDIA_ROOT = tmp_path
    county, admin_user = world.county, world.users["county_admin"]
    second = UserFactory(username="second-admin")
    MembershipFactory(user=second, county=county, role=Role.COUNTY_ADMIN)
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    order = place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, "1")],
        delivery=DeliveryRequest("station", world.station.pk, "王芳", "13800000000"),
        payment_method="bank_transfer",
    ).orders[0]
    household = HouseholdFactory(county=county, registered_poor=True, village=world.station)
    household.members.create(name="王芳", relation="head")
    SellerHousehold.objects.create(seller=world.seller, household=household, link="employs")
    rule = RuleFactory(budget_line__program__county=county)
    make_order(world.seller, day=datetime.date(2025, 1, 5))
    run = evaluate_period(county=county, period=datetime.date(2025, 1, 1), actor=admin_user)
    approve_run(run=run, actor=second)
    budget_line = rule.budget_line
    spending = Spending.objects.create(
        budget_line=budget_line,
        date=datetime.date(2025, 2, 1),
        payee="县物流公司",
        amount=Decimal("10.00"),
        evidence="spending/invoice.pdf",
        recorded_by=second,
    )
    task = Task.objects.create(
        program=budget_line.program,
        title="建设村级服务站",
        department="商务局",
        owner=admin_user,
        deadline=datetime.date(2025, 6, 30),
    )
    programs_services.set_kpi_targets(
        county=county, year=2025, targets={"online_sales": Decimal("100")}, actor=admin_user
    )
    Certification.objects.create(
        county=county,
        product=world.product,
        kind="green_food",
        number="LB-2025-1",
        issuer="中国绿色食品发展中心",
        valid_from=datetime.date(2025, 1, 1),
        valid_until=datetime.date(2028, 1, 1),
    )
    session = SessionFactory(course__county=county, trainer=world.users["trainer"], capacity=5)
    enrollment = training_services.enroll_trainee(
        session=session, actor=admin_user, user=world.users["seller_staff"]
    )
    (certificate,) = training_services.record_attendance(
        session=session, present_ids=[enrollment.pk], actor=admin_user
    )
    second_enrollment = training_services.enroll_trainee(
        session=session, actor=admin_user, member=household.members.get()
    )
    batch = make_batch(world.users["seller_staff"], world.product)
    other_village = VillageFactory(township=world.station.township)
    return Site(
        world,
        admin_user,
        second,
        superuser,
        order,
        rule,
        run,
        spending,
        task,
        session,
        second_enrollment,
        certificate,
        batch,
        other_village,
    )


# --- forms as a browser submits them --------------------------------------------------------


class FormFields(HTMLParser):
    """The fields of one form of a page (by its id) with their current values, as a browser
    would submit them; file inputs stay empty, and the admin's empty inline templates are left
    out."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self._select: str | None = None
        self._textarea: str | None = None

    def _put(self, name: str, value: str, *, multiple: bool = False) -> None:
        if "__prefix__" in name:
            return
        if multiple:
            self.data.setdefault(name, []).append(value)
        else:
            self.data[name] = value

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or ("name" not in a and tag != "option"):
            return
        if tag == "input" and a.get("type", "text") not in ("submit", "button", "file", "image"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self._put(a["name"], a.get("value", "on"), multiple=True)
            else:
                self._put(a["name"], a.get("value", ""))
        elif tag == "select":
            self._select = a["name"]
            self._multiple = "multiple" in a
            if self._multiple:
                self.data.setdefault(a["name"], [])
            else:
                self._put(a["name"], "")
        elif tag == "option" and self._select and "selected" in a:
            self._put(self._select, a.get("value", ""), multiple=self._multiple)
        elif tag == "textarea":
            self._textarea = a["name"]
            self._put(a["name"], "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.inside:
            self.data[self._textarea] += data.lstrip("\n")


def form_data(html: str, form_id: str) -> dict[str, Any]:
    parser = FormFields(form_id)
    parser.feed(html)
    assert parser.data, f"no form #{form_id} on the page"
    return parser.data


def form_errors(html: str) -> list[str]:
    """The page's error messages, each with the field (row) it belongs to."""
    return re.findall(r"(field-\w+|errorlist[^>]*>.*?</ul>)", html, re.S)


# --- the admin ------------------------------------------------------------------------------

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
ADMIN_IDS = [model._meta.label_lower for model, _admin in REGISTERED]

# Admins that are not walked, with the reason.
ADMINS_NOT_WALKED = {
    "programs.servicestation": (
        "replaced by the stations app (branch `station`); save_station audits, and the admin "
        "keeps `active` read-only"
    ),
}

# Changes the walk makes where appending to the first text field is not possible or allowed.
CHANGES: dict[str, Any] = {
    "core.membership": lambda site, data: {"village": str(site.other_village.pk)},
    "programs.kpitarget": lambda site, data: {"target": "250"},
    "trace.traceprofile": lambda site, data: {"division_code": "520999"},
}

# New records for the add forms: what must differ from the copied record to be a valid new one.
ADDITIONS: dict[str, Any] = {
    "auth.user": lambda site: {
        "username": "new-user",
        "password1": "a-long-pass-word-42",
        "password2": "a-long-pass-word-42",
    },
    "core.county": lambda site: {"slug": "new-county", "name": "新县"},
    "core.membership": lambda site: {
        "user": str(site.world.users["buyer"].pk),
        "county": str(site.world.county.pk),
        "role": Role.ANALYST,
    },
    "catalog.brand": lambda site: {
        "slug": "new-brand",
        "name": "新品牌",
        "parent": str(site.world.product.brand_id),
    },
    "catalog.category": lambda site: {"slug": "new-category", "name": "新类别"},
    "catalog.product": lambda site: {"gtin": "", "name": "新商品"},
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
}

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
        (model, model_admin, name if isinstance(name, str) else name.__name__)
        for model, model_admin in REGISTERED
        for name in (*site_wide, *(model_admin.actions or ()))
    ]


ACTIONS = _actions()

# Actions that write nothing on the walk's record, and why.
ACTIONS_WRITING_NOTHING = {
    "catalog.product:put_on_sale": "the record is on sale already",
    "shop.order:confirm_delivery": "an order awaiting payment is not delivered: refused",
}


@pytest.mark.parametrize(
    ("model", "model_admin", "action"),
    ACTIONS,
    ids=[f"{model._meta.label_lower}:{action}" for model, _a, action in ACTIONS],
)
def test_every_admin_action_is_audited(site, client, rf, model, model_admin, action):
    label = model._meta.label_lower
    if not walked(model) or action in READING_ACTIONS:
        pytest.skip(ADMINS_NOT_WALKED.get(label, "reads only"))
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
    if not model_admin.has_delete_permission(request):
        return
    client.force_login(site.superuser)
    record = sample(site, model)
    with CaptureQueriesContext(connection) as captured:
        client.post(admin_url(model, "delete", record.pk), {"post": "yes"})
    # A record that others point to is kept (PROTECT): then nothing is written at all.
    assert_audited(captured, f"deleting a {label} in the admin", must_write=False)
