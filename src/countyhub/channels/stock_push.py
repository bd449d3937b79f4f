"""Stock push (issue 19): what each seller may sell on a channel, POSTed every few minutes to the
endpoint the county set for the channel (a seller's ERP middleware such as 聚水潭 or 旺店通, or a
bridge to the platform's own API), so that no channel keeps selling stock another has sold.

Each seller's quantities that changed since its last accepted push go as one signed JSON POST
(first push: all of them), absolute quantities, never deltas, so a push received twice does no
harm. Only a 2xx answer records the snapshot (a `StockSync` via push): after a refusal, a
timeout or a connection error the changes stay pending and the next period sends them again.
One push of a channel runs at a time (a claim on the channel's row), so an older quantity
never reaches the endpoint after a newer one. `countyhub beat` runs :func:`push_all_stock`
once per period however many hosts run it (countyhub.core.periodic); county administrators can
also queue a push at once (:func:`start_push`, a background job).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import http.client
import json
import logging
import secrets
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from countyhub.catalog.models import Seller
from countyhub.channels.models import Channel, StockSync, StockSyncVia
from countyhub.channels.selectors import stock_since_last_sync
from countyhub.core import jobs
from countyhub.core.audit import record_audit
from countyhub.core.models import Job
from countyhub.core.permissions import is_county_admin

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Countyhub-Signature"
TIMESTAMP_HEADER = "X-Countyhub-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
JOB_KIND = "channels.stock_push"


def check_push_url(url: str) -> None:
    """ValidationError unless `url` is one pushes may go to: https, or http to a host of
    COUNTYHUB_STOCK_PUSH_HTTP_HOSTS (the quantities and their signature would otherwise cross
    the network in the clear), and no user name or password (the signature authenticates)."""
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            _("Put no user name or password in the URL: each push is signed with the secret."),
            code="credentials",
        )
    if parts.scheme == "https":
        return
    hosts = settings.COUNTYHUB_STOCK_PUSH_HTTP_HOSTS
    if parts.scheme == "http" and (parts.hostname or "").lower() in hosts:
        return
    if parts.scheme == "http":
        raise ValidationError(
            _(
                "Use https: this server sends plain http only to the hosts its administrator "
                "allowed (COUNTYHUB_STOCK_PUSH_HTTP_HOSTS: %(hosts)s)."
            )
            % {"hosts": ", ".join(hosts) or _("none")},
            code="insecure",
        )
    raise ValidationError(_("Use an https:// URL."), code="scheme")


def signature(secret: str, body: bytes) -> str:
    """The value of the signature header: HMAC-SHA256 of the body with the channel's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _new_secret() -> str:
    return secrets.token_hex(32)


@transaction.atomic
def set_push_url(*, actor: Any, channel: Channel, url: str) -> str | None:
    """Set (or clear, with "") where the channel's stock is pushed (audited). Returns the new
    secret when the channel had none, to be shown this once. Another URL is another receiver:
    its first push sends every quantity again."""
    url = url.strip()
    if url:
        check_push_url(url)
    before = channel.stock_push_url
    made = None
    if url and not channel.stock_push_secret:
        made = channel.stock_push_secret = _new_secret()
    channel.stock_push_url = url
    channel.save(update_fields=["stock_push_url", "stock_push_secret", "updated_at"])
    if url != before:
        StockSync.objects.filter(channel=channel, via=StockSyncVia.PUSH).delete()
    record_audit(
        actor=actor,
        action="channel.stock_push_set",
        target=channel,
        county=channel.county,
        changes={"stock_push_url": [before, url], "secret_made": made is not None},
    )
    return made


@transaction.atomic
def renew_push_secret(*, actor: Any, channel: Channel) -> str:
    """A new secret for the channel's pushes (audited, never written to the log): the old one
    signs nothing more. Returned to be shown this once."""
    channel.stock_push_secret = _new_secret()
    channel.save(update_fields=["stock_push_secret", "updated_at"])
    record_audit(
        actor=actor,
        action="channel.stock_push_secret_renewed",
        target=channel,
        county=channel.county,
        changes={"channel": channel.code},
    )
    return channel.stock_push_secret


@dataclass
class StockPushResult:
    sellers: int = 0  # sellers whose changes the endpoint took
    sent: int = 0  # quantities it took
    failures: list[str] = field(default_factory=list)  # one per seller it did not take
    status: int | None = None  # the endpoint's last HTTP status, the first refusal's if any
    skipped: str = ""  # why the channel was not pushed at all


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure: following it would send the signed quantities elsewhere (and
    turn the POST into a GET)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """POST `body`; (HTTP status or None without an answer, "" on a 2xx else what went wrong)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=settings.COUNTYHUB_STOCK_PUSH_TIMEOUT) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except urllib.error.URLError as error:
        reason = error.reason
        return None, str(getattr(reason, "strerror", None) or reason)
    except (OSError, http.client.HTTPException) as error:
        return None, str(getattr(error, "strerror", None) or error or type(error).__name__)


def _push_seller(channel: Channel, seller: Seller, actor: Any, result: StockPushResult) -> None:
    """Push the seller's changed quantities, adding the outcome to `result`. The snapshot and
    its audit entry are written together, after a 2xx only."""
    state = stock_since_last_sync(channel=channel, seller=seller, via=StockSyncVia.PUSH)
    if not state.changes:
        return
    listings = {listing.product_id: listing for listing in state.listings}
    synced_at = timezone.now()
    key = str(uuid.uuid4())
    body = json.dumps(
        {
            "channel": channel.code,
            "county": channel.county.slug,
            "seller": seller.pk,
            "synced_at": synced_at.isoformat(),
            "items": [
                {
                    "product_id": change.product_id,
                    "seller_sku": listings[change.product_id].product.seller_sku,
                    "external_id": listings[change.product_id].external_id,
                    "quantity": change.now,
                }
                for change in state.changes
            ],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    status, error = _post(
        channel.stock_push_url,
        body,
        {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(channel.stock_push_secret, body),
            TIMESTAMP_HEADER: str(int(synced_at.timestamp())),
            IDEMPOTENCY_HEADER: key,
        },
    )
    if error:
        if not result.failures:
            result.status = status
        result.failures.append(f"{seller.name}: {error}")
        return
    with transaction.atomic():
        sync = StockSync.objects.create(
            channel=channel,
            seller=seller,
            synced_at=synced_at,
            quantities=state.quantities,
            via=StockSyncVia.PUSH,
        )
        record_audit(
            actor=actor,
            action="channel.stock_pushed",
            target=sync,
            county=channel.county,
            changes={
                "channel": channel.code,
                "seller": seller.pk,
                "changed": len(state.changes),
                "status": status,
                "idempotency_key": key,
            },
        )
    result.sellers += 1
    result.sent += len(state.changes)
    if not result.failures:
        result.status = status


def _claim(channel: Channel, seconds: float) -> bool:
    now = timezone.now()
    return bool(
        Channel.objects.filter(pk=channel.pk)
        .filter(Q(stock_push_claimed_until__isnull=True) | Q(stock_push_claimed_until__lt=now))
        .update(stock_push_claimed_until=now + datetime.timedelta(seconds=seconds))
    )


def push_stock(*, channel: Channel, actor: Any = None) -> StockPushResult:
    """Push to the channel's endpoint, seller by seller, the quantities that changed since each
    one's last accepted push; one seller's failure does not stop the others'. The outcome
    (when, the HTTP status, what failed, how many were taken) is kept on the channel.
    `actor` None: the periodic push."""
    result = StockPushResult()
    if not channel.active or not channel.stock_push_url:
        result.skipped = _("The channel is inactive or has no stock push URL.")
        return result
    try:
        check_push_url(channel.stock_push_url)
    except ValidationError as error:
        result.failures.append(error.messages[0])
        _record_outcome(channel, result)
        return result
    sellers = list(
        Seller.objects.filter(products__listings__channel=channel).distinct().order_by("pk")
    )
    # Long enough for every seller's POST to time out; a push that died frees it then.
    if not _claim(channel, settings.COUNTYHUB_STOCK_PUSH_TIMEOUT * (len(sellers) + 1) + 60):
        result.skipped = _("Another push of this channel is under way.")
        return result
    try:
        for seller in sellers:
            _push_seller(channel, seller, actor, result)
    finally:
        _record_outcome(channel, result)
    return result


def _record_outcome(channel: Channel, result: StockPushResult) -> None:
    """Free the channel's claim; note the outcome when anything was sent (a period with no
    change keeps showing the last push)."""
    outcome: dict[str, Any] = {"stock_push_claimed_until": None}
    if result.sent or result.failures:
        outcome |= {
            "stock_pushed_at": timezone.now(),
            "stock_push_status": result.status,
            "stock_push_error": "; ".join(result.failures)[:300],
            "stock_push_sent": result.sent,
        }
    Channel.objects.filter(pk=channel.pk).update(**outcome)


def push_all_stock() -> str:
    """The periodic push: every active channel with an endpoint; one channel's failure, even an
    unexpected one, does not stop the others. A one-line summary."""
    channels = (
        Channel.objects.filter(active=True)
        .exclude(stock_push_url="")
        .select_related("county")
        .order_by("pk")
    )
    pushed = sent = failed = 0
    for channel in channels:
        try:
            result = push_stock(channel=channel)
        except Exception:  # the next channel is pushed whatever broke; the log has the trace
            logger.exception("stock push of channel %s failed", channel.pk)
            failed += 1
            continue
        if not result.skipped:
            pushed += 1
        sent += result.sent
        failed += bool(result.failures)
    return f"{pushed} channels pushed, {sent} quantities taken, {failed} channels failed"


def start_push(*, actor: Any, channel: Channel) -> Job:
    """Queue a push of the channel's stock now (audited), as the period's push would do it."""
    with transaction.atomic():
        job = jobs.submit(
            JOB_KIND, inputs={"channel": channel.pk}, created_by=actor, county=channel.county
        )
        record_audit(
            actor=actor,
            action="channel.stock_push_queued",
            target=channel,
            county=channel.county,
            changes={"channel": channel.code, "job": job.pk},
        )
    return job


@jobs.handler(JOB_KIND, label=gettext_lazy("Stock push"))
def run_push(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """Idempotent as jobs must be: run again, it sends only what is still pending."""
    channel = Channel.objects.filter(pk=job.inputs["channel"]).select_related("county").first()
    actor = job.created_by
    if channel is None or actor is None or not is_county_admin(actor, channel.county):
        raise jobs.JobError(_("You may no longer push this channel's stock."))
    progress(0, 1)
    result = push_stock(channel=channel, actor=actor)
    if result.skipped:
        raise jobs.JobError(result.skipped)
    if result.failures:
        raise jobs.JobError(
            _("The endpoint did not take every seller's quantities: %(failures)s")
            % {"failures": "; ".join(result.failures)}
        )
    progress.note(
        _("%(sent)s quantities pushed for %(sellers)s sellers.")
        % {"sent": result.sent, "sellers": result.sellers}
    )
    progress(1, 1)
    return {
        "sent": result.sent,
        "sellers": result.sellers,
        "url": reverse("channels:stock_push", args=[channel.county.slug, channel.code]),
    }
