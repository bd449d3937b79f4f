from django.urls import path

from countyhub.analyses import views

app_name = "analyses"
urlpatterns = [
    path("c/<slug:county_slug>/analyses/", views.index, name="index"),
    path(
        "c/<slug:county_slug>/analyses/datasets/<int:dataset_id>/",
        views.dataset_detail,
        name="dataset",
    ),
    path(
        "c/<slug:county_slug>/analyses/datasets/<int:dataset_id>/pls-sem/",
        views.pls_setup,
        name="pls_setup",
    ),
    path(
        "c/<slug:county_slug>/analyses/datasets/<int:dataset_id>/before-after/",
        views.before_after_setup,
        name="before_after_setup",
    ),
    path(
        "c/<slug:county_slug>/analyses/waves/<int:wave_id>/pls-sem/",
        views.wave_pls_setup,
        name="wave_pls_setup",
    ),
    path(
        "c/<slug:county_slug>/analyses/waves/<int:wave_id>/before-after/",
        views.wave_before_after_setup,
        name="wave_before_after_setup",
    ),
    path("c/<slug:county_slug>/analyses/cpi/", views.cpi_list, name="cpi_list"),
    path("c/<slug:county_slug>/analyses/cpi/<int:series_id>/", views.cpi_detail, name="cpi"),
    path("c/<slug:county_slug>/analyses/runs/<int:analysis_id>/", views.run_detail, name="run"),
    path(
        "c/<slug:county_slug>/analyses/runs/<int:analysis_id>/progress.json",
        views.run_progress,
        name="run_progress",
    ),
    path(
        "c/<slug:county_slug>/analyses/runs/<int:analysis_id>/cancel/",
        views.run_cancel,
        name="run_cancel",
    ),
    path(
        "c/<slug:county_slug>/analyses/runs/<int:analysis_id>/repeat/",
        views.run_repeat,
        name="run_repeat",
    ),
    path(
        "c/<slug:county_slug>/analyses/runs/<int:analysis_id>/report.<str:fmt>",
        views.run_report,
        name="run_report",
    ),
]
