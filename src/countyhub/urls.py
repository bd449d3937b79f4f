import re

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from countyhub.api.router import api
from countyhub.catalog import views as catalog_views
from countyhub.core import metrics as core_metrics
from countyhub.core import views as core_views
from countyhub.trace import views as trace_views

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", core_metrics.metrics, name="metrics"),
    path("accounts/login/", core_views.ThrottledLoginView.as_view(), name="login"),
    path("accounts/signup/", core_views.signup, name="signup"),
    path("accounts/verify/<str:uidb64>/<str:token>/", core_views.verify, name="verify_email"),
    path("accounts/verify/resend/", core_views.resend_verification, name="resend_verification"),
    path(
        "accounts/password_reset/",
        core_views.ThrottledPasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("jobs/", core_views.my_jobs, name="my_jobs"),
    path("jobs/<int:job_id>/retry/", core_views.retry_job, name="retry_job"),
    path("jobs/<int:job_id>/", core_views.job_page, name="job"),
    path("jobs/<int:job_id>/progress/", core_views.job_progress, name="job_progress"),
    path("jobs/<int:job_id>/cancel/", core_views.cancel_job, name="cancel_job"),
    path("jobs/<int:job_id>/file/", core_views.job_file, name="job_file"),
    path("accounts/", include("django.contrib.auth.urls")),
    # GS1 Digital Link URIs (/01/<gtin>/10/<lot>...) printed in QR codes resolve here.
    re_path(r"^(?P<path>01/.*)$", trace_views.resolve, name="digital_link"),
    re_path(r"^(?P<path>00/.*)$", trace_views.resolve, name="digital_link_sscc"),
    path("trace/", include("countyhub.trace.urls")),
    path("", catalog_views.root, name="root"),
    path("", include("countyhub.catalog.urls")),
    path("", include("countyhub.shop.urls")),
    path("", include("countyhub.aftersales.urls")),
    path("", include("countyhub.programs.urls")),
    path("", include("countyhub.analyses.urls")),
    path("", include("countyhub.training.urls")),
    path("", include("countyhub.crossborder.urls")),
    path("", include("countyhub.notifications.urls")),
    path("", include("countyhub.impact.urls")),
    path("", include("countyhub.surveys.urls")),
    path("", include("countyhub.channels.urls")),
]

if settings.SERVE_MEDIA:
    # Development and the demo only (settings.SERVE_MEDIA): production serves uploads elsewhere.
    urlpatterns.insert(
        0,
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$",
            core_views.media,
            name="media",
        ),
    )
