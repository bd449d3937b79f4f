"""How a message leaves: e-mail through Django's e-mail back end, text messages through an
`SmsProvider` chosen by `COUNTYHUB_SMS_PROVIDER`, like the shop's payment providers.

Built in: `console` (development and the demo: prints the message, sends nothing) and `aliyun`
(阿里云短信服务 Dysmsapi `SendSms`, signed with the RPC signature, version 1.0, HMAC-SHA1).
Aliyun sends only registered templates: `COUNTYHUB_ALIYUN_SMS_TEMPLATES` names the template code
per kind, filled with the notification's `params`.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Protocol, TextIO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail


class DeliveryError(Exception):
    """The provider refused or could not be reached; the message is retried later."""


class SmsProvider(Protocol):
    def send(self, *, phone: str, text: str, kind: str, params: dict[str, str]) -> str:
        """Send one text message; returns the provider's id for it, raises DeliveryError."""
        ...


def send_email(*, address: str, subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=False)


class ConsoleSms:
    """Prints the message as Django's console e-mail back end prints mails."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, *, phone: str, text: str, kind: str, params: dict[str, str]) -> str:
        stream = self.stream or sys.stdout
        stream.write(f"SMS to {phone} ({kind}):\n{text}\n{'-' * 79}\n")
        stream.flush()
        return ""


def percent_encode(value: str) -> str:
    """Aliyun's encoding: RFC 3986, UTF-8, only A-Z a-z 0-9 - _ . ~ left as they are."""
    return urllib.parse.quote(value, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    """The `Signature` of an Aliyun RPC request (SignatureVersion 1.0, HMAC-SHA1)."""
    canonical = "&".join(
        f"{percent_encode(key)}={percent_encode(params[key])}" for key in sorted(params)
    )
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSms:
    """阿里云短信服务 (Dysmsapi 2017-05-25) `SendSms` over its RPC HTTP API."""

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        templates: dict[str, str],
        endpoint: str = "https://dysmsapi.aliyuncs.com/",
        region: str = "cn-hangzhou",
        timeout: float = 10.0,
    ) -> None:
        if not (access_key_id and access_key_secret and sign_name):
            raise ImproperlyConfigured(
                "COUNTYHUB_SMS_PROVIDER=aliyun needs ALIYUN_SMS_ACCESS_KEY_ID, "
                "ALIYUN_SMS_ACCESS_KEY_SECRET and ALIYUN_SMS_SIGN_NAME"
            )
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.sign_name = sign_name
        self.templates = templates
        self.endpoint = endpoint
        self.region = region
        self.timeout = timeout

    def request_params(self, *, phone: str, kind: str, params: dict[str, str]) -> dict[str, str]:
        template = self.templates.get(kind)
        if not template:
            raise DeliveryError(
                f"no Aliyun SMS template for {kind!r} (COUNTYHUB_ALIYUN_SMS_TEMPLATES)"
            )
        query = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": self.region,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": str(uuid.uuid4()),
            "SignatureVersion": "1.0",
            "TemplateCode": template,
            "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        query["Signature"] = aliyun_signature(query, self.access_key_secret)
        return query

    def send(self, *, phone: str, text: str, kind: str, params: dict[str, str]) -> str:
        query = self.request_params(phone=phone, kind=kind, params=params)
        url = f"{self.endpoint}?{urllib.parse.urlencode(query, quote_via=urllib.parse.quote)}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                answer: dict[str, Any] = json.loads(response.read().decode())
        except urllib.error.HTTPError as error:
            # Aliyun answers a refused request with an error status and a JSON body naming why.
            raise DeliveryError(f"Aliyun SMS HTTP {error.code}: {error.read()[:300]!r}") from error
        except (OSError, ValueError) as error:
            raise DeliveryError(f"Aliyun SMS unreachable: {error}") from error
        if answer.get("Code") != "OK":
            raise DeliveryError(f"Aliyun SMS {answer.get('Code')}: {answer.get('Message')}")
        return str(answer.get("BizId", ""))


def sms_provider() -> SmsProvider:
    name = settings.COUNTYHUB_SMS_PROVIDER
    if name == "console":
        return ConsoleSms()
    if name == "aliyun":
        aliyun = settings.COUNTYHUB_ALIYUN_SMS
        return AliyunSms(
            access_key_id=aliyun["ACCESS_KEY_ID"],
            access_key_secret=aliyun["ACCESS_KEY_SECRET"],
            sign_name=aliyun["SIGN_NAME"],
            templates=aliyun["TEMPLATES"],
            endpoint=aliyun["ENDPOINT"],
        )
    raise ImproperlyConfigured(f"COUNTYHUB_SMS_PROVIDER: unknown provider {name!r}")
