"""`countyhub backup` and `countyhub restore`: the database and the uploaded files in one archive
with a manifest of row counts and checksums, restored only into an empty installation and then
checked against that manifest."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer


@contextmanager
def _progress_bars() -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress bar per step (database, each file folder), as the work reports it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()) as bars:
        tasks: dict[str, TaskID] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bars.add_task(step, total=total)
            bars.update(tasks[step], completed=done, total=total)

        yield report


def backup(
    archive: Annotated[Path, typer.Argument(help="The archive to write (.tar.gz).")],
) -> None:
    """Back up the database and the uploaded files (public and private) into ARCHIVE."""
    from countyhub.commands.web import _setup_django

    _setup_django()
    from countyhub.core.backups import BackupError, create_backup, describe

    with _progress_bars() as progress:
        try:
            manifest = create_backup(archive, progress=progress)
        except BackupError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(code=2) from error
    summary = describe(manifest)
    typer.echo(
        f"Backed up {summary['rows']} rows in {summary['tables']} tables "
        f"({summary['database']}) and {summary['files']} files to {archive}"
    )
    for folder, reason in summary["skipped"].items():
        typer.echo(f"not in the archive: {folder}: {reason}")


def restore(
    archive: Annotated[Path, typer.Argument(help="An archive written by `countyhub backup`.")],
) -> None:
    """Restore ARCHIVE into the configured (empty) database and file folders, then check every
    table's row count and every file's checksum against the archive's manifest."""
    from countyhub.commands.web import _setup_django

    _setup_django()
    from countyhub.core.backups import BackupError, restore_backup

    with _progress_bars() as progress:
        try:
            verification = restore_backup(archive, progress=progress)
        except BackupError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(code=2) from error
    for mismatch in verification.mismatches:
        typer.echo(f"mismatch: {mismatch}", err=True)
    if not verification.ok:
        typer.echo(
            f"error: the restore does not match the backup ({len(verification.mismatches)} "
            "differences above)",
            err=True,
        )
        raise typer.Exit(code=1)
    typer.echo(
        f"Restored and verified {verification.tables_checked} tables and "
        f"{verification.files_checked} files from {archive}"
    )
