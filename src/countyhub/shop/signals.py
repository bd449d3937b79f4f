"""What the shop tells the apps above it, which connect in their AppConfig.ready(): the shop
does not import them."""

from django.dispatch import Signal

# Sent inside the packing transaction with `order` and `actor`; a receiver that raises rolls the
# packing back (trace records which batches the order ships from).
order_packed = Signal()

# Sent inside the transaction that makes an order ready at its village service station, with
# `order` and `pickup_code`; notifications tells the buyer (or the villager) to come with the code.
order_ready_for_pickup = Signal()
