"""Payment providers behind one small interface; a real gateway implements the same methods.

Built in: cash on delivery (collected by the courier or station, confirmed on delivery) and bank
transfer (staff mark the order paid when the money arrives). Both give money back by hand: staff
transfer it or hand the cash over and record that with `refund`. There is deliberately no fake
gateway.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from django.utils.translation import gettext as _

from countyhub.core.money import format_money
from countyhub.shop.errors import ShopError, ShopErrorCode
from countyhub.shop.models import Order, Payment, PaymentMethod


class PaymentProvider(Protocol):
    method: PaymentMethod
    # True when the money arrives before packing (so the order must be paid first).
    paid_before_packing: bool

    def open_payment(self, *, order: Order) -> Payment: ...

    def instructions(self, *, order: Order) -> str: ...

    def refund(self, *, order: Order, amount: Decimal, reference: str) -> str:
        """Give `amount` back for `order`; the reference of the refund (a gateway's id, the
        transfer's reference). Raises ShopError if the refund cannot be made as asked."""
        ...


class CashOnDelivery:
    method = PaymentMethod.CASH_ON_DELIVERY
    paid_before_packing = False

    def open_payment(self, *, order: Order) -> Payment:
        return Payment.objects.create(order=order, method=self.method, amount=order.total)

    def instructions(self, *, order: Order) -> str:
        return _("Pay %(amount)s in cash when the parcel is handed over.") % {
            "amount": format_money(order.total)
        }

    def refund(self, *, order: Order, amount: Decimal, reference: str) -> str:
        # The seller or station hands the cash back; a note of who and where is enough.
        return reference.strip()


class BankTransfer:
    method = PaymentMethod.BANK_TRANSFER
    paid_before_packing = True

    def open_payment(self, *, order: Order) -> Payment:
        return Payment.objects.create(order=order, method=self.method, amount=order.total)

    def instructions(self, *, order: Order) -> str:
        return _(
            "Transfer %(amount)s to %(center)s quoting order %(number)s; "
            "the service center marks the order paid when the money arrives."
        ) % {
            "amount": format_money(order.total),
            "center": order.county.service_center,
            "number": order.number,
        }

    def refund(self, *, order: Order, amount: Decimal, reference: str) -> str:
        # Staff transfer the money back to the buyer; the bank's reference proves it.
        if not reference.strip():
            raise ShopError(
                ShopErrorCode.REQUIRED,
                _("Give the reference of the bank transfer that paid the money back."),
                field="reference",
            )
        return reference.strip()


PROVIDERS: dict[str, PaymentProvider] = {
    PaymentMethod.CASH_ON_DELIVERY: CashOnDelivery(),
    PaymentMethod.BANK_TRANSFER: BankTransfer(),
}


def provider_for(method: str) -> PaymentProvider:
    return PROVIDERS[method]
