"""Cases & pallets pages: roles, packing and unpacking through the forms, CSRF, the /00/
resolver and the SSCC logistic labels."""

import subprocess
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from countyhub.core import jobs
from countyhub.core.models import Job, JobStatus
from countyhub.gs1 import keys
from countyhub.trace import services
from countyhub.trace.identifiers import container_uri
from countyhub.trace.label_sheets import LABEL_SHEET
from countyhub.trace.models import Container, ContainerLevel, EventKind
from countyhub.trace.services import LotQuantity
from tests.factories.trace import make_batch

ROLES = {
    "seller_staff": 200,
    "county_admin": 200,
    "other_seller_staff": 403,
    "other_county_admin": 403,
    "buyer": 403,
    "station_operator": 403,
}


@pytest.fixture
def units_batch(world, seller_user):
    return make_batch(seller_user, world.product, lot="U2026-01", quantity="5", serial_count=3)


@pytest.fixture
def case(seller_user, batch):
    return services.pack_case(actor=seller_user, lots=[LotQuantity(batch, Decimal(20))])


def _login(client, world, role):
    if role != "anonymous":
        client.force_login(world.users[role])


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
@pytest.mark.parametrize("page", ["detail", "svg", "pdf"])
def test_container_pages_by_role(client, world, case, role, page):
    _login(client, world, role)
    url = {
        "detail": reverse("trace:container", args=[case.pk]),
        "svg": reverse("trace:container_label", args=[case.pk, "svg"]),
        "pdf": reverse("trace:container_label_sheet", args=[case.pk]),
    }[page]
    if page == "pdf":  # a sheet is a background job, started by a POST
        response = client.post(url, {"rows": 2, "columns": 1, "count": 2})
    else:
        response = client.get(url)
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif page == "pdf" and ROLES[role] == 200:
        job = Job.objects.get(kind=LABEL_SHEET)
        assert response.status_code == 302 and response["Location"] == reverse("job", args=[job.pk])
    else:
        assert response.status_code == ROLES[role]


def test_the_list_shows_only_what_the_user_handles(client, world, case):
    other_batch = make_batch(
        world.users["other_seller_staff"], world.other_product, lot="THEIRS-LOT"
    )
    theirs = services.pack_case(
        actor=world.users["other_seller_staff"], lots=[LotQuantity(other_batch, Decimal(1))]
    )
    client.force_login(world.users["seller_staff"])
    html = client.get(reverse("trace:containers")).content.decode()
    assert case.sscc in html and theirs.sscc not in html
    assert other_batch.lot not in html  # not offered in the batch picker either
    client.force_login(world.users["county_admin"])
    html = client.get(reverse("trace:containers")).content.decode()
    assert case.sscc in html and theirs.sscc in html
    client.force_login(world.users["buyer"])
    assert client.get(reverse("trace:containers")).status_code == 403


def test_pack_a_case_by_checkbox_and_quantity(client, world, units_batch):
    client.force_login(world.users["seller_staff"])
    url = reverse("trace:pack_case") + f"?batch={units_batch.pk}"
    page = client.get(url)
    assert page.status_code == 200
    units = list(units_batch.units.order_by("pk"))
    assert all(f'value="{u.pk}"' in page.content.decode() for u in units)
    response = client.post(
        url,
        {"event_time": "2026-11-01T08:00", "units": [units[0].pk, units[2].pk], "quantity": "1"},
    )
    case = Container.objects.get()
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert [row.unit for row in case.contents.filter(unit__isnull=False)] == [units[0], units[2]]
    assert units_batch.events.get().kind == EventKind.CASE_PACKING
    # The packed units are no longer offered; too much is refused with the field named.
    page = client.get(url).content.decode()
    assert f'value="{units[0].pk}"' not in page and f'value="{units[1].pk}"' in page
    response = client.post(
        url, {"event_time": "2026-11-01T08:00", "quantity": "4.5"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "left to pack" in str(response.context["form"].errors["quantity"])
    response = client.post(url, {"event_time": "2026-11-01T08:00"})
    assert response.status_code == 400 and "units" in response.context["form"].errors


def test_another_seller_cannot_pack_my_batch(client, world, batch):
    client.force_login(world.users["other_seller_staff"])
    url = reverse("trace:pack_case") + f"?batch={batch.pk}"
    assert client.get(url).status_code == 403
    assert client.post(url, {"event_time": "2026-11-01T08:00", "quantity": "1"}).status_code == 403
    assert not Container.objects.exists()


def test_pack_a_pallet_offers_only_my_cases(client, world, case):
    other_batch = make_batch(
        world.users["other_seller_staff"], world.other_product, lot="THEIRS-LOT"
    )
    theirs = services.pack_case(
        actor=world.users["other_seller_staff"], lots=[LotQuantity(other_batch, Decimal(1))]
    )
    client.force_login(world.users["seller_staff"])
    url = reverse("trace:pack_pallet")
    html = client.get(url).content.decode()
    assert case.sscc in html and theirs.sscc not in html
    refused = client.post(url, {"event_time": _now_text(), "cases": [theirs.pk]})
    assert refused.status_code == 400 and "cases" in refused.context["form"].errors
    early = client.post(url, {"event_time": "2026-01-01T08:00", "cases": [case.pk]})
    assert early.status_code == 400 and "event_time" in early.context["form"].errors
    response = client.post(url, {"event_time": _now_text(), "cases": [case.pk]})
    pallet = Container.objects.get(level=ContainerLevel.PALLET)
    assert response["Location"] == pallet.get_absolute_url()
    case.refresh_from_db()
    assert case.parent == pallet


def test_unpack_by_post_with_csrf(world, case):
    owner = Client(enforce_csrf_checks=True)
    owner.force_login(world.users["seller_staff"])
    url = reverse("trace:container", args=[case.pk])
    assert owner.post(url, {"event_time": "2026-11-29T08:00"}).status_code == 403  # no token
    stranger = Client()
    stranger.force_login(world.users["other_seller_staff"])
    assert stranger.post(url, {"event_time": "2026-11-29T08:00"}).status_code == 403
    case.refresh_from_db()
    assert case.is_open
    page = owner.get(url)
    token = page.cookies["csrftoken"].value
    response = owner.post(url, {"event_time": "2099-01-01T08:00", "csrfmiddlewaretoken": token})
    assert response.status_code == 400 and "event_time" in response.context["form"].errors
    response = owner.post(url, {"csrfmiddlewaretoken": token, "event_time": _now_text()})
    assert response.status_code == 302
    case.refresh_from_db()
    assert not case.is_open


def _now_text():
    from django.utils import timezone

    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


def test_sscc_link_resolves_to_the_public_contents_page(client, world, seller_user, batch, case):
    pallet = services.pack_pallet(actor=seller_user, cases=[case])
    response = client.get(f"/00/{pallet.sscc}")
    assert response.status_code == 200
    html = response.content.decode()
    assert case.sscc in html and batch.lot in html
    assert f'href="/01/{batch.gtin}/10/{batch.lot}"' in html
    assert seller_user.username not in html  # who packed it is not shown
    case_page = client.get(f"/00/{case.sscc}").content.decode()
    assert f'href="/00/{pallet.sscc}"' in case_page
    unknown = keys.internal_sscc("520123", 9999)
    missing = client.get(f"/00/{unknown}", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 404 and "case or pallet" in missing.content.decode()
    bad = client.get(f"/00/{case.sscc[:-1]}0" if case.sscc[-1] != "0" else f"/00/{case.sscc[:-1]}1")
    assert bad.status_code == 400 and f"/00/{case.sscc[:-1]}" in bad.content.decode()


def test_trace_page_timeline_shows_case_and_pallet_events(client, world, seller_user, batch, case):
    pallet = services.pack_pallet(actor=seller_user, cases=[case])
    html = client.get(f"/01/{batch.gtin}/10/{batch.lot}").content.decode()
    assert "(00) " + case.sscc in html and "(00) " + pallet.sscc in html
    assert "authentic" in html


@pytest.fixture
def zbar():
    import shutil

    if shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None:
        pytest.skip("zbar-tools and poppler-utils (make setup installs them)")


def test_sscc_labels_carry_the_digital_link(client, world, case, tmp_path, zbar):
    client.force_login(world.users["seller_staff"])
    svg = client.get(reverse("trace:container_label", args=[case.pk, "svg"]))
    assert svg["Content-Type"] == "image/svg+xml"
    text = svg.content.decode()
    assert f"<desc>{container_uri(case.sscc)}</desc>" in text and f"(00) {case.sscc}" in text
    sheet_url = reverse("trace:container_label_sheet", args=[case.pk])
    started = client.post(sheet_url, {"rows": 2, "columns": 1, "count": 2})
    job = Job.objects.get(kind=LABEL_SHEET)
    assert started.status_code == 302
    jobs.execute(job.pk, heartbeat=False)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.output_name == f"sscc-{case.sscc}.pdf" and job.output_type == "application/pdf"
    sheet = tmp_path / "sheet.pdf"
    sheet.write_bytes(job.output_file.open("rb").read())
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", str(sheet), str(tmp_path / "page")], check=True
    )
    (page,) = tmp_path.glob("page*.png")
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", str(page)], capture_output=True, text=True, check=True
    )
    assert decoded.stdout.split() == [container_uri(case.sscc)] * 2
    bad = client.post(sheet_url, {"rows": "x", "columns": 1, "count": 2})
    assert bad.status_code == 400 and bad.content.startswith(b"rows")
