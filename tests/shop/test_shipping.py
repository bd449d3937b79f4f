"""Shipping fees: the pure quote (bands, threshold, rate choice), the checkout that stores them
on orders and payments, the cart and checkout pages that show them first, and the seller's
page of rates (own rates only)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from countyhub.catalog.models import Unit
from countyhub.core.models import AuditEntry
from countyhub.shop.errors import IdempotencyConflictError, ShopError, ShopErrorCode
from countyhub.shop.models import DeliveryMethod, Order, ShippingRate
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout
from countyhub.shop.services.shipping import (
    choose_rate,
    quote_seller,
    quote_shipping,
    rate_fee,
    save_shipping_rate,
)
from tests.api.conftest import ApiClient
from tests.factories.catalog import ProductFactory, SellerFactory

D = Decimal
HOME = DeliveryMethod.HOME
STATION = DeliveryMethod.STATION


def rate(**fields):
    """An unsaved rate: the fee arithmetic needs no database."""
    values = {
        "delivery_method": HOME,
        "region_code": "",
        "first_weight": D("1"),
        "first_fee": D("8.00"),
        "additional_fee": D("3.00"),
        "free_above": None,
    }
    values.update(fields)
    return ShippingRate(**values)


@pytest.mark.parametrize(
    ("weight", "fee"),
    [
        (D("0"), D("8.00")),
        (D("0.5"), D("8.00")),
        (D("1"), D("8.00")),  # exactly the first weight: no additional kilogram
        (D("1.001"), D("11.00")),  # any part of a kilogram counts as one
        (D("2"), D("11.00")),
        (D("2.5"), D("14.00")),
        (D("10"), D("35.00")),
    ],
)
def test_weight_bands_charge_the_first_weight_then_each_started_kilogram(weight, fee):
    assert rate_fee(rate(), goods_total=D("50.00"), weight=weight) == (fee, False)


def test_a_first_weight_above_one_kilogram_covers_heavier_parcels():
    three_kilos = rate(first_weight=D("3"), first_fee=D("12.00"), additional_fee=D("2.00"))
    assert rate_fee(three_kilos, goods_total=D("1"), weight=D("3"))[0] == D("12.00")
    assert rate_fee(three_kilos, goods_total=D("1"), weight=D("3.2"))[0] == D("14.00")


@pytest.mark.parametrize(
    ("goods", "fee", "waived"),
    [
        (D("98.99"), D("17.00"), False),  # 4 kg: the first one and three more
        (D("99.00"), D("0.00"), True),  # exactly the amount ships free (满99包邮)
        (D("150.00"), D("0.00"), True),
    ],
)
def test_free_shipping_from_the_threshold_exactly(goods, fee, waived):
    assert rate_fee(rate(free_above=D("99.00")), goods_total=goods, weight=D("4")) == (
        fee,
        waived,
    )


def test_the_longest_matching_region_prefix_wins():
    everywhere = rate(region_code="", first_fee=D("20.00"))
    guizhou = rate(region_code="52", first_fee=D("10.00"))
    qiannan = rate(region_code="5227", first_fee=D("6.00"))
    county = rate(region_code="522701", first_fee=D("3.00"))
    rates = [everywhere, guizhou, qiannan, county]
    assert choose_rate(rates, method=HOME, region_code="522701") is county
    assert choose_rate(rates, method=HOME, region_code="522702") is qiannan
    assert choose_rate(rates, method=HOME, region_code="520102") is guizhou
    assert choose_rate(rates, method=HOME, region_code="52") is guizhou
    assert choose_rate(rates, method=HOME, region_code="11") is everywhere
    # A city rate does not apply to a delivery known only by its province.
    assert choose_rate([qiannan], method=HOME, region_code="52") is None
    assert choose_rate(rates, method=STATION, region_code="") is None


@pytest.mark.django_db
def test_a_seller_without_a_rate_for_the_destination_is_refused_by_name():
    seller = SellerFactory(name="青山合作社")
    product = ProductFactory(seller=seller, county=seller.county)
    with pytest.raises(ShopError) as refused:
        quote_seller(
            seller=seller,
            rates=[rate(region_code="52")],
            lines={product: D("1")},
            method=HOME,
            region_code="11",
            station_fee=D("0"),
        )
    assert refused.value.code == ShopErrorCode.NO_SHIPPING_RATE
    assert refused.value.field == "delivery.region_code"
    assert "青山合作社" in refused.value.message
    assert "Beijing" in refused.value.message or "北京" in refused.value.message


@pytest.mark.django_db
def test_no_home_rates_means_prices_include_shipping_and_station_follows_county_policy():
    seller = SellerFactory()
    product = ProductFactory(seller=seller, county=seller.county, price=D("30.00"))
    lines = {product: D("2")}
    home = quote_seller(
        seller=seller, rates=[], lines=lines, method=HOME, region_code="52", station_fee=D("5")
    )
    station = quote_seller(
        seller=seller, rates=[], lines=lines, method=STATION, region_code="", station_fee=D("5")
    )
    own_station = quote_seller(
        seller=seller,
        rates=[rate(delivery_method=STATION, first_fee=D("2.00"), additional_fee=D("0"))],
        lines=lines,
        method=STATION,
        region_code="",
        station_fee=D("5"),
    )
    assert (home.fee, station.fee, own_station.fee) == (D("0.00"), D("5.00"), D("2.00"))
    assert home.goods_total == D("60.00")


@pytest.mark.django_db
def test_parcel_weight_comes_from_the_unit_or_the_products_shipping_weight():
    seller = SellerFactory()
    rice = ProductFactory(seller=seller, county=seller.county, unit=Unit.KILOGRAM)
    tea = ProductFactory(seller=seller, county=seller.county, unit=Unit.JIN)
    honey = ProductFactory(
        seller=seller, county=seller.county, unit=Unit.BOTTLE, shipping_weight=D("0.75")
    )
    (quote,) = quote_shipping(
        county=seller.county,
        lines={rice: D("2.5"), tea: D("3"), honey: D("2")},
        method=HOME,
    )
    assert quote.weight == D("2.5") + D("1.5") + D("1.5")


def home_rate(world, seller=None, **fields):
    values = {
        "county": world.county,
        "seller": seller or world.seller,
        "delivery_method": HOME,
        "region_code": "52",
        "first_fee": D("8.00"),
        "additional_fee": D("3.00"),
    }
    values.update(fields)
    return ShippingRate.objects.create(**values)


def home_delivery(region="52"):
    return DeliveryRequest(HOME, None, "王芳", "13800000000", "贵州省某县某村", region)


def test_checkout_stores_the_fee_on_each_order_and_its_payment(world):
    home_rate(world)  # world.product: box of 25.00, no weight: the first band
    home_rate(world, world.other_seller, first_fee=D("6.00"), free_above=D("50.00"))
    result = place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, "2"), LineRequest(world.other_product.pk, "2")],
        delivery=home_delivery("522701"),
        idempotency_key="ship-1",
    )
    first, second = result.orders
    assert (first.shipping_fee, first.total, first.payment.amount) == (
        D("8.00"),
        D("58.00"),
        D("58.00"),
    )
    assert first.goods_total == D("50.00")
    assert first.region_code == "522701"
    # The other seller's goods reach its free-shipping amount exactly.
    assert (second.shipping_fee, second.total) == (D("0.00"), D("50.00"))
    audit = AuditEntry.objects.get(action="order.placed", object_id=str(first.pk))
    assert audit.changes["shipping_fee"] == "8.00"


def test_a_missing_rate_refuses_the_checkout_before_anything_is_written(world):
    home_rate(world, region_code="52")
    with pytest.raises(ShopError) as refused:
        place_checkout(
            buyer=world.users["buyer"],
            lines=[LineRequest(world.product.pk, "1")],
            delivery=home_delivery("11"),
        )
    assert refused.value.code == ShopErrorCode.NO_SHIPPING_RATE
    assert world.seller.name in refused.value.message
    assert not Order.objects.exists()


def test_a_fee_other_than_the_one_shown_refuses_the_checkout(world):
    home_rate(world)
    with pytest.raises(ShopError) as refused:
        place_checkout(
            buyer=world.users["buyer"],
            lines=[LineRequest(world.product.pk, "1")],
            delivery=home_delivery(),
            shown_shipping_fee=D("0.00"),
        )
    assert refused.value.code == ShopErrorCode.SHIPPING_CHANGED
    result = place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, "1")],
        delivery=home_delivery(),
        shown_shipping_fee=D("8.00"),
    )
    assert result.orders[0].shipping_fee == D("8.00")


def test_the_fingerprint_covers_the_region_and_replays_keep_the_fee(world):
    home_rate(world)
    home_rate(world, region_code="11", first_fee=D("20.00"))
    buyer = world.users["buyer"]
    lines = [LineRequest(world.product.pk, "1")]
    first = place_checkout(buyer=buyer, lines=lines, delivery=home_delivery(), idempotency_key="r")
    # Shipping changes after the order: a replay still answers with the order as placed.
    ShippingRate.objects.update(first_fee=D("99.00"))
    replay = place_checkout(buyer=buyer, lines=lines, delivery=home_delivery(), idempotency_key="r")
    assert replay.replayed
    assert replay.orders[0].shipping_fee == first.orders[0].shipping_fee == D("8.00")
    with pytest.raises(IdempotencyConflictError):
        place_checkout(buyer=buyer, lines=lines, delivery=home_delivery("11"), idempotency_key="r")


def test_station_delivery_pays_the_countys_flat_fee(world):
    world.county.station_delivery_fee = D("2.00")
    world.county.save()
    result = place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, "1")],
        delivery=DeliveryRequest(STATION, world.station.pk, "王芳", "13800000000"),
    )
    assert (result.orders[0].shipping_fee, result.orders[0].total) == (D("2.00"), D("27.00"))


def test_an_invalid_region_code_is_refused_on_its_field(world):
    with pytest.raises(ShopError) as refused:
        place_checkout(
            buyer=world.users["buyer"],
            lines=[LineRequest(world.product.pk, "1")],
            delivery=home_delivery("5"),
        )
    assert refused.value.code == ShopErrorCode.INVALID_REGION
    assert refused.value.field == "delivery.region_code"


def test_the_api_order_carries_its_shipping_fee(world, client):
    api_as = lambda user: ApiClient(client, user)  # noqa: E731 the API tests' client
    home_rate(world)
    body = {
        "lines": [{"product_id": world.product.pk, "quantity": "1"}],
        "delivery": {"method": "home", "address": "贵阳", "region_code": "5201"},
    }
    response = api_as(world.users["buyer"]).post(
        "/api/orders", body, headers={"Idempotency-Key": "api-ship"}
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["goods_total"], data["shipping_fee"], data["total"]) == ("25.00", "8.00", "33.00")
    assert data["delivery"]["region_code"] == "5201"
    refused = api_as(world.users["buyer"]).post(
        "/api/orders",
        {**body, "delivery": {**body["delivery"], "region_code": "11"}},
        headers={"Idempotency-Key": "api-ship-2"},
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "no_shipping_rate"


# --- pages -------------------------------------------------------------------------------


def put_in_cart(client, world, quantity="2"):
    client.post(
        reverse("shop:cart_add", args=[world.county.slug, world.product.pk]),
        {"quantity": quantity},
    )


def test_cart_and_checkout_show_the_fee_before_ordering(world, client):
    home_rate(world, region_code="", first_fee=D("7.00"))
    world.county.station_delivery_fee = D("1.50")
    world.county.save()
    client.force_login(world.users["buyer"])
    put_in_cart(client, world)
    cart = client.get(reverse("shop:cart", args=[world.county.slug])).content.decode()
    # No default delivery yet: the cart shows pick-up at a station, by county policy.
    assert "¥1.50" in cart
    assert "¥51.50" in cart
    page = client.get(reverse("shop:checkout", args=[world.county.slug])).content.decode()
    assert 'name="shown_shipping_fee" value="1.50"' in page
    assert world.seller.name in page


def test_checkout_page_asks_again_when_the_delivery_changes_the_fee(world, client):
    home_rate(world, region_code="", first_fee=D("7.00"))
    client.force_login(world.users["buyer"])
    put_in_cart(client, world)
    url = reverse("shop:checkout", args=[world.county.slug])
    form = {
        "delivery_method": "home",
        "recipient_name": "王芳",
        "phone": "13800000000",
        "address": "贵阳市某路1号",
        "region_code": "52",
        "payment_method": "cash_on_delivery",
        "idempotency_key": "page-ship",
        "shown_shipping_fee": "0.00",  # the page showed station pick-up, free
    }
    again = client.post(url, form)
    assert again.status_code == 200
    assert not Order.objects.exists()
    page = again.content.decode()
    assert 'name="shown_shipping_fee" value="7.00"' in page
    assert "¥57.00" in page
    placed = client.post(url, {**form, "shown_shipping_fee": "7.00"})
    assert placed.status_code == 302
    order = Order.objects.get()
    assert (order.shipping_fee, order.total, order.region_code) == (D("7.00"), D("57.00"), "52")
    detail = client.get(reverse("shop:order", args=[order.number])).content.decode()
    assert 'id="shipping-fee">¥7.00' in detail


def test_the_checkout_requotes_shipping_when_the_delivery_changes(world, client):
    home_rate(world, first_fee=D("7.00"))
    client.force_login(world.users["buyer"])
    put_in_cart(client, world)
    url = reverse("shop:checkout", args=[world.county.slug])
    quote = client.get(
        url, {"delivery_method": "home", "region_code": "52"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "¥57.00" in quote
    assert 'id="shown-shipping-fee" name="shown_shipping_fee" value="7.00" hx-swap-oob' in quote
    elsewhere = client.get(
        url, {"delivery_method": "home", "region_code": "11"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert 'id="shipping-refusal"' in elsewhere
    assert world.seller.name in elsewhere


def test_the_seller_manages_its_own_rates_with_an_audit(world, client):
    staff = world.users["seller_staff"]
    client.force_login(staff)
    url = reverse("shop:shipping_rates")
    response = client.post(
        url,
        {
            "seller": world.seller.pk,
            "delivery_method": "home",
            "region_code": "52",
            "region_name": "",
            "first_weight": "1",
            "first_fee": "8.00",
            "additional_fee": "3.00",
            "free_above": "99.00",
        },
    )
    assert response.status_code == 302, response.content.decode()
    saved = ShippingRate.objects.get(seller=world.seller)
    assert (saved.county, saved.region_name) == (world.county, "")
    assert saved.destination in {"Guizhou", "贵州省"}
    assert AuditEntry.objects.filter(action="shippingrate.created", actor=staff).exists()
    edit = reverse("shop:shipping_rate_edit", args=[saved.pk])
    client.post(
        edit,
        {
            "seller": world.seller.pk,
            "delivery_method": "home",
            "region_code": "52",
            "region_name": "贵州",
            "first_weight": "1",
            "first_fee": "9.00",
            "additional_fee": "3.00",
            "free_above": "",
        },
    )
    saved.refresh_from_db()
    assert (saved.first_fee, saved.free_above) == (D("9.00"), None)
    assert AuditEntry.objects.filter(action="shippingrate.changed").exists()
    assert "贵州" in client.get(url).content.decode()
    client.post(reverse("shop:shipping_rate_delete", args=[saved.pk]))
    assert not ShippingRate.objects.exists()
    assert AuditEntry.objects.filter(action="shippingrate.deleted").exists()


def test_a_seller_cannot_see_change_or_delete_another_sellers_rates(world, client):
    theirs = home_rate(world, world.other_seller)
    client.force_login(world.users["seller_staff"])
    assert client.get(reverse("shop:shipping_rate_edit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("shop:shipping_rate_delete", args=[theirs.pk])).status_code == 404
    assert "shipping-rates" in client.get(reverse("shop:shipping_rates")).content.decode()
    assert str(theirs.first_fee) not in client.get(reverse("shop:shipping_rates")).content.decode()
    # Nor create one for the other seller by posting its id.
    response = client.post(
        reverse("shop:shipping_rates"),
        {
            "seller": world.other_seller.pk,
            "delivery_method": "home",
            "region_code": "11",
            "first_weight": "1",
            "first_fee": "1.00",
            "additional_fee": "0",
        },
    )
    assert response.status_code == 200
    assert ShippingRate.objects.filter(seller=world.other_seller).count() == 1
    ShippingRate.objects.filter(pk=theirs.pk).update(first_fee=D("8.00"))
    theirs.refresh_from_db()
    assert theirs.first_fee == D("8.00")


@pytest.mark.parametrize("role", ["buyer", "station_operator", "anonymous"])
def test_only_seller_staff_reach_the_rates_page(world, client, role):
    if world.users[role]:
        client.force_login(world.users[role])
    response = client.get(reverse("shop:shipping_rates"))
    assert response.status_code in {302, 403}
    if role != "anonymous":
        assert response.status_code == 403


def test_the_service_refuses_a_rate_of_a_seller_the_actor_does_not_staff(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        save_shipping_rate(
            actor=world.users["seller_staff"],
            rate=ShippingRate(seller=world.other_seller, delivery_method=HOME, first_fee=D("1.00")),
        )


def test_a_station_rate_with_a_region_and_a_duplicate_are_refused_on_their_field(world):
    staff = world.users["seller_staff"]
    with pytest.raises(ShopError) as station_region:
        save_shipping_rate(
            actor=staff,
            rate=ShippingRate(
                seller=world.seller, delivery_method=STATION, region_code="52", first_fee=D("1")
            ),
        )
    assert station_region.value.field == "region_code"
    home_rate(world)
    with pytest.raises(ShopError) as duplicate:
        save_shipping_rate(
            actor=staff,
            rate=ShippingRate(
                seller=world.seller, delivery_method=HOME, region_code="52", first_fee=D("1")
            ),
        )
    assert duplicate.value.code == ShopErrorCode.INVALID_SHIPPING_RATE
    with pytest.raises(ShopError) as bad_code:
        save_shipping_rate(
            actor=staff,
            rate=ShippingRate(
                seller=world.seller, delivery_method=HOME, region_code="520", first_fee=D("1")
            ),
        )
    assert bad_code.value.field == "region_code"


def test_a_remembered_home_delivery_keeps_its_province_for_the_next_quote(world, client):
    home_rate(world, first_fee=D("7.00"))  # Guizhou only
    client.force_login(world.users["buyer"])
    put_in_cart(client, world)
    url = reverse("shop:checkout", args=[world.county.slug])
    page = client.get(
        url, {"delivery_method": "home", "region_code": "52"}, headers={"HX-Request": "true"}
    )
    assert "¥57.00" in page.content.decode()
    client.post(
        url,
        {
            "delivery_method": "home",
            "recipient_name": "王芳",
            "phone": "13800000000",
            "address": "贵阳市某路1号",
            "region_code": "52",
            "payment_method": "cash_on_delivery",
            "remember": "on",
            "idempotency_key": "remember-region",
            "shown_shipping_fee": "7.00",
        },
    )
    assert world.users["buyer"].buyer_profile.region_code == "52"
    put_in_cart(client, world)
    cart = client.get(reverse("shop:cart", args=[world.county.slug])).content.decode()
    assert "¥57.00" in cart  # the default delivery to Guizhou, quoted before checkout
    # An API order without a delivery uses the remembered one, region and fee included.
    result = place_checkout(
        buyer=world.users["buyer"], lines=[LineRequest(world.product.pk, "1")], delivery=None
    )
    assert (result.orders[0].region_code, result.orders[0].shipping_fee) == ("52", D("7.00"))
