from django.urls import path

from countyhub.channels import views

app_name = "channels"
urlpatterns = [
    path("c/<slug:county_slug>/channels/", views.index, name="index"),
    path("c/<slug:county_slug>/gov832/", views.gov832_page, name="gov832"),
    path("c/<slug:county_slug>/channels/sales.csv", views.sales_csv, name="sales_csv"),
    path(
        "c/<slug:county_slug>/channels/products/<int:product_id>/",
        views.product_listings,
        name="product_listings",
    ),
    path("c/<slug:county_slug>/channels/<slug:code>/", views.channel_page, name="channel"),
    path(
        "c/<slug:county_slug>/channels/<slug:code>/listings/<int:product_id>/",
        views.listing_edit,
        name="listing_edit",
    ),
    path("c/<slug:county_slug>/channels/<slug:code>/feed/<slug:fmt>/", views.feed, name="feed"),
    path("c/<slug:county_slug>/channels/<slug:code>/stock/", views.stock_file, name="stock"),
    path(
        "c/<slug:county_slug>/channels/<slug:code>/stock-push/",
        views.stock_push_page,
        name="stock_push",
    ),
]
