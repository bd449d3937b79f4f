"""`countyhub impact panel`: the platform's village or county panel for `countyhub analyze did`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from countyhub.commands.common import fail

impact_app = typer.Typer(
    help="Program evaluation from the platform's own records.", no_args_is_help=True
)
ROLLOUT_HELP = (
    "Village rollout: station (first station opened), training (first training attended) or "
    "seller (first seller joined); a county panel's rollout is its demonstration designation."
)


@impact_app.command("panel")
def panel(
    county: Annotated[str, typer.Option("--county", help="The county's slug.")],
    level: Annotated[
        str,
        typer.Option("--level", help="village (the county's villages) or county (its province)."),
    ] = "village",
    rollout: Annotated[str | None, typer.Option("--rollout", help=ROLLOUT_HELP)] = None,
    first_year: Annotated[
        int | None, typer.Option("--from", help="First year (default: the first with records).")
    ] = None,
    last_year: Annotated[
        int | None, typer.Option("--to", help="Last year (default: the last with records).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the CSV here (default: standard output).")
    ] = None,
) -> None:
    """Write a long panel (one row per unit and year) that `countyhub analyze did` reads."""
    from rich.console import Console
    from rich.progress import Progress

    from countyhub.commands.web import _setup_django

    if level not in ("village", "county"):
        fail(f"--level must be village or county, not {level!r}")
    if level == "village" and rollout not in (None, "station", "training", "seller"):
        fail(f"--rollout must be station, training or seller, not {rollout!r}")
    if level == "county" and rollout not in (None, "designation"):
        fail(f"--rollout {rollout}: a county panel's rollout is its demonstration designation")
    _setup_django()
    from countyhub.core.models import County
    from countyhub.impact.panels import PanelError, build_panel

    found = County.objects.filter(slug=county).first()
    if found is None:
        fail(f"--county: no county with the slug {county!r}")
    err = Console(stderr=True, soft_wrap=True)
    try:
        with Progress(console=err, transient=True, disable=not sys.stderr.isatty()) as bar:
            bar.add_task(f"{level} panel of {county}", total=None)
            built = build_panel(
                found, level=level, rollout=rollout, first_year=first_year, last_year=last_year
            )
    except PanelError as error:
        fail(str(error))
    if out is None:
        built.write_csv(sys.stdout)
    else:
        with out.open("w", newline="", encoding="utf-8") as handle:
            built.write_csv(handle)
    for line in built.notes:
        sys.stderr.write(line + "\n")
    cohorts = ", ".join(f"{year or 'never'}: {n}" for year, n in built.cohorts().items())
    sys.stderr.write(f"units by rollout year: {cohorts}\n")
    if out is not None:
        sys.stderr.write(f"wrote {out} ({len(built.rows)} rows)\n")
        sys.stderr.write(f"next: {built.analyze_command(str(out))}\n")
