"""The one `countyhub` command.

Start-up is kept lean: Django, pandas, scipy and matplotlib are imported inside the commands that
need them, so `countyhub analyze sem` pays only for what it uses.
"""

from __future__ import annotations

import os
import sys

import typer

from countyhub.commands import (
    accounts,
    analyze_accounts,
    analyze_before_after,
    analyze_did,
    analyze_sem,
    backup,
    channels,
    crossborder,
    impact,
    programs,
    trace,
    web,
)

app = typer.Typer(
    name="countyhub",
    help="County rural e-commerce: sell, trace, lead, train, prove the effect.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
analyze_app = typer.Typer(
    help="Evaluate the effect: PLS-SEM, before/after tests, DiD, county accounts.",
    no_args_is_help=True,
)
app.add_typer(analyze_app, name="analyze")
app.add_typer(trace.trace_app, name="trace")
app.add_typer(programs.programs_app, name="programs")
app.add_typer(crossborder.crossborder_app, name="crossborder")
app.add_typer(accounts.accounts_app, name="accounts")
app.add_typer(channels.channels_app, name="channels")
app.add_typer(impact.impact_app, name="impact")

_PASSTHROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}

app.command("demo")(web.demo)
app.command("serve")(web.serve)
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
app.command("manage", context_settings=_PASSTHROUGH, add_help_option=False)(web.manage)
app.command("worker")(web.worker)
app.command("beat")(web.beat)
analyze_app.command("sem")(analyze_sem.sem)
analyze_app.command("before-after")(analyze_before_after.before_after)
analyze_app.command("did")(analyze_did.did)
analyze_app.command("accounts")(analyze_accounts.accounts)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyhub.settings")
    app(prog_name="countyhub")


if __name__ == "__main__":
    sys.exit(main())
