from django.contrib import admin
from django.urls import include, path

from countyhub.api.router import api
from countyhub.core import views as core_views

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("healthz", core_views.healthz, name="healthz"),
]
