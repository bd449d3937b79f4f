"""The shop's pages, one module per audience; urls.py imports them from here."""

from countyhub.shop.views.cart import cart, cart_add, checkout, checkout_placed
from countyhub.shop.views.orders import order_action, order_detail, order_list
from countyhub.shop.views.seller import (
    packing_slips,
    sales_report,
    sales_report_csv,
    seller_dashboard,
    seller_orders,
    seller_product,
)
from countyhub.shop.views.shipping import shipping_rate_delete, shipping_rate_edit, shipping_rates
from countyhub.shop.views.station import (
    assisted_order,
    station_dashboard,
    station_day,
    station_day_sheet,
    station_day_sheet_pdf,
    station_hand_over,
    station_receive,
    station_return,
    station_slip,
)

__all__ = [
    "assisted_order",
    "cart",
    "cart_add",
    "checkout",
    "checkout_placed",
    "order_action",
    "order_detail",
    "order_list",
    "packing_slips",
    "sales_report",
    "sales_report_csv",
    "seller_dashboard",
    "seller_orders",
    "seller_product",
    "shipping_rate_delete",
    "shipping_rate_edit",
    "shipping_rates",
    "station_dashboard",
    "station_day",
    "station_day_sheet",
    "station_day_sheet_pdf",
    "station_hand_over",
    "station_receive",
    "station_return",
    "station_slip",
]
