"""Errors of the customs library; each message names the offending value and where it is."""

from __future__ import annotations

from dataclasses import dataclass


class CustomsError(ValueError):
    """Base class: the input breaks a customs rule; the message says which and where."""


class CurrencyError(CustomsError):
    """An unknown currency, a missing customs code or a bad amount or rate."""


class CodeListError(CustomsError):
    """A code that is not in a customs code list (country, unit, transport, package)."""


class HSCodeError(CustomsError):
    """An HS code that is not a valid 10-digit China commodity code (with its optional CIQ)."""


class PartyCodeError(CustomsError):
    """A trade party's customs code or unified social credit code is invalid."""


@dataclass(frozen=True)
class Problem:
    """One broken rule: `rule` names it (stable, for tests and translations), `field` the path
    of the offending field, `message` says what is wrong in words."""

    rule: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message} [{self.rule}]"


class DeclarationError(CustomsError):
    """A declaration breaks rules of its supervision mode or of the code lists; `problems`
    lists every one found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(
            f"{len(problems)} problem(s):\n" + "\n".join(str(problem) for problem in problems)
        )

    @property
    def rules(self) -> list[str]:
        return [problem.rule for problem in self.problems]


class MessageError(CustomsError):
    """A CEB message is invalid against the GACC schema or our code lists; `problems` lists all."""

    def __init__(self, message_type: str, problems: list[Problem]) -> None:
        self.message_type = message_type
        self.problems = problems
        super().__init__(
            f"{message_type}: {len(problems)} problem(s):\n"
            + "\n".join(str(problem) for problem in problems)
        )

    @property
    def rules(self) -> list[str]:
        return [problem.rule for problem in self.problems]
