"""Times in the county's time zone: order numbers, pages, the API and CSV exports."""

import datetime as dt
import warnings

import pytest
import time_machine
from django.core.cache.backends.base import CacheKeyWarning
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from countyhub.core.admin_tools import export_as_csv
from countyhub.core.local_time import CountyTimeZoneMiddleware, local_date, local_iso
from countyhub.shop.admin import OrderAdmin
from countyhub.shop.models import DeliveryMethod, Order
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout
from tests.factories.core import CountyFactory

# 01:30 on the 7th in Beijing, still the 6th in UTC.
EVENING_UTC = dt.datetime(2026, 3, 6, 17, 30, tzinfo=dt.UTC)


def place(world, key="tz"):
    with time_machine.travel(EVENING_UTC, tick=False):
        return place_checkout(
            buyer=world.users["buyer"],
            lines=[LineRequest(world.product.pk, "1")],
            delivery=DeliveryRequest(
                DeliveryMethod.STATION, world.station.pk, "王芳", "13800000000"
            ),
            idempotency_key=key,
        ).orders[0]


def test_an_order_is_numbered_with_the_countys_local_date(world):
    assert world.county.time_zone == "Asia/Shanghai"
    order = place(world)
    assert order.number.startswith("20260307-")


def test_a_county_in_another_zone_numbers_by_its_own_date(world):
    world.county.time_zone = "America/Los_Angeles"
    world.county.save()
    # 09:30 on the 6th in Los Angeles.
    assert place(world).number.startswith("20260306-")


def test_local_date_and_iso_use_the_countys_zone(db):
    county = CountyFactory(time_zone="Asia/Shanghai")
    assert local_date(EVENING_UTC, county) == dt.date(2026, 3, 7)
    assert local_iso(EVENING_UTC, county) == "2026-03-07T01:30:00+08:00"
    assert local_iso(None, county) == ""


def test_a_time_zone_must_be_a_real_one(db):
    county = CountyFactory.build(time_zone="Asia/Beijing")
    with pytest.raises(ValidationError) as invalid:
        county.full_clean()
    assert "time_zone" in invalid.value.message_dict
    CountyFactory.build(time_zone="Asia/Urumqi").full_clean()


def test_order_pages_show_the_countys_local_time(world, client, settings):
    # A server in UTC still shows the county's time.
    settings.TIME_ZONE = "UTC"
    order = place(world)
    client.force_login(world.users["buyer"])
    detail = client.get(reverse("shop:order", args=[order.number])).content.decode()
    assert "2026-03-07 01:30" in detail
    assert "2026-03-06 17:30" not in detail
    listing = client.get(reverse("shop:orders")).content.decode()
    assert "2026-03-07 01:30" in listing


def test_county_pages_run_in_the_countys_zone(world, settings):
    settings.TIME_ZONE = "UTC"
    world.county.time_zone = "Asia/Urumqi"
    world.county.save()
    seen = {}

    def view(request, county_slug):
        seen["zone"] = timezone.get_current_timezone_name()
        return HttpResponse()

    middleware = CountyTimeZoneMiddleware(lambda request: view(request, world.county.slug))
    request = RequestFactory().get("/")
    middleware.process_view(request, view, (), {"county_slug": world.county.slug})
    middleware(request)
    assert seen["zone"] == "Asia/Urumqi"
    # The zone ends with the request.
    assert timezone.get_current_timezone_name() == "UTC"
    middleware.process_view(request, view, (), {"county_slug": "no-such-county"})
    middleware(request)
    assert seen["zone"] == "UTC"


def test_the_api_gives_placed_at_in_local_time_with_offset(world, client):
    from tests.api.conftest import ApiClient

    order = place(world)
    data = ApiClient(client, world.users["buyer"]).get(f"/api/orders/{order.pk}").json()
    assert data["placed_at"] == "2026-03-07T01:30:00+08:00"


def test_csv_export_writes_local_times_with_offset(world, settings):
    settings.TIME_ZONE = "UTC"
    order = place(world)
    admin_user = world.users["county_admin"]
    request = RequestFactory().get("/admin/shop/order/")
    request.user = admin_user
    from django.contrib import admin

    response = export_as_csv(OrderAdmin(Order, admin.site), request, Order.objects.all())
    text = response.content.decode("utf-8-sig")
    assert "2026-03-07T01:30:00+08:00" in text
    assert order.number in text


def test_the_public_trace_page_shows_the_countys_local_times(world, client):
    from tests.trace.conftest import make_batch, record_history
    from tests.trace.test_trace_page import path_of

    # Each step was recorded at 09:00 in Beijing; Urumqi's clocks read 07:00 then.
    batch = record_history(
        make_batch(world.users["seller_staff"], world.product), world.users["seller_staff"]
    )
    world.county.time_zone = "Asia/Urumqi"
    world.county.save()
    html = client.get("/" + path_of(batch)).content.decode()
    assert " 07:00" in html
    assert " 09:00" not in html


def test_the_admin_shows_a_county_administrators_times_in_the_countys_zone(world, client, settings):
    settings.TIME_ZONE = "UTC"
    order = place(world)
    client.force_login(world.users["county_admin"])
    listing = client.get("/admin/shop/order/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert order.number in listing
    assert "2026年3月7日 01:30" in listing
    change = client.get(
        f"/admin/shop/order/{order.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "01:30" in change and "17:30" not in change


def test_an_address_with_a_slug_no_county_can_have_costs_no_cache_key(db, settings):
    # The API fuzzer sends any text as the county: it must not reach the cache as a key that
    # memcached would refuse (Django warns of it, and a memcached backend would raise).
    settings.TIME_ZONE = "UTC"
    view = lambda request, county_slug: HttpResponse()  # noqa: E731
    middleware = CountyTimeZoneMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/")
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        middleware.process_view(request, view, (), {"county_slug": "县\x10 ñ"})
        middleware(request)
    assert timezone.get_current_timezone_name() == "UTC"
