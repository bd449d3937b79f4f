"""The county administrator reads the 832 progress page on a 390-px phone, in English and
Chinese: the unit's reserved amount, what was accepted and paid, the progress bar (issue 16)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from countyhub.channels.gov832 import (
    AdminLevel,
    BuyerUnit,
    DocumentKind,
    Gov832County,
    QualificationDocument,
    Recommendation,
    UnitKind,
)
from countyhub.channels.procurement import file_reservation, pay_first, place_order
from countyhub.core.local_time import local_date
from tests.browser.test_buyer_and_seller import log_in
from tests.browser.test_seller_work import fits_the_phone

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEXT = {
    "en": {"language": "English", "title": "832 platform", "qualified": "yes"},
    "zh-hans": {"language": "简体中文", "title": "832 平台", "qualified": "是"},
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_county_admin_reads_832_progress_on_a_phone(
    world, live_server, browser, screenshots, language
):
    text = TEXT[language]
    today = local_date(timezone.now(), world.county)
    Gov832County.objects.create(county=world.county, is_832_county=True)
    Recommendation.objects.create(
        seller=world.seller, department="县乡村振兴局", recommended_on=today
    )
    for kind in DocumentKind:
        QualificationDocument.objects.create(
            seller=world.seller,
            kind=kind,
            number=kind.value,
            valid_from=today,
            valid_until=today + datetime.timedelta(days=365),
        )
    unit = BuyerUnit.objects.create(
        county=world.county,
        name="县第一中学食堂",
        kind=UnitKind.SCHOOL,
        level=AdminLevel.COUNTY,
        region_code="130732",
    )
    file_reservation(
        actor=None,
        unit=unit,
        year=today.year,
        canteen_food_total=Decimal(100000),
        percent=Decimal(10),
    )
    order = place_order(
        actor=None,
        unit=unit,
        seller=world.seller,
        number="832-1",
        amount=Decimal(2500),
        placed_on=today,
    )
    pay_first(actor=None, order=order, on=today)
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{live_server.url}/c/{world.county.slug}/")
    page.get_by_role("button", name=text["language"]).click()
    log_in(page, live_server, "county_admin-user")
    page.goto(f"{live_server.url}/c/{world.county.slug}/gov832/")
    assert text["title"] in page.locator("h1").inner_text()
    row = page.locator("#gov832-units tbody tr").first
    assert "10000.00" in row.inner_text()  # 100,000 × 10 %; paid first, not accepted yet: 0
    assert row.locator("progress").count() == 1
    suppliers = page.locator("#gov832-suppliers").inner_text()
    assert world.seller.name in suppliers and text["qualified"] in suppliers
    assert fits_the_phone(page)
    screenshots(page, "gov832")
