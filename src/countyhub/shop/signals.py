"""What the shop tells the apps above it, which connect in their AppConfig.ready(): the shop
does not import them."""

from django.dispatch import Signal

# Sent inside the packing transaction with `order` and `actor`; a receiver that raises rolls the
# packing back (trace records which batches the order ships from).
order_packed = Signal()
