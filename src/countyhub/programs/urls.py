from django.urls import path

from countyhub.programs import views

app_name = "programs"
urlpatterns = [
    path("c/<slug:county_slug>/programs/", views.dashboard, name="dashboard"),
    path("c/<slug:county_slug>/programs/report.pdf", views.dashboard_report, name="report"),
    path("programs/province/", views.province, name="province"),
    path("programs/my-payouts/", views.my_payouts, name="my_payouts"),
    path("c/<slug:county_slug>/programs/budget/", views.budget, name="budget"),
    path("c/<slug:county_slug>/programs/targets/", views.targets, name="targets"),
    path(
        "c/<slug:county_slug>/programs/spending/<int:spending_id>/decide/",
        views.decide_spending,
        name="decide_spending",
    ),
    path(
        "c/<slug:county_slug>/programs/evidence/<slug:kind>/<int:object_id>/",
        views.evidence,
        name="evidence",
    ),
    path("c/<slug:county_slug>/programs/tasks/", views.tasks, name="tasks"),
    path("c/<slug:county_slug>/programs/tasks/<int:task_id>/", views.task_detail, name="task"),
    path("c/<slug:county_slug>/programs/rules/", views.rules, name="rules"),
    path("c/<slug:county_slug>/programs/rules/<int:rule_id>/", views.rules, name="rule"),
    path("c/<slug:county_slug>/programs/payouts/", views.payouts, name="payouts"),
    path("c/<slug:county_slug>/programs/payouts/<int:run_id>/", views.run_detail, name="run"),
    path(
        "c/<slug:county_slug>/programs/payouts/<int:run_id>/approve/",
        views.approve_run,
        name="approve_run",
    ),
    path(
        "c/<slug:county_slug>/programs/payouts/<int:run_id>/export.<str:fmt>",
        views.export_run,
        name="export_run",
    ),
    path("c/<slug:county_slug>/programs/stations/", views.stations, name="stations"),
]
