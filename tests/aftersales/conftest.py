"""A paid bank-transfer order of two lines, and pictures to attach, for the after-sales tests."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from countyhub.catalog.models import Unit
from countyhub.shop import services
from countyhub.shop.models import DeliveryMethod, PaymentMethod
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout
from tests.factories.catalog import ProductFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english(settings):
    # Messages are asserted in English.
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def photo(name="broken.png", image_format="PNG", size=(64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{image_format}")


@pytest.fixture
def pears(world):
    """A second product of the world's seller: 20 kg at ¥12.50 a kg."""
    return ProductFactory(
        county=world.county,
        seller=world.seller,
        stock=20,
        price=Decimal("12.50"),
        unit=Unit.KILOGRAM,
    )


def place_paid(world, pears, *, apples="4", pear_boxes="3", ship=True):
    """Bank transfer: 4 × ¥25 apples + 3 × ¥12.50 pears = ¥137.50, paid (and shipped)."""
    result = place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, apples), LineRequest(pears.pk, pear_boxes)],
        delivery=DeliveryRequest(DeliveryMethod.STATION, world.station.pk),
        payment_method=PaymentMethod.BANK_TRANSFER,
    )
    order = result.orders[0]
    services.mark_order_paid(order=order, actor=world.users["county_admin"], reference="TX-1")
    if ship:
        services.ship_order(
            order=order, actor=world.users["seller_staff"], carrier="邮政", tracking_number="YZ9"
        )
    order.refresh_from_db()
    return order


def line_of(order, product):
    return order.lines.get(product=product)
