"""The 832 platform: supplier qualification, listings' review, reserved shares, the procurement
orders' lifecycle, the units' progress and who sees the 832 page."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from countyhub.catalog.models import Certification, CertificationKind
from countyhub.channels.gov832 import (
    AdminLevel,
    BuyerUnit,
    Gov832County,
    ProcurementStatus,
    QualificationDocument,
    Recommendation,
    ReservedShareMinimum,
    UnitKind,
)
from countyhub.channels.models import ListingStatus
from countyhub.channels.procurement import (
    advance_order,
    file_reservation,
    is_priority,
    pay_first,
    place_order,
    progress,
    qualification,
)
from countyhub.channels.services import save_listing
from countyhub.core.models import AuditEntry

S = ProcurementStatus


def _pdf(name="验货单.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n% acceptance\n%%EOF\n")


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }


@pytest.fixture
def unit(world):
    return BuyerUnit.objects.create(
        county=world.county,
        name="县第一中学食堂",
        kind=UnitKind.SCHOOL,
        level=AdminLevel.COUNTY,
        region_code="130732",
    )


def test_qualified_only_while_recommended_and_documents_valid(world, qualified, today):
    assert qualification(qualified, today).qualified
    later = today + datetime.timedelta(days=31)  # the documents have expired
    found = qualification(qualified, later)
    assert not found.qualified
    assert "a valid business licence" in found.missing
    assert "a valid evidence of linking farmers" in found.missing
    other = qualification(world.other_seller, today)
    assert "a county department's recommendation" in other.missing


def test_not_an_832_county_is_not_qualified(world, qualified, today):
    Gov832County.objects.filter(county=world.county).update(is_832_county=False)
    assert qualification(qualified, today).missing == ["the county is not flagged as an 832 county"]


def test_listing_on_832_needs_a_qualified_seller_and_says_what_is_missing(world, qualified, fupin):
    with pytest.raises(ValidationError) as refused:
        save_listing(
            actor=world.users["county_admin"],
            channel=fupin,
            product=world.other_product,
            price=Decimal("30.00"),
            status=ListingStatus.LISTED,
        )
    message = refused.value.messages[0]
    assert "may not list on the 832 platform" in message
    assert "recommendation" in message and "business licence" in message
    # A draft may wait for the qualification.
    save_listing(
        actor=world.users["county_admin"],
        channel=fupin,
        product=world.other_product,
        price=Decimal("30.00"),
    )


def test_a_price_change_sends_the_832_listing_back_to_review(world, qualified, fupin):
    admin = world.users["county_admin"]
    listing = save_listing(
        actor=admin,
        channel=fupin,
        product=world.product,
        price=Decimal("30.00"),
        status=ListingStatus.LISTED,
    )
    assert listing.status == ListingStatus.LISTED
    same = save_listing(
        actor=admin,
        channel=fupin,
        product=world.product,
        price=Decimal("30.00"),
        status=ListingStatus.LISTED,
    )
    assert same.status == ListingStatus.LISTED
    changed = save_listing(
        actor=admin,
        channel=fupin,
        product=world.product,
        price=Decimal("32.50"),
        status=ListingStatus.LISTED,
    )
    assert changed.status == ListingStatus.READY


def test_green_organic_and_gi_products_have_priority(world, today):
    assert not is_priority(world.product, today)
    Certification.objects.create(
        county=world.county,
        product=world.product,
        kind=CertificationKind.GEOGRAPHICAL_INDICATION,
        number="AGI01234",
        issuer="农业农村部",
        valid_from=today - datetime.timedelta(days=1),
        valid_until=today + datetime.timedelta(days=1),
    )
    assert is_priority(world.product, today)


def test_reserved_share_at_least_the_regional_minimum(world, unit):
    admin = world.users["county_admin"]
    with pytest.raises(ValidationError, match="at least 10"):
        file_reservation(
            actor=admin, unit=unit, year=2026, canteen_food_total=Decimal(1000), percent=Decimal(9)
        )
    ReservedShareMinimum.objects.create(province_code="130000", percent=Decimal(15))
    with pytest.raises(ValidationError, match="at least 15"):
        file_reservation(
            actor=admin, unit=unit, year=2026, canteen_food_total=Decimal(1000), percent=Decimal(12)
        )
    reservation = file_reservation(
        actor=admin,
        unit=unit,
        year=2026,
        canteen_food_total=Decimal("1234567.89"),
        percent=Decimal("15.5"),
    )
    assert reservation.amount == Decimal("191358.02")  # 1,234,567.89 × 15.5 % = 191,358.0230
    assert AuditEntry.objects.filter(action="gov832.reservation_filed").count() == 1


STEPS = (S.PLACED, S.SHIPPED, S.RECEIVED, S.ACCEPTED, S.INVOICED, S.PAID, S.EVALUATED)


def _deliver(order, actor, day, until):
    """Advance `order` step by step from where it is until it reaches `until`."""
    for step in STEPS[STEPS.index(order.status) + 1 :]:
        if STEPS.index(order.status) >= STEPS.index(until):
            break
        order = advance_order(
            actor=actor, order=order, to=step, on=day, acceptance_record=_pdf(), rating=4
        )
    return order


def test_order_lifecycle_deliver_first_and_pay_first(world, qualified, unit, today):
    admin = world.users["county_admin"]
    order = place_order(
        actor=admin,
        unit=unit,
        seller=qualified,
        number="832-1",
        amount=Decimal("100.00"),
        placed_on=today,
    )
    with pytest.raises(ValidationError, match="cannot go from placed to accepted"):
        advance_order(actor=admin, order=order, to=S.ACCEPTED, on=today, acceptance_record=_pdf())
    order = _deliver(order, admin, today, S.RECEIVED)
    with pytest.raises(ValidationError, match="acceptance record"):
        advance_order(actor=admin, order=order, to=S.ACCEPTED, on=today)
    order = _deliver(order, admin, today, S.EVALUATED)
    assert (order.status, order.rating, order.paid_on) == (S.EVALUATED, 4, today)
    assert order.acceptance_record.storage.exists(order.acceptance_record.name)
    assert order.acceptance_record.name.endswith(".pdf")

    first = place_order(
        actor=admin,
        unit=unit,
        seller=qualified,
        number="832-2",
        amount=Decimal("50.00"),
        placed_on=today,
    )
    first = pay_first(actor=admin, order=first, on=today)
    with pytest.raises(ValidationError, match="only once"):
        pay_first(actor=admin, order=first, on=today)
    first = _deliver(first, admin, today, S.INVOICED)
    assert first.status == S.PAID  # paid before delivery: the invoice settles it
    disputed = advance_order(
        actor=admin, order=first, to=S.DISPUTED, on=today, dispute_reason="部分破损"
    )
    assert disputed.status == S.DISPUTED
    assert AuditEntry.objects.filter(action__startswith="gov832.order").count() == 14


def test_unqualified_seller_cannot_take_orders(world, qualified, unit, today):
    with pytest.raises(ValidationError, match="may not list"):
        place_order(
            actor=world.users["county_admin"],
            unit=unit,
            seller=world.other_seller,
            number="832-9",
            amount=Decimal("10.00"),
            placed_on=today,
        )


def test_progress_counts_accepted_and_paid_of_the_year(world, qualified, unit):
    admin = world.users["county_admin"]
    day = datetime.date(2026, 3, 2)
    file_reservation(
        actor=admin,
        unit=unit,
        year=2026,
        canteen_food_total=Decimal("1200000"),
        percent=Decimal(15),
    )  # reserved 180,000.00
    # Qualification is checked on the day of each order: valid from 2025 on.
    QualificationDocument.objects.filter(seller=qualified).update(
        valid_from=datetime.date(2025, 1, 1), valid_until=datetime.date(2027, 12, 31)
    )
    Recommendation.objects.filter(seller=qualified).update(recommended_on=datetime.date(2025, 1, 1))

    def order(number, amount, placed_on=day):
        return place_order(
            actor=admin,
            unit=unit,
            seller=qualified,
            number=number,
            amount=Decimal(amount),
            placed_on=placed_on,
        )

    _deliver(order("A", "10000.00"), admin, day, S.PAID)  # counts: 10,000.00
    b = pay_first(actor=admin, order=order("B", "5000.50"), on=day)
    _deliver(b, admin, day, S.ACCEPTED)  # paid first and accepted: counts 5,000.50
    _deliver(order("C", "7000.00"), admin, day, S.INVOICED)  # not paid yet
    pay_first(actor=admin, order=order("D", "900.00"), on=day)  # paid, not accepted
    last_year = datetime.date(2025, 12, 20)
    _deliver(order("E", "3000.00", last_year), admin, last_year, S.PAID)  # paid in 2025
    [row] = progress(county_id=world.county.pk, year=2026, today=datetime.date(2026, 12, 31))
    assert row.reserved == Decimal("180000.00")
    assert row.done == Decimal("15000.50")
    assert row.share == Decimal("15000.50") / Decimal("180000.00")
    # Year to date: before 2 March nothing of 2026 was paid.
    [early] = progress(county_id=world.county.pk, year=2026, today=datetime.date(2026, 3, 1))
    assert early.done == 0


def test_832_page_admin_sees_units_seller_only_its_own_other_county_nothing(
    client, world, qualified, unit, today
):
    file_reservation(
        actor=None,
        unit=unit,
        year=today.year,
        canteen_food_total=Decimal(1000),
        percent=Decimal(10),
    )
    url = f"/c/{world.county.slug}/gov832/"
    client.force_login(world.users["county_admin"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert "县第一中学食堂" in text and world.other_seller.name in text
    client.force_login(world.users["seller_staff"])
    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert world.seller.name in text and "N-business_licence" in text
    assert world.other_seller.name not in text and "县第一中学食堂" not in text
    client.force_login(world.users["other_county_admin"])
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
