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

Retries: a handler that raises one of :data:`TRANSIENT_ERRORS` (the database or the broker was
briefly away) has its job put back in the queue and run again after an exponential backoff with
jitter (:func:`retry_delay`), up to ``COUNTYHUB_JOB_RETRIES`` attempts in all; any other error
fails the job at once. Both transports share :func:`attempt`, which makes that decision: the
in-process thread sleeps the delay and calls it again, the Celery task asks Celery to redeliver
its message after the delay. Every handler must therefore be idempotent: run again after a
partial attempt, it gives the result a single run would have given.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath
from typing import Any, TypeVar

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import InterfaceError, OperationalError, connection, connections, models, transaction
from django.http import FileResponse, Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from countyhub.core import metrics
from countyhub.core.audit import record_audit
from countyhub.core.models import County, Job, JobStatus, job_output_path
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


# Failures that say nothing about the job itself and pass on their own: the database went
# away, deadlocked or cut the connection (Django's OperationalError, InterfaceError), a socket
# was refused or timed out (ConnectionError, TimeoutError), Redis or the Celery broker hiccuped.
# A job failing with one of these is run again; anything else fails it at once.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
)


@dataclass(frozen=True)
class JobFile:
    """What a job that makes a file (a label sheet, a report) returns: the file is kept with
    the job and downloaded from its page; ``result`` is stored as the job's result."""

    name: str
    content_type: str
    content: bytes
    result: dict[str, Any] | None = None


Handler = Callable[[Job, "Progress"], "dict[str, Any] | JobFile"]
HANDLERS: dict[str, Handler] = {}
# What the jobs pages call each kind.
LABELS: dict[str, Any] = {}
# The kinds whose failed job its user may start again from the jobs page (see :func:`retry`).
RETRYABLE: set[str] = set()


def handler(
    kind: str, *, label: Any = None, retryable: bool = True
) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of ``kind`` (apps do it in their ``ready``);
    ``label`` (lazily translated) names it on the jobs pages.

    ``retryable=False`` keeps a failed job of this kind from being started again by its user
    (transient errors are retried whatever it says: every handler must be idempotent)."""

    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        LABELS[kind] = label or kind
        if retryable:
            RETRYABLE.add(kind)
        else:
            RETRYABLE.discard(kind)
        return function

    return register


def max_attempts() -> int:
    return max(1, int(settings.COUNTYHUB_JOB_RETRIES))


def retry_delay(attempt: int) -> float:
    """Seconds to wait before attempt ``attempt + 1``: exponential from
    ``COUNTYHUB_JOB_RETRY_DELAY`` up to ``COUNTYHUB_JOB_RETRY_MAX_DELAY``, with "equal jitter"
    (half fixed, half random) so jobs that failed together do not come back together."""
    ceiling = min(
        float(settings.COUNTYHUB_JOB_RETRY_MAX_DELAY),
        float(settings.COUNTYHUB_JOB_RETRY_DELAY) * 2 ** max(0, attempt - 1),
    )
    return ceiling / 2 + random.uniform(0, ceiling / 2)


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


def submit(
    kind: str,
    *,
    inputs: dict[str, Any],
    created_by: Any = None,
    county: Any = None,
    input_file: UploadedFile | None = None,
) -> Job:
    """Queue a job; it is dispatched when the caller's transaction commits. ``county`` is the
    county whose work it is (its administrators see the job's failure); ``input_file`` (an
    upload to import) is kept with the job, so a worker on another host reads it and a retry
    reads it again."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler for jobs of kind {kind!r}")
    job = Job(
        kind=kind,
        inputs=inputs,
        county=county,
        request_id=current_request_id(),
        language=translation.get_language() or "",
        created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
    )
    if input_file is not None:
        input_file.seek(0)
        job.input_file.save(_stored_name(input_file.name), input_file, save=False)
    job.save()
    transaction.on_commit(lambda: dispatch(job.pk))
    return job


def submit_audited(
    kind: str,
    *,
    inputs: dict[str, Any],
    actor: Any,
    county: County | None,
    action: str,
    changes: dict[str, Any],
    target: models.Model | None = None,
    input_file: UploadedFile | None = None,
) -> Job:
    """Queue a job started by ``actor`` (as :func:`submit`) and audit the queueing as
    ``action``, in one transaction: there is an audit row if and only if there is a job. The
    entry's target is ``target``, the record the job works on, with the job's id added to
    ``changes``; without one, the job itself."""
    with transaction.atomic():
        job = submit(kind, inputs=inputs, created_by=actor, county=county, input_file=input_file)
        record_audit(
            actor=actor,
            action=action,
            target=job if target is None else target,
            county=county,
            changes=changes if target is None else {"job": job.pk, **changes},
        )
    return job


def may_retry(job: Job, user: Any) -> bool:
    """A failed job is started again by the user who started it, if its kind allows it."""
    return (
        job.status == JobStatus.FAILED
        and job.kind in RETRYABLE
        and job.created_by_id is not None
        and job.created_by_id == getattr(user, "pk", None)
    )


def retry(job: Job, *, actor: Any) -> bool:
    """Put a failed job back in the queue (a fresh set of attempts); False if it was not failed
    any more (a second click). The caller checks :func:`may_retry`."""
    with transaction.atomic():
        again = Job.objects.filter(pk=job.pk, status=JobStatus.FAILED).update(
            status=JobStatus.QUEUED,
            attempts=0,
            done=0,
            error="",
            message="",
            cancel_requested=False,
            started_at=None,
            finished_at=None,
            heartbeat=None,
        )
        if not again:
            return False
        record_audit(
            actor=actor,
            action="core.job.retried",
            target=job,
            county=job.county,
            changes={"kind": job.kind, "error": job.error},
        )
        transaction.on_commit(lambda: dispatch(job.pk))
    job.refresh_from_db()
    return True


def dispatch(job_id: int) -> None:
    """Hand a queued job to Celery (REDIS_URL set) or to a thread of this process. With the
    broker away the job stays queued in the database, and :func:`send_unsent` hands it over
    once the broker is back (the request that queued it has its answer either way)."""
    if settings.REDIS_URL:
        try:
            celery_app(settings.REDIS_URL).send_task(
                CELERY_TASK, args=[job_id], queue=settings.COUNTYHUB_JOB_QUEUE
            )
        except TRANSIENT_ERRORS as error:
            logger.warning("job %s stays queued, the broker is away: %s", job_id, error)
        return
    threading.Thread(
        target=_run_in_thread, args=(job_id,), name=f"countyhub-job-{job_id}", daemon=True
    ).start()


def unsent_after() -> datetime.timedelta:
    """How long a job waits in the queue before it counts as never handed over: longer than
    any retry's pause, so a job waiting out its backoff is not sent early."""
    return datetime.timedelta(seconds=settings.COUNTYHUB_JOB_RETRY_MAX_DELAY + 60)


def send_unsent(now: datetime.datetime | None = None) -> int:
    """Hand over again the jobs queued longer than :func:`unsent_after` (their message was
    lost: the broker was away, or the process that queued them died before its commit hook);
    run every minute by ``countyhub beat``. A job sent twice still runs once (its claim)."""
    cutoff = (now or timezone.now()) - unsent_after()
    stuck = list(
        Job.objects.filter(status=JobStatus.QUEUED, updated_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    for job_id in stuck:
        # Touched first, so the next round waits another full period for this job.
        Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(updated_at=timezone.now())
        dispatch(job_id)
    return len(stuck)


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
    """Run a queued job to its end here and now, its retries included (the in-process
    transport; the demo builder and tests call it directly); a job already claimed is left
    alone.

    ``heartbeat=False`` runs it inside the caller's open transaction (the demo builder): a
    heartbeat from another connection would wait on that transaction's lock of the job row."""
    failures = 0  # of the job-row queries themselves (the database is away), not the handler
    while True:
        try:
            delay = attempt(job_id, heartbeat=heartbeat)
        except TRANSIENT_ERRORS:
            failures += 1
            if failures >= max_attempts():
                logger.exception("background job %s: the database stayed away", job_id)
                return
            delay = retry_delay(failures)
        if delay is None:
            return
        if not connection.in_atomic_block:
            # A fresh connection for the next attempt: the failed one may be broken (one
            # inside a transaction is the caller's, and stays).
            connections.close_all()
        time.sleep(delay)


def attempt(job_id: int, *, heartbeat: bool = True) -> float | None:
    """One attempt at a queued job: claim it, run its handler, record the outcome. Returns the
    seconds to wait before the next attempt when a transient error put the job back in the
    queue, None when it is over (or was not this attempt's to run)."""
    if not _claim(job_id):
        return None
    job = Job.objects.get(pk=job_id)
    with request_id_bound(job.request_id):
        return _run_claimed(job, heartbeat=heartbeat)


def _claim(job_id: int) -> bool:
    """Queued -> running, once per attempt (a redelivered message runs nothing twice)."""
    now = timezone.now()
    return bool(
        _patiently(
            lambda: Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
                status=JobStatus.RUNNING,
                started_at=now,
                heartbeat=now,
                attempts=models.F("attempts") + 1,
            )
        )
    )


def _run_claimed(job: Job, *, heartbeat: bool) -> float | None:
    job_id = job.pk
    beat = _Heartbeat(job_id)
    if heartbeat:
        beat.start()
    status = JobStatus.FAILED
    delay = None
    try:
        # In the language of the page that queued it, as that page would have said it.
        with translation.override(job.language or settings.LANGUAGE_CODE):
            result = HANDLERS[job.kind](job, Progress(job_id))
    except JobCancelled:
        status = JobStatus.CANCELLED
        _finish(job_id, status, message=_("Cancelled."))
    except JobError as error:
        _finish(job_id, status, error=str(error))
    except TRANSIENT_ERRORS as error:
        logger.warning("background job %s, attempt %s: %r", job_id, job.attempts, error)
        if job.attempts < max_attempts():
            delay = retry_delay(job.attempts)
            status = JobStatus.QUEUED
            _requeue(job, error, delay)
        else:
            _finish(
                job_id,
                status,
                error=_(
                    "The database or the job queue could not be reached (%(kind)s), %(attempts)s "
                    "times in a row. Nothing was left half done: start the job again later."
                )
                % {"kind": type(error).__name__, "attempts": job.attempts},
            )
    except Exception as error:  # the job must end failed whatever broke; the log has the trace
        logger.exception("background job %s failed", job_id)
        _finish(
            job_id,
            status,
            error=_(
                "Something went wrong on our side (%(kind)s) and the job stopped. The "
                "administrators can read the details in the log."
            )
            % {"kind": type(error).__name__},
        )
    else:
        status = JobStatus.SUCCEEDED
        if isinstance(result, JobFile):
            _finish(job_id, status, **_kept(job, result))
        else:
            _finish(job_id, status, result=result)
    finally:
        metrics.JOBS_FINISHED.labels(job.kind, status).inc()
        beat.stopped.set()
        if heartbeat:
            beat.join()
    return delay


def _requeue(job: Job, error: BaseException, delay: float) -> None:
    """Running -> queued for the next attempt, its partial count cleared."""
    message = _("Attempt %(attempt)s of %(of)s failed (%(kind)s); trying again in %(delay)s s.") % {
        "attempt": job.attempts,
        "of": max_attempts(),
        "kind": type(error).__name__,
        "delay": f"{delay:.0f}",
    }
    _patiently(
        lambda: Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.QUEUED, done=0, message=message[:200], heartbeat=timezone.now()
        )
    )


def _stored_name(name: str | None) -> str:
    # The storage's name: ASCII and short (the user's own name is kept for the download).
    suffix = "".join(c for c in PurePath(name or "").suffix[:10] if c.isalnum() or c == ".")
    return f"{uuid.uuid4().hex}{suffix}"


def _kept(job: Job, made: JobFile) -> dict[str, Any]:
    """Store the file a job made (replacing an earlier attempt's) and say what to record."""
    storage, folder = job.output_file.storage, job_output_path(job, "")
    with contextlib.suppress(FileNotFoundError):
        for stale in storage.listdir(folder)[1]:
            storage.delete(folder + stale)
    job.output_file.save(_stored_name(made.name), ContentFile(made.content), save=False)
    return {
        "output_file": job.output_file.name,
        "output_name": made.name[:200],
        "output_type": made.content_type[:100],
        "result": {**(made.result or {}), "bytes": len(made.content)},
    }


def delete_old_files(now: datetime.datetime | None = None) -> int:
    """Delete the files of jobs that ended more than COUNTYHUB_JOB_FILES_DAYS ago (run hourly
    by ``countyhub beat``): an import's upload and a label sheet are not records to keep for
    ever, and may hold households' personal data. The job's row stays, saying what it did."""
    cutoff = (now or timezone.now()) - datetime.timedelta(
        days=float(settings.COUNTYHUB_JOB_FILES_DAYS)
    )
    old = Job.objects.filter(status__in=Job.FINISHED, finished_at__lt=cutoff).exclude(
        input_file="", output_file=""
    )
    deleted = 0
    for job in old.iterator():
        for kept in (job.input_file, job.output_file):
            if kept:
                kept.delete(save=False)
                deleted += 1
        Job.objects.filter(pk=job.pk).update(input_file="", output_file="")
    return deleted


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


def cancel(job: Job, *, actor: Any) -> None:
    """The user's Cancel on a job's page: :func:`request_cancel`, audited."""
    from countyhub.core.audit import record_audit

    with transaction.atomic():
        request_cancel(job)
        record_audit(
            actor=actor,
            action="core.job.cancelled",
            target=job,
            county=job.county,
            changes={"kind": job.kind},
        )


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
        "has_file": bool(job.output_file),
        # Where the job's page goes once it has watched the job succeed (a payout run's page);
        # a job with a summary to read (an import's counts) stays, with a link to its result.
        "next_url": job.result.get("url", "")
        if job.status == JobStatus.SUCCEEDED and "summary" not in job.result
        else "",
    }


def job_file_response(job: Job) -> FileResponse:
    """The file a succeeded job made (a label sheet, a report), as an attachment under the name
    it was given, for the jobs page and the API alike; Http404 while there is none."""
    if job.status != JobStatus.SUCCEEDED or not job.output_file:
        raise Http404
    response = FileResponse(
        job.output_file.open("rb"),
        as_attachment=True,
        filename=job.output_name or "download",
        content_type=job.output_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def own_job(user: Any, job_id: int, *, kind: str | None = None) -> Job:
    """The job, if `user` started it (or is a superuser), as it stands (a dead worker's job
    failed first); anyone else is told there is no such job, on the pages and in the API alike:
    its inputs and files may hold households' data."""
    job = Job.objects.select_related("county").filter(pk=job_id).first()
    if (
        job is None
        or (kind is not None and job.kind != kind)
        or not (user.is_superuser or job.created_by_id == user.pk)
    ):
        raise Http404
    return reap_if_stale(job)


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
        # Several deployments (or test runs) may share one Redis: their queues must not mix.
        task_default_queue=settings.COUNTYHUB_JOB_QUEUE,
    )

    # acks_late: the message is acknowledged once the attempt is over, so one taken by a
    # worker that then vanished is delivered again (the claim makes that delivery a no-op for
    # a job already running; the reaper fails that job when its heartbeat stops).
    # autoretry_for: the job-row queries themselves failed (the database is away); the job's
    # own transient failures are retried by attempt(), with the same backoff.
    @app.task(
        name=CELERY_TASK,
        bind=True,
        acks_late=True,
        autoretry_for=TRANSIENT_ERRORS,
        max_retries=max_attempts(),
        retry_backoff=max(1, round(float(settings.COUNTYHUB_JOB_RETRY_DELAY))),
        retry_backoff_max=round(float(settings.COUNTYHUB_JOB_RETRY_MAX_DELAY)),
        retry_jitter=True,
    )
    def run_job(self: Any, job_id: int) -> None:
        try:
            delay = attempt(job_id)
        finally:
            connections.close_all()
        if delay is not None:
            # A new message after the delay; the job row counts the attempts, not Celery.
            raise self.retry(countdown=delay, max_retries=None)

    return app
