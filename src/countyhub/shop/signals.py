"""What the shop tells the apps above it, which connect in their AppConfig.ready(): the shop
does not import them."""

from django.dispatch import Signal

# Sent inside the packing transaction with `order` and `actor`; a receiver that raises rolls the
# packing back (trace records which batches the order ships from).
order_packed = Signal()

# Sent inside the transaction that records a parcel received at its village service station,
# with `order` and `actor` (its OrderEvent to "at_station" is written): the buyer can pick it up.
order_ready_for_pickup = Signal()
