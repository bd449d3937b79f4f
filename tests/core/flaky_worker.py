"""`countyhub worker` with the tests' flaky job kind registered: the Celery side of
tests/core/test_job_retries.py runs this in a subprocess (a real worker on the real Redis)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyhub.settings")
django.setup()

from django.conf import settings  # noqa: E402  (after the set-up, as in any script)

import tests.core.test_job_retries  # noqa: E402, F401  (registers the flaky kind)
from countyhub.core.jobs import celery_app  # noqa: E402

celery_app(settings.REDIS_URL).worker_main(
    ["worker", "--concurrency=1", "--loglevel=warning", "--without-gossip"]
)
