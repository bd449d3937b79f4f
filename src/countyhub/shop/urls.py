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
    path("seller/shipping/", views.shipping_rates, name="shipping_rates"),
    path("seller/shipping/<int:rate_id>/", views.shipping_rate_edit, name="shipping_rate_edit"),
    path(
        "seller/shipping/<int:rate_id>/delete/",
        views.shipping_rate_delete,
        name="shipping_rate_delete",
    ),
    path("station/", views.station_dashboard, name="station_dashboard"),
    path("station/<int:station_id>/order/", views.assisted_order, name="assisted_order"),
]
