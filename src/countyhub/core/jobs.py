"""Background jobs: long work (an analysis run, an import) leaves the request, reports its
progress, can be cancelled, and never looks "running" after its worker died.

Where a job runs: with ``REDIS_URL`` set, a Celery task on Redis, executed by ``countyhub
worker``; without it, a thread of the web process, so the embedded SQLite default works with no
Redis. Either way :func:`execute` does the work: it claims the job (queued -> running, once, so a
redelivered message runs nothing twice), beats the heartbeat from a side thread, and calls the
handler registered for the job's kind with a :class:`Progress`. The handler reports
``progress(done, total)``; every such call also reads the cancel flag and raises
:class:`JobCancelled` (the count itself is written at most every ``PROGRESS_INTERVAL``).

A job whose heartbeat is older than ``COUNTYHUB_JOB_STALE_SECONDS`` is failed by
:func:`reap_if_stale` (the pages and the progress endpoint call it): its worker was killed or its
process ended, and nothing else would ever finish it.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.core import metrics
from countyhub.core.models import Job, JobStatus
from countyhub.core.observability import current_request_id, request_id_bound

logger = logging.getLogger(__name__)

CELERY_TASK = "countyhub.run_job"
# Progress writes are spaced by this much; the last one (done == total) is always written.
PROGRESS_INTERVAL = 0.25
LOCKED_ATTEMPTS = 50


class JobCancelled(Exception):  # noqa: N818  (a signal, not an error)
    """Raised inside a job when someone asked to cancel it."""


class JobError(Exception):
    """A failure the job's user should read as it is (bad data, a model that does not fit)."""


Handler = Callable[[Job, "Progress"], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of ``kind`` (apps do it in their ``ready``)."""

    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function

    return register


def heartbeat_seconds() -> float:
    return float(settings.COUNTYHUB_JOB_HEARTBEAT_SECONDS)


def stale_seconds() -> float:
    return float(settings.COUNTYHUB_JOB_STALE_SECONDS)


T = TypeVar("T")


def _patiently(query: Callable[[], T]) -> T:
    """Run a query on the job's row, waiting out SQLite's "table is locked": with the embedded
    default, the web threads and the job's thread share one cache, whose table locks SQLite
    reports at once instead of waiting its busy timeout. Other errors, and other databases,
    are not retried."""
    for attempt in range(LOCKED_ATTEMPTS):
        try:
            return query()
        except OperationalError as error:
            if "locked" not in str(error) or attempt == LOCKED_ATTEMPTS - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


class Progress:
    """What a handler calls as it goes: ``progress(done, total)``; raises JobCancelled."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        """Write the count at most every PROGRESS_INTERVAL; read the cancel flag every call (a
        bootstrap calls once per chunk, so a cancel stops it at the next chunk however fast)."""
        now = time.monotonic()
        if done >= total or now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            _patiently(
                lambda: Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(
                    done=min(done, total), total=total, heartbeat=timezone.now()
                )
            )
        self.check_cancelled()

    def note(self, message: str) -> None:
        _patiently(lambda: Job.objects.filter(pk=self.job_id).update(message=message[:200]))
        self.check_cancelled()

    def check_cancelled(self) -> None:
        if _patiently(Job.objects.filter(pk=self.job_id, cancel_requested=True).exists):
            raise JobCancelled


def submit(kind: str, *, inputs: dict[str, Any], created_by: Any = None) -> Job:
    """Queue a job; it is dispatched when the caller's transaction commits."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler for jobs of kind {kind!r}")
    job = Job.objects.create(
        kind=kind,
        inputs=inputs,
        request_id=current_request_id(),
        created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
    )
    transaction.on_commit(lambda: dispatch(job.pk))
    return job


def dispatch(job_id: int) -> None:
    """Hand a queued job to Celery (REDIS_URL set) or to a thread of this process."""
    if settings.REDIS_URL:
        celery_app(settings.REDIS_URL).send_task(CELERY_TASK, args=[job_id])
        return
    threading.Thread(
        target=_run_in_thread, args=(job_id,), name=f"countyhub-job-{job_id}", daemon=True
    ).start()


def _run_in_thread(job_id: int) -> None:
    try:
        execute(job_id)
    finally:
        # This thread's own connection; the request threads keep theirs.
        connections.close_all()


class _Heartbeat(threading.Thread):
    """Beats a running job's heartbeat while the handler computes without reporting."""

    def __init__(self, job_id: int) -> None:
        super().__init__(name=f"countyhub-heartbeat-{job_id}", daemon=True)
        self.job_id = job_id
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(heartbeat_seconds()):
                _patiently(
                    lambda: Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(
                        heartbeat=timezone.now()
                    )
                )
        finally:
            connections.close_all()


def execute(job_id: int, *, heartbeat: bool = True) -> None:
    """Run a queued job to its end here and now; a job already claimed is left alone.

    ``heartbeat=False`` runs it inside the caller's open transaction (the demo builder): a
    heartbeat from another connection would wait on that transaction's lock of the job row."""
    if not _claim(job_id):
        return
    job = Job.objects.get(pk=job_id)
    with request_id_bound(job.request_id):
        _run_claimed(job, heartbeat=heartbeat)


def _claim(job_id: int) -> bool:
    """Queued -> running, once."""
    now = timezone.now()
    return bool(
        _patiently(
            lambda: Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
                status=JobStatus.RUNNING, started_at=now, heartbeat=now
            )
        )
    )


def _run_claimed(job: Job, *, heartbeat: bool) -> None:
    job_id = job.pk
    beat = _Heartbeat(job_id)
    if heartbeat:
        beat.start()
    status = JobStatus.FAILED
    try:
        result = HANDLERS[job.kind](job, Progress(job_id))
    except JobCancelled:
        status = JobStatus.CANCELLED
        _finish(job_id, status, message=_("Cancelled."))
    except JobError as error:
        _finish(job_id, status, error=str(error))
    except Exception as error:  # the job must end failed whatever broke; the log has the trace
        logger.exception("background job %s failed", job_id)
        _finish(
            job_id,
            status,
            error=_("Unexpected error: %(kind)s") % {"kind": type(error).__name__},
        )
    else:
        status = JobStatus.SUCCEEDED
        _finish(job_id, status, result=result)
    finally:
        metrics.JOBS_FINISHED.labels(job.kind, status).inc()
        beat.stopped.set()
        if heartbeat:
            beat.join()


def _finish(job_id: int, status: str, **fields: Any) -> None:
    now = timezone.now()
    _patiently(
        lambda: Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
            status=status, finished_at=now, heartbeat=now, **fields
        )
    )


def request_cancel(job: Job) -> None:
    """A queued job is cancelled at once; a running one stops at its next progress report."""
    if Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.CANCELLED,
        cancel_requested=True,
        finished_at=timezone.now(),
        message=_("Cancelled."),
    ):
        return
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(cancel_requested=True)


def job_progress(job: Job) -> dict[str, Any]:
    """What a run page's progress poll reads (analyses/static/analyses/analyses.js)."""
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "done": job.done,
        "total": job.total,
        "message": job.message,
        "error": job.error,
        "finished": job.finished,
    }


def reap_if_stale(job: Job) -> Job:
    """The job as it stands; a running job without a recent heartbeat is failed first."""
    job.refresh_from_db()
    if job.status != JobStatus.RUNNING or job.heartbeat is None:
        return job
    limit = timezone.now() - datetime.timedelta(seconds=stale_seconds())
    if job.heartbeat < limit:
        Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, heartbeat__lt=limit).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            error=_("The worker stopped: no sign of life since %(time)s. Start the run again.")
            % {"time": timezone.localtime(job.heartbeat).strftime("%Y-%m-%d %H:%M:%S")},
        )
        job.refresh_from_db()
    return job


@cache
def celery_app(broker_url: str) -> Any:
    """The Celery application on ``broker_url``, with the one task that runs any job."""
    from celery import Celery  # lazy: only deployments with Redis pay for importing Celery

    app = Celery("countyhub", broker=broker_url)
    app.conf.update(
        broker_connection_retry_on_startup=True,
        # Results live in the Job row, not in Celery's backend.
        task_ignore_result=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
    )

    @app.task(name=CELERY_TASK)
    def run_job(job_id: int) -> None:
        try:
            execute(job_id)
        finally:
            connections.close_all()

    return app
