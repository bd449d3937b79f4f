"""Links into the trace pages from other apps' templates (the product page), without those apps
importing trace: the product page sits below trace in the import layers."""

from __future__ import annotations

from django import template

from countyhub.catalog.models import Product
from countyhub.trace.identifiers import batch_link
from countyhub.trace.models import Batch

register = template.Library()


def current_lot(product: Product) -> Batch | None:
    """The lot a buyer of `product` now most likely receives: the newest recorded lot with units
    left to ship, else the newest recorded lot."""
    lots = Batch.objects.filter(product=product, event_count__gt=0).order_by(
        "-production_date", "-pk"
    )
    in_stock = [lot for lot in lots[:20] if lot.shipped_quantity < lot.quantity]
    return in_stock[0] if in_stock else lots.first()


@register.simple_tag
def current_lot_path(product: Product) -> str:
    """The local path of the product's current lot's public trace page, or "" without one."""
    lot = current_lot(product)
    if lot is None:
        return ""
    return "/" + batch_link(lot).uri.split("/", 3)[3]
