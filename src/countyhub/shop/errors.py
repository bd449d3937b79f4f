"""Errors the shop's services raise; each has a code and names the field at fault."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from countyhub.core.errors import DomainError, ErrorCode, ErrorKind
from countyhub.core.numbers import plain_number


class ShopErrorCode(ErrorCode):
    REQUIRED = ("required", ErrorKind.INVALID)
    DELIVERY_REQUIRED = ("delivery_required", ErrorKind.INVALID)
    UNKNOWN_DELIVERY_METHOD = ("unknown_delivery_method", ErrorKind.INVALID)
    UNKNOWN_STATION = ("unknown_station", ErrorKind.INVALID)
    UNKNOWN_PAYMENT_METHOD = ("unknown_payment_method", ErrorKind.INVALID)
    UNKNOWN_HOUSEHOLD = ("unknown_household", ErrorKind.INVALID)
    EMPTY_ORDER = ("empty_order", ErrorKind.INVALID)
    UNKNOWN_PRODUCT = ("unknown_product", ErrorKind.INVALID)
    INVALID_QUANTITY = ("invalid_quantity", ErrorKind.INVALID)
    MIXED_SELLERS = ("mixed_sellers", ErrorKind.INVALID)
    MIXED_COUNTIES = ("mixed_counties", ErrorKind.INVALID)
    EMAIL_UNVERIFIED = ("email_unverified", ErrorKind.FORBIDDEN)
    IDEMPOTENCY_CONFLICT = ("idempotency_conflict", ErrorKind.UNPROCESSABLE)
    INVALID_TRANSITION = ("invalid_transition", ErrorKind.CONFLICT)
    INSUFFICIENT_STOCK = ("insufficient_stock", ErrorKind.CONFLICT)
    NOT_A_STATION_ORDER = ("not_a_station_order", ErrorKind.INVALID)
    STATION_HANDOVER = ("station_handover", ErrorKind.CONFLICT)
    WRONG_PICKUP_CODE = ("wrong_pickup_code", ErrorKind.INVALID)
    PICKUP_LOCKED = ("pickup_locked", ErrorKind.CONFLICT)
    INVALID_AMOUNT = ("invalid_amount", ErrorKind.INVALID)
    DAY_NOT_BEGUN = ("day_not_begun", ErrorKind.INVALID)
    INVALID_REGION = ("invalid_region", ErrorKind.INVALID)
    NO_SHIPPING_RATE = ("no_shipping_rate", ErrorKind.INVALID)
    SHIPPING_CHANGED = ("shipping_changed", ErrorKind.CONFLICT)
    INVALID_SHIPPING_RATE = ("invalid_shipping_rate", ErrorKind.INVALID)
    UNKNOWN_LINE = ("unknown_line", ErrorKind.INVALID)
    NOTHING_TO_REFUND = ("nothing_to_refund", ErrorKind.CONFLICT)


class ShopError(DomainError):
    code: ShopErrorCode


@dataclass(frozen=True)
class Shortage:
    product_id: int
    product_name: str
    requested: Decimal
    available: Decimal


class InsufficientStockError(ShopError):
    def __init__(self, message: str, *, shortages: list[Shortage]) -> None:
        super().__init__(ShopErrorCode.INSUFFICIENT_STOCK, message, field="lines")
        self.shortages = shortages

    def details(self) -> dict[str, Any]:
        return {
            "shortages": [
                {
                    "product_id": s.product_id,
                    "product_name": s.product_name,
                    "requested": plain_number(s.requested),
                    "available": plain_number(s.available),
                }
                for s in self.shortages
            ]
        }


class IdempotencyConflictError(ShopError):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(ShopErrorCode.IDEMPOTENCY_CONFLICT, message, field=field)


class InvalidTransitionError(ShopError):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(ShopErrorCode.INVALID_TRANSITION, message, field=field)
