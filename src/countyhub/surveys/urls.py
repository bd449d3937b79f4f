from django.urls import path

from countyhub.surveys import collect, openrosa, views

app_name = "surveys"

urlpatterns = [
    path("openrosa/<slug:county_slug>/formList", openrosa.form_list, name="openrosa_form_list"),
    path(
        "openrosa/<slug:county_slug>/forms/<str:form_id>/<str:version>/form.xml",
        openrosa.form_download,
        name="openrosa_form",
    ),
    path("openrosa/<slug:county_slug>/submission", openrosa.submission, name="openrosa_submission"),
    path("c/<slug:county_slug>/surveys/collect/", collect.collect, name="collect"),
    path(
        "c/<slug:county_slug>/surveys/collect/worker.js",
        collect.collect_worker,
        name="collect_worker",
    ),
    path(
        "c/<slug:county_slug>/surveys/collect/submit", collect.collect_submit, name="collect_submit"
    ),
    path("c/<slug:county_slug>/surveys/import/", views.answers_import, name="answers_import"),
    path("c/<slug:county_slug>/surveys/", views.survey_list, name="list"),
    path("c/<slug:county_slug>/surveys/waves/<int:wave_id>/", views.wave_detail, name="wave"),
    path(
        "c/<slug:county_slug>/surveys/waves/<int:wave_id>/export.<str:fmt>",
        views.wave_export,
        name="wave_export",
    ),
]
