from django.urls import path

from countyhub.catalog import views

app_name = "catalog"
urlpatterns = [
    path("c/<slug:county_slug>/", views.home, name="home"),
    path("c/<slug:county_slug>/products/", views.browse, name="browse"),
    path("c/<slug:county_slug>/p/<int:product_id>/", views.product_detail, name="product"),
    path(
        "c/<slug:county_slug>/p/<int:product_id>/pictures/",
        views.product_pictures,
        name="product_pictures",
    ),
    path("c/<slug:county_slug>/import/", views.import_products_page, name="import_products"),
    path("station/households/", views.station_households, name="station_households"),
]
