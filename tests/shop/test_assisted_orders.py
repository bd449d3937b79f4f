"""Assisted buying (代购): a station operator orders for a villager at the station."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connections, transaction
from django.test import Client

from countyhub.catalog.models import Stock
from countyhub.core.models import AuditEntry, Role
from countyhub.shop import policies, services
from countyhub.shop.errors import (
    IdempotencyConflictError,
    InsufficientStockError,
    ShopError,
    ShopErrorCode,
)
from countyhub.shop.models import DeliveryMethod, Order, OrderStatus, PaymentMethod
from countyhub.shop.services import LineRequest
from tests.api.conftest import ApiClient
from tests.conftest import requires_postgres
from tests.factories.catalog import HouseholdFactory, ProductFactory
from tests.factories.core import CountyFactory, MembershipFactory, UserFactory
from tests.factories.stations import StationFactory


@pytest.fixture(autouse=True)
def _english(client):
    # The site defaults to Chinese; these tests read the English messages.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def api_as(client):
    return lambda user=None: ApiClient(client, user)


def assist(world, *, operator=None, station=None, household=None, lines=None, key="k1", **kw):
    return services.place_assisted_order(
        operator=operator or world.users["station_operator"],
        station=station or world.station,
        villager_name=kw.get("name", "李大爷"),
        villager_phone=kw.get("phone", "13900001111"),
        household=household,
        lines=lines or [LineRequest(world.product.pk, "2")],
        idempotency_key=key,
    )


@pytest.fixture
def household(world):
    return HouseholdFactory(
        county=world.county,
        village=world.station.village,
        head_name="李大爷",
        registered_poor=True,
        poverty_exit_year=2020,
    )


@pytest.fixture
def other_station_operator(world):
    other_station = StationFactory(village__township__county=world.county)
    user = UserFactory(username="other-station-operator")
    MembershipFactory(
        user=user, county=world.county, role=Role.STATION_OPERATOR, station=other_station
    )
    return user


# --- service ---------------------------------------------------------------------------------


def test_operator_orders_for_a_villager_at_their_station(world, household):
    result = assist(world, household=household)
    (order,) = result.orders
    assert order.buyer == world.users["station_operator"]
    assert order.delivery_method == DeliveryMethod.STATION
    assert order.station == world.station
    assert order.payment_method == PaymentMethod.CASH_ON_DELIVERY
    assert (order.placed_for_name, order.placed_for_phone) == ("李大爷", "13900001111")
    assert (order.recipient_name, order.phone) == ("李大爷", "13900001111")
    assert order.placed_for_household == household
    assert order.is_assisted
    assert Stock.objects.get(product=world.product).allocated == Decimal("2")
    audit = AuditEntry.objects.get(action="order.placed_for_villager")
    assert audit.changes == {"station": world.station.pk, "household": household.pk}
    assert "李大爷" not in str(audit.changes)


def test_a_cart_across_sellers_makes_one_assisted_order_per_seller(world):
    result = assist(
        world, lines=[LineRequest(world.product.pk, "1"), LineRequest(world.other_product.pk, "1")]
    )
    assert {o.seller for o in result.orders} == {world.seller, world.other_seller}
    assert all(o.placed_for_name == "李大爷" for o in result.orders)


def test_same_key_replays_and_a_different_order_with_it_conflicts(world):
    first = assist(world)
    again = assist(world)
    assert again.replayed and again.orders == first.orders
    assert Order.objects.count() == 1
    with pytest.raises(IdempotencyConflictError):
        assist(world, name="张三")


@pytest.mark.parametrize("role", ["buyer", "seller_staff", "county_admin", "anonymous"])
def test_only_the_stations_operator_may_order_for_villagers(world, role):
    from django.contrib.auth.models import AnonymousUser

    user = world.users[role] or AnonymousUser()
    with pytest.raises(PermissionDenied):
        assist(world, operator=user)
    assert not Order.objects.exists()


def test_an_operator_cannot_order_to_another_station(world, other_station_operator):
    with pytest.raises(PermissionDenied):
        assist(world, operator=other_station_operator)


@pytest.mark.parametrize(
    ("name", "phone", "field"),
    [(" ", "139", "villager_name"), ("李大爷", "", "villager_phone")],
)
def test_name_and_phone_are_required(world, name, phone, field):
    with pytest.raises(ShopError) as caught:
        assist(world, name=name, phone=phone)
    assert (caught.value.code, caught.value.field) == (ShopErrorCode.REQUIRED, field)


@pytest.mark.parametrize("where", ["another county", "another village"])
def test_household_must_be_of_the_stations_village(world, where):
    if where == "another county":
        foreign = HouseholdFactory(county=CountyFactory())
    else:
        foreign = HouseholdFactory(county=world.county)  # a village of its own
    assert foreign.village_id != world.station.village_id
    with pytest.raises(ShopError) as caught:
        assist(world, household=foreign)
    assert caught.value.code == ShopErrorCode.UNKNOWN_HOUSEHOLD
    assert caught.value.field == "household"


def test_shortage_orders_nothing(world):
    with pytest.raises(InsufficientStockError):
        assist(world, lines=[LineRequest(world.product.pk, "21")])
    assert not Order.objects.exists()
    assert Stock.objects.get(product=world.product).allocated == 0


def test_database_refuses_a_villager_order_without_a_phone(world):
    order = assist(world).orders[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(placed_for_phone="")


@requires_postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_operators_and_buyers_racing_for_the_last_units_never_oversell():
    county = CountyFactory()
    station = StationFactory(village__township__county=county)
    product = ProductFactory(county=county, stock=10)
    operators = []
    for index in range(4):
        operator = UserFactory(username=f"op-{index}")
        MembershipFactory(user=operator, county=county, role=Role.STATION_OPERATOR, station=station)
        operators.append(operator)
    start = threading.Event()

    def attempt(number):
        try:
            start.wait(timeout=30)
            services.place_assisted_order(
                operator=operators[number % 4],
                station=station,
                villager_name=f"村民{number}",
                villager_phone="139",
                lines=[LineRequest(product.pk, "1")],
                idempotency_key=f"a-{number}",
            )
            return "ordered"
        except InsufficientStockError:
            return "short"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(8) as pool:
        futures = pool.map(attempt, range(24))
        start.set()
        outcomes = list(futures)
    assert outcomes.count("ordered") == 10 == Order.objects.count()
    stock = Stock.objects.get(product=product)
    assert stock.allocated == stock.quantity == 10


# --- pages -----------------------------------------------------------------------------------


def page_key(response):
    return re.search(r'name="idempotency_key" value="([^"]+)"', response.content.decode()).group(1)


def order_url(world):
    return f"/station/{world.station.pk}/order/"


def test_operator_searches_adds_and_places_an_order_for_a_villager(world, client, household):
    client.force_login(world.users["station_operator"])
    dashboard = client.get("/station/").content.decode()
    assert order_url(world) in dashboard
    page = client.get(order_url(world))
    key = page_key(page)
    found = client.post(order_url(world), {"q": world.product.name_en, "idempotency_key": key})
    assert f'name="add" value="{world.product.pk}"' in found.content.decode()
    added = client.post(
        order_url(world),
        {"q": world.product.name_en, "add": world.product.pk, "villager_name": "李大爷"},
    ).content.decode()
    assert f'name="quantity-{world.product.pk}" value="1"' in added
    assert 'value="李大爷"' in added  # typed text survives the step
    households = client.post(order_url(world), {"household_q": "李"}).content.decode()
    assert f'value="{household.pk}"' in households
    assert "poor" not in households.lower()  # poverty data is for county staff only
    placed = client.post(
        order_url(world),
        {
            f"quantity-{world.product.pk}": "3",
            "villager_name": "李大爷",
            "villager_phone": "13900001111",
            "household": household.pk,
            "idempotency_key": key,
            "action": "place",
        },
    )
    assert placed.status_code == 302 and placed["Location"] == "/station/"
    order = Order.objects.get()
    assert order.placed_for_household == household
    assert order.lines.get().quantity == 3
    dashboard = client.get("/station/").content.decode()
    assert f'id="villager-order-{order.number}"' in dashboard
    assert "李大爷 13900001111" in dashboard


def test_errors_are_named_by_field_and_nothing_typed_is_lost(world, client):
    client.force_login(world.users["station_operator"])
    key = page_key(client.get(order_url(world)))
    response = client.post(
        order_url(world),
        {
            f"quantity-{world.product.pk}": "abc",
            "villager_name": "王婆婆",
            "villager_phone": "",
            "idempotency_key": key,
            "action": "place",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Quantity must be a number." in html
    assert 'value="abc"' in html and 'value="王婆婆"' in html
    assert re.search(r'name="villager_phone"[^>]*aria-invalid="true"', html)
    short = client.post(
        order_url(world),
        {
            f"quantity-{world.product.pk}": "25",
            "villager_name": "王婆婆",
            "villager_phone": "139",
            "idempotency_key": key,
            "action": "place",
        },
    ).content.decode()
    assert "Only 20 left." in short and 'value="25"' in short
    empty = client.post(
        order_url(world),
        {
            "villager_name": "王婆婆",
            "villager_phone": "139",
            "idempotency_key": key,
            "action": "place",
        },
    ).content.decode()
    assert "Add at least one product." in empty
    assert not Order.objects.exists()


def test_a_double_submit_orders_once(world, client):
    client.force_login(world.users["station_operator"])
    form = {
        f"quantity-{world.product.pk}": "1",
        "villager_name": "李大爷",
        "villager_phone": "139",
        "idempotency_key": page_key(client.get(order_url(world))),
        "action": "place",
    }
    client.post(order_url(world), form)
    client.post(order_url(world), form)
    assert Order.objects.count() == 1


def test_the_form_needs_a_csrf_token(world):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.users["station_operator"])
    response = client.post(order_url(world), {"action": "place", "villager_name": "李"})
    assert response.status_code == 403
    assert 'name="csrfmiddlewaretoken"' in client.get(order_url(world)).content.decode()


@pytest.mark.parametrize("who", ["other_station", "other_seller_staff", "seller_staff", "buyer"])
def test_others_cannot_open_the_assisted_order_page(world, client, other_station_operator, who):
    user = other_station_operator if who == "other_station" else world.users[who]
    client.force_login(user)
    assert client.get(order_url(world)).status_code == 404
    assert client.post(order_url(world), {"action": "place"}).status_code == 404


def test_anonymous_users_are_sent_to_log_in(world, client):
    response = client.get(order_url(world))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- privacy ---------------------------------------------------------------------------------


def test_villager_data_reaches_the_station_the_seller_and_county_staff_only(
    world, client, other_station_operator
):
    order = assist(world).orders[0]
    url = f"/orders/{order.number}/"
    for allowed in ("station_operator", "seller_staff", "county_admin"):
        client.force_login(world.users[allowed])
        assert "13900001111" in client.get(url).content.decode(), allowed
    for denied in (other_station_operator, world.users["other_seller_staff"], world.users["buyer"]):
        client.force_login(denied)
        assert client.get(url).status_code == 404
        assert "13900001111" not in client.get("/station/").content.decode()
    client.logout()
    assert client.get(url).status_code == 302
    home = client.get(f"/c/{world.county.slug}/").content.decode()
    product_page = client.get(f"/c/{world.county.slug}/products/{world.product.pk}/")
    assert "李大爷" not in home and "李大爷" not in product_page.content.decode()


def test_an_operator_who_left_the_station_no_longer_sees_the_villager(world, client):
    operator = world.users["station_operator"]
    order = assist(world).orders[0]
    operator.memberships.filter(role=Role.STATION_OPERATOR).delete()
    client.force_login(operator)
    html = client.get(f"/orders/{order.number}/").content.decode()  # still their purchase
    assert order.number in html and "13900001111" not in html


def test_api_shows_placed_for_only_to_those_who_need_it(world, api_as, household):
    order = assist(world, household=household).orders[0]
    for allowed in ("station_operator", "seller_staff", "county_admin"):
        body = api_as(world.users[allowed]).get(f"/api/orders/{order.pk}").json()
        assert body["placed_for"] == {
            "name": "李大爷",
            "phone": "13900001111",
            "household_id": household.pk,
        }
    for denied in ("buyer", "other_seller_staff", "analyst"):
        assert api_as(world.users[denied]).get(f"/api/orders/{order.pk}").status_code == 404
    assert api_as(None).get(f"/api/orders/{order.pk}").status_code in (401, 404)
    world.users["station_operator"].memberships.all().delete()
    former = api_as(world.users["station_operator"]).get(f"/api/orders/{order.pk}").json()
    assert former["placed_for"] is None
    assert former["delivery"]["phone"] == "" and former["delivery"]["recipient_name"] == ""


def test_ordinary_orders_have_no_placed_for_in_the_api(world, api_as):
    order = services.place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, "1")],
        delivery=services.DeliveryRequest("station", world.station.pk, "王芳", "1"),
    ).orders[0]
    body = api_as(world.users["buyer"]).get(f"/api/orders/{order.pk}").json()
    assert body["placed_for"] is None and body["delivery"]["recipient_name"] == "王芳"


# --- hand-over -------------------------------------------------------------------------------


def test_the_station_hands_over_an_assisted_order_and_collects_the_cash(world, client):
    order = assist(world).orders[0]
    services.ship_order(
        order=order, actor=world.users["seller_staff"], carrier="邮政", tracking_number="1"
    )
    client.force_login(world.users["station_operator"])
    client.post(f"/station/parcels/{order.number}/receive/")
    dashboard = client.get("/station/").content.decode()
    assert "Collect" in dashboard
    client.post(
        f"/station/parcels/{order.number}/hand-over/",
        {"code": order.pickup_code, "cash_collected": str(order.total)},
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert order.payment.status == "received"


def test_another_stations_operator_cannot_hand_over_this_stations_parcel(
    world, client, other_station_operator
):
    order = assist(world).orders[0]
    services.ship_order(
        order=order, actor=world.users["seller_staff"], carrier="邮政", tracking_number="1"
    )
    services.receive_at_station(order=order, actor=world.users["station_operator"])
    client.force_login(other_station_operator)
    assert order.number not in client.get("/station/").content.decode()
    response = client.post(
        f"/station/parcels/{order.number}/hand-over/",
        {"code": order.pickup_code, "cash_collected": str(order.total)},
    )
    assert response.status_code == 404
    assert not policies.may_work_station_desk(other_station_operator, order.station)
    assert policies.may_work_station_desk(world.users["station_operator"], order.station)
    order.refresh_from_db()
    assert order.status == OrderStatus.AT_STATION


def test_the_page_speaks_chinese(world, client):
    client.force_login(world.users["station_operator"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    html = client.get(order_url(world)).content.decode()
    assert "为村民代购" in html and "村民姓名" in html
    assert "为村民代购" in client.get("/station/").content.decode()
