"""Each kind of notification: who receives it and on which channels when they chose nothing.

Transactional messages (an order placed, shipped, ready, a refund decided; a new order for the
seller; parcels for the station) are on by e-mail by default. Text messages cost money and reach
people in the villages where e-mail does not: they are on by default where someone must act or
come (shipped, ready for pickup, refund decided, a new order, parcels arriving).
"""

from __future__ import annotations

from dataclasses import dataclass

from countyhub.notifications.models import Audience, Channel, Kind


@dataclass(frozen=True)
class KindSpec:
    audience: Audience
    defaults: frozenset[Channel]

    def default_for(self, channel: str) -> bool:
        return channel in self.defaults


BOTH = frozenset({Channel.EMAIL, Channel.SMS})
EMAIL_ONLY = frozenset({Channel.EMAIL})

KINDS: dict[str, KindSpec] = {
    Kind.ORDER_PLACED: KindSpec(Audience.BUYER, EMAIL_ONLY),
    Kind.ORDER_SHIPPED: KindSpec(Audience.BUYER, BOTH),
    Kind.READY_FOR_PICKUP: KindSpec(Audience.BUYER, BOTH),
    Kind.REFUND_DECIDED: KindSpec(Audience.BUYER, BOTH),
    Kind.SELLER_NEW_ORDER: KindSpec(Audience.SELLER, BOTH),
    Kind.SELLER_REFUND_REQUESTED: KindSpec(Audience.SELLER, EMAIL_ONLY),
    Kind.SELLER_LOW_STOCK: KindSpec(Audience.SELLER, EMAIL_ONLY),
    Kind.OPERATOR_PARCELS_ARRIVING: KindSpec(Audience.OPERATOR, BOTH),
}


def kinds_for(audiences: set[str]) -> list[str]:
    """The kinds a user with these audiences may receive, in the registry's order."""
    return [kind for kind, spec in KINDS.items() if spec.audience in audiences]
