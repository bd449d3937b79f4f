"""Errors of the training services; each names the field at fault."""

from __future__ import annotations


class TrainingError(Exception):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
