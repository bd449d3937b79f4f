"""Errors the shop's services raise; each names the field at fault, for forms and the API."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum


class ShopErrorCode(Enum):
    INVALID = "invalid"
    INSUFFICIENT_STOCK = "insufficient_stock"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    INVALID_TRANSITION = "invalid_transition"


class ShopError(Exception):
    code = ShopErrorCode.INVALID

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class CheckoutInvalidError(ShopError):
    pass


@dataclass(frozen=True)
class Shortage:
    product_id: int
    product_name: str
    requested: Decimal
    available: Decimal


class InsufficientStockError(ShopError):
    code = ShopErrorCode.INSUFFICIENT_STOCK

    def __init__(self, message: str, *, shortages: list[Shortage]) -> None:
        super().__init__(message, field="lines")
        self.shortages = shortages


class IdempotencyConflictError(ShopError):
    code = ShopErrorCode.IDEMPOTENCY_CONFLICT


class InvalidTransitionError(ShopError):
    code = ShopErrorCode.INVALID_TRANSITION
