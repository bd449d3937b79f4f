"""The back office's EPCIS export of events in a date range is made by a background job
(issue 19), not in the request: ``start_events_export`` (the use case, audited) queues it with
the dates and the sellers and counties whose batches its user managed then;
``make_events_export`` (the handler) checks that its user still manages all of them and returns
the EPCISDocument of the events of the batches the user manages, downloaded from the job's
page. (The API's GET /epcis answers in the request, as an API does.)"""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from countyhub.catalog.models import Seller
from countyhub.core import jobs
from countyhub.core.models import County, Job
from countyhub.core.permissions import admin_county_ids
from countyhub.trace import policies, selectors

EVENTS_EXPORT = "trace.events_export"
FILE_NAME = "epcis-events.jsonld"


def _managed(user: Any) -> dict[str, Any]:
    """Whose batches ``user`` manages (as selectors.batches_visible_to reads it): their sellers
    and the counties they administer, None for all (a superuser)."""
    counties = admin_county_ids(user)
    return {
        "sellers": sorted(policies.seller_ids_of(user)),
        "counties": None if counties is None else sorted(counties),
    }


def _still_managed(then: dict[str, Any], now: dict[str, Any]) -> bool:
    """Whether the user still manages every seller and county they managed when they asked
    (left a seller's staff or a county's administration: the export is refused, not cut)."""
    if not set(then["sellers"]) <= set(now["sellers"]):
        return False
    if now["counties"] is None:
        return True
    return then["counties"] is not None and set(then["counties"]) <= set(now["counties"])


def _county_of(scope: dict[str, Any]) -> County | None:
    """The one county whose batches the export covers (its administrators see the job's
    failure), None if it covers several or all."""
    if scope["counties"] is None:
        return None
    ids = set(scope["counties"]) | set(
        Seller.objects.filter(pk__in=scope["sellers"]).values_list("county_id", flat=True)
    )
    return County.objects.get(pk=ids.pop()) if len(ids) == 1 else None


def start_events_export(
    *, actor: Any, since: datetime.date | None, until: datetime.date | None
) -> Job:
    """Queue the export of the events, with an event time from ``since`` to ``until`` (local
    dates, both included, either open), of the batches ``actor`` manages."""
    scope = _managed(actor)
    county = _county_of(scope)
    inputs = {
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        **scope,
    }
    return jobs.submit_audited(
        EVENTS_EXPORT,
        inputs=inputs,
        actor=actor,
        county=county,
        action="trace.events_export.started",
        changes={"since": inputs["since"], "until": inputs["until"]},
    )


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


@jobs.handler(EVENTS_EXPORT, label=gettext_lazy("EPCIS export of events"))
def make_events_export(job: Job, progress: jobs.Progress) -> jobs.JobFile:
    """The events as they stand; a retry exports them again (with its own creation date)."""
    user = job.created_by
    if user is None or not _still_managed(job.inputs, _managed(user)):
        raise jobs.JobError(_("You no longer manage all the batches of this export."))
    progress(0, 1)
    events = selectors.events_between(
        selectors.batches_visible_to(user),
        since=_date(job.inputs["since"]),
        until=_date(job.inputs["until"]),
    )
    content = selectors.document_bytes(selectors.export_document(events))
    progress(1, 1)
    url = reverse("trace:batches")
    return jobs.JobFile(FILE_NAME, "application/ld+json", content, {"url": url})
