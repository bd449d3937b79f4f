"""On a phone: a seller packs units and a quantity into a case, puts it on a pallet, and whoever
scans the pallet's label sees what it holds. Screenshots go to test-artifacts/."""

from pathlib import Path

import pytest

from tests.factories.catalog import ProductFactory, SellerFactory
from tests.factories.core import CountyFactory, MembershipFactory, UserFactory, VillageFactory
from tests.factories.trace import make_batch

playwright = pytest.importorskip("playwright.sync_api")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "containers-phone"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture(autouse=True)
def _orm_beside_playwright(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are plain setup.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("browser tests need Chromium at /usr/bin/chromium")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def batch(transactional_db):
    from countyhub.core.models import Role

    county = CountyFactory(name="青山县", name_en="Qingshan County")
    village = VillageFactory(township__county=county, name="桃花村")
    seller = SellerFactory(county=county, village=village, name="青山猕猴桃合作社")
    product = ProductFactory(county=county, seller=seller, name="青山红心猕猴桃", unit="kg")
    user = UserFactory(username="kiwi-seller")
    MembershipFactory(user=user, county=county, role=Role.SELLER_STAFF)
    seller.staff.add(user)
    return make_batch(user, product, lot="KW2026B", quantity="50", serial_count=4)


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_seller_packs_a_case_and_a_pallet_on_a_phone(live_server, browser, batch):
    context = browser.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "kiwi-seller")
    page.fill("input[name=password]", "pass-word-123")
    page.click("#login")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/trace/")
    page.click("#containers-link")
    page.select_option("#id_batch", value=str(batch.pk))
    page.click("#pick-batch button")
    page.wait_for_selector("#step-form")
    boxes = page.locator("input[name=units]")
    assert boxes.count() == 4
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.fill("input[name=quantity]", "12.5")
    shot(page, "01-pack-case")
    page.click("#step-form button")
    page.wait_for_selector("#contents")
    case_sscc = page.text_content("#sscc").split()[-1]
    assert "12.5" in page.text_content("#contents")
    shot(page, "02-case")
    page.click("text=装箱与托盘")
    page.click("#pack-pallet")
    page.check("input[name=cases] >> nth=0")
    page.click("#step-form button")
    page.wait_for_selector("#contents")
    pallet_sscc = page.text_content("#sscc").split()[-1]
    shot(page, "03-pallet")
    # No horizontal scrolling on the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    buyer = browser.new_context(**PHONE, locale="zh-CN").new_page()
    buyer.goto(f"{live_server.url}/00/{pallet_sscc}")
    assert case_sscc in buyer.text_content("#contents")
    shot(buyer, "04-pallet-scanned")
    buyer.click("a.lot-link")
    buyer.wait_for_selector("#timeline")
    timeline = buyer.text_content("#timeline")
    assert f"(00) {pallet_sscc}" in timeline and f"(00) {case_sscc}" in timeline
    shot(buyer, "05-trace-page")
