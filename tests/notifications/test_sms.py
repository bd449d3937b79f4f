"""The Aliyun SMS provider signs its requests as Aliyun documents, checked against a real HTTP
server on 127.0.0.1 that verifies the signature the way the gateway does."""

from __future__ import annotations

import datetime
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from countyhub.notifications.models import Channel, Kind, Notification, NotificationContact, Status
from countyhub.notifications.providers import (
    AliyunSms,
    ConsoleSms,
    DeliveryError,
    aliyun_signature,
    sms_provider,
)
from countyhub.shop import services
from countyhub.shop.models import DeliveryMethod
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout

SECRET = "local-test-secret"


def test_the_signature_of_aliyuns_documented_example():
    # The worked example of Aliyun's "SendSms" signature documentation (Format=XML, OutId=123).
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert aliyun_signature(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


class Gateway(BaseHTTPRequestHandler):
    """Answers as Dysmsapi does: OK for a correctly signed, fresh SendSms; an error otherwise."""

    received: list[dict[str, str]]

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        self.received.append(query)
        signature = query.pop("Signature", "")
        sent_at = datetime.datetime.fromisoformat(query["Timestamp"])  # "...Z": in UTC
        fresh = abs(datetime.datetime.now(datetime.UTC) - sent_at) < datetime.timedelta(minutes=15)
        if url.path != "/" or signature != aliyun_signature(query, SECRET):
            self._answer(400, {"Code": "SignatureDoesNotMatch", "Message": "bad signature"})
        elif not fresh or query.get("Action") != "SendSms":
            self._answer(400, {"Code": "InvalidTimeStamp.Expired", "Message": "stale"})
        else:
            self._answer(200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0"})

    def _answer(self, status: int, body: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[tuple[str, list[dict[str, str]]]]:
    received: list[dict[str, str]] = []
    handler = type("RecordingGateway", (Gateway,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", received
    server.shutdown()
    server.server_close()
    thread.join()


def provider(endpoint: str, secret: str = SECRET) -> AliyunSms:
    return AliyunSms(
        access_key_id="LTAI-local",
        access_key_secret=secret,
        sign_name="县域电商",
        templates={Kind.ORDER_SHIPPED: "SMS_000001"},
        endpoint=endpoint,
    )


def test_a_signed_request_is_accepted_by_the_gateway(gateway):
    endpoint, received = gateway
    params = {"number": "20250101-000001-1", "carrier": "邮政", "tracking_number": "YZ1"}
    biz_id = provider(endpoint).send(
        phone="13800000000", text="…", kind=Kind.ORDER_SHIPPED, params=params
    )
    assert biz_id == "900619746936498440^0"
    (query,) = received
    assert query["PhoneNumbers"] == "13800000000"
    assert query["SignName"] == "县域电商"
    assert query["TemplateCode"] == "SMS_000001"
    assert json.loads(query["TemplateParam"]) == params
    assert query["SignatureMethod"] == "HMAC-SHA1" and query["Version"] == "2017-05-25"


def test_a_wrong_secret_is_refused_with_the_gateways_reason(gateway):
    endpoint, _received = gateway
    with pytest.raises(DeliveryError, match="SignatureDoesNotMatch"):
        provider(endpoint, secret="wrong").send(
            phone="13800000000", text="…", kind=Kind.ORDER_SHIPPED, params={}
        )


def test_a_kind_without_a_registered_template_is_not_sent(gateway):
    endpoint, received = gateway
    with pytest.raises(DeliveryError, match="no Aliyun SMS template"):
        provider(endpoint).send(phone="1", text="…", kind=Kind.ORDER_PLACED, params={})
    assert received == []


def test_settings_choose_the_provider(settings, gateway):
    endpoint, _received = gateway
    assert isinstance(sms_provider(), ConsoleSms)
    settings.COUNTYHUB_SMS_PROVIDER = "aliyun"
    settings.COUNTYHUB_ALIYUN_SMS = {
        "ACCESS_KEY_ID": "LTAI-local",
        "ACCESS_KEY_SECRET": SECRET,
        "SIGN_NAME": "县域电商",
        "TEMPLATES": {},
        "ENDPOINT": endpoint,
    }
    chosen = sms_provider()
    assert isinstance(chosen, AliyunSms) and chosen.endpoint == endpoint


def test_a_shipped_order_reaches_the_buyers_phone_through_aliyun(
    world, settings, gateway, django_capture_on_commit_callbacks
):
    endpoint, received = gateway
    settings.COUNTYHUB_SMS_PROVIDER = "aliyun"
    settings.COUNTYHUB_ALIYUN_SMS = {
        "ACCESS_KEY_ID": "LTAI-local",
        "ACCESS_KEY_SECRET": SECRET,
        "SIGN_NAME": "县域电商",
        "TEMPLATES": {Kind.ORDER_SHIPPED: "SMS_000001"},
        "ENDPOINT": endpoint,
    }
    buyer = world.users["buyer"]
    NotificationContact.objects.create(user=buyer, language="zh-hans", phone="13800000000")
    order = place_checkout(
        buyer=buyer,
        lines=[LineRequest(world.product.pk, "1")],
        delivery=DeliveryRequest(DeliveryMethod.HOME, None, "王芳", "13800000000", "县城路1号"),
    ).orders[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.ship_order(
            order=order, actor=world.users["seller_staff"], carrier="邮政", tracking_number="YZ1"
        )
    sms = Notification.objects.get(kind=Kind.ORDER_SHIPPED, channel=Channel.SMS)
    assert (sms.status, sms.address) == (Status.SENT, "13800000000")
    assert sms.sent_at <= timezone.now()
    assert [json.loads(q["TemplateParam"])["tracking_number"] for q in received] == ["YZ1"]
