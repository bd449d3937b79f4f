"""What the shop tells the apps above it, which connect in their AppConfig.ready(): the shop
does not import them."""

from django.dispatch import Signal

# Sent inside the packing transaction with `order` and `actor`; a receiver that raises rolls the
# packing back (trace records which batches the order ships from).
order_packed = Signal()

# Sent inside the transaction that records a parcel received at its village service station,
# with `order` (whose pickup_code the buyer brings) and `actor`; notifications tells the buyer
# (or the villager an operator ordered for) to come with the code.
order_ready_for_pickup = Signal()
