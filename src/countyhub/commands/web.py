"""`countyhub demo`, `serve` and `manage`: the web platform's commands."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Annotated

import typer


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyhub.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)


def manage(ctx: typer.Context) -> None:
    """Pass the remaining arguments to Django's management commands (`countyhub manage migrate`)."""
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["countyhub manage", *ctx.args])


# How long gunicorn keeps an idle connection: longer than nginx keeps its idle upstream
# connections (`keepalive_timeout` in deploy/nginx/countyhub.conf), so that nginx always closes
# one first. Were gunicorn first (its default is 2 s), nginx could send a request on a
# connection gunicorn was closing; nginx retries only idempotent requests elsewhere, so a
# checkout would get a 502 (3 of 233,749 requests did in a 30-minute soak).
KEEP_ALIVE_SECONDS = 75


def gunicorn_argv(*, host: str, port: int, workers: int, threads: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "countyhub.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--keep-alive",
        str(KEEP_ALIVE_SECONDS),
        "--access-logfile",
        "-",
        "--log-level",
        "warning",
    ]


def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
    workers: Annotated[int, typer.Option(help="gunicorn worker processes.")] = 2,
    threads: Annotated[int, typer.Option(help="Threads per worker.")] = 4,
) -> None:
    """Serve countyhub with gunicorn; whitenoise serves the static files."""
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command

    if workers > 1 and settings.COUNTYHUB_CACHE == "process":
        typer.echo(
            f"COUNTYHUB_CACHE=process keeps one cache per worker: {workers} workers would show "
            "different pages after a change. Unset it (the database cache) or set REDIS_URL, "
            "or serve with --workers 1.",
            err=True,
        )
        raise typer.Exit(2)

    call_command("collectstatic", interactive=False, verbosity=0)
    # The workers count metrics in files of one folder, so /metrics adds them all up; a folder
    # per address served, emptied at each start (counters restart, as Prometheus expects).
    metrics_dir = settings.VAR_DIR / "metrics" / f"{host}_{port}".replace(":", "_")
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    argv = gunicorn_argv(host=host, port=port, workers=workers, threads=threads)
    os.execv(sys.executable, argv)


def demo(
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the demo after building it.")
    ] = True,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
) -> None:
    """Migrate, build the demo county (idempotently), print the demo accounts, and serve."""
    # The demo is development on one's own machine: debug pages, no HTTPS redirect. Only the
    # demo turns this on; `countyhub serve` runs as production unless told otherwise.
    os.environ.setdefault("DJANGO_DEBUG", "1")
    _setup_django()
    from django.core.management import call_command
    from rich.console import Console

    from countyhub.demo import DEMO_PASSWORD, build_demo

    console = Console()
    with console.status("Migrating the database") as status:
        call_command("migrate", interactive=False, verbosity=0)
        status.update("Building the demo county")
        summary = build_demo(
            console=console,
            progress=lambda step: status.update(f"Building the demo county: {step}"),
        )
    console.print(f"[bold]Demo county ready:[/bold] {summary}")
    console.print(
        f"Accounts (password [bold]{DEMO_PASSWORD}[/bold]): "
        "admin, seller, station, trainer, analyst, buyer"
    )
    if serve_after:
        console.print(f"Serving on http://{host}:{port}/")
        serve(host=host, port=port, workers=2, threads=4)


def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs run at the same time.")] = 1,
    loglevel: Annotated[str, typer.Option(help="Celery log level.")] = "info",
) -> None:
    """Run background jobs (analysis runs) from Redis: needs REDIS_URL, as the web process."""
    _setup_django()
    from django.conf import settings

    if not settings.REDIS_URL:
        typer.echo(
            "countyhub worker: error: REDIS_URL is not set; without it the web process runs "
            "jobs in its own threads and needs no worker",
            err=True,
        )
        raise typer.Exit(code=2)
    from countyhub.core.jobs import celery_app

    celery_app(settings.REDIS_URL).worker_main(
        ["worker", f"--concurrency={concurrency}", f"--loglevel={loglevel}", "--without-gossip"]
    )


def beat(
    interval: Annotated[
        float, typer.Option(help="Seconds between rounds of looking for due work.")
    ] = 20.0,
    once: Annotated[bool, typer.Option("--once", help="One round, then exit (for cron).")] = False,
) -> None:
    """Keep time for the periodic work (weekly task digest, after-sales deadlines, the
    notification outbox): run it on any number of hosts, each period runs once."""
    _setup_django()
    import time

    from django.db import connections

    from countyhub.core.periodic import TASKS, run_due

    typer.echo(f"countyhub beat: {', '.join(sorted(TASKS))}", err=True)
    while True:
        for name, period, summary in run_due():
            typer.echo(f"{name} {period}: {summary}")
        if once:
            return
        connections.close_all()  # a database restart between rounds costs one round, no more
        time.sleep(interval)
