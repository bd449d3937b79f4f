from django.urls import path

from countyhub.shop import views

app_name = "shop"
urlpatterns = [
    path("c/<slug:county_slug>/cart/", views.cart, name="cart"),
    path("c/<slug:county_slug>/cart/add/<int:product_id>/", views.cart_add, name="cart_add"),
    path("c/<slug:county_slug>/checkout/", views.checkout, name="checkout"),
    path("checkouts/<int:checkout_id>/", views.checkout_placed, name="checkout_placed"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<str:number>/", views.order_detail, name="order"),
    path("orders/<str:number>/<slug:action>/", views.order_action, name="order_action"),
    path("seller/", views.seller_dashboard, name="seller_dashboard"),
    path("seller/orders/", views.seller_orders, name="seller_orders"),
    path("seller/slips/", views.packing_slips, name="packing_slips"),
    path("seller/sales/", views.sales_report, name="sales_report"),
    path("seller/sales/csv/", views.sales_report_csv, name="sales_report_csv"),
    path("seller/products/<int:product_id>/", views.seller_product, name="seller_product"),
    path("seller/shipping/", views.shipping_rates, name="shipping_rates"),
    path("seller/shipping/<int:rate_id>/", views.shipping_rate_edit, name="shipping_rate_edit"),
    path(
        "seller/shipping/<int:rate_id>/delete/",
        views.shipping_rate_delete,
        name="shipping_rate_delete",
    ),
    path("station/", views.station_dashboard, name="station_dashboard"),
    path("station/<int:station_id>/order/", views.assisted_order, name="assisted_order"),
    path("station/<int:station_id>/day/", views.station_day, name="station_day"),
    path("station/days/<int:pk>/", views.station_day_sheet, name="station_day_sheet"),
    path(
        "station/days/<int:pk>/sheet-pdf/",
        views.station_day_sheet_pdf,
        name="station_day_sheet_pdf",
    ),
    path("station/parcels/<str:number>/receive/", views.station_receive, name="station_receive"),
    path(
        "station/parcels/<str:number>/hand-over/",
        views.station_hand_over,
        name="station_hand_over",
    ),
    path("station/parcels/<str:number>/return/", views.station_return, name="station_return"),
    path("station/parcels/<str:number>/slip/", views.station_slip, name="station_slip"),
]
