"""On a phone: a seller records a batch from planting to packing, prints labels, and a buyer who
opens the QR code's URI sees the whole timeline. Screenshots go to test-artifacts/."""

import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from countyhub.catalog.models import Certification
from tests.factories.catalog import ProductFactory, SellerFactory
from tests.factories.core import CountyFactory, MembershipFactory, UserFactory, VillageFactory
from tests.factories.trace import trace_profile

playwright = pytest.importorskip("playwright.sync_api")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture(autouse=True)
def _orm_beside_playwright(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are plain
    # setup. Only for this test: the variable must not leak into other tests' subprocesses.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def seller_account(transactional_db):
    from countyhub.core.models import Role

    county = CountyFactory(name="青山县", name_en="Qingshan County")
    village = VillageFactory(township__county=county, name="桃花村")
    seller = SellerFactory(county=county, village=village, name="青山猕猴桃合作社")
    product = ProductFactory(
        county=county, seller=seller, name="青山红心猕猴桃", name_en="Red kiwi", unit="kg"
    )
    Certification.objects.create(
        county=county,
        product=product,
        kind="green_food",
        number="LB-18-2401",
        issuer="中国绿色食品发展中心",
        valid_from="2024-01-01",
        valid_until="2030-12-31",
    )
    trace_profile(county)
    user = UserFactory(username="kiwi-seller")
    MembershipFactory(user=user, county=county, role=Role.SELLER_STAFF)
    seller.staff.add(user)
    return user


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"trace-{name}.png"), full_page=True)


def submit_step(page, step):
    page.click(f"#step-{step}")
    page.wait_for_selector("#step-form")


def test_seller_records_and_buyer_scans(live_server, browser, seller_account, tmp_path):
    context = browser.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "kiwi-seller")
    page.fill("input[name=password]", "pass-word-123")
    page.click("#login")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/trace/")
    page.click("#new-batch")
    page.select_option("select[name=product]", label="青山红心猕猴桃")
    page.fill("input[name=lot]", "KW2026A")
    page.fill("input[name=quantity]", "250")
    page.fill("input[name=plot]", "桃花村3号地")
    page.fill("input[name=expiry_date]", "2027-03-31")
    page.fill("input[name=latitude]", "26.5812")
    page.fill("input[name=longitude]", "106.7133")
    shot(page, "01-new-batch")
    page.click("#batch-form button")
    page.wait_for_selector("#events")

    submit_step(page, "planting")
    assert page.input_value("input[name=crop]") == "青山红心猕猴桃"  # my product by default
    page.fill("input[name=event_time]", "2026-03-01T08:00")
    page.fill("input[name=variety]", "红阳")
    shot(page, "02-planting")
    page.click("#step-form button")
    page.wait_for_selector("#events li.planting")

    # Harvest with no signal: nothing is sent, the entries stay on the phone.
    submit_step(page, "harvest")
    assert page.input_value("input[name=quantity_kg]") == "250.0"
    page.fill("input[name=event_time]", "2026-10-05T09:30")
    page.fill("input[name=quantity_kg]", "240")
    context.set_offline(True)
    page.click("#step-form button")
    page.wait_for_selector("#offline", state="visible")
    shot(page, "03-harvest-offline")
    context.set_offline(False)
    page.reload()
    page.wait_for_selector("#draft-note", state="visible")
    assert page.input_value("input[name=quantity_kg]") == "240"
    # A refused submit (weight 0) comes back with the field named and the rest kept.
    page.fill("input[name=quantity_kg]", "0")
    page.click("#step-form button")
    page.wait_for_selector(".errorlist")
    assert page.input_value("input[name=event_time]") == "2026-10-05T09:30"
    page.fill("input[name=quantity_kg]", "240")
    page.click("#step-form button")
    page.wait_for_selector("#events li.harvest")
    assert page.evaluate("Object.keys(localStorage).filter(k => k.includes('harvest'))") == []

    submit_step(page, "inspection")
    page.fill("input[name=event_time]", "2026-10-06T10:00")
    page.fill("input[name=report_number]", "QS-2026-118")
    page.fill("input[name=issuer]", "青山县农产品质量安全检测站")
    # Nothing pre-ticked or pre-chosen: the inspector ticks what was checked and the result.
    assert not page.is_checked("input[name=certifications]")  # the valid green-food certificate
    page.check("input[name=certifications]")
    page.select_option("select[name=result]", "pass")
    shot(page, "04-inspection")
    page.click("#step-form button")
    page.wait_for_selector("#events li.inspection")

    submit_step(page, "packing")
    page.fill("input[name=event_time]", "2026-10-07T14:00")
    page.fill("input[name=packhouse]", "县电商分拣中心")
    page.click("#step-form button")
    page.wait_for_selector("#events li.packing")
    shot(page, "05-batch-recorded")

    # Labels: a single PNG label and an A4 sheet, as the seller downloads them.
    uri = page.inner_text("#uri")
    png = page.request.get(live_server.url + page.get_attribute("#label-png", "href"))
    assert png.ok and png.headers["content-type"] == "image/png"
    label = ARTIFACTS / "trace-06-label.png"
    label.write_bytes(png.body())
    page.fill("#sheet-form input[name=rows]", "5")
    page.fill("#sheet-form input[name=columns]", "2")
    page.fill("#sheet-form input[name=count]", "10")
    # The sheet is made in the background: the job's page offers the PDF once it is made.
    page.click("#sheet-form button")
    page.wait_for_url("**/jobs/*/")
    page.wait_for_selector("#job-file", timeout=60_000)
    assert "labels-" in page.inner_text("#job-file")
    pdf = page.request.get(live_server.url + page.get_attribute("#job-file", "href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    (ARTIFACTS / "trace-07-label-sheet.pdf").write_bytes(pdf.body())
    scanned = subprocess.run(
        ["zbarimg", "--raw", "-q", str(label)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert scanned == uri

    # A buyer scans the QR code: countyhub serves the Digital Link path.
    buyer = browser.new_context(**PHONE, locale="en-US")
    buyer_page = buyer.new_page()
    link = urlsplit(scanned)
    buyer_page.goto(f"{live_server.url}{link.path}")
    buyer_page.wait_for_selector("#timeline")
    buyer_page.click(".lang button[value=en]")
    buyer_page.wait_for_selector("#timeline")
    timeline = buyer_page.inner_text("#timeline")
    for step in ("planting", "harvest", "inspection", "packing"):
        assert step in timeline.lower()
    assert "240 kg" in timeline
    assert buyer_page.is_visible("#authentic")
    assert "LB-18-2401" in buyer_page.inner_text("#certifications")
    assert "conformant" in buyer_page.inner_text("#inspections")
    assert buyer_page.is_visible("svg.route")
    shot(buyer_page, "08-buyer-trace-page")
    buyer_page.goto(f"{live_server.url}/01/09520123456789/10/NOPE")
    assert buyer_page.is_visible("text=We could not find this product")
    shot(buyer_page, "09-buyer-bad-code")
    context.close()
    buyer.close()
