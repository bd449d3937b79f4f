"""The one `countyhub` command.

Start-up is kept lean: Django, pandas, scipy and matplotlib are imported inside the commands that
need them, so `countyhub analyze sem` pays only for what it uses.
"""

from __future__ import annotations

import os
import sys

import typer

from countyhub.commands import analyze_before_after, analyze_did, analyze_sem, programs, trace, web

app = typer.Typer(
    name="countyhub",
    help="County rural e-commerce: sell, trace, lead, train, prove the effect.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
analyze_app = typer.Typer(
    help="Evaluate the effect: PLS-SEM, before/after tests, DiD.", no_args_is_help=True
)
app.add_typer(analyze_app, name="analyze")
app.add_typer(trace.trace_app, name="trace")
app.add_typer(programs.programs_app, name="programs")

_PASSTHROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}

app.command("demo")(web.demo)
app.command("serve")(web.serve)
app.command("manage", context_settings=_PASSTHROUGH, add_help_option=False)(web.manage)
app.command("worker")(web.worker)
analyze_app.command("sem")(analyze_sem.sem)
analyze_app.command("before-after")(analyze_before_after.before_after)
analyze_app.command("did")(analyze_did.did)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyhub.settings")
    app(prog_name="countyhub")


if __name__ == "__main__":
    sys.exit(main())
