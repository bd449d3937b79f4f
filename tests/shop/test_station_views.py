"""The station desk's pages: the dashboard's parcels, the hand-over with the pickup code, the
day and its printable sheet, the slip for a villager; and who may see each."""

import subprocess

import pytest
from django.utils import timezone

from countyhub.core import jobs
from countyhub.core.models import Job, Role
from countyhub.shop import services
from countyhub.shop.day_sheet_jobs import DAY_SHEET_PDF
from countyhub.shop.models import OrderStatus, PaymentStatus, StationDay
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout
from tests.factories.core import MembershipFactory, UserFactory
from tests.factories.stations import StationFactory

S = OrderStatus


def shipped(world, quantity="1"):
    order = place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, quantity)],
        delivery=DeliveryRequest("station", world.station.pk, "王芳", "13800000000"),
    ).orders[0]
    services.ship_order(
        order=order, actor=world.users["seller_staff"], carrier="邮政", tracking_number="1"
    )
    return order


@pytest.fixture(autouse=True)
def _in_english(client):
    # The messages asserted below are the English ones; the site's default language is Chinese.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def other_operator(world):
    user = UserFactory(username="other-station-operator")
    MembershipFactory(
        user=user,
        county=world.county,
        role=Role.STATION_OPERATOR,
        station=StationFactory(village__township__county=world.county),
    )
    return user


def test_the_seller_can_no_longer_mark_a_station_cash_order_delivered_and_paid(world, client):
    """Seen on the demo: the seller's "Confirm delivery" made a station COD order paid."""
    order = shipped(world)
    client.force_login(world.users["seller_staff"])
    assert 'id="deliver"' not in client.get(f"/orders/{order.number}/").content.decode()
    response = client.post(f"/orders/{order.number}/deliver/")
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == S.SHIPPED and order.payment.status == PaymentStatus.PENDING


def test_the_operator_receives_and_hands_over_with_the_code(world, client):
    order = shipped(world)
    client.force_login(world.users["station_operator"])
    page = client.get("/station/").content.decode()
    assert f"/station/parcels/{order.number}/receive/" in page
    client.post(f"/station/parcels/{order.number}/receive/")
    page = client.get("/station/").content.decode()
    assert f"/station/parcels/{order.number}/hand-over/" in page
    # The operator does not see the code: the buyer brings it.
    assert order.pickup_code not in page
    wrong = f"{(int(order.pickup_code) + 1) % 1_000_000:06d}"
    response = client.post(
        f"/station/parcels/{order.number}/hand-over/", {"code": wrong, "cash_collected": "25.00"}
    )
    assert response.status_code == 422
    assert "Wrong pickup code: 4 tries left." in response.content.decode()
    response = client.post(
        f"/station/parcels/{order.number}/hand-over/",
        {"code": order.pickup_code, "cash_collected": "25.00"},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == S.DELIVERED and order.payment.status == PaymentStatus.RECEIVED
    assert order.pickup_failures == 1


def test_a_different_amount_without_a_reason_shows_on_its_field(world, client):
    order = shipped(world)
    services.receive_at_station(order=order, actor=world.users["station_operator"])
    client.force_login(world.users["station_operator"])
    response = client.post(
        f"/station/parcels/{order.number}/hand-over/",
        {"code": order.pickup_code, "cash_collected": "20"},
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert 'id="difference_reason-' in page and "give the reason for taking" in page
    assert 'value="20"' in page  # what was typed stays


def test_the_operator_sends_an_uncollected_parcel_back(world, client):
    order = shipped(world)
    services.receive_at_station(order=order, actor=world.users["station_operator"])
    client.force_login(world.users["station_operator"])
    client.post(f"/station/parcels/{order.number}/return/", {"reason": "七天无人领取"})
    order.refresh_from_db()
    assert order.status == S.RETURNED


def test_the_buyer_sees_the_pickup_code_and_others_do_not(world, client):
    order = shipped(world)
    client.force_login(world.users["buyer"])
    assert order.pickup_code in client.get(f"/orders/{order.number}/").content.decode()
    placed = client.get(f"/checkouts/{order.checkout_id}/").content.decode()
    assert order.pickup_code in placed
    for role in ("seller_staff", "station_operator", "county_admin"):
        client.force_login(world.users[role])
        page = client.get(f"/orders/{order.number}/").content.decode()
        assert order.pickup_code not in page, role


def test_county_staff_hand_over_from_the_order_page_with_a_reason(world, client):
    order = shipped(world)
    services.receive_at_station(order=order, actor=world.users["station_operator"])
    client.force_login(world.users["county_admin"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert 'name="staff_reason"' in page and 'name="code"' not in page
    client.post(
        f"/station/parcels/{order.number}/hand-over/",
        {"next": "order", "cash_collected": "25.00", "staff_reason": "站长生病"},
    )
    order.refresh_from_db()
    assert order.status == S.DELIVERED
    assert order.handover.staff_reason == "站长生病"


def test_the_operator_closes_the_day_and_prints_the_sheet(world, client):
    order = shipped(world)
    operator = world.users["station_operator"]
    services.receive_at_station(order=order, actor=operator)
    services.hand_over(order=order, actor=operator, code=order.pickup_code, cash_collected="25")
    client.force_login(operator)
    day_url = f"/station/{world.station.pk}/day/"
    page = client.get(day_url).content.decode()
    assert order.number in page and "¥25.00" in page
    today = timezone.localdate().isoformat()
    response = client.post(day_url, {"day": today, "cash_counted": "20"})
    assert response.status_code == 200
    assert "give the reason the till holds" in response.content.decode()
    response = client.post(
        day_url, {"day": today, "cash_counted": "20", "difference_reason": "找零"}
    )
    closed = StationDay.objects.get()
    assert response.url == f"/station/days/{closed.pk}/"
    sheet = client.get(response.url).content.decode()
    assert order.number in sheet and "找零" in sheet and "data-print" in sheet
    assert 'id="closed"' in client.get(day_url).content.decode()


def test_another_stations_operator_sees_none_of_this_desk(world, client, other_operator):
    order = shipped(world)
    operator = world.users["station_operator"]
    services.receive_at_station(order=order, actor=operator)
    closed = services.close_station_day(
        station=world.station, day=timezone.localdate(), actor=operator, cash_counted="0"
    )
    client.force_login(other_operator)
    for url in (
        f"/station/{world.station.pk}/day/",
        f"/station/days/{closed.pk}/",
        f"/station/parcels/{order.number}/slip/",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/station/parcels/{order.number}/hand-over/",
        f"/station/parcels/{order.number}/return/",
    ):
        response = client.post(url, {"code": order.pickup_code, "reason": "x"})
        assert response.status_code == 404, url
    order.refresh_from_db()
    assert order.status == S.AT_STATION
    client.force_login(world.users["seller_staff"])
    assert client.get(f"/station/days/{closed.pk}/").status_code == 404


def test_the_slip_for_a_villager_carries_the_pickup_code(world, client):
    order = services.place_assisted_order(
        operator=world.users["station_operator"],
        station=world.station,
        villager_name="李大爷",
        villager_phone="13900001111",
        lines=[LineRequest(world.product.pk, "1")],
    ).orders[0]
    client.force_login(world.users["station_operator"])
    dashboard = client.get("/station/").content.decode()
    assert order.pickup_code in dashboard
    slip = client.get(f"/station/parcels/{order.number}/slip/").content.decode()
    assert order.pickup_code in slip and "李大爷" in slip


def test_county_staff_read_closed_days_in_the_admin_and_other_counties_do_not(world, client):
    operator = world.users["station_operator"]
    order = shipped(world)
    services.receive_at_station(order=order, actor=operator)
    services.hand_over(order=order, actor=operator, code=order.pickup_code, cash_collected="25")
    closed = services.close_station_day(
        station=world.station, day=timezone.localdate(), actor=operator, cash_counted="25"
    )
    client.force_login(world.users["county_admin"])
    assert client.get(f"/admin/shop/stationday/{closed.pk}/change/").status_code == 200
    listing = client.get("/admin/shop/stationhandover/").content.decode()
    assert order.number in listing
    client.force_login(world.users["other_county_admin"])
    assert client.get(f"/admin/shop/stationday/{closed.pk}/change/").status_code == 302
    assert order.number not in client.get("/admin/shop/stationhandover/").content.decode()


def test_the_api_gives_the_pickup_code_to_the_buyer_only(world, client):
    from tests.api.conftest import ApiClient

    order = shipped(world)
    body = ApiClient(client, world.users["buyer"]).get(f"/api/orders/{order.pk}").json()
    assert body["pickup_code"] == order.pickup_code
    for role in ("seller_staff", "station_operator", "county_admin"):
        body = ApiClient(client, world.users[role]).get(f"/api/orders/{order.pk}").json()
        assert body["pickup_code"] is None, role


def test_the_day_sheet_is_also_a_pdf_with_every_parcel_and_the_cash(world, client, tmp_path):
    operator = world.users["station_operator"]
    orders = [shipped(world) for _ in range(2)]
    for order in orders:
        services.receive_at_station(order=order, actor=operator)
    services.hand_over(
        order=orders[0], actor=operator, code=orders[0].pickup_code, cash_collected="25"
    )
    services.return_to_seller(order=orders[1], actor=operator, reason="七天无人领取")
    closed = services.close_station_day(
        station=world.station, day=timezone.localdate(), actor=operator, cash_counted="25"
    )
    client.force_login(operator)
    assert (
        f"/station/days/{closed.pk}/sheet-pdf/"
        in client.get(f"/station/days/{closed.pk}/").content.decode()
    )
    # The PDF is made by a background job: the button posts, the job's page offers the file.
    response = client.post(f"/station/days/{closed.pk}/sheet-pdf/")
    job = Job.objects.get(kind=DAY_SHEET_PDF)
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    jobs.execute(job.pk, heartbeat=False)
    download = client.get(f"/jobs/{job.pk}/file/")
    assert download["Content-Type"] == "application/pdf"
    (tmp_path / "sheet.pdf").write_bytes(b"".join(download.streaming_content))
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "sheet.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert orders[0].number in text and orders[1].number in text
    assert "七天无人领取" in text and "¥25.00" in text
    client.force_login(world.users["seller_staff"])
    assert client.post(f"/station/days/{closed.pk}/sheet-pdf/").status_code == 404
    assert client.get(f"/jobs/{job.pk}/file/").status_code == 404
