"""Prometheus metrics: requests and latency by view (django-prometheus's middleware), and the
county's own events: checkouts, stock conflicts, trace scans, imports, jobs finished, and the job
queue's depth read from the database at each scrape.

Under gunicorn every worker process counts on its own; `countyhub serve` points
``PROMETHEUS_MULTIPROC_DIR`` at a fresh folder so that /metrics adds up all the workers of the host.
/metrics is served to a bearer of ``COUNTYHUB_METRICS_TOKEN``, or, without a token, only to a
scraper on this machine that did not come through a proxy."""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from countyhub.core.models import Job, JobStatus
from countyhub.core.throttle import client_address

CHECKOUTS = Counter("countyhub_checkouts_total", "Orders placed through checkout (committed).")
STOCK_CONFLICTS = Counter(
    "countyhub_stock_conflicts_total", "Orders refused because the stock was not there."
)
TRACE_SCANS = Counter("countyhub_trace_scans_total", "QR code scans of traced batches.")
IMPORTS = Counter(
    "countyhub_imports_total", "Files imported, by what and how it ended.", ["kind", "outcome"]
)
JOBS_FINISHED = Counter(
    "countyhub_jobs_finished_total",
    "Background jobs finished, by kind and end.",
    ["kind", "status"],
)
LOOPBACK = frozenset({"127.0.0.1", "::1"})
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


def count_after_commit(counter: Counter) -> None:
    """Count an event when its transaction commits: a rolled-back checkout never happened."""
    transaction.on_commit(counter.inc)


class JobQueueCollector(Collector):
    """Jobs waiting and running, as the database has them now (every host sees the same)."""

    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily(
            "countyhub_jobs", "Background jobs queued or running now.", labels=["status"]
        )
        counts = dict(
            Job.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        for status in (JobStatus.QUEUED, JobStatus.RUNNING):
            gauge.add_metric([status.value], counts.get(status, 0))
        yield gauge


def _may_scrape(request: HttpRequest) -> bool:
    token = settings.COUNTYHUB_METRICS_TOKEN
    if token:
        offered = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return hmac.compare_digest(offered.encode(), token.encode())
    proxied = any(header in request.headers for header in PROXY_HEADERS)
    return not proxied and client_address(request) in LOOPBACK


def metrics(request: HttpRequest) -> HttpResponse:
    if not _may_scrape(request):
        raise Http404  # nothing tells a stranger that metrics are here
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Everything())
    registry.register(JobQueueCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class _Everything(Collector):
    """The process's default registry, inside the scrape's own (which adds the queue gauge)."""

    def collect(self) -> Iterator[Metric]:
        return iter(REGISTRY.collect())
