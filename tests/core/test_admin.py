import csv
import io

import pytest

from countyhub.catalog.models import Stock
from countyhub.core.models import AuditEntry, Role
from countyhub.shop.models import OrderStatus
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout
from tests.factories.catalog import ProductFactory
from tests.factories.core import MembershipFactory, UserFactory


@pytest.fixture
def county_admin(world):
    user = world.users["county_admin"]
    user.is_staff = True
    user.save()
    return user


def test_county_admin_sees_only_their_county(world, client, county_admin):
    foreign = ProductFactory(name="外县商品")
    client.force_login(county_admin)
    page = client.get("/admin/catalog/product/").content.decode()
    assert world.product.name in page
    assert foreign.name not in page
    assert client.get(f"/admin/catalog/product/{foreign.pk}/change/").status_code == 302


def test_staff_without_a_county_role_is_kept_out(db, client):
    user = UserFactory(is_staff=True)
    MembershipFactory(user=user, role=Role.ANALYST)
    client.force_login(user)
    assert client.get("/admin/catalog/household/").status_code == 403


def test_editing_price_and_stock_in_admin_is_audited(world, client, county_admin):
    client.force_login(county_admin)
    product = world.product
    url = f"/admin/catalog/product/{product.pk}/change/"
    form = {
        "seller": product.seller_id,
        "brand": product.brand_id,
        "category": product.category_id,
        "name": product.name,
        "name_en": product.name_en,
        "unit": product.unit,
        "price": "31.50",
        "active": "on",
        "stock_quantity": "44",
        "certifications-TOTAL_FORMS": "0",
        "certifications-INITIAL_FORMS": "0",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Stock.objects.get(product=product).quantity == 44
    entry = AuditEntry.objects.get(action="product.updated")
    assert entry.changes["price"] == ["25.00", "31.50"]
    assert entry.actor == county_admin


def test_mark_paid_action_and_csv_export(world, client, county_admin):
    order = place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, "1")],
        delivery=DeliveryRequest("station", world.station.pk, "王芳", "1"),
        payment_method="bank_transfer",
    ).orders[0]
    client.force_login(county_admin)
    client.post("/admin/shop/order/", {"action": "mark_paid", "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    export = client.post(
        "/admin/shop/order/", {"action": "export_as_csv", "_selected_action": [order.pk]}
    )
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][0] == "number"
    assert rows[1][0] == order.number


def test_admin_filters_offer_only_the_administrators_counties(world, client, county_admin):
    from tests.factories.catalog import BrandFactory, SellerFactory
    from tests.factories.core import CountyFactory

    elsewhere = CountyFactory(name="远方县")
    ProductFactory(
        county=elsewhere,
        seller=SellerFactory(county=elsewhere, name="远方合作社"),
        brand=BrandFactory(county=elsewhere, name="远方品牌"),
    )
    client.force_login(county_admin)
    for url in ("/admin/catalog/product/", "/admin/catalog/seller/", "/admin/shop/order/"):
        html = client.get(url).content.decode()
        assert "远方" not in html, url
    assert world.seller.name in client.get("/admin/catalog/product/").content.decode()
    # A superuser's filters still offer every county.
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    assert "远方县" in client.get("/admin/catalog/product/").content.decode()
