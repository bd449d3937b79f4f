from django.urls import path

from countyhub.catalog import views

app_name = "catalog"
urlpatterns = [
    path("c/<slug:county_slug>/", views.home, name="home"),
    path("c/<slug:county_slug>/products/", views.browse, name="browse"),
    path("c/<slug:county_slug>/p/<int:product_id>/", views.product_detail, name="product"),
]
