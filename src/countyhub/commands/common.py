"""What every `countyhub analyze` command shares, so that they behave as one command line.

- bad input: ``error: <message>`` on stderr and exit status 2 (as typer's own usage errors);
- a run that finished but must not be trusted as is (e.g. no convergence): exit status 3;
- ``--confidence`` (0.95) is the one name of the confidence level;
- ``--na`` markers (repeatable) plus blank cells are the only missing values;
- ``--seed``: chosen and reported when not given, so every run can be repeated;
- with ``--json``/``--report``: a short summary (rows used, dropped and why) and where files went.
"""

from __future__ import annotations

import secrets
import shlex
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NoReturn

import typer

EXIT_BAD_INPUT = 2
EXIT_NOT_TRUSTED = 3
CONFIDENCE_HELP = "Confidence level of the intervals, e.g. 0.95."
NA_HELP = (
    "A missing-value marker, e.g. -99 or NA; repeat for several. Blank cells are always "
    "missing; nothing else is."
)
SEED_HELP = "Seed of the random steps; chosen and reported when not given."


def fail(message: str) -> NoReturn:
    """Bad input: the message on stderr, exit status 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=EXIT_BAD_INPUT)


def warn(message: str) -> None:
    typer.echo(f"warning: {message}", err=True)


def check_confidence(confidence: float, option: str = "--confidence") -> float:
    """The confidence level, refused (exit 2) unless strictly between 0 and 1."""
    if not 0 < confidence < 1:
        fail(f"{option} {confidence:g}: give a level between 0 and 1, e.g. 0.95")
    return confidence


def choose_seed(seed: int | None) -> int:
    """The given seed, or a fresh one to report (so that the run can be repeated with it)."""
    if seed is None:
        return secrets.randbelow(2**31)
    if seed < 0:
        fail(f"--seed {seed}: give a non-negative whole number")
    return seed


def seed_line(seed: int, given: bool) -> str:
    return f"Seed: {seed}" + ("" if given else f" (chosen; add --seed {seed} to repeat the run)")


def written(summary: Iterable[str], files: Sequence[Path | None]) -> None:
    """The short summary printed when the results went to files, then where they went."""
    for line in summary:
        typer.echo(line)
    for path in files:
        if path is not None:
            typer.echo(f"wrote {path}")


def invoked_command(ctx: typer.Context) -> str:
    """The running command as it could be typed again: its path and every option given.

    Rebuilt from the parsed parameters rather than ``sys.argv``, so that it is right however the
    command was called (the console script, ``python -m``, a test runner).
    """
    words = ctx.command_path.split()
    for param in ctx.command.params:
        name = param.name or ""
        source = ctx.get_parameter_source(name)
        if source is None or source.name == "DEFAULT":
            continue
        value = ctx.params.get(name)
        values = list(value) if isinstance(value, list | tuple) else [value]
        if param.param_type_name == "argument":
            words += [str(v) for v in values]
            continue
        flag = max(param.opts, key=len)
        if getattr(param, "is_flag", False):
            words.append(flag if value else (param.secondary_opts or [flag])[0])
            continue
        for v in values:
            words += [flag, str(v)]
    return shlex.join(words)
