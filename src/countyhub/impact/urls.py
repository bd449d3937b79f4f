from django.urls import path

from countyhub.impact import views, views_income

app_name = "impact"
urlpatterns = [
    path("c/<slug:county_slug>/impact/yearbook/", views.figures, name="figures"),
    path("c/<slug:county_slug>/impact/yearbook/import/", views.import_figures, name="import"),
    path("c/<slug:county_slug>/impact/accounts/", views.accounts, name="accounts"),
    path("c/<slug:county_slug>/impact/income/", views_income.income_page, name="income"),
    path("c/<slug:county_slug>/impact/income.csv", views_income.income_csv, name="income_csv"),
]
