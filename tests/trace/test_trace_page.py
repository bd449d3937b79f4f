"""The Digital Link resolver and the public trace page."""

import pytest
from django.test import override_settings
from django.utils import translation

from countyhub.catalog.models import Certification, SellerKind
from countyhub.gs1 import cbv
from countyhub.trace import services
from countyhub.trace.models import EventKind, Scan, TraceEvent
from tests.factories.catalog import HouseholdFactory
from tests.trace.conftest import days_ago, record_history


def path_of(batch, serial=None):
    from countyhub.trace.identifiers import batch_link

    uri = batch_link(batch, serial=serial).uri
    return uri.split("/", 3)[3]


def test_lot_link_shows_the_full_timeline(client, traced_batch):
    response = client.get("/" + path_of(traced_batch), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    for word in ("Planting", "Fertilising", "Spraying", "Harvest", "Inspection", "Packing"):
        assert word.lower() in html.lower()
    assert 'id="authentic"' in html
    assert traced_batch.lot in html
    assert "猕猴桃" in html  # the crop recorded at planting
    assert '<svg class="route"' in html  # the plot has coordinates


def test_page_in_chinese(client, traced_batch):
    with translation.override("zh-hans"):
        response = client.get("/" + path_of(traced_batch), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "从田间到包裹" in response.content.decode()


def test_tampered_chain_is_not_authentic(client, traced_batch, events_open_to_tampering):
    assert 'id="authentic"' in client.get("/" + path_of(traced_batch)).content.decode()
    harvest = traced_batch.events.get(kind=EventKind.HARVEST)
    TraceEvent.objects.filter(pk=harvest.pk).update(
        document={**harvest.document, "eventTime": "2020-01-01T00:00:00+08:00"}
    )
    html = client.get("/" + path_of(traced_batch)).content.decode()
    assert 'id="authentic"' not in html and 'id="unverified"' in html


def test_each_scan_is_counted_with_coarse_location(client, traced_batch):
    url = "/" + path_of(traced_batch)
    client.get(url)
    client.get(url + "?lat=26.64721&lon=106.63029")
    client.get(url + "?lat=abc&lon=1")
    scans = list(Scan.objects.filter(batch=traced_batch).order_by("pk"))
    assert len(scans) == 3
    assert (str(scans[1].latitude), str(scans[1].longitude)) == ("26.6", "106.6")
    assert scans[0].latitude is None and scans[2].latitude is None


def test_serial_link_resolves_to_its_batch(client, world, seller_user):
    from tests.factories.trace import make_batch

    batch = make_batch(seller_user, world.product, lot="S1", serial_count=3)
    serial = batch.units.first().serial
    response = client.get("/" + path_of(batch, serial=serial))
    assert response.status_code == 200
    assert serial in response.content.decode()


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("01/09520123456789/10/ABC", 400),  # bad check digit
        ("01/09520123456788/21/1/10/ABC", 400),  # qualifiers out of order
        ("01/09520123456788/10/NOPE", 404),  # valid but unknown
        ("01/abc", 400),
    ],
)
def test_malformed_or_unknown_codes_get_a_friendly_page(client, db, path, status):
    response = client.get("/" + path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status
    assert "We could not find this product" in response.content.decode()


def test_product_link_goes_to_the_product(client, traced_batch):
    gtin_path = path_of(traced_batch).split("/10/")[0]
    response = client.get("/" + gtin_path)
    assert response.status_code == 302
    assert f"/{traced_batch.product.pk}" in response["Location"]


def test_no_household_personal_data(client, world, seller_user):
    household = HouseholdFactory(county=world.county, head_name="张秘密", phone="13912345678")
    seller = world.seller
    seller.kind = SellerKind.HOUSEHOLD
    seller.name = household.head_name
    seller.phone = household.phone
    seller.save()
    from tests.factories.trace import make_batch
    from tests.trace.conftest import record_history

    batch = record_history(make_batch(seller_user, world.product, lot="H1"), seller_user)
    html = client.get("/" + path_of(batch)).content.decode()
    assert "张秘密" not in html and "13912345678" not in html


def test_certifications_show_validity(client, traced_batch):
    today = days_ago(0).date()
    Certification.objects.create(
        county=traced_batch.county,
        product=traced_batch.product,
        kind="green_food",
        number="LB-1",
        issuer="中国绿色食品发展中心",
        valid_from=today.replace(year=today.year - 1),
        valid_until=today.replace(year=today.year + 1),
    )
    Certification.objects.create(
        county=traced_batch.county,
        product=traced_batch.product,
        kind="organic",
        number="OLD-9",
        issuer="认证机构",
        valid_from=today.replace(year=today.year - 3),
        valid_until=today.replace(year=today.year - 2),
    )
    html = client.get("/" + path_of(traced_batch), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "LB-1" in html and "OLD-9" in html
    assert html.count(">valid<") == 1 and html.count(">expired<") == 1


@override_settings(TRACE_DOMAIN="scan.example.cn")
def test_trace_page_query_count(client, traced_batch, django_assert_max_num_queries):
    url = "/" + path_of(traced_batch)
    client.get(url)  # warms the chain-verification cache
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200


def test_cached_page_shows_a_new_event_at_once(client, traced_batch, seller_user):
    from countyhub.gs1 import cbv
    from countyhub.trace import services

    url = "/" + path_of(traced_batch)
    assert "Inspector B" not in client.get(url).content.decode()
    report = cbv.AttachedDocument(
        kind="lab_report",
        uri="urn:x:report:9",
        result=cbv.DocumentResult.PASS,
        issuer="Inspector B",
    )
    services.record_inspection(actor=seller_user, batch=traced_batch, documents=[report])
    assert "Inspector B" in client.get(url).content.decode()


def test_cached_page_needs_no_csrf_token_and_switches_language_by_get(client, traced_batch):
    from django.test import Client

    url = "/" + path_of(traced_batch)
    client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    other = Client(enforce_csrf_checks=True)
    cached = other.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = cached.content.decode()
    # The public page holds no form to post, so it sets no per-visitor cookie and its cached
    # copy is the same for every first-time scanner.
    assert "csrftoken" not in cached.cookies and 'name="csrfmiddlewaretoken"' not in html
    assert 'method="post"' not in html
    assert '<form method="get" class="lang">' in html
    assert '<button name="lang" value="en" >English</button>' in html
    english = other.get(url + "?lang=en", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert english["Content-Language"] == "en"
    assert "From field to parcel" in english.content.decode()
    assert "从田间到包裹" in other.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # Posting the storefront's language switch still needs a token.
    assert other.post("/i18n/setlang/", {"language": "en", "next": url}).status_code == 403
    assert 'id="authentic"' in html
    assert Scan.objects.filter(batch=traced_batch).count() == 4


def test_dose_units_are_shown_by_name_not_by_code(client, traced_batch):
    html = client.get("/" + path_of(traced_batch), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    fertilising = html.split('class="fertilising')[1].split("</li>")[0]
    assert "KGM" not in fertilising and "<dd>kg</dd>" in fertilising


@pytest.mark.parametrize(("language", "shown"), [("en", "sprinkler"), ("zh-hans", "喷灌")])
def test_irrigation_method_is_shown_by_name_not_by_code(
    client, batch, seller_user, language, shown
):
    services.record_farming_step(
        actor=seller_user,
        batch=batch,
        step=cbv.FarmingStep.IRRIGATION,
        details=cbv.Irrigation(volume_m3=30.0, method="sprinkler"),
        event_time=days_ago(60),
    )
    record_history(batch, seller_user)
    html = client.get("/" + path_of(batch), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    irrigation = html.split('class="irrigation')[1].split("</li>")[0]
    assert f"<dd>{shown}</dd>" in irrigation


def test_product_page_and_trace_page_link_each_other(client, traced_batch):
    product = traced_batch.product
    page = client.get(f"/c/{product.county.slug}/p/{product.pk}/").content.decode()
    trace_path = page.split('id="trace-link" href="')[1].split('"')[0]
    assert trace_path == "/" + path_of(traced_batch)
    trace_page = client.get(trace_path).content.decode()
    buy = trace_page.split('id="buy-link" href="')[1].split('"')[0]
    assert buy == f"/c/{product.county.slug}/p/{product.pk}/"


def test_no_trace_link_without_a_recorded_lot_and_no_buy_link_when_off_sale(
    client, world, traced_batch
):
    other = world.other_product
    page = client.get(f"/c/{other.county.slug}/p/{other.pk}/").content.decode()
    assert 'id="trace-link"' not in page
    traced_batch.product.active = False
    traced_batch.product.save(update_fields=["active"])
    trace_page = client.get("/" + path_of(traced_batch) + "?lang=en").content.decode()
    assert 'id="buy-link"' not in trace_page
