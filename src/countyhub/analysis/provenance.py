"""Where a result came from: the stamp every report (HTML, JSON) carries, so a run can be repeated.

The stamp names the countyhub version, the date (UTC), the data file and its SHA-256, the seed of
any random step and the command line (or, from Python, the call) that produced it.
"""

from __future__ import annotations

import hashlib
import html
import shlex
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from countyhub import __version__


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def command_line() -> str:
    """The command as typed (program name shortened to its file name)."""
    argv = list(sys.argv) or ["python"]
    argv[0] = Path(argv[0]).name
    if argv[0] in ("cli.py", "__main__.py", "-c", ""):
        argv[0] = "countyhub" if argv[0] != "-c" else "python -c"
    return shlex.join(argv)


@dataclass(frozen=True)
class Provenance:
    """The stamp of one run; ``data_sha256`` is the file's hash (None for an in-memory table)."""

    countyhub: str
    created: str
    data: str
    data_sha256: str | None
    seed: int | None
    command: str

    @classmethod
    def capture(
        cls, data: str | Path, *, seed: int | None = None, command: str | None = None
    ) -> Provenance:
        """Stamp a run on ``data`` (a file path, or a label such as "data" for a DataFrame)."""
        path = Path(data)
        digest = file_sha256(path) if path.is_file() else None
        return cls(
            countyhub=__version__,
            created=datetime.now(UTC).replace(microsecond=0).isoformat(),
            data=str(data),
            data_sha256=digest,
            seed=seed,
            command=command if command is not None else command_line(),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        return [
            f"countyhub {self.countyhub}, {self.created}",
            f"Data: {self.data}"
            + (f" (SHA-256 {self.data_sha256})" if self.data_sha256 else " (in memory)"),
            f"Seed: {self.seed if self.seed is not None else 'none (no random step)'}",
            f"Command: {self.command}",
        ]

    def as_html(self) -> str:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in self.lines())
        return f'<h2>Provenance</h2><ul class="meta provenance">{items}</ul>'
