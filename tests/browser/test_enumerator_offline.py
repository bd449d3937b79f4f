"""On a phone with the network cut: an enumerator saves an answer, sees it queued, reconnects and
it arrives exactly once; the page and its queue survive a reload without network and a server that
is down, and an answer whose confirmation was lost on the way back is sent again and still makes
one answer (same instanceID, same XML)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import pytest
from playwright.sync_api import expect

from countyhub.catalog.models import Household
from countyhub.core.models import Role
from countyhub.surveys import services
from countyhub.surveys.models import Submission
from tests.factories.core import CountyFactory, MembershipFactory, UserFactory, VillageFactory
from tests.surveys.conftest import form_bytes

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture
def collecting(transactional_db):
    county = CountyFactory(name="青山县", name_en="Qingshan County", slug="qingshan")
    admin = UserFactory(username="survey-admin")
    MembershipFactory(user=admin, county=county, role=Role.COUNTY_ADMIN)
    enumerator = UserFactory(username="survey-enumerator")
    MembershipFactory(user=enumerator, county=county, role=Role.ENUMERATOR)
    questionnaire = services.import_questionnaire(
        actor=admin, county=county, content=form_bytes(), filename="household.md"
    )
    survey = services.create_survey(actor=admin, county=county, name="农户调查")
    services.add_wave(
        actor=admin,
        survey=survey,
        label="2022",
        year=2022,
        questionnaire=questionnaire,
        collecting=True,
    )
    village = VillageFactory(township__county=county)
    household = Household.objects.create(county=county, village=village, head_name="张三")
    services.assign_villages(actor=admin, user=enumerator, villages=[village])
    return household


def _fill(page, household, income: str) -> None:
    page.select_option("select[name='/data/household']", str(household.pk))
    page.check("input[name='/data/ec/ec1'][value='4']")
    page.check("input[name='/data/ec/ec2'][value='5']")
    page.check("input[name='/data/ec/ec3'][value='-99']")
    page.fill("input[name='/data/income']", income)
    page.click("button.save-answer")


def _send_now(page) -> None:
    """Press "send now" and wait until that round of sending has ended."""
    box = page.locator("#queue-box")
    expect(box).to_have_attribute("data-rounds", re.compile(r"\d+"))
    rounds = int(box.get_attribute("data-rounds"))
    page.click("#send-now")
    expect(box).to_have_attribute("data-rounds", str(rounds + 1))


def _collect_page(browser, live_server):
    """A phone's browser context, and its page of the enumerator's answers, logged in."""
    context = browser.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "survey-enumerator")
    page.fill("input[name=password]", "pass-word-123")
    page.click("#login")
    page.goto(f"{live_server.url}/c/qingshan/surveys/collect/")
    return context, page


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


class Gateway:
    """The network and the county's reverse proxy between the phone and the live server.
    "unreachable": no network, every connection is closed unanswered. Playwright's offline mode
    is an emulation per page and service worker, not a cut network: the browser's own update
    check of the service worker's script reaches the server through it, and in one run of about
    twenty on PostgreSQL an answer saved with the context offline (no route involved) did too, as
    answers had slipped past Playwright's routes before. Cut here, no request gets by.
    "down": the network is back but the application is not running, the proxy answers 503 to the
    submission endpoint and no post reaches the application.
    "loses answers": the application stores the post, the proxy's answer to the phone is a 504.
    "holds": a slow network, a post hangs until :meth:`release` says how the gateway then is."""

    OPEN, UNREACHABLE, DOWN, LOSES_ANSWERS = "open", "unreachable", "down", "loses answers"
    HOLDS = "holds"

    def __init__(self, application: WSGIApplication) -> None:
        self.application = application
        self.mode = self.OPEN
        self.holding = threading.Event()
        self.released = threading.Event()

    def hold(self) -> None:
        self.holding.clear()
        self.released.clear()
        self.mode = self.HOLDS

    def wait_until_holding(self) -> None:
        assert self.holding.wait(timeout=10), "no post reached the gateway"

    def release(self, mode: str) -> None:
        self.mode = mode
        self.released.set()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        submission = environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith(
            "/collect/submit"
        )
        if submission and self.mode == self.HOLDS:
            self.holding.set()
            self.released.wait(timeout=30)
        if not submission or self.mode == self.OPEN:
            return self.application(environ, start_response)
        if self.mode == self.LOSES_ANSWERS:
            response = self.application(environ, lambda status, headers, exc_info=None: None)
            b"".join(response)
            if hasattr(response, "close"):
                response.close()
        status = "503 Service Unavailable" if self.mode == self.DOWN else "504 Gateway Time-out"
        start_response(status, [("Content-Type", "text/html")])
        return [f"<html><body>{status}</body></html>".encode()]


@pytest.fixture
def gateway(live_server):
    server = live_server.thread.httpd
    application, handler = server.get_app(), server.RequestHandlerClass
    gate = Gateway(application)

    class Connection(handler):
        def parse_request(self) -> bool:
            # Checked once the request has arrived, so that a kept-alive connection is cut too.
            if gate.mode == Gateway.UNREACHABLE:
                self.close_connection = True
                return False
            return super().parse_request()

    server.set_app(gate)
    server.RequestHandlerClass = Connection
    yield gate
    # The live server is shared by the session: it is given back as it was.
    server.set_app(application)
    server.RequestHandlerClass = handler


def _go_offline(context, gateway: Gateway) -> None:
    """The phone loses the network: the server is cut off first, then the browser learns it."""
    gateway.mode = Gateway.UNREACHABLE
    context.set_offline(True)


def _go_online(context, gateway: Gateway, mode: str = Gateway.OPEN) -> None:
    """The network is back: the server is reachable before the browser's online event."""
    gateway.mode = mode
    context.set_offline(False)


def test_an_answer_saved_offline_arrives_once(
    live_server, browser, collecting, gateway, screenshots
):
    household = collecting
    context, page = _collect_page(browser, live_server)
    expect(page.locator("#queue-count")).to_have_text("0")
    assert _fits_the_phone(page)
    # The service worker that keeps the page for offline reloads is in place.
    assert page.evaluate("navigator.serviceWorker.ready.then(r => Boolean(r.active))")
    page.reload()  # now under the worker's control

    # Network cut: the answer waits on the phone.
    _go_offline(context, gateway)
    _fill(page, household, "32000")
    expect(page.locator("#queue-count")).to_have_text("1")
    # The round that tried to send it has ended (the online event below is then the only one to
    # start a round).
    expect(page.locator("#queue-box")).to_have_attribute("data-rounds", "2")
    expect(page.locator("#queue li")).to_have_count(1)
    screenshots(page, "queued-offline")
    assert not Submission.objects.exists()

    # Back online: the browser's online event sends it.
    _go_online(context, gateway)
    expect(page.locator("#queue-count")).to_have_text("0")
    answer = Submission.objects.get()
    assert answer.instance_id.startswith("uuid:") and answer.household == household
    assert answer.answers["ec"] == {"ec1": "4", "ec2": "5", "ec3": "-99"}
    assert answer.answers["income"] == "32000"

    # Another answer without network, the page reloaded without network: the service worker
    # gives the page back, the queue with it.
    _go_offline(context, gateway)
    _fill(page, household, "18000")
    expect(page.locator("#queue-count")).to_have_text("1")
    page.reload()
    expect(page.locator("#queue-count")).to_have_text("1")
    screenshots(page, "reloaded-offline")
    assert Submission.objects.count() == 1

    # The network is back but the county's server is down: the answer stays on the phone.
    _go_online(context, gateway, Gateway.DOWN)
    page.reload()
    expect(page.locator("#queue-box")).to_have_attribute("data-rounds", "1")
    expect(page.locator("#queue-count")).to_have_text("1")
    expect(page.locator("#queue .queue-error")).to_have_text("503")
    screenshots(page, "queued-after-reload")
    assert Submission.objects.count() == 1

    # The server takes it but the confirmation is lost: the page keeps it and sends it again.
    gateway.mode = Gateway.LOSES_ANSWERS
    _send_now(page)
    expect(page.locator("#queue-count")).to_have_text("1")
    expect(page.locator("#queue .queue-error")).to_have_text("504")
    assert Submission.objects.count() == 2
    gateway.mode = Gateway.OPEN
    _send_now(page)
    expect(page.locator("#queue-count")).to_have_text("0")
    assert Submission.objects.count() == 2
    assert sorted(answer.answers["income"] for answer in Submission.objects.all()) == [
        "18000",
        "32000",
    ]
    page.reload()
    expect(page.locator("#queue-count")).to_have_text("0")
    assert Submission.objects.count() == 2
    screenshots(page, "sent")
    context.close()


def test_a_trigger_during_a_hanging_send_sends_again_once_it_ends(
    live_server, browser, collecting, gateway
):
    """The online event, "send now" or a new answer while a post hangs: once it ends, one more
    round (one, however many came) sends what is still queued, without waiting for another."""
    household = collecting
    context, page = _collect_page(browser, live_server)
    box = page.locator("#queue-box")
    expect(box).to_have_attribute("data-rounds", "1")

    # The post hangs; the network comes back meanwhile; the post then fails (503).
    gateway.hold()
    _fill(page, household, "32000")
    gateway.wait_until_holding()
    page.evaluate("window.dispatchEvent(new Event('online'))")
    gateway.release(Gateway.DOWN)
    expect(box).to_have_attribute("data-rounds", "3")
    expect(page.locator("#queue-count")).to_have_text("1")
    assert not Submission.objects.exists()  # the second round met the server down too

    # The post of the queued answer hangs; a new answer is saved, "send now" pressed twice.
    gateway.hold()
    page.click("#send-now")
    gateway.wait_until_holding()
    _fill(page, household, "18000")
    page.click("#send-now")
    page.click("#send-now")
    gateway.release(Gateway.OPEN)
    expect(page.locator("#queue-count")).to_have_text("0")
    expect(box).to_have_attribute("data-rounds", "5")  # the round that hung, and one more
    assert sorted(answer.answers["income"] for answer in Submission.objects.all()) == [
        "18000",
        "32000",
    ]
    context.close()
