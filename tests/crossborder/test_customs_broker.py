"""The customs-broker role: a person of the declaring agent sees and downloads the county's
export declarations, documents and customs messages and imports customs' receipts; not the
export sales figures, the sellers' other pages, channels, orders or households; and nothing of
another county. Both ways, on the real views."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from countyhub.core.models import Role
from countyhub.core.services import grant_role
from countyhub.crossborder import services
from countyhub.crossborder.models import DeclarationStatus
from tests.factories.core import CountyFactory, UserFactory

from .setup import export_fields, ready, shop_order
from .test_receipts import ceb604, inventory_return

pytestmark = pytest.mark.django_db


@pytest.fixture
def export(world):
    made = ready(world)
    return services.create_export_order(
        actor=None, order=shop_order(world.seller, world.product), **export_fields(made)
    )


@pytest.fixture
def broker(world, client):
    user = UserFactory(username="broker")
    grant_role(
        actor=world.users["county_admin"], user=user, county=world.county, role=Role.CUSTOMS_BROKER
    )
    client.force_login(user)
    return user


def test_the_role_is_granted_as_every_other(world, broker):
    assert broker.memberships.get().role == Role.CUSTOMS_BROKER
    assert not broker.is_staff  # no admin site: households and sellers live there
    assert world.users["customs_broker"].memberships.get().get_role_display() == "customs broker"


def test_a_broker_sees_and_downloads_the_countys_declarations(world, export, broker, client):
    base = f"/c/{world.county.slug}/exports/"
    page = client.get(base)
    assert page.status_code == 200
    html = page.content.decode()
    assert export.order.number in html
    assert 'id="export-kpis"' not in html  # the sales figures are the county's and sellers'
    assert "report.csv" not in html and "receipts/" in html
    detail = client.get(f"{base}{export.pk}/").content.decode()
    assert "CEB303Message.xml" in detail and 'id="status-form"' not in detail
    for name in ("CEB303Message.xml", "CEB603Message.xml", "invoice.pdf", "packing-list.json"):
        response = client.get(f"{base}{export.pk}/{name}")
        assert response.status_code == 200, name
        assert response["Content-Disposition"].startswith("attachment;")
    # The header links the broker to the county's declarations.
    assert f'href="{base}"' in client.get(f"{base}{export.pk}/").content.decode()


def test_a_broker_imports_receipts(world, export, broker, client):
    url = f"/c/{world.county.slug}/exports/receipts/"
    xml = ceb604(inventory_return(export, 800, "20261209101500123", "放行"))
    upload = SimpleUploadedFile("r.xml", xml, content_type="application/xml")
    page = client.post(url, {"file": upload}, follow=True).content.decode()
    assert "1 receipt(s) added, 0 already recorded." in page
    (status,) = DeclarationStatus.objects.all()
    assert (status.code, status.actor) == (800, broker)


def test_a_broker_sees_nothing_else(world, export, broker, client):
    slug = world.county.slug
    refused = {
        f"/c/{slug}/exports/report.csv": 403,  # export sales and the poor households' share
        f"/c/{slug}/exports/products/{world.product.pk}/trade-data/": 403,
        f"/c/{slug}/channels/": 404,
        f"/c/{slug}/channels/sales.csv": 404,
        "/seller/": 403,
        "/seller/orders/": 403,
        f"/orders/{export.order.number}/": 404,
    }
    for url, status in refused.items():
        assert client.get(url).status_code == status, url
    # Recording a status by hand is the seller's and the county's, not the broker's.
    response = client.post(
        f"/c/{slug}/exports/{export.pk}/", {"code": 800, "at": "2026-12-09 10:00", "info": "x"}
    )
    assert response.status_code == 403
    # The admin site (households, sellers) is closed to a broker.
    response = client.get("/admin/catalog/household/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_broker_of_another_county_sees_nothing_here(world, export, client):
    outsider = UserFactory(username="broker-elsewhere")
    grant_role(actor=None, user=outsider, county=CountyFactory(), role=Role.CUSTOMS_BROKER)
    client.force_login(outsider)
    base = f"/c/{world.county.slug}/exports/"
    assert client.get(base).status_code == 403
    assert client.get(f"{base}{export.pk}/").status_code == 404
    assert client.get(f"{base}{export.pk}/CEB303Message.xml").status_code == 404
    xml = ceb604(inventory_return(export, 800, "20261209101500123", "放行"))
    upload = SimpleUploadedFile("r.xml", xml, content_type="application/xml")
    assert client.post(f"{base}receipts/", {"file": upload}).status_code == 403
    assert not DeclarationStatus.objects.exists()


def test_the_sellers_and_other_roles_still_do_not_import_receipts(world, export, client):
    url = f"/c/{world.county.slug}/exports/receipts/"
    for role in ("seller_staff", "analyst", "station_operator", "buyer"):
        client.force_login(world.users[role])
        assert client.get(url).status_code == 403, role
