from django.urls import path

from countyhub.surveys import collect, editor_views, openrosa, views

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
    path(
        "c/<slug:county_slug>/surveys/questionnaires/",
        editor_views.questionnaire_list,
        name="questionnaires",
    ),
    path(
        "c/<slug:county_slug>/surveys/questionnaires/new",
        editor_views.draft_new,
        name="draft_new",
    ),
    path(
        "c/<slug:county_slug>/surveys/questionnaires/<int:questionnaire_id>/form.xlsx",
        editor_views.questionnaire_xlsx,
        name="questionnaire_xlsx",
    ),
    path(
        "c/<slug:county_slug>/surveys/questionnaires/<int:questionnaire_id>/edit",
        editor_views.questionnaire_edit,
        name="questionnaire_edit",
    ),
    path(
        "c/<slug:county_slug>/surveys/drafts/<int:draft_id>/",
        editor_views.draft_detail,
        name="draft",
    ),
    path(
        "c/<slug:county_slug>/surveys/drafts/<int:draft_id>/form.xlsx",
        editor_views.draft_xlsx,
        name="draft_xlsx",
    ),
    path(
        "c/<slug:county_slug>/surveys/drafts/<int:draft_id>/question",
        editor_views.draft_question,
        name="draft_question",
    ),
    path(
        "c/<slug:county_slug>/surveys/drafts/<int:draft_id>/title",
        editor_views.draft_title,
        name="draft_title",
    ),
    path(
        "c/<slug:county_slug>/surveys/drafts/<int:draft_id>/section",
        editor_views.draft_section,
        name="draft_section",
    ),
    path(
        "c/<slug:county_slug>/surveys/drafts/<int:draft_id>/move",
        editor_views.draft_move,
        name="draft_move",
    ),
    path(
        "c/<slug:county_slug>/surveys/drafts/<int:draft_id>/delete",
        editor_views.draft_delete,
        name="draft_delete",
    ),
    path(
        "c/<slug:county_slug>/surveys/drafts/<int:draft_id>/publish",
        editor_views.draft_publish,
        name="draft_publish",
    ),
]
