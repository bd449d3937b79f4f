"""Sellers and households are deactivated, never deleted (issue 13): their orders, payouts and
links keep pointing to them, and the change is audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from countyhub.catalog import services
from countyhub.catalog.errors import CatalogError, CatalogErrorCode
from countyhub.catalog.models import Product, SellerHousehold
from countyhub.core.models import AuditEntry, Role
from countyhub.shop import selectors as shop_selectors
from tests.factories.catalog import HouseholdFactory


def test_deactivating_a_seller_takes_its_products_off_sale_and_is_audited(world):
    admin = world.users[Role.COUNTY_ADMIN]
    services.set_seller_active(actor=admin, seller=world.seller, active=False, reason="closed")
    world.seller.refresh_from_db()
    world.product.refresh_from_db()
    world.other_product.refresh_from_db()
    assert not world.seller.active
    assert not world.product.active
    assert world.other_product.active  # another seller's product is untouched
    entry = AuditEntry.objects.get(action="seller.deactivated")
    assert entry.changes["reason"] == "closed"
    assert entry.changes["products_off_sale"] == [world.product.pk]
    assert AuditEntry.objects.filter(action="product.updated", object_id=str(world.product.pk))


def test_an_inactive_sellers_products_cannot_go_back_on_sale(world):
    admin = world.users[Role.COUNTY_ADMIN]
    services.set_seller_active(actor=admin, seller=world.seller, active=False)
    world.product.refresh_from_db()
    with pytest.raises(CatalogError) as refused:
        services.update_product(product=world.product, actor=admin, active=True)
    assert refused.value.code == CatalogErrorCode.SELLER_INACTIVE
    assert not Product.objects.get(pk=world.product.pk).active
    services.set_seller_active(actor=admin, seller=world.seller, active=True)
    services.update_product(product=world.product, actor=admin, active=True)
    assert Product.objects.get(pk=world.product.pk).active
    assert AuditEntry.objects.filter(action="seller.activated").count() == 1


def test_the_storefront_no_longer_shows_an_inactive_sellers_product(
    client, world, django_capture_on_commit_callbacks
):
    url = reverse("catalog:product", args=[world.county.slug, world.product.pk])
    assert client.get(url).status_code == 200
    admin = world.users[Role.COUNTY_ADMIN]
    with django_capture_on_commit_callbacks(execute=True):  # the page cache is bumped on commit
        services.set_seller_active(actor=admin, seller=world.seller, active=False)
    assert client.get(url).status_code == 404


def test_a_deactivated_household_is_kept_but_not_linked_or_picked_anew(world):
    household = HouseholdFactory(county=world.county, village=world.station.village)
    SellerHousehold.objects.create(seller=world.seller, household=household, link="employs")
    operator = world.users[Role.STATION_OPERATOR]
    services.set_household_active(actor=operator, household=household, active=False)
    household.refresh_from_db()
    assert not household.active
    assert SellerHousehold.objects.filter(household=household).exists()  # kept
    link = SellerHousehold(seller=world.other_seller, household=household, link="buys_from")
    with pytest.raises(ValidationError) as refused:
        link.full_clean()
    assert "household" in refused.value.message_dict
    assert shop_selectors.households_matching(station=world.station, q=household.head_name) == []
    assert AuditEntry.objects.filter(action="household.deactivated").count() == 1


def test_only_the_villages_operator_or_county_staff_deactivate_a_household(world):
    household = HouseholdFactory(county=world.county, village=world.station.village)
    with pytest.raises(PermissionDenied):
        services.set_household_active(
            actor=world.users[Role.SELLER_STAFF], household=household, active=False
        )
    household.refresh_from_db()
    assert household.active


def test_admin_actions_deactivate_and_no_one_deletes(client, world):
    admin = world.users[Role.COUNTY_ADMIN]
    client.force_login(admin)
    changelist = reverse("admin:catalog_seller_changelist")
    response = client.post(
        changelist, {"action": "deactivate", "_selected_action": [world.seller.pk]}
    )
    assert response.status_code == 302
    world.seller.refresh_from_db()
    assert not world.seller.active
    page = client.get(reverse("admin:catalog_seller_change", args=[world.seller.pk]))
    assert b'name="active"' not in page.content  # only the actions change it
    assert (
        b"delete" not in client.get(changelist).content.split(b"<select")[1].split(b"</select>")[0]
    )
