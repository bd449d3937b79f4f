"""Back-office pages: every role, every page; forms that keep what was typed."""

import json
import subprocess

import pytest
from django.urls import reverse

from countyhub.core import jobs
from countyhub.core.models import Job, JobStatus
from countyhub.trace.label_sheets import LABEL_SHEET
from countyhub.trace.models import Batch, EventKind
from tests.factories.trace import make_batch, trace_profile

ROLES_ALLOWED = {
    "seller_staff": True,
    "county_admin": True,
    "other_seller_staff": False,
    "other_county_admin": False,
    "buyer": False,
    "station_operator": False,
    "trainer": False,
    "analyst": False,
}


def login(client, world, role):
    if role != "anonymous":
        client.force_login(world.users[role])


@pytest.mark.parametrize("role", [*ROLES_ALLOWED, "anonymous"])
@pytest.mark.parametrize(
    "page",
    ["trace:batch", "trace:export", "label-svg", "label-pdf", "record-harvest"],
)
def test_batch_pages_by_role(client, world, traced_batch, role, page):
    login(client, world, role)
    if page == "label-svg":
        url = reverse("trace:label", args=[traced_batch.pk, "svg"])
    elif page == "label-pdf":
        url = reverse("trace:label_sheet", args=[traced_batch.pk])
    elif page == "record-harvest":
        url = reverse("trace:record", args=[traced_batch.pk, "harvest"])
    else:
        url = reverse(page, args=[traced_batch.pk])
    if page == "label-pdf":  # a sheet is a background job, started by a POST
        response = client.post(url, {"rows": 7, "columns": 3, "count": 1})
    else:
        response = client.get(url)
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif ROLES_ALLOWED[role]:
        assert response.status_code == (302 if page == "label-pdf" else 200)
    else:
        assert response.status_code == 403


def test_other_seller_cannot_post_events(client, world, traced_batch):
    client.force_login(world.users["other_seller_staff"])
    url = reverse("trace:record", args=[traced_batch.pk, "harvest"])
    response = client.post(url, {"event_time": "2026-01-01T08:00", "quantity_kg": "5"})
    assert response.status_code == 403
    assert traced_batch.events.count() == 6


def test_step_form_has_defaults_and_records(client, world, batch):
    client.force_login(world.users["seller_staff"])
    url = reverse("trace:record", args=[batch.pk, "planting"])
    page = client.get(url).content.decode()
    assert f'value="{batch.product.name}"' in page  # my product's crop by default
    assert 'type="datetime-local"' in page
    response = client.post(url, {"event_time": "2026-03-01T08:00", "crop": "猕猴桃"})
    assert response.status_code == 302
    assert "saved=planting-" in response["Location"]
    event = batch.events.get()
    assert event.kind == EventKind.PLANTING and event.document["county:crop"] == "猕猴桃"


def test_failed_submit_keeps_what_was_typed_and_names_the_field(client, world, batch):
    client.force_login(world.users["seller_staff"])
    url = reverse("trace:record", args=[batch.pk, "spraying"])
    response = client.post(
        url,
        {
            "event_time": "2026-08-20T07:00",
            "product": "苦参碱",
            "pre_harvest_interval_days": "-3",
            "dose": "0.5",
            "dose_unit": "LTR",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="苦参碱"' in html and 'value="0.5"' in html
    form = response.context["form"]
    assert list(form.errors) == ["pre_harvest_interval_days"]
    assert 'data-bound="1"' in html and "draft.js" in html
    assert batch.events.count() == 0


def test_future_time_is_refused_by_field(client, world, batch):
    client.force_login(world.users["seller_staff"])
    url = reverse("trace:record", args=[batch.pk, "harvest"])
    response = client.post(url, {"event_time": "2099-01-01T08:00", "quantity_kg": "5"})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["event_time"]


def test_unknown_step_is_friendly(client, world, batch):
    client.force_login(world.users["seller_staff"])
    response = client.get(reverse("trace:record", args=[batch.pk, "dancing"]))
    assert response.status_code == 404


def test_create_batch_form(client, world):
    trace_profile(world.county)
    client.force_login(world.users["seller_staff"])
    url = reverse("trace:batch_create")
    response = client.post(
        url,
        {"product": world.other_product.pk, "lot": "X1", "quantity": "10", "plot": "地"},
    )
    assert response.status_code == 200  # another seller's product is not a choice
    assert "product" in response.context["form"].errors
    response = client.post(
        url, {"product": world.product.pk, "lot": "X 1", "quantity": "10", "plot": "地"}
    )
    assert "lot" in response.context["form"].errors
    assert 'value="X 1"' in response.content.decode()
    response = client.post(
        url, {"product": world.product.pk, "lot": "X1", "quantity": "10", "plot": "地"}
    )
    assert response.status_code == 302
    assert Batch.objects.get(lot="X1").seller == world.seller


def test_batch_list_shows_only_my_batches_with_scan_counts(client, world, traced_batch):
    other = make_batch(world.users["other_seller_staff"], world.other_product, lot="OTHER")
    from countyhub.trace.services import record_scan

    for _ in range(3):
        record_scan(batch_id=traced_batch.pk)
    client.force_login(world.users["seller_staff"])
    html = client.get(reverse("trace:batches")).content.decode()
    assert traced_batch.lot in html and other.lot not in html
    assert '<td class="scans-total">3</td>' in html
    assert '<svg class="scans"' in html


def test_label_png_holds_the_digital_link(client, world, traced_batch, tmp_path):
    from countyhub.trace.identifiers import lot_uri

    client.force_login(world.users["seller_staff"])
    response = client.get(reverse("trace:label", args=[traced_batch.pk, "png"]))
    assert response["Content-Type"] == "image/png"
    image = tmp_path / "label.png"
    image.write_bytes(response.content)
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", str(image)], capture_output=True, text=True, check=True
    )
    assert decoded.stdout.strip() == lot_uri(traced_batch)


def test_label_sheet_grid_is_configurable_and_checked(client, world, traced_batch, tmp_path):
    client.force_login(world.users["seller_staff"])
    url = reverse("trace:label_sheet", args=[traced_batch.pk])
    response = client.post(url, {"rows": 4, "columns": 2, "count": 9})
    job = Job.objects.get(kind=LABEL_SHEET)
    assert response.status_code == 302 and response["Location"] == reverse("job", args=[job.pk])
    jobs.execute(job.pk, heartbeat=False)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    sheet = tmp_path / "sheet.pdf"
    sheet.write_bytes(job.output_file.open("rb").read())
    info = subprocess.run(["pdfinfo", str(sheet)], capture_output=True, text=True, check=True)
    assert "Pages:           2" in info.stdout  # 9 labels, 8 per page
    bad = client.post(url, {"rows": 20, "columns": 8, "count": 1})
    assert bad.status_code == 400 and b"rows/columns" in bad.content
    # Big enough a grid, but its labels too small for the text: refused, not cut.
    bad = client.post(url, {"rows": 12, "columns": 7, "count": 1})
    assert bad.status_code == 400 and b"fewer rows or columns" in bad.content
    bad = client.post(url, {"rows": "x", "columns": 2, "count": 1})
    assert bad.status_code == 400 and bad.content.startswith(b"rows")
    assert Job.objects.filter(kind=LABEL_SHEET).count() == 1  # no job for a refused grid
    assert client.get(url).status_code == 405  # a sheet is started by a POST only


def test_export_validates_against_the_official_schema(client, world, traced_batch):
    from countyhub.gs1.epcis import validate_document

    client.force_login(world.users["seller_staff"])
    response = client.get(reverse("trace:export", args=[traced_batch.pk]))
    document = json.loads(response.content)
    assert validate_document(document) == []
    assert len(document["epcisBody"]["eventList"]) == 6


def test_import_upload_is_checked_to_be_json_and_queued_as_a_job(client, world, traced_batch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from countyhub.core.models import Job
    from countyhub.trace import import_job

    client.force_login(world.users["buyer"])
    assert client.get(reverse("trace:import")).status_code == 403
    client.force_login(world.users["seller_staff"])
    not_json = SimpleUploadedFile("doc.json", b"{not json")
    response = client.post(reverse("trace:import"), {"document": not_json})
    assert response.status_code == 400 and response.context["form"].errors["document"]
    upload = SimpleUploadedFile("doc.json", b'{"type": "EPCISDocument"}')
    response = client.post(reverse("trace:import"), {"document": upload})
    job = Job.objects.get(kind=import_job.JOB_KIND)
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"
    assert job.inputs["county_id"] == world.county.pk and job.county == world.county
    # The job runs once this test's transaction commits, which it never does: its own tests
    # are in tests/trace/test_import_job.py.
    assert traced_batch.events.count() == 6


def test_recall_page(client, world, traced_batch):
    client.force_login(world.users["other_seller_staff"])
    html = client.get(reverse("trace:recall"), {"lot": traced_batch.lot}).content.decode()
    assert "No batch of yours has this lot number" in html or "没有" in html


def test_correction_through_the_step_form(client, world, traced_batch):
    client.force_login(world.users["seller_staff"])
    harvest = traced_batch.events.get(kind=EventKind.HARVEST)
    url = reverse("trace:record", args=[traced_batch.pk, "harvest"])
    page = client.get(url, {"corrects": harvest.pk})
    assert page.status_code == 200
    assert page.context["form"].initial["quantity_kg"] == 120.0  # the recorded value
    time = page.context["form"].initial["event_time"].strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        url, {"corrects": harvest.pk, "event_time": time, "quantity_kg": "118.5"}
    )
    assert response.status_code == 302
    kinds = list(traced_batch.events.order_by("sequence").values_list("kind", "corrects_id"))
    assert kinds[-2:] == [("harvest", harvest.pk), ("error_declaration", harvest.pk)]
    detail = client.get(reverse("trace:batch", args=[traced_batch.pk])).content.decode()
    assert f'id="correct-{harvest.pk}"' not in detail  # corrected once only
    public = client.get("/" + lot_path(traced_batch), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "118.5 kg" in public and 'class="harvest corrected"' in public
    assert 'id="authentic"' in public
    # Another step's event, or another batch's, cannot be "corrected" through this form.
    packing = traced_batch.events.get(kind=EventKind.PACKING)
    assert client.get(url, {"corrects": packing.pk}).status_code == 404
    assert client.get(url, {"corrects": "x"}).status_code == 404


def lot_path(batch):
    from countyhub.trace.identifiers import lot_uri

    return lot_uri(batch).split("/", 3)[3]


def test_serialised_units_as_epc_uris_and_sgtin96(client, world):
    from countyhub.gs1.keys import decode_sgtin96

    batch = make_batch(world.users["seller_staff"], world.product, lot="SER", serial_count=2)
    client.force_login(world.users["seller_staff"])
    response = client.get(reverse("trace:batch", args=[batch.pk]))
    units = response.context["units"].rows
    assert [unit.serial for unit in units] == [f"{batch.pk}0001", f"{batch.pk}0002"]
    serial, link, epc, tag = (
        units[0].serial,
        units[0].digital_link,
        units[0].epc_uri,
        units[0].tag_hex,
    )
    assert link.endswith(f"/01/{batch.gtin}/21/{serial}")
    assert epc == f"urn:epc:id:sgtin:{batch.gtin[1:9]}.{batch.gtin[0]}{batch.gtin[9:13]}.{serial}"
    assert decode_sgtin96(tag).uri() == epc


@pytest.mark.parametrize("role", ["buyer", "station_operator", "analyst", "other_county_admin"])
@pytest.mark.parametrize(
    "page", ["trace:batches", "trace:recall", "trace:import", "trace:batch_create"]
)
def test_back_office_lists_refuse_other_roles(client, world, traced_batch, role, page):
    client.force_login(world.users[role])
    assert client.get(reverse(page)).status_code == 403


def test_county_admin_recall_sees_the_county(client, world, traced_batch):
    client.force_login(world.users["county_admin"])
    response = client.get(reverse("trace:recall"), {"lot": traced_batch.lot})
    assert response.status_code == 200 and response.context["batches"] == [traced_batch]


def test_batch_list_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    seller = world.users["seller_staff"]
    for n in range(3):
        make_batch(seller, world.product, lot=f"Q{n}")
    client.force_login(seller)
    with django_assert_max_num_queries(12) as first:
        client.get(reverse("trace:batches"))
    for n in range(3, 13):
        make_batch(seller, world.product, lot=f"Q{n}")
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(reverse("trace:batches")).status_code == 200
