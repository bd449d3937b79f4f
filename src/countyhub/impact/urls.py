from django.urls import path

from countyhub.impact import (
    panel_views,
    views,
    views_income,
    views_living_costs,
    views_province,
    views_report,
)

app_name = "impact"
urlpatterns = [
    path("c/<slug:county_slug>/impact/yearbook/", views.figures, name="figures"),
    path("c/<slug:county_slug>/impact/yearbook/import/", views.import_figures, name="import"),
    path("c/<slug:county_slug>/impact/accounts/", views.accounts, name="accounts"),
    path("c/<slug:county_slug>/impact/province/", views_province.province, name="province"),
    path("c/<slug:county_slug>/impact/income/", views_income.income_page, name="income"),
    path("c/<slug:county_slug>/impact/income.csv", views_income.income_csv, name="income_csv"),
    path(
        "c/<slug:county_slug>/impact/living-costs/",
        views_living_costs.living_costs_page,
        name="living_costs",
    ),
    path(
        "c/<slug:county_slug>/impact/living-costs/import/",
        views_living_costs.import_prices,
        name="living_costs_import",
    ),
    path(
        "c/<slug:county_slug>/impact/evaluations/",
        panel_views.evaluations,
        name="evaluations",
    ),
    path(
        "c/<slug:county_slug>/impact/evaluations/<int:run_id>/",
        panel_views.evaluation,
        name="evaluation",
    ),
    path(
        "c/<slug:county_slug>/impact/evaluations/<int:run_id>/progress.json",
        panel_views.evaluation_progress,
        name="evaluation_progress",
    ),
    path(
        "c/<slug:county_slug>/impact/evaluations/<int:run_id>/panel.csv",
        panel_views.evaluation_panel,
        name="evaluation_panel",
    ),
    path(
        "c/<slug:county_slug>/impact/report/<int:year>/",
        views_report.report_page,
        name="report",
    ),
    path(
        "c/<slug:county_slug>/impact/report/<int:year>/pdf/",
        views_report.report_pdf_start,
        name="report_pdf",
    ),
]
