from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from countyhub.api.router import api
from countyhub.catalog import views as catalog_views
from countyhub.core import views as core_views

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/login/", core_views.ThrottledLoginView.as_view(), name="login"),
    path("accounts/signup/", core_views.signup, name="signup"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", catalog_views.root, name="root"),
    path("", include("countyhub.catalog.urls")),
    path("", include("countyhub.shop.urls")),
    path("", include("countyhub.programs.urls")),
    path("", include("countyhub.training.urls")),
]
