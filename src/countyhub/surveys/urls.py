from django.urls import path

from countyhub.surveys import openrosa

app_name = "surveys"

urlpatterns = [
    path("openrosa/<slug:county_slug>/formList", openrosa.form_list, name="openrosa_form_list"),
    path(
        "openrosa/<slug:county_slug>/forms/<str:form_id>/<str:version>/form.xml",
        openrosa.form_download,
        name="openrosa_form",
    ),
    path("openrosa/<slug:county_slug>/submission", openrosa.submission, name="openrosa_submission"),
]
