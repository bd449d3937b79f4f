from django.urls import path

from countyhub.crossborder import views

app_name = "crossborder"
urlpatterns = [
    path(
        "c/<slug:county_slug>/exports/products/<int:product_id>/trade-data/",
        views.trade_data,
        name="trade_data",
    ),
    path("c/<slug:county_slug>/exports/", views.export_orders, name="exports"),
    path("c/<slug:county_slug>/exports/receipts/", views.receipts, name="receipts"),
    path("c/<slug:county_slug>/exports/report.csv", views.report_csv, name="report"),
    path("c/<slug:county_slug>/exports/<int:export_id>/", views.export_order, name="export"),
    path(
        "c/<slug:county_slug>/exports/<int:export_id>/<str:name>",
        views.download,
        name="download",
    ),
]
