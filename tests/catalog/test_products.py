import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from countyhub.catalog import selectors, services
from countyhub.catalog.errors import CatalogError, CatalogErrorCode
from countyhub.catalog.models import Brand, Certification, CertificationKind, Stock
from countyhub.catalog.validators import parse_quantity, validate_gtin
from countyhub.core.models import AuditEntry
from tests.factories.catalog import ProductFactory


@pytest.mark.parametrize("gtin", ["6901234567892", "96385074", "00012345600012", "036000291452"])
def test_valid_gtins_pass(gtin):
    validate_gtin(gtin)


@pytest.mark.parametrize(
    ("gtin", "code"),
    [("6901234567893", "gtin_check"), ("12345", "gtin_format"), ("69012345678AB", "gtin_format")],
)
def test_bad_gtins_are_named(gtin, code):
    with pytest.raises(ValidationError) as caught:
        validate_gtin(gtin)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("raw", "decimal_allowed", "expected"),
    [("2", False, Decimal(2)), ("1.25", True, Decimal("1.25")), (" 3 ", True, Decimal(3))],
)
def test_quantities_parse(raw, decimal_allowed, expected):
    assert parse_quantity(raw, decimal_allowed=decimal_allowed) == expected


@pytest.mark.parametrize(
    ("raw", "decimal_allowed"),
    [("0", True), ("-1", True), ("1.5", False), ("x", True), ("0.0001", True)],
)
def test_bad_quantities_are_refused(raw, decimal_allowed):
    with pytest.raises(ValidationError):
        parse_quantity(raw, decimal_allowed=decimal_allowed)


def test_expired_certifications_stop_showing_by_themselves(world):
    product = world.product
    today = datetime.date(2026, 6, 1)
    for kind, until in [
        (CertificationKind.ORGANIC, datetime.date(2026, 5, 31)),
        (CertificationKind.GREEN_FOOD, datetime.date(2027, 1, 1)),
    ]:
        Certification.objects.create(
            county=world.county,
            product=product,
            kind=kind,
            number="N",
            issuer="中绿华夏",
            valid_from=datetime.date(2024, 1, 1),
            valid_until=until,
        )
    shown = selectors.current_certifications(product=product, today=today)
    assert [c.kind for c in shown] == [CertificationKind.GREEN_FOOD]
    later = selectors.current_certifications(product=product, today=datetime.date(2027, 1, 2))
    assert list(later) == []


def test_one_public_brand_per_county(world):
    Brand.objects.create(county=world.county, name="子品牌", slug="sub", parent=world.product.brand)
    with pytest.raises(IntegrityError), transaction.atomic():
        Brand.objects.create(county=world.county, name="第二个", slug="second")


def test_update_product_changes_price_and_stock_and_audits(world):
    actor = world.users["seller_staff"]
    services.update_product(
        product=world.product, actor=actor, price=Decimal("19.90"), stock_quantity=Decimal(35)
    )
    world.product.refresh_from_db()
    assert world.product.price == Decimal("19.90")
    assert Stock.objects.get(product=world.product).quantity == 35
    entry = AuditEntry.objects.get(action="product.updated")
    assert entry.actor == actor
    assert entry.changes["price"] == ["25.00", "19.90"]


def test_stock_cannot_drop_below_what_orders_hold(world):
    Stock.objects.filter(product=world.product).update(quantity=150, allocated=100)
    with pytest.raises(CatalogError) as caught:
        services.update_product(product=world.product, actor=None, stock_quantity=Decimal(99))
    assert (caught.value.code, caught.value.field) == (
        CatalogErrorCode.STOCK_BELOW_ALLOCATED,
        "stock",
    )
    assert "100" in caught.value.message  # not 1E+2


def test_search_finds_by_name_and_seller(world):
    product = ProductFactory(county=world.county, name="富硒大米", name_en="Selenium rice")
    found = selectors.storefront_products(county=world.county, q="rice")
    assert list(found) == [product]
    by_seller = selectors.storefront_products(county=world.county, q=product.seller.name)
    assert product in by_seller
    assert list(selectors.storefront_products(county=world.county, q="大米")) == [product]
